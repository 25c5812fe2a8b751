"""The Label Studio export, checked with Label Studio's own SDK: its label-config parser and
validator, and its converter reading the tasks back."""

from __future__ import annotations

import json
from xml.etree import ElementTree

import pytest

label_interface = pytest.importorskip("label_studio_sdk.label_interface")
converter = pytest.importorskip("label_studio_sdk.converter")

from export_fixture import UKRAINIAN, at, build  # noqa: E402
from workbench.errors import WorkbenchError  # noqa: E402
from workbench.formats import Selection, export, get_format  # noqa: E402
from workbench.model import GOLD  # noqa: E402


@pytest.fixture
def fixture(store):
    return build(store)


def export_labelstudio(store, folder, selection=Selection(annotators=("alice", "bob"), gold=True)):
    report = export(store, get_format("labelstudio"), selection, folder)
    tasks = json.loads((folder / "tasks.json").read_text(encoding="utf-8"))
    config = (folder / "label_config.xml").read_text(encoding="utf-8")
    return report, tasks, config


def utf16_slice(text, start, end):
    return text.encode("utf-16-le")[2 * start:2 * end].decode("utf-16-le")


def test_label_studio_validates_every_annotation_against_the_config(fixture, tmp_path):
    _, tasks, config = export_labelstudio(fixture.store, tmp_path / "ls")
    interface = label_interface.LabelInterface(config)
    assert list(interface.get_control("label").labels) == ["claim", "source", "figure", "mention"]
    # validate_task itself cannot take a task with annotations (it calls
    # validate_annotation without one), so its data check is repeated here.
    assert [obj.value_name for obj in interface.objects] == ["text"]
    for task in tasks:
        assert isinstance(task["data"]["text"], str)
        for annotation in task["annotations"]:
            assert interface.validate_annotation(annotation)
            assert interface._validate_object(annotation, return_errors=True) == []
    # The validator does look: a label the config lacks is refused.
    wrong = json.loads(json.dumps(tasks[0]["annotations"][0]))
    wrong["result"][0]["value"]["labels"] = ["person"]
    assert not interface.validate_annotation(wrong)
    # It checks relations too: both ends must be regions of the annotation.
    dangling = json.loads(json.dumps(tasks[0]["annotations"][0]))
    relation = next(r for r in dangling["result"] if r["type"] == "relation")
    relation["to_id"] = "no-such-region"
    assert not interface.validate_annotation(dangling)


def test_relations_go_from_the_heads_region_to_the_tails_and_the_config_declares_their_types(
        fixture, tmp_path):
    store = fixture.store
    _, tasks, config = export_labelstudio(store, tmp_path / "ls")
    declared = [r.get("value") for r in ElementTree.fromstring(config).iter("Relation")]
    assert declared == ["attributed_to"]
    seen = 0
    for task in tasks:
        uid = task["data"]["document"]
        for annotation in task["annotations"]:
            [who] = [r["value"]["text"][0] for r in annotation["result"] if r.get("from_name") == "annotator"]
            regions = {r["id"]: r["value"] for r in annotation["result"] if r["type"] == "labels"}
            relations = [r for r in annotation["result"] if r["type"] == "relation"]
            assert all(r["direction"] == "right" for r in relations)
            got = [(regions[r["from_id"]]["text"], r["labels"], regions[r["to_id"]]["text"]) for r in relations]
            spans = {span.id: span for span in store.spans(uid, who)}
            assert got == [(spans[r.head].text, [r.label], spans[r.tail].text) for r in store.relations(uid, who)]
            seen += len(got)
    assert seen == 6  # alice 2 + 2, bob 1, gold 1


def test_a_label_selection_declares_only_the_relation_types_it_can_hold(fixture, tmp_path):
    _, tasks, config = export_labelstudio(fixture.store, tmp_path / "ls", Selection(labels=("claim", "figure")))
    assert "<Relation" not in config
    assert not [r for task in tasks for a in task["annotations"] for r in a["result"] if r["type"] == "relation"]


def test_one_annotation_per_annotator_with_every_span_label_and_link(fixture, tmp_path):
    store = fixture.store
    _, tasks, _ = export_labelstudio(store, tmp_path / "ls")
    assert [task["data"]["document"] for task in tasks] == [fixture.english, fixture.ukrainian]
    for task in tasks:
        text = task["data"]["text"]
        uid = task["data"]["document"]
        assert text == store.text(uid)
        for annotation in task["annotations"]:
            [who] = [r["value"]["text"][0] for r in annotation["result"] if r.get("from_name") == "annotator"]
            assert annotation["ground_truth"] == (who == GOLD)
            labels = [r for r in annotation["result"] if r["type"] == "labels"]
            links = {r["id"]: r["value"]["text"][0] for r in annotation["result"] if r.get("from_name") == "entity"}
            expected = store.spans(uid, who)
            assert [(r["value"]["text"], r["value"]["labels"]) for r in labels] == [
                (s.text, [s.label]) for s in expected]
            for region in labels:
                assert utf16_slice(text, region["value"]["start"], region["value"]["end"]) == region["value"]["text"]
            assert links == {s.id: "NIL" if s.nil else s.entity_id for s in expected if s.nil or s.entity_id}
    english_annotators = [[r["value"]["text"][0] for r in a["result"] if r.get("from_name") == "annotator"][0]
                          for a in tasks[0]["annotations"]]
    assert english_annotators == ["alice", "bob", GOLD]


def test_offsets_after_an_emoji_are_utf16_code_units(fixture, tmp_path):
    _, tasks, _ = export_labelstudio(fixture.store, tmp_path / "ls", Selection(annotators=("alice",)))
    ukrainian = tasks[1]
    [region] = [r for r in ukrainian["annotations"][0]["result"]
                if r["type"] == "labels" and r["value"]["text"] == "«Укренерго»"]
    start, end = at(UKRAINIAN, "«Укренерго»")
    assert UKRAINIAN.index("🔌") < start
    assert (region["value"]["start"], region["value"]["end"]) == (start + 1, end + 1)
    [before] = [r for r in ukrainian["annotations"][0]["result"]
                if r["type"] == "labels" and r["value"]["text"] == "Віталій Кличко"]
    assert (before["value"]["start"], before["value"]["end"]) == at(UKRAINIAN, "Віталій Кличко")


def test_label_studios_converter_reads_the_spans_back(fixture, tmp_path):
    folder = tmp_path / "ls"
    _, tasks, config = export_labelstudio(fixture.store, folder, Selection(annotators=("bob",)))
    reader = converter.Converter(config=config, project_dir=str(tmp_path))
    items = list(reader.iter_from_json_file(str(folder / "tasks.json")))
    assert len(items) == 1
    [item] = items
    assert item["input"]["document"] == fixture.english
    assert [(v["text"], v["labels"]) for v in item["output"]["label"]] == [
        (s.text, [s.label]) for s in fixture.store.spans(fixture.english, "bob")]
    assert item["output"]["annotator"][0]["text"] == ["bob"]
    assert item["lead_time"] == 95.0


def test_exporting_again_replaces_an_earlier_export_but_no_other_folder(fixture, tmp_path):
    folder = tmp_path / "ls"
    export_labelstudio(fixture.store, folder)
    _, tasks, _ = export_labelstudio(fixture.store, folder, Selection(annotators=("bob",)))
    assert len(tasks) == 1
    (folder / "notes.md").write_text("mine")
    with pytest.raises(WorkbenchError, match="not an earlier labelstudio export"):
        export_labelstudio(fixture.store, folder)
    assert (folder / "notes.md").read_text() == "mine"
