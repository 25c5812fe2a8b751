"""Eight real processes annotate one database file at the same time."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.concurrent_writers import prepare, start_workers
from workbench.model import Span
from workbench.store import Store

PROCESSES = 8
ACTIONS = 500


@pytest.fixture(scope="module")
def shared_run(tmp_path_factory):
    path = tmp_path_factory.mktemp("concurrency") / "shared.db"
    prepare(path)
    reports = start_workers(path, PROCESSES, ACTIONS)
    return path, reports


def test_no_process_saw_an_error_or_a_locked_database(shared_run):
    _, reports = shared_run
    assert len(reports) == PROCESSES
    errors = [error for report in reports for error in report["errors"]]
    assert not [error for error in errors if "locked" in error.lower()]
    assert errors == []


def test_every_acknowledged_action_is_logged_exactly_once_in_order(shared_run):
    path, reports = shared_run
    store = Store.open(path)
    for report in reports:
        logged = [[event.action, event.span_id]
                  for event in store.events(annotator=report["annotator"])]
        assert len(report["acknowledged"]) > ACTIONS // 2
        assert logged == report["acknowledged"], report["annotator"]
    store.close()


def test_spans_equal_the_replay_of_each_annotators_log(shared_run):
    path, _ = shared_run
    store = Store.open(path)
    replayed: dict[str, dict] = {}
    for event in store.events():
        # Each event starts from the state the previous one left behind.
        assert replayed.get(event.span_id) == event.before, event
        if event.after is None:
            replayed.pop(event.span_id)
        else:
            replayed[event.span_id] = event.after
    expected = sorted((Span(**{**p, "provenance": tuple(p["provenance"])}) for p in replayed.values()),
                      key=lambda span: span.id)
    stored = sorted((span for uid in store.document_uids() for span in store.spans(uid)),
                    key=lambda span: span.id)
    assert stored == expected
    assert len(stored) > 0
    store.close()


def test_database_passes_integrity_and_foreign_key_checks(shared_run):
    path, _ = shared_run
    connection = sqlite3.connect(path)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        connection.close()


# -- a killed import ----------------------------------------------------------------


def test_a_killed_import_leaves_only_whole_files_and_can_be_rerun(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for number in range(4000):
        (corpus / f"a{number:05d}.txt").write_text(
            f"Article {number}\n\n" + "Officials said the shelling continued overnight. " * 10)
    jsonl_lines = 1500
    for batch in range(3):
        (corpus / f"batch{batch}.jsonl").write_text("".join(
            json.dumps({"text": f"Batch {batch} line {line}: grain exports rose."}) + "\n"
            for line in range(jsonl_lines)))
    db = tmp_path / "killed.db"
    Store.open(db).close()
    command = [sys.executable, "-m", "workbench", "--db", str(db), "import", str(corpus)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        reader = sqlite3.connect(db)
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline:
            if reader.execute("SELECT count(*) FROM documents").fetchone()[0]:
                break
            time.sleep(0.005)
        reader.close()
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(30)

    store = Store.open(db)
    assert store.check() == []
    for document in map(store.document, store.document_uids()):
        source = Path(document.source.rsplit(":", 1)[0])
        if source.suffix == ".txt":
            assert document.text == source.read_text()
    sources = [store.document(uid).source for uid in store.document_uids()]
    for batch in range(3):
        from_batch = sum(source.startswith(str(corpus / f"batch{batch}.jsonl:")) for source in sources)
        assert from_batch in (0, jsonl_lines)
    store.close()

    rerun = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0
    assert f"{4000 + 3 * jsonl_lines - len(sources)} added, {len(sources)} already present" in rerun.stdout


def test_a_killed_export_never_leaves_a_truncated_file_under_its_name(tmp_path):
    from bench.export_jsonl import build

    db = tmp_path / "export.db"
    build(db, 60_000)
    out = tmp_path / "spans.jsonl"
    out.write_text("the previous export\n")
    command = [sys.executable, "-m", "workbench", "--db", str(db), "export", "--format", "jsonl",
               "--status", "any", "--out", str(out)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline:
            partial = [p for p in tmp_path.glob(".spans.jsonl.partial-*") if p.stat().st_size]
            if partial:
                break
            time.sleep(0.002)
        killed_midway = process.poll() is None
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(30)

    assert killed_midway, "the export finished before it could be killed; make the database bigger"
    assert out.read_text() == "the previous export\n"

    assert list(tmp_path.glob(".spans.jsonl.partial-*")), "the killed export's partial file"
    finished = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr
    lines = out.read_text().splitlines()
    assert len(lines) == 600 and all(line.endswith("}") for line in lines)
    assert not list(tmp_path.glob(".spans.jsonl.*")), "the next export clears what the killed one left"
