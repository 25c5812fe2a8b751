"""Inter-annotator agreement coefficients as pure functions, in their textbook form.

These take the full data (every coder's answer for every item) and compute each
coefficient as its definition reads. The report (`counting`) computes the same
coefficients from running counts instead, to stay linear in the corpus; these
functions are the oracle its count-form coefficients are tested against, beside
the reference packages (`tests/test_agreement_measures.py`,
`tests/test_agreement_report.py`).

Every coefficient returns a :class:`Measure`: a value, or ``None`` when the
coefficient is undefined, plus an optional :class:`Note` saying why the value
is missing or special.  Nothing here returns NaN or raises on degenerate data
(too few coders, no data, a single category); malformed input (sequences of
different lengths, an unknown level, a span that ends before it starts) still
raises ``ValueError``.

Chance-corrected coefficients share one convention: when the expected
disagreement is zero the coefficient is 0/0 and therefore undefined
(``value=None``), except when the observed disagreement is zero too, where
every coder gave the same single answer; that is reported as ``1.0`` with
:attr:`Note.TRIVIAL_AGREEMENT` (or :attr:`Note.NO_SEGMENTS` for unitizing), so a
report can show it without mistaking it for informative agreement.
"""

from __future__ import annotations

import bisect
import operator
from collections import Counter, deque
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Literal

__all__ = [
    "F1Result",
    "Measure",
    "Note",
    "alpha_unitizing",
    "chance_corrected",
    "cohen_kappa",
    "fleiss_kappa",
    "krippendorff_alpha",
    "maximum_matching",
    "pairwise_f1",
]

Level = Literal["nominal", "ordinal", "interval", "ratio"]
Span = tuple[int, int, Hashable]


class Note(str, Enum):
    """Why a measure is missing or special; ``.name`` is the stable machine code."""

    TOO_FEW_CODERS = "undefined: fewer than two coders"
    NO_DATA = "undefined: no item was rated by two or more coders"
    UNEQUAL_RATERS = (
        "undefined: items have different numbers of ratings "
        "(Fleiss' kappa needs the same number; use Krippendorff's alpha)"
    )
    NO_EXPECTED_DISAGREEMENT = "undefined: expected disagreement is zero"
    TRIVIAL_AGREEMENT = "only one category observed: agreement is trivially perfect"
    PERFECT_AGREEMENT = "perfect agreement"
    EMPTY_CONTINUUM = "undefined: the continuum is empty"
    NO_SEGMENTS = "no coder marked any segment: agreement is trivially perfect"
    NO_SPANS = "undefined: neither annotator marked any span"
    ONE_SIDE_EMPTY = "one annotator marked no spans"
    NO_RELATIONS = "undefined: neither annotator made any relation"
    ONE_SIDE_NO_RELATIONS = "one annotator made no relations"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Measure:
    """A coefficient value, ``None`` when undefined, and an optional note."""

    value: float | None
    note: Note | None = None

    def __str__(self) -> str:
        if self.value is None:
            return str(self.note)
        text = f"{self.value:.3f}"
        return f"{text} ({self.note})" if self.note else text


@dataclass(frozen=True)
class F1Result:
    """Span-level agreement with annotator ``a`` taken as the reference.

    ``precision`` is ``None`` when ``b`` marked nothing and ``recall`` is
    ``None`` when ``a`` marked nothing; ``f1`` is ``None`` only when neither did.
    """

    tp: int
    fp: int
    fn: int
    precision: float | None
    recall: float | None
    f1: float | None
    note: Note | None = None

    @property
    def measure(self) -> Measure:
        """The F1 as a :class:`Measure`, for uniform reporting."""
        return Measure(self.f1, self.note)


def chance_corrected(observed: float, expected: float) -> Measure:
    """``1 - observed/expected`` for disagreements, with the module's conventions."""
    if expected == 0:
        if observed == 0:
            return Measure(1.0, Note.TRIVIAL_AGREEMENT)
        return Measure(None, Note.NO_EXPECTED_DISAGREEMENT)
    if observed == 0:
        return Measure(1.0, Note.PERFECT_AGREEMENT)
    return Measure(1.0 - observed / expected)


# --------------------------------------------------------------------------
# Cohen's and Fleiss' kappa
# --------------------------------------------------------------------------


