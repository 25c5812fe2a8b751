"""Opening the database of --db for a command: the one way every command group does it."""

from __future__ import annotations

from pathlib import Path

import click

from .errors import WorkbenchError
from .store import Store
from .store.connection import missing_database


def open_store(ctx: click.Context, *, readonly: bool = False, existing: bool = False) -> Store:
    """The database of --db: to write (created or upgraded as needed), or `readonly` for
    commands that only read, which never change the file and need no write access.

    With `existing`, a file that is not there is refused rather than created: a mistyped
    --db would otherwise open an empty database that looks like lost work.
    """
    path = Path(ctx.obj["db"])
    if existing and not path.exists():
        raise missing_database(path)
    store = Store.open(path, readonly=readonly)
    ctx.call_on_close(store.close)
    if readonly:
        outdated = [problem for problem in store.check_schema() if "run `workbench init`" in problem]
        if outdated:
            raise WorkbenchError(f"{store.path}: {outdated[0].removeprefix('schema: ')}")
    return store
