"""Document text made safe to show in any widget."""

from __future__ import annotations

from .widgets.article_layout import visible


def for_widget(text: str) -> str:
    """The text as the article view shows it: control characters as visible symbols."""
    return "".join(visible(ch)[0] for ch in text)


def shortened(text: str, limit: int = 40) -> str:
    """`text` for one line: whitespace runs as one space, and cut in the middle past `limit`,
    so both the first and the last words of a long selection still show."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return for_widget(flat)
    half = (limit - 1) // 2
    return for_widget(flat[:half].rstrip() + "…" + flat[len(flat) - (limit - 1 - half):].lstrip())


def counted(number: int, noun: str) -> str:
    """'1 span', '2 spans'."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
