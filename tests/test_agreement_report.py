"""The agreement report: its numbers, its formats and the `workbench agreement` command."""

from __future__ import annotations

import csv
import io
import json
import math
import random
from itertools import combinations

import krippendorff
import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from nltk.metrics.agreement import AnnotationTask
from sklearn.metrics import cohen_kappa_score

from workbench.agreement import (
    Note,
    alpha_unitizing,
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
    pairwise_f1,
)
from workbench.agreement.alignment import Kind
from workbench.agreement.render import FORMATS, render, to_data
from workbench.agreement.counting import build_report
from workbench.agreement.results import ReportDocument
from workbench.cli import cli
from workbench.model import Entity, NewDocument
from workbench.store import Store
from workbench.text import content_hash, token_spans

fuzz = settings(max_examples=60, deadline=None, database=None)
TEXT = "Kyiv said 12 drones were shot down overnight, officials reported on Monday."
#        0    5    10   15   20   25   30   35   40   45   50   55   60   65   70


def random_documents(rng: random.Random, annotators: list[str], labels: list[str], n: int = 4):
    words = "the army said twelve drones hit Odesa , according to officials on Monday .".split()
    documents = []
    for d in range(n):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(5, 30)))
        tokens = token_spans(text)
        spans = {}
        for name in annotators:
            spans[name] = []
            for _ in range(rng.randint(0, 5)):
                first = rng.randrange(len(tokens))
                last = min(len(tokens) - 1, first + rng.randint(0, 3))
                start = tokens[first][0] + rng.choice([0, 0, 1]) * (tokens[first][1] - tokens[first][0] > 1)
                link = rng.choice([None, "NIL", "Q1", "Q2"])
                spans[name].append((start, tokens[last][1], rng.choice(labels), link))
        documents.append(ReportDocument(f"doc{d}", text, spans, f"Document {d}"))
    return documents


def token_variable(documents, annotator: str, label: str) -> list[int]:
    """The IN/OUT variable the long way round: every token, every span."""
    values = []
    for document in documents:
        for start, end in token_spans(document.text):
            values.append(int(any(s < end and start < e and lab == label
                                  for s, e, lab, *_ in document.spans[annotator])))
    return values


@fuzz
@given(st.integers(0, 10**6), st.integers(2, 4))
def test_token_measures_equal_the_measures_and_reference_packages_on_full_token_data(seed, m):
    rng = random.Random(seed)
    annotators = [f"a{i}" for i in range(m)]
    documents = random_documents(rng, annotators, ["claim", "source"])
    report = build_report(documents, annotators, ["claim", "source"], "test")
    for row in report.token_rows:
        data = [token_variable(documents, name, row.label) for name in annotators]
        assert row.tokens == len(data[0])
        for (a, b), measure in row.cohen.items():
            x, y = data[annotators.index(a)], data[annotators.index(b)]
            assert measure == cohen_kappa(x, y) or math.isclose(
                measure.value, cohen_kappa(x, y).value, abs_tol=1e-9)
            if len(set(x) | set(y)) > 1:
                assert measure.value == pytest.approx(cohen_kappa_score(x, y), abs=1e-6)
        expected_fleiss = fleiss_kappa(list(zip(*data)))
        expected_alpha = krippendorff_alpha(data)
        assert row.fleiss.note == expected_fleiss.note and row.alpha.note == expected_alpha.note
        if expected_fleiss.value is not None:
            assert row.fleiss.value == pytest.approx(expected_fleiss.value, abs=1e-9)
            assert row.alpha.value == pytest.approx(expected_alpha.value, abs=1e-9)
        if any(data[0][i] != data[c][i] for c in range(m) for i in range(len(data[0]))) and \
                len({v for coder in data for v in coder}) > 1:
            task = AnnotationTask([(c, i, v) for c, coder in enumerate(data) for i, v in enumerate(coder)])
            assert row.fleiss.value == pytest.approx(task.pi(), abs=1e-6)
            reference = krippendorff.alpha(reliability_data=np.array(data, dtype=float),
                                           level_of_measurement="nominal")
            assert row.alpha.value == pytest.approx(reference, abs=1e-6)


