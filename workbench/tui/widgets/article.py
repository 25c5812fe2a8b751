"""The article view: a Line API ScrollView that renders only the rows on screen."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.color import Color
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...model import Label, Span
from ...text import TextIndex
from .scrolling import keep_row_visible
from ..layout import CHAR, Mark, Row, block_bounds, column_of, layout_block, marks_by_offset, \
    offset_at_column, row_index, visible


@dataclass(frozen=True, slots=True)
class SpanStyle:
    body: Style
    mark: Style
    current_body: Style
    current_mark: Style


class ArticleView(ScrollView, can_focus=True):
    """Shows one document's text with its spans, a cursor and a selection."""

    DEFAULT_CSS = """
    ArticleView { background: $surface; padding: 0 1; }
    """

    class CursorMoved(Message):
        def __init__(self, view: "ArticleView") -> None:
            super().__init__()
            self.view = view

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.text = ""
        self.index = TextIndex("")
        self.spans: list[Span] = []
        self.labels: dict[str, Label] = {}
        self.letters: dict[str, str] = {}
        self.entity_names: dict[str, str] = {}
        self.cursor = 0
        self.anchor: int | None = None
        self.current_id: str | None = None
        self.snap = True
        self.goal_column: int | None = None
        self._span_starts: list[int] = []
        self._longest = 0
        self._blocks: list[tuple[int, int]] = []
        self._block_rows: list[list[Row]] = []
        self._rows: list[Row] = []
        self._row_starts: list[int] = []
        self._layout_width = 0
        self._marks: dict = {}
        self._strips: dict[int, Strip] = {}
        self._styles: dict[str, SpanStyle] = {}
        self._dragging = False

    # -- content ---------------------------------------------------------------

    def load(self, text: str, spans: list[Span], labels: list[Label], cursor: int = 0) -> None:
        self.text = text
        self.index = TextIndex(text)
        self.labels = {label.name: label for label in labels}
        self.letters = _letters(labels)
        self._styles = {}
        self.cursor = min(cursor, len(text))
        self.anchor = None
        self.current_id = None
        self._blocks = block_bounds(text)
        self._set_spans(spans)
        self._layout_width = 0
        self._relayout()
        self.scroll_to(0, 0, animate=False)
        self._follow_cursor()

    def update_spans(self, spans: list[Span], changed: list[tuple[int, int]]) -> None:
        """Replace the spans; only the blocks touching `changed` ranges are re-wrapped."""
        self._set_spans(spans)
        blocks = set()
        for start, end in changed:
            first = max(0, bisect_right([b[0] for b in self._blocks], start) - 1)
            block = first
            while block < len(self._blocks) and self._blocks[block][0] <= end:
                blocks.add(block)
                block += 1
        self._relayout(blocks)

    def _set_spans(self, spans: list[Span]) -> None:
        self.spans = sorted(spans, key=lambda s: (s.start, -s.end, s.label, s.id))
        self._span_starts = [span.start for span in self.spans]
        self._longest = max((span.end - span.start for span in self.spans), default=0)
        self._marks = marks_by_offset([
            Mark(span.id, span.start, span.end, span.label, self._tag(span)) for span in self.spans
        ])
        if self.current_id and not any(s.id == self.current_id for s in self.spans):
            self.current_id = None

    def _tag(self, span: Span) -> str:
        """The closing mark's text: the label's letter, and the linked entity if any."""
        letter = self.letters.get(span.label, "?")
        if span.nil:
            return f"{letter}:NIL"
        if span.entity_id:
            name = self.entity_names.get(span.entity_id, span.entity_id)
            short = name if len(name) <= 18 else name[:17] + "…"
            return f"{letter}:{''.join(visible(ch)[0] for ch in short)}"
        return letter

    # -- layout ----------------------------------------------------------------

    def _relayout(self, blocks: set[int] | None = None) -> None:
        # Wrap to the width actually shown: wrapping wider would crop text out of sight.
        width = max(self.scrollable_content_region.width, 1)
        if width != self._layout_width or blocks is None:
            self._layout_width = width
            self._block_rows = [self._layout(i) for i in range(len(self._blocks))]
        else:
            for block in blocks:
                self._block_rows[block] = self._layout(block)
        self._rows = [row for rows in self._block_rows for row in rows]
        self._row_starts = [row.start for row in self._rows]
        self._strips.clear()
        self.virtual_size = Size(width, len(self._rows))
        self.refresh()

    def _layout(self, block: int) -> list[Row]:
        start, end = self._blocks[block]
        return layout_block(self.text, start, end, block == len(self._blocks) - 1,
                            self._marks, self._layout_width)

    def on_resize(self, event: events.Resize) -> None:
        if self.text or self._blocks:
            self._relayout()
            self._follow_cursor()

    @property
    def row_count(self) -> int:
        return len(self._rows)

    def cursor_row(self) -> int:
        return row_index(self._row_starts, self.cursor)

    # -- cursor and selection ------------------------------------------------

    @property
    def selection(self) -> tuple[int, int] | None:
        if self.anchor is None or self.anchor == self.cursor:
            return None
        return min(self.anchor, self.cursor), max(self.anchor, self.cursor)

    def move_to(self, offset: int, *, extend: bool = False, keep_column: bool = False) -> None:
        offset = max(0, min(offset, len(self.text)))
        if extend:
            if self.anchor is None:
                self.anchor = self.cursor
        else:
            self.anchor = None
        if not keep_column:
            self.goal_column = None
        self.cursor = offset
        # The innermost span is current after a move: a figure inside a claim is
        # what the cursor is on; `c` reaches the enclosing ones.
        under = self.spans_at(offset)
        self.current_id = under[0].id if under else None
        self._strips.clear()
        self.refresh()
        self._follow_cursor()
        self.post_message(self.CursorMoved(self))

    def select(self, start: int, end: int) -> None:
        self.move_to(start)
        self.move_to(end, extend=True)

    def clear_selection(self) -> None:
        self.anchor = None
        self._strips.clear()
        self.refresh()

    def move_rows(self, count: int, *, extend: bool = False) -> None:
        if not self._rows:
            return
        row = self.cursor_row()
        if self.goal_column is None:
            self.goal_column = column_of(self._rows[row], self.cursor)
        target = max(0, min(row + count, len(self._rows) - 1))
        if target == row:
            offset = 0 if count < 0 else len(self.text)
        else:
            offset = offset_at_column(self._rows[target], self.goal_column)
        self.move_to(offset, extend=extend, keep_column=True)

    def row_bounds(self) -> tuple[int, int]:
        row = self._rows[self.cursor_row()]
        return row.start, max(row.start, row.end - 1) if row.end > row.start else row.start

    def _follow_cursor(self) -> None:
        if self._rows:
            keep_row_visible(self, self.cursor_row())

    # -- spans under the cursor -----------------------------------------------

    def spans_at(self, offset: int) -> list[Span]:
        """Spans covering `offset`, innermost first."""
        low = bisect_left(self._span_starts, offset - self._longest)
        high = bisect_right(self._span_starts, offset)
        found = [s for s in self.spans[low:high] if s.start <= offset < s.end]
        return sorted(found, key=lambda s: (s.end - s.start, s.start, s.id))

    @property
    def current(self) -> Span | None:
        if self.current_id is None:
            return None
        return next((s for s in self.spans_at(self.cursor) if s.id == self.current_id), None)

    def cycle_current(self) -> None:
        under = self.spans_at(self.cursor)
        if len(under) < 2:
            return
        ids = [span.id for span in under]
        index = ids.index(self.current_id) if self.current_id in ids else -1
        self.current_id = ids[(index + 1) % len(ids)]
        self._strips.clear()
        self.refresh()
        self.post_message(self.CursorMoved(self))

    def focus_span(self, span: Span) -> None:
        self.move_to(span.start)
        self.current_id = span.id
        self._strips.clear()
        self.refresh()
        self.post_message(self.CursorMoved(self))

    # -- rendering -------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        index = y + self.scroll_offset.y
        strip = self._strips.get(index)
        if strip is None:
            if index >= len(self._rows):
                strip = Strip.blank(self.scrollable_content_region.width, self.rich_style)
            else:
                strip = Strip(self._segments(self._rows[index]))
            self._strips[index] = strip
        return strip.crop_extend(0, self.scrollable_content_region.width, self.rich_style)

    def _segments(self, row: Row) -> list[Segment]:
        base = self.rich_style
        selection = self.selection
        current = self.current_id
        covering = self._covering(row.start, max(row.end, row.start + 1))
        segments: list[Segment] = []
        for item in row.items:
            if item.kind == CHAR:
                style = base
                inner = _innermost(covering, item.offset)
                if inner is not None:
                    span_style = self._style_for(inner.label)
                    style = base + (span_style.current_body if inner.id == current else span_style.body)
                if selection and selection[0] <= item.offset < selection[1]:
                    style += _SELECTED
                if item.offset == self.cursor and self.has_focus:
                    style += _CURSOR
                elif item.offset == self.cursor:
                    style += _CURSOR_UNFOCUSED
            else:
                span_style = self._style_for(item.mark.label)
                style = base + (span_style.current_mark if item.mark.key == current else span_style.mark)
            if segments and segments[-1].style is style:
                segments[-1] = Segment(segments[-1].text + item.text, style)
            else:
                segments.append(Segment(item.text, style))
        return segments

    def _covering(self, start: int, end: int) -> list[Span]:
        low = bisect_left(self._span_starts, start - self._longest)
        high = bisect_left(self._span_starts, end)
        return [s for s in self.spans[low:high] if s.end > start]

    def _style_for(self, label: str) -> SpanStyle:
        style = self._styles.get(label)
        if style is None:
            background = self.background_colors[1]
            colour = Color.parse(self.labels[label].colour if label in self.labels else "#888888")
            tint = background.blend(colour, 0.35)
            strong = background.blend(colour, 0.6)
            style = SpanStyle(
                body=Style(bgcolor=tint.rich_color),
                mark=Style(color=colour.rich_color, bold=True),
                current_body=Style(bgcolor=strong.rich_color, underline=True),
                current_mark=Style(color=background.rich_color, bgcolor=colour.rich_color, bold=True),
            )
            self._styles[label] = style
        return style

    # -- mouse: a click places the cursor, a drag selects -----------------------

    def _offset_at(self, event: events.MouseEvent) -> int | None:
        region = self.scrollable_content_region
        y = event.y - (region.y - self.region.y) + self.scroll_offset.y
        x = event.x - (region.x - self.region.x)
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

    def on_focus(self) -> None:
        self._strips.clear()
        self.refresh()

    def on_blur(self) -> None:
        self._strips.clear()
        self.refresh()


_SELECTED = Style(bgcolor="#44475a", underline=True)
_CURSOR = Style(reverse=True)
_CURSOR_UNFOCUSED = Style(underline=True)


def _innermost(spans: list[Span], offset: int) -> Span | None:
    best = None
    for span in spans:
        if span.start <= offset < span.end and (best is None or span.end - span.start < best.end - best.start):
            best = span
    return best


def _letters(labels: list[Label]) -> dict[str, str]:
    """A short tag per label for the closing mark: its first letter, or its key if taken."""
    letters: dict[str, str] = {}
    for label in labels:
        letter = label.name[:1].lower()
        letters[label.name] = letter if letter not in letters.values() else label.key
    return letters
