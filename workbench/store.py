"""The store: the one door to the SQLite database.

Every read and write of annotations goes through `Store`. Each user action is
one short IMMEDIATE transaction that writes the change and its event together,
so a crash at any moment leaves either both or neither, and several annotators'
processes can share one file.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from itertools import chain, groupby
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from .collector import without_cyclic_gc
from .errors import Conflict, NotFound, OffsetMismatch, WorkbenchError
from .model import (
    DEFAULT_LABELS,
    GOLD,
    STATUSES,
    Document,
    DocumentRow,
    Entity,
    Event,
    Label,
    NewDocument,
    Span,
)
from .text import content_hash

BUSY_TIMEOUT_MS = 60_000
# A knowledge-base import of at least this many aliases rebuilds the alias index instead of updating it.
BULK_ALIASES = 100_000
UNDOABLE = ("add", "delete", "relabel", "resize", "link")

migrations = Migrations("workbench")


@migrations()
def m001_core(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE documents (
            uid TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            text TEXT NOT NULL,
            source TEXT NOT NULL,
            meta TEXT NOT NULL DEFAULT '{}',
            imported_at TEXT NOT NULL
        );
        CREATE TABLE labels (
            name TEXT PRIMARY KEY,
            key TEXT NOT NULL,
            colour TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            position INTEGER NOT NULL
        );
        CREATE TABLE annotators (
            name TEXT PRIMARY KEY,
            created_at TEXT NOT NULL
        );
        CREATE TABLE entities (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            type TEXT NOT NULL DEFAULT '',
            description TEXT NOT NULL DEFAULT '',
            prior REAL NOT NULL DEFAULT 0,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE aliases (
            entity_id TEXT NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
            alias TEXT NOT NULL,
            normalised TEXT NOT NULL,
            PRIMARY KEY (entity_id, alias)
        );
        CREATE INDEX aliases_normalised ON aliases(normalised);
        CREATE TABLE spans (
            id TEXT PRIMARY KEY,
            document TEXT NOT NULL REFERENCES documents(uid),
            annotator TEXT NOT NULL REFERENCES annotators(name),
            start INTEGER NOT NULL CHECK (start >= 0),
            "end" INTEGER NOT NULL,
            label TEXT NOT NULL REFERENCES labels(name),
            text TEXT NOT NULL,
            entity_id TEXT REFERENCES entities(id),
            nil INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            CHECK ("end" > start)
        );
        CREATE INDEX spans_document_annotator ON spans(document, annotator, start);
        CREATE TABLE doc_status (
            document TEXT NOT NULL REFERENCES documents(uid),
            annotator TEXT NOT NULL REFERENCES annotators(name),
            status TEXT NOT NULL CHECK (status IN ('new', 'in_progress', 'done', 'skipped')),
            seconds REAL NOT NULL DEFAULT 0,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (document, annotator)
        );
        CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            uid TEXT NOT NULL UNIQUE,
            at TEXT NOT NULL,
            annotator TEXT NOT NULL REFERENCES annotators(name),
            document TEXT NOT NULL REFERENCES documents(uid),
            action TEXT NOT NULL,
            span_id TEXT,
            target INTEGER REFERENCES events(id),
            before TEXT,
            after TEXT
        );
        CREATE INDEX events_annotator_document ON events(annotator, document, id);
        """
    )


@migrations()
def m002_provenance(db: Database) -> None:
    """Gold spans record which annotators' spans they came from."""
    db.execute("ALTER TABLE spans ADD COLUMN provenance TEXT NOT NULL DEFAULT '[]'")


@migrations()
def m003_entity_search(db: Database) -> None:
    """Aliases get ever-increasing ids, and a table of trigram posting lists.

    The search index is keyed by alias id and catches up with aliases whose id
    is above its high-water mark, so ids must never be reused (AUTOINCREMENT);
    VACUUM could renumber an implicit rowid, so the id is explicit.
    """
    for statement in (
        """CREATE TABLE aliases_new (
               id INTEGER PRIMARY KEY AUTOINCREMENT,
               entity_id TEXT NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
               alias TEXT NOT NULL,
               normalised TEXT NOT NULL,
               UNIQUE (entity_id, alias)
           )""",
        """INSERT INTO aliases_new (entity_id, alias, normalised)
           SELECT entity_id, alias, normalised FROM aliases ORDER BY rowid""",
        "DROP TABLE aliases",
        "ALTER TABLE aliases_new RENAME TO aliases",
        "CREATE INDEX aliases_normalised ON aliases(normalised)",
        """CREATE TABLE alias_postings (
               gram TEXT PRIMARY KEY,
               ids BLOB NOT NULL
           ) WITHOUT ROWID""",
        """CREATE TABLE alias_index_state (
               one INTEGER PRIMARY KEY CHECK (one = 1),
               indexed_up_to INTEGER NOT NULL,
               stale INTEGER NOT NULL
           )""",
        "INSERT INTO alias_index_state VALUES (1, 0, 0)",
    ):
        db.execute(statement)


@migrations()
def m004_export_order(db: Database) -> None:
    """Spans indexed in the order exports write them, so a streamed export never sorts.

    Its leading columns are those of the (document, annotator, start) index, which it replaces.
    """
    db.execute('CREATE INDEX spans_export_order ON spans(document, annotator, start, "end", label, id)')
    db.execute("DROP INDEX spans_document_annotator")


@migrations()
def m005_search_keys(db: Database) -> None:
    """The entity-search postings change format (spacing-free keys, trigram counts packed in).

    Old postings cannot be read the new way, so the index is emptied; the next search rebuilds it.
    """
    db.execute("DELETE FROM alias_postings")
    db.execute("UPDATE alias_index_state SET indexed_up_to = 0")


@migrations()
def m006_event_batches(db: Database) -> None:
    """Events written as one action (linking every mention of a name) share a batch uid,
    so one undo takes them all back."""
    db.execute("ALTER TABLE events ADD COLUMN batch TEXT")


SCHEMA_VERSION = len(migrations._migrations)


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


@dataclass(frozen=True, slots=True)
class ImportResult:
    added: list[str]
    duplicates: list[str]


