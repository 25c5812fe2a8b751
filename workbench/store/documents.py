"""Labels, annotators, documents and the queue, and each annotator's status and time per document."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ..errors import NotFound, WorkbenchError
from ..history import LEAVE, OPEN
from ..model import (DEFAULT_LABELS, GOLD, STATUSES, Document, Label, NewDocument, QueueRow, name_problem,
                     shared_key_problem)
from ..text import content_hash
from .events import EventLog
from .rows import (ANNOTATOR_COLUMNS, DOCUMENT_COLUMNS, LABEL_COLUMNS, STATUS_COLUMNS,
                   document_from_row, insert_sql, now)


@dataclass(frozen=True, slots=True)
class ImportResult:
    added: list[str]
    duplicates: list[str]


class DocumentTables(EventLog):
    def _after_migration(self) -> None:
        if not self.labels():
            self.set_labels(DEFAULT_LABELS)

    # -- labels and annotators ----------------------------------------------

    def labels(self) -> list[Label]:
        return [
            Label(row["name"], row["key"], row["colour"], row["description"])
            for row in self.db.query("SELECT * FROM labels ORDER BY position")
        ]

    def set_labels(self, labels: Iterable[Label]) -> None:
        """Add or update labels; labels already in use are never removed.

        Every label ends up with a key of its own, among the labels already here too.
        """
        labels = list(labels)
        keys = {label.name: label.key for label in self.labels()}
        keys.update((label.name, label.key) for label in labels)
        clash = shared_key_problem(keys, "label")
        if clash:
            raise WorkbenchError(clash)
        upsert = insert_sql("labels", LABEL_COLUMNS, conflict="""ON CONFLICT(name) DO UPDATE SET
            key = excluded.key, colour = excluded.colour, description = excluded.description,
            position = excluded.position""")
        with self.transaction():
            for position, label in enumerate(labels):
                self.db.execute(upsert, [label.name, label.key, label.colour, label.description, position])

    def ensure_annotator(self, name: str) -> None:
        """Register an annotator. A new name must be one any screen and file can show;
        a name an older database already holds keeps working (it is shown cleaned)."""
        problem = name_problem(name or "")
        if problem and not next(self.db.query("SELECT 1 FROM annotators WHERE name = ?", [name]), None):
            raise WorkbenchError(problem)
        self.db.execute(insert_sql("annotators", ANNOTATOR_COLUMNS, verb="INSERT OR IGNORE"), [name, now()])

    def annotators_with_work(self) -> list[str]:
        """The annotators (gold aside) with a span, or a document they changed the status of."""
        return [row["name"] for row in self.db.query(
            """SELECT name FROM annotators a WHERE name != ? AND (
                   EXISTS (SELECT 1 FROM spans s WHERE s.annotator = a.name)
                   OR EXISTS (SELECT 1 FROM doc_status t WHERE t.annotator = a.name AND t.status != 'new'))
               ORDER BY name""", [GOLD])]

    def annotators(self, *, include_gold: bool = False) -> list[str]:
        rows = self.db.query("SELECT name FROM annotators ORDER BY name")
        return [row["name"] for row in rows if include_gold or row["name"] != GOLD]

    # -- documents ------------------------------------------------------------

    def add_documents(self, documents: Iterable[NewDocument]) -> ImportResult:
        """Add documents in one transaction; texts already present are skipped."""
        added: list[str] = []
        duplicates: list[str] = []
        stamp = now()
        insert = insert_sql("documents", DOCUMENT_COLUMNS, verb="INSERT OR IGNORE")
        with self.transaction():
            for document in documents:
                uid = content_hash(document.text)
                cursor = self.db.execute(insert, [
                    uid, document.title, document.text, document.source,
                    json.dumps(document.meta, ensure_ascii=False, sort_keys=True), stamp])
                (added if cursor.rowcount else duplicates).append(uid)
        return ImportResult(added, duplicates)

    def document(self, uid: str) -> Document:
        row = next(self.db.query("SELECT * FROM documents WHERE uid = ?", [uid]), None)
        if row is None:
            raise NotFound(f"no document {uid!r}")
        return document_from_row(row)

    def find_document(self, key: str) -> Document:
        """A document by uid, uid prefix or source path, or by position as #N (1-based).

        Digits alone are a uid prefix: uids are hexadecimal, so "123" may well be one.
        """
        if key.startswith("#") and key[1:].isdigit():
            if int(key[1:]) == 0:
                raise NotFound("no document at position 0; positions start at #1")
            row = next(self.db.query(
                "SELECT * FROM documents ORDER BY rowid LIMIT 1 OFFSET ?", [int(key[1:]) - 1]), None)
            if row is None:
                raise NotFound(f"no document at position {key[1:]}; there are {self.document_count()}")
            return document_from_row(row)
        escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = list(self.db.query(
            "SELECT * FROM documents WHERE uid LIKE ? ESCAPE '\\' OR source = ? OR source LIKE ? ESCAPE '\\' LIMIT 2",
            [escaped + "%", key, "%/" + escaped],
        ))
        if len(rows) == 1:
            return document_from_row(rows[0])
        if not rows and key.isdigit():
            raise NotFound(f"no document matches {key!r}; for the document at position {key}, give #{key}")
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

    def queue(self, annotator: str) -> list[QueueRow]:
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
            QueueRow(i + 1, row["uid"], row["title"], row["status"], row["spans"], row["seconds"])
            for i, row in enumerate(rows)
        ]

    def first_unfinished(self, annotator: str, *, after: str | None = None) -> str | None:
        """The first document this annotator has not finished; with `after`, the
        first one following that document, wrapping round to the start."""
        pivot = 0
        if after is not None:
            found = next(self.db.query("SELECT rowid FROM documents WHERE uid = ?", [after]), None)
            pivot = found["rowid"] if found else 0
        # Two walks in import order, each stopping at its first hit, rather than one
        # query that sorts every document: start-up on 100,000 documents waited for it.
        for side in (">", "<="):
            row = next(self.db.query(
                f"""SELECT d.uid FROM documents d
                    LEFT JOIN doc_status s ON s.document = d.uid AND s.annotator = ?
                    WHERE d.rowid {side} ? AND coalesce(s.status, 'new') NOT IN ('done', 'skipped')
                    ORDER BY d.rowid LIMIT 1""", [annotator, pivot]), None)
            if row is not None:
                return row["uid"]
        return None

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

    def status_counts(self, annotator: str) -> dict[str, int]:
        """How many documents this annotator has in each status ('done', 'skipped', ...)."""
        return {row["status"]: row["n"] for row in self.db.query(
            "SELECT status, count(*) AS n FROM doc_status WHERE annotator = ? GROUP BY status", [annotator])}

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
        """Add working time. Time alone never changes the status: someone who only looked
        at a document has not started annotating it."""
        if seconds <= 0:
            return
        with self.transaction():
            self._upsert_status(document, annotator, seconds=seconds, started=False)
            # Logged too, so that a merge can tell time worked in another copy from time it shares.
            self._log(annotator, document, "time", None, None, {"seconds": seconds})

    # -- visits: where each annotator opened and left a document --------------

    def open_document(self, document: str, annotator: str) -> None:
        """Log that the annotator opened the document. Like `leave_document`, it changes no
        status and is never undone: it only marks the time, so that the log tells how long
        each span took from the moment its document was opened."""
        with self.transaction():
            self.ensure_annotator(annotator)
            self._log(annotator, document, OPEN, None, None, None)

    def leave_document(self, document: str, annotator: str, cursor: int) -> None:
        """Log that the annotator left the document with the cursor at `cursor`, where it
        reopens next time."""
        with self.transaction():
            self.ensure_annotator(annotator)
            self._log(annotator, document, LEAVE, None, None, {"cursor": cursor})

    def last_cursor(self, document: str, annotator: str) -> int:
        """Where the annotator's cursor was on leaving the document last; 0 if never left."""
        row = next(self.db.query(
            """SELECT after FROM events WHERE annotator = ? AND document = ? AND action = ?
               ORDER BY id DESC LIMIT 1""", [annotator, document, LEAVE]), None)
        if row is None:
            return 0
        cursor = json.loads(row["after"]).get("cursor")
        return cursor if isinstance(cursor, int) and cursor >= 0 else 0

    def _upsert_status(self, document: str, annotator: str, *, status: str | None = None,
                       seconds: float = 0.0, started: bool = True) -> None:
        """Set the status (by default, when `started`: in progress unless further on) and add time."""
        self.ensure_annotator(annotator)
        self.db.execute(
            insert_sql("doc_status", STATUS_COLUMNS, named=True, conflict="""ON CONFLICT(document, annotator)
                DO UPDATE SET status = coalesce(:given, CASE WHEN status = 'new' AND :started
                                                             THEN 'in_progress' ELSE status END),
                              seconds = seconds + :seconds, updated_at = :updated_at"""),
            {"document": document, "annotator": annotator, "given": status, "started": started,
             "status": status or ("in_progress" if started else "new"), "seconds": seconds,
             "updated_at": now()},
        )

    def _mark_started(self, document: str, annotator: str) -> None:
        """A first change to a document puts it in progress; later ones leave its status alone."""
        self._upsert_status(document, annotator)