@fuzz
@given(st.integers(0, 10**6))
def test_pooled_span_f1_equals_pairwise_f1_over_all_documents(seed):
    rng = random.Random(seed)
    annotators, labels = ["a", "b", "c"], ["claim", "source", "figure"]
    documents = random_documents(rng, annotators, labels, n=5)
    report = build_report(documents, annotators, labels, "test")
    for a, b in combinations(annotators, 2):
        for label in (None, *labels):
            def pooled(name):
                return [(s, e, (d.uid, lab)) for d in documents for s, e, lab, *_ in d.spans[name]
                        if label is None or lab == label]
            row = report.f1((a, b), label)
            for mode in ("exact", "overlap"):
                expected = pairwise_f1(pooled(a), pooled(b), mode)
                counts = getattr(row, mode)
                assert (counts.tp, counts.fp, counts.fn) == (expected.tp, expected.fp, expected.fn)
                assert counts.f1 == expected.measure


@fuzz
@given(st.integers(0, 10**6), st.integers(2, 3))
def test_unitizing_alpha_of_one_document_is_alpha_unitizing(seed, m):
    rng = random.Random(seed)
    annotators = [f"a{i}" for i in range(m)]
    (document,) = random_documents(rng, annotators, ["claim"], n=1)
    report = build_report([document], annotators, ["claim"], "test")
    expected = alpha_unitizing(len(document.text),
                               [[(s, e) for s, e, *_ in document.spans[name]] for name in annotators])
    got = report.token_rows[0].alpha_unitizing
    assert got.note == expected.note
    assert (got.value is None) == (expected.value is None)
    if got.value is not None:
        assert got.value == pytest.approx(expected.value, abs=1e-9)


def test_unitizing_alpha_pools_documents_as_one_continuum_cut_at_document_borders():
    # Every coder marks each document's first and last character, so no gap crosses a
    # border and the pooled value must equal alpha_unitizing on the concatenation.
    texts = ["abcdefghij", "klmnopqrstuvwxyz"]
    spans = [{"a": [(0, 1, "x"), (3, 6, "x"), (9, 10, "x")], "b": [(0, 1, "x"), (4, 7, "x"), (9, 10, "x")]},
             {"a": [(0, 2, "x"), (15, 16, "x")], "b": [(0, 1, "x"), (5, 9, "x"), (15, 16, "x")]}]
    documents = [ReportDocument(f"d{i}", text, s) for i, (text, s) in enumerate(zip(texts, spans))]
    report = build_report(documents, ["a", "b"], ["x"], "test")
    continuum = [[(s + (10 if i else 0), e + (10 if i else 0)) for i, doc in enumerate(spans)
                  for s, e, _ in doc[name]] for name in ("a", "b")]
    expected = alpha_unitizing(26, continuum)
    assert report.token_rows[0].alpha_unitizing.value == pytest.approx(expected.value, abs=1e-12)


def test_hand_computed_example():
    spans = {
        "a": [(0, 4, "source", "Q1"), (10, 18, "figure", None), (46, 55, "source", "Q2")],
        "b": [(0, 4, "source", "Q1"), (10, 17, "figure", None), (46, 55, "source", "NIL")],
    }
    report = build_report([ReportDocument("d", TEXT, spans)], ["a", "b"],
                          ["claim", "source", "figure"], "test")
    overall = report.f1(("a", "b"))
    # exact: the two sources match, the figure does not -> tp 2, fp 1, fn 1, F1 = 4/6
    assert (overall.exact.tp, overall.exact.fp, overall.exact.fn) == (2, 1, 1)
    assert overall.exact.f1.value == pytest.approx(2 / 3)
    # overlap: the figures overlap too -> F1 = 1
    assert overall.overlap.f1.value == 1.0
    # Tokens: 14; "figure" IN: a {12, drones}, b {12, drones} (17 is inside "drones").
    figure = next(row for row in report.token_rows if row.label == "figure")
    assert figure.tokens == 14 and figure.tokens_in == {"a": 2, "b": 2}
    assert figure.cohen["a", "b"].value == 1.0
    # Links: two mentions with the same offsets and label, both linked; one has the same entity.
    links = report.link_rows[0]
    assert (links.compared, links.same, links.one_unlinked) == (2, 1, 0)
    assert links.share.value == 0.5
    assert links.kappa == cohen_kappa(["Q1", "Q2"], ["Q1", "NIL"])
    # Mention F1: (0,4,Q1) matches; (46,55,Q2) vs (46,55,NIL) do not -> 2*1/(2+1+1)
    assert links.mention_f1.f1.value == pytest.approx(0.5)
    kinds = {item.group.kind for item in report.disagreements}
    assert kinds == {Kind.BOUNDARY, Kind.LINK}
    assert report.per_document[0].disagreements == {Kind.BOUNDARY: 1, Kind.LINK: 1}


