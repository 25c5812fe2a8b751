"""Wrapping an article into screen lines, with span marks in the flow.

Each span shows as `[` before its first character and `]x` after its last,
where x is the label's letter, so labels stay readable without colour and
nesting shows as nesting. Layout is computed per paragraph ("block", a run of
text ending in a newline) and cached by the article view, so a change to one
span re-wraps one block, not the article.

Pure: no Textual here, only offsets and cell widths.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache

from rich.cells import cell_len, get_character_cell_size

CHAR, OPEN, CLOSE = 0, 1, 2

# Characters that would act on the terminal or reorder text if printed raw.
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@lru_cache(maxsize=4096)
def visible(char: str) -> tuple[str, int]:
    """What a document character shows as, and its width in cells.

    Control characters become visible symbols of one cell, so document bytes
    can never become terminal control sequences and offsets stay one-to-one.
    """
    code = ord(char)
    if char == "\n":
        return " ", 1
    if char == "\t":
        return "⇥", 1
    if code < 0x20:
        return chr(0x2400 + code), 1
    if code == 0x7F:
        return "␡", 1
    if 0x80 <= code < 0xA0 or char in _BIDI_CONTROLS or unicodedata.category(char) in ("Cs", "Co", "Cn"):
        return "\N{REPLACEMENT CHARACTER}", 1
    width = get_character_cell_size(char)
    if width == 0 and unicodedata.combining(char) == 0 and char not in "\u200d\ufe0f\ufe0e":
        # Zero-width format characters would leave the cursor nowhere to sit.
        return "\N{REPLACEMENT CHARACTER}", 1
    return char, width


@dataclass(frozen=True, slots=True)
class Mark:
    """A span boundary as the layout sees it."""

    key: str  # the span's id
    start: int
    end: int
    label: str
    letter: str


@dataclass(slots=True)
class Item:
    kind: int  # CHAR, OPEN or CLOSE
    offset: int  # the character's offset, or the boundary's offset for marks
    text: str
    width: int
    mark: Mark | None = None


@dataclass(slots=True)
class Row:
    """One screen line: its items and the offsets of the characters it shows."""

    items: list[Item]
    start: int
    end: int  # one past the last character offset on the row

    @property
    def width(self) -> int:
        return sum(item.width for item in self.items)


def block_bounds(text: str) -> list[tuple[int, int]]:
    """(start, end) of each hard line, newline included; one empty end block."""
    bounds, start = [], 0
    while True:
        newline = text.find("\n", start)
        if newline < 0:
            bounds.append((start, len(text)))
            return bounds
        bounds.append((start, newline + 1))
        start = newline + 1


def marks_by_offset(marks: list[Mark]) -> dict[int, tuple[list[Mark], list[Mark]]]:
    """At each offset: the spans closing there (inner first), then those opening (outer first)."""
    table: dict[int, tuple[list[Mark], list[Mark]]] = {}
    for mark in marks:
        table.setdefault(mark.end, ([], []))[0].append(mark)
        table.setdefault(mark.start, ([], []))[1].append(mark)
    for closes, opens in table.values():
        closes.sort(key=lambda m: (-m.start, m.key))
        opens.sort(key=lambda m: (-m.end, m.key))
    return table


def layout_block(text: str, start: int, end: int, is_last: bool,
                 marks: dict[int, tuple[list[Mark], list[Mark]]], width: int) -> list[Row]:
    """Wrap text[start:end] (one hard line) to `width` cells, words kept whole."""
    width = max(width, 4)
    items: list[Item] = []
    for offset in range(start, end):
        _emit_marks(items, marks.get(offset))
        shown, cells = visible(text[offset])
        items.append(Item(CHAR, offset, shown, cells))
    if is_last:
        # The end of the text is a place too: for the cursor and closing marks.
        _emit_marks(items, marks.get(end), opens=False)
        items.append(Item(CHAR, end, " ", 1))
    return _wrap(items, width, start)


def _emit_marks(items: list[Item], at: tuple[list[Mark], list[Mark]] | None, opens: bool = True) -> None:
    if at is None:
        return
    closes, starting = at
    for mark in closes:
        items.append(Item(CLOSE, mark.end, "]" + mark.letter, 1 + cell_len(mark.letter), mark))
    if opens:
        for mark in starting:
            items.append(Item(OPEN, mark.start, "[", 1, mark))


def _wrap(items: list[Item], width: int, block_start: int) -> list[Row]:
    rows: list[Row] = []
    line: list[Item] = []
    used = 0
    break_at = 0  # index in `line` after the last space: the preferred place to wrap
    for item in items:
        # A loop, not an `if`: what is left after breaking at a space can still
        # be too wide for the next item (a wide character or a `]x` mark).
        while used + item.width > width and line:
            cut = break_at if 0 < break_at < len(line) else len(line)
            rows.append(_row(line[:cut]))
            line = line[cut:]
            used = sum(i.width for i in line)
            break_at = max((n + 1 for n, i in enumerate(line) if i.kind == CHAR and i.text == " "),
                           default=0)
        line.append(item)
        used += item.width
        if item.kind == CHAR and item.text == " ":
            break_at = len(line)
    if line or not rows:
        rows.append(_row(line, default=block_start))
    return rows


def _row(items: list[Item], default: int = 0) -> Row:
    offsets = [item.offset for item in items if item.kind == CHAR]
    if not offsets:
        start = items[0].offset if items else default
        return Row(items, start, start)
    return Row(items, offsets[0], offsets[-1] + 1)


def column_of(row: Row, offset: int) -> int:
    """The cell column where `offset`'s character starts on this row."""
    column = 0
    for item in row.items:
        if item.kind == CHAR and item.offset >= offset:
            return column
        column += item.width
    return column


def offset_at_column(row: Row, column: int) -> int:
    """The character offset shown at (or nearest before) `column` on this row."""
    position = 0
    best = row.start
    for item in row.items:
        if item.kind == CHAR:
            if position + item.width > column:
                return item.offset
            best = item.offset
        position += item.width
    return best


def row_index(row_starts: list[int], offset: int) -> int:
    """The row holding `offset`, given each row's first character offset."""
    return max(0, bisect_right(row_starts, offset) - 1)
