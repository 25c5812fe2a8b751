"""Opening the database of --db for a command: the one way every command group does it."""

from __future__ import annotations

import click

from .errors import WorkbenchError
from .store import Store


def open_store(ctx: click.Context, *, readonly: bool = False) -> Store:
    """The database of --db: to write (created or upgraded as needed), or `readonly` for
    commands that only read, which never change the file and need no write access."""
    store = Store.open(ctx.obj["db"], readonly=readonly)
    ctx.call_on_close(store.close)
    if readonly:
        outdated = [problem for problem in store.check_schema() if "run `workbench init`" in problem]
        if outdated:
            raise WorkbenchError(f"{store.path}: {outdated[0].removeprefix('schema: ')}")
    return store