class Store:
    """A workbench database. Open one with `Store.open(path)`."""

    def __init__(self, db: Database, path: str) -> None:
        self.db = db
        self.path = path
        self._texts: dict[str, str] = {}
        self._lock_file = None
        self._lock_depth = 0

    # -- opening -------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, migrate: bool = True) -> "Store":
        path = str(path)
        existed = path != ":memory:" and os.path.exists(path) and os.path.getsize(path) > 0
        try:
            conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
            db = Database(conn)
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            db.execute("PRAGMA foreign_keys = ON")
            if path != ":memory:":
                db.query("PRAGMA journal_mode = WAL")
            # FULL: a committed action survives power loss too, not only a crash.
            db.execute("PRAGMA synchronous = FULL")
        except sqlite3.DatabaseError as error:
            raise WorkbenchError(f"{path}: not a workbench database ({error})") from None
        store = cls(db, path)
        if migrate:
            store._migrate(existed)
        return store

    def _migrate(self, existed: bool) -> None:
        try:
            pending = migrations.pending(self.db)
        except sqlite3.DatabaseError as error:
            raise WorkbenchError(f"{self.path}: not a workbench database ({error})") from None
        if not pending:
            return
        if existed and migrations.applied(self.db):
            self.backup(f"{self.path}.before-{pending[0].name}.bak")
        with self._write_lock():
            # Another process may have migrated while we waited for the lock.
            if migrations.pending(self.db):
                migrations.apply(self.db)
        if not self.labels():
            self.set_labels(DEFAULT_LABELS)

    @contextmanager
    def _write_lock(self) -> Iterator[None]:
        """Queue writers from every process on an OS file lock beside the database.

        SQLite's busy handler sleeps and retries with back-off of up to 100 ms, so
        with several annotators writing, the unlucky ones wait far longer than the
        write takes; a blocking flock wakes the next writer as soon as it is free.
        Re-entrant within this Store.
        """
        if self._lock_depth == 0 and self.path != ":memory:":
            if self._lock_file is None:
                try:
                    self._lock_file = open(f"{self.path}.lock", "a")
                except OSError:
                    self._lock_file = False  # a read-only folder: fall back on busy_timeout
            if self._lock_file:
                fcntl.flock(self._lock_file, fcntl.LOCK_EX)
        self._lock_depth += 1
        try:
            yield
        finally:
            self._lock_depth -= 1
            if self._lock_depth == 0 and self._lock_file:
                fcntl.flock(self._lock_file, fcntl.LOCK_UN)

    @contextmanager
    def reader(self) -> Iterator["Store"]:
        """A connection of its own, for a worker thread.

        A connection's transaction state is shared by every thread that uses it,
        so a worker's queries must not run on the one the screen writes through.
        """
        if self.path == ":memory:":
            yield self
            return
        other = Store.open(self.path, migrate=False)
        try:
            yield other
        finally:
            other.close()

    def close(self) -> None:
        self.db.close()
        if self._lock_file:
            self._lock_file.close()

    def schema_version(self) -> int:
        return len(migrations.applied(self.db))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction, taken IMMEDIATE.

        A deferred transaction that reads and then writes can fail at once with
        SQLITE_BUSY when another process wrote in between, and busy_timeout does
        not retry that; taking the write lock up front makes it wait instead.
        """
        if self.db.conn.in_transaction:
            with self.db.atomic():
                yield
            return
        with self._write_lock():
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self.db.rollback()
                raise
            else:
                self.db.commit()

    # -- labels and annotators ----------------------------------------------

    def labels(self) -> list[Label]:
        return [
            Label(row["name"], row["key"], row["colour"], row["description"])
            for row in self.db.query("SELECT * FROM labels ORDER BY position")
        ]

    def set_labels(self, labels: Iterable[Label]) -> None:
        """Add or update labels; labels already in use are never removed."""
        with self.transaction():
            for position, label in enumerate(labels):
                self.db.execute(
                    """INSERT INTO labels (name, key, colour, description, position)
                       VALUES (?, ?, ?, ?, ?)
                       ON CONFLICT(name) DO UPDATE SET key = excluded.key,
                         colour = excluded.colour, description = excluded.description,
                         position = excluded.position""",
                    [label.name, label.key, label.colour, label.description, position],
                )

    def ensure_annotator(self, name: str) -> None:
        if not name or not name.strip():
            raise WorkbenchError("annotator name must not be empty")
        self.db.execute(
            "INSERT OR IGNORE INTO annotators (name, created_at) VALUES (?, ?)", [name, now()]
        )

    def annotators(self, *, include_gold: bool = False) -> list[str]:
        rows = self.db.query("SELECT name FROM annotators ORDER BY name")
        return [row["name"] for row in rows if include_gold or row["name"] != GOLD]

    # -- documents ------------------------------------------------------------

    def add_documents(self, documents: Iterable[NewDocument]) -> ImportResult:
        """Add documents in one transaction; texts already present are skipped."""
        added: list[str] = []
        duplicates: list[str] = []
        stamp = now()
        with self.transaction():
            for document in documents:
                uid = content_hash(document.text)
                cursor = self.db.execute(
                    """INSERT OR IGNORE INTO documents (uid, title, text, source, meta, imported_at)
                       VALUES (?, ?, ?, ?, ?, ?)""",
                    [uid, document.title, document.text, document.source,
                     json.dumps(document.meta, ensure_ascii=False, sort_keys=True), stamp],
                )
                (added if cursor.rowcount else duplicates).append(uid)
        return ImportResult(added, duplicates)

    def document(self, uid: str) -> Document:
        row = next(self.db.query("SELECT * FROM documents WHERE uid = ?", [uid]), None)
        if row is None:
            raise NotFound(f"no document {uid!r}")
        return _document(row)

    def find_document(self, key: str) -> Document:
        """A document by uid, uid prefix, position (1-based) or source path."""
        if key.isdigit():
            row = next(self.db.query(
                "SELECT * FROM documents ORDER BY rowid LIMIT 1 OFFSET ?", [int(key) - 1]), None)
            if row:
                return _document(row)
        rows = list(self.db.query(
            "SELECT * FROM documents WHERE uid LIKE ? OR source = ? OR source LIKE ? LIMIT 2",
            [key + "%", key, "%/" + key],
        ))
        if len(rows) == 1:
            return _document(rows[0])
        if not rows:
            raise NotFound(f"no document matches {key!r}")
        raise WorkbenchError(f"{key!r} matches more than one document; give more of its id")

    def text(self, uid: str) -> str:
        # Text never changes after import, so it can be cached without invalidation.
        if uid not in self._texts:
            row = next(self.db.query("SELECT text FROM documents WHERE uid = ?", [uid]), None)
            if row is None:
                raise NotFound(f"no document {uid!r}")
            self._texts[uid] = row["text"]
        return self._texts[uid]

    def document_summaries(self) -> Iterator[tuple[str, str, str, int]]:
        """(uid, title, source, characters) in import order, without reading the texts."""
        for row in self.db.query(
                "SELECT uid, title, source, length(text) AS characters FROM documents ORDER BY rowid"):
            yield row["uid"], row["title"], row["source"], row["characters"]

    def document_count(self) -> int:
        return next(self.db.query("SELECT count(*) AS n FROM documents"))["n"]

    def document_uids(self) -> list[str]:
        return [row["uid"] for row in self.db.query("SELECT uid FROM documents ORDER BY rowid")]

    def queue(self, annotator: str) -> list[DocumentRow]:
        """Every document in import order with this annotator's progress."""
        rows = self.db.query(
            """SELECT d.rowid AS position, d.uid, d.title,
                      coalesce(s.status, 'new') AS status, coalesce(s.seconds, 0) AS seconds,
                      (SELECT count(*) FROM spans p
                        WHERE p.document = d.uid AND p.annotator = :a) AS spans
               FROM documents d
               LEFT JOIN doc_status s ON s.document = d.uid AND s.annotator = :a
               ORDER BY d.rowid""",
            {"a": annotator},
        )
        return [
            DocumentRow(i + 1, row["uid"], row["title"], row["status"], row["spans"], row["seconds"])
            for i, row in enumerate(rows)
        ]

    def first_unfinished(self, annotator: str, *, after: str | None = None) -> str | None:
        """The first document this annotator has not finished; with `after`, the
        first one following that document, wrapping round to the start."""
        row = next(self.db.query(
            """SELECT d.uid FROM documents d
               LEFT JOIN doc_status s ON s.document = d.uid AND s.annotator = :a
               WHERE coalesce(s.status, 'new') NOT IN ('done', 'skipped')
               ORDER BY d.rowid <= coalesce((SELECT rowid FROM documents WHERE uid = :after), 0),
                        d.rowid
               LIMIT 1""",
            {"a": annotator, "after": after},
        ), None)
        return row["uid"] if row else None

    def position(self, uid: str) -> int:
        """The document's 1-based place in import order."""
        row = next(self.db.query(
            "SELECT count(*) AS n FROM documents WHERE rowid <= (SELECT rowid FROM documents WHERE uid = ?)",
            [uid],
        ))
        return row["n"]

    def neighbour(self, uid: str, step: int) -> str | None:
        op, order = (">", "ASC") if step > 0 else ("<", "DESC")
        row = next(self.db.query(
            f"""SELECT uid FROM documents
                WHERE rowid {op} (SELECT rowid FROM documents WHERE uid = ?)
                ORDER BY rowid {order} LIMIT 1""",
            [uid],
        ), None)
        return row["uid"] if row else None

    def progress(self, annotator: str) -> tuple[int, int]:
        """(finished, total) documents for this annotator; skipped counts as finished."""
        done = next(self.db.query(
            "SELECT count(*) AS n FROM doc_status WHERE annotator = ? AND status IN ('done', 'skipped')",
            [annotator],
        ))["n"]
        return done, self.document_count()

    # -- status and time -------------------------------------------------------

    def status(self, document: str, annotator: str) -> str:
        row = next(self.db.query(
            "SELECT status FROM doc_status WHERE document = ? AND annotator = ?", [document, annotator]
        ), None)
        return row["status"] if row else "new"

    def statuses(self, document: str) -> dict[str, str]:
        return {
            row["annotator"]: row["status"]
            for row in self.db.query(
                "SELECT annotator, status FROM doc_status WHERE document = ?", [document])
        }

    def set_status(self, document: str, annotator: str, status: str) -> None:
        if status not in STATUSES:
            raise WorkbenchError(f"unknown status {status!r}; expected one of {', '.join(STATUSES)}")
        with self.transaction():
            before = self.status(document, annotator)
            if before == status:
                return
            self._upsert_status(document, annotator, status=status)
            self._log(annotator, document, "status", None, {"status": before}, {"status": status})

    def add_seconds(self, document: str, annotator: str, seconds: float) -> None:
        if seconds <= 0:
            return
        with self.transaction():
            self._upsert_status(document, annotator, seconds=seconds)

    def _upsert_status(self, document: str, annotator: str, *, status: str | None = None,
                       seconds: float = 0.0) -> None:
        self.ensure_annotator(annotator)
        self.db.execute(
            """INSERT INTO doc_status (document, annotator, status, seconds, updated_at)
               VALUES (:d, :a, coalesce(:s, 'in_progress'), :secs, :t)
               ON CONFLICT(document, annotator) DO UPDATE SET
                 status = coalesce(:s, CASE WHEN status = 'new' THEN 'in_progress' ELSE status END),
                 seconds = seconds + :secs, updated_at = :t""",
            {"d": document, "a": annotator, "s": status, "secs": seconds, "t": now()},
        )

    # -- spans -----------------------------------------------------------------

    def spans(self, document: str, annotator: str | None = None) -> list[Span]:
        if annotator is None:
            rows = self.db.query(
                'SELECT * FROM spans WHERE document = ? ORDER BY annotator, start, "end", label, id',
                [document])
        else:
            rows = self.db.query(
                'SELECT * FROM spans WHERE document = ? AND annotator = ? ORDER BY start, "end", label, id',
                [document, annotator])
        return [_span(row) for row in rows]

    def span(self, span_id: str) -> Span:
        row = next(self.db.query("SELECT * FROM spans WHERE id = ?", [span_id]), None)
        if row is None:
            raise NotFound(f"no span {span_id!r}")
        return _span(row)

    def add_span(self, document: str, annotator: str, start: int, end: int, label: str, *,
                 entity_id: str | None = None, nil: bool = False,
                 provenance: Iterable[str] = ()) -> Span:
        text = self._covered(document, start, end)
        span = Span(uuid.uuid4().hex, document, annotator, start, end, label, text,
                    entity_id, nil, tuple(provenance))
        with self.transaction():
            self.ensure_annotator(annotator)
            self._put(span, created=True)
            self._mark_started(document, annotator)
            self._log(annotator, document, "add", span.id, None, _payload(span))
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
            span = self.span(span_id)
            self.db.execute("DELETE FROM spans WHERE id = ?", [span_id])
            self._log(span.annotator, span.document, "delete", span.id, _payload(span), None)
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
            self._put(after, created=False)
            self._log(before.annotator, before.document, action, span_id,
                      _payload(before), _payload(after), batch=batch)
        return after

    def _covered(self, document: str, start: int, end: int) -> str:
        text = self.text(document)
        if not (0 <= start < end <= len(text)):
            raise OffsetMismatch(
                f"span {start}-{end} is out of range for document {document} "
                f"({len(text)} characters)")
        return text[start:end]

    def _check_span(self, span: Span) -> None:
        covered = self._covered(span.document, span.start, span.end)
        if covered != span.text:
            raise OffsetMismatch(
                f"span {span.start}-{span.end} in document {span.document} records "
                f"{span.text!r} but the text there is {covered!r}")

    def _put(self, span: Span, *, created: bool) -> None:
        self._check_span(span)
        stamp = now()
        try:
            self.db.execute(
                """INSERT INTO spans (id, document, annotator, start, "end", label, text,
                                      entity_id, nil, provenance, created_at, updated_at)
                   VALUES (:id, :document, :annotator, :start, :end, :label, :text,
                           :entity_id, :nil, :provenance, :t, :t)
                   ON CONFLICT(id) DO UPDATE SET start = :start, "end" = :end, label = :label,
                     text = :text, entity_id = :entity_id, nil = :nil,
                     provenance = :provenance, updated_at = :t""",
                {**_payload(span), "provenance": json.dumps(list(span.provenance)), "t": stamp},
            )
        except sqlite3.IntegrityError as error:
            raise NotFound(_integrity_message(span, error)) from None

    def _mark_started(self, document: str, annotator: str) -> None:
        self.db.execute(
            """INSERT INTO doc_status (document, annotator, status, seconds, updated_at)
               VALUES (?, ?, 'in_progress', 0, ?)
               ON CONFLICT(document, annotator) DO UPDATE SET status = 'in_progress'
               WHERE status = 'new'""",
            [document, annotator, now()],
        )

    # -- events, undo and redo -----------------------------------------------

    def _log(self, annotator: str, document: str, action: str, span_id: str | None,
             before: dict | None, after: dict | None, target: int | None = None, *,
             batch: str | None = None) -> int:
        cursor = self.db.execute(
            """INSERT INTO events (uid, at, annotator, document, action, span_id, target, before, after, batch)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [uuid.uuid4().hex, now(), annotator, document, action, span_id, target,
             _json_or_none(before), _json_or_none(after), batch],
        )
        return cursor.lastrowid

    def events(self, *, document: str | None = None, annotator: str | None = None) -> list[Event]:
        clauses, params = [], []
        if document is not None:
            clauses.append("document = ?")
            params.append(document)
        if annotator is not None:
            clauses.append("annotator = ?")
            params.append(annotator)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        return [_event(row) for row in self.db.query(f"SELECT * FROM events {where} ORDER BY id", params)]

    def _history(self, document: str, annotator: str) -> tuple[list[Event], list[Event]]:
        """The undo stack and the redo stack, rebuilt from the event log."""
        done: list[Event] = []
        undone: list[Event] = []
        by_id: dict[int, Event] = {}
        for event in self.events(document=document, annotator=annotator):
            by_id[event.id] = event
            if event.action in UNDOABLE:
                done.append(event)
                undone.clear()
            elif event.action == "undo" and done and done[-1].id == event.target:
                undone.append(done.pop())
            elif event.action == "redo" and undone and undone[-1].id == event.target:
                done.append(undone.pop())
        return done, undone

    def undo(self, document: str, annotator: str) -> Event | None:
        """Revert this annotator's latest action on the document; None if there is none."""
        return self._replay(document, annotator, "undo")

    def redo(self, document: str, annotator: str) -> Event | None:
        """Apply again the action undone last; None if there is none."""
        return self._replay(document, annotator, "redo")

    def _replay(self, document: str, annotator: str, action: str) -> Event | None:
        """Undo or redo the action on top of its stack: one event, or every event of its batch.

        A batch is taken off the stack event by event (logged so too), so the
        stacks rebuilt from the log stay exact. Returns the last event replayed.
        """
        with self.transaction():
            done, undone = self._history(document, annotator)
            stack = done if action == "undo" else undone
            if not stack:
                return None
            batch = stack[-1].batch
            while True:
                event = stack.pop()
                old, new = (event.after, event.before) if action == "undo" else (event.before, event.after)
                self._restore(event.span_id, expected=old, wanted=new)
                self._log(annotator, document, action, event.span_id, old, new, event.id)
                if batch is None or not stack or stack[-1].batch != batch:
                    return event

    def _restore(self, span_id: str | None, *, expected: dict | None, wanted: dict | None) -> None:
        row = next(self.db.query("SELECT * FROM spans WHERE id = ?", [span_id]), None)
        current = _payload(_span(row)) if row else None
        if current != expected:
            raise Conflict("the span changed since that action; nothing was undone")
        if wanted is None:
            self.db.execute("DELETE FROM spans WHERE id = ?", [span_id])
        else:
            self._put(_from_payload(wanted), created=current is None)

    # -- entities ------------------------------------------------------------

    def upsert_entities(self, entities: Iterable[Entity], normalise_alias) -> tuple[int, int]:
        """Insert or update entities and replace their aliases, in one transaction.

        Returns (entities written, aliases written).
        """
        stamp = now()
        entity_count = alias_count = 0
        with self.transaction():
            for entity in entities:
                self.db.execute(
                    """INSERT INTO entities (id, name, type, description, prior, updated_at)
                       VALUES (?, ?, ?, ?, ?, ?)
                       ON CONFLICT(id) DO UPDATE SET name = excluded.name, type = excluded.type,
                         description = excluded.description, prior = excluded.prior,
                         updated_at = excluded.updated_at""",
                    [entity.id, entity.name, entity.type, entity.description, entity.prior, stamp],
                )
                self.db.execute("DELETE FROM aliases WHERE entity_id = ?", [entity.id])
                names = dict.fromkeys((entity.name, *entity.aliases))
                self.db.conn.executemany(
                    "INSERT OR IGNORE INTO aliases (entity_id, alias, normalised) VALUES (?, ?, ?)",
                    [(entity.id, name, normalise_alias(name)) for name in names if name],
                )
                entity_count += 1
                alias_count += len(names)
        return entity_count, alias_count

    def entity(self, entity_id: str) -> Entity:
        row = next(self.db.query("SELECT * FROM entities WHERE id = ?", [entity_id]), None)
        if row is None:
            raise NotFound(f"no entity {entity_id!r}")
        aliases = tuple(r["alias"] for r in self.db.query(
            "SELECT alias FROM aliases WHERE entity_id = ? ORDER BY rowid", [entity_id]))
        return _entity(row, aliases)

    def entities(self, *, type: str | None = None, limit: int | None = None) -> list[Entity]:
        sql = "SELECT * FROM entities" + (" WHERE type = ?" if type else "") + " ORDER BY id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [_entity(row, ()) for row in self.db.query(sql, [type] if type else [])]

    def entity_count(self) -> int:
        return next(self.db.query("SELECT count(*) AS n FROM entities"))["n"]

    # -- operations ------------------------------------------------------------

    def backup(self, destination: str | os.PathLike[str]) -> None:
        """An online copy with SQLite's backup API; writers may keep working."""
        destination = str(destination)
        partial = destination + ".partial"
        target = sqlite3.connect(partial)
        try:
            self.db.conn.backup(target)
        finally:
            target.close()
        os.replace(partial, destination)

    def check(self) -> list[str]:
        """Every problem found in the database, one readable line each; empty when healthy."""
        try:
            problems = self._schema_problems()
            problems += [f"integrity: {row[0]}" for row in self.db.conn.execute("PRAGMA integrity_check")
                         if row[0] != "ok"]
            problems += [
                f"foreign key: {row[0]} row {row[1]} refers to a missing {row[2]} row"
                for row in self.db.conn.execute("PRAGMA foreign_key_check")
            ]
            problems += self._span_problems()
        except sqlite3.DatabaseError as error:
            problems = [f"unreadable: {error}"]
        return problems

    def _schema_problems(self) -> list[str]:
        applied = [migration.name for migration in migrations.applied(self.db)]
        known = [migration.name for migration in migrations._migrations]
        unknown = [name for name in applied if name not in known]
        if unknown:
            return [f"schema: written by a newer workbench (unknown migrations: {', '.join(unknown)})"]
        missing = [name for name in known if name not in applied]
        if missing:
            return [f"schema: version {len(applied)}, expected {SCHEMA_VERSION} "
                    f"(missing {', '.join(missing)}); run `workbench init` to upgrade"]
        return []

    def _span_problems(self) -> list[str]:
        problems = []
        for document in self.db.query("SELECT uid, text FROM documents ORDER BY rowid"):
            text = document["text"]
            for span in self.db.query(
                    'SELECT id, annotator, start, "end", text FROM spans WHERE document = ? ORDER BY start',
                    [document["uid"]]):
                where = f"span {span['id']} ({span['annotator']}, document {document['uid']})"
                if not 0 <= span["start"] < span["end"] <= len(text):
                    problems.append(f"offsets: {where} has {span['start']}-{span['end']}, "
                                    f"outside the document's {len(text)} characters")
                elif text[span["start"]:span["end"]] != span["text"]:
                    problems.append(f"covered text: {where} records {span['text']!r} but the text "
                                    f"at {span['start']}-{span['end']} is "
                                    f"{text[span['start']:span['end']]!r}")
        return problems

    MERGED_TABLES = ("labels", "annotators", "documents", "entities", "aliases", "doc_status",
                     "spans", "events")

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

    def replace_span(self, span_id: str, span: Span | None) -> None:
        """Set a span to a state taken from another copy, whose events record the change."""
        with self.transaction():
            if span is None:
                self.db.execute("DELETE FROM spans WHERE id = ?", [span_id])
            else:
                exists = next(self.db.query("SELECT 1 FROM spans WHERE id = ?", [span_id]), None)
                self._put(span, created=exists is None)

    def replace_status(self, row: dict[str, Any]) -> None:
        with self.transaction():
            self.db.execute(
                """INSERT INTO doc_status (document, annotator, status, seconds, updated_at)
                   VALUES (:document, :annotator, :status, :seconds, :updated_at)
                   ON CONFLICT(document, annotator) DO UPDATE SET status = :status,
                     seconds = :seconds, updated_at = :updated_at""",
                {name: row[name] for name in ("document", "annotator", "status", "seconds", "updated_at")})

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
                cursor = self.db.execute(
                    """INSERT OR IGNORE INTO events
                         (uid, at, annotator, document, action, span_id, target, before, after, batch)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    [row["uid"], row["at"], row["annotator"], row["document"], row["action"],
                     row["span_id"], target, row["before"], row["after"], row.get("batch")])
                added += cursor.rowcount
        return added

    # -- entity search ---------------------------------------------------------

    # Parameters one statement may take: SQLite's limit before 3.32, the lowest a build may have.
    _VARIABLES = 999

    def import_entities(self, entities: Sequence[Entity], normalise_alias, *,
                        batch: int = 20_000,
                        on_batch: Callable[[int], None] = lambda aliases: None) -> tuple[int, int]:
        """Bulk `upsert_entities` for large knowledge bases: one transaction, batched statements.

        Returns (entities written, aliases written); on_batch gets each batch's alias count.
        """
        stamp = now()
        entity_count = alias_count = 0
        conn = self.db.conn
        incoming = sum(len(entity.aliases) + 1 for entity in entities)
        # In id order, the (entity, alias) index grows at its end rather than everywhere.
        entities = sorted(entities, key=lambda entity: entity.id)
        # Millions of new rows would make the collector walk every object in the
        # process, again and again; none of them is garbage.
        with without_cyclic_gc(), self.transaction():
            # Sorting every alias once into a fresh index beats a million random inserts into it.
            rebuild_index = incoming >= BULK_ALIASES and incoming >= conn.execute(
                "SELECT count(*) FROM aliases").fetchone()[0]
            if rebuild_index:
                conn.execute("DROP INDEX aliases_normalised")
            for first in range(0, len(entities), batch):
                chunk = entities[first:first + batch]
                self._insert_rows(
                    "INSERT INTO entities (id, name, type, description, prior, updated_at) VALUES",
                    [(e.id, e.name, e.type, e.description, e.prior, stamp) for e in chunk],
                    """ON CONFLICT(id) DO UPDATE SET name = excluded.name, type = excluded.type,
                         description = excluded.description, prior = excluded.prior,
                         updated_at = excluded.updated_at""")
                ids = [e.id for e in chunk]
                for start in range(0, len(ids), self._VARIABLES):
                    part = ids[start:start + self._VARIABLES]
                    conn.execute(f"DELETE FROM aliases WHERE entity_id IN ({', '.join('?' * len(part))})",
                                 part)
                rows = [(e.id, name, normalise_alias(name))
                        for e in chunk for name in dict.fromkeys((e.name, *e.aliases)) if name]
                self._insert_rows("INSERT OR IGNORE INTO aliases (entity_id, alias, normalised) VALUES",
                                  rows)
                entity_count += len(chunk)
                alias_count += len(rows)
                on_batch(len(rows))
            if rebuild_index:
                conn.execute("CREATE INDEX aliases_normalised ON aliases(normalised)")
        return entity_count, alias_count

    def _insert_rows(self, insert: str, rows: list[tuple], conflict: str = "") -> None:
        """`insert` ("INSERT ... VALUES") of every row, as many rows per statement as SQLite allows.

        A statement per row means a million statement runs for a large knowledge
        base; a few hundred rows per statement take half the time.
        """
        if not rows:
            return
        width = len(rows[0])
        per_statement = self._VARIABLES // width
        placeholders = f"({', '.join('?' * width)})"
        whole = len(rows) - len(rows) % per_statement
        values = list(chain.from_iterable(rows))
        step = per_statement * width
        if whole:
            statement = f"{insert} {', '.join([placeholders] * per_statement)} {conflict}"
            self.db.conn.executemany(statement, (values[start:start + step]
                                                 for start in range(0, whole * width, step)))
        if whole < len(rows):
            self.db.conn.execute(f"{insert} {', '.join([placeholders] * (len(rows) - whole))} {conflict}",
                                 values[whole * width:])

    def create_entity(self, name: str, type: str, aliases: Iterable[str] = (), *,
                      normalise_alias, description: str = "") -> Entity:
        """A new user-made entity with an id of the form wb:<slug>-<6 hex digits>."""
        name = name.strip()
        if not name:
            raise WorkbenchError("an entity needs a name")
        slug = "-".join("".join(ch if ch.isascii() and ch.isalnum() else " "
                                for ch in normalise_alias(name)).split())[:40].strip("-")
        entity = Entity(f"wb:{slug or 'entity'}-{uuid.uuid4().hex[:6]}", name, type.strip(),
                        description, 0.0, tuple(a.strip() for a in aliases if a.strip()))
        self.import_entities([entity], normalise_alias)
        return self.entity(entity.id)

    def entity_types(self) -> list[str]:
        return [row["type"] for row in self.db.query(
            "SELECT DISTINCT type FROM entities WHERE type != '' ORDER BY type")]

    _ALIAS_HIT = """SELECT a.entity_id, a.alias, a.normalised, e.name, e.type, e.description, e.prior
                    FROM {source} JOIN entities e ON e.id = a.entity_id"""

    def aliases_equal(self, normalised: str, *, type: str | None = None) -> list[dict]:
        """Aliases whose normalised form is exactly `normalised`."""
        sql = self._ALIAS_HIT.format(source="aliases a") + " WHERE a.normalised = ?"
        return list(self.db.query(sql + (" AND e.type = ?" if type else ""),
                                  [normalised, type] if type else [normalised]))

    def aliases_with_prefix(self, prefix: str, *, type: str | None = None,
                            limit: int = 200) -> list[dict]:
        """Aliases whose normalised form starts with `prefix` (an index range, no scan)."""
        sql = (self._ALIAS_HIT.format(source="aliases a")
               + " WHERE a.normalised > ? AND a.normalised < ?"
               + (" AND e.type = ?" if type else "") + f" LIMIT {int(limit)}")
        params = [prefix, prefix + "\U0010ffff"] + ([type] if type else [])
        return list(self.db.query(sql, params))

    def aliases_by_ids(self, ids: Sequence[int], *, type: str | None = None) -> list[dict]:
        """Alias rows for these alias ids; ids of aliases deleted since they were indexed drop out."""
        if not ids:
            return []
        sql = (self._ALIAS_HIT.format(source="aliases a")
               + f" WHERE a.id IN ({','.join('?' * len(ids))})" + (" AND e.type = ?" if type else ""))
        return list(self.db.query(sql, [*ids, type] if type else list(ids)))

    def alias_index_mark(self) -> tuple[int, int]:
        """(the highest alias id in the search index, the highest alias id there is)."""
        indexed = next(self.db.query("SELECT indexed_up_to FROM alias_index_state"))["indexed_up_to"]
        newest = next(self.db.query("SELECT coalesce(max(id), 0) AS n FROM aliases"))["n"]
        return indexed, newest

    def normalised_aliases_since(self, after_id: int) -> list[tuple[int, str]]:
        """(id, normalised alias) of every alias with an id above `after_id`.

        All aliases (after_id 0) come in normalised order, straight from its index:
        aliases that share trigrams then sit side by side, and indexing them goes a
        fifth faster. Newer ones come by id, a range of the table.
        """
        # Plain tuples: a dict per row costs seconds on a million aliases.
        if after_id == 0:
            return self.db.conn.execute("SELECT id, normalised FROM aliases ORDER BY normalised").fetchall()
        return self.db.conn.execute(
            "SELECT id, normalised FROM aliases WHERE id > ? ORDER BY id", [after_id]).fetchall()

    def postings(self, grams: Iterable[str]) -> dict[str, bytes]:
        grams = list(grams)
        if not grams:
            return {}
        return dict(self.db.conn.execute(
            f"SELECT gram, ids FROM alias_postings WHERE gram IN ({','.join('?' * len(grams))})", grams))

    def write_postings(self, postings: dict[str, bytes], *, after_id: int, up_to: int,
                       replace: bool) -> bool:
        """Replace the search index, or append to it the aliases above `after_id`.

        Returns False, writing nothing, when another process moved the index on meanwhile.
        """
        with self.transaction():
            current = next(self.db.query("SELECT indexed_up_to FROM alias_index_state"))["indexed_up_to"]
            if current != after_id:
                return False
            # In key order, so the table's B-tree fills page after page instead of
            # splitting pages all over: twice as fast for a large index.
            if replace:
                self.db.execute("DELETE FROM alias_postings")
                self.db.conn.executemany("INSERT INTO alias_postings (gram, ids) VALUES (?, ?)",
                                         sorted(postings.items()))
            else:
                # Concatenated here: SQL's || would turn the blobs into text.
                existing = self.postings(postings)
                self.db.conn.executemany(
                    "INSERT OR REPLACE INTO alias_postings (gram, ids) VALUES (?, ?)",
                    sorted((gram, existing.get(gram, b"") + ids) for gram, ids in postings.items()))
            self.db.execute("UPDATE alias_index_state SET indexed_up_to = ?", [up_to])
        return True

    # -- export and native import ---------------------------------------------

    def export_documents(
        self, annotators: Sequence[str], *, statuses: Sequence[str] | None = None,
        labels: Sequence[str] | None = None,
    ) -> Iterator[tuple[tuple[str, ...], list[tuple[str, str, float, list[tuple[Any, ...]]]]]]:
        """Documents in import order, each with (annotator, status, seconds, spans) per annotator.

        Plain tuples, because an export handles every span: a document is
        (uid, title, text, source, meta JSON, imported_at); its annotators come
        sorted by name, and each one's spans are (id, start, end, label, text,
        entity_id, nil, provenance JSON, entity name, entity type), sorted by
        start, end, label and id, the entity's name and type None when unlinked.

        Streams inside one read transaction, so the export is a consistent
        snapshot. Three queries walk the documents in rowid order side by side
        (the documents, their statuses, their spans), each in an index's order,
        so nothing is sorted and one document's rows at a time are in memory.
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
        conn = self.db.conn
        own_transaction = not conn.in_transaction
        if own_transaction:
            conn.execute("BEGIN")
        try:
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
            for row in documents:
                rowid = row[0]
                progress = {annotator: (status, seconds)
                            for _, annotator, status, seconds in progress_of(rowid)}
                spans = {annotator: [span[2:] for span in rows]
                         for annotator, rows in groupby(spans_of(rowid), itemgetter(1))}
                names = sorted(progress) if statuses else sorted(progress.keys() | spans.keys())
                yield row[1:], [
                    (name, *progress.get(name, ("new", 0.0)), spans.get(name, [])) for name in names]
        finally:
            if own_transaction:
                conn.rollback()

    def export_entities(self) -> Iterator[Entity]:
        """Every entity by id with its aliases (its own name left out), streamed."""
        rows = self.db.query(
            """SELECT e.*, a.alias FROM entities e LEFT JOIN aliases a ON a.entity_id = e.id
               ORDER BY e.id, a.id""")
        current: dict[str, Any] | None = None
        aliases: list[str] = []
        for row in rows:
            if current is not None and row["id"] != current["id"]:
                yield _entity(current, tuple(aliases))
                aliases = []
            current = row
            if row["alias"] is not None and row["alias"] != row["name"]:
                aliases.append(row["alias"])
        if current is not None:
            yield _entity(current, tuple(aliases))

    def import_annotated(self, documents: Sequence[NewDocument],
                         statuses: Sequence[tuple[str, str, str, float]],
                         spans: Sequence[Span], entities: Sequence[Entity]) -> ImportResult:
        """Restore exported annotations in one transaction: all of them or none.

        `statuses` holds (document, annotator, status, seconds). Entities that
        links name are created when missing and left alone when present. A
        document that already has annotations by one of the file's annotators is
        a conflict: merging is adjudication's job, not import's.
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
                                   "in this database")
                self.ensure_annotator(annotator)
            conn = self.db.conn
            conn.executemany(
                """INSERT OR IGNORE INTO entities (id, name, type, description, prior, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?)""",
                [(e.id, e.name, e.type, e.description, e.prior, stamp) for e in entities])
            for status in statuses:
                if status[2] not in STATUSES:
                    raise WorkbenchError(f"unknown status {status[2]!r}")
            conn.executemany(
                """INSERT INTO doc_status (document, annotator, status, seconds, updated_at)
                   VALUES (?, ?, ?, ?, ?)""", [(*status, stamp) for status in statuses])
            for span in spans:
                self._check_span(span)
            try:
                conn.executemany(
                    """INSERT INTO spans (id, document, annotator, start, "end", label, text,
                                          entity_id, nil, provenance, created_at, updated_at)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    [(s.id, s.document, s.annotator, s.start, s.end, s.label, s.text, s.entity_id,
                      int(s.nil), json.dumps(list(s.provenance)), stamp, stamp) for s in spans])
            except sqlite3.IntegrityError as error:
                raise Conflict(f"spans were rejected by the database: {error}") from None
        return result

    # -- agreement ---------------------------------------------------------------

    def agreement_documents(
        self, annotators: Sequence[str], *, labels: Sequence[str] | None = None,
        documents: Sequence[str] | None = None, all_done: bool = True,
        within: tuple[int, int] | None = None,
    ) -> Iterator[tuple[str, str, str, dict[str, list[tuple[int, int, str, str | None, str]]]]]:
        """(uid, title, text, {annotator: [(start, end, label, link_key, span id)]}) in import order.

        Each annotator's spans come ordered by (start, end, label, id).
        With `all_done`, the documents every one of `annotators` marked done;
        without, those where at least two of them (or the only one) have spans.
        `documents` narrows to those uids, `labels` to spans with those labels,
        and `within` to those whose `agreement_positions` lie in that (first, last) range.
        Two queries stream side by side in one read transaction (a consistent
        snapshot), so the cost does not grow with a query per document.
        """
        if not annotators:
            return
        condition, params = self._agreement_condition(annotators, labels, documents, all_done)
        if within is not None:
            condition += " AND d.rowid BETWEEN ? AND ?"
            params += list(within)
        who = ", ".join("?" * len(annotators))
        label_filter = f" AND s.label IN ({', '.join('?' * len(labels))})" if labels else ""
        own_transaction = not self.db.conn.in_transaction
        if own_transaction:
            self.db.execute("BEGIN")
        try:
            # CROSS JOIN keeps documents the outer loop: the condition is checked once per
            # document and spans come in the order of the spans_export_order index, so
            # nothing is sorted, neither in SQL nor here.
            span_rows = self.db.conn.execute(
                f"""SELECT d.rowid, s.annotator, s.start, s."end", s.label,
                           CASE WHEN s.nil THEN 'NIL' ELSE s.entity_id END, s.id
                    FROM documents d CROSS JOIN spans s ON s.document = d.uid
                    WHERE {condition} AND s.annotator IN ({who}){label_filter}
                    ORDER BY d.rowid, s.annotator, s.start, s."end", s.label, s.id""",
                [*params, *annotators, *(labels or ())])
            mark = itemgetter(2, 3, 4, 5, 6)
            by_document = groupby(span_rows, itemgetter(0))
            pending = next(by_document, None)
            for rowid, uid, title, text in self.db.conn.execute(
                    f"SELECT d.rowid, d.uid, d.title, d.text FROM documents d WHERE {condition}"
                    " ORDER BY d.rowid", params):
                spans: dict[str, list[tuple[int, int, str, str | None, str]]] = {
                    name: [] for name in annotators}
                if pending is not None and pending[0] == rowid:
                    for annotator, rows in groupby(pending[1], itemgetter(1)):
                        spans[annotator] = list(map(mark, rows))
                    pending = next(by_document, None)
                yield uid, title, text, spans
        finally:
            if own_transaction:
                self.db.conn.rollback()

    def agreement_positions(
        self, annotators: Sequence[str], *, labels: Sequence[str] | None = None,
        documents: Sequence[str] | None = None, all_done: bool = True,
    ) -> list[int]:
        """The import positions of the documents `agreement_documents` would give, in order:
        readers that share the work each take a run of them (`within`)."""
        if not annotators:
            return []
        condition, params = self._agreement_condition(annotators, labels, documents, all_done)
        return [row[0] for row in self.db.conn.execute(
            f"SELECT d.rowid FROM documents d WHERE {condition} ORDER BY d.rowid", params)]

    @staticmethod
    def _agreement_condition(annotators: Sequence[str], labels: Sequence[str] | None,
                             documents: Sequence[str] | None, all_done: bool) -> tuple[str, list[Any]]:
        """The SQL condition on documents d (and its parameters) that picks the compared documents."""
        who = ", ".join("?" * len(annotators))
        label_filter = f" AND s.label IN ({', '.join('?' * len(labels))})" if labels else ""
        if all_done:
            condition = (f"(SELECT count(*) FROM doc_status t WHERE t.document = d.uid"
                         f" AND t.annotator IN ({who}) AND t.status = 'done') = ?")
            params: list[Any] = [*annotators, len(annotators)]
        else:
            condition = (f"(SELECT count(DISTINCT s.annotator) FROM spans s WHERE s.document = d.uid"
                         f" AND s.annotator IN ({who}){label_filter}) >= ?")
            params = [*annotators, *(labels or ()), min(2, len(annotators))]
        if documents is not None:
            condition += f" AND d.uid IN ({', '.join('?' * len(documents))})"
            params += list(documents)
        return condition, params

    # -- review and gold ---------------------------------------------------------

    def review_status(self, document: str, annotators: Sequence[str]) -> str:
        """not ready, ready, in review or reviewed: where a document stands for adjudication."""
        gold = self.status(document, GOLD)
        if gold == "done":
            return "reviewed"
        if gold == "in_progress":
            return "in review"
        statuses = self.statuses(document)
        compared = self.compared_annotators(document, annotators)
        if compared and all(statuses.get(name) == "done" for name in compared):
            return "ready"
        return "not ready"

    def compared_annotators(self, document: str, annotators: Sequence[str]) -> list[str]:
        """Whose work a review compares: those named, or everyone who worked on the document."""
        if annotators:
            return list(annotators)
        return sorted(name for name, status in self.statuses(document).items()
                      if name != GOLD and status != "new")

    def start_review(self, document: str, agreed: Iterable[Span]) -> list[Span]:
        """Open a document for review: the spans every annotator agreed on become gold.

        Only the first time; afterwards gold is whatever the reviewer made of it.
        """
        with self.transaction():
            if self.status(document, GOLD) != "new":
                return self.spans(document, GOLD)
            self.ensure_annotator(GOLD)
            for span in agreed:
                self.add_span(document, GOLD, span.start, span.end, span.label,
                              entity_id=span.entity_id, nil=span.nil, provenance=span.provenance)
            self._upsert_status(document, GOLD, status="in_progress")
        return self.spans(document, GOLD)

    def record_rejection(self, document: str, span: Span) -> None:
        """Note that the reviewer rejected an annotator's version of a span."""
        with self.transaction():
            self.ensure_annotator(GOLD)
            self._log(GOLD, document, "reject", span.id, _payload(span), None)

    def rejections(self, document: str) -> set[str]:
        """Ids of the annotator spans rejected in review of this document."""
        return {row["span_id"] for row in self.db.query(
            "SELECT span_id FROM events WHERE document = ? AND annotator = ? AND action = 'reject'",
            [document, GOLD])}


    # -- annotation loop (issue 16) --

    def status_counts(self, annotator: str) -> dict[str, int]:
        """How many documents this annotator has in each status ('done', 'skipped', ...)."""
        return {row["status"]: row["n"] for row in self.db.query(
            "SELECT status, count(*) AS n FROM doc_status WHERE annotator = ? GROUP BY status", [annotator])}


