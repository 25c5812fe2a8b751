"""Document text made safe to show in any widget (and `counted`, from `text`, for the screens)."""

from __future__ import annotations

from ..text import counted, middle_cut
from .widgets.article_layout import visible


def for_widget(text: str) -> str:
    """The text as the article view shows it: control characters as visible symbols."""
    return "".join(visible(ch)[0] for ch in text)


def shortened(text: str, limit: int = 40) -> str:
    """`text` for one line, cut in the middle past `limit` (`text.middle_cut`), safe to show."""
    return for_widget(middle_cut(text, limit))
