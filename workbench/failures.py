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
from .text import printable


class WorkbenchGroup(click.Group):
    """Turns user errors into one line and unexpected ones into a crash log."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except WorkbenchError as error:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.secho(f"error: {printable(str(error))}", fg="red", err=True)
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
                click.secho(f"error: {printable(refusal)}", fg="red", err=True)
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
