"""Counting the agreement report: every number it gives, built from plain data in one pass.

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
- Relations: `relation_counting`.
"""

from __future__ import annotations

import operator
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from itertools import combinations
from operator import itemgetter

from workbench.agreement.alignment import Group, Kind, Mark, align_remaining
from workbench.agreement.measures import Measure, Note
from workbench.agreement.results import (Counts, Disagreement, DocumentAgreement, LinkRow, PairF1, Report,
                                         ReportDocument, TokenRow, spread_of_values)
from workbench.agreement.relation_counting import RelationTally
from workbench.agreement.count_measures import (UnitizingCounts, alpha_binary, cohen_from_table, count_token_run, exact_matches, f1_value, fleiss_binary, overlap_matches)
from workbench.collector import without_cyclic_gc
from workbench.text import token_positions

__all__ = ["ReportBuilder", "build_report"]

Pair = tuple[str, str]
_START, _END, _LABEL, _KEY = itemgetter(0), itemgetter(1), itemgetter(2), itemgetter(0, 1, 2, 3)


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
        self.unitizing = {label: UnitizingCounts(len(annotators)) for label in labels}
        self.link_tables = {p: Counter() for p in self.pairs}
        self.agreed_links = Counter()
        self.one_unlinked = Counter()
        self.mention_tp = Counter()
        self.agreed_mentions = 0
        self.mentions = [0] * len(annotators)
        self.rows: list[DocumentAgreement] = []
        self.disagreements: list[Disagreement] = []
        self.relations = RelationTally(annotators, self.label_set, self.pairs)

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
                exact = exact_matches(rest[a], rest[b])
                overlap = overlap_matches(coders[a], coders[b])
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
        if document.relations:
            self.relations.add(document, marks_by)
        counts = [len(marks) for marks in marks_by]
        self.rows.append(DocumentAgreement(
            document.uid, document.title, dict(zip(names, counts)),
            spread_of_values([f1_value(tp, counts[b] - tp, counts[a] - tp)
                            for (a, b), tp in zip(self.pairs, doc_exact)]),
            spread_of_values([f1_value(tp, counts[b] - tp, counts[a] - tp)
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
                covered += count_token_run(items[k:j], len(coders), counts)
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
            tp = exact_matches(mentions[p[0]], mentions[p[1]])
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
        self.relations.merge(later.relations)

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
        relation_labels, relations, relation_f1 = self.relations.finish()
        return Report(
            names, self.labels, basis, self.documents, self.characters, self.tokens,
            dict(zip(names, self.span_counts)), span_f1, token_rows, link_rows,
            self.rows, self.disagreements, self._notes(), relation_labels, relations, relation_f1,
            self.relations.disagreements)

    def _token_row(self, label: str) -> TokenRow:
        patterns = self.patterns[label]
        m = len(self.annotators)
        cohen = {}
        for p in self.pairs:
            table = Counter()
            for mask, count in patterns.items():
                table[bool(mask >> p[0] & 1), bool(mask >> p[1] & 1)] += count
            cohen[self.annotators[p[0]], self.annotators[p[1]]] = cohen_from_table(table)
        ins = Counter()
        for mask, count in patterns.items():
            ins[mask.bit_count()] += count
        tokens_in = {name: sum(c for mask, c in patterns.items() if mask >> i & 1)
                     for i, name in enumerate(self.annotators)}
        return TokenRow(label, sum(patterns.values()), tokens_in, cohen,
                        fleiss_binary(ins, m), alpha_binary(ins, m),
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
                       cohen_from_table(table), mention_f1)

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
