"""How the command line fails: user errors as one line, file-system refusals as one line,
anything else as a crash log with its traceback, for a bug report."""

from __future__ import annotations

import os
import sqlite3
import sys
import traceback
from datetime import datetime, timezone
from pathlib import Path

import click

from . import __version__
from .config import state_dir
from .errors import WorkbenchError
from .store.connection import STORAGE_REFUSALS
from .text import as_typed, is_utf8, for_terminal


class WorkbenchGroup(click.Group):
    """Turns user errors into one line and unexpected ones into a crash log."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # Bytes that are not UTF-8 reach Python as lone surrogates, which no file, database
        # or terminal can take: say so once, up front, for every command alike.
        for arg in args:
            if not is_utf8(arg):
                click.secho(f"error: the argument '{as_typed(arg)}' is not valid UTF-8 text; "
                            "set the terminal to UTF-8 and type it again", fg="red", err=True)
                ctx.exit(1)
        return super().parse_args(ctx, args)

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


def file_system_refusal(error: Exception, db: Path | None) -> str | None:
    """One line for an error the user's file system caused (a read-only folder, a full disk,
    a file where a folder should be), or None for anything else."""
    if isinstance(error, OSError):
        return f"{error.filename}: {error.strerror}" if error.filename and error.strerror else str(error)
    if isinstance(error, sqlite3.OperationalError) and str(error) in STORAGE_REFUSALS:
        return f"{db}: {error}"
    return None


def write_crash_log() -> Path:
    """The traceback being handled, with the command line, in a file under the state folder.

    It must not fail in turn: the command line and the traceback may hold text
    that is not UTF-8, and the folder may not be writable.
    """
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    try:
        directory = state_dir()
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"crash-{stamp}-{os.getpid()}.log"
        command = " ".join(as_typed(arg) for arg in sys.argv)
        path.write_text(f"workbench {__version__}\n{command}\n\n{traceback.format_exc()}",
                        encoding="utf-8", errors="backslashreplace")
        return path
    except Exception:
        return Path("(no crash log: the state folder is not writable)")
