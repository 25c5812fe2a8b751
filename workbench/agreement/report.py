"""The agreement report: every number the issue asks for, built from plain data in one pass.

`build_report(documents, annotators, labels, basis)` reads each document once
and keeps only counts, so memory and time grow linearly with the corpus. The
counts are the sufficient statistics of the coefficients in
`workbench.agreement.measures`; the tests check that the report's numbers equal
those functions (and the reference packages) applied to the full data.

Choices, also explained in README.md:

- Span F1 is micro-averaged: tp/fp/fn of a pair are summed over documents
  before F1 is taken. ``label=None`` rows are over all labels.
- Token variables: for each label, a token (`workbench.text.token_spans`) is IN
  for an annotator when it overlaps one of their spans of that label. Every
  token of every compared document is an item.
- Unitizing alpha pools all documents into one continuum whose sections never
  cross a document border: units are compared within their document, and the
  gaps in which a unit could fall by chance end where the document ends.
  (Concatenating the texts would join the last gap of one document to the first
  of the next, a place no span can be.) With one document this is exactly
  `alpha_unitizing`.
- Links are compared on mentions two annotators marked with the same offsets
  and the same label, where both linked them (an entity or NIL). A mention one
  annotator left unlinked is counted separately, not as a disagreement: it
  usually means "not linked yet", and counting it would let labels that are
  never linked inflate agreement. Mention-level link F1 takes every linked span
  and matches offsets and link (not label).
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations

from workbench.agreement.alignment import Group, Kind, Mark, align
from workbench.agreement.measures import Measure, Note, _chance_corrected, cohen_kappa, pairwise_f1
from workbench.text import token_spans

__all__ = [
    "Counts", "DocumentRow", "Disagreement", "LinkRow", "PairF1", "Report", "ReportDocument",
    "Spread", "TokenRow", "build_report",
]

Pair = tuple[str, str]


@dataclass(frozen=True)
class ReportDocument:
    """One document's text and, per compared annotator, their spans (Marks or tuples)."""

    uid: str
    text: str
    spans: Mapping[str, Sequence[Mark | tuple]]
    title: str = ""


