"""Offsets in UTF-16 code units, as JavaScript counts them (Label Studio, doccano, INCEpTION).

workbench counts code points; a character outside the Basic Multilingual
Plane (an emoji such as 🔌) is one code point but two UTF-16 code units, so
every offset after one moves by one per such character.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable

_LAST_BMP = "\uffff"


def utf16_offset(text: str) -> Callable[[int], int]:
    """A function from code-point offsets into `text` to UTF-16 offsets."""
    if not text or max(text) <= _LAST_BMP:
        return lambda offset: offset
    astral = [index for index, char in enumerate(text) if char > _LAST_BMP]
    return lambda offset: offset + bisect_left(astral, offset)
