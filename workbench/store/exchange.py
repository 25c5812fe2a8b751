"""Reading and writing whole copies of the data: export streams, native import, merge primitives.

Exports stream plain tuples inside one read transaction, so a large export is
a consistent snapshot that holds one document's rows at a time. Native import
restores everything a native export holds in one transaction. Merge reads
another copy's rows and brings them in through the same checks as any write.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import groupby
from operator import itemgetter
from typing import Any

from ..errors import Conflict, DuplicateSpan, WorkbenchError
from ..model import STATUSES, Entity, NewDocument, Relation, Span
from .annotations import duplicate_message
from .documents import ImportResult
from .relations import RelationTables
from .rows import (ENTITY_COLUMNS, EVENT_COLUMNS, SPAN_COLUMNS, STATUS_COLUMNS, entity_values,
                   insert_sql, now, span_row)


class ExchangeTables(RelationTables):
    def export_documents(
        self, annotators: Sequence[str], *, statuses: Sequence[str] | None = None,
        labels: Sequence[str] | None = None,
    ) -> Iterator[tuple[tuple[str, ...], list[tuple[str, str, float, list[tuple[Any, ...]]]]]]:
        """Documents in import order, each with (annotator, status, seconds, spans, relations)
        per annotator.

        Plain tuples, because an export handles every span: a document is
        (uid, title, text, source, meta JSON, imported_at); its annotators come
        sorted by name, and each one's spans are (id, start, end, label, text,
        entity_id, nil, provenance JSON, entity name, entity type), sorted by
        start, end, label and id, the entity's name and type None when unlinked;
        its relations are (id, head span id, tail span id, label), in the order made.

        Streams inside one read transaction, so the export is a consistent
        snapshot. Four queries walk the documents in rowid order side by side
        (the documents, their statuses, their spans, their relations), each in an
        index's order, so nothing is sorted and one document's rows at a time are
        in memory.
        With `statuses`, only annotators whose status on the document is one of
        them are included and documents without any are skipped; without, every
        annotator with a status row or spans on the document is.
        """
        if not annotators and statuses:
            return
        who = ", ".join("?" * len(annotators))
        status_filter = f" AND ds.status IN ({', '.join('?' * len(statuses))})" if statuses else ""
        label_filter = f" AND s.label IN ({', '.join('?' * len(labels))})" if labels else ""
        document_sql = "SELECT d.rowid, d.uid, d.title, d.text, d.source, d.meta, d.imported_at FROM documents d"
        document_params: list[Any] = []
        if statuses:
            document_sql += (f" WHERE EXISTS (SELECT 1 FROM doc_status ds WHERE ds.document = d.uid"
                             f" AND ds.annotator IN ({who}){status_filter})")
            document_params = [*annotators, *statuses]
        with self.snapshot() as conn:
            documents = conn.execute(document_sql + " ORDER BY d.rowid", document_params)
            if not annotators:
                for row in documents:
                    yield row[1:], []
                return
            # CROSS JOIN makes SQLite walk the documents in the outer loop, as
            # the ORDER BY wants; left to choose, it may sort every row instead.
            progress_of = _by_document(conn.execute(
                f"""SELECT d.rowid, ds.annotator, ds.status, ds.seconds
                    FROM documents d CROSS JOIN doc_status ds ON ds.document = d.uid
                    WHERE ds.annotator IN ({who}){status_filter} ORDER BY d.rowid""",
                [*annotators, *(statuses or ())]))
            spans_of = _by_document(conn.execute(
                f"""SELECT d.rowid, s.annotator, s.id, s.start, s."end", s.label, s.text, s.entity_id,
                           s.nil, s.provenance, e.name, e.type
                    FROM documents d CROSS JOIN spans s ON s.document = d.uid
                    LEFT JOIN entities e ON e.id = s.entity_id
                    WHERE s.annotator IN ({who}){label_filter}
                    ORDER BY d.rowid, s.annotator, s.start, s."end", s.label, s.id""",
                [*annotators, *(labels or ())]))
            relations_of = _by_document(conn.execute(
                f"""SELECT d.rowid, r.annotator, r.id, r.head, r.tail, r.label
                    FROM documents d CROSS JOIN relations r ON r.document = d.uid
                    WHERE r.annotator IN ({who}) ORDER BY d.rowid, r.annotator, r.rowid""",
                list(annotators)))
            for row in documents:
                rowid = row[0]
                progress = {annotator: (status, seconds)
                            for _, annotator, status, seconds in progress_of(rowid)}
                spans = {annotator: [span[2:] for span in rows]
                         for annotator, rows in groupby(spans_of(rowid), itemgetter(1))}
                relations = {annotator: [relation[2:] for relation in rows]
                             for annotator, rows in groupby(relations_of(rowid), itemgetter(1))}
                # Without a status filter: whoever has spans or has set a status. Someone who only
                # opened the document (status still new) is no annotator of it.
                names = sorted(progress) if statuses else sorted(
                    {name for name, (status, _) in progress.items() if status != "new"} | spans.keys())
                yield row[1:], [
                    (name, *progress.get(name, ("new", 0.0)), spans.get(name, []), relations.get(name, []))
                    for name in names]

    def import_annotated(self, documents: Sequence[NewDocument],
                         statuses: Sequence[tuple[str, str, str, float]],
                         spans: Sequence[Span], entities: Sequence[Entity],
                         relations: Sequence[Relation] = ()) -> ImportResult:
        """Restore exported annotations in one transaction: all of them or none.

        `statuses` holds (document, annotator, status, seconds). Entities that
        links name are created when missing and left alone when present. A
        document that already has annotations by one of the file's annotators is
        a conflict: merging is adjudication's job, not import's. Every error
        names the document it concerns.
        """
        stamp = now()
        with self.transaction():
            result = self.add_documents(documents)
            pairs = sorted({(d, a) for d, a, _, _ in statuses} | {(s.document, s.annotator) for s in spans})
            for document, annotator in pairs:
                taken = next(self.db.query(
                    """SELECT EXISTS (SELECT 1 FROM spans WHERE document = :d AND annotator = :a)
                           OR EXISTS (SELECT 1 FROM doc_status WHERE document = :d AND annotator = :a)
                       AS taken""", {"d": document, "a": annotator}))["taken"]
                if taken:
                    raise Conflict(f"document {document} already has annotations by {annotator!r} "
                                   "in this database", document=document)
                self.ensure_annotator(annotator)
            conn = self.db.conn
            conn.executemany(insert_sql("entities", ENTITY_COLUMNS, verb="INSERT OR IGNORE"),
                             [entity_values(e, stamp) for e in entities])
            for document, annotator, status, _ in statuses:
                if status not in STATUSES:
                    raise WorkbenchError(f"unknown status {status!r}", document=document)
            conn.executemany(insert_sql("doc_status", STATUS_COLUMNS), [(*status, stamp) for status in statuses])
            seen: set[tuple[str, str, int, int, str]] = set()
            for span in spans:
                self._check_span(span)
                key = (span.document, span.annotator, span.start, span.end, span.label)
                if key in seen:
                    raise DuplicateSpan(duplicate_message(span), document=span.document)
                seen.add(key)
            insert = insert_sql("spans", SPAN_COLUMNS, named=True)
            for span in spans:
                try:
                    conn.execute(insert, span_row(span, stamp))
                except sqlite3.IntegrityError as error:
                    raise Conflict(f"spans were rejected by the database: {error}",
                                   document=span.document) from None
            by_id = {span.id: span for span in spans}
            for relation in relations:
                self._put_relation(relation, by_id[relation.head], by_id[relation.tail])
        return result

    MERGED_TABLES = ("labels", "annotators", "documents", "entities", "aliases", "doc_status",
                     "spans", "events", "suggestions", "suggestion_rejections", "relation_types", "relations")

    def rows(self, table: str) -> Iterator[dict[str, Any]]:
        """Every row of one of the tables a merge reads, in insertion order."""
        if table not in self.MERGED_TABLES:
            raise ValueError(f"not a merged table: {table}")
        return self.db.query(f"SELECT * FROM [{table}] ORDER BY rowid")

    def insert_missing(self, table: str, rows: Iterable[dict[str, Any]]) -> int:
        """INSERT OR IGNORE rows from another copy; returns how many were new."""
        if table not in self.MERGED_TABLES:
            raise ValueError(f"not a merged table: {table}")
        columns = set(self.db[table].columns_dict)
        added = 0
        with self.transaction():
            for row in rows:
                names = [name for name in row if name in columns]
                quoted = ", ".join(f"[{name}]" for name in names)
                cursor = self.db.execute(
                    f"INSERT OR IGNORE INTO [{table}] ({quoted}) VALUES ({', '.join('?' * len(names))})",
                    [row[name] for name in names])
                added += cursor.rowcount
        return added

    def take_span_from_copy(self, span_id: str, span: Span | None) -> None:
        """Set a span to a state taken from another copy, whose events record the change.

        The state passes the checks of every write: covered text, no exact duplicate.
        """
        with self.transaction():
            if span is None:
                # The copy that deleted the span deleted its relations too; their events come with the merge.
                self.db.execute("DELETE FROM relations WHERE head = ? OR tail = ?", [span_id, span_id])
                self.db.execute("DELETE FROM spans WHERE id = ?", [span_id])
            else:
                self._put(span)

    def take_status_from_copy(self, row: dict[str, Any]) -> None:
        """Set a document's status for an annotator to another copy's. A row new here
        comes with that copy's time; the time of a row already here is merged apart."""
        with self.transaction():
            self.db.execute(
                insert_sql("doc_status", STATUS_COLUMNS, named=True, conflict="""ON CONFLICT(document, annotator)
                    DO UPDATE SET status = :status, updated_at = :updated_at"""),
                {name: row[name] for name in STATUS_COLUMNS})

    def add_merged_seconds(self, document: str, annotator: str, seconds: float) -> None:
        """Add time another copy recorded; its `time` events come in with the merge."""
        with self.transaction():
            self.db.execute("UPDATE doc_status SET seconds = seconds + ? WHERE document = ? AND annotator = ?",
                            [seconds, document, annotator])

    def insert_events(self, rows: Iterable[dict[str, Any]]) -> int:
        """Append events from another copy, skipping uids already here.

        `target_uid` names the event an undo or redo refers to; it is looked up
        here because event ids differ between copies.
        """
        added = 0
        with self.transaction():
            for row in rows:
                target = None
                if row.get("target_uid"):
                    found = next(self.db.query("SELECT id FROM events WHERE uid = ?", [row["target_uid"]]), None)
                    target = found["id"] if found else None
                cursor = self.db.execute(insert_sql("events", EVENT_COLUMNS, verb="INSERT OR IGNORE"),
                                         [target if name == "target" else row.get(name) for name in EVENT_COLUMNS])
                added += cursor.rowcount
        return added


def _by_document(rows: Iterable[tuple[Any, ...]]) -> Callable[[int], list[tuple[Any, ...]]]:
    """A reader of `rows` ordered by document rowid, their first column.

    Asked for increasing rowids, it returns each one's rows, passing over the
    rows of documents it is not asked for.
    """
    groups = groupby(rows, itemgetter(0))
    current = next(groups, None)

    def rows_of(rowid: int) -> list[tuple[Any, ...]]:
        nonlocal current
        while current is not None and current[0] < rowid:
            current = next(groups, None)
        if current is None or current[0] != rowid:
            return []
        found = list(current[1])
        current = next(groups, None)
        return found

    return rows_of
