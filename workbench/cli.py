"""The `workbench` command line: one small function per command."""

from __future__ import annotations

import json
import sys
import tempfile
from importlib import resources
from pathlib import Path

import click

from . import __version__
from .config import LabelSet, load_config, read_label_file, remember_annotator, remembered_annotator
from .errors import NothingToCompare, WorkbenchError
from .cli_store import open_store
from .failures import WorkbenchGroup
from .model import annotator_name_problem
from .corpus import expand
from .store import Store, default_db_path
from .text import counted, for_terminal, for_terminal_json


def has_terminal() -> bool:
    """Whether the TUI can run here: it reads keys from a terminal and draws on one."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def require_terminal(command: str) -> None:
    """Refuses to start the TUI where it would wait forever for keys."""
    if not has_terminal():
        raise WorkbenchError(f"{command} needs a terminal: run it in one, not with its input or output "
                             "redirected")


def run_tui(ctx: click.Context, app) -> None:
    """Run the TUI; if it stopped on an error (Textual has shown it), exit with its status."""
    app.run()
    if app.return_code:
        ctx.exit(app.return_code)


@click.group(cls=WorkbenchGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Database file [default: ./annotations.db, or $WORKBENCH_DB].")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.version_option(__version__, prog_name="workbench")
@click.pass_context
def cli(ctx: click.Context, db: Path | None, debug: bool) -> None:
    """A keyboard-driven terminal workbench for annotating news articles."""
    ctx.ensure_object(dict)
    ctx.obj["db"] = db or default_db_path()
    ctx.obj["debug"] = debug


@cli.command()
@click.option("--labels", "labels_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A TOML or JSON file of labels (name, key, colour, description) and relation types.")
@click.pass_context
def init(ctx: click.Context, labels_file: Path | None) -> None:
    """Create the database, or bring an existing one up to date.

    \b
    Examples:
      workbench init
      workbench --db team.db init --labels labels.toml
    """
    from .linking import EntitySearch
    from .tui.app import label_key_problems

    if labels_file:
        label_set = read_label_file(labels_file)
    else:
        config = load_config()
        label_set = LabelSet(config.labels, config.relation_types)
    for problem in label_key_problems(label_set.labels):
        raise WorkbenchError(f"{labels_file or 'workbench.toml'}: {problem}")
    store = open_store(ctx)
    try:
        store.set_label_set(label_set.labels, label_set.relation_types)
    except WorkbenchError as error:
        raise WorkbenchError(f"{labels_file or 'workbench.toml'}: {error}") from None
    names = ", ".join(f"{label.name} ({label.key})" for label in store.labels())
    kinds = ", ".join(kind.rule() for kind in store.relation_types()) or "none"
    # An upgrade may empty the entity-search index; rebuilt here, it is not rebuilt in
    # memory by every read-only `kb search` until some other command searches.
    indexed = EntitySearch(store).refresh()
    rebuilt = f"; search index built for {counted(indexed, 'name')}" if indexed else ""
    click.echo(f"{store.path}: schema version {store.schema_version()}; labels: {for_terminal(names)}; "
               f"relations: {for_terminal(kinds)}{rebuilt}")


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.pass_context
def import_command(ctx: click.Context, paths: tuple[Path, ...]) -> None:
    """Import .txt/.md files, folders of them, and .jsonl files.

    Each JSONL line needs "text" and may carry "id", "title" and "meta".
    Re-importing a text that is already there is a no-op. A JSONL file from
    `workbench export --format jsonl` (lines with "annotations") restores its
    annotators, statuses, spans and links too, all of the file or none of it.

    \b
    Examples:
      workbench import articles/
      workbench import batch.jsonl notes.md
      workbench --db fresh.db import exports/jsonl-all-any.jsonl
    """
    from .importer import import_paths  # with the formats it reads: not for every command

    store = open_store(ctx)
    # click needs a length; expanding folders twice is cheap next to importing them.
    with click.progressbar(length=sum(1 for _ in expand(paths)), label="importing",
                           file=sys.stderr, show_pos=True,
                           hidden=not sys.stderr.isatty()) as bar:
        report = import_paths(store, paths, on_file=lambda path: bar.update(1))
    for rejected in report.rejected:
        click.secho(f"rejected {for_terminal(str(rejected))}", fg="red", err=True)
    ignored = ", ".join(f"{name} ({count})" for name, count in sorted(report.ignored.items()))
    click.echo(f"{report.added} added, {report.duplicates} already present, "
               f"{counted(len(report.rejected), 'file')} rejected"
               + (f", {counted(report.spans, 'span')} restored" if report.spans else "")
               + (f", {counted(report.relations, 'relation')} restored" if report.relations else "")
               + (f"; ignored fields the format does not know: {for_terminal(ignored)}" if ignored else ""))
    if report.rejected:
        ctx.exit(1)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per document, for scripts.")
@click.pass_context
def docs(ctx: click.Context, as_json: bool) -> None:
    """List the documents with each annotator's status and span count."""
    store = open_store(ctx, readonly=True)
    annotators = store.annotators(include_gold=True)
    progress = {name: {row.uid: row for row in store.queue(name)} for name in annotators}
    for position, (uid, title, source, characters) in enumerate(store.document_summaries(), start=1):
        per_annotator = {
            name: {"status": progress[name][uid].status, "spans": progress[name][uid].spans}
            for name in annotators
            if progress[name][uid].status != "new" or progress[name][uid].spans
        }
        if as_json:
            click.echo(for_terminal_json({"position": position, "id": uid, "title": title,
                                       "source": source, "characters": characters,
                                       "annotators": per_annotator}))
            continue
        summary = "  ".join(f"{for_terminal(name)}: {state['status']} ({state['spans']})"
                            for name, state in per_annotator.items()) or "not started"
        click.echo(f"{position:>4}  {uid[:12]}  {for_terminal(title)[:60]:<60}  {summary}")


