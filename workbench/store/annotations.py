"""Spans, and undo and redo over the event log.

Each change is one IMMEDIATE transaction that writes the span and its event
together. The rules every path obeys live here, not in a screen: a span's
offsets must cover its recorded text, and an annotator has at most one span
with the same offsets and label in a document.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from ..errors import Conflict, DuplicateSpan, NotFound, OffsetMismatch, WorkbenchError
from ..history import SPAN_UNCHANGED, top_action, undo_stacks
from ..model import Event, Span, covered_text_problem
from .documents import DocumentTables
from .rows import SPAN_COLUMNS, insert_sql, now, span_from_payload, span_from_row, span_payload, span_row

_PUT_SPAN = insert_sql("spans", SPAN_COLUMNS, named=True, conflict="""ON CONFLICT(id) DO UPDATE SET
    start = :start, "end" = :end, label = :label, text = :text, entity_id = :entity_id, nil = :nil,
    provenance = :provenance, updated_at = :updated_at""")


class AnnotationTables(DocumentTables):
    def spans(self, document: str, annotator: str | None = None) -> list[Span]:
        if annotator is None:
            rows = self.db.query(
                'SELECT * FROM spans WHERE document = ? ORDER BY annotator, start, "end", label, id',
                [document])
        else:
            rows = self.db.query(
                'SELECT * FROM spans WHERE document = ? AND annotator = ? ORDER BY start, "end", label, id',
                [document, annotator])
        return [span_from_row(row) for row in rows]

    def span(self, span_id: str) -> Span:
        row = next(self.db.query("SELECT * FROM spans WHERE id = ?", [span_id]), None)
        if row is None:
            raise NotFound(f"no span {span_id!r}")
        return span_from_row(row)

    def add_span(self, document: str, annotator: str, start: int, end: int, label: str, *,
                 entity_id: str | None = None, nil: bool = False,
                 provenance: Iterable[str] = ()) -> Span:
        with self.transaction():
            return self._add_span(document, annotator, start, end, label, entity_id=entity_id, nil=nil,
                                  provenance=provenance)

    def _add_span(self, document: str, annotator: str, start: int, end: int, label: str, *,
                  entity_id: str | None = None, nil: bool = False, provenance: Iterable[str] = (),
                  action: str = "add", batch: str | None = None) -> Span:
        """`add_span` inside a transaction the caller holds; `action` is what the log calls it."""
        span = Span(uuid.uuid4().hex, document, annotator, start, end, label,
                    self._covered(document, start, end), entity_id, nil, tuple(provenance))
        self.ensure_annotator(annotator)
        self._put(span)
        self._mark_started(document, annotator)
        self._log(annotator, document, action, span.id, None, span_payload(span), batch=batch)
        return span

    def relabel(self, span_id: str, label: str) -> Span:
        return self._change(span_id, "relabel", label=label)

    def resize(self, span_id: str, start: int, end: int) -> Span:
        return self._change(span_id, "resize", start=start, end=end)

    def link(self, span_id: str, entity_id: str | None, *, nil: bool = False) -> Span:
        """Link a span to an entity, mark it NIL, or (with neither) unlink it."""
        return self._change(span_id, "link", **_link_fields(entity_id, nil))

    def link_many(self, span_ids: Sequence[str], entity_id: str | None, *, nil: bool = False) -> list[Span]:
        """`link` each span, in one transaction and as one action: one undo reverts them all."""
        fields = _link_fields(entity_id, nil)
        batch = uuid.uuid4().hex
        with self.transaction():
            if len({(span.document, span.annotator) for span in map(self.span, span_ids)}) > 1:
                raise WorkbenchError("one action links spans of one document and annotator")
            return [self._change(span_id, "link", batch=batch, **fields) for span_id in span_ids]

    def delete_span(self, span_id: str) -> Span:
        with self.transaction():
            return self._delete_span(span_id)

    def _delete_span(self, span_id: str, *, batch: str | None = None) -> Span:
        span = self.span(span_id)
        self.db.execute("DELETE FROM spans WHERE id = ?", [span_id])
        self._log(span.annotator, span.document, "delete", span.id, span_payload(span), None, batch=batch)
        return span

    def _change(self, span_id: str, action: str, *, batch: str | None = None, **changes: Any) -> Span:
        with self.transaction():
            before = self.span(span_id)
            fields = {name: getattr(before, name) for name in Span.__slots__}
            fields.update(changes)
            if "start" in changes:
                fields["text"] = self._covered(before.document, fields["start"], fields["end"])
            after = Span(**fields)
            if after == before:
                return before
            self._put(after)
            self._log(before.annotator, before.document, action, span_id,
                      span_payload(before), span_payload(after), batch=batch)
        return after

    def _covered(self, document: str, start: int, end: int) -> str:
        problem = covered_text_problem(self.text(document), start, end)
        if problem:
            raise OffsetMismatch(f"{problem} in document {document}", document=document)
        return self.text(document)[start:end]

    def _check_span(self, span: Span) -> None:
        problem = covered_text_problem(self.text(span.document), span.start, span.end, span.text)
        if problem:
            raise OffsetMismatch(f"{problem} in document {span.document}", document=span.document)

    def _refuse_duplicate(self, span: Span) -> None:
        same = next(self.db.query(
            """SELECT id FROM spans WHERE document = ? AND annotator = ? AND start = ? AND "end" = ?
                 AND label = ? AND id != ? LIMIT 1""",
            [span.document, span.annotator, span.start, span.end, span.label, span.id]), None)
        if same is not None:
            raise DuplicateSpan(duplicate_message(span), document=span.document)

    def _put(self, span: Span) -> None:
        """Write a span's state, new or changed, after the checks every write passes."""
        self._check_span(span)
        self._refuse_duplicate(span)
        try:
            self.db.execute(_PUT_SPAN, span_row(span, now()))
        except sqlite3.IntegrityError as error:
            raise NotFound(_integrity_message(span, error), document=span.document) from None

    # -- undo and redo -----------------------------------------------------------

    def undo(self, document: str, annotator: str) -> Event | None:
        """Revert this annotator's latest action on the document; None if there is none."""
        return _last(self.replay(document, annotator, "undo"))

    def redo(self, document: str, annotator: str) -> Event | None:
        """Apply again the action undone last; None if there is none."""
        return _last(self.replay(document, annotator, "redo"))

    def replay(self, document: str, annotator: str, action: str) -> list[Event]:
        """Undo (`action` "undo") or redo the action on top of its stack: one event, or every
        event of its batch. Returns the events replayed, in the order replayed; empty if none.

        A batch is taken off the stack event by event (logged so too), so the
        stacks rebuilt from the log stay exact.
        """
        with self.transaction():
            done, undone = undo_stacks(self.events(document=document, annotator=annotator))
            events = top_action(done if action == "undo" else undone)
            for event in events:
                old, new = (event.after, event.before) if action == "undo" else (event.before, event.after)
                self._replay_event(event, old, new)
                self._log(annotator, document, action, event.span_id, old, new, event.id,
                          relation_id=event.relation_id)
            return events

    def _replay_event(self, event: Event, old: dict | None, new: dict | None) -> None:
        """Put back the state `new` of what the event changed, which must be in state `old`.
        (`store.entities` replays the events that make an entity.)"""
        if event.action not in SPAN_UNCHANGED:
            self._restore(event.span_id, expected=old, wanted=new)

    def _restore(self, span_id: str | None, *, expected: dict | None, wanted: dict | None) -> None:
        row = next(self.db.query("SELECT * FROM spans WHERE id = ?", [span_id]), None)
        current = span_payload(span_from_row(row)) if row else None
        if current != expected:
            raise Conflict("the span changed since that action; nothing was undone")
        if wanted is None:
            self.db.execute("DELETE FROM spans WHERE id = ?", [span_id])
        else:
            self._put(span_from_payload(wanted))


def _last(events: list[Event]) -> Event | None:
    return events[-1] if events else None


def duplicate_message(span: Span) -> str:
    return (f"{span.annotator} already has a {span.label} span over {span.start}-{span.end} "
            f"({span.text!r}) in document {span.document}")


def _link_fields(entity_id: str | None, nil: bool) -> dict[str, Any]:
    """The span fields a link sets: an entity, NIL, or (neither) no link."""
    if entity_id is not None and nil:
        raise WorkbenchError("a span is linked to an entity or marked NIL, not both")
    return {"entity_id": entity_id, "nil": nil}


def _integrity_message(span: Span, error: sqlite3.IntegrityError) -> str:
    if "FOREIGN KEY" in str(error):
        return (f"span {span.start}-{span.end} refers to something that does not exist "
                f"(label {span.label!r}, annotator {span.annotator!r}, entity {span.entity_id!r})")
    return f"span {span.start}-{span.end} was rejected: {error}"
