"""The connection: opening and migrating, the write lock, transactions, backup and check.

Every part of the store is a mixin over this one connection and its
`transaction()`, so an action that spans several families of tables (a review
accept deletes and adds gold spans and logs both) is still one transaction.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from .sqlite_utils_lean import Database, database

from ..errors import StorageRefused, WorkbenchError
from ..model import covered_text_problem
from .rows import json_list_of_strings
from .schema import migrations, schema_problems

if TYPE_CHECKING:
    from typing import Self

BUSY_TIMEOUT_MS = 60_000


# What SQLite says when the file system, not the database or the action, is the problem.
STORAGE_REFUSALS = ("attempt to write a readonly database", "unable to open database file",
                    "database or disk is full", "disk I/O error")


def storage_refusal(path: str, error: sqlite3.OperationalError) -> StorageRefused | None:
    """The user's error for a write the file system refused (a full disk, a read-only file)."""
    if str(error) in STORAGE_REFUSALS:
        return StorageRefused(f"{path}: {error}; nothing was saved")
    return None


def missing_database(path: str | os.PathLike[str]) -> WorkbenchError:
    """The error for a command that needs a database that is not there: it says how to make one."""
    return WorkbenchError(f"{path}: no such database; create one with `workbench init`, "
                          "`workbench import PATH` or `workbench demo`")


def _connect_readonly(path: str) -> Database:
    if path == ":memory:" or not os.path.isfile(path):
        raise missing_database(path)
    uri = f"file:{urllib.parse.quote(os.path.abspath(path))}"
    try:
        conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000,
                               check_same_thread=False)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:
        # A WAL database in a folder nobody may write to has no -shm file to share, and
        # cannot make one; since nobody can be writing to it there, it is safe to read as
        # a file that does not change.
        conn = sqlite3.connect(f"{uri}?immutable=1", uri=True, check_same_thread=False)
    except sqlite3.DatabaseError as error:
        raise WorkbenchError(f"{path}: not a workbench database ({error})") from None
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as error:
        raise WorkbenchError(f"{path}: not a workbench database ({error})") from None
    return database(conn)


class Connection:
    """One SQLite connection to a workbench database, and the rules for writing through it."""

    def __init__(self, db: Database, path: str, *, readonly: bool = False) -> None:
        self.db = db
        self.path = path
        self.readonly = readonly
        self._texts: dict[str, str] = {}
        self._lock_file = None
        self._lock_depth = 0

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, migrate: bool = True, readonly: bool = False) -> Self:
        """Open a database to write (creating or upgrading it with `migrate`), or `readonly`.

        A read-only store never changes the file, not even its journal mode, and
        works in a folder nobody may write to. A database written by a newer
        workbench is refused for writing.
        """
        path = str(path)
        if readonly:
            return cls(_connect_readonly(path), path, readonly=True)
        existed = path != ":memory:" and os.path.exists(path) and os.path.getsize(path) > 0
        try:
            conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
            db = database(conn)
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            db.execute("PRAGMA foreign_keys = ON")
            store = cls(db, path)
            store._refuse_newer_schema()
            if path != ":memory:" and db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                # Switching needs the file to itself: under the write lock, so that a process
                # migrating an old database meanwhile is waited for, not refused as locked.
                with store._write_lock():
                    db.execute("PRAGMA journal_mode = WAL")
            # FULL: a committed action survives power loss too, not only a crash.
            db.execute("PRAGMA synchronous = FULL")
        except sqlite3.DatabaseError as error:
            raise WorkbenchError(f"{path}: not a workbench database ({error})") from None
        if migrate:
            store._migrate(existed)
        return store

    def _refuse_newer_schema(self) -> None:
        problems = [problem for problem in schema_problems(self.db) if "newer workbench" in problem]
        if problems:
            raise WorkbenchError(f"{self.path}: {problems[0].removeprefix('schema: ')}; upgrade workbench "
                                 "to write to it (reading commands still work)")

    def _migrate(self, existed: bool) -> None:
        try:
            pending = migrations.pending(self.db)
        except sqlite3.DatabaseError as error:
            raise WorkbenchError(f"{self.path}: not a workbench database ({error})") from None
        if not pending:
            return
        # Under the lock: of several annotators opening an old database at once,
        # one saves the backup and migrates; the others find nothing left to do.
        with self._write_lock():
            pending = migrations.pending(self.db)
            if pending and existed and migrations.applied(self.db):
                self.backup(f"{self.path}.before-{pending[0].name}.bak")
            if pending:
                migrations.apply(self.db)
        self._after_migration()

    def _after_migration(self) -> None:
        """What a freshly created or upgraded database needs beyond its tables."""

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
    def reader(self) -> Iterator[Self]:
        """A connection of its own, for a worker thread.

        A connection's transaction state is shared by every thread that uses it,
        so a worker's queries must not run on the one the screen writes through.
        """
        if self.path == ":memory:":
            yield self
            return
        other = type(self).open(self.path, migrate=False)
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
        Nested, it joins the transaction already open.
        """
        if self.db.conn.in_transaction:
            with self.db.atomic():
                yield
            return
        with self._write_lock():
            try:
                self.db.execute("BEGIN IMMEDIATE")
                try:
                    yield
                except BaseException:
                    self.db.rollback()
                    raise
                else:
                    self.db.commit()
            except sqlite3.OperationalError as error:
                refusal = storage_refusal(self.path, error)
                if refusal is None:
                    raise
                raise refusal from None

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read transaction around a streamed read, so it sees one consistent state."""
        conn = self.db.conn
        own_transaction = not conn.in_transaction
        if own_transaction:
            conn.execute("BEGIN")
        try:
            yield conn
        finally:
            if own_transaction:
                conn.rollback()

    # -- operations ------------------------------------------------------------

    def backup(self, destination: str | os.PathLike[str]) -> None:
        """An online copy with SQLite's backup API; writers may keep working."""
        destination = str(destination)
        # One temporary name per process: two processes backing up at once must not share it.
        partial = f"{destination}.partial-{os.getpid()}"
        target = sqlite3.connect(partial)
        try:
            self.db.conn.backup(target)
        except BaseException:
            target.close()
            os.unlink(partial)
            raise
        target.close()
        os.replace(partial, destination)

    def check_schema(self) -> list[str]:
        """What is wrong with the schema's version, as `check` words it; empty when current."""
        return schema_problems(self.db)

    def check(self) -> list[str]:
        """Every problem found in the database, one readable line each; empty when healthy."""
        try:
            problems = schema_problems(self.db)
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

    def _span_problems(self) -> list[str]:
        problems = []
        for document in self.db.query("SELECT uid, text FROM documents ORDER BY rowid"):
            for span in self.db.query(
                    'SELECT id, annotator, start, "end", text, provenance FROM spans WHERE document = ? '
                    'ORDER BY start', [document["uid"]]):
                if json_list_of_strings(span["provenance"]) is None:
                    problems.append(f"provenance: span {span['id']} ({span['annotator']}, document "
                                    f"{document['uid']}): {span['provenance']!r} is not a JSON list of names")
                problem = covered_text_problem(document["text"], span["start"], span["end"], span["text"])
                if problem:
                    in_range = 0 <= span["start"] < span["end"] <= len(document["text"])
                    kind = "covered text" if in_range else "offsets"
                    problems.append(f"{kind}: span {span['id']} ({span['annotator']}, "
                                    f"document {document['uid']}): {problem}")
        return problems
