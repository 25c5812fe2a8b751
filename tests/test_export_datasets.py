"""Native and Prodigy JSONL as Hugging Face `datasets` loads them: typed columns, not JSON blobs."""

from __future__ import annotations

import pytest

datasets = pytest.importorskip("datasets")

from export_fixture import build  # noqa: E402
from workbench.formats import Selection, export, get_format  # noqa: E402

EVERYONE = Selection(annotators=("alice", "bob"), gold=True, status="any")


@pytest.fixture
def fixture(store):
    return build(store)


@pytest.fixture(autouse=True)
def _offline(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))


def load(path, tmp_path):
    return datasets.load_dataset("json", data_files=str(path), split="train", cache_dir=str(tmp_path / "cache"))


def test_native_spans_are_a_list_of_typed_structs(fixture, tmp_path):
    path = tmp_path / "native.jsonl"
    export(fixture.store, get_format("jsonl"), EVERYONE, path)
    loaded = load(path, tmp_path)
    spans = loaded.features["annotations"].feature["spans"]
    assert isinstance(spans, datasets.List)
    assert spans.feature == {
        "end": datasets.Value("int64"), "start": datasets.Value("int64"),
        "entity": {"id": datasets.Value("string"), "name": datasets.Value("string"),
                   "type": datasets.Value("string")},
        "id": datasets.Value("string"), "label": datasets.Value("string"),
        "nil": datasets.Value("bool"), "provenance": datasets.List(datasets.Value("string")),
        "text": datasets.Value("string"),
    }
    english = next(row for row in loaded if row["id"] == fixture.english)
    alice = next(a for a in english["annotations"] if a["annotator"] == "alice")
    ukraine = next(span for span in alice["spans"] if span["text"] == "Ukraine")
    assert (ukraine["nil"], ukraine["entity"], ukraine["provenance"]) == (True, None, [])
    gold = next(a for a in english["annotations"] if a["annotator"] == "gold")
    assert all(span["provenance"] and not span["nil"] for span in gold["spans"])


def test_native_relations_are_a_list_of_typed_structs(fixture, tmp_path):
    path = tmp_path / "native.jsonl"
    export(fixture.store, get_format("jsonl"), EVERYONE, path)
    loaded = load(path, tmp_path)
    relations = loaded.features["annotations"].feature["relations"]
    assert isinstance(relations, datasets.List)
    assert relations.feature == {name: datasets.Value("string") for name in ("head", "id", "label", "tail")}
    english = next(row for row in loaded if row["id"] == fixture.english)
    alice = next(a for a in english["annotations"] if a["annotator"] == "alice")
    texts = {span["id"]: span["text"] for span in alice["spans"]}
    assert [(texts[r["head"]], r["label"], texts[r["tail"]]) for r in alice["relations"]] == [
        ("Russian forces lost 1,200 troops near Bakhmut", "attributed_to", "General Staff"),
        ("Russian forces lost 1,200 troops near Bakhmut", "attributed_to", "Volodymyr Zelensky")]


def test_prodigy_spans_are_a_list_of_typed_structs_with_kb_id(fixture, tmp_path):
    path = tmp_path / "prodigy.jsonl"
    export(fixture.store, get_format("prodigy"), EVERYONE, path)
    loaded = load(path, tmp_path)
    spans = loaded.features["spans"]
    assert isinstance(spans, datasets.List)
    assert spans.feature["kb_id"] == datasets.Value("string")
    alice = next(row for row in loaded if row["_annotator_id"] == "alice" and row["meta"]["document"] == fixture.english)
    assert sorted({span["kb_id"] for span in alice["spans"]}, key=str) == sorted(
        {None, "NIL", "wb:general-staff-ukraine", "wb:volodymyr-zelensky"}, key=str)
    end = {"start": datasets.Value("int64"), "end": datasets.Value("int64"), "token_start": datasets.Value("int64"),
           "token_end": datasets.Value("int64"), "label": datasets.Value("string")}
    assert loaded.features["relations"] == datasets.List({
        "head": datasets.Value("int64"), "child": datasets.Value("int64"), "head_span": end, "child_span": end,
        "label": datasets.Value("string")})
