"""Prodigy, doccano and knowledge-base exports: one JSON object per line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from export_fixture import ENTITIES, UKRAINIAN, at, build
from workbench.errors import WorkbenchError
from workbench.formats import Options, Selection, export, get_format
from workbench.formats.kb import read_kb
from workbench.linking import normalise_alias
from workbench.store import Store


@pytest.fixture
def fixture(store):
    return build(store)


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_prodigy_tasks_have_token_aligned_spans_and_one_line_per_annotator(fixture, tmp_path):
    path = tmp_path / "prodigy.jsonl"
    export(fixture.store, get_format("prodigy"), Selection(annotators=("alice", "bob")), path)
    tasks = lines(path)
    assert [(t["meta"]["document"], t["_annotator_id"]) for t in tasks] == [
        (fixture.english, "alice"), (fixture.english, "bob"), (fixture.ukrainian, "alice")]
    for task in tasks:
        text, tokens = task["text"], task["tokens"]
        assert [t["id"] for t in tokens] == list(range(len(tokens)))
        assert all(text[t["start"]:t["end"]] == t["text"] for t in tokens)
        assert task["answer"] == "accept"
        stored = fixture.store.spans(task["meta"]["document"], task["_annotator_id"])
        assert [(s["start"], s["end"], s["label"]) for s in task["spans"]] == [
            (s.start, s.end, s.label) for s in stored]
        for span in task["spans"]:
            first, last = tokens[span["token_start"]], tokens[span["token_end"]]
            assert (first["start"], last["end"]) == (span["start"], span["end"])
    alice = tasks[0]["spans"]
    assert {s.get("kb_id") for s in alice} == {None, "NIL", "wb:general-staff-ukraine", "wb:volodymyr-zelensky"}


def test_prodigy_hashes_are_stable_and_tell_annotations_apart(fixture, tmp_path):
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    for path in (first, second):
        export(fixture.store, get_format("prodigy"), Selection(annotators=("alice", "bob")), path)
    assert first.read_bytes() == second.read_bytes()
    alice, bob, _ = lines(first)
    assert alice["_input_hash"] == bob["_input_hash"]
    assert alice["_task_hash"] != bob["_task_hash"]
    assert all(-2**31 <= h < 2**31 for h in (alice["_input_hash"], alice["_task_hash"]))


def test_prodigy_relations_point_at_the_last_token_of_the_head_and_the_child(fixture, tmp_path):
    store = fixture.store
    path = tmp_path / "prodigy.jsonl"
    export(store, get_format("prodigy"), Selection(annotators=("alice", "bob"), gold=True), path)
    tasks = lines(path)
    for task in tasks:
        tokens = task["tokens"]
        stored = store.relations(task["meta"]["document"], task["_annotator_id"])
        spans = {span.id: span for span in store.spans(task["meta"]["document"], task["_annotator_id"])}
        assert len(task["relations"]) == len(stored) > 0
        assert task["_view_id"] == "relations"
        for relation, expected in zip(task["relations"], stored):
            assert relation["label"] == expected.label
            for index, end, span in ((relation["head"], relation["head_span"], spans[expected.head]),
                                     (relation["child"], relation["child_span"], spans[expected.tail])):
                # Prodigy anchors a span in a relation at its last token.
                assert index == end["token_end"] and tokens[index]["end"] == span.end
                assert (tokens[end["token_start"]]["start"], end["end"], end["label"]) == (
                    span.start, span.end, span.label)
                assert task["text"][end["start"]:end["end"]] == span.text
    english = tasks[0]
    assert [(english["tokens"][r["head"]]["text"], english["tokens"][r["child"]]["text"])
            for r in english["relations"]] == [("Bakhmut", "Staff"), ("Bakhmut", "Zelensky")]


def test_prodigy_task_hash_tells_apart_annotations_that_differ_only_in_relations(fixture, tmp_path):
    store = fixture.store
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    export(store, get_format("prodigy"), Selection(annotators=("bob",)), first)
    store.delete_relation(store.relations(fixture.english, "bob")[0].id)
    export(store, get_format("prodigy"), Selection(annotators=("bob",)), second)
    [before], [after] = lines(first), lines(second)
    assert before["spans"] == after["spans"] and after["relations"] == []
    assert before["_task_hash"] != after["_task_hash"]
    assert after["_view_id"] == "spans_manual"


def test_doccano_lines_carry_text_and_labels(fixture, tmp_path):
    path = tmp_path / "doccano.jsonl"
    export(fixture.store, get_format("doccano"), Selection(annotators=("bob",)), path)
    [line] = lines(path)
    assert line["text"] == fixture.store.text(fixture.english)
    assert line["label"] == [[s.start, s.end, s.label] for s in fixture.store.spans(fixture.english, "bob")]
    assert all(line["text"][start:end] for start, end, _ in line["label"])
    assert (line["document"], line["annotator"]) == (fixture.english, "bob")


def test_doccano_offsets_after_an_emoji_are_utf16_code_units(fixture, tmp_path):
    path = tmp_path / "doccano.jsonl"
    export(fixture.store, get_format("doccano"), Selection(annotators=("alice",)), path)
    ukrainian = next(line for line in lines(path) if line["document"] == fixture.ukrainian)
    encoded = ukrainian["text"].encode("utf-16-le")
    covered = [encoded[2 * start:2 * end].decode("utf-16-le") for start, end, _ in ukrainian["label"]]
    assert covered == [s.text for s in fixture.store.spans(fixture.ukrainian, "alice")]
    start, end = at(UKRAINIAN, "«Укренерго»")
    assert [start + 1, end + 1, "source"] in ukrainian["label"]


def test_doccano_summary_counts_overlapping_spans_and_names_the_setting(fixture, tmp_path):
    path = tmp_path / "doccano.jsonl"
    report = export(fixture.store, get_format("doccano"), Selection(annotators=("alice", "bob")), path)
    # alice's English claim and the three figures in or across it; her two Ukrainian claims,
    # which overlap each other and the figure inside the first. bob's two spans do not overlap.
    assert report.summary().endswith(
        "; 6 links (entity or NIL) not written: doccano has no place for them; jsonl, spacy, prodigy, "
        "brat and labelstudio keep them"
        "; 5 relations not written: doccano's sequence labelling layout has no place for them; "
        "--doccano-layout relations writes them"
        "; 7 spans overlap another span of the same annotator: import into a doccano project with "
        "\"Allow overlapping spans\" checked, or doccano drops them"
        "; each annotator's version is its own doccano example, credited to the importing user; "
        "meta.annotator says whose it was")


def test_doccano_relation_layout_has_numbered_entities_and_relations_between_them(fixture, tmp_path):
    store = fixture.store
    path = tmp_path / "doccano.jsonl"
    report = export(store, get_format("doccano"), Selection(annotators=("alice", "bob")), path,
                    options=Options(doccano_layout="relations"))
    records = lines(path)
    assert [(r["document"], r["annotator"]) for r in records] == [
        (fixture.english, "alice"), (fixture.english, "bob"), (fixture.ukrainian, "alice")]
    entity_ids = [e["id"] for r in records for e in r["entities"]]
    relation_ids = [rel["id"] for r in records for rel in r["relations"]]
    # Numbered across the file, as doccano's own exports number them: no two lines share an id.
    assert entity_ids == list(range(len(entity_ids))) and relation_ids == list(range(len(relation_ids)))
    for record in records:
        assert set(record) == {"text", "entities", "relations", "document", "annotator"}
        assert all(set(e) == {"id", "start_offset", "end_offset", "label"} for e in record["entities"])
        assert all(set(r) == {"id", "from_id", "to_id", "type"} for r in record["relations"])
        encoded = record["text"].encode("utf-16-le")
        covered = {e["id"]: (encoded[2 * e["start_offset"]:2 * e["end_offset"]].decode("utf-16-le"), e["label"])
                   for e in record["entities"]}
        spans = {s.id: s for s in store.spans(record["document"], record["annotator"])}
        assert sorted(covered.values()) == sorted((s.text, s.label) for s in spans.values())
        assert [(covered[r["from_id"]], r["type"], covered[r["to_id"]]) for r in record["relations"]] == [
            ((spans[r.head].text, spans[r.head].label), r.label, (spans[r.tail].text, spans[r.tail].label))
            for r in store.relations(record["document"], record["annotator"])]
    ukrainian = records[2]
    [ukrenergo] = [e for e in ukrainian["entities"] if e["label"] == "source" and e["start_offset"] > 60]
    start, end = at(UKRAINIAN, "«Укренерго»")
    assert (ukrenergo["start_offset"], ukrenergo["end_offset"]) == (start + 1, end + 1)
    assert ukrenergo["id"] in [r["to_id"] for r in ukrainian["relations"]]
    assert "relations not written" not in report.summary()
    assert ("doccano relation layout: import as JSONL(Relation) into a sequence labelling project with "
            "\"Use relation labeling\" checked") in report.summary()


def test_doccano_layout_is_a_doccano_option_only(fixture, tmp_path):
    with pytest.raises(WorkbenchError, match="--doccano-layout does not apply to prodigy; it is for doccano"):
        export(fixture.store, get_format("prodigy"), Selection(), tmp_path / "p.jsonl",
               options=Options(doccano_layout="relations"))


def test_kb_export_reimports_with_kb_reader_to_the_same_entities(fixture, tmp_path):
    path = tmp_path / "kb.jsonl"
    report = export(fixture.store, get_format("kb"), Selection(), path)
    assert report.summary() == "3 entities"
    entities = read_kb(path)
    assert sorted(entities, key=lambda e: e.id) == sorted(ENTITIES, key=lambda e: e.id)
    fresh = Store.open(tmp_path / "fresh.db")
    fresh.import_entities(entities, normalise_alias)
    export(fresh, get_format("kb"), Selection(), tmp_path / "again.jsonl")
    assert (tmp_path / "again.jsonl").read_bytes() == path.read_bytes()
