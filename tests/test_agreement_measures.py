"""Agreement maths checked against published examples and reference packages."""

from __future__ import annotations

import itertools
import math
import random

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nltk.metrics.agreement import AnnotationTask
from sklearn.metrics import cohen_kappa_score

from workbench.agreement import (
    Measure,
    Note,
    alpha_unitizing,
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
    pairwise_f1,
)

LEVELS = ["nominal", "ordinal", "interval", "ratio"]
# No example database: tests must not write files into the repository.
fuzz = settings(max_examples=150, deadline=None, database=None)

N = None
# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", sect. C:
# 4 observers x 12 units with missing values.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
]

# Fleiss (1971) psychiatric diagnoses, 30 patients x 6 raters, categories
# 1-5; Fleiss printed only the count table, this rater-level version is the
# one shipped as `diagnoses` in R's irr package (kappam.fleiss: 0.4302445).
FLEISS_1971 = [
    [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
    [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
    [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
    [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
    [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
    [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
]

# Wikipedia's "Fleiss' kappa" worked example: 10 subjects, 14 raters, counts
# per category 1-5; kappa = 0.210.
WIKIPEDIA_FLEISS_COUNTS = [
    [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1], [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
]


def reference_alpha(data, level):
    matrix = np.array([[np.nan if v is None else v for v in row] for row in data], dtype=float)
    return krippendorff.alpha(reliability_data=matrix, level_of_measurement=level)


def nltk_task(rows):
    """Coders x items rows as an nltk AnnotationTask."""
    return AnnotationTask(
        data=[(f"c{c}", f"i{i}", v) for c, row in enumerate(rows) for i, v in enumerate(row)]
    )


# --------------------------------------------------------------------------
# Krippendorff's alpha
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "published"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_alpha_reproduces_krippendorff_2011_example(level, published):
    result = krippendorff_alpha(KRIPPENDORFF_2011, level)
    assert result.note is None
    assert round(result.value, 3) == published
    assert result.value == pytest.approx(reference_alpha(KRIPPENDORFF_2011, level), abs=1e-6)


def test_alpha_drops_units_with_a_single_value():
    # Unit 11 (one value) in the 2011 example must not change alpha.
    trimmed = [row[:11] + row[12:] for row in KRIPPENDORFF_2011]
    extra = [row + [7] if c == 0 else row + [N] for c, row in enumerate(KRIPPENDORFF_2011)]
    for level in LEVELS:
        base = krippendorff_alpha(KRIPPENDORFF_2011, level).value
        assert krippendorff_alpha(trimmed, level).value == pytest.approx(base, abs=1e-12)
        assert krippendorff_alpha(extra, level).value == pytest.approx(base, abs=1e-12)


reliability_data = st.integers(2, 5).flatmap(
    lambda coders: st.integers(1, 12).flatmap(
        lambda units: st.lists(
            st.lists(st.one_of(st.none(), st.integers(0, 5)), min_size=units, max_size=units),
            min_size=coders,
            max_size=coders,
        )
    )
)


@fuzz
@given(data=reliability_data, level=st.sampled_from(LEVELS))
def test_alpha_matches_krippendorff_package(data, level):
    result = krippendorff_alpha(data, level)
    if result.value is None or result.note is Note.TRIVIAL_AGREEMENT:
        return  # the package raises or returns NaN here; covered by degenerate tests
    assert result.value == pytest.approx(reference_alpha(data, level), abs=1e-6)


def test_alpha_matches_package_on_larger_random_data():
    rng = random.Random(20240611)
    for _ in range(20):
        data = [
            [None if rng.random() < 0.3 else rng.choice([0.5, 1, 2, 3.5, 7]) for _ in range(40)]
            for _ in range(rng.randint(2, 6))
        ]
        for level in LEVELS:
            ours = krippendorff_alpha(data, level).value
            assert ours == pytest.approx(reference_alpha(data, level), abs=1e-6)


@fuzz
@given(data=reliability_data, level=st.sampled_from(LEVELS))
def test_alpha_is_never_nan_and_always_explained(data, level):
    result = krippendorff_alpha(data, level)
    if result.value is None:
        assert result.note is not None
    else:
        assert math.isfinite(result.value)


def test_alpha_nominal_accepts_labels():
    as_labels = [[None if v is None else f"cat{v}" for v in row] for row in KRIPPENDORFF_2011]
    assert krippendorff_alpha(as_labels).value == pytest.approx(
        krippendorff_alpha(KRIPPENDORFF_2011).value
    )


@pytest.mark.parametrize("level", LEVELS)
def test_alpha_degenerate_cases(level):
    assert krippendorff_alpha([[1, 2, 3]], level) == Measure(None, Note.TOO_FEW_CODERS)
    assert krippendorff_alpha([], level) == Measure(None, Note.TOO_FEW_CODERS)
    assert krippendorff_alpha([[], []], level) == Measure(None, Note.NO_DATA)
    assert krippendorff_alpha([[1, N], [N, 2]], level) == Measure(None, Note.NO_DATA)
    assert krippendorff_alpha([[3, 3, N], [3, 3, 4]], level) == Measure(1.0, Note.TRIVIAL_AGREEMENT)
    assert krippendorff_alpha([[1, 2, 3], [1, 2, 3]], level) == Measure(1.0, Note.PERFECT_AGREEMENT)


def test_alpha_rejects_bad_input():
    with pytest.raises(ValueError):
        krippendorff_alpha([[1, 2], [1]])
    with pytest.raises(ValueError):
        krippendorff_alpha([[1, 2], [1, 2]], "cardinal")
    with pytest.raises(ValueError):
        krippendorff_alpha([[-1, 2], [1, 2]], "ratio")


# --------------------------------------------------------------------------
# Cohen's kappa
# --------------------------------------------------------------------------

rating_pairs = st.lists(
    st.tuples(st.sampled_from(["a", "b", "c", None]), st.sampled_from(["a", "b", "c", None])),
    max_size=40,
)


@fuzz
@given(pairs=rating_pairs)
@pytest.mark.filterwarnings("ignore")
def test_cohen_matches_sklearn(pairs):
    a = [x for x, _ in pairs]
    b = [y for _, y in pairs]
    result = cohen_kappa(a, b)
    complete = [(x, y) for x, y in pairs if x is not None and y is not None]
    if not complete:
        assert result == Measure(None, Note.NO_DATA)
        return
    reference = cohen_kappa_score([x for x, _ in complete], [y for _, y in complete])
    if math.isnan(reference):
        assert result == Measure(1.0, Note.TRIVIAL_AGREEMENT)
    else:
        assert result.value == pytest.approx(reference, abs=1e-6)


def test_cohen_matches_nltk_two_coder_kappa():
    rng = random.Random(7)
    for _ in range(20):
        a = [rng.choice("xyz") for _ in range(30)]
        b = [x if rng.random() < 0.6 else rng.choice("xyz") for x in a]
        assert cohen_kappa(a, b).value == pytest.approx(nltk_task([a, b]).kappa(), abs=1e-6)


def test_cohen_hand_example():
    # 2x2 table [[20, 5], [10, 15]]: p_o = 0.7, p_e = 0.5 * 0.6 + 0.5 * 0.4 = 0.5.
    a = ["y"] * 25 + ["n"] * 25
    b = ["y"] * 20 + ["n"] * 5 + ["y"] * 10 + ["n"] * 15
    assert cohen_kappa(a, b).value == pytest.approx(0.4)


def test_cohen_degenerate_cases():
    assert cohen_kappa([], []) == Measure(None, Note.NO_DATA)
    assert cohen_kappa([None, "a"], ["a", None]) == Measure(None, Note.NO_DATA)
    assert cohen_kappa(["a", "a"], ["a", "a"]) == Measure(1.0, Note.TRIVIAL_AGREEMENT)
    assert cohen_kappa(["a", "b"], ["a", "b"]) == Measure(1.0, Note.PERFECT_AGREEMENT)
    with pytest.raises(ValueError):
        cohen_kappa(["a"], ["a", "b"])


# --------------------------------------------------------------------------
# Fleiss' kappa
# --------------------------------------------------------------------------


def test_fleiss_reproduces_fleiss_1971():
    result = fleiss_kappa(FLEISS_1971)
    assert round(result.value, 3) == 0.430
    assert result.value == pytest.approx(0.4302445, abs=1e-6)


def test_fleiss_reproduces_wikipedia_example():
    items = [
        [category for category, count in enumerate(row) for _ in range(count)]
        for row in WIKIPEDIA_FLEISS_COUNTS
    ]
    assert round(fleiss_kappa(items).value, 3) == 0.210


def test_fleiss_matches_nltk_pi_not_nltk_kappa():
    by_rater = [list(column) for column in zip(*FLEISS_1971)]
    task = nltk_task(by_rater)
    assert fleiss_kappa(FLEISS_1971).value == pytest.approx(task.pi(), abs=1e-6)
    # nltk's kappa() averages pairwise Cohen kappas: a different coefficient.
    assert fleiss_kappa(FLEISS_1971).value != pytest.approx(task.kappa(), abs=1e-3)


def test_fleiss_matches_nltk_pi_on_random_data():
    rng = random.Random(11)
    for _ in range(20):
        raters = rng.randint(2, 6)
        items = [[rng.choice("pqrs") for _ in range(raters)] for _ in range(rng.randint(5, 30))]
        if len({label for item in items for label in item}) < 2:
            continue
        task = nltk_task([list(column) for column in zip(*items)])
        assert fleiss_kappa(items).value == pytest.approx(task.pi(), abs=1e-6)


def test_fleiss_ignores_rater_order():
    shuffled = [list(reversed(item)) for item in FLEISS_1971]
    assert fleiss_kappa(shuffled).value == pytest.approx(fleiss_kappa(FLEISS_1971).value)


def test_fleiss_degenerate_cases():
    assert fleiss_kappa([]) == Measure(None, Note.NO_DATA)
    assert fleiss_kappa([["a"], ["b"]]) == Measure(None, Note.TOO_FEW_CODERS)
    assert fleiss_kappa([["a", "b"], ["a", "b", "b"]]) == Measure(None, Note.UNEQUAL_RATERS)
    assert fleiss_kappa([["a", "a", None], ["b", None, "b"]]).value == pytest.approx(1.0)
    assert fleiss_kappa([["a", "a"], ["a", "a"]]) == Measure(1.0, Note.TRIVIAL_AGREEMENT)
    assert fleiss_kappa([["a", "a"], ["b", "b"]]) == Measure(1.0, Note.PERFECT_AGREEMENT)


# --------------------------------------------------------------------------
# Unitizing alpha
# --------------------------------------------------------------------------

# Krippendorff (2004), Content Analysis 2nd ed., p. 254 example as encoded in
# DKPro Statistics' Krippendorff2004Test (continuum 150-450, shifted to 0):
# category c gives D_o = 0.0144, D_e = 0.0532, alpha = 0.7286; category k
# was unitized identically.
TEXTBOOK_C = [[(75, 145), (220, 250)], [(70, 150), (205, 225), (250, 270)]]
TEXTBOOK_K = [[(30, 90), (150, 200)], [(30, 90), (150, 200)]]


def test_unitizing_reproduces_textbook_example():
    assert alpha_unitizing(300, TEXTBOOK_C).value == pytest.approx(0.7286, abs=1e-4)
    # D_o by hand: 5^2+5^2 + 15^2+25^2 + 20^2 (unit 250-270 inside a gap)
    # = 1300, so D_o = 2 * 1300 / (2 * 1 * 300^2); alpha = 1 - D_o / D_e.
    d_e = (2 * 1300 / (2 * 300**2)) / (1 - alpha_unitizing(300, TEXTBOOK_C).value)
    assert d_e == pytest.approx(0.0532, abs=1e-4)
    assert alpha_unitizing(300, TEXTBOOK_K) == Measure(1.0, Note.PERFECT_AGREEMENT)


def test_unitizing_hand_computed_case():
    # L = 10; coder A marks [0, 5), coder B nothing.
    # D_o = 2 * 5^2 / (2 * 1 * 10^2) = 0.25.
    # D_e = (2/10) * 5^2 * ((5-5+1) + (10-5+1)) / (20*19 - 5*4) = 35/360.
    assert alpha_unitizing(10, [[(0, 5)], []]).value == pytest.approx(1 - 0.25 * 360 / 35)


def test_unitizing_single_characters_equal_nominal_alpha():
    # With one-character units alpha_U reduces to nominal alpha over the
    # per-character marked/unmarked coding (Krippendorff's compatibility aim).
    rng = random.Random(3)
    for _ in range(30):
        length, coders = rng.randint(2, 25), rng.randint(2, 4)
        marks = [[rng.random() < 0.3 for _ in range(length)] for _ in range(coders)]
        segments = [[(i, i + 1) for i, marked in enumerate(row) if marked] for row in marks]
        assert alpha_unitizing(length, segments).value == pytest.approx(
            krippendorff_alpha(marks).value, abs=1e-9
        )


segments_strategy = st.lists(
    st.tuples(st.integers(0, 30), st.integers(0, 30)).map(sorted).map(tuple), max_size=4
)


@fuzz
@given(coders=st.lists(segments_strategy, min_size=2, max_size=4), seed=st.randoms())
def test_unitizing_is_symmetric_in_coders(coders, seed):
    shuffled = list(coders)
    seed.shuffle(shuffled)
    first = alpha_unitizing(30, coders)
    second = alpha_unitizing(30, shuffled)
    assert first.note == second.note
    if first.value is None:
        assert second.value is None
    else:
        assert math.isfinite(first.value)
        assert second.value == pytest.approx(first.value, abs=1e-12)


def test_unitizing_decreases_as_boundaries_drift():
    values = [alpha_unitizing(200, [[(50, 90)], [(50 + d, 90 + d)]]).value for d in range(12)]
    assert values[0] == 1.0
    assert all(later < earlier for earlier, later in zip(values, values[1:]))


def test_unitizing_ignores_listing_order_and_merges_overlaps():
    assert alpha_unitizing(50, [[(30, 40), (0, 10)], [(2, 10), (30, 38)]]) == alpha_unitizing(
        50, [[(0, 10), (30, 40)], [(2, 10), (30, 38)]]
    )
    assert alpha_unitizing(50, [[(0, 6), (4, 10), (5, 5)], [(2, 10)]]) == alpha_unitizing(
        50, [[(0, 10)], [(2, 10)]]
    )


def test_unitizing_degenerate_cases():
    assert alpha_unitizing(10, []) == Measure(None, Note.TOO_FEW_CODERS)
    assert alpha_unitizing(10, [[(0, 3)]]) == Measure(None, Note.TOO_FEW_CODERS)
    assert alpha_unitizing(0, [[], []]) == Measure(None, Note.EMPTY_CONTINUUM)
    assert alpha_unitizing(10, [[], [], []]) == Measure(1.0, Note.NO_SEGMENTS)
    assert alpha_unitizing(10, [[(0, 10)], [(0, 10)]]) == Measure(1.0, Note.PERFECT_AGREEMENT)
    assert alpha_unitizing(1, [[(0, 1)], [(0, 1)]]) == Measure(1.0, Note.TRIVIAL_AGREEMENT)
    for bad in ([(5, 11)], [(-1, 3)], [(4, 2)]):
        with pytest.raises(ValueError):
            alpha_unitizing(10, [bad, []])


# --------------------------------------------------------------------------
# Pairwise span F1
# --------------------------------------------------------------------------


def test_f1_exact_versus_overlap():
    a = [(0, 5, "claim"), (10, 20, "source"), (30, 40, "figure")]
    b = [(0, 6, "claim"), (10, 20, "source"), (35, 45, "claim")]
    exact = pairwise_f1(a, b, "exact")
    assert (exact.tp, exact.fp, exact.fn) == (1, 2, 2)
    overlap = pairwise_f1(a, b, "overlap")
    # (30, 40, figure) and (35, 45, claim) overlap but carry different labels.
    assert (overlap.tp, overlap.fp, overlap.fn) == (2, 1, 1)
    assert overlap.precision == pytest.approx(2 / 3)
    assert overlap.recall == pytest.approx(2 / 3)
    assert overlap.f1 == pytest.approx(2 / 3)


def test_f1_half_open_spans_that_touch_do_not_overlap():
    assert pairwise_f1([(0, 5, "c")], [(5, 9, "c")], "overlap").tp == 0


def test_f1_each_span_matched_at_most_once():
    result = pairwise_f1([(0, 10, "claim")], [(0, 4, "claim"), (5, 10, "claim")], "overlap")
    assert (result.tp, result.fp, result.fn) == (1, 1, 0)
    duplicated = pairwise_f1([(0, 5, "c"), (0, 5, "c")], [(0, 5, "c")], "exact")
    assert (duplicated.tp, duplicated.fp, duplicated.fn) == (1, 0, 1)


def test_f1_overlap_uses_maximum_matching():
    # a1 overlaps b1 (by 8) and b2 (by 1); a2 overlaps only b1. Greedy in
    # listing order or by largest overlap pairs a1-b1 and strands a2.
    a = [(0, 10, "c"), (11, 15, "c")]
    b = [(2, 12, "c"), (0, 1, "c")]
    assert pairwise_f1(a, b, "overlap").tp == 2
    assert pairwise_f1(b, a, "overlap").tp == 2


def brute_force_matching(a, b):
    def overlaps(x, y):
        return x[2] == y[2] and max(x[0], y[0]) < min(x[1], y[1])

    for k in range(min(len(a), len(b)), 0, -1):
        for chosen in itertools.combinations(range(len(a)), k):
            for partners in itertools.permutations(range(len(b)), k):
                if all(overlaps(a[i], b[j]) for i, j in zip(chosen, partners)):
                    return k
    return 0


spans_strategy = st.lists(
    st.tuples(st.integers(0, 20), st.integers(1, 8), st.sampled_from(["claim", "source"])).map(
        lambda t: (t[0], t[0] + t[1], t[2])
    ),
    max_size=5,
)


@fuzz
@given(a=spans_strategy, b=spans_strategy)
def test_f1_overlap_tp_is_maximum(a, b):
    assert pairwise_f1(a, b, "overlap").tp == brute_force_matching(a, b)


@fuzz
@given(a=spans_strategy, b=spans_strategy, mode=st.sampled_from(["exact", "overlap"]))
def test_f1_is_symmetric(a, b, mode):
    ab, ba = pairwise_f1(a, b, mode), pairwise_f1(b, a, mode)
    assert ab.f1 == ba.f1
    assert (ab.tp, ab.fp, ab.fn) == (ba.tp, ba.fn, ba.fp)
    assert (ab.precision, ab.recall) == (ba.recall, ba.precision)


def test_f1_degenerate_cases():
    empty = pairwise_f1([], [])
    assert (empty.tp, empty.fp, empty.fn) == (0, 0, 0)
    assert (empty.precision, empty.recall, empty.f1) == (None, None, None)
    assert empty.measure == Measure(None, Note.NO_SPANS)

    one_sided = pairwise_f1([(0, 3, "claim")], [], "overlap")
    assert (one_sided.precision, one_sided.recall, one_sided.f1) == (None, 0.0, 0.0)
    assert one_sided.note is Note.ONE_SIDE_EMPTY

    same = [(0, 3, "claim"), (4, 9, "source")]
    assert pairwise_f1(same, list(reversed(same))).measure == Measure(1.0, Note.PERFECT_AGREEMENT)
    with pytest.raises(ValueError):
        pairwise_f1([(5, 3, "claim")], [])
    with pytest.raises(ValueError):
        pairwise_f1([], [], mode="fuzzy")


# --------------------------------------------------------------------------
# Presentation
# --------------------------------------------------------------------------


def test_measure_prints_value_or_note():
    assert str(Measure(0.74321)) == "0.743"
    assert str(Measure(None, Note.TOO_FEW_CODERS)) == "undefined: fewer than two coders"
    assert str(Measure(1.0, Note.TRIVIAL_AGREEMENT)).startswith("1.000 (only one category")
    assert Note.TOO_FEW_CODERS.name == "TOO_FEW_CODERS"
