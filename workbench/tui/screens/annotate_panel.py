"""The side panel of the annotate and review screens: hidden or shown, wider or narrower, and
narrower on a small terminal, so that the article keeps room to be read.

A mixin of `AnnotateScreen`. The panel is the last widget of the screen's `#body` (the
span list when annotating, the disagreements and span list when reviewing); each screen's
stylesheet gives its width, and the keys add to it or take from it. What the keys chose
is kept by the app, so it holds for every screen of the session.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.binding import Binding
from textual.widget import Widget

PANEL_BINDINGS = [
    Binding("ctrl+b", "toggle_panel", "Hide or show the side panel", id="panel.toggle"),
    Binding("minus", "resize_panel(-1)", "Narrower side panel", id="panel.narrower"),
    Binding("plus,equals_sign", "resize_panel(1)", "Wider side panel", id="panel.wider"),
]

ARTICLE_ROOM = 56
"""Columns the article keeps before the panel gives up any of its width."""
PANEL_MIN = 16
"""A panel narrower than this shows too little of a span to be of use."""
STEP = 4
"""Columns one key adds or takes."""


def panel_width(wanted: int, screen_width: int) -> int:
    """The panel's width on a screen this wide: as wanted while the article keeps
    ARTICLE_ROOM columns, narrower on a smaller terminal, never under PANEL_MIN."""
    return max(PANEL_MIN, min(wanted, screen_width - ARTICLE_ROOM))


@dataclass
class PanelChoice:
    """What the panel keys chose, for the whole session: shown or not, and columns added
    to (or, when negative, taken from) each screen's own width for its panel."""

    shown: bool = True
    extra: int = 0


class SidePanel:
    """Fitting the side panel to the terminal and to the annotator's choice."""

    _panel_default: int | None = None

    def _side_panel(self) -> Widget:
        return self.query_one("#body").children[-1]

    def _panel_choice(self) -> PanelChoice:
        return self.app.panel_choice

    def fit_panel(self) -> None:
        panel, choice = self._side_panel(), self._panel_choice()
        if self._panel_default is None:
            # The stylesheet's width, read once: the width set below replaces it.
            self._panel_default = int(panel.styles.width.value) if panel.styles.width else 38
        panel.display = choice.shown
        panel.styles.width = panel_width(self._panel_default + choice.extra, self.size.width)

    def on_resize(self, event: events.Resize) -> None:
        self.fit_panel()

    def action_toggle_panel(self) -> None:
        choice = self._panel_choice()
        choice.shown = not choice.shown
        self.fit_panel()

    def action_resize_panel(self, direction: int) -> None:
        choice = self._panel_choice()
        if not choice.shown:
            choice.shown = True  # a hidden panel comes back at the width it had
        else:
            shown = panel_width(self._panel_default + choice.extra, self.size.width)
            wanted = max(PANEL_MIN, min(shown + direction * STEP, self.size.width - ARTICLE_ROOM))
            choice.extra = wanted - self._panel_default
        self.fit_panel()
