"""The side panel listing a document's spans, and on request its open suggestions; a Line API view,
cheap at 2,000 spans."""

from __future__ import annotations

from heapq import merge

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...attribution import arrow, other_end, relations_of
from ...model import Relation, Span
from ...recommend import Suggestion
from ...text import middle_cut
from ..display import for_widget
from .scrolling import keep_row_visible

MIN_COVERED = 5
"""Characters of a span's text its row keeps however narrow the panel, its ends taking the rest."""


class SpanList(ScrollView, can_focus=False):
    """One row per span: label letter, covered text, linked entity and relations. With
    suggestions shown, the open suggestions are listed among them in text order, dimmed and
    marked, never mistakable for saved spans."""

    DEFAULT_CSS = """
    SpanList { width: 38; border-left: solid $primary-darken-2; background: $panel; }
    """

    class Chosen(Message):
        def __init__(self, span: Span) -> None:
            super().__init__()
            self.span = span

    class SuggestionChosen(Message):
        def __init__(self, suggestion: Suggestion) -> None:
            super().__init__()
            self.suggestion = suggestion

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.spans: list[Span] = []
        self.suggestions: list[Suggestion] = []
        self.with_suggestions = False
        self.rows: list[Span | Suggestion] = []
        self.current_id: str | None = None
        self.entity_names: dict[str, str] = {}
        self.colours: dict[str, str] = {}
        self.letters: dict[str, str] = {}
        self.relations: list[Relation] = []

    def show(self, spans: list[Span], current_id: str | None) -> None:
        self.spans = spans
        self.current_id = current_id
        self._rebuild()

    def show_suggestions(self, suggestions: list[Suggestion]) -> None:
        """The document's open suggestions, listed while `with_suggestions` is on."""
        self.suggestions = suggestions
        if self.with_suggestions:
            self._rebuild()

    def toggle_suggestions(self) -> bool:
        self.with_suggestions = not self.with_suggestions
        self._rebuild()
        return self.with_suggestions

    def _rebuild(self) -> None:
        if self.with_suggestions:
            self.rows = list(merge(self.spans, self.suggestions, key=lambda row: (row.start, row.end)))
        else:
            self.rows = list(self.spans)
        self.virtual_size = Size(self.scrollable_content_region.width, len(self.rows))
        self._follow_current()
        self.refresh()

    def set_current(self, current_id: str | None) -> None:
        if current_id != self.current_id:
            self.current_id = current_id
            self._follow_current()
            self.refresh()

    def _follow_current(self) -> None:
        index = next((i for i, row in enumerate(self.rows)
                      if isinstance(row, Span) and row.id == self.current_id), None)
        if index is not None:
            keep_row_visible(self, index)

    def describe(self, span: Span, width: int | None = None) -> Text:
        """The row for one span, built as Text so document content is never markup. Within
        `width`, its text and its relation's other end are cut in the middle, sharing the room,
        so the link and the relation still show."""
        letter = self.letters.get(span.label, "?")
        mine = relations_of(span.id, self.relations)
        covered, other = span.text[:60], self._single_other_end(span, mine)
        row = Text()
        row.append(f"{letter} ", Style(color=self.colours.get(span.label), bold=True))
        ends = self._ends(span, mine, None if other is None else "").cell_len
        fixed = row.cell_len + ends
        # With nothing after the text there is nothing to make room for: the row is cut at its end.
        if width is not None and ends and fixed + cell_len(covered) + cell_len(other or "") > width:
            room = width - fixed
            kept = min(cell_len(covered), max(room - cell_len(other or ""), room // 2, MIN_COVERED))
            covered = middle_cut(span.text, kept)
            if other is not None:
                other = middle_cut(other, max(room - kept, MIN_COVERED))
        row.append(for_widget(covered))
        row.append_text(self._ends(span, mine, other))
        return row

    def _single_other_end(self, span: Span, mine: list[Relation]) -> str | None:
        """The text at the other end of the span's one relation; None for none or several."""
        if len(mine) != 1:
            return None
        other = next((s for s in self.spans if s.id == other_end(mine[0], span.id)), None)
        return other.text[:30] if other is not None else None

    def _ends(self, span: Span, mine: list[Relation], other: str | None) -> Text:
        """What follows a span's text in its row: the linked entity, then its relations (`mine`):
        the one other end's text (`other`, as the row has room for it), or how many there are."""
        row = Text()
        if span.nil:
            row.append("  → NIL", Style(italic=True, dim=True))
        elif span.entity_id:
            name = self.entity_names.get(span.entity_id, span.entity_id)
            row.append(f"  → {for_widget(name)}", Style(italic=True))
        if other is not None:
            row.append(f"  {arrow(mine[0], span.id)} {for_widget(other)}", Style(dim=True))
        elif len(mine) > 1:
            ends = {arrow(relation, span.id) for relation in mine}
            row.append(f"  {''.join(sorted(ends))} {len(mine)} spans", Style(dim=True))
        return row

    def describe_suggestion(self, suggestion: Suggestion) -> Text:
        """A suggestion's row: its label letter with a `?`, dimmed and in italics, and the word
        "suggested", so it never reads as a saved span."""
        letter = self.letters.get(suggestion.label, "?")
        row = Text(style=Style(dim=True, italic=True))
        row.append(f"{letter}?", Style(color=self.colours.get(suggestion.label)))
        row.append(f" {for_widget(suggestion.text[:60])}")
        if suggestion.entity_id:
            row.append(f"  → {for_widget(self.entity_names.get(suggestion.entity_id, suggestion.entity_id))}")
        row.append("  suggested")
        return row

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = y + self.scroll_offset.y
        if index >= len(self.rows):
            return Strip.blank(width, self.rich_style)
        item = self.rows[index]
        text = self.describe(item, width) if isinstance(item, Span) else self.describe_suggestion(item)
        text.truncate(width, overflow="ellipsis")
        style = self.rich_style
        if isinstance(item, Span) and item.id == self.current_id:
            style += Style(reverse=True)
        segments = [Segment(seg.text, style + seg.style if seg.style else style)
                    for seg in text.render(self.app.console)]
        return Strip(segments).crop_extend(0, width, style)

    def on_click(self, event: events.Click) -> None:
        index = event.y + self.scroll_offset.y
        if 0 <= index < len(self.rows):
            item = self.rows[index]
            self.post_message(self.Chosen(item) if isinstance(item, Span) else self.SuggestionChosen(item))
