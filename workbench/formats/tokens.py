"""Tokens and overlap rules shared by the token-based formats (spaCy, Prodigy, CoNLL).

Tokens are `workbench.text.token_spans`, split further wherever a span starts
or ends inside one, so every span covers whole tokens and none is moved or
lost on the way out.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence

from ..model import Span
from ..text import token_spans


def aligned_tokens(text: str, spans: Iterable[Span]) -> list[tuple[int, int]]:
    boundaries = sorted({offset for span in spans for offset in (span.start, span.end)})
    tokens: list[tuple[int, int]] = []
    cut = 0
    for start, end in token_spans(text):
        while cut < len(boundaries) and boundaries[cut] <= start:
            cut += 1
        position = start
        while cut < len(boundaries) and boundaries[cut] < end:
            tokens.append((position, boundaries[cut]))
            position = boundaries[cut]
            cut += 1
        tokens.append((position, end))
    return tokens


def pieces(text: str, spans: Sequence[Span]) -> list[tuple[int, int]]:
    """Aligned tokens plus the whitespace between them, covering every character.

    For building a spaCy Doc whose text is exactly the document's text; a
    span that begins or ends in whitespace still covers whole pieces.
    """
    cuts = {0, len(text)}
    for start, end in aligned_tokens(text, spans):
        cuts.update((start, end))
    for span in spans:
        cuts.update((span.start, span.end))
    ordered = sorted(cuts)
    return [(a, b) for a, b in zip(ordered, ordered[1:]) if a < b]


def longest_first(spans: Iterable[Span]) -> tuple[list[Span], list[Span]]:
    """Split spans into a non-overlapping set and the rest.

    The rule: longer spans win; among equally long ones the earlier start wins,
    then the label name and the span id decide, so the choice is deterministic.
    Returns (kept in text order, dropped).
    """
    kept: list[Span] = []
    dropped: list[Span] = []
    # Kept spans never overlap, so sorted by start their ends are sorted too: the
    # only one that can overlap a candidate is the last that starts before its end.
    starts: list[int] = []
    ends: list[int] = []
    for span in sorted(spans, key=lambda s: (s.start - s.end, s.start, s.label, s.id)):
        index = bisect_left(starts, span.end)
        if index and ends[index - 1] > span.start:
            dropped.append(span)
            continue
        kept.append(span)
        starts.insert(index, span.start)
        ends.insert(index, span.end)
    kept.sort(key=lambda s: (s.start, s.end))
    return kept, dropped