def cohen_kappa(a: Sequence[Hashable | None], b: Sequence[Hashable | None]) -> Measure:
    """Cohen's (1960) unweighted kappa for two coders on nominal categories.

    ``a[i]`` and ``b[i]`` are the categories the two coders gave item ``i``;
    ``None`` marks a missing rating and drops that item for both coders.

    kappa = (p_o - p_e) / (1 - p_e), with p_o the share of items on which the
    coders agree and p_e = sum_k p_a(k) * p_b(k) from each coder's own
    marginals (as ``sklearn.metrics.cohen_kappa_score``).

    Degenerate cases: no complete pair gives ``None`` with ``Note.NO_DATA``;
    both coders using one and the same category (p_e = 1, hence p_o = 1)
    gives ``1.0`` with ``Note.TRIVIAL_AGREEMENT``.

    Raises ``ValueError`` if the sequences differ in length.
    """
    if len(a) != len(b):
        raise ValueError(f"sequences differ in length: {len(a)} != {len(b)}")
    pairs = [(x, y) for x, y in zip(a, b) if x is not None and y is not None]
    if not pairs:
        return Measure(None, Note.NO_DATA)
    n = len(pairs)
    count_a = Counter(x for x, _ in pairs)
    count_b = Counter(y for _, y in pairs)
    p_o = sum(x == y for x, y in pairs) / n
    p_e = sum(count_a[k] * count_b[k] for k in count_a) / (n * n)
    return chance_corrected(1.0 - p_o, 1.0 - p_e)


def fleiss_kappa(items: Iterable[Sequence[Hashable | None]]) -> Measure:
    """Fleiss' (1971) kappa for many raters on nominal categories.

    ``items`` holds, per item, the categories its raters assigned, e.g.
    ``[["claim", "claim", "source"], ...]``; rater identity does not matter.
    ``None`` entries are ignored.  Fleiss' design needs the same number of
    ratings n >= 2 on every item.

    kappa = (P - P_e) / (1 - P_e) with
    P_i = (sum_j n_ij^2 - n) / (n (n - 1)), P = mean_i P_i,
    p_j = sum_i n_ij / (N n), P_e = sum_j p_j^2.

    Degenerate cases (``value=None`` unless stated): no items
    (``Note.NO_DATA``); fewer than two ratings per item
    (``Note.TOO_FEW_CODERS``); unequal numbers of ratings
    (``Note.UNEQUAL_RATERS``); a single category used throughout (``1.0``,
    ``Note.TRIVIAL_AGREEMENT``).
    """
    counts = [Counter(r for r in ratings if r is not None) for ratings in items]
    if not counts:
        return Measure(None, Note.NO_DATA)
    sizes = {sum(c.values()) for c in counts}
    if len(sizes) > 1:
        return Measure(None, Note.UNEQUAL_RATERS)
    (n,) = sizes
    if n < 2:
        return Measure(None, Note.TOO_FEW_CODERS)
    n_items = len(counts)
    p_bar = sum(
        (sum(v * v for v in c.values()) - n) / (n * (n - 1)) for c in counts
    ) / n_items
    totals: Counter[Hashable] = Counter()
    for c in counts:
        totals.update(c)
    p_e = sum((t / (n_items * n)) ** 2 for t in totals.values())
    return chance_corrected(1.0 - p_bar, 1.0 - p_e)


# --------------------------------------------------------------------------
# Krippendorff's alpha for coded units
# --------------------------------------------------------------------------


