"""The `workbench` command line: one small function per command."""

from __future__ import annotations

import os
import sqlite3
import sys
import tempfile
import traceback
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path

import click

from . import __version__
from .config import load_config, read_label_file, remember_annotator, remembered_annotator, state_dir
from .errors import WorkbenchError
from .model import annotator_name_problem
from .corpus import expand
from .importer import import_paths
from .store import Store, default_db_path
from .text import for_terminal, for_terminal_json


class WorkbenchGroup(click.Group):
    """Turns user errors into one line and unexpected ones into a crash log."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except WorkbenchError as error:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.secho(f"error: {for_terminal(str(error))}", fg="red", err=True)
            ctx.exit(1)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)
        except BrokenPipeError:
            # The reader went away (`workbench docs | head`): stop quietly, as other tools do.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(141)
        except Exception as error:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            refusal = file_system_refusal(error, ctx.obj.get("db") if ctx.obj else None)
            if refusal:
                click.secho(f"error: {for_terminal(refusal)}", fg="red", err=True)
                ctx.exit(1)
            log = write_crash_log()
            click.secho(f"internal error: {type(error).__name__}: {error}", fg="red", err=True)
            click.echo(f"The details are in {log}; please include that file in a bug report.", err=True)
            ctx.exit(2)


# What SQLite says when the file system, not the database, is the problem.
_SQLITE_REFUSALS = ("attempt to write a readonly database", "unable to open database file",
                    "database or disk is full", "disk I/O error")


def file_system_refusal(error: Exception, db: Path | None) -> str | None:
    """One line for an error the user's file system caused (a read-only folder, a full disk,
    a file where a folder should be), or None for anything else."""
    if isinstance(error, OSError):
        return f"{error.filename}: {error.strerror}" if error.filename and error.strerror else str(error)
    if isinstance(error, sqlite3.OperationalError) and str(error) in _SQLITE_REFUSALS:
        return f"{db}: {error}"
    return None


def write_crash_log() -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    directory = state_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"crash-{stamp}-{os.getpid()}.log"
        path.write_text(f"workbench {__version__}\n{' '.join(sys.argv)}\n\n{traceback.format_exc()}",
                        encoding="utf-8")
        return path
    except OSError:
        return Path("(no crash log: the state folder is not writable)")


def has_terminal() -> bool:
    """Whether the TUI can run here: it reads keys from a terminal and draws on one."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def require_terminal(command: str) -> None:
    """Refuses to start the TUI where it would wait forever for keys."""
    if not has_terminal():
        raise WorkbenchError(f"{command} needs a terminal: run it in one, not with its input or output "
                             "redirected")


def open_store(ctx: click.Context) -> Store:
    store = Store.open(ctx.obj["db"])
    ctx.call_on_close(store.close)
    return store


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
              help="A TOML or JSON file of labels (name, key, colour, description).")
@click.pass_context
def init(ctx: click.Context, labels_file: Path | None) -> None:
    """Create the database, or bring an existing one up to date.

    \b
    Examples:
      workbench init
      workbench --db team.db init --labels labels.toml
    """
    labels = read_label_file(labels_file) if labels_file else load_config().labels
    store = open_store(ctx)
    store.set_labels(labels)
    names = ", ".join(f"{label.name} ({label.key})" for label in store.labels())
    click.echo(f"{store.path}: schema version {store.schema_version()}; labels: {for_terminal(names)}")


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
    store = open_store(ctx)
    # click needs a length; expanding folders twice is cheap next to importing them.
    with click.progressbar(length=sum(1 for _ in expand(paths)), label="importing",
                           file=sys.stderr, show_pos=True,
                           hidden=not sys.stderr.isatty()) as bar:
        report = import_paths(store, paths, on_file=lambda path: bar.update(1))
    for rejected in report.rejected:
        click.secho(f"rejected {for_terminal(str(rejected))}", fg="red", err=True)
    click.echo(f"{report.added} added, {report.duplicates} already present, "
               f"{len(report.rejected)} file(s) rejected"
               + (f", {report.spans} spans restored" if report.spans else ""))
    if report.rejected:
        ctx.exit(1)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per document, for scripts.")
