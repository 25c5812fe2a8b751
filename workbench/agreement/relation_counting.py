"""Counting relation agreement for the report: running tallies over documents, like `counting`'s.

Relations count only when both their ends are spans of the compared labels
(`--label` restricts them so). Relation F1 is micro-averaged like span F1, per
relation label and over all; `workbench.agreement.relations` says what matches.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from workbench.agreement.relations import End, RelationMark, align_relations, compare_relations
from workbench.agreement.results import RelationCounts, RelationDisagreement, RelationF1, ReportDocument

__all__ = ["RelationTally"]

Pair = tuple[str, str]
_ZERO = (0, 0, 0, 0)


class RelationTally:
    """Per pair and relation label, exact and lenient [tp, fp, fn, unpaired], summed over documents."""

    def __init__(self, annotators: tuple[str, ...], labels: frozenset[str],
                 pairs: list[tuple[int, int]]) -> None:
        self.annotators = annotators
        self.labels = labels
        self.pairs = pairs
        self.counts = [0] * len(annotators)
        self.tallies: dict[tuple[tuple[int, int], str, bool], list[int]] = {}
        self.disagreements: list[RelationDisagreement] = []

    def add(self, document: ReportDocument, marks_by: Sequence[Sequence[tuple]]) -> None:
        """Count one document's relations; `marks_by` are the compared spans, per annotator."""
        relations_by = []
        for index, name in enumerate(self.annotators):
            marks = [RelationMark.of(row) for row in document.relations.get(name, ())]
            marks = [m for m in marks if m.head.label in self.labels and m.tail.label in self.labels]
            self.counts[index] += len(marks)
            relations_by.append(marks)
        if not any(relations_by):
            return
        ends_by = [[End(m[0], m[1], m[2]) for m in marks] for marks in marks_by]
        for label in {m.label for marks in relations_by for m in marks}:
            of_label = [[m for m in marks if m.label == label] for marks in relations_by]
            for p in self.pairs:
                a, b = p
                for exact in (True, False):
                    compared = compare_relations(of_label[a], of_label[b], ends_by[a], ends_by[b], exact=exact)
                    tally = self.tallies.setdefault((p, label, exact), [0, 0, 0, 0])
                    for k, n in enumerate((compared.tp, compared.fp, compared.fn, compared.unpaired)):
                        tally[k] += n
        text = document.text
        for group in align_relations(dict(zip(self.annotators, relations_by))):
            if not group.agreed:
                words = {name: (text[m.head.start:m.head.end], text[m.tail.start:m.tail.end])
                         for name, m in group.versions.items()}
                self.disagreements.append(RelationDisagreement(document.uid, document.title, group, words))

    def merge(self, later: "RelationTally") -> None:
        for index, n in enumerate(later.counts):
            self.counts[index] += n
        for key, tally in later.tallies.items():
            mine = self.tallies.setdefault(key, [0, 0, 0, 0])
            for k, n in enumerate(tally):
                mine[k] += n
        self.disagreements += later.disagreements

    def finish(self) -> tuple[tuple[str, ...], dict[str, int], list[RelationF1]]:
        """(the relation labels compared, relations per annotator, the F1 rows: per pair, each
        label then all as None); all empty when nobody made a relation."""
        if not any(self.counts):
            return (), {}, []
        labels = tuple(sorted({key[1] for key in self.tallies}))
        rows = []
        for p in self.pairs:
            pair = (self.annotators[p[0]], self.annotators[p[1]])
            total = {True: [0, 0, 0, 0], False: [0, 0, 0, 0]}
            for label in labels:
                tallies = {exact: self.tallies.get((p, label, exact), _ZERO) for exact in (True, False)}
                for exact, tally in tallies.items():
                    total[exact] = [x + y for x, y in zip(total[exact], tally)]
                rows.append(_row(pair, label, tallies))
            rows.append(_row(pair, None, total))
        return labels, dict(zip(self.annotators, self.counts)), rows


def _row(pair: Pair, label: str | None, tallies: Mapping[bool, Sequence[int]]) -> RelationF1:
    exact, lenient = tallies[True], tallies[False]
    return RelationF1(pair, label, RelationCounts(*exact[:3]), RelationCounts(*lenient[:3]), exact[3],
                      lenient[3])
