"""Document text made safe to show in any widget."""

from __future__ import annotations

from .layout import visible


def literal(text: str) -> str:
    """The text as the article view shows it: control characters as visible symbols."""
    return "".join(visible(ch)[0] for ch in text)
