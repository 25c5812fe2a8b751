"""The native JSONL export: lossless, deterministic, and importable all-or-nothing."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from export_fixture import ENGLISH, build
from workbench.cli import cli
from workbench.errors import OffsetMismatch
from workbench.formats import Selection, export, get_format
from workbench.importer import import_paths
from workbench.model import GOLD
from workbench.store import Store

EVERYTHING = Selection(annotators=("alice", "bob"), gold=True, status="any")


@pytest.fixture
def fixture(store):
    return build(store)


def export_native(store: Store, path: Path, selection: Selection = EVERYTHING) -> bytes:
    export(store, get_format("jsonl"), selection, path)
    return path.read_bytes()


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_export_import_export_gives_identical_bytes(fixture, tmp_path):
    first = export_native(fixture.store, tmp_path / "first.jsonl")
    assert sum(len(a["relations"]) for record in lines(tmp_path / "first.jsonl")
               for a in record["annotations"]) == 6
    fresh = Store.open(tmp_path / "fresh.db")
    report = import_paths(fresh, [tmp_path / "first.jsonl"])
    assert not report.rejected and report.added == 3
    assert export_native(fresh, tmp_path / "second.jsonl") == first


def test_import_restores_relations_with_their_ids_between_the_same_spans(fixture, tmp_path):
    store = fixture.store
    export_native(store, tmp_path / "all.jsonl")
    fresh = Store.open(tmp_path / "fresh.db")
    import_paths(fresh, [tmp_path / "all.jsonl"])
    for uid in store.document_uids():
        assert fresh.relations(uid) == store.relations(uid)
    [claim_source] = [(fresh.span(r.head).text, fresh.span(r.tail).text)
                      for r in fresh.relations(fixture.english, "bob")]
    assert claim_source == ("lost 1,200 troops", "Ukraine's General Staff")


def test_import_restores_spans_links_statuses_and_seconds(fixture, tmp_path):
    store = fixture.store
    export_native(store, tmp_path / "all.jsonl")
    fresh = Store.open(tmp_path / "fresh.db")
    import_paths(fresh, [tmp_path / "all.jsonl"])
    assert fresh.annotators(include_gold=True) == ["alice", "bob", GOLD]
    for uid in store.document_uids():
        assert fresh.spans(uid) == store.spans(uid)
        assert fresh.statuses(uid) == store.statuses(uid)
        assert [row.seconds for row in fresh.queue("alice")] == [row.seconds for row in store.queue("alice")]
    nil_spans = [span for span in fresh.spans(fixture.english, "alice") if span.nil]
    assert [span.text for span in nil_spans] == ["Ukraine"]
    created = fresh.entity("wb:volodymyr-zelensky")
    assert (created.name, created.type) == ("Volodymyr Zelensky", "PERSON")


def test_same_database_exports_byte_identical_files(fixture, tmp_path):
    assert export_native(fixture.store, tmp_path / "a.jsonl") == export_native(fixture.store, tmp_path / "b.jsonl")


def test_native_export_validates_against_the_json_schema(fixture, tmp_path):
    schema = json.loads((resources.files("workbench.formats") / "native.schema.json").read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    export_native(fixture.store, tmp_path / "x.jsonl")
    records = lines(tmp_path / "x.jsonl")
    for record in records:
        validator.validate(record)
    spans = [span for record in records for a in record["annotations"] for span in a["spans"]]
    assert {"nil": True, "entity": None}.items() <= next(s for s in spans if s["text"] == "Ukraine").items()
    linked = next(s for s in spans if s["text"] == "Volodymyr Zelensky")
    assert linked["entity"] == {"id": "wb:volodymyr-zelensky", "name": "Volodymyr Zelensky", "type": "PERSON"}
    with pytest.raises(jsonschema.ValidationError):
        validator.validate({**records[0], "annotations": [{"annotator": "x", "status": "done", "spans": [
            {"start": 0, "end": 1, "label": "claim", "text": "U", "entity": {"id": "e", "name": "E", "type": ""},
             "nil": True}]}]})


def test_done_is_the_default_and_leaves_out_unfinished_work(fixture, tmp_path):
    export_native(fixture.store, tmp_path / "done.jsonl", Selection())
    records = lines(tmp_path / "done.jsonl")
    assert [record["id"] for record in records] == [fixture.english, fixture.ukrainian]
    assert [a["annotator"] for a in records[1]["annotations"]] == ["alice"]
    assert all(a["status"] == "done" for r in records for a in r["annotations"])


def test_label_filter_keeps_only_that_label(fixture, tmp_path):
    export_native(fixture.store, tmp_path / "figures.jsonl", Selection(labels=("figure",)))
    labels = {s["label"] for r in lines(tmp_path / "figures.jsonl") for a in r["annotations"] for s in a["spans"]}
    assert labels == {"figure"}


def test_span_that_no_longer_matches_its_text_stops_the_export_and_leaves_no_file(fixture, tmp_path):
    store = fixture.store
    bad = store.spans(fixture.english, "bob")[0]
    store.db.execute("UPDATE spans SET text = 'tampered' WHERE id = ?", [bad.id])
    store.db.conn.commit()
    target = tmp_path / "out" / "broken.jsonl"
    with pytest.raises(OffsetMismatch, match=f"{fixture.english}.*{bad.id}"):
        export_native(store, target)
    assert list(target.parent.iterdir()) == []


def test_an_export_that_fails_midway_keeps_the_previous_file(fixture, tmp_path, monkeypatch):
    target = tmp_path / "kept.jsonl"
    target.write_text("previous export\n")
    from workbench.formats import jsonl

    def explode(item):
        raise KeyboardInterrupt

    monkeypatch.setattr(jsonl, "record", explode)
    with pytest.raises(KeyboardInterrupt):
        export_native(fixture.store, target)
    assert target.read_text() == "previous export\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def _native_line(span: dict) -> str:
    return json.dumps({"text": ENGLISH, "annotations": [
        {"annotator": "carol", "status": "done", "seconds": 3, "spans": [span]}]}, ensure_ascii=False)


GOOD_SPAN = {"start": 0, "end": 7, "label": "source", "text": "Ukraine", "entity": None}


@pytest.mark.parametrize("change, message", [
    ({"start": 100, "end": 400}, "out of range"),
    ({"start": 7, "end": 0}, "out of range"),
    ({"text": "Russia"}, "records 'Russia'"),
    ({"label": "weapon"}, "unknown label 'weapon'"),
    ({"start": "0"}, '"start" has the wrong type'),
    ({"entity": {"id": "wb:x", "name": "X", "type": ""}, "nil": True}, "linked to an entity and marked NIL"),
])
def test_bad_span_rejects_the_whole_file_naming_file_and_line(store, tmp_path, change, message):
    path = tmp_path / "bad.jsonl"
    other = json.dumps({"text": "A first, valid document.", "annotations": []})
    path.write_text(other + "\n" + _native_line({**GOOD_SPAN, **change}) + "\n", encoding="utf-8")
    report = import_paths(store, [path])
    assert len(report.rejected) == 1
    assert f"{path}:2:" in str(report.rejected[0]) and message in str(report.rejected[0])
    assert store.document_count() == 0 and store.annotators() == []


def test_native_file_accepts_plain_corpus_lines_and_restores_the_rest(store, tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_text(json.dumps({"text": "Plain line without annotations.", "id": "p-1"}) + "\n"
                    + _native_line({**GOOD_SPAN, "entity": {"id": "wb:ua", "name": "Ukraine", "type": "GPE"}})
                    + "\n", encoding="utf-8")
    report = import_paths(store, [path])
    assert not report.rejected and report.added == 2 and report.spans == 1
    first, second = store.document_uids()
    assert store.document(first).source == "p-1"
    [span] = store.spans(second, "carol")
    assert (span.text, span.entity_id, store.status(second, "carol")) == ("Ukraine", "wb:ua", "done")
    assert store.entity("wb:ua").type == "GPE"


def test_importing_over_existing_annotations_is_refused_whole(fixture, tmp_path):
    path = tmp_path / "again.jsonl"
    export_native(fixture.store, path)
    before = export_native(fixture.store, tmp_path / "before.jsonl")
    report = import_paths(fixture.store, [path])
    assert "already has annotations" in str(report.rejected[0])
    assert export_native(fixture.store, tmp_path / "after.jsonl") == before


def test_export_command_names_the_file_by_content_and_prints_a_summary(fixture, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    fixture.store.close()
    db = str(tmp_path / "annotations.db")
    result = CliRunner().invoke(cli, ["--db", db, "export", "--format", "jsonl",
                                      "--annotator", "bob", "--annotator", "alice"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == ("exports/jsonl-alice-bob-done.jsonl: 2 documents, "
                                     "14 spans, 6 links, 5 relations, annotators: alice, bob")
    assert (tmp_path / "exports" / "jsonl-alice-bob-done.jsonl").exists()


def test_export_command_reports_unknown_annotator_in_one_line(fixture, tmp_path):
    fixture.store.close()
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "annotations.db"), "export",
                                      "--format", "jsonl", "--annotator", "zed", "--out", str(tmp_path / "x")])
    assert result.exit_code == 1
    assert "no annotator 'zed'" in result.output
    assert not (tmp_path / "x").exists()


def test_export_help_says_done_is_the_default(tmp_path):
    result = CliRunner().invoke(cli, ["export", "--help"])
    assert "default: done" in result.output and "training data" in result.output


def test_a_file_imported_by_absolute_path_is_recorded_relative_to_the_working_directory(
        store, tmp_path, monkeypatch):
    folder = tmp_path / "work" / "articles"
    folder.mkdir(parents=True)
    (folder / "kyiv.txt").write_text("Kyiv\n\nPower returned to Kyiv on Monday.\n", encoding="utf-8")
    (folder / "lines.jsonl").write_text(json.dumps({"text": "Odesa port reopened."}) + "\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path / "work")
    import_paths(store, [folder.resolve()])
    path = tmp_path / "native.jsonl"
    export_native(store, path, Selection(status="any"))
    assert sorted(json.loads(line)["source"] for line in path.read_text(encoding="utf-8").splitlines()) == [
        "articles/kyiv.txt", "articles/lines.jsonl:1"]
