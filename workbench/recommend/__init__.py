"""Suggestions: spans a recommender proposes and an annotator accepts or rejects.

Pure code, no I/O. Each recommender is one module behind one interface: it
has a `name` and turns a document's text into `Proposal`s (offsets into the
stored text, end exclusive, a label, an optional entity and a score). The
store keeps them as `Suggestion`s, apart from spans, so that nothing a
recommender made is ever taken for an annotator's work.

- `figures`: quantities, ranges, percentages, money, dates and durations;
- `mentions`: knowledge-base aliases found with an automaton built once;
- `sources`: attribution patterns ("said", "according to", "told reporters");
- `decisions`: strings annotators already tagged, suggested wherever else they occur;
- `external`: predictions from any other tool, read from JSONL.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from ..model import Span


@dataclass(frozen=True, slots=True)
class Proposal:
    """What a recommender returns for one text."""

    start: int
    end: int
    label: str
    entity_id: str | None = None
    score: float = 1.0


class Recommender(Protocol):
    name: str

    def propose(self, text: str) -> list[Proposal]: ...


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A proposal as the store keeps it, for one document."""

    id: str
    document: str
    start: int
    end: int
    label: str
    text: str
    entity_id: str | None
    score: float
    recommender: str
    created_at: str = ""

    @property
    def key(self) -> tuple[str, int, int, str]:
        """What a rejection names: the same span and label from any recommender is rejected too."""
        return (self.document, self.start, self.end, self.label)


def visible(suggestions: Iterable[Suggestion], spans: Sequence[Span],
            rejected: set[tuple[str, int, int, str]]) -> list[Suggestion]:
    """What an annotator is shown: not rejected by them, not overlapping a span of theirs
    with the same label, and one suggestion per offsets and label (the best scored),
    in text order."""
    by_label: dict[str, list[tuple[int, int]]] = {}
    for span in spans:
        by_label.setdefault(span.label, []).append((span.start, span.end))
    best: dict[tuple[int, int, str], Suggestion] = {}
    for suggestion in suggestions:
        if suggestion.key in rejected:
            continue
        if any(start < suggestion.end and suggestion.start < end
               for start, end in by_label.get(suggestion.label, ())):
            continue
        place = (suggestion.start, suggestion.end, suggestion.label)
        if place not in best or suggestion.score > best[place].score:
            best[place] = suggestion
    return sorted(best.values(), key=lambda s: (s.start, s.end, s.label, s.recommender))


def leftmost_longest(proposals: Iterable[Proposal]) -> list[Proposal]:
    """Of proposals of one label that overlap, the one that starts first (the longest of those)."""
    kept: list[Proposal] = []
    ends: dict[str, int] = {}
    for proposal in sorted(proposals, key=lambda p: (p.start, -p.end)):
        if proposal.start >= ends.get(proposal.label, 0):
            kept.append(proposal)
            ends[proposal.label] = proposal.end
    return kept


def longest_first(proposals: Iterable[Proposal]) -> list[Proposal]:
    """Of proposals of one label that overlap, the longest (then the earliest), in text order.

    For names: "the Black Sea" must not shadow the "Black Sea Grain Initiative" it overlaps.
    """
    kept: dict[str, list[tuple[int, int]]] = {}
    chosen: list[Proposal] = []
    for proposal in sorted(proposals, key=lambda p: (p.start - p.end, p.start)):
        spans = kept.setdefault(proposal.label, [])
        # The kept spans of a label never overlap, so sorted by start they are sorted by end too.
        at = bisect_left(spans, (proposal.start, proposal.start))
        clashes = (at < len(spans) and spans[at][0] < proposal.end) or (at and spans[at - 1][1] > proposal.start)
        if not clashes:
            spans.insert(at, (proposal.start, proposal.end))
            chosen.append(proposal)
    return sorted(chosen, key=lambda p: (p.start, p.end, p.label))


def anchored_matches(pattern: re.Pattern, anchors: Iterable[tuple[int, int]], text: str, *, before: int,
                     after: int) -> Iterator[re.Match]:
    """What `pattern.finditer(text)` finds, when each match holds an anchor (a number, a reporting
    verb), given as (start, end) in text order, that starts at most `before` characters after the
    match starts, and the match ends at most `after` characters after the anchor starts.

    A pattern that opens with optional words is tried at every position of the
    text by finditer; trying it only near its anchors is many times faster on a
    long article.
    """
    done = 0
    for at, _ in anchors:
        if at < done:
            continue
        start = max(done, at - before)
        while done <= at:
            match = pattern.search(text, start, at + after)
            if match is None or match.start() > at:
                break
            yield match
            done = start = match.end()