@dataclass(frozen=True)
class Counts:
    """tp/fp/fn of a pair, the first annotator taken as reference."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    @property
    def f1(self) -> Measure:
        """F1 with the conventions of `pairwise_f1`."""
        marked_a, marked_b = self.tp + self.fn, self.tp + self.fp
        if not marked_a and not marked_b:
            return Measure(None, Note.NO_SPANS)
        value = 2 * self.tp / (2 * self.tp + self.fp + self.fn)
        if not marked_a or not marked_b:
            return Measure(value, Note.ONE_SIDE_EMPTY)
        return Measure(value, Note.PERFECT_AGREEMENT if self.fp == self.fn == 0 else None)


@dataclass(frozen=True)
class PairF1:
    pair: Pair
    label: str | None
    exact: Counts
    overlap: Counts


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
class DocumentRow:
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
    per_document: list[DocumentRow]
    disagreements: list[Disagreement]
    notes: list[str] = field(default_factory=list)

    @property
    def pairs(self) -> list[Pair]:
        return list(combinations(self.annotators, 2))

    def f1(self, pair: Pair, label: str | None = None) -> PairF1:
        return next(row for row in self.span_f1 if row.pair == pair and row.label == label)

    def spread(self, mode: str, label: str | None = None) -> Spread:
        """F1 mean and sd over pairs for ``mode`` "exact" or "overlap"."""
        return _spread([getattr(row, mode).f1 for row in self.span_f1 if row.label == label])


def _spread(measures: list[Measure]) -> Spread:
    values = [m.value for m in measures if m.value is not None]
    if not values:
        note = Note.TOO_FEW_CODERS if not measures else Note.NO_SPANS
        return Spread(Measure(None, note), None, 0)
    # The pairs are all the pairs there are, not a sample of them: population sd.
    # (Plain arithmetic: statistics.pstdev's exact fractions cost more than a whole document.)
    mean = sum(values) / len(values)
    sd = math.sqrt(max(0.0, sum((v - mean) ** 2 for v in values) / len(values)))
    return Spread(Measure(mean), sd, len(values))


def build_report(documents: Iterable[ReportDocument], annotators: Sequence[str],
                 labels: Sequence[str], basis: str) -> Report:
    """The report over `documents`, comparing `annotators` on `labels`.

    `basis` says in a sentence which documents were included and why; the
    report repeats it. Spans with other labels, or by other annotators, are
    ignored.
    """
    annotators = tuple(dict.fromkeys(annotators))
    labels = tuple(dict.fromkeys(labels))
    builder = _Builder(annotators, labels)
    for document in documents:
        builder.add(document)
    return builder.finish(basis)


class _Builder:
    def __init__(self, annotators: tuple[str, ...], labels: tuple[str, ...]) -> None:
        self.annotators = annotators
        self.labels = labels
        self.label_set = frozenset(labels)
        self.pairs = list(combinations(range(len(annotators)), 2))
        self.documents = self.characters = self.tokens = 0
        self.span_counts = Counter()
        self.exact = {(p, label): [0, 0, 0] for p in self.pairs for label in labels}
        self.overlap = {(p, label): [0, 0, 0] for p in self.pairs for label in labels}
        self.patterns = {label: Counter() for label in labels}
        self.unitizing = {label: _Unitizing(len(annotators)) for label in labels}
        self.link_values = {p: ([], []) for p in self.pairs}
        self.one_unlinked = Counter()
        self.mentions = [Counter() for _ in annotators]
        self.rows: list[DocumentRow] = []
        self.disagreements: list[Disagreement] = []

    def add(self, document: ReportDocument) -> None:
        self.documents += 1
        self.characters += len(document.text)
        position = self.documents
        marks_by = []
        for name in self.annotators:
            marks = [m if isinstance(m, Mark) else Mark(*m) for m in document.spans.get(name, ())]
            marks = [m for m in marks if m.label in self.label_set]
            marks_by.append(marks)
            self.span_counts[name] += len(marks)

        tokens = token_spans(document.text)
        self.tokens += len(tokens)
        token_starts = [start for start, _ in tokens]
        token_ends = [end for _, end in tokens]

        by_label = {label: [[] for _ in self.annotators] for label in self.labels}
        for index, marks in enumerate(marks_by):
            for mark in marks:
                by_label[mark.label][index].append((mark.start, mark.end))
        doc_exact = {p: Counts() for p in self.pairs}
        doc_overlap = {p: Counts() for p in self.pairs}
        for label, spans in by_label.items():
            for p in self.pairs:
                exact = _exact_counts(spans[p[0]], spans[p[1]])
                overlap = _overlap_counts(spans[p[0]], spans[p[1]])
                _accumulate(self.exact[p, label], exact)
                _accumulate(self.overlap[p, label], overlap)
                doc_exact[p] += exact
                doc_overlap[p] += overlap
            self._tokens(label, spans, token_starts, token_ends, len(tokens))
            self.unitizing[label].add(len(document.text), spans)
        self._links(marks_by, position)

        groups = align({name: marks for name, marks in zip(self.annotators, marks_by)})
        kinds = Counter()
        for group in groups:
            if not group.agreed:
                kinds[group.kind] += 1
                self.disagreements.append(Disagreement(document.uid, document.title, group))
        self.rows.append(DocumentRow(
            document.uid, document.title,
            {name: len(marks) for name, marks in zip(self.annotators, marks_by)},
            _spread([c.f1 for c in doc_exact.values()]),
            _spread([c.f1 for c in doc_overlap.values()]), dict(kinds)))

    def _tokens(self, label: str, spans: list[list[tuple[int, int]]],
                starts: list[int], ends: list[int], n_tokens: int) -> None:
        """Count tokens per IN/OUT pattern (bit i set: annotator i has the token IN)."""
        events = []
        for index, coder in enumerate(spans):
            for start, end in coder:
                first = bisect.bisect_right(ends, start)
                last = bisect.bisect_left(starts, end)
                if first < last:
                    events.append((first, 1, index))
                    events.append((last, -1, index))
        counts = self.patterns[label]
        if not events:
            counts[0] += n_tokens
            return
        events.sort()
        depth = [0] * len(spans)
        mask = 0
        previous = 0
        covered = 0
        for position, step, index in events:
            if mask and position > previous:
                counts[mask] += position - previous
                covered += position - previous
            depth[index] += step
            mask = mask | (1 << index) if depth[index] else mask & ~(1 << index)
            previous = position
        counts[0] += n_tokens - covered

    def _links(self, marks_by: list[list[Mark]], position: int) -> None:
        keyed = []
        for index, marks in enumerate(marks_by):
            links: dict[tuple[int, int, str], list[str | None]] = {}
            for mark in marks:
                links.setdefault((mark.start, mark.end, mark.label), []).append(mark.link)
                if mark.link is not None:
                    self.mentions[index][position, mark.start, mark.end, mark.link] += 1
            keyed.append(links)
        for p in self.pairs:
            left, right = keyed[p[0]], keyed[p[1]]
            values_a, values_b = self.link_values[p]
            for key, links_a in left.items():
                for link_a, link_b in zip(links_a, right.get(key, ())):
                    if link_a is not None and link_b is not None:
                        values_a.append(link_a)
                        values_b.append(link_b)
                    elif (link_a is None) != (link_b is None):
                        self.one_unlinked[p] += 1

    def finish(self, basis: str) -> Report:
        names = self.annotators
        span_f1 = []
        for p in self.pairs:
            pair = (names[p[0]], names[p[1]])
            total_exact, total_overlap = Counts(), Counts()
            for label in self.labels:
                exact, overlap = Counts(*self.exact[p, label]), Counts(*self.overlap[p, label])
                span_f1.append(PairF1(pair, label, exact, overlap))
                total_exact += exact
                total_overlap += overlap
            span_f1.append(PairF1(pair, None, total_exact, total_overlap))

        token_rows = [self._token_row(label) for label in self.labels]
        link_rows = [self._link_row(p) for p in self.pairs]
        return Report(
            names, self.labels, basis, self.documents, self.characters, self.tokens,
            {name: self.span_counts[name] for name in names}, span_f1, token_rows, link_rows,
            self.rows, self.disagreements, self._notes())

    def _token_row(self, label: str) -> TokenRow:
        patterns = self.patterns[label]
        m = len(self.annotators)
        cohen = {}
        for p in self.pairs:
            table = Counter()
            for mask, count in patterns.items():
                table[bool(mask >> p[0] & 1), bool(mask >> p[1] & 1)] += count
            cohen[self.annotators[p[0]], self.annotators[p[1]]] = _cohen_from_table(table)
        ins = Counter()
        for mask, count in patterns.items():
            ins[mask.bit_count()] += count
        tokens_in = {name: sum(c for mask, c in patterns.items() if mask >> i & 1)
                     for i, name in enumerate(self.annotators)}
        return TokenRow(label, sum(patterns.values()), tokens_in, cohen,
                        _fleiss_binary(ins, m), _alpha_binary(ins, m),
                        self.unitizing[label].measure())

    def _link_row(self, p: tuple[int, int]) -> LinkRow:
        values_a, values_b = self.link_values[p]
        same = sum(a == b for a, b in zip(values_a, values_b))
        compared = len(values_a)
        share = Measure(same / compared) if compared else Measure(None, Note.NO_DATA)
        kappa = cohen_kappa(values_a, values_b)
        mentions_a, mentions_b = self.mentions[p[0]], self.mentions[p[1]]
        tp = sum((mentions_a & mentions_b).values())
        mention_f1 = Counts(tp, sum(mentions_b.values()) - tp, sum(mentions_a.values()) - tp)
        pair = (self.annotators[p[0]], self.annotators[p[1]])
        return LinkRow(pair, compared, same, self.one_unlinked[p], share, kappa, mention_f1)

    def _notes(self) -> list[str]:
        notes = []
        if len(self.annotators) < 2:
            notes.append("fewer than two annotators: there is nothing to compare, "
                         "so pairwise and chance-corrected measures are undefined")
        if not self.documents:
            notes.append("no documents meet the criteria")
        elif not any(self.span_counts.values()):
            notes.append("no annotator marked any span of the compared labels in these documents")
        return notes


def _accumulate(total: list[int], counts: Counts) -> None:
    total[0] += counts.tp
    total[1] += counts.fp
    total[2] += counts.fn


def _exact_counts(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> Counts:
    if not a or not b:
        return Counts(0, len(b), len(a))
    set_a, set_b = set(a), set(b)
    if len(set_a) == len(a) and len(set_b) == len(b):
        tp = len(set_a & set_b)
    else:
        tp = sum((Counter(a) & Counter(b)).values())
    return Counts(tp, len(b) - tp, len(a) - tp)


def _overlap_counts(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> Counts:
    """tp of a maximum matching of overlapping spans, as `pairwise_f1(mode="overlap")`.

    Only spans connected by a chain of overlaps can be matched with one
    another, so each connected run is matched on its own, and a run of one
    span from each side needs no matching at all.
    """
    if not a or not b:
        return Counts(0, len(b), len(a))
    spans = sorted([(s, e, 0) for s, e in a] + [(s, e, 1) for s, e in b])
    tp = 0
    run: list[tuple[int, int, int]] = []
    reach = -1
    for span in spans + [(float("inf"), float("inf"), 0)]:
        if run and span[0] >= reach:
            tp += _run_matches(run)
            run = []
        run.append(span)
        reach = max(reach, span[1]) if len(run) > 1 else span[1]
    return Counts(tp, len(b) - tp, len(a) - tp)


def _run_matches(run: list[tuple[int, int, int]]) -> int:
    if len(run) == 1:
        return 0
    if len(run) == 2:
        (s1, e1, side1), (s2, e2, side2) = run
        return int(side1 != side2 and max(s1, s2) < min(e1, e2))
    left = [(s, e, "") for s, e, side in run if side == 0]
    right = [(s, e, "") for s, e, side in run if side == 1]
    if not left or not right:
        return 0
    if len(left) == len(right) == 1:
        return int(max(left[0][0], right[0][0]) < min(left[0][1], right[0][1]))
    return pairwise_f1(left, right, "overlap").tp


def _cohen_from_table(table: Counter) -> Measure:
    """Cohen's kappa from a contingency table {(a's value, b's value): count}."""
    n = sum(table.values())
    if not n:
        return Measure(None, Note.NO_DATA)
    count_a, count_b = Counter(), Counter()
    for (x, y), count in table.items():
        count_a[x] += count
        count_b[y] += count
    p_o = sum(count for (x, y), count in table.items() if x == y) / n
    p_e = sum(count_a[k] * count_b[k] for k in count_a) / (n * n)
    return _chance_corrected(1.0 - p_o, 1.0 - p_e)