def krippendorff_alpha(
    data: Sequence[Sequence[Hashable | None]], level: Level = "nominal"
) -> Measure:
    """Krippendorff's alpha for reliability data (coders x units).

    ``data[c][u]`` is coder ``c``'s value for unit ``u``, ``None`` if missing.
    Follows Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability":
    units with fewer than two values are not pairable and are dropped; every
    other unit u with m_u values contributes its ordered value pairs with
    weight 1 / (m_u - 1) to the coincidence matrix o_ck, whose marginals n_c
    sum to n, and

        alpha = 1 - (n - 1) * sum_ck o_ck d2(c, k) / sum_ck n_c n_k d2(c, k).

    ``level`` picks d2:

    - ``"nominal"``: 0 if c == k else 1 (any hashable values);
    - ``"ordinal"``: (sum_{g=c..k} n_g - (n_c + n_k) / 2) ** 2, ranking the
      pairable values by their natural sort order (encode labels such as
      "low" < "high" as numbers first);
    - ``"interval"``: (c - k) ** 2;
    - ``"ratio"``: ((c - k) / (c + k)) ** 2, values must be >= 0.

    Degenerate cases: fewer than two coders (``None``,
    ``Note.TOO_FEW_CODERS``); no pairable unit (``None``, ``Note.NO_DATA``);
    a single pairable value throughout (``1.0``, ``Note.TRIVIAL_AGREEMENT``).

    Raises ``ValueError`` for rows of different lengths, an unknown level, or
    negative values at the ratio level.
    """
    if level not in ("nominal", "ordinal", "interval", "ratio"):
        raise ValueError(f"unknown level of measurement: {level!r}")
    rows = [list(row) for row in data]
    if len({len(row) for row in rows}) > 1:
        raise ValueError("every coder's row must cover the same units")
    if len(rows) < 2:
        return Measure(None, Note.TOO_FEW_CODERS)

    units = []
    for column in zip(*rows):
        values = Counter(v for v in column if v is not None)
        if sum(values.values()) >= 2:
            units.append(values)
    if not units:
        return Measure(None, Note.NO_DATA)

    # With pairable units only, each value's coincidence marginal n_c is
    # simply how often it occurs.
    marginals: Counter[Hashable] = Counter()
    for values in units:
        marginals.update(values)
    if level == "ratio" and any(v < 0 for v in marginals):
        raise ValueError("ratio-level values must be non-negative")
    d2 = _distance(level, marginals)
    n = sum(marginals.values())

    observed = 0.0
    for values in units:
        m_u = sum(values.values())
        pairs = sum(nc * nk * d2(c, k) for c, nc in values.items() for k, nk in values.items())
        observed += pairs / (m_u - 1)
    expected = sum(
        nc * nk * d2(c, k) for c, nc in marginals.items() for k, nk in marginals.items()
    )
    # D_o = observed / n and D_e = expected / (n (n - 1)); alpha is their ratio.
    return chance_corrected(observed / n, expected / (n * (n - 1)))


def _distance(level: Level, marginals: Counter[Hashable]):
    if level == "nominal":
        return lambda c, k: 0.0 if c == k else 1.0
    if level == "interval":
        return lambda c, k: float(c - k) ** 2
    if level == "ratio":
        return lambda c, k: 0.0 if c == k else ((c - k) / (c + k)) ** 2

    ranked = sorted(marginals)
    rank = {v: i for i, v in enumerate(ranked)}
    # cumulative[i] = n of all values ranked below i, so a rank range sums in O(1).
    cumulative = [0]
    for v in ranked:
        cumulative.append(cumulative[-1] + marginals[v])

    def ordinal(c: Hashable, k: Hashable) -> float:
        lo, hi = sorted((rank[c], rank[k]))
        between = cumulative[hi + 1] - cumulative[lo]
        return (between - (marginals[c] + marginals[k]) / 2) ** 2

    return ordinal


# --------------------------------------------------------------------------
# Krippendorff's unitizing alpha
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Section:
    start: int
    end: int
    is_unit: bool

    @property
    def length(self) -> int:
        return self.end - self.start


