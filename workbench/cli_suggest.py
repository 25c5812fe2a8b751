"""`workbench suggest`: compute, list, import and clear suggestions."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .cli_store import open_store
from .errors import ImportRejected, WorkbenchError
from .text import counted, for_terminal, for_terminal_json


def _store(ctx: click.Context, *, readonly: bool = False):
    return open_store(ctx, readonly=readonly)


@click.group(invoke_without_command=True)
@click.option("--recommender", "-r", "names", multiple=True, metavar="NAME",
              help="figures, sources, mentions or decisions (repeatable) [default: all].")
@click.option("--document", "-d", "documents", multiple=True,
              help="Only this document: uid, uid prefix, #position or source (repeatable).")
@click.option("--replace", is_flag=True,
              help="Drop the recommenders' earlier suggestions for these documents first.")
@click.pass_context
def suggest(ctx: click.Context, names: tuple[str, ...], documents: tuple[str, ...], replace: bool) -> None:
    """Pre-annotate: recommenders propose spans that annotators accept or reject.

    Suggestions are kept apart from spans: no export, report or review sees
    them. Running it again adds nothing new; --replace recomputes.

    \b
    Examples:
      workbench suggest
      workbench suggest -r figures -r mentions --document '#3' --replace
      workbench suggest list --json
      workbench suggest import predictions.jsonl
      workbench suggest clear --recommender mentions
    """
    if ctx.invoked_subcommand is not None:
        return
    from .recommend.from_store import RECOMMENDERS, build_recommenders, suggest as run

    store = _store(ctx)
    uids = [store.find_document(key).uid for key in documents] or store.document_uids()
    wanted = names or RECOMMENDERS
    if "mentions" in wanted and store.entity_count():
        click.echo("building the knowledge-base automaton...", err=True)
    recommenders = build_recommenders(store, wanted)
    with click.progressbar(length=len(uids), label="suggesting", file=sys.stderr,
                           hidden=not sys.stderr.isatty()) as bar:
        report = run(store, recommenders, uids, replace=replace, on_document=lambda: bar.update(1))
    for name in wanted:
        if name not in {r.name for r in recommenders}:
            click.echo(f"{name}: nothing to go on (no knowledge base or no spans yet)", err=True)
    if "mentions" in {r.name for r in recommenders} and "mention" not in {l.name for l in store.labels()}:
        click.echo("mentions: only names inside an attribution were suggested (as source); the "
                   "database has no label 'mention' for the others", err=True)
    for label, count in sorted(report.unknown_labels.items()):
        click.echo(f"{counted(count, for_terminal(label) + ' suggestion')} dropped: the database has no label "
                   f"{for_terminal(label)!r} (add it with `workbench init --labels FILE`)", err=True)
    added = ", ".join(f"{report.added[r.name]} {r.name}" for r in recommenders) or "nothing"
    click.echo(f"{counted(report.documents, 'document')}: {added} new suggestions")


@suggest.command("list")
@click.option("--document", "-d", "document", help="Only this document.")
@click.option("--recommender", "-r", help="Only this recommender's.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per suggestion, for scripts.")
@click.pass_context
def suggest_list(ctx: click.Context, document: str | None, recommender: str | None, as_json: bool) -> None:
    """List the stored suggestions; --json writes what `suggest import` reads."""
    store = _store(ctx, readonly=True)
    uid = store.find_document(document).uid if document else None
    for suggestion in store.suggestions(uid, recommender=recommender):
        if as_json:
            click.echo(for_terminal_json({
                "document": suggestion.document, "start": suggestion.start, "end": suggestion.end,
                "label": suggestion.label, "text": suggestion.text, "entity": suggestion.entity_id,
                "score": suggestion.score, "recommender": suggestion.recommender}))
        else:
            link = f" → {suggestion.entity_id}" if suggestion.entity_id else ""
            click.echo(f"{suggestion.document[:12]}  {suggestion.start:>6}-{suggestion.end:<6} "
                       f"{for_terminal(suggestion.label):<8} {for_terminal(suggestion.recommender):<10} "
                       f"{suggestion.score:4.2f}  {for_terminal(suggestion.text)[:60]}{for_terminal(link)}")


@suggest.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def suggest_import(ctx: click.Context, file: Path) -> None:
    """Import predictions from another tool (JSONL, one span per line); a bad line rejects the file.

    Each line: {"document", "start", "end", "label", "text", "entity", "score", "recommender"}.
    """
    from .recommend.external import read_predictions

    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise WorkbenchError(f"{file}: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise ImportRejected(str(file), f"not UTF-8 (byte {error.start})") from None
    store = _store(ctx)
    uids = set(store.document_uids())

    def known_entity(entity_id: str) -> bool:
        try:
            store.entity(entity_id)
        except WorkbenchError:
            return False
        return True

    predictions = read_predictions(str(file), lines, text_of=lambda uid: store.text(uid) if uid in uids else None,
                                   labels={label.name for label in store.labels()},
                                   entity_known=known_entity)
    added = store.add_suggestion_batch(predictions)
    click.echo(f"{file}: {counted(len(predictions), 'prediction')}, {counted(added, 'new suggestion')}")


@suggest.command("clear")
@click.option("--recommender", "-r", help="Only this recommender's [default: every suggestion].")
@click.pass_context
def suggest_clear(ctx: click.Context, recommender: str | None) -> None:
    """Remove suggestions; annotators' rejections are kept."""
    removed = _store(ctx).clear_suggestions(recommender=recommender)
    click.echo(f"{counted(removed, 'suggestion')} removed")
