"""The store: the one door to the SQLite database.

Every read and write goes through `Store`. Each user action is one short
IMMEDIATE transaction that writes the change and its event together, so a
crash at any moment leaves either both or neither, and several annotators'
processes can share one file.

`Store` is composed of one part per family of tables, all over one connection:

- `connection`: opening, migrating, the write lock, transactions, backup, check;
- `schema`: the migrations that make every table;
- `rows`: one column list per table, and the row <-> value mappers;
- `events`: the append-only event log;
- `documents`: labels, annotators, documents, the queue, statuses and time;
- `annotations`: spans, and undo and redo;
- `relations`: relations between spans, and the relation types;
- `entities`: entities and the alias index that entity search reads;
- `exchange`: export streams, native import, merge primitives;
- `review`: agreement selections, review status, adjudication into gold;
- `suggestions`: what recommenders propose, and each annotator's accepts and rejections.
"""

from __future__ import annotations

import os
from pathlib import Path

from .documents import ImportResult
from .entities import EntityTables
from .review import REVIEWABLE, Adjudication, ReviewTables
from .rows import provenance_of
from .schema import SCHEMA_VERSION, migrations
from .suggestions import SuggestionTables

__all__ = ["REVIEWABLE", "SCHEMA_VERSION", "Adjudication", "ImportResult", "Store", "default_db_path",
           "migrations", "provenance_of"]


class Store(ReviewTables, SuggestionTables, EntityTables):
    """A workbench database. Open one with `Store.open(path)`."""


def default_db_path() -> Path:
    """$WORKBENCH_DB, unless unset or empty, else annotations.db here."""
    return Path(os.environ.get("WORKBENCH_DB") or "annotations.db")
