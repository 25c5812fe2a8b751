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
import operator
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from operator import itemgetter

from workbench.agreement.alignment import Group, Kind, Mark, align_remaining
from workbench.agreement.measures import Measure, Note, _chance_corrected, merge_segments, pairwise_f1
from workbench.collector import without_cyclic_gc
from workbench.text import token_positions

__all__ = [
    "Counts", "DocumentRow", "Disagreement", "LinkRow", "PairF1", "Report", "ReportBuilder",
    "ReportDocument", "Spread", "TokenRow", "build_report",
]

Pair = tuple[str, str]
_START, _END, _LABEL, _KEY = itemgetter(0), itemgetter(1), itemgetter(2), itemgetter(0, 1, 2, 3)


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
    excerpt: str = ""
    """The document's text from the group's start to its end: every version lies inside it."""

    def marked(self, annotator: str) -> str:
        """The words this annotator's version covers."""
        mark = self.group.versions[annotator]
        return self.excerpt[mark.start - self.group.start:mark.end - self.group.start]


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
    return _spread_values([m.value for m in measures])


def _spread_values(values: list[float | None]) -> Spread:
    """Mean and sd of the defined values; all undefined means no spans (or no pairs at all)."""
    defined = [v for v in values if v is not None]
    if not defined:
        note = Note.TOO_FEW_CODERS if not values else Note.NO_SPANS
        return Spread(Measure(None, note), None, 0)
    # The pairs are all the pairs there are, not a sample of them: population sd.
    # (Plain arithmetic: statistics.pstdev's exact fractions cost more than a whole document.)
    mean = sum(defined) / len(defined)
    sd = math.sqrt(max(0.0, sum((v - mean) ** 2 for v in defined) / len(defined)))
    return Spread(Measure(mean), sd, len(defined))


def build_report(documents: Iterable[ReportDocument], annotators: Sequence[str],
                 labels: Sequence[str], basis: str) -> Report:
    """The report over `documents`, comparing `annotators` on `labels`.

    `basis` says in a sentence which documents were included and why; the
    report repeats it. Spans with other labels, or by other annotators, are
    ignored.
    """
    annotators = tuple(dict.fromkeys(annotators))
    labels = tuple(dict.fromkeys(labels))
    builder = ReportBuilder(annotators, labels)
    with without_cyclic_gc():
        for document in documents:
            builder.add(document)
        return builder.finish(basis)