def alpha_unitizing(
    length: int, segments: Sequence[Iterable[tuple[int, int]]]
) -> Measure:
    """Krippendorff's unitizing alpha (_u alpha) for one category.

    ``length`` is the size L of the continuum ``[0, L)`` (characters);
    ``segments[i]`` lists coder i's half-open ``(start, end)`` units of the
    category.  Zero-length segments are ignored and overlapping segments of
    one coder are merged, since the measure requires a coder's units of one
    category not to overlap; abutting segments stay separate units.

    Formula: Krippendorff (1995), "On the reliability of unitizing continuous
    data", Sociological Methodology 25: 47-76; Krippendorff (2004), "Measuring
    the reliability of qualitative text analysis data", Quality & Quantity 38:
    787-800, and Content Analysis, 2nd ed., sect. 12.4.  Each of the m coders'
    units together with the gaps between them tile the continuum into
    sections g with begin b_g and length l_g.  For sections g of coder i and h
    of coder j:

    - both units and overlapping:
      d2 = (b_g - b_h)^2 + (b_g + l_g - b_h - l_h)^2;
    - unit g lying wholly inside gap h: d2 = l_g^2 (and symmetrically);
    - otherwise d2 = 0.

    D_o = sum_{i != j} sum_{g, h} d2 / (m (m - 1) L^2)

    D_e = (2 / L) * sum_{units g} [ (N - 1) (2 l_g^3 - 3 l_g^2 + l_g) / 3
                                    + l_g^2 * sum_{gaps G, l_G >= l_g} (l_G - l_g + 1) ]
          / ( mL (mL - 1) - sum_{units g} l_g (l_g - 1) )

    where N is the number of units over all coders and the gaps are those of
    all coders.  alpha = 1 - D_o / D_e.

    Degenerate cases: fewer than two coders (``None``,
    ``Note.TOO_FEW_CODERS``); ``length == 0`` (``None``,
    ``Note.EMPTY_CONTINUUM``); nobody marked anything (``1.0``,
    ``Note.NO_SEGMENTS``).

    Raises ``ValueError`` for a segment outside ``[0, length]`` or ending
    before it starts.
    """
    length = operator.index(length)
    if length < 0:
        raise ValueError("continuum length must be non-negative")
    units = [_merge_units(coder, length) for coder in segments]
    m = len(units)
    if m < 2:
        return Measure(None, Note.TOO_FEW_CODERS)
    if length == 0:
        return Measure(None, Note.EMPTY_CONTINUUM)
    if not any(units):
        return Measure(1.0, Note.NO_SEGMENTS)

    tilings = [_tile(coder, length) for coder in units]
    pair_sum = sum(
        _pair_disagreement(tilings[i], tilings[j]) for i in range(m) for j in range(i + 1, m)
    )
    observed = 2 * pair_sum / (m * (m - 1) * length**2)

    unit_lengths = [s.length for tiling in tilings for s in tiling if s.is_unit]
    gaps = sorted(s.length for tiling in tilings for s in tiling if not s.is_unit)
    # suffix[k] = sum of gaps[k:], so sum over gaps >= l of (gap - l + 1) is O(log n).
    suffix = [0] * (len(gaps) + 1)
    for k in range(len(gaps) - 1, -1, -1):
        suffix[k] = suffix[k + 1] + gaps[k]
    n_units = len(unit_lengths)
    numerator = 0
    for l in unit_lengths:
        first = bisect.bisect_left(gaps, l)
        fitting = suffix[first] - (len(gaps) - first) * (l - 1)
        # Integer arithmetic keeps this exact; l(l-1)(2l-1) is divisible by 3.
        numerator += (n_units - 1) * (2 * l**3 - 3 * l**2 + l) // 3 + l * l * fitting
    denominator = m * length * (m * length - 1) - sum(l * (l - 1) for l in unit_lengths)
    expected = 2 * numerator / (length * denominator)
    return chance_corrected(observed, expected)