@cli.command()
@click.option("--annotator", envvar="WORKBENCH_ANNOTATOR",
              help="Who is annotating [default: $WORKBENCH_ANNOTATOR, workbench.toml, or the name "
                   "given last time; asked on first run].")
@click.argument("document", required=False)
@click.pass_context
def annotate(ctx: click.Context, annotator: str | None, document: str | None) -> None:
    """Open the annotation TUI, at DOCUMENT or where this annotator left off.

    DOCUMENT is an id (or its first characters), #N for the Nth document in the
    queue, or a source file name.

    \b
    Examples:
      workbench annotate
      workbench annotate --annotator alice '#3'
    """
    from .tui.app import make_app

    config = load_config()
    store = open_store(ctx, existing=True)
    uid = store.find_document(document).uid if document else None
    name = annotator if annotator is not None else config.annotator or remembered_annotator(store.path)
    problem = annotator_name_problem(name) if name is not None else None
    if problem:
        raise WorkbenchError(problem)
    require_terminal("annotate")
    if name:
        remember_annotator(name, store.path)
    run_tui(ctx, make_app(store, name, document=uid, config=config))


@cli.command()
@click.option("--annotator", "annotators", multiple=True,
              help="An annotator whose work is reviewed; repeat for more [default: all who "
                   "annotated the document].")
@click.argument("document", required=False)
@click.pass_context
def review(ctx: click.Context, annotators: tuple[str, ...], document: str | None) -> None:
    """Adjudicate annotators' versions into gold, at DOCUMENT or the next one ready.

    Spans every annotator agreed on start out in gold; disagreements are listed
    by kind (boundary, label, link, only some) to accept, reject or edit.

    \b
    Examples:
      workbench review
      workbench review --annotator alice --annotator bob 2
    """
    from .tui.app import make_app

    store = open_store(ctx, existing=True)
    known = set(store.annotators())
    unknown = [name for name in annotators if name not in known]
    if unknown:
        raise WorkbenchError(f"no annotator named {', '.join(map(repr, unknown))}; "
                             f"known: {', '.join(sorted(known)) or 'none'}")
    uid = store.find_document(document).uid if document else None
    reviewer = load_config().annotator or remembered_annotator(store.path) or "reviewer"
    require_terminal("review")
    run_tui(ctx, make_app(store, reviewer, document=uid, config=load_config(), review=list(annotators)))


