"""Aligning several annotators' spans in one document, and naming how they differ.

`align(spans_by_annotator)` groups the spans that are versions of the same
mention, at most one span per annotator in a group, and classifies each group:

- ``agreed``: every annotator has the same offsets, label and link;
- ``only_some``: some annotators have a span here, the others nothing;
- ``label``: the versions differ in label;
- ``boundary``: the versions differ in offsets;
- ``link``: same offsets and label, different entity link.

A group can differ in several ways at once (`Group.differences`); `Group.kind`
names the first of them in the order above, so one word can label a row.

Grouping is greedy and deterministic. Candidate pairs are spans of different
annotators that overlap, strongest first: identical spans; same offsets and
label (link differs); same offsets (label differs); same label and
overlapping; different label and overlapping by at least half of the longer
span (a short span nested in a long one of another label is more often a
different mention than a disagreement, so it stays on its own). Within a tier,
larger overlap (Jaccard) wins. Two groups merge when they share no annotator
and every span of one overlaps every span of the other.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from operator import itemgetter
from typing import NamedTuple

from workbench.model import Span

__all__ = ["Group", "Kind", "Mark", "align", "align_remaining"]


class Mark(NamedTuple):
    """One annotator's span as alignment sees it; `link` is an entity id, "NIL" or None."""

    start: int
    end: int
    label: str
    link: str | None = None
    id: str | None = None

    @classmethod
    def of(cls, span: Span) -> "Mark":
        """The mark of a stored span, keeping its id so a screen can act on the span."""
        return cls(span.start, span.end, span.label, span.link_key, span.id)

    def describe(self) -> str:
        link = f" -> {self.link}" if self.link is not None else ""
        return f"{self.start}-{self.end} {self.label}{link}"


class Kind(str, Enum):
    AGREED = "agreed"
    ONLY_SOME = "only_some"
    LABEL = "label"
    BOUNDARY = "boundary"
    LINK = "link"

    def __str__(self) -> str:
        return self.value


_PRIORITY = (Kind.ONLY_SOME, Kind.LABEL, Kind.BOUNDARY, Kind.LINK)


@dataclass(frozen=True)
class Group:
    """Aligned versions of one mention: `versions[annotator]`, and who has none."""

    versions: Mapping[str, Mark]
    missing: tuple[str, ...]
    differences: frozenset[Kind]

    @property
    def kind(self) -> Kind:
        return next((kind for kind in _PRIORITY if kind in self.differences), Kind.AGREED)

    @property
    def agreed(self) -> bool:
        return not self.differences

    @property
    def start(self) -> int:
        return min(mark.start for mark in self.versions.values())

    @property
    def end(self) -> int:
        return max(mark.end for mark in self.versions.values())

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(sorted({mark.label for mark in self.versions.values()}))

    def describe(self) -> str:
        """One line naming each annotator's version, e.g. ``alice 3-9 claim; bob -``."""
        parts = [f"{name} {mark.describe()}" for name, mark in self.versions.items()]
        parts += [f"{name} -" for name in self.missing]
        return "; ".join(parts)


def align(spans_by_annotator: Mapping[str, Iterable[Mark | tuple]]) -> list[Group]:
    """Group the annotators' spans of one document; groups come sorted by offsets.

    Every key of `spans_by_annotator` is an annotator being compared, also one
    with no spans (their absence is what makes a group ``only_some``). Spans
    may be `Mark`s or tuples in its field order; use `Mark.of` for stored spans.
    Raises ValueError for a span that does not end after it starts.
    """
    names = list(spans_by_annotator)
    marks: list[tuple[int, Mark]] = []
    for index, name in enumerate(names):
        for item in spans_by_annotator[name]:
            mark = item if isinstance(item, Mark) else Mark(*item)
            if mark.end <= mark.start:
                raise ValueError(f"span {mark.start}-{mark.end} of {name!r} does not end after it starts")
            marks.append((index, mark))

    agreed, rest = _agreed_by_all(marks, len(names))
    keyed = []
    for positions in agreed:
        mark = marks[positions[0]][1]
        keyed.append(((mark.start, mark.end, (mark.label,)),
                      Group({names[marks[p][0]]: marks[p][1] for p in sorted(positions)}, (), frozenset())))
    keyed += _greedy(names, marks, rest)
    keyed.sort(key=itemgetter(0))
    return [group for _, group in keyed]


def align_remaining(names: Sequence[str], marks: list[tuple[int, Mark]]) -> list[Group]:
    """The groups `align` makes of what is left once the spans everyone marked identically are taken.

    `marks` holds (annotator index into `names`, Mark) in `align`'s order (annotator
    by annotator, each in their own order), none of them agreed by all; the
    groups come sorted as `align` sorts them. The agreement report finds the
    agreed spans itself and needs only the rest.
    """
    keyed = _greedy(names, marks, range(len(marks)))
    keyed.sort(key=itemgetter(0))
    return [group for _, group in keyed]


def _greedy(names: Sequence[str], marks: list[tuple[int, Mark]], positions: Iterable[int]
            ) -> list[tuple[tuple[int, int, tuple[str, ...]], Group]]:
    """Each greedy group with its sort key: `Group.start`, `Group.end` and `Group.labels`."""
    keyed = []
    for positions_of_group in _greedy_groups(marks, positions):
        if len(positions_of_group) == 1:
            members = [marks[positions_of_group[0]]]
            _, (start, end, label, *_) = members[0]
            keyed.append(((start, end, (label,)), _group(names, members)))
            continue
        members = sorted([marks[i] for i in positions_of_group], key=itemgetter(0))
        versions = [mark for _, mark in members]
        key = (min([mark[0] for mark in versions]), max([mark[1] for mark in versions]),
               tuple(sorted({mark[2] for mark in versions})))
        keyed.append((key, _group(names, members)))
    return keyed