def test_unlinked_mentions_are_counted_apart_not_as_link_disagreement():
    spans = {"a": [(0, 4, "source", "Q1")], "b": [(0, 4, "source", None)]}
    links = build_report([ReportDocument("d", TEXT, spans)], ["a", "b"], ["source"], "t").link_rows[0]
    assert (links.compared, links.one_unlinked) == (0, 1)
    assert links.share.value is None and links.share.note is Note.NO_DATA


def test_mean_and_sd_over_pairs_use_every_pair():
    spans = {"a": [(0, 4, "source")], "b": [(0, 4, "source")], "c": [(5, 9, "source")]}
    report = build_report([ReportDocument("d", TEXT, spans)], ["a", "b", "c"], ["source"], "t")
    spread = report.spread("exact")
    assert spread.pairs == 3
    assert spread.mean.value == pytest.approx(1 / 3)
    assert spread.sd == pytest.approx(np.std([1.0, 0.0, 0.0]))


@pytest.mark.parametrize("annotators, spans", [
    (["a"], {"a": [(0, 4, "source")]}),                       # one annotator
    (["a", "b"], {"a": [], "b": []}),                         # no spans
    (["a", "b"], {"a": [(0, 4, "source")], "b": [(0, 4, "source")]}),  # perfect agreement
    (["a", "b"], {"a": [(0, 4, "source")], "b": []}),         # one side empty
])
def test_degenerate_reports_have_defined_values_and_notes_in_every_format(annotators, spans):
    report = build_report([ReportDocument("d", TEXT, spans)], annotators, ["source"], "t")
    data = to_data(report)
    text = json.dumps(data, allow_nan=False)  # raises on NaN or infinity
    assert "NaN" not in text
    for fmt in FORMATS:
        assert "nan" not in render(report, fmt).lower().replace("nanoseconds", "")
    row = report.token_rows[0]
    for measure in (row.fleiss, row.alpha, row.alpha_unitizing):
        assert measure.value is not None or measure.note is not None
    if len(annotators) == 1:
        assert row.fleiss.note is Note.TOO_FEW_CODERS
        assert any("fewer than two annotators" in note for note in report.notes)
    if not any(spans.values()):
        assert row.alpha.note is Note.TRIVIAL_AGREEMENT and row.alpha_unitizing.note is Note.NO_SEGMENTS
        assert report.spread("exact").mean.note is Note.NO_SPANS


def test_a_report_over_no_documents_is_defined():
    report = build_report([], ["a", "b"], ["source"], "t")
    assert report.token_rows[0].fleiss.note is Note.NO_DATA
    assert "no documents meet the criteria" in report.notes


# -- formats ---------------------------------------------------------------------


@pytest.fixture
def sample_report():
    spans = {
        "alice": [(0, 4, "source", "Q1"), (10, 18, "figure", None), (46, 55, "source", "Q2")],
        "bob": [(0, 4, "source", "Q1"), (10, 17, "figure", None)],
        "carol": [(0, 4, "claim", None), (10, 18, "figure", None), (46, 55, "source", "Q2")],
    }
    return build_report([ReportDocument("d" * 20, TEXT, spans, "Title | with\x1b[31m pipe <b>")],
                        ["alice", "bob", "carol"], ["claim", "source", "figure"], "because")


def test_json_has_the_documented_keys(sample_report):
    data = json.loads(render(sample_report, "json"))
    assert set(data) >= {"annotators", "labels", "basis", "documents", "span_f1", "matrix", "tokens",
                         "links", "per_document", "disagreements", "notes"}
    assert data["matrix"]["overlap"]["alice"]["bob"] == data["matrix"]["overlap"]["bob"]["alice"]
    assert data["span_f1"]["summary"]["all"]["exact"]["pairs"] == 3
    kinds = {item["kind"] for item in data["disagreements"]}
    assert kinds == {"only_some", "boundary", "label"}
    assert data["tokens"][0]["fleiss"].keys() == {"value", "note", "note_text"}
    # The number of tokens compared, once overwritten by the per-label rows under the same key.
    assert data["token_count"] == sample_report.tokens > 0


