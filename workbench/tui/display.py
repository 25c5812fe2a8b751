"""Document text made safe to show in any widget."""

from __future__ import annotations

from .widgets.article_layout import visible


def for_widget(text: str) -> str:
    """The text as the article view shows it: control characters as visible symbols."""
    return "".join(visible(ch)[0] for ch in text)
