"""Rows and values: one column list per table, and the mappers between rows and model values.

Every writer builds its INSERT from these lists (`insert_sql`), so a table's
columns are named in one place; every reader maps rows back through the
functions here, so a span read by undo, by merge or by the screen is the same
`Span`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from ..errors import WorkbenchError
from ..model import Document, Entity, Event, Relation, RelationType, Span

DOCUMENT_COLUMNS = ("uid", "title", "text", "source", "meta", "imported_at")
LABEL_COLUMNS = ("name", "key", "colour", "description", "position")
ANNOTATOR_COLUMNS = ("name", "created_at")
STATUS_COLUMNS = ("document", "annotator", "status", "seconds", "updated_at")
SPAN_COLUMNS = ("id", "document", "annotator", "start", "end", "label", "text", "entity_id", "nil",
                "provenance", "created_at", "updated_at")
ENTITY_COLUMNS = ("id", "name", "type", "description", "prior", "country", "region", "within", "tags",
                  "updated_at")
ALIAS_COLUMNS = ("entity_id", "alias", "normalised")
EVENT_COLUMNS = ("uid", "at", "annotator", "document", "action", "span_id", "target", "before",
                 "after", "batch", "relation_id")
RELATION_COLUMNS = ("id", "document", "annotator", "head", "tail", "label", "created_at")
RELATION_TYPE_COLUMNS = ("name", "key", "description", "heads", "tails", "position")

SPAN_FIELDS = ("id", "document", "annotator", "start", "end", "label", "text", "entity_id", "nil",
               "provenance")
"""What an event records of a span: its state, without the row's timestamps."""


def now() -> str:
    """The time as the database keeps it: UTC, ISO 8601, milliseconds."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def insert_sql(table: str, columns: Sequence[str], *, verb: str = "INSERT",
               named: bool = False, conflict: str = "") -> str:
    """`verb INTO table (columns) VALUES (...)` with ? (or, `named`, :column) placeholders."""
    quoted = ", ".join(f'"{column}"' for column in columns)
    values = ", ".join(f":{column}" for column in columns) if named else ", ".join("?" * len(columns))
    return f"{verb} INTO {table} ({quoted}) VALUES ({values}) {conflict}".rstrip()


def where_equal(conditions: dict[str, object]) -> tuple[str, list[object]]:
    """`WHERE column = ? AND ...` for the conditions given (a None value sets none), and its parameters."""
    given = {column: value for column, value in conditions.items() if value is not None}
    where = f"WHERE {' AND '.join(f'{column} = ?' for column in given)}" if given else ""
    return where, list(given.values())


# -- spans -----------------------------------------------------------------------

def provenance_of(stored: str | None) -> tuple[str, ...]:
    """Whose version a gold span is (annotator names, or "reviewer"), from the JSON the row keeps;
    a row edited by hand into nonsense is a one-line error, not a crash."""
    if not stored or stored == "[]":
        return ()
    names = json_list_of_strings(stored)
    if names is None:
        raise WorkbenchError(f"a span's provenance in the database, {stored!r}, is not a JSON list of "
                             "names; `workbench check` lists such spans")
    return names


def json_list_of_strings(stored: Any) -> tuple[str, ...] | None:
    """The strings a JSON list column holds, or None when it holds anything else."""
    try:
        value = json.loads(stored)
    except (TypeError, ValueError):
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return None
    return tuple(value)


def span_from_row(row: dict[str, Any]) -> Span:
    return Span(row["id"], row["document"], row["annotator"], row["start"], row["end"], row["label"],
                row["text"], row["entity_id"], bool(row["nil"]), provenance_of(row.get("provenance")))


def span_row(span: Span, stamp: str) -> dict[str, Any]:
    """The span's row, every column of SPAN_COLUMNS, created and updated at `stamp`."""
    return {**span_payload(span), "nil": int(span.nil), "provenance": json.dumps(list(span.provenance)),
            "created_at": stamp, "updated_at": stamp}


def span_payload(span: Span) -> dict[str, Any]:
    """The span's state as an event records it."""
    return {
        "id": span.id, "document": span.document, "annotator": span.annotator,
        "start": span.start, "end": span.end, "label": span.label, "text": span.text,
        "entity_id": span.entity_id, "nil": span.nil, "provenance": list(span.provenance),
    }


def span_from_payload(payload: dict[str, Any]) -> Span:
    return Span(**{**payload, "provenance": tuple(payload.get("provenance", ()))})


# -- other tables ------------------------------------------------------------------

def document_from_row(row: dict[str, Any]) -> Document:
    return Document(row["uid"], row["title"], row["text"], row["source"],
                    json.loads(row["meta"]), row["imported_at"])


def entity_from_row(row: dict[str, Any], aliases: tuple[str, ...]) -> Entity:
    return Entity(row["id"], row["name"], row["type"], row["description"], row["prior"], aliases,
                  row["country"], row["region"], row["within"], tuple(json.loads(row["tags"])))


def entity_values(entity: Entity, stamp: str) -> tuple[Any, ...]:
    """The entity's row in ENTITY_COLUMNS order."""
    return (entity.id, entity.name, entity.type, entity.description, entity.prior, entity.country,
            entity.region, entity.within,
            # Most entities have no tags, and a knowledge base has hundreds of thousands.
            json.dumps(list(entity.tags), ensure_ascii=False) if entity.tags else "[]", stamp)


def event_from_row(row: dict[str, Any]) -> Event:
    return Event(row["id"], row["at"], row["annotator"], row["document"], row["action"],
                 row["span_id"], row["target"],
                 json.loads(row["before"]) if row["before"] else None,
                 json.loads(row["after"]) if row["after"] else None, row.get("batch"),
                 row.get("relation_id"))


def relation_from_row(row: dict[str, Any]) -> Relation:
    return Relation(row["id"], row["document"], row["annotator"], row["head"], row["tail"], row["label"])


def relation_payload(relation: Relation) -> dict[str, Any]:
    """The relation's state as an event records it."""
    return {"id": relation.id, "document": relation.document, "annotator": relation.annotator,
            "head": relation.head, "tail": relation.tail, "label": relation.label}


def relation_type_from_row(row: dict[str, Any]) -> RelationType:
    """The relation type a row holds; a row edited by hand into nonsense is a one-line error, not a crash."""
    ends = []
    for end in ("heads", "tails"):
        labels = json_list_of_strings(row[end])
        if labels is None:
            raise WorkbenchError(f"relation type {row['name']!r} in the database: {end} {row[end]!r} is not "
                                 "a JSON list of labels")
        ends.append(labels)
    return RelationType(row["name"], row["key"], row["description"], *ends)


def json_or_none(value: dict | None) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)
