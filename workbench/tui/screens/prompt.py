"""Asks who is annotating, on the first run."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from ...model import annotator_name_problem


class AnnotatorPrompt(ModalScreen[str | None]):
    BINDINGS = [("escape", "dismiss(None)", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt"):
            yield Label("Who is annotating? Your name is saved with every span.")
            yield Input(placeholder="your name", id="annotator-name")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        name = event.value.strip()
        problem = annotator_name_problem(name)
        if problem:
            self.notify(problem, severity="warning")
            return
        self.dismiss(name)