def test_csv_is_one_tidy_table(sample_report):
    rows = list(csv.DictReader(io.StringIO(render(sample_report, "csv"))))
    sections = {row["section"] for row in rows}
    assert sections == {"span_f1", "span_f1_summary", "tokens", "links", "documents", "disagreements"}
    kappa = [r for r in rows if r["measure"] == "cohen_kappa" and r["label"] == "figure"
             and r["annotator_a"] == "alice" and r["annotator_b"] == "carol"]
    assert float(kappa[0]["value"]) == 1.0


def test_markdown_has_the_tables_and_escapes_the_title(sample_report):
    text = render(sample_report, "markdown")
    assert "## Pairwise F1 matrix (overlap, all labels)" in text
    assert "| label | exact | overlap |" in text
    assert "\x1b" not in text


def test_html_is_self_contained_with_heatmap_and_bars(sample_report):
    page = render(sample_report, "html")
    assert 'class="heatmap"' in page and 'class="legend"' in page
    assert "<svg" in page and "<rect" in page
    assert "http://" not in page and "https://" not in page and "<script" not in page
    assert "<b>" not in page  # titles are escaped


def test_table_shows_every_section_without_control_characters(sample_report):
    text = render(sample_report, "table")
    assert "Chance-corrected agreement" in text and "Disagreements" in text
    assert "\x1b" not in text


# -- the command -------------------------------------------------------------------


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "team.db"
    store = Store.open(path)
    texts = [TEXT, "Odesa grain exports resumed on Tuesday, the ministry said."]
    store.add_documents([NewDocument(text, f"Doc {i}", "test") for i, text in enumerate(texts)])
    store.import_entities([Entity("Q1", "Kyiv", "place")], lambda name: name.lower())
    first, second = (content_hash(text) for text in texts)
    for name in ("alice", "bob"):
        span = store.add_span(first, name, 0, 4, "source")
        store.link(span.id, "Q1")
        store.add_span(first, name, 10, 18 if name == "alice" else 17, "figure")
        store.set_status(first, name, "done")
    store.add_span(second, "alice", 0, 5, "source")
    store.add_span(second, "bob", 0, 5, "claim")
    store.add_span(first, "gold", 0, 4, "source")
    store.close()
    return path


def run(db, *args):
    return CliRunner().invoke(cli, ["--db", str(db), "agreement", *args], obj={})


def test_command_compares_documents_every_annotator_marked_done(db):
    result = run(db, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["annotators"] == ["alice", "bob"]  # gold is left out
    assert data["documents"] == 1
    assert "marked done: 1 of 2 documents" in data["basis"]
    assert data["links"][0]["same"] == 1
    assert data["span_f1"]["summary"]["all"]["overlap"]["mean"]["value"] == 1.0


def test_command_status_any_takes_documents_with_spans_by_two(db):
    data = json.loads(run(db, "--status", "any", "--format", "json").output)
    assert data["documents"] == 2
    assert {d["kind"] for d in data["disagreements"]} == {"boundary", "label"}


def test_command_filters_labels(db):
    data = json.loads(run(db, "--label", "figure", "--format", "json").output)
    assert data["labels"] == ["figure"] and data["spans"] == {"alice": 1, "bob": 1}


def test_command_writes_html_to_a_file_and_says_where(db, tmp_path):
    out = tmp_path / "out" / "agreement.html"
    result = run(db, "--format", "html", "--out", str(out))
    assert result.exit_code == 0 and str(out) in result.output
    assert 'class="heatmap"' in out.read_text(encoding="utf-8")


def test_command_prints_the_table_by_default(db):
    result = run(db)
    assert result.exit_code == 0 and "Span F1" in result.output


@pytest.mark.parametrize("args, message", [
    (["--annotator", "zoe"], "unknown annotator 'zoe'"),
    (["--label", "place"], "unknown label 'place'"),
    (["--annotator", "alice", "--annotator", "gold"], "no documents meet the criteria"),
    (["--annotator", "alice", "--annotator", "gold"], "(try --status any)"),
    (["--document", "nope"], "nope"),
])
def test_command_errors_are_one_line(db, args, message):
    result = run(db, *args)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output and result.output.count("\n") == 1
