"""The spaCy DocBin export, loaded by spaCy itself and compared span by span."""

from __future__ import annotations

import re
import sys

import pytest

spacy = pytest.importorskip("spacy")
from spacy.cli.debug_data import _compile_gold  # noqa: E402
from spacy.tokens import DocBin  # noqa: E402
from spacy.training import Example  # noqa: E402

from export_fixture import at, build  # noqa: E402
from workbench.errors import WorkbenchError  # noqa: E402
from workbench.formats import Options, Selection, export, get_format  # noqa: E402
from workbench.importer import import_paths  # noqa: E402
from workbench.model import GOLD, NewDocument  # noqa: E402

DECADES = "In the 1980s and the 70s, on the 24th, prices rose (sharply) by 3.5%; e-mail me@example.org now."


@pytest.fixture
def fixture(store):
    return build(store)


def load(path, nlp=None):
    return list(DocBin().from_disk(path).get_docs((nlp or spacy.blank("en")).vocab))


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


def test_relations_read_back_from_user_data_to_the_right_spans(fixture, tmp_path):
    store = fixture.store
    path = tmp_path / "train.spacy"
    export(store, get_format("spacy"), Selection(annotators=("alice", "bob"), gold=True), path)
    docs = load(path)
    for doc in docs:
        uid, annotator = doc.user_data["document"], doc.user_data["annotator"]
        spans = {span.id: span for span in store.spans(uid, annotator)}
        group = {(span.start_char, span.end_char, span.label_) for span in doc.spans["sc"]}
        got = []
        # As the README's loading snippet reads them.
        for relation in doc.user_data["relations"]:
            head = doc.char_span(*relation["head"], label=relation["head_label"])
            tail = doc.char_span(*relation["tail"], label=relation["tail_label"])
            assert {(end.start_char, end.end_char, end.label_) for end in (head, tail)} <= group
            got.append((head.text, head.label_, relation["label"], tail.text, tail.label_))
        assert got == [(spans[r.head].text, spans[r.head].label, r.label, spans[r.tail].text, spans[r.tail].label)
                       for r in store.relations(uid, annotator)]
        assert got
    english = docs[0]
    assert [(r["head_label"], r["label"], r["tail_label"]) for r in english.user_data["relations"]] == [
        ("claim", "attributed_to", "source")] * 2


def test_ents_are_the_shortest_non_overlapping_spans_so_sources_and_figures_win(fixture, tmp_path):
    path = tmp_path / "alice.spacy"
    report = export(fixture.store, get_format("spacy"), Selection(annotators=("alice",)), path)
    english, ukrainian = load(path)
    assert [(e.text, e.label_, e.kb_id_) for e in english.ents] == [
        ("Ukraine", "source", "NIL"),
        ("General Staff", "source", "wb:general-staff-ukraine"),
        ("1,200", "figure", ""),
        ("Bakhmut on Monday", "figure", ""),
        ("Volodymyr Zelensky", "source", "wb:volodymyr-zelensky"),
    ]
    # The figure inside the first claim wins; the second claim overlaps the first's end.
    assert [e.text for e in ukrainian.ents] == ["Віталій Кличко", "4 години", "«Укренерго»"]
    assert ("4 spans are in doc.spans['sc'] but not in doc.ents "
            "(overlapping a shorter span: claim 3, figure 1)") in report.summary()


def test_ents_label_limits_doc_ents_and_the_summary_counts_the_rest(fixture, tmp_path):
    path = tmp_path / "alice.spacy"
    report = export(fixture.store, get_format("spacy"), Selection(annotators=("alice",)), path,
                    options=Options(ents_labels=("source",)))
    english, ukrainian = load(path)
    assert [e.text for e in english.ents] == ["Ukraine", "General Staff", "Volodymyr Zelensky"]
    assert [e.text for e in ukrainian.ents] == ["Віталій Кличко", "«Укренерго»"]
    assert len(english.spans["sc"]) == 7
    assert ("7 spans are in doc.spans['sc'] but not in doc.ents "
            "(overlapping or not in --ents-label: claim 3, figure 4)") in report.summary()


def test_an_unknown_ents_label_is_refused(fixture, tmp_path):
    with pytest.raises(WorkbenchError, match="no label 'person'"):
        export(fixture.store, get_format("spacy"), Selection(), tmp_path / "x.spacy",
               options=Options(ents_labels=("person",)))


