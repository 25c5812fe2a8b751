"""Wrapping an article into screen rows: text only, so annotating never moves a word.

Spans are shown by style and in the view's margin, never by characters in the
text flow: the rows depend on the text and the width alone. Layout is computed
per hard line ("block", a run of text ending in a newline) and kept by the
article view until the width changes.

Rows are made of pieces, not characters: a run of characters is one
(start, end, cells) piece, so wrapping a 20,000-word article builds a few
thousand pieces instead of an object per character. Per-character `Item`s are
built only for the rows that need them (cursor columns, mouse clicks).

Pure: no Textual here, only offsets and cell widths.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache

from rich.cells import get_character_cell_size

# Characters that would act on the terminal or reorder text if printed raw.
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

# Break units of a run of text: a word (no break character in it) or one break
# character. Only what shows as a space is a place to wrap: " " and the newline.
_UNITS = re.compile(r"[^ \n]+|[ \n]")


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


# Characters seen to show as themselves in one cell: a run made only of these needs
# no per-character work. Gathered as texts show them: working them out ahead for
# Latin, Greek, Cyrillic and punctuation took 3 ms of every start-up.
_PLAIN: set[str] = set()


def plain(run: str) -> bool:
    """Whether every character of `run` shows as itself, one cell wide."""
    if (run.isascii() and run.isprintable()) or _PLAIN.issuperset(run):
        return True
    for char in set(run).difference(_PLAIN):
        if visible(char) != (char, 1):
            return False
        _PLAIN.add(char)
    return True


def shown_text(text: str, start: int, end: int) -> str:
    """What text[start:end] shows as; offset len(text) is the end-of-text cell, a space."""
    run = text[start:end]
    shown = run if plain(run) else "".join(visible(ch)[0] for ch in run)
    return shown + " " if end > len(text) else shown


@dataclass(slots=True)
class Item:
    offset: int  # the character's offset; len(text) is the end-of-text cell
    text: str  # what it shows as
    width: int


# A row's piece: the run text[start:end] and the cells it takes. Plain tuples,
# not objects: a long article has thousands, and tuples of numbers are cheap
# to make and drop out of the garbage collector's scans.
Piece = tuple[int, int, int]


class Row:
    """One screen row: its pieces and the offsets of the characters it shows."""

    __slots__ = ("text", "pieces", "start", "end", "width", "_items")

    def __init__(self, text: str, pieces: tuple[Piece, ...], start: int, end: int, width: int) -> None:
        self.text = text
        self.pieces = pieces
        self.start = start
        self.end = end  # one past the last character offset on the row
        self.width = width
        self._items: list[Item] | None = None

    @property
    def items(self) -> list[Item]:
        """The row as one item per character, built on first use."""
        if self._items is None:
            self._items = _items(self.text, self.pieces)
        return self._items


def _items(text: str, pieces: tuple[Piece, ...]) -> list[Item]:
    items: list[Item] = []
    for start, end, _ in pieces:
        for offset in range(start, end):
            shown, width = visible(text[offset]) if offset < len(text) else (" ", 1)
            items.append(Item(offset, shown, width))
    return items


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


def layout_block(text: str, start: int, end: int, is_last: bool, width: int) -> list[Row]:
    """Wrap text[start:end] (one hard line) to `width` cells, words kept whole."""
    wrap = _Wrap(text, max(width, 4))
    wrap.text(start, end)
    if is_last:
        # The end of the text is a place too: for the cursor to sit after the last word.
        wrap.space(end)
    return wrap.finish(start)


class _Wrap:
    """Greedy wrapping: break after the last space that fits; cut a word only when a row holds no space.

    Equivalent to placing one character at a time and, when one does not fit,
    breaking the row after its last space (or, with none, before that character).
    """

    __slots__ = ("source", "width", "rows", "line", "used", "after_space")

    def __init__(self, source: str, width: int) -> None:
        self.source = source
        self.width = width
        self.rows: list[Row] = []
        self.line: list[Piece] = []
        self.used = 0
        self.after_space = 0  # pieces on the line up to its last space; 0 when it has none

    def text(self, start: int, end: int) -> None:
        if start >= end:
            return
        source = self.source
        newline = source[end - 1] == "\n"
        if newline:
            end -= 1
        if plain(source[start:end]):
            self._plain(start, end)
        else:
            for unit in _UNITS.finditer(source, start, end):
                word = unit.group()
                if word == " " or word == "\n":
                    self.space(unit.start())
                elif plain(word):
                    self._word(unit.start(), unit.end(), len(word), single_cells=True)
                else:
                    self._word(unit.start(), unit.end(), sum(visible(ch)[1] for ch in word), single_cells=False)
        if newline:
            self.space(end)

    def space(self, offset: int) -> None:
        self._unit((offset, offset + 1, 1))
        self.after_space = len(self.line)

    def finish(self, block_start: int) -> list[Row]:
        if self.line or not self.rows:
            self._emit(self.line, block_start)
        return self.rows

    def _unit(self, piece: Piece) -> None:
        """Place a piece that is never split: a space."""
        cells = piece[2]
        while self.used + cells > self.width and self.line:
            self._break()
        self.line.append(piece)
        self.used += cells

    def _plain(self, start: int, end: int) -> None:
        """Place plain text (one cell a character, spaces included) a row at a time."""
        source, line = self.source, self.line
        while start < end:
            room = self.width - self.used
            if end - start <= room:
                space = source.rfind(" ", start, end)
                if space < 0:
                    line.append((start, end, end - start))
                else:
                    line.append((start, space + 1, space + 1 - start))
                    self.after_space = len(line)
                    if space + 1 < end:
                        line.append((space + 1, end, end - space - 1))
                self.used += end - start
                return
            space = source.rfind(" ", start, start + room) if room > 0 else -1
            if space >= 0:
                line.append((start, space + 1, space + 1 - start))
                self._emit(line)
                start = space + 1
            elif self.after_space:
                self._break()
            else:
                if room > 0:
                    line.append((start, start + room, room))
                    start += room
                self._emit(line)
            line = self.line

    def _word(self, start: int, end: int, cells: int, single_cells: bool) -> None:
        """Place a run with no space in it, cutting it only when a row has no space to break at."""
        while self.used + cells > self.width:
            if self.after_space:
                self._break()
                continue
            room = self.width - self.used
            cut, taken = start, 0
            if single_cells:
                cut = start + max(room, 0)
                taken = cut - start
            else:
                while cut < end:
                    cell = visible(self.source[cut])[1]
                    if taken + cell > room and (self.line or cut > start):
                        break
                    taken += cell
                    cut += 1
            if cut > start:
                self.line.append((start, cut, taken))
            self._emit(self.line)
            start, cells = cut, cells - taken
        if start < end:
            self.line.append((start, end, cells))
            self.used += cells

    def _break(self) -> None:
        """End the row after its last space, or all of it when it has none."""
        cut = self.after_space or len(self.line)
        rest = self.line[cut:]
        self._emit(self.line[:cut])
        self.line = rest
        self.used = sum(piece[2] for piece in rest)

    def _emit(self, pieces: list[Piece], default: int = 0) -> None:
        width = sum(piece[2] for piece in pieces)
        if pieces:
            row = Row(self.source, tuple(pieces), pieces[0][0], pieces[-1][1], width)
        else:
            row = Row(self.source, (), default, default, width)
        self.rows.append(row)
        self.line = []
        self.used = 0
        self.after_space = 0


def column_of(row: Row, offset: int) -> int:
    """The cell column where `offset`'s character starts on this row."""
    column = 0
    for item in row.items:
        if item.offset >= offset:
            return column
        column += item.width
    return column


def offset_at_column(row: Row, column: int) -> int:
    """The character offset shown at (or nearest before) `column` on this row."""
    position = 0
    best = row.start
    for item in row.items:
        if position + item.width > column:
            return item.offset
        best = item.offset
        position += item.width
    return best


def row_index(row_starts: list[int], offset: int) -> int:
    """The row holding `offset`, given each row's first character offset."""
    return max(0, bisect_right(row_starts, offset) - 1)
