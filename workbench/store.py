"""The store: the one door to the SQLite database.

Every read and write of annotations goes through `Store`. Each user action is
one short IMMEDIATE transaction that writes the change and its event together,
so a crash at any moment leaves either both or neither, and several annotators'
processes can share one file.
"""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

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
        """Serialise schema changes between processes without holding a transaction."""
        if self.path == ":memory:":
            yield
            return
        import fcntl

        with open(f"{self.path}.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def close(self) -> None:
        self.db.close()

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

    def first_unfinished(self, annotator: str) -> str | None:
        row = next(self.db.query(
            """SELECT d.uid FROM documents d
               LEFT JOIN doc_status s ON s.document = d.uid AND s.annotator = ?
               WHERE coalesce(s.status, 'new') NOT IN ('done', 'skipped')
               ORDER BY d.rowid LIMIT 1""",
            [annotator],
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
        if entity_id is not None and nil:
            raise WorkbenchError("a span is linked to an entity or marked NIL, not both")
        return self._change(span_id, "link", entity_id=entity_id, nil=nil)

    def delete_span(self, span_id: str) -> Span:
        with self.transaction():
            span = self.span(span_id)
            self.db.execute("DELETE FROM spans WHERE id = ?", [span_id])
            self._log(span.annotator, span.document, "delete", span.id, _payload(span), None)
        return span

    def _change(self, span_id: str, action: str, **changes: Any) -> Span:
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
                      _payload(before), _payload(after))
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
             before: dict | None, after: dict | None, target: int | None = None) -> int:
        cursor = self.db.execute(
            """INSERT INTO events (uid, at, annotator, document, action, span_id, target, before, after)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [uuid.uuid4().hex, now(), annotator, document, action, span_id, target,
             _json_or_none(before), _json_or_none(after)],
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

    def can_undo(self, document: str, annotator: str) -> tuple[bool, bool]:
        done, undone = self._history(document, annotator)
        return bool(done), bool(undone)

    def undo(self, document: str, annotator: str) -> Event | None:
        """Revert this annotator's latest action on the document; None if there is none."""
        with self.transaction():
            done, _ = self._history(document, annotator)
            if not done:
                return None
            event = done[-1]
            self._restore(event.span_id, expected=event.after, wanted=event.before)
            self._log(annotator, document, "undo", event.span_id, event.after, event.before, event.id)
        return event

    def redo(self, document: str, annotator: str) -> Event | None:
        with self.transaction():
            _, undone = self._history(document, annotator)
            if not undone:
                return None
            event = undone[-1]
            self._restore(event.span_id, expected=event.before, wanted=event.after)
            self._log(annotator, document, "redo", event.span_id, event.before, event.after, event.id)
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

    def alias_rows(self) -> Iterator[dict]:
        """Every alias with its entity's type and prior, for building a search index."""
        return self.db.query(
            """SELECT a.entity_id, a.alias, a.normalised, e.name, e.type, e.prior
               FROM aliases a JOIN entities e ON e.id = a.entity_id""")

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


def _event(row: dict[str, Any]) -> Event:
    return Event(row["id"], row["at"], row["annotator"], row["document"], row["action"],
                 row["span_id"], row["target"],
                 json.loads(row["before"]) if row["before"] else None,
                 json.loads(row["after"]) if row["after"] else None)


def _json_or_none(value: dict | None) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _integrity_message(span: Span, error: sqlite3.IntegrityError) -> str:
    if "FOREIGN KEY" in str(error):
        return (f"span {span.start}-{span.end} refers to something that does not exist "
                f"(label {span.label!r}, annotator {span.annotator!r}, entity {span.entity_id!r})")
    return f"span {span.start}-{span.end} was rejected: {error}"


def default_db_path() -> Path:
    return Path(os.environ.get("WORKBENCH_DB", "annotations.db"))