@cli.command()
@click.option("--annotator", envvar="WORKBENCH_ANNOTATOR", help="Who is annotating.")
@click.option("--no-open", is_flag=True, help="Build the demo database without opening the TUI.")
@click.pass_context
def demo(ctx: click.Context, annotator: str | None, no_open: bool) -> None:
    """Build the demo database from the bundled corpus and open it."""
    from .importer import import_paths

    problem = annotator_name_problem(annotator) if annotator is not None else None
    if problem:
        raise WorkbenchError(problem)
    store = open_store(ctx)
    corpus = resources.files("workbench") / "data" / "demo"
    with resources.as_file(corpus) as folder:
        report = import_paths(store, [folder])
    from .formats.kb import read_kb
    from .linking import normalise_alias

    with resources.as_file(resources.files("workbench") / "data" / "demo_entities.jsonl") as kb_file:
        entities, aliases = store.import_entities(read_kb(kb_file), normalise_alias)
    click.echo(f"demo corpus: {report.added} added, {report.duplicates} already present; "
               f"{counted(entities, 'entity', 'entities')} with {counted(aliases, 'alias', 'aliases')}; in {store.path}")
    if annotator:
        remember_annotator(annotator, store.path)
    if no_open or not has_terminal():
        click.echo(f"open it with: workbench --db {store.path} annotate")
        return
    ctx.invoke(annotate, annotator=annotator, document=None)


@cli.command()
@click.option("--format", "format_name", required=True,
              type=click.Choice(["jsonl", "spacy", "prodigy", "doccano", "brat", "conll", "labelstudio", "kb"]),
              help="jsonl (native, re-importable), spacy (.spacy DocBin), prodigy, doccano, "
                   "brat (a folder), conll (BIO tags), labelstudio (a folder: tasks and "
                   "labelling config), kb (the entity table).")
@click.option("--annotator", "annotators", multiple=True,
              help="Export this annotator's work (repeatable) [default: every annotator but gold].")
@click.option("--gold", is_flag=True, help="Export the adjudicated gold annotations.")
@click.option("--status", type=click.Choice(["done", "any"]), default="done", show_default=True,
              help="done: only documents an annotator marked done, what training data wants; "
                   "any: every document, whatever its status (a full, lossless backup with jsonl).")
@click.option("--label", "labels", multiple=True,
              help="Only spans with this label (repeatable); for conll this picks the layer.")
@click.option("--lang", default="en", show_default=True,
              help="spacy: the language whose tokenizer builds the Docs.")
@click.option("--ents-label", "ents_labels", multiple=True,
              help="spacy: only spans with this label go into doc.ents (repeatable) [default: all].")
@click.option("--layout", type=click.Choice(["flat", "per-annotator"]), default="flat", show_default=True,
              help="brat: <uid>-<annotator> files in one folder, or one folder per annotator "
                   "(what bratiaa and brat's comparison read).")
@click.option("--doccano-layout", type=click.Choice(["labels", "relations"]), default="labels",
              show_default=True,
              help="doccano: the sequence labelling layout (label lists; no relations), or the "
                   "relation layout (entities and relations) a project with relation labeling imports.")
@click.option("--suggestions", "recommenders", multiple=True, metavar="RECOMMENDER",
              help="Add this recommender's stored suggestions as the pseudo-annotator "
                   "recommender:RECOMMENDER (repeatable) [default: no suggestions].")
@click.option("--out", type=click.Path(path_type=Path),
              help="Output file, or - for standard output (a folder for brat and labelstudio) "
                   "[default: exports/<format>-<who>-<status>...].")
