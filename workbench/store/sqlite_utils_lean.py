"""sqlite-utils, without what the store does not use and start-up would pay for.

sqlite-utils imports pandas and numpy when it is imported, whenever they are installed,
only to map their value types to column types. The store never hands it such values, and
loading them costs more start-up time than all of Textual. So while sqlite-utils is
imported, the two are made unimportable (for that moment only, and only when the process
has not loaded them already).

A `Database` also loads every installed sqlite-utils plugin by default, scanning the
entry points of every installed package (17 ms). The store's connection takes no plugins
(`database`): what runs against the annotations is the store's own SQL alone.

Its recipes module (date parsing for its command line's `--convert`, which the store never
calls) imports dateutil's parser, a tenth of sqlite-utils' own import time. That parser
is registered as a lazy module first: it is loaded for real the first time anything uses it.
"""

from __future__ import annotations

import importlib.util
import sqlite3
import sys

_NOT_NEEDED = ("pandas", "numpy")
_LOADED_WHEN_USED = ("dateutil.parser",)


def _import_lazily(name: str) -> None:
    """Put module `name` in place unexecuted: it runs the first time one of its attributes is read."""
    if name in sys.modules:
        return
    try:
        spec = importlib.util.find_spec(name)
    except ModuleNotFoundError:  # its package is missing
        spec = None
    if spec is None or spec.loader is None:
        return  # not installed: whoever imports it fails as it would have
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    setattr(sys.modules[parent], child, module)


def _import_sqlite_utils() -> None:
    for name in _LOADED_WHEN_USED:
        _import_lazily(name)
    blocked = [name for name in _NOT_NEEDED if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]  # `import name` now raises ImportError
    try:
        import sqlite_utils.db  # noqa: F401
        import sqlite_utils.migrations  # noqa: F401
    finally:
        for name in blocked:
            if sys.modules.get(name, False) is None:
                del sys.modules[name]


_import_sqlite_utils()

from sqlite_utils import Database  # noqa: E402
from sqlite_utils.migrations import Migrations  # noqa: E402

__all__ = ["Database", "Migrations", "database"]


def database(conn: sqlite3.Connection) -> Database:
    """The sqlite-utils view of the store's connection, with no plugins loaded into it."""
    return Database(conn, execute_plugins=False)