def _payload(span: Span) -> dict[str, Any]:
    return {
        "id": span.id, "document": span.document, "annotator": span.annotator,
        "start": span.start, "end": span.end, "label": span.label, "text": span.text,
        "entity_id": span.entity_id, "nil": span.nil, "provenance": list(span.provenance),
    }


def _from_payload(payload: dict[str, Any]) -> Span:
    return Span(**{**payload, "provenance": tuple(payload.get("provenance", ()))})


def _span(row: dict[str, Any]) -> Span:
    return Span(
        row["id"], row["document"], row["annotator"], row["start"], row["end"], row["label"],
        row["text"], row["entity_id"], bool(row["nil"]), tuple(json.loads(row.get("provenance") or "[]")),
    )


def _document(row: dict[str, Any]) -> Document:
    return Document(row["uid"], row["title"], row["text"], row["source"],
                    json.loads(row["meta"]), row["imported_at"])


def _entity(row: dict[str, Any], aliases: tuple[str, ...]) -> Entity:
    return Entity(row["id"], row["name"], row["type"], row["description"], row["prior"], aliases)


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


def _link_fields(entity_id: str | None, nil: bool) -> dict[str, Any]:
    """The span fields a link sets: an entity, NIL, or (neither) no link."""
    if entity_id is not None and nil:
        raise WorkbenchError("a span is linked to an entity or marked NIL, not both")
    return {"entity_id": entity_id, "nil": nil}


def _event(row: dict[str, Any]) -> Event:
    return Event(row["id"], row["at"], row["annotator"], row["document"], row["action"],
                 row["span_id"], row["target"],
                 json.loads(row["before"]) if row["before"] else None,
                 json.loads(row["after"]) if row["after"] else None, row.get("batch"))


def _json_or_none(value: dict | None) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _integrity_message(span: Span, error: sqlite3.IntegrityError) -> str:
    if "FOREIGN KEY" in str(error):
        return (f"span {span.start}-{span.end} refers to something that does not exist "
                f"(label {span.label!r}, annotator {span.annotator!r}, entity {span.entity_id!r})")
    return f"span {span.start}-{span.end} was rejected: {error}"


def default_db_path() -> Path:
    return Path(os.environ.get("WORKBENCH_DB", "annotations.db"))
