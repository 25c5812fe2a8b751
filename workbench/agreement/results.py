"""The agreement report's results: plain values that `counting` fills and `render` shows."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import ClassVar

from workbench.agreement.alignment import Group, Kind, Mark
from workbench.agreement.measures import Measure, Note
from workbench.agreement.relations import RelationGroup

__all__ = [
    "Counts", "Disagreement", "DocumentAgreement", "LinkRow", "PairF1", "RelationDisagreement",
    "RelationCounts", "RelationF1", "Report", "ReportDocument", "Spread", "TokenRow",
]

Pair = tuple[str, str]


@dataclass(frozen=True)
class ReportDocument:
    """One document's text and, per compared annotator, their spans (Marks or tuples)."""

    uid: str
    text: str
    spans: Mapping[str, Sequence[Mark | tuple]]
    title: str = ""
    relations: Mapping[str, Sequence[tuple]] = field(default_factory=dict)
    """Per annotator, their relations as flat (head start, end, label, tail start, end, label,
    relation label, id) tuples (`RelationMark.of`)."""


@dataclass(frozen=True)
class Counts:
    """tp/fp/fn of a pair of annotators' spans, the first annotator taken as reference."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    # What the F1 says when one annotator, or neither, marked anything.
    NONE_MARKED: ClassVar[Note] = Note.NO_SPANS
    ONE_MARKED: ClassVar[Note] = Note.ONE_SIDE_EMPTY

    def __add__(self, other: "Counts") -> "Counts":
        return type(self)(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    @property
    def f1(self) -> Measure:
        """F1 with the conventions of `pairwise_f1`."""
        marked_a, marked_b = self.tp + self.fn, self.tp + self.fp
        if not marked_a and not marked_b:
            return Measure(None, self.NONE_MARKED)
        value = 2 * self.tp / (2 * self.tp + self.fp + self.fn)
        if not marked_a or not marked_b:
            return Measure(value, self.ONE_MARKED)
        return Measure(value, Note.PERFECT_AGREEMENT if self.fp == self.fn == 0 else None)


@dataclass(frozen=True)
class RelationCounts(Counts):
    """tp/fp/fn of a pair of annotators' relations."""

    NONE_MARKED: ClassVar[Note] = Note.NO_RELATIONS
    ONE_MARKED: ClassVar[Note] = Note.ONE_SIDE_NO_RELATIONS


@dataclass(frozen=True)
class PairF1:
    pair: Pair
    label: str | None
    exact: Counts
    overlap: Counts


@dataclass(frozen=True)
class RelationF1:
    """Relation F1 of a pair for one relation label (None: all), exact and lenient, and how
    many relations each way had an end the other annotator did not mark."""

    pair: Pair
    label: str | None
    exact: Counts
    lenient: Counts
    unpaired_exact: int
    unpaired_lenient: int


@dataclass(frozen=True)
class Spread:
    """Mean and (population) standard deviation of a measure over annotator pairs."""

    mean: Measure
    sd: float | None
    pairs: int


@dataclass(frozen=True)
class TokenRow:
    """Chance-corrected agreement on one label's IN/OUT token variable."""

    label: str
    tokens: int
    tokens_in: Mapping[str, int]
    cohen: Mapping[Pair, Measure]
    fleiss: Measure
    alpha: Measure
    alpha_unitizing: Measure


@dataclass(frozen=True)
class LinkRow:
    pair: Pair
    compared: int
    same: int
    one_unlinked: int
    share: Measure
    kappa: Measure
    mention_f1: Counts


@dataclass(frozen=True)
class DocumentAgreement:
    uid: str
    title: str
    spans: Mapping[str, int]
    exact: Spread
    overlap: Spread
    disagreements: Mapping[Kind, int]


@dataclass(frozen=True)
class Disagreement:
    document: str
    title: str
    group: Group
    excerpt: str = ""
    """The document's text from the group's start to its end: every version lies inside it."""

    def marked(self, annotator: str) -> str:
        """The words this annotator's version covers."""
        mark = self.group.versions[annotator]
        return self.excerpt[mark.start - self.group.start:mark.end - self.group.start]


@dataclass(frozen=True)
class RelationDisagreement:
    document: str
    title: str
    group: RelationGroup
    words: Mapping[str, tuple[str, str]]
    """Per annotator, the words their version's head and tail cover."""

    def said(self, annotator: str) -> str:
        """Who said what, e.g. ``claim “over 1,000 a day” → source “the general staff”``."""
        mark = self.group.versions[annotator]
        head, tail = self.words[annotator]
        return f"{mark.head.label} “{head}” → {mark.tail.label} “{tail}”"


@dataclass(frozen=True)
class Report:
    annotators: tuple[str, ...]
    labels: tuple[str, ...]
    basis: str
    documents: int
    characters: int
    tokens: int
    spans: Mapping[str, int]
    span_f1: list[PairF1]
    token_rows: list[TokenRow]
    link_rows: list[LinkRow]
    per_document: list[DocumentAgreement]
    disagreements: list[Disagreement]
    notes: list[str] = field(default_factory=list)
    relation_labels: tuple[str, ...] = ()
    """The relation labels compared; empty when no compared annotator made a relation."""
    relations: Mapping[str, int] = field(default_factory=dict)
    relation_f1: list[RelationF1] = field(default_factory=list)
    relation_disagreements: list[RelationDisagreement] = field(default_factory=list)

    @property
    def pairs(self) -> list[Pair]:
        return list(combinations(self.annotators, 2))

    def f1(self, pair: Pair, label: str | None = None) -> PairF1:
        return next(row for row in self.span_f1 if row.pair == pair and row.label == label)

    def spread(self, mode: str, label: str | None = None) -> Spread:
        """F1 mean and sd over pairs for ``mode`` "exact" or "overlap"."""
        return _spread([getattr(row, mode).f1 for row in self.span_f1 if row.label == label])

    def relation_f1_of(self, pair: Pair, label: str | None = None) -> RelationF1:
        return next(row for row in self.relation_f1 if row.pair == pair and row.label == label)

    def relation_spread(self, mode: str, label: str | None = None) -> Spread:
        """Relation F1 mean and sd over pairs for ``mode`` "exact" or "lenient"."""
        return _spread([getattr(row, mode).f1 for row in self.relation_f1 if row.label == label],
                       none_marked=Note.NO_RELATIONS)


def _spread(measures: list[Measure], none_marked: Note = Note.NO_SPANS) -> Spread:
    return spread_of_values([m.value for m in measures], none_marked)


def spread_of_values(values: list[float | None], none_marked: Note = Note.NO_SPANS) -> Spread:
    """Mean and sd of the defined values; all undefined means nothing was marked (`none_marked`),
    or no pairs at all."""
    defined = [v for v in values if v is not None]
    if not defined:
        note = Note.TOO_FEW_CODERS if not values else none_marked
        return Spread(Measure(None, note), None, 0)
    # The pairs are all the pairs there are, not a sample of them: population sd.
    # (Plain arithmetic: statistics.pstdev's exact fractions cost more than a whole document.)
    mean = sum(defined) / len(defined)
    sd = math.sqrt(max(0.0, sum((v - mean) ** 2 for v in defined) / len(defined)))
    return Spread(Measure(mean), sd, len(defined))
