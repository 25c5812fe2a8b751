"""Agreement on relations between spans, as pure functions: F1 of a pair, and alignment.

A relation is compared by its two ends (head → tail) and its label:

- *exact*: both ends have the same offsets and span labels, and the relation
  the same label and direction;
- *lenient*: each end overlaps the other annotator's end at the same place
  (head with head, tail with tail), and the relation has the same label. Span
  labels are not compared: a relation type's rule fixes them in practice.

A relation can only match when the other annotator marked both its ends too
(exactly, or overlapping). Those whose end is missing there count as false
positives or negatives like any other unmatched relation, and are also counted
apart (`RelationComparison.unpaired`): relation F1 is low then because of a
span, not because of the relation.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from workbench.agreement.alignment import Kind
from workbench.agreement.measures import maximum_matching

__all__ = ["End", "RelationComparison", "RelationGroup", "RelationMark", "align_relations",
           "compare_relations"]


class End(NamedTuple):
    """One end of a relation: its span's offsets and label."""

    start: int
    end: int
    label: str

    def describe(self) -> str:
        return f"{self.label} {self.start}-{self.end}"


class RelationMark(NamedTuple):
    """One annotator's relation as agreement sees it; `id` is the stored relation's."""

    head: End
    tail: End
    label: str
    id: str | None = None

    @classmethod
    def of(cls, row: Sequence) -> "RelationMark":
        """From a flat (head start, end, label, tail start, end, label, relation label[, id]) row."""
        return cls(End(*row[0:3]), End(*row[3:6]), row[6], row[7] if len(row) > 7 else None)

    @property
    def key(self) -> tuple[End, End, str]:
        return self.head, self.tail, self.label

    def describe(self) -> str:
        return f"{self.head.describe()} → {self.tail.describe()} {self.label}"


@dataclass(frozen=True)
class RelationComparison:
    """One pair's relations compared, the first annotator taken as reference.

    `unpaired` counts the relations (of either side) with an end the other side
    has no span for, so they could not match whatever the relation.
    """

    tp: int
    fp: int
    fn: int
    unpaired: int


def _overlap(x: End, y: End) -> bool:
    return max(x.start, y.start) < min(x.end, y.end)


def _ends_present(relation: RelationMark, spans: Sequence[End], exact: bool) -> bool:
    if exact:
        return relation.head in spans and relation.tail in spans
    return (any(_overlap(relation.head, span) for span in spans)
            and any(_overlap(relation.tail, span) for span in spans))


def compare_relations(a: Iterable[RelationMark], b: Iterable[RelationMark],
                      spans_a: Iterable[End], spans_b: Iterable[End], *, exact: bool) -> RelationComparison:
    """Match `a`'s relations with `b`'s, exactly or leniently (module docstring).

    `spans_a` and `spans_b` are each side's spans, to tell which relations had
    no chance of a match. Lenient matching is a maximum bipartite matching, so
    no relation takes the only partner of another.
    """
    a, b = list(a), list(b)
    ends_a, ends_b = set(map(End._make, spans_a)), set(map(End._make, spans_b))
    if exact:
        tp = sum((Counter(r.key for r in a) & Counter(r.key for r in b)).values())
        unpaired = (sum(not _ends_present(r, ends_b, True) for r in a)
                    + sum(not _ends_present(r, ends_a, True) for r in b))
    else:
        adjacency = [[j for j, other in enumerate(b) if other.label == mine.label
                      and _overlap(mine.head, other.head) and _overlap(mine.tail, other.tail)]
                     for mine in a]
        tp = maximum_matching(adjacency, len(b))
        listed_a, listed_b = sorted(ends_a), sorted(ends_b)
        unpaired = (sum(not _ends_present(r, listed_b, False) for r in a)
                    + sum(not _ends_present(r, listed_a, False) for r in b))
    return RelationComparison(tp, len(b) - tp, len(a) - tp, unpaired)


@dataclass(frozen=True)
class RelationGroup:
    """Aligned versions of one relation: `versions[annotator]`, and who has none.

    Its kinds are ``only_some`` (someone has no such relation) and ``boundary``
    (the versions' ends differ in offsets or span label).
    """

    versions: Mapping[str, RelationMark]
    missing: tuple[str, ...]
    differences: frozenset[Kind]

    @property
    def kind(self) -> Kind:
        return next((kind for kind in (Kind.ONLY_SOME, Kind.BOUNDARY) if kind in self.differences), Kind.AGREED)

    @property
    def agreed(self) -> bool:
        return not self.differences

    @property
    def label(self) -> str:
        return next(iter(self.versions.values())).label

    @property
    def start(self) -> int:
        return min(min(m.head.start, m.tail.start) for m in self.versions.values())

    @property
    def end(self) -> int:
        return max(max(m.head.end, m.tail.end) for m in self.versions.values())

    def describe(self) -> str:
        """One line naming each annotator's version, e.g. ``alice claim 3-9 → source 0-2 attributed_to; bob -``."""
        parts = [f"{name} {mark.describe()}" for name, mark in self.versions.items()]
        parts += [f"{name} -" for name in self.missing]
        return "; ".join(parts)


def _lenient(x: RelationMark, y: RelationMark) -> bool:
    return x.label == y.label and _overlap(x.head, y.head) and _overlap(x.tail, y.tail)


def align_relations(relations_by_annotator: Mapping[str, Iterable[RelationMark | Sequence]]) -> list[RelationGroup]:
    """Group the annotators' relations of one document, at most one per annotator in a group.

    Identical relations group first; then a relation left alone joins the first
    group (in order of offsets) where it leniently matches every version and its
    annotator has none yet. Groups come sorted by offsets. Every key is a
    compared annotator, also one without relations.
    """
    names = list(relations_by_annotator)
    groups: list[dict[str, RelationMark]] = []
    by_key: dict[tuple, list[dict[str, RelationMark]]] = {}
    for name in names:
        marks = [item if isinstance(item, RelationMark) else RelationMark.of(item)
                 for item in relations_by_annotator[name]]
        for mark in sorted(marks, key=lambda m: (m.key, m.id or "")):
            group = next((g for g in by_key.get(mark.key, ()) if name not in g), None)
            if group is None:
                group = {}
                groups.append(group)
                by_key.setdefault(mark.key, []).append(group)
            group[name] = mark
    groups.sort(key=lambda g: min(m.key for m in g.values()))
    for group in [g for g in groups if len(g) == 1]:
        if len(group) != 1:  # another relation left alone joined it meanwhile
            continue
        ((name, mark),) = group.items()
        home = next((other for other in groups if other is not group and other and name not in other
                     and all(_lenient(mark, version) for version in other.values())), None)
        if home is not None:
            home[name] = mark
            group.clear()
    aligned = [_relation_group(names, group) for group in groups if group]
    return sorted(aligned, key=lambda group: (group.start, group.end))


def _relation_group(names: list[str], versions: dict[str, RelationMark]) -> RelationGroup:
    ordered = {name: versions[name] for name in names if name in versions}
    missing = tuple(name for name in names if name not in versions)
    differences = set()
    if missing:
        differences.add(Kind.ONLY_SOME)
    if len({(m.head, m.tail) for m in ordered.values()}) > 1:
        differences.add(Kind.BOUNDARY)
    return RelationGroup(ordered, missing, frozenset(differences))
