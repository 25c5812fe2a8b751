"""Document text made safe to show in any widget."""

from __future__ import annotations

from ..text import middle_cut
from .widgets.article_layout import visible


def for_widget(text: str) -> str:
    """The text as the article view shows it: control characters as visible symbols."""
    return "".join(visible(ch)[0] for ch in text)


def shortened(text: str, limit: int = 40) -> str:
    """`text` for one line, cut in the middle past `limit` (`text.middle_cut`), safe to show."""
    return for_widget(middle_cut(text, limit))


def counted(number: int, noun: str) -> str:
    """'1 span', '2 spans'."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
