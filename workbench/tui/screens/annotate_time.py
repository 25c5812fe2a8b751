"""Active time on a document: what the annotate screen records of how long work took.

A mixin of `AnnotateScreen`. A key or a click counts the time since the last
one, a pause counting at most IDLE_SECONDS; the time is written every 15
seconds, on leaving the document, and when the screen closes. Opening and
leaving a document are logged too (`Store.open_document`, `leave_document`):
the time each span took can be read from the log, and the document reopens
where the cursor was left.
"""

from __future__ import annotations

import time

from textual import events

from ...errors import WorkbenchError

IDLE_SECONDS = 60.0


class ActiveTime:
    """Counting the time an annotator is active, and saving it."""

    def on_key(self, event: events.Key) -> None:
        self._touch()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        self._touch()

    def _touch(self) -> None:
        now = time.monotonic()
        self._unsaved_seconds += min(now - self._last_activity, IDLE_SECONDS)
        self._last_activity = now

    def flush_time(self) -> None:
        if self._unsaved_seconds > 0:
            try:
                self.store.add_seconds(self.document, self.annotator, self._unsaved_seconds)
            except WorkbenchError as error:
                # Kept, and written with the next flush once the disk has room again.
                self._failed(error)
                return
            self._unsaved_seconds = 0.0

    def start_visit(self, document: str) -> int:
        """Log the opening of `document`; the offset its cursor was left at last time."""
        self._visiting = True
        try:
            self.store.open_document(document, self.annotator)
        except WorkbenchError as error:
            self._visit_not_logged(error)
        return self.store.last_cursor(document, self.annotator)

    def end_visit(self) -> None:
        """Save the time and log the leaving of the document open now, if one is."""
        self.flush_time()
        if not self._visiting:
            return
        self._visiting = False
        try:
            self.store.leave_document(self.document, self.annotator, self._article_view.cursor)
        except WorkbenchError as error:
            self._visit_not_logged(error)

    def _visit_not_logged(self, error: WorkbenchError) -> None:
        # Said, not shown in the status line: this runs while the screen is built or taken down.
        self.app.notify(f"Not logged: {error}", title="Not saved", severity="error")

    def on_unmount(self) -> None:
        self.end_visit()