def _fleiss_binary(ins: Counter, m: int) -> Measure:
    """Fleiss' kappa from {number of raters saying IN: number of items}, m raters each."""
    n_items = sum(ins.values())
    if not n_items:
        return Measure(None, Note.NO_DATA)
    if m < 2:
        return Measure(None, Note.TOO_FEW_CODERS)
    p_bar = sum(items * (j * j + (m - j) ** 2 - m) / (m * (m - 1))
                for j, items in ins.items()) / n_items
    total_in = sum(j * items for j, items in ins.items())
    totals = [t for t in (total_in, n_items * m - total_in) if t]
    p_e = sum((t / (n_items * m)) ** 2 for t in totals)
    return _chance_corrected(1.0 - p_bar, 1.0 - p_e)


def _alpha_binary(ins: Counter, m: int) -> Measure:
    """Krippendorff's nominal alpha from the same histogram (no missing values)."""
    if m < 2:
        return Measure(None, Note.TOO_FEW_CODERS)
    n_items = sum(ins.values())
    if not n_items:
        return Measure(None, Note.NO_DATA)
    n = n_items * m
    observed = sum(items * 2 * j * (m - j) / (m - 1) for j, items in ins.items())
    total_in = sum(j * items for j, items in ins.items())
    expected = 2 * total_in * (n - total_in)
    return _chance_corrected(observed / n, expected / (n * (n - 1)))


