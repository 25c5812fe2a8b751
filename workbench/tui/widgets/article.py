"""The article view: a Line API ScrollView that renders only the rows on screen.

Spans never add characters to the text: they show by style (a tint in the
label's colour and an underline, which needs no colour) and by their label
letters in a margin left of each row. So tagging, relabelling and linking
never move a word on screen, and a selection planned by rows stays valid.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from dataclasses import dataclass
from operator import attrgetter

from rich.cells import cell_len
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
from .article_layout import Row, block_bounds, column_of, layout_block, offset_at_column, row_index, \
    shown_text
from .article_positions import GUTTER, ScreenPositions
from .scrolling import keep_row_visible


"""Cells left of each row for the letters of the labels on it (three, then +)."""
SCROLL_MARGIN = 3
"""Rows kept in view below (and above) the cursor's."""


@dataclass(frozen=True, slots=True)
class SpanStyle:
    body: Style
    letter: Style
    current_body: Style
    current_letter: Style
    suggested: Style


class ArticleView(ScreenPositions, ScrollView, can_focus=True, inherit_bindings=False):
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
        self.suggested: list[tuple[int, int, str]] = []
        """(start, end, label) of the suggestions shown, in text order."""
        self.cursor = 0
        self.anchor: int | None = None
        self.current_id: str | None = None
        self.picked = False
        self.related: frozenset[str] = frozenset()
        """The spans related to the current one, drawn bold and italic so they stand out without colour."""
        """Whether the current span was made current on purpose (tab, c, the span list, or
        just made or changed), not merely found under the cursor: only then does a label
        key relabel it."""
        self.snap = True
        self.goal_column: int | None = None
        self._by_id: dict[str, Span] = {}
        self._longest = 0
        self._blocks: list[tuple[int, int]] = []
        self._rows: list[Row] = []
        self._row_starts: list[int] = []
        self._layout_width = 0
        self._strips: dict[int, Strip] = {}
        self._base_style: Style | None = None
        self._styles: dict[str, SpanStyle] = {}
        self._dragging = False
        self._hints: dict[int, str] = {}  # word offset -> what of its hint is left to type

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
        self._rows = []
        self._relayout()
        self.scroll_to(0, 0, animate=False)
        self._follow_cursor()

    def update_spans(self, spans: list[Span]) -> None:
        """Show exactly `spans`. Rows do not depend on spans, so only the strips are redrawn."""
        self._set_spans(spans)
        self._forget_strips()
        self.refresh()

    def replace_span(self, old: Span | None, new: Span | None) -> None:
        """One span changed: `old` is dropped (by id), `new` shown; either may be None.

        A few bisect inserts, however many spans the document has.
        """
        if old is not None:
            self._take(old.id)
        if new is not None:
            self._take(new.id)
            self._put(new)
        if self.current_id not in self._by_id:
            self.current_id = None
        self._forget_strips()
        self.refresh()

    def show_suggestions(self, suggested: list[tuple[int, int, str]]) -> None:
        """Show these as suggestions: text underlined in the label's colour, no brackets, no tint."""
        self.suggested = suggested
        self._forget_strips()
        self.refresh()

    def _set_spans(self, spans: list[Span]) -> None:
        self.spans = sorted(spans, key=_span_order)
        self._by_id = {span.id: span for span in self.spans}
        self._longest = max((span.end - span.start for span in self.spans), default=0)
        if self.current_id not in self._by_id:
            self.current_id = None

    def _take(self, key: str) -> None:
        span = self._by_id.pop(key, None)
        if span is None:
            return
        del self.spans[bisect_left(self.spans, _span_order(span), key=_span_order)]
        if span.end - span.start == self._longest:
            self._longest = max((s.end - s.start for s in self.spans), default=0)

    def _put(self, span: Span) -> None:
        insort(self.spans, span, key=_span_order)
        self._by_id[span.id] = span
        self._longest = max(self._longest, span.end - span.start)

    # -- layout ----------------------------------------------------------------

    def _relayout(self) -> None:
        # Wrap to the width actually shown: wrapping wider would crop text out of sight.
        width = max(self.scrollable_content_region.width - GUTTER, 1)
        if width != self._layout_width or not self._rows:
            self._layout_width = width
            last = len(self._blocks) - 1
            self._rows = [row for number, (start, end) in enumerate(self._blocks)
                          for row in layout_block(self.text, start, end, number == last, width)]
            self._row_starts = [row.start for row in self._rows]
        self._forget_strips()
        self.virtual_size = Size(width + GUTTER, len(self._rows))
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        if self.text or self._blocks:
            self._relayout()
            self._follow_cursor()

    @property
    def wrapped_to_screen(self) -> bool:
        """Whether the rows are wrapped to the width now shown (not to a guess before the first resize)."""
        return self._layout_width == max(self.scrollable_content_region.width - GUTTER, 1)

    @property
    def rows(self) -> tuple[Row, ...]:
        """The rows as laid out for the current width, read-only."""
        return tuple(self._rows)

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
        self.picked = False
        # The innermost span is current after a move: a figure inside a claim is
        # what the cursor is on; `c` reaches the enclosing ones.
        under = self.spans_at(offset)
        self.current_id = under[0].id if under else None
        self._forget_strips()
        self.refresh()
        self._follow_cursor()
        self.post_message(self.CursorMoved(self))

    def select(self, start: int, end: int) -> None:
        self.move_to(start)
        self.move_to(end, extend=True)

    def clear_selection(self) -> None:
        self.anchor = None
        self._forget_strips()
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
            keep_row_visible(self, self.cursor_row(), SCROLL_MARGIN)

    # -- spans under the cursor -----------------------------------------------

    def spans_at(self, offset: int) -> list[Span]:
        """Spans covering `offset`, innermost first."""
        low = bisect_left(self.spans, offset - self._longest, key=_start)
        high = bisect_right(self.spans, offset, key=_start)
        found = [s for s in self.spans[low:high] if s.start <= offset < s.end]
        return sorted(found, key=lambda s: (s.end - s.start, s.start, s.id))

    @property
    def current(self) -> Span | None:
        if self.current_id is None:
            return None
        return next((s for s in self.spans_at(self.cursor) if s.id == self.current_id), None)

    def cycle_current(self) -> None:
        """Pick the next of the spans under the cursor (the only one, when there is one)."""
        under = self.spans_at(self.cursor)
        if not under:
            return
        ids = [span.id for span in under]
        index = ids.index(self.current_id) if self.current_id in ids else -1
        self.current_id = ids[(index + 1) % len(ids)]
        self.picked = True
        self._forget_strips()
        self.refresh()
        self.post_message(self.CursorMoved(self))

    def focus_span(self, span: Span) -> None:
        """Make `span` current on purpose, the cursor at its start."""
        self.move_to(span.start)
        self.current_id = span.id
        self.picked = True
        self._forget_strips()
        self.refresh()
        self.post_message(self.CursorMoved(self))

    def show_related(self, span_ids: set[str]) -> None:
        """Mark the spans related to the current one; only a change redraws."""
        related = frozenset(span_ids)
        if related != self.related:
            self.related = related
            self._forget_strips()
            self.refresh()

    # -- rendering -------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        index = y + self.scroll_offset.y
        width = self.scrollable_content_region.width
        base = self._base()
        strip = self._strips.get(index)
        if strip is None:
            if index >= len(self._rows):
                strip = Strip.blank(width, base)
            else:
                strip = Strip(self._segments(self._rows[index], base))
            self._strips[index] = strip
        return strip.crop_extend(0, width, base)

    def row_of(self, offset: int) -> int:
        """The row showing `offset`."""
        return row_index(self._row_starts, offset)

    def rows_shown(self) -> range:
        """The rows on screen now."""
        top = self.scroll_offset.y
        return range(top, min(len(self._rows), top + max(1, self.scrollable_content_region.height)))

    def column_of(self, offset: int) -> int:
        """The screen column (from the view's content edge) where `offset` shows."""
        return GUTTER + column_of(self._rows[self.row_of(offset)], offset)

    def _base(self) -> Style:
        # The widget's own style walks every ancestor's CSS: take it once per
        # batch of rendered rows, not once per row.
        if self._base_style is None:
            self._base_style = self.rich_style
        return self._base_style

    def _forget_strips(self) -> None:
        self._strips.clear()
        self._base_style = None

    def notify_style_update(self) -> None:
        self._forget_strips()
        self._styles = {}
        super().notify_style_update()

    def _segments(self, row: Row, base: Style) -> list[Segment]:
        selection = self.selection
        current = self.current_id
        cursor = self.cursor
        text = self.text
        covering = self._covering(row.start, max(row.end, row.start + 1))
        segments = self._gutter(covering, base)
        # Within a run of characters the style changes only at these offsets.
        edges = {cursor, cursor + 1}
        for span in covering:
            edges.add(span.start)
            edges.add(span.end)
        suggested = [one for one in self.suggested if one[0] < max(row.end, row.start + 1) and one[1] > row.start]
        for start, end, _ in suggested:
            edges.add(start)
            edges.add(end)
        if selection:
            edges.update(selection)
        overlay = self._hint_cells(row)
        for offset in overlay:
            edges.add(offset)
            edges.add(offset + 1)
        edges = sorted(edge for edge in edges if row.start < edge < row.end)
        for start, end, _ in row.pieces:
            edge = bisect_right(edges, start)
            while start < end:
                stop = edges[edge] if edge < len(edges) and edges[edge] < end else end
                edge += 1
                style = base
                inner = _innermost(covering, start)
                if inner is not None:
                    span_style = self._style_for(inner.label)
                    style = base + (span_style.current_body if inner.id == current else span_style.body)
                    if inner.id in self.related:
                        style += _RELATED
                else:
                    offered = next((one for one in suggested if one[0] <= start < one[1]), None)
                    if offered is not None:
                        style = base + self._style_for(offered[2]).suggested
                if selection and selection[0] <= start < selection[1]:
                    style += _SELECTED
                if start == cursor and self.has_focus:
                    style += _CURSOR
                elif start == cursor:
                    style += _CURSOR_UNFOCUSED
                shown = shown_text(text, start, stop)
                if start in overlay:
                    # A hint letter takes the cells of the character it covers, no more, no fewer.
                    shown, style = overlay[start] + " " * (cell_len(shown) - 1), base + _HINT
                _append(segments, shown, style)
                start = stop
        return segments

    def _gutter(self, covering: list[Span], base: Style) -> list[Segment]:
        """The margin: the letter of each label on the row, the current span's reversed."""
        letters: dict[str, bool] = {}
        for span in covering:
            letters[span.label] = letters.get(span.label, False) or span.id == self.current_id
        segments = []
        shown = list(letters.items())
        if len(shown) > GUTTER - 1:
            shown = shown[:GUTTER - 2]
        for label, is_current in shown:
            span_style = self._style_for(label)
            segments.append(Segment(self.letters.get(label, "?"),
                                    base + (span_style.current_letter if is_current else span_style.letter)))
        if len(letters) > len(shown):
            segments.append(Segment("+", base))
        segments.append(Segment(" " * (GUTTER - len(shown) - (len(letters) > len(shown))), base))
        return segments

    def _covering(self, start: int, end: int) -> list[Span]:
        low = bisect_left(self.spans, start - self._longest, key=_start)
        high = bisect_left(self.spans, end, key=_start)
        return [s for s in self.spans[low:high] if s.end > start]

    def _style_for(self, label: str) -> SpanStyle:
        style = self._styles.get(label)
        if style is None:
            background = self.background_colors[1]
            colour = Color.parse(self.labels[label].colour if label in self.labels else "#888888")
            tint = background.blend(colour, 0.35)
            strong = background.blend(colour, 0.6)
            # The underline marks a span without colour; the current one is bold too.
            style = SpanStyle(
                body=Style(bgcolor=tint.rich_color, underline=True),
                letter=Style(color=colour.rich_color, bold=True),
                current_body=Style(bgcolor=strong.rich_color, underline=True, bold=True),
                current_letter=Style(color=background.rich_color, bgcolor=colour.rich_color, bold=True),
                suggested=Style(color=colour.rich_color, italic=True, underline=True),
            )
            self._styles[label] = style
        return style

    def on_focus(self) -> None:
        self._forget_strips()
        self.refresh()

    def on_blur(self) -> None:
        self._forget_strips()
        self.refresh()


_SELECTED = Style(bgcolor="#44475a", underline=True)
_RELATED = Style(bold=True, italic=True)
_HINT = Style(color="black", bgcolor="#ffd75f", bold=True)
_CURSOR = Style(reverse=True)
_CURSOR_UNFOCUSED = Style(underline=True)


def _append(segments: list[Segment], text: str, style: Style) -> None:
    if segments and segments[-1].style is style:
        segments[-1] = Segment(segments[-1].text + text, style)
    else:
        segments.append(Segment(text, style))


def _span_order(span: Span) -> tuple:
    return span.start, -span.end, span.label, span.id


_start = attrgetter("start")


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
