"""Where a command may write a file: one guard for exports, reports and backups alike.

A command that writes a file refuses, before it does any work:
- the database and every file SQLite and the workbench keep beside it (`-wal`,
  `-shm`, `-journal`, `.lock`): overwriting one of those loses or corrupts work;
- anything that exists and is not a regular file (a device, a FIFO, a socket),
  since renaming over it would replace it (as root, `/dev/null` itself);
- a folder where a file goes, or a file where a folder goes;
- a path that cannot be resolved, such as a symlink loop.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import WorkbenchError

DATABASE_COMPANIONS = ("", "-wal", "-shm", "-journal", ".lock")


def refuse_output(path: Path, database: str, *, folder: bool = False) -> None:
    """Raise WorkbenchError, naming `path`, if a command must not write there."""
    try:
        resolved = path.resolve()
    except (RuntimeError, OSError) as error:
        raise WorkbenchError(f"{path}: cannot be followed ({_reason(error)}); choose another output") from None
    if database != ":memory:" and resolved in {
            Path(database + suffix).resolve() for suffix in DATABASE_COMPANIONS}:
        raise WorkbenchError(f"{path}: that is the database or one of its own files; choose another output")
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as error:
        raise WorkbenchError(f"{path}: cannot be followed ({_reason(error)}); choose another output") from None
    if folder and not stat.S_ISDIR(mode):
        raise WorkbenchError(f"{path}: is a file, and this format writes a folder")
    if not folder and stat.S_ISDIR(mode):
        raise WorkbenchError(f"{path}: is a folder; give a file name")
    if not folder and not stat.S_ISREG(mode):
        raise WorkbenchError(f"{path}: is not a regular file (a device, FIFO or socket); "
                             "give the name of a file to write")


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror.lower()
    return "a symlink loop" if "loop" in str(error).lower() else str(error)


def fsync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable: after a power cut, the new name is there."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_text_atomically(path: Path, text: str) -> None:
    """Write `text` to `path` whole or not at all: a temporary file, flushed and synced, then renamed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.parent / f".{path.name}.partial-{os.getpid()}"
    try:
        with open(partial, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    fsync_folder(path.parent)
