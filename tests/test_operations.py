"""`workbench check`, `backup` and `merge`, and the backup taken before a migration."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from workbench.cli import cli
from workbench.merge import merge
from workbench.model import Entity, NewDocument
from workbench.store import SCHEMA_VERSION, Store, migrations


def run(db, *args):
    result = CliRunner().invoke(cli, ["--db", str(db), *args], obj={})
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.fixture
def annotated(demo_store):
    first, second = demo_store.document_uids()[:2]
    demo_store.add_span(first, "alice", 0, 5, "claim")
    demo_store.add_span(second, "bob", 3, 9, "source")
    return demo_store


def raw(store: Store) -> sqlite3.Connection:
    return sqlite3.connect(store.path)


# -- check ---------------------------------------------------------------------


def test_check_passes_a_healthy_database(annotated):
    result = run(annotated.path, "check")
    assert result.exit_code == 0
    assert "ok (schema version" in result.output


def test_check_lists_a_span_whose_covered_text_was_corrupted(annotated):
    span = annotated.spans(annotated.document_uids()[0])[0]
    with raw(annotated) as connection:
        connection.execute("UPDATE spans SET text = 'XXXXX' WHERE id = ?", [span.id])
    result = run(annotated.path, "check")
    assert result.exit_code == 1
    assert f"covered text: span {span.id}" in result.output
    assert "'XXXXX'" in result.output


def test_check_lists_offsets_outside_the_document(annotated):
    span = annotated.spans(annotated.document_uids()[1])[0]
    with raw(annotated) as connection:
        connection.execute('UPDATE spans SET "end" = 10000000 WHERE id = ?', [span.id])
    result = run(annotated.path, "check")
    assert result.exit_code == 1
    assert f"offsets: span {span.id}" in result.output


def test_check_lists_a_span_of_a_missing_document(annotated):
    with raw(annotated) as connection:
        connection.execute(
            """INSERT INTO spans (id, document, annotator, start, "end", label, text, created_at, updated_at)
               VALUES ('orphan', 'no-such-document', 'alice', 0, 1, 'claim', 'x', '', '')""")
    result = run(annotated.path, "check")
    assert result.exit_code == 1
    assert "foreign key: spans row" in result.output
    assert "missing documents row" in result.output


def test_check_reports_an_old_schema_without_upgrading_it(tmp_path):
    path = tmp_path / "old.db"
    migrations.apply(Database(path), stop_before="m002_provenance")
    result = run(path, "check")
    assert result.exit_code == 1
    assert f"schema: version 1, expected {SCHEMA_VERSION}" in result.output
    assert len(migrations.applied(Database(path))) == 1
    assert not list(tmp_path.glob("*.bak"))


def test_check_rejects_a_file_that_is_not_a_database(tmp_path):
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are my notes, not a database\n" * 200)
    result = run(path, "check")
    assert result.exit_code == 1
    assert "notes.db" in result.output


# -- backup --------------------------------------------------------------------


def test_backup_while_another_connection_keeps_writing(annotated, tmp_path):
    document = annotated.document_uids()[0]
    before = len(annotated.spans(document))
    started, stop = threading.Event(), threading.Event()
    written = []

    def keep_writing() -> None:
        writer = Store.open(annotated.path)
        try:
            while not stop.is_set():
                # A new annotator every 50 spans: an annotator has one span per offsets and label.
                written.append(writer.add_span(document, f"writer-{len(written) // 50}", len(written) % 50, 60,
                                               "figure"))
                started.set()
        finally:
            writer.close()

    thread = threading.Thread(target=keep_writing)
    thread.start()
    try:
        assert started.wait(30)
        copy_path = tmp_path / "copy.db"
        result = run(annotated.path, "backup", str(copy_path))
    finally:
        stop.set()
        thread.join(30)
    assert result.exit_code == 0, result.output
    assert "written and checked" in result.output
    copy = Store.open(copy_path, migrate=False)
    assert copy.check() == []
    assert before < len(copy.spans(document)) <= before + len(written)
    copy.close()
    assert run(copy_path, "check").exit_code == 0


def test_backup_refuses_to_overwrite_without_force(annotated, tmp_path):
    target = tmp_path / "existing.db"
    target.write_text("precious")
    result = run(annotated.path, "backup", str(target))
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert target.read_text() == "precious"
    assert run(annotated.path, "backup", "--force", str(target)).exit_code == 0
    assert Store.open(target, migrate=False).document_count() == annotated.document_count()


def test_opening_an_old_database_backs_it_up_then_upgrades_it(tmp_path):
    path = tmp_path / "old.db"
    old = Database(path)
    migrations.apply(old, stop_before="m002_provenance")
    old.execute("INSERT INTO labels VALUES ('claim', '1', '#fff', '', 0)")
    old.execute("INSERT INTO annotators VALUES ('alice', '2024-01-01T00:00:00Z')")
    old.execute("INSERT INTO documents VALUES ('d1', 'Title', 'Kyiv said so.', 's', '{}', 'now')")
    old.execute("""INSERT INTO spans (id, document, annotator, start, "end", label, text, created_at, updated_at)
                   VALUES ('s1', 'd1', 'alice', 0, 4, 'claim', 'Kyiv', 'now', 'now')""")
    old.close()

    store = Store.open(path)
    assert store.schema_version() == SCHEMA_VERSION
    assert store.span("s1").provenance == ()
    assert store.check() == []
    store.close()

    backup = tmp_path / "old.db.before-m002_provenance.bak"
    assert backup.is_file()
    kept = Database(backup)
    assert [m.name for m in migrations.applied(kept)] == ["m001_core"]
    assert [row["text"] for row in kept.query("SELECT text FROM spans")] == ["Kyiv"]


# -- merge ---------------------------------------------------------------------


def event_uids(store: Store) -> list[str]:
    return [row["uid"] for row in store.rows("events")]


def snapshot(store: Store) -> tuple:
    spans = sorted((s for uid in store.document_uids() for s in store.spans(uid)), key=lambda s: s.id)
    statuses = sorted((r["document"], r["annotator"], r["status"]) for r in store.rows("doc_status"))
    return spans, statuses, sorted(event_uids(store)), store.document_uids(), store.annotators()


@pytest.fixture
def diverged(annotated, tmp_path):
    """The team database and an offline copy taken from it, both worked on afterwards."""
    main = annotated
    first, second = main.document_uids()[:2]
    conflicting = main.add_span(first, "alice", 10, 20, "claim")
    changed_here = main.add_span(first, "alice", 30, 40, "claim")
    changed_there = main.add_span(first, "alice", 50, 60, "claim")
    deleted_there = main.add_span(first, "alice", 70, 80, "claim")
    main.set_status(second, "bob", "in_progress")
    copy_path = tmp_path / "offline.db"
    main.backup(copy_path)
    copy = Store.open(copy_path)

    main.relabel(conflicting.id, "source")
    main.relabel(changed_here.id, "figure")
    main.add_span(second, "bob", 20, 25, "figure")
    main.set_status(second, "bob", "done")

    copy.relabel(conflicting.id, "figure")
    copy.relabel(changed_there.id, "source")
    copy.delete_span(deleted_there.id)
    copy.add_documents([NewDocument("Written offline about Odesa.", "Offline", "offline.txt")])
    copy.import_entities([Entity("Q1874", "Odesa", "GPE", aliases=("Odessa",))], str.casefold)
    offline_doc = copy.document_uids()[-1]
    olena_span = copy.add_span(offline_doc, "olena", 22, 27, "source")
    copy.link(olena_span.id, "Q1874")
    copy.set_status(offline_doc, "olena", "done")
    copy.set_status(second, "bob", "skipped")
    spans = {"conflicting": conflicting, "changed_here": changed_here, "changed_there": changed_there,
             "deleted_there": deleted_there, "olena": olena_span}
    yield main, copy, spans
    copy.close()


def test_merge_brings_in_the_other_copys_work(diverged):
    main, copy, spans = diverged
    report = merge(main, copy.path)
    olena = main.span(spans["olena"].id)
    assert olena.entity_id == "Q1874" and olena.text == "Odesa"
    assert main.entity("Q1874").aliases == ("Odesa", "Odessa")
    assert "olena" in main.annotators()
    assert main.status(olena.document, "olena") == "done"
    assert main.span(spans["changed_there"].id).label == "source"
    assert main.span(spans["changed_here"].id).label == "figure"
    assert spans["deleted_there"].id not in {s.id for s in main.spans(spans["deleted_there"].document)}
    assert report.added["documents"] == 1
    assert report.added["spans"] == 1
    assert report.spans_updated == 1 and report.spans_removed == 1
    assert main.check() == []


def test_merge_reports_conflicts_and_keeps_this_copys_version(diverged):
    main, copy, spans = diverged
    report = merge(main, copy.path)
    conflicting = spans["conflicting"].id
    assert main.span(conflicting).label == "source"
    assert len(report.conflicts) == 2
    span_conflict = next(line for line in report.conflicts if conflicting in line)
    assert "here source" in span_conflict and "there figure" in span_conflict
    status_conflict = next(line for line in report.conflicts if line.startswith("status"))
    assert "bob" in status_conflict and "here done, there skipped" in status_conflict
    assert main.status(main.document_uids()[1], "bob") == "done"
    # The other copy's relabel of the conflicting span is not mixed into this copy's history.
    relabels = [e.after["label"] for e in main.events() if e.span_id == conflicting and e.action == "relabel"]
    assert relabels == ["source"]


def test_merge_brings_in_events_so_the_offline_annotator_can_undo(diverged):
    main, copy, spans = diverged
    merge(main, copy.path)
    assert set(event_uids(copy)) - set(event_uids(main)) == {
        row["uid"] for row in copy.rows("events")
        if row["span_id"] == spans["conflicting"].id and row["action"] == "relabel"
        or row["action"] == "status" and row["annotator"] == "bob" and row["after"] == '{"status": "skipped"}'}
    undone = main.undo(spans["olena"].document, "olena")
    assert undone.action == "link"
    assert main.span(spans["olena"].id).entity_id is None


def test_a_propagation_made_offline_is_still_one_undo_after_the_merge(annotated, tmp_path):
    main = annotated
    copy_path = tmp_path / "offline.db"
    main.backup(copy_path)
    copy = Store.open(copy_path)
    copy.add_documents([NewDocument("Odesa, then Odesa again.", "Offline", "offline.txt")])
    copy.import_entities([Entity("Q1874", "Odesa", "GPE")], str.casefold)
    document = copy.document_uids()[-1]
    mentions = [copy.add_span(document, "olena", start, start + 5, "source") for start in (0, 12)]
    copy.link_many([span.id for span in mentions], "Q1874")
    copy.close()

    merge(main, copy_path)
    assert [span.entity_id for span in main.spans(document, "olena")] == ["Q1874", "Q1874"]
    main.undo(document, "olena")
    assert [span.entity_id for span in main.spans(document, "olena")] == [None, None]


def test_merging_twice_changes_nothing(diverged):
    main, copy, _ = diverged
    first = merge(main, copy.path)
    after_first = snapshot(main)
    second = merge(main, copy.path)
    assert snapshot(main) == after_first
    assert not second.changed
    assert second.conflicts == first.conflicts


def test_merge_command_prints_a_summary_and_the_conflicts(diverged):
    main, copy, spans = diverged
    result = run(main.path, "merge", copy.path)
    assert result.exit_code == 1
    assert result.output.count("conflict: ") == 2
    assert spans["conflicting"].id in result.output
    assert "merged " in result.output and "1 document," in result.output
    again = run(main.path, "merge", copy.path)
    assert "nothing new to add" in again.output


def test_merge_into_an_empty_database_reproduces_the_copy(diverged, tmp_path):
    _, copy, _ = diverged
    empty = Store.open(tmp_path / "empty.db")
    report = merge(empty, copy.path)
    assert report.conflicts == []
    assert snapshot(empty) == snapshot(copy)
    empty.close()


def test_merge_refuses_a_missing_file_itself_and_another_schema(annotated, tmp_path):
    assert "no such database file" in run(annotated.path, "merge", str(tmp_path / "nope.db")).output
    assert "into itself" in run(annotated.path, "merge", annotated.path).output
    old = tmp_path / "old.db"
    migrations.apply(Database(old), stop_before="m002_provenance")
    result = run(annotated.path, "merge", str(old))
    assert result.exit_code == 1
    assert "schema version 1" in result.output


def test_merge_summary_counts_one_of_a_kind_in_the_singular():
    from workbench.merge import MergeReport

    report = MergeReport("other.db")
    report.added.update({"documents": 1, "entities": 1, "suggestion rejections": 1, "spans": 2})
    report.statuses_updated = 1

    assert report.summary() == ("merged other.db: added 1 document, 1 entity, 1 suggestion rejection, "
                                "2 spans; 1 status updated; 0 conflicts")
