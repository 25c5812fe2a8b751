"""Wrapping an article into screen lines, with span marks in the flow.

Each span shows as `[` before its first character and `]x` after its last,
where x is the label's letter, so labels stay readable without colour and
nesting shows as nesting. Layout is computed per paragraph ("block", a run of
text ending in a newline) and cached by the article view, so a change to one
span re-wraps one block, not the article.

Rows are made of pieces, not characters: a run of characters is one
(CHAR, start, end, cells) piece, so wrapping a 20,000-word article builds a few
thousand pieces instead of an object per character. Per-character `Item`s are
built only for the rows that need them (cursor columns, mouse clicks).

Pure: no Textual here, only offsets and cell widths.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right, insort
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from typing import Iterable

from rich.cells import cell_len, get_character_cell_size

CHAR, OPEN, CLOSE = 0, 1, 2

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


# Characters that show as themselves in one cell (Latin, Greek, Cyrillic, common
# punctuation): a run made only of these needs no per-character work.
_PLAIN = frozenset(char for char in map(chr, chain(range(0x20, 0x530), range(0x2000, 0x2070)))
                   if visible(char) == (char, 1))


def plain(run: str) -> bool:
    """Whether every character of `run` shows as itself, one cell wide."""
    return (run.isascii() and run.isprintable()) or _PLAIN.issuperset(run)


def shown_text(text: str, start: int, end: int) -> str:
    """What text[start:end] shows as; offset len(text) is the end-of-text cell, a space."""
    run = text[start:end]
    shown = run if plain(run) else "".join(visible(ch)[0] for ch in run)
    return shown + " " if end > len(text) else shown


@dataclass(frozen=True, slots=True)
class SpanBracket:
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
    mark: SpanBracket | None = None


# A row's piece: (kind, start, end, cells, mark). CHAR is the run text[start:end]
# with mark None; OPEN and CLOSE are one mark, start == end == its offset. Plain
# tuples, not objects: a long article has thousands, and tuples of numbers are
# cheap to make and drop out of the garbage collector's scans.
Piece = tuple[int, int, int, int, "SpanBracket | None"]


class Row:
    """One screen line: its pieces and the offsets of the characters it shows."""

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
        """The row as one item per character or mark, built on first use."""
        if self._items is None:
            self._items = _items(self.text, self.pieces)
        return self._items


def _items(text: str, pieces: tuple[Piece, ...]) -> list[Item]:
    items: list[Item] = []
    for kind, start, end, cells, mark in pieces:
        if kind == CHAR:
            for offset in range(start, end):
                shown, width = visible(text[offset]) if offset < len(text) else (" ", 1)
                items.append(Item(CHAR, offset, shown, width))
        elif kind == OPEN:
            items.append(Item(OPEN, start, "[", cells, mark))
        else:
            items.append(Item(CLOSE, start, "]" + mark.letter, cells, mark))
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


def _closing_order(mark: SpanBracket) -> tuple:
    return -mark.start, mark.key


def _opening_order(mark: SpanBracket) -> tuple:
    return -mark.end, mark.key


class MarkTable:
    """At each offset: the spans closing there (inner first), then those opening (outer first).

    Kept up to date one mark at a time, so an edit costs a few small inserts,
    not a rebuild over every span of the document.
    """

    def __init__(self, at: dict[int, tuple[tuple[SpanBracket, ...], tuple[SpanBracket, ...]]] | None = None) -> None:
        self._at = at or {}
        self._offsets = sorted(self._at)  # the keys of _at, in order

    def get(self, offset: int) -> tuple[tuple[SpanBracket, ...], tuple[SpanBracket, ...]] | None:
        return self._at.get(offset)

    def between(self, start: int, end: int) -> list[int]:
        """The offsets in [start, end) that have marks, in order."""
        return self._offsets[bisect_left(self._offsets, start):bisect_left(self._offsets, end)]

    def add(self, mark: SpanBracket) -> None:
        closes, opens = self._at.get(mark.end, _NONE)
        self._set(mark.end, tuple(sorted(closes + (mark,), key=_closing_order)), opens)
        closes, opens = self._at.get(mark.start, _NONE)
        self._set(mark.start, closes, tuple(sorted(opens + (mark,), key=_opening_order)))

    def remove(self, mark: SpanBracket) -> None:
        closes, opens = self._at[mark.end]
        self._set(mark.end, tuple(m for m in closes if m != mark), opens)
        closes, opens = self._at[mark.start]
        self._set(mark.start, closes, tuple(m for m in opens if m != mark))

    def _set(self, offset: int, closes: tuple[SpanBracket, ...], opens: tuple[SpanBracket, ...]) -> None:
        if closes or opens:
            if offset not in self._at:
                insort(self._offsets, offset)
            self._at[offset] = closes, opens
        elif offset in self._at:
            del self._at[offset]
            del self._offsets[bisect_left(self._offsets, offset)]


_NONE: tuple[tuple[SpanBracket, ...], tuple[SpanBracket, ...]] = ((), ())


def marks_by_offset(marks: Iterable[SpanBracket]) -> MarkTable:
    """The mark table for a set of spans, built in one pass."""
    at: dict[int, tuple[list[SpanBracket], list[SpanBracket]]] = {}
    for mark in marks:
        at.setdefault(mark.end, ([], []))[0].append(mark)
        at.setdefault(mark.start, ([], []))[1].append(mark)
    return MarkTable({offset: (tuple(sorted(closes, key=_closing_order)), tuple(sorted(opens, key=_opening_order)))
                      for offset, (closes, opens) in at.items()})


def layout_block(text: str, start: int, end: int, is_last: bool, marks: MarkTable, width: int) -> list[Row]:
    """Wrap text[start:end] (one hard line) to `width` cells, words kept whole."""
    wrap = _Wrap(text, max(width, 4))
    position = start
    for offset in marks.between(start, end):
        wrap.text(position, offset)
        wrap.marks(marks.get(offset))
        position = offset
    wrap.text(position, end)
    if is_last:
        # The end of the text is a place too: for the cursor and closing marks.
        wrap.marks(marks.get(end), opens=False)
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

    def marks(self, at: tuple[tuple[SpanBracket, ...], tuple[SpanBracket, ...]] | None, opens: bool = True) -> None:
        if at is None:
            return
        closes, starting = at
        for mark in closes:
            self._unit((CLOSE, mark.end, mark.end, 1 + cell_len(mark.letter), mark))
        if opens:
            for mark in starting:
                self._unit((OPEN, mark.start, mark.start, 1, mark))

    def space(self, offset: int) -> None:
        self._unit((CHAR, offset, offset + 1, 1, None))
        self.after_space = len(self.line)

    def finish(self, block_start: int) -> list[Row]:
        if self.line or not self.rows:
            self._emit(self.line, block_start)
        return self.rows

    def _unit(self, piece: Piece) -> None:
        """Place a piece that is never split: a mark or a space."""
        cells = piece[3]
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
                    line.append((CHAR, start, end, end - start, None))
                else:
                    line.append((CHAR, start, space + 1, space + 1 - start, None))
                    self.after_space = len(line)
                    if space + 1 < end:
                        line.append((CHAR, space + 1, end, end - space - 1, None))
                self.used += end - start
                return
            space = source.rfind(" ", start, start + room) if room > 0 else -1
            if space >= 0:
                line.append((CHAR, start, space + 1, space + 1 - start, None))
                self._emit(line)
                start = space + 1
            elif self.after_space:
                self._break()
            else:
                if room > 0:
                    line.append((CHAR, start, start + room, room, None))
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
                self.line.append((CHAR, start, cut, taken, None))
            self._emit(self.line)
            start, cells = cut, cells - taken
        if start < end:
            self.line.append((CHAR, start, end, cells, None))
            self.used += cells

    def _break(self) -> None:
        """End the row after its last space, or all of it when it has none."""
        cut = self.after_space or len(self.line)
        rest = self.line[cut:]
        self._emit(self.line[:cut])
        self.line = rest
        self.used = sum(piece[3] for piece in rest)

    def _emit(self, pieces: list[Piece], default: int = 0) -> None:
        chars = [piece for piece in pieces if piece[0] == CHAR]
        width = sum(piece[3] for piece in pieces)
        if chars:
            row = Row(self.source, tuple(pieces), chars[0][1], chars[-1][2], width)
        else:
            start = pieces[0][1] if pieces else default
            row = Row(self.source, tuple(pieces), start, start, width)
        self.rows.append(row)
        self.line = []
        self.used = 0
        self.after_space = 0


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
