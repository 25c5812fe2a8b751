"""CoNLL BIO export, read with seqeval."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from seqeval.metrics import classification_report, f1_score
from seqeval.metrics.sequence_labeling import get_entities

from export_fixture import UKRAINIAN, at, build
from workbench.formats import Selection, export, get_format

BLOCK = re.compile(r"# document = (\w+), annotator = (.*)")


@pytest.fixture
def fixture(store):
    return build(store)


def read_conll(path: Path) -> list[list[list[tuple[str, str]]]]:
    """Documents, each a list of sentences of (token, tag)."""
    documents: list[list[list[tuple[str, str]]]] = []
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line.startswith("-DOCSTART-"):
            documents.append([[]])
        elif line.startswith("# "):
            continue
        elif not line:
            if documents[-1][-1]:
                documents[-1].append([])
        else:
            token, tag = line.split("\t")
            documents[-1][-1].append((token, tag))
    return [[sentence for sentence in document if sentence] for document in documents]


def entities(document: list[list[tuple[str, str]]]) -> list[tuple[str, str]]:
    """seqeval's reading of the tags: (label, covered tokens joined by spaces)."""
    tags = [[tag for _, tag in sentence] for sentence in document]
    found = get_entities(tags)  # seqeval joins sentences with one "O" between them
    flat = [token for sentence in document for token in [t for t, _ in sentence] + ["<break>"]]
    return [(label, " ".join(flat[start:end + 1])) for label, start, end in found]


def test_seqeval_reads_the_longest_spans_and_the_summary_counts_the_rest(fixture, tmp_path):
    path = tmp_path / "alice.conll"
    report = export(fixture.store, get_format("conll"), Selection(annotators=("alice",)), path)
    english, ukrainian = read_conll(path)
    assert entities(english) == [
        ("source", "Ukraine"), ("source", "General Staff"),
        ("claim", "Russian forces lost 1,200 troops near Bakhmut"),
        ("source", "Volodymyr Zelensky")]
    assert entities(ukrainian) == [
        ("source", "Віталій Кличко"), ("claim", "заявив : « Світла не буде 4 години »"),
        ("source", "« Укренерго »")]
    assert report.dropped == 5 and "5 overlapping spans dropped" in report.summary()
    assert "5 links (entity or NIL) not written: conll has no place for them" in report.summary()
    assert ("4 relations not written: conll has no place for them; jsonl, spacy, prodigy, brat, labelstudio "
            "and doccano (--doccano-layout relations) keep them") in report.summary()


def test_a_sentence_break_never_splits_a_tagged_span(fixture, tmp_path):
    store = fixture.store
    store.add_span(fixture.ukrainian, "carol", *at(UKRAINIAN, "години».\n\nПідстанції"), "claim")
    store.set_status(fixture.ukrainian, "carol", "done")
    path = tmp_path / "carol.conll"
    export(store, get_format("conll"), Selection(annotators=("carol", "alice")), path)
    _, alice, carol = read_conll(path)
    assert [" ".join(token for token, _ in sentence) for sentence in carol] == [
        "Мер Києва Віталій Кличко заявив : « Світла не буде 4 години » . "
        "Підстанції 🔌 пошкоджено , каже « Укренерго » .",
    ]
    assert entities(carol) == [("claim", "години » . Підстанції")]
    # alice's block breaks where carol's does, though her own spans would allow a break there.
    assert [[token for token, _ in sentence] for sentence in alice] == [
        [token for token, _ in sentence] for sentence in carol]


def blocks(path: Path) -> dict[tuple[str, str], list[list[str]]]:
    """Each block's tags by sentence, keyed by the (document, annotator) its comment names."""
    found: dict[tuple[str, str], list[list[str]]] = {}
    current: list[list[str]] = []
    for line in path.read_text(encoding="utf-8").split("\n"):
        if match := BLOCK.fullmatch(line):
            current = found.setdefault(match.groups(), [[]])
        elif line.startswith("-DOCSTART-"):
            continue
        elif not line:
            if current and current[-1]:
                current.append([])
        else:
            current[-1].append(line.split("\t")[1])
    return {key: [sentence for sentence in value if sentence] for key, value in found.items()}


def test_two_annotators_blocks_line_up_token_for_token_for_seqeval(fixture, tmp_path):
    store = fixture.store
    store.add_span(fixture.english, "bob", *at(store.text(fixture.english), "Volodymyr Zelensky"), "source")
    path = tmp_path / "both.conll"
    export(store, get_format("conll"), Selection(annotators=("alice", "bob"), status="any"), path)
    tagged = blocks(path)
    assert sorted(tagged) == sorted((document, name) for document in (fixture.english, fixture.ukrainian)
                                    for name in ("alice", "bob"))
    alice, bob = ([sentence for document in (fixture.english, fixture.ukrainian)
                   for sentence in tagged[(document, name)]] for name in ("alice", "bob"))
    assert [len(sentence) for sentence in alice] == [len(sentence) for sentence in bob]
    report = classification_report(alice, bob, output_dict=True, zero_division=0)
    assert (report["source"]["support"], report["claim"]["support"]) == (5, 2)
    # alice's "Ukraine" splits "Ukraine's" in bob's block too, or seqeval would refuse the pair.
    # Of bob's 4 entities one, "Volodymyr Zelensky", matches one of alice's 7 exactly.
    assert f1_score(alice, bob) == pytest.approx(2 / 11)


def test_label_picks_one_layer(fixture, tmp_path):
    path = tmp_path / "figures.conll"
    report = export(fixture.store, get_format("conll"), Selection(annotators=("alice",), labels=("figure",)), path)
    english, ukrainian = read_conll(path)
    assert entities(english) == [("figure", "1,200 troops"), ("figure", "Bakhmut on Monday")]
    assert entities(ukrainian) == [("figure", "4 години")]
    assert report.dropped == 1  # "1,200" inside "1,200 troops"


def test_token_split_at_a_span_boundary_inside_a_word(fixture, tmp_path):
    path = tmp_path / "alice.conll"
    export(fixture.store, get_format("conll"), Selection(annotators=("alice",)), path)
    english, _ = read_conll(path)
    assert english[0][:3] == [("Ukraine", "B-source"), ("'s", "O"), ("General", "B-source")]
