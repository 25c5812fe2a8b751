"""The spaCy DocBin export, loaded by spaCy itself and compared span by span."""

from __future__ import annotations

import sys

import pytest

spacy = pytest.importorskip("spacy")
from spacy.tokens import DocBin  # noqa: E402

from export_fixture import build  # noqa: E402
from workbench.errors import WorkbenchError  # noqa: E402
from workbench.formats import Selection, export, get_format  # noqa: E402
from workbench.model import GOLD  # noqa: E402


@pytest.fixture
def fixture(store):
    return build(store)


def load(path):
    return list(DocBin().from_disk(path).get_docs(spacy.blank("en").vocab))


def test_docbin_holds_every_span_with_label_offsets_and_kb_id(fixture, tmp_path):
    store = fixture.store
    path = tmp_path / "train.spacy"
    export(store, get_format("spacy"), Selection(annotators=("alice", "bob"), gold=True), path)
    docs = load(path)
    assert [(d.user_data["document"], d.user_data["annotator"]) for d in docs] == [
        (fixture.english, "alice"), (fixture.english, "bob"), (fixture.english, GOLD),
        (fixture.ukrainian, "alice")]
    for doc in docs:
        uid, annotator = doc.user_data["document"], doc.user_data["annotator"]
        assert doc.text == store.text(uid)
        expected = [(s.start, s.end, s.label, s.text, "NIL" if s.nil else s.entity_id or "")
                    for s in store.spans(uid, annotator)]
        got = [(s.start_char, s.end_char, s.label_, s.text, s.kb_id_) for s in doc.spans["sc"]]
        assert sorted(got) == sorted(expected)


def test_ents_are_the_longest_non_overlapping_spans(fixture, tmp_path):
    path = tmp_path / "alice.spacy"
    report = export(fixture.store, get_format("spacy"), Selection(annotators=("alice",)), path)
    english, ukrainian = load(path)
    assert [(e.text, e.label_, e.kb_id_) for e in english.ents] == [
        ("Ukraine", "source", "NIL"),
        ("General Staff", "source", "wb:general-staff-ukraine"),
        ("Russian forces lost 1,200 troops near Bakhmut", "claim", ""),
        ("Volodymyr Zelensky", "source", "wb:volodymyr-zelensky"),
    ]
    # The two claims overlap; the longer one wins, and the figure inside it stays out.
    assert [e.text for e in ukrainian.ents] == ["Віталій Кличко", "заявив:\n«Світла не буде 4 години»",
                                                "«Укренерго»"]
    assert "5 overlapping spans" in report.summary()


def test_same_database_gives_the_same_docbin_bytes(fixture, tmp_path):
    for name in ("a.spacy", "b.spacy"):
        export(fixture.store, get_format("spacy"), Selection(), tmp_path / name)
    assert (tmp_path / "a.spacy").read_bytes() == (tmp_path / "b.spacy").read_bytes()


def test_without_spacy_the_export_says_how_to_install_it(fixture, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "spacy", None)
    monkeypatch.setitem(sys.modules, "spacy.tokens", None)
    with pytest.raises(WorkbenchError, match=r"spaCy is not installed: pip install 'workbench\[spacy\]'"):
        export(fixture.store, get_format("spacy"), Selection(), tmp_path / "x.spacy")
    assert not (tmp_path / "x.spacy").exists()
