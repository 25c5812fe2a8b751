"""What a hostile or unlucky user can throw at the workbench: each case is one line of error,
nothing half-done, and nothing lost."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from workbench.cli import cli
from workbench.corpus import expand
from workbench.errors import StorageRefused, WorkbenchError
from workbench.failures import write_crash_log
from workbench.merge import merge
from workbench.model import NewDocument
from workbench.store import Store, migrations
from workbench.text import content_hash
from workbench.tui.app import make_app
from workbench.tui.screens.annotate import AnnotateScreen

TEXT = "Kyiv said Russia shelled Kharkiv overnight."


def run(db: Path, *args: str, input: str | None = None):
    return CliRunner().invoke(cli, ["--db", str(db), *args], input=input, obj={})


def workbench(*args: str | bytes, timeout: float = 60) -> subprocess.CompletedProcess:
    """A real `workbench` process, its arguments as raw bytes where given so."""
    return subprocess.run([sys.executable, "-m", "workbench", *args], capture_output=True, timeout=timeout)


def native_line(spans: list[dict], annotator: str = "alice", text: str = TEXT) -> str:
    return json.dumps({"id": content_hash(text), "text": text, "annotations": [
        {"annotator": annotator, "status": "done", "spans": spans}]})


def span_at(phrase: str, **extra) -> dict:
    start = TEXT.index(phrase)
    return {"start": start, "end": start + len(phrase), "label": "source", "text": phrase, **extra}


# -- work lost or damaged --------------------------------------------------------------

def test_native_import_refuses_an_empty_span_id(store, tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text(native_line([span_at("Kyiv", id="")]) + "\n", encoding="utf-8")

    [error] = run(store.path, "import", str(path)).output.splitlines()[:1]

    assert error == f'rejected {path}:1: annotator \'alice\', span 1: "id" must not be empty (leave it out to get a new one)'
    assert store.document_count() == 0


def diverged_copies(store: Store, tmp_path: Path) -> Path:
    store.add_documents([NewDocument(TEXT, "t", "t.txt")])
    uid = store.document_uids()[0]
    store.add_seconds(uid, "alice", 100)
    copy_path = tmp_path / "copy.db"
    store.backup(copy_path)
    store.add_seconds(uid, "alice", 10)  # work here after the copy was taken
    copy = Store.open(copy_path)
    copy.add_seconds(uid, "alice", 500)  # work there
    copy.close()
    return copy_path


def test_merge_adds_the_time_worked_in_the_other_copy_and_loses_none(store, tmp_path):
    copy_path = diverged_copies(store, tmp_path)
    uid = store.document_uids()[0]

    report = merge(store, copy_path)

    assert store.queue("alice")[0].seconds == pytest.approx(610)
    assert "8.3 minutes of annotation time added" in report.summary()
    merge(store, copy_path)  # twice changes nothing
    assert store.queue("alice")[0].seconds == pytest.approx(610)
    assert store.status(uid, "alice") == "new"


def test_merge_of_time_from_before_it_was_logged_keeps_the_larger(store, tmp_path):
    copy_path = diverged_copies(store, tmp_path)
    # As an older workbench left both copies: the time in the status rows, no events for it.
    for database in (Database(copy_path), store.db):
        database.execute("DELETE FROM events WHERE action = 'time'")
        database.conn.commit()

    merge(store, copy_path)

    assert store.queue("alice")[0].seconds == pytest.approx(600)


# -- crashes, tracebacks, hangs ------------------------------------------------------

def test_a_file_name_that_is_not_utf8_is_rejected_by_name_and_the_rest_imported(store, tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "good.txt").write_text("Odesa port reopened.", encoding="utf-8")
    bad = os.path.join(os.fsencode(folder), b"caf\xe9.txt")
    with open(bad, "wb") as out:
        out.write(b"Kherson was shelled.")

    result = workbench("--db", str(store.path), "import", str(folder))

    assert result.returncode == 1, result.stderr
    assert b"rejected " + os.fsencode(folder) + b"/caf\\xe9.txt: the file name is not valid UTF-8" in result.stderr
    assert b"1 added, 0 already present, 1 file rejected" in result.stdout
    assert [title for _, title, _, _ in store.document_summaries()] == ["Odesa port reopened."]


def test_two_lines_for_one_document_and_annotator_name_both_lines(store, tmp_path):
    path = tmp_path / "joined.jsonl"
    path.write_text(native_line([span_at("Kyiv")]) + "\n" + native_line([span_at("Kharkiv")]) + "\n",
                    encoding="utf-8")

    output = run(store.path, "import", str(path)).output

    assert (f"rejected {path}:2: annotator 'alice' already has annotations of this document on line 1; "
            "one line per document holds every annotator's work") in output
    assert store.document_count() == 0


@pytest.mark.parametrize("command", [
    ["kb", "add", b"caf\xff"], ["kb", "show", b"caf\xff"], ["kb", "list", "--type", b"caf\xff"],
    ["agreement", "-d", b"caf\xff"], ["annotate", "--annotator", b"Jos\xe9"], ["review", b"caf\xff"],
])
def test_an_argument_that_is_not_utf8_is_one_line(tmp_path, command):
    db = tmp_path / "t.db"
    Store.open(db).close()

    result = workbench("--db", str(db), *command)

    assert result.returncode == 1
    assert result.stderr.count(b"\n") == 1
    assert b"is not valid UTF-8 text" in result.stderr and b"\\x" in result.stderr


def test_the_crash_log_is_written_whatever_the_command_line_held(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "argv", ["workbench", "kb", "add", "caf\udcff"])
    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        log = write_crash_log()
    text = log.read_text(encoding="utf-8")
    assert "kb add caf\\xff" in text and "RuntimeError: a bug" in text


async def test_a_full_disk_is_shown_and_the_annotator_keeps_the_screen(store, monkeypatch):
    store.add_documents([NewDocument(TEXT, "t", "t.txt")])
    uid = store.document_uids()[0]

    def full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    async with make_app(store, "alice").run_test(size=(100, 30)) as pilot:
        screen = pilot.app.screen
        monkeypatch.setattr(store, "_put", full)
        monkeypatch.setattr(store, "_upsert_status", full)
        await pilot.press("v", "1")
        screen._unsaved_seconds = 12.0
        screen.flush_time()
        await pilot.pause()
        assert isinstance(pilot.app.screen, AnnotateScreen)
        assert "not saved" in str(screen.query_one("#status").content)
        assert screen._unsaved_seconds == 12.0  # kept for the next flush
        monkeypatch.undo()
        screen.flush_time()
        assert screen._unsaved_seconds == 0.0

    assert store.spans(uid) == []
    assert store.queue("alice")[0].seconds >= 12.0


def test_the_store_names_a_full_disk_as_the_users_problem(store, monkeypatch):
    store.add_documents([NewDocument(TEXT, "t", "t.txt")])
    uid = store.document_uids()[0]
    monkeypatch.setattr(store, "_put", lambda span: (_ for _ in ()).throw(
        sqlite3.OperationalError("database or disk is full")))
    with pytest.raises(StorageRefused, match="database or disk is full; nothing was saved"):
        store.add_span(uid, "alice", 0, 4, "source")


def test_an_invalid_label_colour_is_refused_naming_the_label_and_the_file(tmp_path):
    labels = tmp_path / "labels.toml"
    labels.write_text('[[labels]]\nname = "claim"\nkey = "1"\ncolour = "#c678d"\n', encoding="utf-8")

    result = run(tmp_path / "t.db", "init", "--labels", str(labels))

    assert result.exit_code == 1
    assert result.output == (f"error: {labels}: label 'claim': '#c678d' is not a colour; give one like "
                             "#c678dd, rgb(198,120,221) or magenta\n")


def test_a_fifo_or_a_device_named_on_the_command_line_is_refused_at_once(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    db = tmp_path / "t.db"

    result = workbench("--db", str(db), "import", str(fifo), "/dev/zero", timeout=30)

    assert result.returncode == 1
    assert f"rejected {fifo}: not a regular file (a FIFO, device or socket)".encode() in result.stderr
    assert b"rejected /dev/zero: not a regular file" in result.stderr


def test_annotators_opening_an_old_database_at_once_migrate_it_once(tmp_path):
    path = tmp_path / "old.db"
    migrations.apply(Database(path), stop_before="m002_provenance")
    opener = "import sys; from workbench.store import Store; Store.open(sys.argv[1]).close()"
    processes = [subprocess.Popen([sys.executable, "-c", opener, str(path)], stderr=subprocess.PIPE)
                 for _ in range(8)]
    results = [(process.wait(60), process.stderr.read()) for process in processes]

    assert all(code == 0 for code, _ in results), results
    assert [p.name for p in tmp_path.iterdir() if ".bak" in p.name] == ["old.db.before-m002_provenance.bak"]
    assert Store.open(path, readonly=True).check() == []


# -- escape injection ----------------------------------------------------------------------

HOSTILE = "ev\x1b]2;owned\x07il\u202e"


def test_native_import_refuses_an_annotator_name_that_would_act_on_the_terminal(store, tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text(native_line([], annotator=HOSTILE) + "\n", encoding="utf-8")

    output = run(store.path, "import", str(path)).output

    assert (f"rejected {path}:1: annotation 1: an annotator name must not contain control or "
            "text-direction characters") in output
    assert "\x1b" not in output and "\u202e" not in output
    with pytest.raises(WorkbenchError):
        store.ensure_annotator("bob\x1b[2J")


async def test_review_shows_an_older_databases_hostile_name_cleaned(store):
    store.add_documents([NewDocument(TEXT, "t", "t.txt")])
    uid = store.document_uids()[0]
    store.db.execute("INSERT INTO annotators (name, created_at) VALUES (?, 'then')", [HOSTILE])
    store.db.conn.commit()
    for name, label in ((HOSTILE, "source"), ("bob", "claim")):
        store.add_span(uid, name, 0, 4, label)
        store.set_status(uid, name, "done")

    async with make_app(store, "lead", review=[]).run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        shown = [str(pilot.app.screen.query_one(selector).content) for selector in ("#header", "#review-panel")]
        export = run(store.path, "export", "--format", "jsonl", "--out", str(Path(store.path).parent / "x.jsonl"))

    for text in (*shown, export.output):
        assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert any("ev" in text for text in shown)


# -- wrong results -----------------------------------------------------------------------

async def test_someone_who_only_looked_is_left_out_of_the_agreement_report(store):
    store.add_documents([NewDocument(TEXT, "t", "t.txt")])
    uid = store.document_uids()[0]
    for name in ("alice", "bob"):
        store.add_span(uid, name, 0, 4, "source")
        store.set_status(uid, name, "done")
    async with make_app(store, "carol").run_test(size=(100, 30)) as pilot:
        pilot.app.screen._unsaved_seconds = 5.0
        await pilot.press("right", "left")

    result = run(store.path, "agreement", "--format", "json")

    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["annotators"] == ["alice", "bob"]
    assert "left out, having annotated nothing: carol" in report["basis"]
    assert store.status(uid, "carol") == "new"


def test_digits_are_a_uid_prefix_and_hash_digits_a_position(store):
    texts = [f"Article {n} about Sumy." for n in range(40)]
    store.add_documents([NewDocument(text, text, f"{n}.txt") for n, text in enumerate(texts)])
    uids = store.document_uids()
    prefix = next(uid[:3] for uid in uids if uid[:3].isdigit()
                  and sum(other.startswith(uid[:3]) for other in uids) == 1)

    unused = next(str(n) for n in range(100, 1000) if not any(uid.startswith(str(n)) for uid in uids))

    assert store.find_document(prefix).uid.startswith(prefix)
    assert store.find_document("#2").uid == uids[1]
    with pytest.raises(WorkbenchError, match=f"for the document at position {unused}, give #{unused}"):
        store.find_document(unused)


def test_a_new_label_cannot_take_the_key_of_a_label_already_in_the_database(store, tmp_path):
    labels = tmp_path / "labels.toml"
    labels.write_text('[[labels]]\nname = "place"\n', encoding="utf-8")  # key: its position, 1

    result = run(store.path, "init", "--labels", str(labels))

    assert result.exit_code == 1
    assert result.output == (f"error: {labels}: label 'claim' and label 'place' would both have the key '1'; "
                             "give one of them another key\n")
    assert [label.name for label in store.labels()] == ["claim", "source", "figure", "mention"]


@pytest.mark.parametrize("row, problem", [
    ({"id": "a b", "name": "Odd"}, "entity id 'a b' contains whitespace"),
])
def test_an_entity_id_with_spaces_is_refused_at_every_door(store, tmp_path, row, problem):
    kb_file = tmp_path / "kb.jsonl"
    kb_file.write_text(json.dumps(row) + "\n", encoding="utf-8")

    imported = run(store.path, "kb", "import", str(kb_file))
    added = run(store.path, "kb", "add", "Odd", "--id", "a b")

    assert imported.output.startswith(f"error: {kb_file}:1: {problem}")
    assert added.output.startswith(f"error: kb add: {problem}")
    assert store.entity_count() == 0


# -- bad input let in --------------------------------------------------------------------

def test_fields_the_format_does_not_know_are_counted_in_the_summary(store, tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text(native_line([span_at("Kyiv", confidence=0.9), span_at("Kharkiv", confidence=0.5)])
                    + "\n", encoding="utf-8")

    result = run(store.path, "import", str(path))

    assert result.output.strip().endswith("ignored fields the format does not know: span.confidence (2)")


def test_an_unreadable_subfolder_is_reported_not_skipped(tmp_path, monkeypatch):
    folder = tmp_path / "articles"
    (folder / "locked").mkdir(parents=True)
    (folder / "a.txt").write_text("Odesa.", encoding="utf-8")
    real_scandir = os.scandir

    def scandir(path):
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)

    assert list(expand([folder])) == [folder / "a.txt", folder / "locked"]


@pytest.mark.parametrize("record, message", [
    ({"text": "Kyiv.", "id": 1.5}, '"id" must be a string or a whole number, not 1.5'),
    ({"text": "Kyiv.", "id": True}, '"id" must be a string or a whole number, not true'),
    ({"text": "Kyiv \u0000 Lviv."}, "contains NUL characters"),
])
def test_corpus_jsonl_values_that_cannot_be_a_document_are_named(store, tmp_path, record, message):
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")

    output = run(store.path, "import", str(path)).output

    assert f"rejected {path}:1: {message}" in output
    assert store.document_count() == 0


@pytest.mark.parametrize("name, data, title", [
    ("utf32.txt", "\ufeffKyiv in UTF-32.\nBody.".encode("utf-32"), "Kyiv in UTF-32."),
    ("twice.txt", b"\xef\xbb\xbf\xef\xbb\xbfSaved twice.\nBody.", "Saved twice."),
    ("mac.jsonl", b'{"text": "One."}\r{"text": "Two."}\r', "One."),
])
def test_encodings_and_line_endings_a_user_may_have(store, tmp_path, name, data, title):
    path = tmp_path / name
    path.write_bytes(data)

    result = run(store.path, "import", str(path))

    assert result.exit_code == 0 and "0 files rejected" in result.output, result.output
    assert [t for _, t, _, _ in store.document_summaries()][0] == title


def test_nul_in_a_utf16_file_is_refused(store, tmp_path):
    path = tmp_path / "nul.txt"
    path.write_bytes("Kyiv\u0000.".encode("utf-16"))

    assert "contains NUL characters" in run(store.path, "import", str(path)).output
    assert store.document_count() == 0


def test_an_empty_workbench_db_means_the_default(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WORKBENCH_DB", "")

    result = CliRunner().invoke(cli, ["init"], obj={})

    assert result.exit_code == 0, result.output
    assert (tmp_path / "annotations.db").is_file()


def test_kb_search_from_standard_input_refuses_bytes_that_are_not_utf8(store):
    result = subprocess.run([sys.executable, "-m", "workbench", "--db", str(store.path), "kb", "search", "-"],
                            input=b"Kyiv\ncaf\xe9\n", capture_output=True)

    assert result.returncode == 1
    assert result.stderr == b"error: <stdin>:2: not valid UTF-8 (byte 0xe9); give queries in UTF-8\n"
    assert len(result.stdout.splitlines()) == 1


async def test_annotate_queue_and_agreement_screens_show_a_hostile_name_cleaned(store):
    store.add_documents([NewDocument(TEXT, "t", "t.txt")])
    uid = store.document_uids()[0]
    store.db.execute("INSERT INTO annotators (name, created_at) VALUES (?, 'then')", [HOSTILE])
    store.db.conn.commit()
    for name in (HOSTILE, "bob"):
        store.add_span(uid, name, 0, 4, "source")
        store.set_status(uid, name, "done")

    async with make_app(store, HOSTILE).run_test(size=(120, 30)) as pilot:
        shown = [str(pilot.app.screen.query_one("#header").content)]
        await pilot.press("q")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        shown.append(str(pilot.app.screen.query_one("#queue-header").content))
        await pilot.press("A")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        shown.append(str(pilot.app.screen.query_one("#agreement-report").content))

    assert any("ev" in text for text in shown)
    for text in shown:
        assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text


# -- found by a second look ------------------------------------------------------------

def test_position_zero_and_like_wildcards_name_no_document(store):
    store.add_documents([NewDocument("Odesa port.", "Odesa", "a_b.txt"), NewDocument("Sumy.", "Sumy", "axb.txt")])
    with pytest.raises(WorkbenchError, match="positions start at #1"):
        store.find_document("#0")
    assert store.find_document("a_b.txt").title == "Odesa"
    with pytest.raises(WorkbenchError, match="no document matches '_'"):
        store.find_document("_")


def test_an_empty_annotator_option_is_refused_not_replaced_by_the_remembered_name(store):
    store.add_documents([NewDocument(TEXT, "t", "t.txt")])
    result = run(store.path, "annotate", "--annotator", "")
    assert result.exit_code == 1
    assert result.output == "error: an annotator name must not be empty\n"


@pytest.mark.parametrize("name", ["GOLD", " Gold "])
def test_gold_is_reserved_in_any_case(store, name):
    store.add_documents([NewDocument(TEXT, "t", "t.txt")])
    result = run(store.path, "annotate", "--annotator", name)
    assert result.exit_code == 1 and "reserved for the reviewed version" in result.output


@pytest.mark.parametrize("row, problem", [
    ({"id": "wb:foo\u200bbar", "name": "Foo"}, "contains an invisible character"),
    ({"id": "wb:ok", "name": "Ok\u202eevil"}, "must not contain control or text-direction characters"),
    ({"id": "wb:ok", "name": "Ok", "aliases": ["a\u0007b"]}, "must not contain control"),
])
def test_knowledge_base_rows_that_would_mislead_a_screen_are_refused(store, tmp_path, row, problem):
    kb_file = tmp_path / "kb.jsonl"
    kb_file.write_text(json.dumps(row) + "\n", encoding="utf-8")
    result = run(store.path, "kb", "import", str(kb_file))
    assert result.exit_code == 1 and problem in result.output
    assert store.entity_count() == 0


def test_someone_who_only_looked_is_in_no_export(store, tmp_path):
    store.add_documents([NewDocument(TEXT, "t", "t.txt")])
    uid = store.document_uids()[0]
    store.add_span(uid, "alice", 0, 4, "source")
    store.add_seconds(uid, "carol", 3.0)
    out = tmp_path / "x.jsonl"

    result = run(store.path, "export", "--format", "doccano", "--status", "any", "--out", str(out))

    assert result.exit_code == 0, result.output
    assert [json.loads(line)["annotator"] for line in out.read_text().splitlines()] == ["alice"]


def test_the_csv_report_never_hands_a_spreadsheet_a_formula(store):
    store.add_documents([NewDocument(TEXT, "t", "t.txt")])
    uid = store.document_uids()[0]
    for name in ('=HYPERLINK("http://x","y")', "bob"):
        store.add_span(uid, name, 0, 4, "source")
        store.set_status(uid, name, "done")
    output = run(store.path, "agreement", "--format", "csv").output
    assert "'=HYPERLINK" in output
    assert not any(cell.startswith("=") for line in output.splitlines() for cell in line.split(","))


def test_listing_suggestions_never_changes_the_database(store):
    store.add_documents([NewDocument(TEXT, "t", "t.txt")])
    store.db.execute("PRAGMA journal_mode = DELETE")
    store.close()
    before = Path(store.path).read_bytes()
    assert run(store.path, "suggest", "list").exit_code == 0
    assert Path(store.path).read_bytes() == before


@pytest.mark.parametrize("key, owner", [("u", "history.undo"), ("y", "suggestion.accept"), ("q", "document.queue")])
def test_a_label_key_may_not_take_a_command_key(tmp_path, key, owner):
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps([{"name": "claim", "key": key}]), encoding="utf-8")

    result = run(tmp_path / "t.db", "init", "--labels", str(labels))

    assert result.exit_code == 1
    assert result.output == (f"error: {labels}: label 'claim' would take the key {key!r}, which {owner} uses; "
                             "give the label another key\n")


def test_a_span_provenance_edited_into_nonsense_is_named_by_check_and_stops_an_export_in_one_line(tmp_path):
    db = tmp_path / "a.db"
    store = Store.open(db)
    store.add_documents([NewDocument("Kyiv said 12 drones fell.", "t", "t.txt")])
    span = store.add_span(store.document_uids()[0], "alice", 0, 4, "source")
    store.db.execute("UPDATE spans SET provenance = 'not json'")
    store.db.conn.commit()
    store.close()
    checked = run(db, "check")
    assert checked.exit_code == 1
    assert f"provenance: span {span.id} (alice" in checked.output
    exported = run(db, "export", "--format", "jsonl", "--status", "any", "--out", str(tmp_path / "x.jsonl"))
    assert exported.exit_code == 1
    assert "provenance in the database, 'not json', is not a JSON list of names" in exported.output
    assert "Traceback" not in exported.output and not (tmp_path / "x.jsonl").exists()
