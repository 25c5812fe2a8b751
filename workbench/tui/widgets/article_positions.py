"""Where the article view's text is on screen: the words in view, hint letters drawn over
them, and the mouse (a click places the cursor, a drag selects).

A mixin of `ArticleView`, which keeps the rows (`_rows`), the scroll offset and the cursor.
"""

from __future__ import annotations

from bisect import bisect_left

from textual import events

from .article_layout import Row, column_of, offset_at_column

# Columns left of the text for the label letters of the spans on each row.
GUTTER = 4


class ScreenPositions:
    """Offsets in the text and cells on the screen, both ways."""

    def _hint_cells(self, row: Row) -> dict[int, str]:
        """The hint letters drawn on this row, by the offset of the character each covers."""
        cells: dict[int, str] = {}
        if self._hints:
            for offset, label in self._hints.items():
                if row.start <= offset < row.end:
                    for i, letter in enumerate(label):
                        if offset + i < row.end:
                            cells[offset + i] = letter
        return cells

    # -- hints and what is on screen -------------------------------------------

    def visible_words(self) -> list[tuple[int, int, int]]:
        """(offset, row, column) of every word that starts on a row on screen."""
        found = []
        words = self.index.words
        for row_number in self.rows_shown():
            row = self._rows[row_number]
            low = bisect_left(words.starts, row.start)
            high = bisect_left(words.starts, row.end)
            for offset in words.starts[low:high]:
                found.append((offset, row_number, GUTTER + column_of(row, offset)))
        return found

    def show_hints(self, hints: dict[int, str], typed: str) -> None:
        """Draw the hints that start with `typed`, the typed part left off; none when empty."""
        self._hints = {offset: label[len(typed):] for offset, label in hints.items()
                       if label.startswith(typed)}
        self._forget_strips()
        self.refresh()

    # -- mouse: a click places the cursor, a drag selects -----------------------

    def _offset_at(self, event: events.MouseEvent) -> int | None:
        region = self.scrollable_content_region
        y = event.y - (region.y - self.region.y) + self.scroll_offset.y
        x = event.x - (region.x - self.region.x) - GUTTER
        if not 0 <= y < len(self._rows):
            return None
        return offset_at_column(self._rows[y], x)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        offset = self._offset_at(event)
        if offset is not None:
            self._dragging = True
            self.capture_mouse()
            self.move_to(offset)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self._dragging:
            offset = self._offset_at(event)
            if offset is not None:
                self.move_to(offset, extend=True)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._dragging:
            self._dragging = False
            self.release_mouse()