def _agreed_by_all(marks: list[tuple[int, Mark]], n_annotators: int) -> tuple[list[list[int]], list[int]]:
    """Identical spans that every annotator has: the greedy pass would group them first anyway."""
    by_key: dict[tuple, list[int]] = {}
    for position, (_, mark) in enumerate(marks):
        by_key.setdefault(mark[:4], []).append(position)
    agreed, rest = [], []
    for positions in by_key.values():
        if len(positions) == n_annotators and len({marks[p][0] for p in positions}) == n_annotators:
            agreed.append(positions)
        else:
            rest.extend(positions)
    return agreed, sorted(rest)


def _greedy_groups(marks: list[tuple[int, Mark]], positions: Iterable[int]) -> list[list[int]]:
    """Merge candidate pairs, strongest first, into groups (lists of positions into `marks`).

    A candidate is two overlapping spans of different annotators, ranked by
    (tier, -Jaccard), lower is stronger: tier 0 same offsets, label and link;
    1 same offsets and label; 2 same offsets; 3 same label; 4 other label but
    overlapping by at least half the longer span (else no candidate).
    Only overlapping spans can be grouped, so each run of spans chained by
    overlaps is grouped on its own. Groups come in order of their first position.
    """
    order = sorted([(mark[1][0], mark[1][1], p) for p in positions for mark in (marks[p],)])
    groups: list[list[int]] = []
    first, reach = 0, None
    for k, (start, end, _) in enumerate(order):
        if reach is not None and start >= reach:
            _group_run(marks, order[first:k], groups)
            first, reach = k, end
        elif reach is None or end > reach:
            reach = end
    if order:
        _group_run(marks, order[first:], groups)
    groups.sort(key=min)
    return groups


def _group_run(marks: list[tuple[int, Mark]], run: list[tuple[int, int, int]],
               groups: list[list[int]]) -> None:
    """Add the groups of one run of spans chained by overlaps, given as sorted (start, end, position)."""
    if len(run) == 1:
        groups.append([run[0][2]])
        return
    spans = {p: (marks[p][0], *marks[p][1][:4]) for _, _, p in run}
    candidates = []
    active: list[tuple] = []
    for start, end, p in run:
        annotator, _, _, label, link = spans[p]
        if active:
            active = [item for item in active if item[0] > start]
        for q_end, q, q_annotator, q_start, q_label, q_link in active:
            if q_annotator == annotator:
                continue
            # Spans come in order of start, so q_start <= start.
            overlap = (q_end if q_end < end else end) - start
            if q_start == start and q_end == end:
                tier = 2 if q_label != label else (0 if q_link == link else 1)
            elif q_label == label:
                tier = 3
            elif 2 * overlap >= (q_end - q_start if q_end - q_start > end - start else end - start):
                tier = 4
            else:
                continue
            candidates.append((tier, -(overlap / ((end if end > q_end else q_end) - q_start)), q, p))
        active.append((end, p, annotator, start, label, link))
    if not candidates:
        groups += [[p] for _, _, p in run]
        return
    if len(run) == 2:
        groups.append(sorted(spans))
        return
    candidates.sort()
    group_of = {p: [p] for _, _, p in run}
    for _, _, q, p in candidates:
        left, right = group_of[q], group_of[p]
        if left is right or not _can_merge(spans, left, right):
            continue
        left.extend(right)
        for moved in right:
            group_of[moved] = left
    groups += {id(group): group for group in group_of.values()}.values()


def _can_merge(spans: dict[int, tuple], left: list[int], right: list[int]) -> bool:
    """No annotator on both sides, and every span of one overlaps every span of the other."""
    for p in left:
        annotator, start, end, _, _ = spans[p]
        for q in right:
            other, other_start, other_end, _, _ = spans[q]
            if other == annotator or max(start, other_start) >= min(end, other_end):
                return False
    return True


_ONLY_SOME = frozenset((Kind.ONLY_SOME,))
_NO_DIFFERENCES: frozenset[Kind] = frozenset()


def _group(names: list[str], members: list[tuple[int, Mark]]) -> Group:
    if len(members) == 1:
        index, mark = members[0]
        name = names[index]
        missing = tuple(other for other in names if other != name)
        return Group({name: mark}, missing, _ONLY_SOME if missing else _NO_DIFFERENCES)
    versions = {names[index]: mark for index, mark in members}
    missing = tuple(name for name in names if name not in versions) if len(versions) < len(names) else ()
    start, end, label, link, _ = members[0][1]
    labels_differ = offsets_differ = links_differ = False
    for _, mark in members:
        if mark[2] != label:
            labels_differ = True
        if mark[0] != start or mark[1] != end:
            offsets_differ = True
        if mark[3] != link:
            links_differ = True
    differences = []
    if missing:
        differences.append(Kind.ONLY_SOME)
    if labels_differ:
        differences.append(Kind.LABEL)
    if offsets_differ:
        differences.append(Kind.BOUNDARY)
    elif not labels_differ and links_differ:
        differences.append(Kind.LINK)
    return Group(versions, missing, frozenset(differences))
