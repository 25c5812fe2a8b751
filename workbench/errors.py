"""User-facing errors.

Anything raised as a `WorkbenchError` is the user's to fix and is shown as one
line with exit status 1; anything else is our bug and keeps its traceback
behind `--debug`.
"""

from __future__ import annotations


class WorkbenchError(Exception):
    """A problem the user can act on, described in one line.

    `document` names the document it concerns, when there is one, so that a
    caller reading a file can point at the line that brought it in.
    """

    def __init__(self, message: str = "", *, document: str | None = None) -> None:
        super().__init__(message)
        self.document = document


class ImportRejected(WorkbenchError):
    """An input file, or a line of it, could not be imported."""

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.reason = message
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}")


class OffsetMismatch(WorkbenchError):
    """A span's offsets are out of range or do not cover its recorded text."""


class DuplicateSpan(WorkbenchError):
    """The annotator already has a span with the same offsets and label in the document."""


class RelationRefused(WorkbenchError):
    """A relation would break a rule: its ends' document, annotator or labels, or it exists already."""


class NotFound(WorkbenchError):
    """A document, span, label, annotator or entity does not exist."""


class StorageRefused(WorkbenchError):
    """The file system refused a write: a full disk, a read-only file or folder."""


class Conflict(WorkbenchError):
    """The database changed underneath an action, which was not applied."""


class NothingToCompare(WorkbenchError):
    """No document meets an agreement report's criteria. `only_done` says the criteria asked
    for finished documents, so counting unfinished ones too may find some: each caller says
    how to ask for that (a flag on the command line, a key in the app)."""

    def __init__(self, message: str, *, only_done: bool) -> None:
        super().__init__(message)
        self.only_done = only_done
