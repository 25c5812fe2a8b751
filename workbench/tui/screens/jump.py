"""Jumping to a visible word: a hint on every word, and the next keys pick one.

Textual bindings have no key sequences, so the jump is a modal screen that reads
the keys typed after it opens. The article stays in view underneath (the
screen is transparent) and draws the hints over the first letters of its words,
so nothing moves while they show.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Static

from ..widgets.article import ArticleView
from ..widgets.hints import HINT_KEYS, assign_hints


class JumpScreen(ModalScreen[int | None]):
    """Dismissed with the offset of the word whose hint was typed, or None."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel the jump", id="jump.cancel"),
        Binding("backspace", "back", "Take back the last hint key", id="jump.back"),
    ]
    DEFAULT_CSS = """
    JumpScreen { background: $background 0%; }
    JumpScreen > #jump-prompt { dock: bottom; height: 1; background: $warning; color: $background; }
    """

    def __init__(self, view: ArticleView, prompt: str) -> None:
        super().__init__()
        self.view = view
        self.prompt = prompt
        self.typed = ""
        self.hints: dict[int, str] = {}

    def compose(self) -> ComposeResult:
        yield Static(Text(f" {self.prompt}: type the hint on a word (esc: cancel)"), id="jump-prompt")

    def on_mount(self) -> None:
        self.hints = self.place_hints()
        self.view.show_hints(self.hints, "")

    def place_hints(self) -> dict[int, str]:
        """The hint on each target, by the offset it is drawn at: here every visible word."""
        view = self.view
        return assign_hints(view.visible_words(), (view.cursor_row(), view.column_of(view.cursor)))

    def on_key(self, event: events.Key) -> None:
        key = event.character
        if not key or key not in HINT_KEYS:
            return  # escape and backspace go on to the bindings
        event.stop()
        typed = self.typed + key
        matching = [offset for offset, label in self.hints.items() if label.startswith(typed)]
        if not matching:
            self.app.bell()
            return
        self.typed = typed
        if len(matching) == 1 and self.hints[matching[0]] == typed:
            self._finish(matching[0])
        else:
            self.view.show_hints(self.hints, typed)

    def action_back(self) -> None:
        self.typed = self.typed[:-1]
        self.view.show_hints(self.hints, self.typed)

    def action_cancel(self) -> None:
        self._finish(None)

    def _finish(self, offset: int | None) -> None:
        self.view.show_hints({}, "")
        self.dismiss(offset)