def test_tokens_are_spacys_own_split_only_inside_a_span_boundary(store, tmp_path):
    [uid] = store.add_documents([NewDocument(DECADES, "Decades", "decades.txt")]).added
    for needle in ("1980", "70", "24", "prices rose (sharply)", "3.5%"):
        store.add_span(uid, "alice", *at(DECADES, needle), "figure")
    store.set_status(uid, "alice", "done")
    path = tmp_path / "decades.spacy"
    report = export(store, get_format("spacy"), Selection(), path)
    [doc] = load(path)
    nlp = spacy.blank("en")
    expected = []
    for token in nlp(DECADES):
        expected += {"1980s": ["1980", "s"], "70s": ["70", "s"], "24th": ["24", "th"]}.get(
            token.text, [token.text])
    assert [token.text for token in doc] == expected
    assert [span.text for span in doc.spans["sc"]] == ["1980", "70", "24", "prices rose (sharply)", "3.5%"]
    assert ("3 spaCy tokens split where a span boundary fell inside them "
            "('1980s' → '1980' 's', '70s' → '70' 's', '24th' → '24' 'th')") in report.summary()


def gold_statistics(docs, nlp):
    """What `spacy debug data` counts for an NER and spancat pipeline trained on these Docs."""
    examples = [Example(nlp.make_doc(doc.text), doc) for doc in docs]
    return _compile_gold(examples, ["ner", "spancat"], nlp, make_proj=False)


def test_spacy_debug_data_finds_only_the_reported_splits_misaligned(fixture, tmp_path):
    path = tmp_path / "all.spacy"
    report = export(fixture.store, get_format("spacy"), Selection(gold=True, annotators=("alice", "bob")), path)
    nlp = spacy.blank("en")
    docs = load(path, nlp)
    statistics = gold_statistics(docs, nlp)
    # spaCy itself splits "Ukraine's" where alice's "Ukraine" ends: the fixture needs no split.
    assert statistics["n_misaligned_words"] == 0
    assert "spaCy tokens split" not in report.summary()
    assert statistics["ner"]["-"] == 0  # no token left missing for NER
    assert statistics["ws_ents"] == 0
    for doc in docs:
        for span in doc.spans["sc"]:
            assert doc.char_span(span.start_char, span.end_char) is not None


def test_every_span_on_the_real_articles_lands_on_tokens(store, seed_corpus, tmp_path):
    import_paths(store, [seed_corpus])
    total = 0
    for uid in store.document_uids():
        text = store.text(uid)
        # What annotators mark that spaCy's tokens cut across: numbers inside "1980s"
        # or "24th", and capitalised names inside hyphenated or possessive words.
        for match in re.finditer(r"\d+|[A-Z][a-z]+", text):
            label = "figure" if match.group()[0].isdigit() else "source"
            store.add_span(uid, "alice", match.start(), match.end(), label)
            total += 1
        store.set_status(uid, "alice", "done")
    path = tmp_path / "corpus.spacy"
    report = export(store, get_format("spacy"), Selection(), path)
    nlp = spacy.blank("en")
    docs = load(path, nlp)
    assert sum(len(doc.spans["sc"]) for doc in docs) == total
    for doc in docs:
        for span in doc.spans["sc"]:
            assert doc.char_span(span.start_char, span.end_char) is not None
    statistics = gold_statistics(docs, nlp)
    splits = re.search(r"(\d+) spaCy tokens split", report.summary())
    assert statistics["n_misaligned_words"] == (int(splits.group(1)) if splits else 0)
    assert statistics["ner"]["-"] == 0


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


def test_an_unknown_language_is_a_one_line_error(fixture, tmp_path):
    with pytest.raises(WorkbenchError, match="spaCy has no language 'qq'"):
        export(fixture.store, get_format("spacy"), Selection(), tmp_path / "x.spacy", options=Options(lang="qq"))
    assert not (tmp_path / "x.spacy").exists()


def test_lang_picks_that_languages_tokenizer(fixture, tmp_path):
    path = tmp_path / "uk.spacy"
    export(fixture.store, get_format("spacy"), Selection(annotators=("alice",)), path, options=Options(lang="uk"))
    _, ukrainian = load(path)
    tokenized = spacy.blank("uk").make_doc(ukrainian.text)
    assert [token.text for token in ukrainian] == [token.text for token in tokenized]
