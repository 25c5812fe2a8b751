"""Tokens and overlap rules shared by the token-based formats (Prodigy, CoNLL; spaCy for overlaps).

Tokens are `workbench.text.token_spans`, split further wherever a span starts
or ends inside one, so every span covers whole tokens and none is moved or
lost on the way out.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable

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


def longest_first(spans: Iterable[Span]) -> tuple[list[Span], list[Span]]:
    """Split spans into a non-overlapping set and the rest, longer spans winning.

    Among equally long ones the earlier start wins, then the label name and
    the span id decide, so the choice is deterministic. Returns (kept in text
    order, dropped).
    """
    return _non_overlapping(spans, lambda s: (s.start - s.end, s.start, s.label, s.id))


def shortest_first(spans: Iterable[Span]) -> tuple[list[Span], list[Span]]:
    """As `longest_first`, but shorter spans win: a source or figure inside a claim
    is kept and the claim around it dropped, which is what an NER layer wants."""
    return _non_overlapping(spans, lambda s: (s.end - s.start, s.start, s.label, s.id))


def _non_overlapping(spans: Iterable[Span], preference) -> tuple[list[Span], list[Span]]:
    kept: list[Span] = []
    dropped: list[Span] = []
    # Kept spans never overlap, so sorted by start their ends are sorted too: the
    # only one that can overlap a candidate is the last that starts before its end.
    starts: list[int] = []
    ends: list[int] = []
    for span in sorted(spans, key=preference):
        index = bisect_left(starts, span.end)
        if index and ends[index - 1] > span.start:
            dropped.append(span)
            continue
        kept.append(span)
        starts.insert(index, span.start)
        ends.insert(index, span.end)
    kept.sort(key=lambda s: (s.start, s.end))
    return kept, dropped
