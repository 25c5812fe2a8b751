"""User-facing errors.

Anything raised as a `WorkbenchError` is the user's to fix and is shown as one
line with exit status 1; anything else is our bug and keeps its traceback
behind `--debug`.
"""

from __future__ import annotations


class WorkbenchError(Exception):
    """A problem the user can act on, described in one line."""


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


class NotFound(WorkbenchError):
    """A document, span, label, annotator or entity does not exist."""


class Conflict(WorkbenchError):
    """The database changed underneath an action, which was not applied."""
