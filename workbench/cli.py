"""The `workbench` command line: one small function per command."""

from __future__ import annotations

import json
import os
import sys
import traceback
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path

import click

from . import __version__
from .config import load_config, read_label_file, remember_annotator, remembered_annotator, state_dir
from .errors import WorkbenchError
from .importer import import_paths
from .store import Store, default_db_path


class WorkbenchGroup(click.Group):
    """Turns user errors into one line and unexpected ones into a crash log."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except WorkbenchError as error:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.secho(f"error: {error}", fg="red", err=True)
            ctx.exit(1)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)
        except Exception as error:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            log = write_crash_log()
            click.secho(f"internal error: {type(error).__name__}: {error}", fg="red", err=True)
            click.echo(f"The details are in {log}; please include that file in a bug report.", err=True)
            ctx.exit(2)


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
    click.echo(f"{store.path}: schema version {store.schema_version()}; labels: {names}")


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.pass_context
def import_command(ctx: click.Context, paths: tuple[Path, ...]) -> None:
    """Import .txt/.md files, folders of them, and .jsonl files.

    Each JSONL line needs "text" and may carry "id", "title" and "meta".
    Re-importing a text that is already there is a no-op.

    \b
    Examples:
      workbench import articles/
      workbench import batch.jsonl notes.md
    """
    store = open_store(ctx)
    with click.progressbar(length=None, label="importing", file=sys.stderr, show_pos=True,
                           hidden=not sys.stderr.isatty()) as bar:
        report = import_paths(store, paths, on_file=lambda path: bar.update(1))
    for rejected in report.rejected:
        click.secho(f"rejected {rejected}", fg="red", err=True)
    click.echo(f"{report.added} added, {report.duplicates} already present, "
               f"{len(report.rejected)} file(s) rejected")
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
    for position, uid in enumerate(store.document_uids(), start=1):
        document = store.document(uid)
        per_annotator = {
            name: {"status": progress[name][uid].status, "spans": progress[name][uid].spans}
            for name in annotators
            if progress[name][uid].status != "new" or progress[name][uid].spans
        }
        if as_json:
            click.echo(json.dumps({"position": position, "id": uid, "title": document.title,
                                   "source": document.source, "characters": len(document.text),
                                   "annotators": per_annotator}, ensure_ascii=False))
            continue
        summary = "  ".join(f"{name}: {state['status']} ({state['spans']})"
                            for name, state in per_annotator.items()) or "not started"
        click.echo(f"{position:>4}  {uid[:12]}  {_printable(document.title)[:60]:<60}  {summary}")


def _printable(text: str) -> str:
    """Control characters from a document never reach the terminal."""
    return "".join(ch if ch.isprintable() else "\N{REPLACEMENT CHARACTER}" for ch in text)


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
    if name:
        remember_annotator(name)
    make_app(store, name, document=uid, config=config).run()


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
    click.echo(f"demo corpus: {report.added} added, {report.duplicates} already present "
               f"in {store.path}")
    if no_open or not sys.stdin.isatty():
        click.echo(f"open it with: workbench --db {store.path} annotate")
        return
    ctx.invoke(annotate, annotator=annotator, document=None)


def main() -> None:
    cli(obj={})
