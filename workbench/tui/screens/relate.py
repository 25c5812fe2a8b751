"""Picking a relation's other end and its type: modal screens that read the next keys.

The other end is picked as a word is jumped to: a hint on every span in view
that can be related to the current one, the spans of its sentence getting the
shortest. Enter takes the candidate named in the prompt (the nearest in the
sentence), and tab steps through every candidate, on screen or not.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Static

from ...attribution import RelationChoice
from ...model import Span
from ..display import shortened
from ..widgets.article import ArticleView
from ..widgets.hints import hint_labels
from .jump import JumpScreen


class RelationEndScreen(JumpScreen):
    """Dismissed with the span picked as the relation's other end, or None."""

    BINDINGS = [
        Binding("enter", "take", "Take the candidate in the prompt", id="relation_end.take"),
        Binding("tab", "step(1)", "Next candidate", id="relation_end.next"),
        Binding("shift+tab", "step(-1)", "Previous candidate", id="relation_end.previous"),
    ]

    def __init__(self, view: ArticleView, candidates: list[Span]) -> None:
        super().__init__(view, "relate to")
        self.candidates = candidates
        self.chosen = 0
        self._span_at: dict[int, Span] = {}

    def compose(self) -> ComposeResult:
        yield Static(id="jump-prompt")

    def on_mount(self) -> None:
        self._prompt()

    def place_hints(self) -> dict[int, str]:
        """A hint on each candidate in view, in the candidates' order: the sentence's first."""
        view = self.view
        shown_rows = view.rows_shown()
        for span in self.candidates:
            if view.row_of(span.start) in shown_rows:
                # Two candidates starting together: the second's hint goes on its next character.
                place = next((offset for offset in range(span.start, span.end) if offset not in self._span_at),
                             None)
                if place is not None:
                    self._span_at[place] = span
        return dict(zip(self._span_at, hint_labels(len(self._span_at))))

    def _prompt(self) -> None:
        span = self.candidates[self.chosen]
        prompt = Text(f" relate to: enter {span.label} “")
        prompt.append(shortened(span.text, 24))
        prompt.append(f"” ({self.chosen + 1}/{len(self.candidates)}, tab), or a hint; esc")
        self.query_one("#jump-prompt", Static).update(prompt)

    def action_step(self, step: int) -> None:
        self.chosen = (self.chosen + step) % len(self.candidates)
        self._prompt()

    def action_take(self) -> None:
        self.view.show_hints({}, "")
        self.dismiss(self.candidates[self.chosen])

    def span_at(self, offset: int) -> Span:
        """The candidate whose hint is drawn at `offset`."""
        return self._span_at[offset]

    def _finish(self, offset: int | None) -> None:
        self.view.show_hints({}, "")
        self.dismiss(None if offset is None else self._span_at[offset])


class RelationTypeScreen(ModalScreen[RelationChoice | None]):
    """Asks which of several fitting relation types (and directions) to make: its key, or enter
    for the first."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel", id="relation_type.cancel"),
        Binding("enter", "pick(0)", "The first type", id="relation_type.first"),
    ]
    DEFAULT_CSS = """
    RelationTypeScreen { background: $background 0%; }
    RelationTypeScreen > #relation-types { dock: bottom; height: auto; background: $warning;
                                           color: $background; }
    """

    def __init__(self, choices: list[RelationChoice]) -> None:
        super().__init__()
        self.choices = choices

    def compose(self) -> ComposeResult:
        lines = Text(" relation type (its key; enter: the first; esc: cancel)")
        for choice in self.choices:
            lines.append(f"\n {choice.kind.key}  {choice.kind.name}: {choice.head.label} “")
            lines.append(shortened(choice.head.text, 30))
            lines.append(f"” → {choice.tail.label} “")
            lines.append(shortened(choice.tail.text, 30))
            lines.append("”")
        yield Static(lines, id="relation-types")

    def on_key(self, event) -> None:
        picked = next((number for number, choice in enumerate(self.choices)
                       if choice.kind.key == event.character), None)
        if picked is not None:
            event.stop()
            self.action_pick(picked)

    def action_pick(self, number: int) -> None:
        self.dismiss(self.choices[number])
