"""Finding many phrases in a text at once: an Aho-Corasick automaton over normalised text.

The text is folded as `linking.normalise_alias` folds an alias (case, accents,
punctuation to spaces), character by character, so that a match maps back to
offsets in the stored text. One pass over the text finds every phrase,
however many there are: a knowledge base of a million names costs its
automaton's build once, not a scan per name.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterator
from typing import Any

import ahocorasick

from ..linking import normalise_alias

_SPACE_RUNS = re.compile(r" {2,}")


def _fold_one(ch: str) -> str:
    """What `normalise_alias` makes of one character inside a word: letters folded, others a space.

    Apostrophes, which `normalise_alias` drops, break words here instead: the
    text's "Ukraine's" must still hold "Ukraine" (aliases spelt with one are
    added both ways by `phrase_keys`).
    """
    if unicodedata.combining(ch):
        return ""
    inside = normalise_alias(f"x{ch}x")
    return inside[1:-1] if len(inside) > 2 else " "


class _OneToOne(dict):
    """A str.translate table folding each character to exactly one; others to NUL, for the slow path."""

    def __missing__(self, code: int) -> str:
        folded = _fold_one(chr(code))
        self[code] = value = folded if len(folded) == 1 else "\0"
        return value


_TABLE = _OneToOne()


def phrase_keys(phrase: str) -> set[str]:
    """The normalised keys a phrase is found by: as normalised, and with apostrophes as breaks."""
    keys = {normalise_alias(phrase)}
    keys.add(" ".join(fold(phrase)[0].split()))
    return {key for key in keys if key}


def fold(text: str) -> tuple[str, list[int] | None]:
    """(the folded text, each folded character's index in `text`, or None when it is the same index)."""
    folded = text.translate(_TABLE)
    if "\0" not in folded:
        return folded, None
    pieces: list[str] = []
    origin: list[int] = []
    for index, ch in enumerate(text):
        one = _fold_one(ch)
        pieces.append(one)
        origin.extend([index] * len(one))
    return "".join(pieces), origin


class FoldedText:
    """A text folded for matching, spaces collapsed, with the way back to its offsets."""

    def __init__(self, text: str) -> None:
        folded, self._origin = fold(text)
        # Collapsed runs of spaces, as (index in the collapsed text, characters removed up to there).
        self._cuts: list[int] = []
        self._removed: list[int] = []
        removed = 0
        parts = []
        last = 0
        for run in _SPACE_RUNS.finditer(folded):
            parts.append(folded[last:run.start() + 1])
            self._cuts.append(run.start() - removed + 1)
            removed += len(run.group()) - 1
            self._removed.append(removed)
            last = run.end()
        parts.append(folded[last:])
        self.text = "".join(parts)

    def original(self, index: int) -> int:
        """The offset in the stored text of the folded character at `index`."""
        at = bisect_right(self._cuts, index)
        unfolded = index + (self._removed[at - 1] if at else 0)
        return self._origin[unfolded] if self._origin is not None else unfolded


class PhraseAutomaton:
    """Normalised phrases, each with a payload, found in a text at word boundaries."""

    def __init__(self) -> None:
        self._automaton = ahocorasick.Automaton()
        self._built = False

    # Keys and the text are padded with a space, the folded text's only word break, so that
    # the automaton reports only whole-word matches: none inside a word to filter out.
    def add(self, key: str, payload: Any) -> None:
        """Add a normalised key (from `phrase_keys`); a key added again replaces its payload."""
        self._automaton.add_word(f" {key} ", (len(key) + 2, payload))

    def __len__(self) -> int:
        return len(self._automaton)

    def build(self) -> PhraseAutomaton:
        if len(self._automaton):
            self._automaton.make_automaton()
        self._built = True
        return self

    def find(self, text: str) -> Iterator[tuple[int, int, Any]]:
        """(start, end, payload) of every whole-word phrase, overlapping ones included."""
        if not self._built:
            raise RuntimeError("build() the automaton before finding phrases")
        if not len(self._automaton):
            return
        folded = FoldedText(text)
        original = folded.original
        for last, (length, payload) in self._automaton.iter(f" {folded.text} "):
            # In the padded text, the key's first letter is at last - length + 2, which is
            # last - length + 1 in the folded text; its last letter at last - 2.
            yield original(last - length + 1), original(last - 2) + 1, payload
