"""Agreement coefficients in count form: computed from the running counts a report keeps.

`counting.ReportBuilder` keeps sufficient statistics (match counts, tables of
how many coders put a token IN, unit boundaries) rather than the data; these
functions turn them into the same coefficients `measures` computes from the
full data, which the tests hold them to.
"""

from __future__ import annotations

import bisect
import operator
from collections import Counter
from itertools import combinations
from operator import itemgetter

from workbench.agreement.measures import Measure, Note, chance_corrected, merge_segments, pairwise_f1

_START, _END = itemgetter(0), itemgetter(1)


def f1_value(tp: int, fp: int, fn: int) -> float | None:
    """`Counts.f1`'s value without building the Counts."""
    if not tp + fn and not tp + fp:
        return None
    return 2 * tp / (2 * tp + fp + fn)


def exact_matches(a: list[tuple], b: list[tuple]) -> int:
    """How many of `a` are in `b`, each matched at most once."""
    if not a or not b:
        return 0
    set_a, set_b = set(a), set(b)
    if len(set_a) == len(a) and len(set_b) == len(b):
        return len(set_a & set_b)
    return sum((Counter(a) & Counter(b)).values())


def overlap_matches(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> int:
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


def count_token_run(items: list[tuple[int, int, int]], coders: int, counts: Counter) -> int:
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


def cohen_from_table(table: Counter) -> Measure:
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
    return chance_corrected(1.0 - p_o, 1.0 - p_e)


def fleiss_binary(ins: Counter, m: int) -> Measure:
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
    return chance_corrected(1.0 - p_bar, 1.0 - p_e)


def alpha_binary(ins: Counter, m: int) -> Measure:
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
    return chance_corrected(observed / n, expected / (n * (n - 1)))


class UnitizingCounts:
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

    def merge(self, later: "UnitizingCounts") -> None:
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
        return chance_corrected(observed, 2 * numerator / (length * denominator))




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