class ReportBuilder:
    """Running counts over the documents added so far.

    Everything it holds is a sum over documents or a list in document order, so
    builders of consecutive parts of a corpus, filled apart (in other
    processes, say), `merge` into the builder of the whole.

    Spans that every annotator marked identically (same offsets, label and
    link; in practice most of them) are counted in bulk: they match in every
    pair, exactly and by overlap, agree on their link and, when no other span
    of their label touches them, add nothing to unitizing disagreement. Only
    the remaining spans go through matching, alignment and link comparison.
    """

    def __init__(self, annotators: tuple[str, ...], labels: tuple[str, ...]) -> None:
        self.annotators = annotators
        self.labels = labels
        self.label_set = frozenset(labels)
        self.pairs = list(combinations(range(len(annotators)), 2))
        self.documents = self.characters = self.tokens = 0
        self.span_counts = [0] * len(annotators)
        self.label_counts = [Counter() for _ in annotators]
        # tp of each pair and label from the spans not marked identically by everyone;
        # `agreed` and `isolated` count those per label, a tp in every pair.
        self.exact_tp = {(p, label): 0 for p in self.pairs for label in labels}
        self.overlap_tp = {(p, label): 0 for p in self.pairs for label in labels}
        self.agreed = Counter()
        self.isolated = Counter()
        self.patterns = {label: Counter() for label in labels}
        self.unitizing = {label: _Unitizing(len(annotators)) for label in labels}
        self.link_tables = {p: Counter() for p in self.pairs}
        self.agreed_links = Counter()
        self.one_unlinked = Counter()
        self.mention_tp = Counter()
        self.agreed_mentions = 0
        self.mentions = [0] * len(annotators)
        self.rows: list[DocumentRow] = []
        self.disagreements: list[Disagreement] = []

    def add(self, document: ReportDocument) -> None:
        self.documents += 1
        text = document.text
        self.characters += len(text)
        names, labels = self.annotators, self.labels
        marks_by = [self._marks(name, document.spans.get(name, ())) for name in names]
        for index, marks in enumerate(marks_by):
            self.span_counts[index] += len(marks)
            self.label_counts[index].update(map(_LABEL, marks))

        keys_by = [list(map(_KEY, marks)) for marks in marks_by]
        agreed = _agreed_keys(keys_by)
        if agreed:
            rest_by = [[mark for mark, key in zip(marks, keys) if key not in agreed]
                       for marks, keys in zip(marks_by, keys_by)]
        else:
            rest_by = marks_by
        agreed_by_label: dict[str, list[tuple[int, int]]] = {label: [] for label in labels}
        for start, end, label, _ in agreed:
            agreed_by_label[label].append((start, end))
        rest_by_label = {label: [[] for _ in names] for label in labels}
        for index, marks in enumerate(rest_by):
            for mark in marks:
                rest_by_label[mark[2]][index].append((mark[0], mark[1]))

        every_mark = [mark for marks in marks_by for mark in marks]
        n_tokens, positions = token_positions(text, [*map(_START, every_mark), *map(_END, every_mark)])
        self.tokens += n_tokens
        doc_exact = [0] * len(self.pairs)
        doc_overlap = [0] * len(self.pairs)
        for label in labels:
            everyone, rest = agreed_by_label[label], rest_by_label[label]
            isolated, shared = _isolated(everyone, rest)
            coders = [spans + shared for spans in rest] if shared else rest
            self.agreed[label] += len(everyone)
            self.isolated[label] += len(isolated)
            for k, p in enumerate(self.pairs):
                a, b = p
                exact = _exact_tp(rest[a], rest[b])
                overlap = _overlap_tp(coders[a], coders[b])
                if exact:
                    self.exact_tp[p, label] += exact
                if overlap:
                    self.overlap_tp[p, label] += overlap
                doc_exact[k] += len(everyone) + exact
                doc_overlap[k] += len(isolated) + overlap
            self._tokens(label, isolated, coders, n_tokens, positions)
            self.unitizing[label].add(len(text), isolated, coders)
        self._links(marks_by, rest_by, agreed)

        marks = [(index, mark if mark.__class__ is Mark else Mark._make(mark))
                 for index, rest in enumerate(rest_by) for mark in rest]
        kinds = Counter()
        for group in align_remaining(names, marks):
            if not group.agreed:
                kinds[group.kind] += 1
                self.disagreements.append(Disagreement(document.uid, document.title, group,
                                                       text[group.start:group.end]))
        counts = [len(marks) for marks in marks_by]
        self.rows.append(DocumentRow(
            document.uid, document.title, dict(zip(names, counts)),
            _spread_values([_f1_value(tp, counts[b] - tp, counts[a] - tp)
                            for (a, b), tp in zip(self.pairs, doc_exact)]),
            _spread_values([_f1_value(tp, counts[b] - tp, counts[a] - tp)
                            for (a, b), tp in zip(self.pairs, doc_overlap)]),
            dict(kinds)))

    def _marks(self, name: str, spans: Sequence[Mark | tuple]) -> list[tuple]:
        """`name`'s spans of the compared labels as 5-tuples in Mark field order."""
        label_set = self.label_set
        marks = [m if m.__class__ is tuple and len(m) == 5 or m.__class__ is Mark else Mark(*m)
                 for m in spans]
        if not label_set.issuperset(map(_LABEL, marks)):
            marks = [m for m in marks if m[2] in label_set]
        if any(map(operator.le, map(_END, marks), map(_START, marks))):
            bad = next(m for m in marks if m[1] <= m[0])
            raise ValueError(f"span {bad[0]}-{bad[1]} of {name!r} does not end after it starts")
        return marks

    def _tokens(self, label: str, isolated: list[tuple[int, int]],
                coders: list[list[tuple[int, int]]], n_tokens: int,
                positions: Mapping[int, tuple[int, bool]]) -> None:
        """Count tokens per IN/OUT pattern (bit i set: annotator i has the token IN).

        A token is IN for a span it overlaps. `positions` gives, per span offset,
        the number of tokens starting before it and whether a token straddles it
        (`workbench.text.token_positions`), so a span covers tokens first..last-1.
        """
        items = []
        for who, spans in ((-1, isolated), *enumerate(coders)):
            for start, end in spans:
                before, straddled = positions[start]
                first = before - 1 if straddled else before
                last = positions[end][0]
                if first < last:
                    items.append((first, last, who))
        counts = self.patterns[label]
        if not items:
            counts[0] += n_tokens
            return
        items.sort()
        everyone = (1 << len(coders)) - 1
        covered = 0
        n_items = len(items)
        k = 0
        while k < n_items:
            first, reach, who = items[k]
            j = k + 1
            while j < n_items and items[j][0] < reach:
                reach = max(reach, items[j][1])
                j += 1
            if j == k + 1:
                counts[everyone if who < 0 else 1 << who] += reach - first
                covered += reach - first
            else:
                covered += _token_run(items[k:j], len(coders), counts)
            k = j
        counts[0] += n_tokens - covered

    def _links(self, marks_by: list[list[tuple]], rest_by: list[list[tuple]],
               agreed: set[tuple]) -> None:
        linked = [key[3] for key in agreed if key[3] is not None]
        self.agreed_mentions += len(linked)
        mentions = []
        for index, marks in enumerate(rest_by):
            own = [(m[0], m[1], m[3]) for m in marks if m[3] is not None]
            self.mentions[index] += len(linked) + len(own)
            mentions.append(own)
        for p in self.pairs:
            tp = _exact_tp(mentions[p[0]], mentions[p[1]])
            if tp:
                self.mention_tp[p] += tp

        # Links pair up by (start, end, label) in list order, so an agreed span whose
        # offsets and label another span shares is compared with everything else.
        compared = rest_by
        if agreed:
            offsets = {key[:3] for key in agreed}
            if len(offsets) < len(agreed) or any(m[:3] in offsets for marks in rest_by for m in marks):
                compared = marks_by
            else:
                self.agreed_links.update(linked)
        keyed = []
        for marks in compared:
            links: dict[tuple, list[str | None]] = {}
            for mark in marks:
                links.setdefault(mark[:3], []).append(mark[3])
            keyed.append(links)
        for p in self.pairs:
            left, right = keyed[p[0]], keyed[p[1]]
            if not left or not right:
                continue
            table = self.link_tables[p]
            for key, links_a in left.items():
                links_b = right.get(key)
                if links_b is None:
                    continue
                for link_a, link_b in zip(links_a, links_b):
                    if link_a is not None and link_b is not None:
                        table[link_a, link_b] += 1
                    elif (link_a is None) != (link_b is None):
                        self.one_unlinked[p] += 1

    def __getstate__(self) -> dict:
        # Pickled, a disagreement is a dozen small objects; flat, it is a dozen values,
        # which pickle several times faster (a helper process hands its builder back so).
        state = self.__dict__.copy()
        state["disagreements"] = _flatten(self.disagreements, self.annotators)
        return state

    def __setstate__(self, state: dict) -> None:
        state["disagreements"] = _unflatten(state["disagreements"], state["annotators"])
        self.__dict__.update(state)

    def merge(self, later: "ReportBuilder") -> None:
        """Add the counts of a builder filled with the documents that come after this one's."""
        if (later.annotators, later.labels) != (self.annotators, self.labels):
            raise ValueError("only builders of the same annotators and labels merge")
        self.documents += later.documents
        self.characters += later.characters
        self.tokens += later.tokens
        for index in range(len(self.annotators)):
            self.span_counts[index] += later.span_counts[index]
            self.label_counts[index].update(later.label_counts[index])
            self.mentions[index] += later.mentions[index]
        for key, tp in later.exact_tp.items():
            self.exact_tp[key] += tp
        for key, tp in later.overlap_tp.items():
            self.overlap_tp[key] += tp
        for label in self.labels:
            self.patterns[label].update(later.patterns[label])
            self.unitizing[label].merge(later.unitizing[label])
        for p in self.pairs:
            self.link_tables[p].update(later.link_tables[p])
        for mine, theirs in ((self.agreed, later.agreed), (self.isolated, later.isolated),
                             (self.agreed_links, later.agreed_links),
                             (self.one_unlinked, later.one_unlinked), (self.mention_tp, later.mention_tp)):
            mine.update(theirs)
        self.agreed_mentions += later.agreed_mentions
        self.rows += later.rows
        self.disagreements += later.disagreements

    def finish(self, basis: str) -> Report:
        names = self.annotators
        span_f1 = []
        for p in self.pairs:
            pair = (names[p[0]], names[p[1]])
            marked_a, marked_b = self.label_counts[p[0]], self.label_counts[p[1]]
            total_exact, total_overlap = Counts(), Counts()
            for label in self.labels:
                exact_tp = self.exact_tp[p, label] + self.agreed[label]
                overlap_tp = self.overlap_tp[p, label] + self.isolated[label]
                exact = Counts(exact_tp, marked_b[label] - exact_tp, marked_a[label] - exact_tp)
                overlap = Counts(overlap_tp, marked_b[label] - overlap_tp, marked_a[label] - overlap_tp)
                span_f1.append(PairF1(pair, label, exact, overlap))
                total_exact += exact
                total_overlap += overlap
            span_f1.append(PairF1(pair, None, total_exact, total_overlap))

        token_rows = [self._token_row(label) for label in self.labels]
        link_rows = [self._link_row(p) for p in self.pairs]
        return Report(
            names, self.labels, basis, self.documents, self.characters, self.tokens,
            dict(zip(names, self.span_counts)), span_f1, token_rows, link_rows,
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
        table = Counter(self.link_tables[p])
        for link, count in self.agreed_links.items():
            table[link, link] += count
        compared = sum(table.values())
        same = sum(count for (a, b), count in table.items() if a == b)
        share = Measure(same / compared) if compared else Measure(None, Note.NO_DATA)
        tp = self.mention_tp[p] + self.agreed_mentions
        mention_f1 = Counts(tp, self.mentions[p[1]] - tp, self.mentions[p[0]] - tp)
        pair = (self.annotators[p[0]], self.annotators[p[1]])
        return LinkRow(pair, compared, same, self.one_unlinked[p], share,
                       _cohen_from_table(table), mention_f1)

    def _notes(self) -> list[str]:
        notes = []
        if len(self.annotators) < 2:
            notes.append("fewer than two annotators: there is nothing to compare, "
                         "so pairwise and chance-corrected measures are undefined")
        if not self.documents:
            notes.append("no documents meet the criteria")
        elif not any(self.span_counts):
            notes.append("no annotator marked any span of the compared labels in these documents")
        return notes


_KINDS = tuple(Kind)


def _flatten(disagreements: list[Disagreement], annotators: tuple[str, ...]) -> tuple[list, list]:
    """(documents as uid, title, ...; per disagreement: its document's place in that list, how
    many versions, each as annotator index, start, end, label, link, id, then its kinds as bits
    and its excerpt)."""
    index = {name: k for k, name in enumerate(annotators)}
    documents: list[str] = []
    values: list = []
    previous = None
    for item in disagreements:
        if item.document != previous:
            previous = item.document
            documents += (item.document, item.title)
        versions = item.group.versions
        values += (len(documents) // 2 - 1, len(versions))
        for name, mark in versions.items():
            values.append(index[name])
            values += mark
        values += (sum(1 << _KINDS.index(kind) for kind in item.group.differences), item.excerpt)
    return documents, values


def _unflatten(flat: tuple[list, list], annotators: tuple[str, ...]) -> list[Disagreement]:
    documents, values = flat
    differences: dict[int, frozenset[Kind]] = {}
    disagreements = []
    k, end = 0, len(values)
    while k < end:
        place, count = values[k], values[k + 1]
        k += 2
        versions = {}
        for _ in range(count):
            versions[annotators[values[k]]] = Mark._make(values[k + 1:k + 6])
            k += 6
        bits, excerpt = values[k], values[k + 1]
        k += 2
        kinds = differences.get(bits)
        if kinds is None:
            kinds = differences[bits] = frozenset(kind for n, kind in enumerate(_KINDS) if bits >> n & 1)
        missing = tuple(name for name in annotators if name not in versions)
        disagreements.append(Disagreement(documents[2 * place], documents[2 * place + 1],
                                          Group(versions, missing, kinds), excerpt))
    return disagreements


def _agreed_keys(keys_by: list[list[tuple]]) -> set[tuple]:
    """(start, end, label, link) of the spans every annotator marked exactly once, as `align` has it."""
    if not keys_by or not all(keys_by):
        return set()
    sets = [set(keys) for keys in keys_by]
    agreed = set.intersection(*sets)
    if agreed and any(len(keys) != len(unique) for keys, unique in zip(keys_by, sets)):
        counts = [Counter(keys) for keys in keys_by]
        agreed = {key for key in agreed if all(count[key] == 1 for count in counts)}
    return agreed


def _isolated(agreed: list[tuple[int, int]], rest: list[list[tuple[int, int]]]
              ) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Split one label's agreed spans into those no other span overlaps, in order, and the others."""
    if not agreed:
        return [], []
    items = sorted([(start, end, 0) for start, end in agreed]
                   + [(start, end, 1) for spans in rest for start, end in spans])
    isolated, shared = [], []
    reach = None
    last = len(items) - 1
    for k, (start, end, kind) in enumerate(items):
        if not kind:
            alone = (reach is None or start >= reach) and (k == last or items[k + 1][0] >= end)
            (isolated if alone else shared).append((start, end))
        reach = end if reach is None or end > reach else reach
    return isolated, shared


def _f1_value(tp: int, fp: int, fn: int) -> float | None:
    """`Counts.f1`'s value without building the Counts."""
    if not tp + fn and not tp + fp:
        return None
    return 2 * tp / (2 * tp + fp + fn)


def _exact_tp(a: list[tuple], b: list[tuple]) -> int:
    """How many of `a` are in `b`, each matched at most once."""
    if not a or not b:
        return 0
    set_a, set_b = set(a), set(b)
    if len(set_a) == len(a) and len(set_b) == len(b):
        return len(set_a & set_b)
    return sum((Counter(a) & Counter(b)).values())


def _overlap_tp(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> int:
    """tp of a maximum matching of overlapping spans, as `pairwise_f1(mode="overlap")`.

    Only spans connected by a chain of overlaps can be matched with one
    another, so each connected run is matched on its own, and a run of one
    span from each side needs no matching at all.
    """
    if not a or not b:
        return 0
    if len(a) == len(b) == 1:
        return int(max(a[0][0], b[0][0]) < min(a[0][1], b[0][1]))
    spans = sorted([(s, e, 0) for s, e in a] + [(s, e, 1) for s, e in b])
    tp = 0
    first = 0
    reach = spans[0][1]
    for k in range(1, len(spans)):
        start, end, _ = spans[k]
        if start >= reach:
            if k - first == 2:
                # Two spans in a run overlap; they match when they come from both sides.
                tp += spans[first][2] != spans[first + 1][2]
            elif k - first > 2:
                tp += _run_matches(spans[first:k])
            first, reach = k, end
        elif end > reach:
            reach = end
    if len(spans) - first == 2:
        tp += spans[first][2] != spans[first + 1][2]
    elif len(spans) - first > 2:
        tp += _run_matches(spans[first:])
    return tp


def _run_matches(run: list[tuple[int, int, int]]) -> int:
    """tp of one run of three or more (start, end, side) spans chained by overlaps."""
    left = [(s, e, "") for s, e, side in run if side == 0]
    right = [(s, e, "") for s, e, side in run if side == 1]
    if not left or not right:
        return 0
    if len(left) == len(right) == 1:
        return int(max(left[0][0], right[0][0]) < min(left[0][1], right[0][1]))
    return pairwise_f1(left, right, "overlap").tp


def _token_run(items: list[tuple[int, int, int]], coders: int, counts: Counter) -> int:
    """Count the tokens of overlapping (first, last, annotator or -1 for all) ranges by pattern."""
    events = []
    for first, last, who in items:
        for index in (range(coders) if who < 0 else (who,)):
            events.append((first, 1, index))
            events.append((last, -1, index))
    events.sort()
    depth = [0] * coders
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
    return covered


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

    def add(self, length: int, isolated: list[tuple[int, int]],
            coders: list[list[tuple[int, int]]]) -> None:
        """One document: spans everyone marked that touch nothing else, and each coder's others.

        The isolated units sit in every coder's tiling but cost no pair anything.
        """
        self.length += length
        merged = [merge_segments(spans) if len(spans) > 1 else spans for spans in coders]
        lengths, gaps = [], []
        for units in merged:
            if isolated:
                units = sorted(units + isolated) if units else isolated
            starts, ends = list(map(_START, units)), list(map(_END, units))
            lengths += map(operator.sub, ends, starts)
            gaps += map(operator.sub, starts + [length], [0, *ends])
        self.units.update(lengths)
        self.gaps.update(filter((0).__lt__, gaps))
        for i, j in combinations(range(len(merged)), 2):
            if merged[i] or merged[j]:
                self.pair_sum += _unitizing_pair(merged[i], merged[j])

    def merge(self, later: "_Unitizing") -> None:
        self.length += later.length
        self.pair_sum += later.pair_sum
        self.units.update(later.units)
        self.gaps.update(later.gaps)

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




def _unitizing_pair(xs: list[tuple[int, int]], ys: list[tuple[int, int]]) -> int:
    """Sum of d2 over one pair of coders' sections; a unit inside the other's gap costs l^2."""
    total = 0
    n_x, n_y = len(xs), len(ys)
    i = j = 0
    # Whether the current unit of each side has overlapped one of the other's.
    x_hit = y_hit = False
    if n_x and n_y:
        x_start, x_end = xs[0]
        y_start, y_end = ys[0]
        while True:
            if x_start < y_end and y_start < x_end:
                total += (x_start - y_start) ** 2 + (x_end - y_end) ** 2
                x_hit = y_hit = True
            step_x, step_y = x_end <= y_end, y_end <= x_end
            if step_x:
                if not x_hit:
                    total += (x_end - x_start) ** 2
                i += 1
                x_hit = False
            if step_y:
                if not y_hit:
                    total += (y_end - y_start) ** 2
                j += 1
                y_hit = False
            if i == n_x or j == n_y:
                break
            if step_x:
                x_start, x_end = xs[i]
            if step_y:
                y_start, y_end = ys[j]
    total += sum((e - s) ** 2 for s, e in xs[i + x_hit:])
    total += sum((e - s) ** 2 for s, e in ys[j + y_hit:])
    return total
