"""Active time on a document: what the annotate screen records of how long work took.

A mixin of `AnnotateScreen`. A key or a click counts the time since the last
one, a pause counting at most IDLE_SECONDS; the time is written every 15
seconds, on leaving the document, and when the screen closes.
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

    def on_unmount(self) -> None:
        self.flush_time()
