"""The `?` screen: every key that applies on the screen below, with its binding id."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
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
        # Text, not a str: a str title is read as markup and "[keymap]" would vanish as a tag.
        table = Table(title=Text("Keys (remap them by id in workbench.toml [keymap])"), expand=True)
        table.add_column("keys", style="bold cyan", no_wrap=True)
        table.add_column("action")
        table.add_column("id", style="dim")
        for binding in [*declared_bindings(self.below), *self.app.BINDINGS]:
            if isinstance(binding, Binding) and binding.description:
                table.add_row(Text(self.app.keys_for(binding)), Text(binding.description),
                              Text(binding.id or ""))
        with VerticalScroll(id="help-body"):
            yield Static(table)


def declared_bindings(screen: Screen | type[Screen]) -> list[Binding]:
    """Every binding with an id that the screen's classes declare, most specific class first.

    A screen class made for a label set declares only the label keys itself and
    inherits the rest, so reading `screen.BINDINGS` alone would miss most keys.
    """
    found: list[Binding] = []
    for cls in (screen if isinstance(screen, type) else type(screen)).__mro__:
        for binding in cls.__dict__.get("BINDINGS", ()):
            if isinstance(binding, Binding) and binding.id and binding not in found:
                found.append(binding)
    return found
