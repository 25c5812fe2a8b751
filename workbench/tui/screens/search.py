"""`/`: incremental search over the document, shown as a selection in the article.

Each change of the query selects the first match at or after where the search
began; enter keeps it (selected, so a label key tags it as is), esc puts the
cursor back where it was.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Input

from ..widgets.article import ArticleView


def find(text: str, query: str, origin: int, step: int = 1) -> tuple[int, int] | None:
    """The match of `query` (ignoring case) at or after `origin`, or before it when
    `step` is negative; the search wraps round the document's end."""
    if not query:
        return None
    folded, needle = text.casefold(), query.casefold()
    if len(folded) != len(text):
        # Case folding changed the length ("ß" is "ss"): offsets would not line up.
        folded, needle = text.lower(), query.lower()
        if len(folded) != len(text):
            folded, needle = text, query
    if step > 0:
        found = folded.find(needle, origin)
        if found < 0:
            found = folded.find(needle)
    else:
        found = folded.rfind(needle, 0, max(0, origin))
        if found < 0:
            found = folded.rfind(needle)
    return (found, found + len(needle)) if found >= 0 else None


class SearchScreen(ModalScreen[str | None]):
    """Dismissed with the query when enter keeps a match, None when esc leaves."""

    BINDINGS = [Binding("escape", "cancel", "Leave the search", id="search.cancel")]
    DEFAULT_CSS = """
    SearchScreen { background: $background 0%; }
    SearchScreen > Input { dock: bottom; height: 3; }
    """

    def __init__(self, view: ArticleView, query: str = "") -> None:
        super().__init__()
        self.view = view
        self.query_text = query
        self.origin = (view.anchor, view.cursor)

    def compose(self) -> ComposeResult:
        yield Input(self.query_text, placeholder="search the document (enter: keep, esc: back)",
                    id="search-input", select_on_focus=True)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        anchor, cursor = self.origin
        start = cursor if anchor is None else min(anchor, cursor)
        match = find(self.view.text, event.value, start)
        if match is not None:
            self.view.select(*match)
        else:
            self._restore()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value if self.view.selection else None)

    def action_cancel(self) -> None:
        self._restore()
        self.dismiss(None)

    def _restore(self) -> None:
        anchor, cursor = self.origin
        self.view.move_to(cursor)
        if anchor is not None:
            self.view.select(anchor, cursor)