@click.pass_context
def export(ctx: click.Context, format_name: str, annotators: tuple[str, ...], gold: bool,
           status: str, labels: tuple[str, ...], lang: str, ents_labels: tuple[str, ...],
           layout: str, doccano_layout: str, recommenders: tuple[str, ...], out: Path | None) -> None:
    """Write annotations in a format other tools load for training and evaluation.

    Every span is checked against its document text first; a mismatch stops
    the export. The file appears only when complete (written under a
    temporary name, then renamed), and the same database always gives the same
    bytes. Overlapping spans: spacy keeps all in doc.spans["sc"] and the
    shortest non-overlapping ones in doc.ents; conll keeps the longest and
    reports how many it dropped. See README.md, "File formats".

    \b
    Examples:
      workbench export --format jsonl --status any
      workbench export --format spacy --annotator alice --annotator bob
      workbench export --format spacy --lang uk --ents-label source --ents-label figure
      workbench export --format conll --gold --label source --out train.conll
      workbench export --format brat --gold --out brat/
      workbench export --format brat --layout per-annotator --out brat-iaa/
      workbench export --format doccano --doccano-layout relations
      workbench export --format labelstudio --out labelstudio/
      workbench export --format kb
      workbench export --format jsonl --status any --suggestions figures --suggestions mentions
    """
    from .formats import Options, Selection, default_path, export as run_export, get_format

    store = open_store(ctx, readonly=True)
    fmt = get_format(format_name)
    selection = Selection(annotators=annotators, gold=gold, status=status, labels=labels,
                          recommenders=tuple(dict.fromkeys(recommenders)))
    options = Options(lang=lang, ents_labels=ents_labels, layout=layout, doccano_layout=doccano_layout)
    if out == Path("-"):
        if not fmt.suffix:
            raise WorkbenchError(f"{fmt.name} writes a folder, not standard output; give --out a folder")
        with tempfile.TemporaryDirectory() as folder:
            # Written and checked whole first, so a failed export prints nothing.
            report = run_export(store, fmt, selection, Path(folder) / f"export{fmt.suffix}",
                                options=options)
            sys.stdout.buffer.write(report.path.read_bytes())
        click.echo(f"standard output: {for_terminal(report.summary())}", err=True)
        return
    path = out or default_path(fmt, selection)
    with click.progressbar(length=store.document_count(), label="exporting", file=sys.stderr,
                           hidden=not sys.stderr.isatty()) as bar:
        report = run_export(store, fmt, selection, path, on_document=lambda: bar.update(1),
                            options=options)
    click.echo(for_terminal(f"{path}: {report.summary()}"))


@cli.command()
@click.pass_context
def check(ctx: click.Context) -> None:
    """Verify the database: schema version, integrity, foreign keys, span offsets and texts.

    Prints one line per problem and exits 1 if there is any; changes nothing.

    \b
    Examples:
      workbench check
      workbench --db backups/team-monday.db check
    """
    path = Path(ctx.obj["db"])
    store = Store.open(path, readonly=True)
    ctx.call_on_close(store.close)
    problems = store.check()
    for problem in problems:
        click.echo(for_terminal(problem))
    if problems:
        click.secho(f"{path}: {counted(len(problems), 'problem')} found", fg="red", err=True)
        ctx.exit(1)
    click.echo(f"{path}: ok (schema version {store.schema_version()}, "
               f"{counted(store.document_count(), 'document')})")


@cli.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace PATH if it already exists.")
@click.pass_context
def backup(ctx: click.Context, path: Path, force: bool) -> None:
    """Copy the database to PATH while annotators keep working, then check the copy.

    Uses SQLite's online backup API, so nobody has to stop.

    \b
    Examples:
      workbench backup backups/annotations-2024-03-01.db
      workbench --db team.db backup /mnt/usb/team.db --force
    """
    from .output_paths import refuse_output

    store = open_store(ctx, readonly=True)
    refuse_output(path, store.path)
    if path.exists() and not force:
        raise WorkbenchError(f"{path} already exists; pass --force to replace it")
    if not path.parent.is_dir():
        raise WorkbenchError(f"{path.parent}: no such folder")
    store.backup(path)
    copy = Store.open(path, readonly=True)
    try:
        problems = copy.check()
        documents = copy.document_count()
    finally:
        copy.close()
    if problems:
        raise WorkbenchError(f"{path}: the copy failed its check: {for_terminal(problems[0])}")
    click.echo(f"{path}: backup of {store.path} written and checked ({counted(documents, 'document')})")