@click.pass_context
def docs(ctx: click.Context, as_json: bool) -> None:
    """List the documents with each annotator's status and span count."""
    store = open_store(ctx)
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

    DOCUMENT is an id (or its first characters), a position in the queue, or a
    source file name.

    \b
    Examples:
      workbench annotate
      workbench annotate --annotator alice 3
    """
    from .tui.app import make_app

    config = load_config()
    store = open_store(ctx)
    uid = store.find_document(document).uid if document else None
    name = annotator or config.annotator or remembered_annotator()
    problem = annotator_name_problem(name) if name else None
    if problem:
        raise WorkbenchError(problem)
    if name:
        remember_annotator(name)
    require_terminal("annotate")
    make_app(store, name, document=uid, config=config).run()


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

    store = open_store(ctx)
    known = set(store.annotators())
    unknown = [name for name in annotators if name not in known]
    if unknown:
        raise WorkbenchError(f"no annotator named {', '.join(map(repr, unknown))}; "
                             f"known: {', '.join(sorted(known)) or 'none'}")
    uid = store.find_document(document).uid if document else None
    reviewer = load_config().annotator or remembered_annotator() or "reviewer"
    require_terminal("review")
    make_app(store, reviewer, document=uid, config=load_config(), review=list(annotators)).run()


@cli.command()
@click.option("--annotator", envvar="WORKBENCH_ANNOTATOR", help="Who is annotating.")
@click.option("--no-open", is_flag=True, help="Build the demo database without opening the TUI.")
@click.pass_context
def demo(ctx: click.Context, annotator: str | None, no_open: bool) -> None:
    """Build the demo database from the bundled corpus and open it."""
    store = open_store(ctx)
    corpus = resources.files("workbench") / "data" / "demo"
    with resources.as_file(corpus) as folder:
        report = import_paths(store, [folder])
    from .kb import read_kb
    from .linking import normalise_alias

    with resources.as_file(resources.files("workbench") / "data" / "demo_entities.jsonl") as kb_file:
        entities, aliases = store.import_entities(read_kb(kb_file), normalise_alias)
    click.echo(f"demo corpus: {report.added} added, {report.duplicates} already present; "
               f"{entities} entities with {aliases} aliases; in {store.path}")
    if no_open or not has_terminal():
        click.echo(f"open it with: workbench --db {store.path} annotate")
        return
    ctx.invoke(annotate, annotator=annotator, document=None)


@cli.command()
@click.option("--format", "format_name", required=True,
              type=click.Choice(["jsonl", "spacy", "prodigy", "doccano", "brat", "conll", "kb"]),
              help="jsonl (native, re-importable), spacy (.spacy DocBin), prodigy, doccano, "
                   "brat (a folder), conll (BIO tags), kb (the entity table).")
@click.option("--annotator", "annotators", multiple=True,
              help="Export this annotator's work (repeatable) [default: every annotator but gold].")
@click.option("--gold", is_flag=True, help="Export the adjudicated gold annotations.")
@click.option("--status", type=click.Choice(["done", "any"]), default="done", show_default=True,
              help="done: only documents an annotator marked done, what training data wants; "
                   "any: every document, whatever its status (a full, lossless backup with jsonl).")
@click.option("--label", "labels", multiple=True,
              help="Only spans with this label (repeatable); for conll this picks the layer.")
@click.option("--out", type=click.Path(path_type=Path),
              help="Output file, or - for standard output (a folder for brat) "
                   "[default: exports/<format>-<who>-<status>...].")
@click.pass_context
def export(ctx: click.Context, format_name: str, annotators: tuple[str, ...], gold: bool,
           status: str, labels: tuple[str, ...], out: Path | None) -> None:
    """Write annotations in a format other tools load for training and evaluation.

    Every span is checked against its document text first; a mismatch stops
    the export. The file appears only when complete (written under a
    temporary name, then renamed), and the same database always gives the same
    bytes. Overlapping spans: spacy keeps all in doc.spans["sc"] and the
    longest non-overlapping ones in doc.ents; conll keeps the longest and
    reports how many it dropped. See README.md, "File formats".

    \b
    Examples:
      workbench export --format jsonl --status any
      workbench export --format spacy --annotator alice --annotator bob
      workbench export --format conll --gold --label source --out train.conll
      workbench export --format brat --gold --out brat/
      workbench export --format kb
    """
    from .formats import Selection, default_path, export as run_export, get_format

    store = open_store(ctx)
    fmt = get_format(format_name)
    selection = Selection(annotators=annotators, gold=gold, status=status, labels=labels)
    if out == Path("-"):
        if not fmt.suffix:
            raise WorkbenchError(f"{fmt.name} writes a folder, not standard output; give --out a folder")
        with tempfile.TemporaryDirectory() as folder:
            # Written and checked whole first, so a failed export prints nothing.
            report = run_export(store, fmt, selection, Path(folder) / f"export{fmt.suffix}")
            sys.stdout.buffer.write(report.path.read_bytes())
        click.echo(f"standard output: {report.summary()}", err=True)
        return
    path = out or default_path(fmt, selection)
    with click.progressbar(length=store.document_count(), label="exporting", file=sys.stderr,
                           hidden=not sys.stderr.isatty()) as bar:
        report = run_export(store, fmt, selection, path, on_document=lambda: bar.update(1))
    click.echo(f"{path}: {report.summary()}")


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
    if not path.is_file():
        raise WorkbenchError(f"{path}: no such database file")
    store = Store.open(path, migrate=False)
    ctx.call_on_close(store.close)
    problems = store.check()
    for problem in problems:
        click.echo(for_terminal(problem))
    if problems:
        click.secho(f"{path}: {len(problems)} problem(s) found", fg="red", err=True)
        ctx.exit(1)
    click.echo(f"{path}: ok (schema version {store.schema_version()}, "
               f"{store.document_count()} documents)")


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
    if path.exists() and not force:
        raise WorkbenchError(f"{path} already exists; pass --force to replace it")
    if not path.parent.is_dir():
        raise WorkbenchError(f"{path.parent}: no such folder")
    store = open_store(ctx)
    if path.resolve() == Path(store.path).resolve():
        raise WorkbenchError(f"{path}: that is the database itself")
    store.backup(path)
    copy = Store.open(path, migrate=False)
    try:
        problems = copy.check()
        documents = copy.document_count()
    finally:
        copy.close()
    if problems:
        raise WorkbenchError(f"{path}: the copy failed its check: {for_terminal(problems[0])}")
    click.echo(f"{path}: backup of {store.path} written and checked ({documents} documents)")


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


@cli.group()
def kb() -> None:
    """The knowledge base of canonical entities that spans link to.

    \b
    Examples:
      workbench kb import places.jsonl
      workbench kb search Bahmut --type PLACE
      workbench kb add "Oleksandr Syrskyi" --type PERSON --alias Syrsky
    """


@kb.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def kb_import(ctx: click.Context, file: Path) -> None:
    """Add or update entities from a JSONL, CSV or TSV file.

    Rows have id, name, type, aliases, description and an optional numeric
    prior (popularity). JSONL aliases are a list; CSV/TSV aliases are one
    field separated by "|". Re-importing an id replaces that entity and its
    aliases. A file with a bad row is rejected whole.

    \b
    Examples:
      workbench kb import entities.jsonl
      workbench kb import places.tsv
    """
    from .kb import read_kb
    from .linking import EntitySearch, normalise_alias

    entities = read_kb(file)
    store = open_store(ctx)
    total = sum(len(entity.aliases) + 1 for entity in entities)
    with click.progressbar(length=total, label="importing aliases", file=sys.stderr,
                           hidden=not sys.stderr.isatty()) as bar:
        count, aliases = store.import_entities(entities, normalise_alias, on_batch=bar.update)
    click.echo("indexing aliases for search...", err=True)
    EntitySearch(store).refresh()
    click.echo(f"{file}: {count} entities, {aliases} aliases; "
               f"{store.entity_count()} entities in the knowledge base")


@kb.command("search")
@click.argument("query")
@click.option("--type", "type_", metavar="T", help="Only entities of this type.")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000),
              help="How many candidates.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object, for scripts.")
@click.pass_context
def kb_search(ctx: click.Context, query: str, type_: str | None, limit: int, as_json: bool) -> None:
    """Rank entities for a mention, as the TUI's link picker does.

    With QUERY "-", reads one query per line from standard input and writes
    one JSON line per query: {"query": ..., "candidates": [...]}.

    \b
    Examples:
      workbench kb search Zelenskyi
      workbench kb search Kharkov --type PLACE --limit 3 --json
      printf 'Kiev\\nBahmut\\n' | workbench kb search -
    """
    from .linking import EntitySearch

    search = EntitySearch(open_store(ctx))

    def as_line(text: str) -> str:
        candidates = search.search(text, type=type_, limit=limit)
        return for_terminal_json({"query": text, "candidates": [c.as_json() for c in candidates]})

    if query == "-":
        for line in sys.stdin:
            click.echo(as_line(line.rstrip("\r\n")))
            sys.stdout.flush()
        return
    if as_json:
        click.echo(as_line(query))
        return
    candidates = search.search(query, type=type_, limit=limit)
    if not candidates:
        click.echo(f"no candidates for {for_terminal(query)!r}", err=True)
    for candidate in candidates:
        click.echo(f"{candidate.score:5.1f}  {for_terminal(candidate.entity_id)}  "
                   f"{for_terminal(candidate.name)}  [{for_terminal(candidate.type)}]  "
                   f"matched {for_terminal(candidate.alias)!r} ({candidate.match})")


@kb.command("add")
@click.argument("name")
@click.option("--type", "type_", default="", metavar="T", help="PERSON, ORG, PLACE, ...")
@click.option("--alias", "aliases", multiple=True, help="Another name; repeat for more.")
@click.option("--description", default="", help="One line that tells namesakes apart.")
@click.option("--id", "entity_id", help="The entity's id [default: wb:<slug>-<random>].")
@click.pass_context
def kb_add(ctx: click.Context, name: str, type_: str, aliases: tuple[str, ...],
           description: str, entity_id: str | None) -> None:
    """Add one entity by hand; its name is always an alias.

    \b
    Examples:
      workbench kb add "Oleksandr Syrskyi" --type PERSON --alias Syrsky --alias Syrskyi
      workbench kb add "Vistula Energy Forum" --type ORG --id org:vef
    """
    from .errors import Conflict, NotFound
    from .kb import entity_from_record
    from .linking import normalise_alias

    store = open_store(ctx)
    if entity_id is None:
        entity = store.create_entity(name, type_, aliases, normalise_alias=normalise_alias,
                                     description=description)
    else:
        record = {"id": entity_id, "name": name, "type": type_, "aliases": list(aliases),
                  "description": description}
        # Checked as it will be stored: the record's id is stripped of surrounding spaces.
        entity = entity_from_record(record, "kb add")
        try:
            store.entity(entity.id)
        except NotFound:
            pass
        else:
            raise Conflict(f"entity {entity.id!r} already exists; update it with kb import")
        store.import_entities([entity], normalise_alias)
        entity = store.entity(entity.id)
    click.echo(f"added {for_terminal(entity.id)}: {for_terminal(entity.name)}")


@kb.command("list")
@click.option("--type", "type_", metavar="T", help="Only entities of this type.")
@click.option("--limit", type=click.IntRange(1), help="At most this many.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per entity.")
@click.pass_context
def kb_list(ctx: click.Context, type_: str | None, limit: int | None, as_json: bool) -> None:
    """List entities by id.

    \b
    Examples:
      workbench kb list --type PERSON
      workbench kb list --limit 20 --json
    """
    for entity in open_store(ctx).entities(type=type_, limit=limit):
        if as_json:
            click.echo(for_terminal_json({"id": entity.id, "name": entity.name, "type": entity.type,
                                       "description": entity.description, "prior": entity.prior}))
        else:
            click.echo(f"{for_terminal(entity.id)}  [{for_terminal(entity.type)}]  {for_terminal(entity.name)}")


@kb.command("show")
@click.argument("entity_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
@click.pass_context
def kb_show(ctx: click.Context, entity_id: str, as_json: bool) -> None:
    """Show one entity with its aliases.

    \b
    Examples:
      workbench kb show wb:isw
    """
    entity = open_store(ctx).entity(entity_id)
    if as_json:
        click.echo(for_terminal_json({"id": entity.id, "name": entity.name, "type": entity.type,
                                   "description": entity.description, "prior": entity.prior,
                                   "aliases": list(entity.aliases)}))
        return
    click.echo(f"{for_terminal(entity.id)}  {for_terminal(entity.name)}  [{for_terminal(entity.type)}]")
    if entity.description:
        click.echo(for_terminal(entity.description))
    click.echo(f"prior: {entity.prior:g}")
    click.echo("aliases: " + ", ".join(for_terminal(alias) for alias in entity.aliases))


@cli.command()
@click.option("--annotator", "-a", "annotators", multiple=True,
              help="Compare this annotator (repeatable) [default: all but gold].")
@click.option("--label", "-l", "labels", multiple=True, help="Only this label (repeatable).")
@click.option("--document", "-d", "documents", multiple=True,
              help="Only this document: uid, uid prefix, position or source (repeatable).")
@click.option("--status", type=click.Choice(["done", "any"]), default="done", show_default=True,
              help="done: documents every compared annotator marked done; "
                   "any: documents where at least two of them have spans.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "markdown", "html", "csv"]),
              default="table", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file [html default: exports/agreement.html; others: stdout].")
@click.pass_context
def agreement(ctx: click.Context, annotators: tuple[str, ...], labels: tuple[str, ...],
              documents: tuple[str, ...], status: str, fmt: str, out: Path | None) -> None:
    """Inter-annotator agreement: span F1, token kappa/alpha, unitizing alpha, links, disagreements.

    README.md, "Agreement: what each number means", explains every number.

    \b
    Examples:
      workbench agreement
      workbench agreement -a alice -a bob --label claim
      workbench agreement --status any --format html --out report.html
      workbench agreement --format json > agreement.json
    """
    from .agreement.render import render, table
    from .formats import check_output
    from .reporting import agreement_report

    store = open_store(ctx)
    if out is None and fmt == "html":
        out = Path("exports") / "agreement.html"
    if out is not None:
        # Before the report, which can take seconds to build.
        check_output(out, store.path)
    report = agreement_report(store, annotators=annotators, labels=labels,
                              documents=documents, status=status)
    if out is None and fmt == "table":
        from rich.console import Console

        Console().print(table(report))
    elif out is None:
        click.echo(render(report, fmt), nl=False)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(render(report, fmt), encoding="utf-8")
        click.echo(f"wrote {out}")


def main() -> None:
    cli(obj={})
