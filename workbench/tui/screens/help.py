"""The `?` screen: every key that applies on the screen below, with its binding id."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static


class HelpScreen(ModalScreen):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close", id="help.close")]

    def __init__(self, below: Screen) -> None:
        super().__init__()
        self.below = below

    def compose(self) -> ComposeResult:
        table = Table(title="Keys (remap them by id in workbench.toml [keymap])", expand=True)
        table.add_column("keys", style="bold cyan", no_wrap=True)
        table.add_column("action")
        table.add_column("id", style="dim")
        for binding in [*self.below.BINDINGS, *self.app.BINDINGS]:
            if isinstance(binding, Binding) and binding.description:
                table.add_row(self.app.keys_for(binding), binding.description, binding.id or "")
        with VerticalScroll(id="help-body"):
            yield Static(table)
