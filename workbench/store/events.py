"""The event log: every change an annotator makes, appended in the transaction that makes it."""

from __future__ import annotations

import uuid

from ..model import Event
from .connection import Connection
from .rows import EVENT_COLUMNS, event_from_row, insert_sql, json_or_none, now, where_equal


class EventLog(Connection):
    def _log(self, annotator: str, document: str, action: str, span_id: str | None,
             before: dict | None, after: dict | None, target: int | None = None, *,
             batch: str | None = None, relation_id: str | None = None) -> int:
        """Append one event; the change it records must be written in the same transaction."""
        cursor = self.db.execute(insert_sql("events", EVENT_COLUMNS), [
            uuid.uuid4().hex, now(), annotator, document, action, span_id, target,
            json_or_none(before), json_or_none(after), batch, relation_id])
        return cursor.lastrowid

    def events(self, *, document: str | None = None, annotator: str | None = None) -> list[Event]:
        where, params = where_equal({"document": document, "annotator": annotator})
        return [event_from_row(row) for row in self.db.query(f"SELECT * FROM events {where} ORDER BY id", params)]