class _Unitizing:
    """Pooled Krippendorff unitizing alpha for one label; see the module docstring."""

    def __init__(self, coders: int) -> None:
        self.coders = coders
        self.length = 0
        self.pair_sum = 0
        self.units: Counter[int] = Counter()
        self.gaps: Counter[int] = Counter()

    def add(self, length: int, spans: list[list[tuple[int, int]]]) -> None:
        self.length += length
        merged = [_merge(coder) for coder in spans]
        for units in merged:
            position = 0
            for start, end in units:
                if start > position:
                    self.gaps[start - position] += 1
                self.units[end - start] += 1
                position = end
            if position < length:
                self.gaps[length - position] += 1
        for i, j in combinations(range(len(merged)), 2):
            self.pair_sum += _unitizing_pair(merged[i], merged[j])

    def measure(self) -> Measure:
        m, length = self.coders, self.length
        if m < 2:
            return Measure(None, Note.TOO_FEW_CODERS)
        if not length:
            return Measure(None, Note.EMPTY_CONTINUUM)
        if not self.units:
            return Measure(1.0, Note.NO_SEGMENTS)
        observed = 2 * self.pair_sum / (m * (m - 1) * length**2)
        gaps = sorted(self.gaps)
        # suffix_sum[k] / suffix_count[k]: sum and number of gaps of length >= gaps[k].
        suffix_sum, suffix_count = [0] * (len(gaps) + 1), [0] * (len(gaps) + 1)
        for k in range(len(gaps) - 1, -1, -1):
            suffix_sum[k] = suffix_sum[k + 1] + gaps[k] * self.gaps[gaps[k]]
            suffix_count[k] = suffix_count[k + 1] + self.gaps[gaps[k]]
        n_units = sum(self.units.values())
        numerator = 0
        for unit, count in self.units.items():
            first = bisect.bisect_left(gaps, unit)
            fitting = suffix_sum[first] - suffix_count[first] * (unit - 1)
            numerator += count * ((n_units - 1) * (2 * unit**3 - 3 * unit**2 + unit) // 3
                                  + unit * unit * fitting)
        denominator = (m * length * (m * length - 1)
                       - sum(count * unit * (unit - 1) for unit, count in self.units.items()))
        return _chance_corrected(observed, 2 * numerator / (length * denominator))


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _unitizing_pair(xs: list[tuple[int, int]], ys: list[tuple[int, int]]) -> int:
    """Sum of d2 over one pair of coders' sections; a unit inside the other's gap costs l^2."""
    total = 0
    hit_x, hit_y = [False] * len(xs), [False] * len(ys)
    i = j = 0
    while i < len(xs) and j < len(ys):
        (x_start, x_end), (y_start, y_end) = xs[i], ys[j]
        if x_start < y_end and y_start < x_end:
            total += (x_start - y_start) ** 2 + (x_end - y_end) ** 2
            hit_x[i] = hit_y[j] = True
        if x_end <= y_end:
            i += 1
        if y_end <= x_end:
            j += 1
    total += sum((e - s) ** 2 for (s, e), hit in zip(xs, hit_x) if not hit)
    total += sum((e - s) ** 2 for (s, e), hit in zip(ys, hit_y) if not hit)
    return total