def _merge_units(coder: Iterable[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    spans = []
    for start, end in coder:
        start, end = operator.index(start), operator.index(end)
        if not 0 <= start <= end <= length:
            raise ValueError(f"segment ({start}, {end}) is not within [0, {length}]")
        if start < end:
            spans.append((start, end))
    return merge_segments(spans)


def merge_segments(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted segments with overlapping ones joined; touching ones stay apart."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _tile(units: list[tuple[int, int]], length: int) -> list[_Section]:
    sections = []
    position = 0
    for start, end in units:
        if start > position:
            sections.append(_Section(position, start, False))
        sections.append(_Section(start, end, True))
        position = end
    if position < length:
        sections.append(_Section(position, length, False))
    return sections


def _pair_disagreement(xs: list[_Section], ys: list[_Section]) -> int:
    # Both tilings cover the same continuum, so advancing whichever section
    # ends first visits every overlapping pair exactly once; pairs that do not
    # overlap have d2 = 0.
    total = 0
    i = j = 0
    while i < len(xs) and j < len(ys):
        total += _section_d2(xs[i], ys[j])
        x_end, y_end = xs[i].end, ys[j].end
        if x_end <= y_end:
            i += 1
        if y_end <= x_end:
            j += 1
    return total


def _section_d2(g: _Section, h: _Section) -> int:
    if g.is_unit and h.is_unit:
        return (g.start - h.start) ** 2 + (g.end - h.end) ** 2
    if g.is_unit and h.start <= g.start and g.end <= h.end:
        return g.length**2
    if h.is_unit and g.start <= h.start and h.end <= g.end:
        return h.length**2
    return 0


# --------------------------------------------------------------------------
# Span-level F1
# --------------------------------------------------------------------------


def pairwise_f1(
    spans_a: Iterable[Span],
    spans_b: Iterable[Span],
    mode: Literal["exact", "overlap"] = "exact",
) -> F1Result:
    """Pairwise span F1 between two annotators (Hripcsak & Rothschild 2005).

    Spans are half-open ``(start, end, label)`` tuples.  Annotator ``a`` is
    treated as the reference: false positives are ``b``'s unmatched spans,
    false negatives ``a``'s.  F1 = 2 tp / (2 tp + fp + fn) is symmetric in
    ``a`` and ``b``; precision and recall swap.

    ``mode="exact"`` matches spans with equal start, end and label (a span
    listed twice needs two counterparts).  ``mode="overlap"`` matches spans
    with equal labels sharing at least one offset; each span is matched at
    most once and tp is the size of a maximum bipartite matching, so it never
    depends on the order spans are listed in (a greedy choice can pair a span
    with the only partner of another and undercount).

    With no spans at all, precision, recall and f1 are ``None``
    (``Note.NO_SPANS``); when only one side is empty, f1 is ``0.0`` and the
    side with nothing to divide by is ``None`` (``Note.ONE_SIDE_EMPTY``).
    Identical annotations carry ``Note.PERFECT_AGREEMENT``.
    """
    if mode not in ("exact", "overlap"):
        raise ValueError(f"unknown mode: {mode!r}")
    a = [_check_span(s) for s in spans_a]
    b = [_check_span(s) for s in spans_b]
    tp = _exact_matches(a, b) if mode == "exact" else _overlap_matches(a, b)
    fp, fn = len(b) - tp, len(a) - tp

    precision = tp / len(b) if b else None
    recall = tp / len(a) if a else None
    f1 = 2 * tp / (2 * tp + fp + fn) if a or b else None
    if f1 is None:
        note = Note.NO_SPANS
    elif not a or not b:
        note = Note.ONE_SIDE_EMPTY
    elif fp == fn == 0:
        note = Note.PERFECT_AGREEMENT
    else:
        note = None
    return F1Result(tp, fp, fn, precision, recall, f1, note)


def _check_span(span: Span) -> Span:
    start, end, label = span
    if end < start:
        raise ValueError(f"span {span!r} ends before it starts")
    return start, end, label


def _exact_matches(a: list[Span], b: list[Span]) -> int:
    return sum((Counter(a) & Counter(b)).values())


def _overlap_matches(a: list[Span], b: list[Span]) -> int:
    by_label: dict[Hashable, tuple[list[Span], list[Span]]] = {}
    for span in a:
        by_label.setdefault(span[2], ([], []))[0].append(span)
    for span in b:
        by_label.setdefault(span[2], ([], []))[1].append(span)
    total = 0
    for left, right in by_label.values():
        adjacency = [
            [j for j, (s2, e2, _) in enumerate(right) if max(s1, s2) < min(e1, e2)]
            for s1, e1, _ in left
        ]
        total += maximum_matching(adjacency, len(right))
    return total


def maximum_matching(adjacency: list[list[int]], n_right: int) -> int:
    """Size of a maximum bipartite matching (Kuhn's augmenting paths, BFS)."""
    match_left = [-1] * len(adjacency)
    match_right = [-1] * n_right
    size = 0
    for root in range(len(adjacency)):
        came_from: dict[int, int] = {}
        queue = deque([root])
        free = -1
        while queue and free < 0:
            u = queue.popleft()
            for v in adjacency[u]:
                if v in came_from:
                    continue
                came_from[v] = u
                if match_right[v] < 0:
                    free = v
                    break
                queue.append(match_right[v])
        if free < 0:
            continue
        # Flip the alternating path back to the root.
        v = free
        while v >= 0:
            u = came_from[v]
            previous = match_left[u]
            match_left[u], match_right[v] = v, u
            v = previous
        size += 1
    return size