@cli.command("browse-metadata")
@click.pass_context
def browse_metadata(ctx: click.Context) -> None:
    """Print Datasette metadata for the database: what every table and column holds.

    \b
    Examples:
      workbench browse-metadata > metadata.json
      datasette annotations.db -m metadata.json
    """
    from .browse import metadata

    click.echo(json.dumps(metadata(Path(ctx.obj["db"]).stem), ensure_ascii=False, indent=2))


@cli.command("merge")
@click.argument("other", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def merge_command(ctx: click.Context, other: Path) -> None:
    """Bring in the documents, annotators, spans, links, statuses and events of another copy.

    Rows are matched by document content hash, span id and event uid, so
    merging the same copy twice changes nothing. A span or status changed in
    both copies is a conflict: it is listed, this copy's version is kept, and
    the command exits 1 (everything else is merged).

    \b
    Examples:
      workbench merge laptop-olena.db
      workbench --db team.db merge /mnt/usb/offline-copy.db
    """
    from .merge import merge

    store = open_store(ctx)
    report = merge(store, other)
    for conflict in report.conflicts:
        click.echo(f"conflict: {for_terminal(conflict)}")
    click.echo(for_terminal(report.summary()))
    if report.conflicts:
        ctx.exit(1)


@cli.command()
@click.option("--annotator", "-a", "annotators", multiple=True,
              help="Compare this annotator (repeatable) [default: all but gold].")
@click.option("--label", "-l", "labels", multiple=True, help="Only this label (repeatable).")
@click.option("--document", "-d", "documents", multiple=True,
              help="Only this document: uid, uid prefix, #position or source (repeatable).")
@click.option("--status", type=click.Choice(["done", "any"]), default="done", show_default=True,
              help="done: documents every compared annotator marked done; "
                   "any: documents where at least two of them have spans.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "markdown", "html", "csv"]),
              default="table", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file [html default: exports/agreement.html; others: stdout].")
@click.option("--recommender", "recommenders", multiple=True, metavar="NAME",
              help="Score this recommender's suggestions as a pseudo-annotator (repeatable).")
@click.pass_context
def agreement(ctx: click.Context, annotators: tuple[str, ...], labels: tuple[str, ...],
              documents: tuple[str, ...], status: str, fmt: str, out: Path | None,
              recommenders: tuple[str, ...]) -> None:
    """Inter-annotator agreement: span F1, token kappa/alpha, unitizing alpha, links, disagreements.

    README.md, "Agreement: what each number means", explains every number.

    \b
    Examples:
      workbench agreement
      workbench agreement -a alice -a bob --label claim
      workbench agreement --status any --format html --out report.html
      workbench agreement --format json > agreement.json
      workbench agreement -a gold --recommender figures --label figure
    """
    from .agreement.from_store import agreement_report
    from .agreement.render import render, table
    from .output_paths import refuse_output, write_text_atomically

    store = open_store(ctx, readonly=True)
    if out is None and fmt == "html":
        out = Path("exports") / "agreement.html"
    if out is not None:
        # Before the report, which can take seconds to build.
        refuse_output(out, store.path)
    try:
        report = agreement_report(store, annotators=annotators, labels=labels,
                                  documents=documents, status=status, recommenders=recommenders)
    except NothingToCompare as error:
        raise WorkbenchError(f"{error}{' (try --status any)' if error.only_done else ''}") from None
    if out is None and fmt == "table":
        from rich.console import Console

        Console().print(table(report))
    elif out is None:
        click.echo(render(report, fmt), nl=False)
    else:
        write_text_atomically(out, render(report, fmt))
        click.echo(f"wrote {out}")


# Registered last: its commands reach back for open_store when they run.
from .kb_cli import kb  # noqa: E402

cli.add_command(kb)

from .cli_suggest import suggest  # noqa: E402  (it opens stores through this module)

cli.add_command(suggest)


def main() -> None:
    cli(obj={})
