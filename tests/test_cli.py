"""The command line as a user meets it: docs listing, and output piped into other tools."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from workbench.cli import cli
from workbench.config import remembered_annotator
from workbench.model import NewDocument


def test_docs_json_lists_every_document_with_its_length_and_progress(demo_store):
    uid = demo_store.document_uids()[0]
    demo_store.ensure_annotator("alice")
    demo_store.add_span(uid, "alice", 0, 8, "claim")

    result = CliRunner().invoke(cli, ["--db", demo_store.path, "docs", "--json"])

    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [row["position"] for row in rows] == list(range(1, 7))
    assert rows[0]["characters"] == len(demo_store.text(uid))
    assert rows[0]["annotators"] == {"alice": {"status": "in_progress", "spans": 1}}
    assert rows[1]["annotators"] == {}


def test_output_piped_into_head_ends_quietly(demo_store, tmp_path):
    command = (f"{sys.executable} -m workbench --db {demo_store.path} docs | head -1; "
               "exit ${PIPESTATUS[0]}")
    # Far more than a pipe holds, so `head` closes it while workbench is still writing.
    demo_store.add_documents(NewDocument(f"Report {n}: shelling continued.", f"Report {n}", "gen")
                             for n in range(4000))
    finished = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=60,
                              env={"PATH": "/usr/bin:/bin", "XDG_STATE_HOME": str(tmp_path)})

    assert finished.stdout.count("\n") == 1
    assert "internal error" not in finished.stderr
    assert "Traceback" not in finished.stderr
    assert not list(tmp_path.rglob("crash-*.log"))


HOSTILE = "ev\x1b[2Jil\x9b31m\u202e"


def test_names_and_titles_reach_the_terminal_without_control_characters(store, tmp_path):
    store.add_documents([NewDocument(f"{HOSTILE} title line\nBody.", f"{HOSTILE} title line", "a.txt")])
    uid = store.document_uids()[0]
    # New names like this are refused; an older database can still hold one.
    store.db.execute("INSERT INTO annotators (name, created_at) VALUES (?, '2024-01-01')", [HOSTILE])
    store.db.conn.commit()
    store.add_span(uid, HOSTILE, len(HOSTILE) + 1, len(HOSTILE) + 6, "claim")
    store.set_status(uid, HOSTILE, "done")
    bad_file = tmp_path / f"{HOSTILE}.txt"
    bad_file.write_bytes(b"")
    outputs = [CliRunner().invoke(cli, ["--db", store.path, *command]).output for command in (
        ["docs"], ["docs", "--json"], ["import", str(bad_file)])]

    for output in outputs:
        assert "\x1b" not in output and "\x9b" not in output and "\u202e" not in output
    assert "ev\ufffd[2Jil" in outputs[0]
    assert json.loads(outputs[1])["annotators"] == {HOSTILE: {"status": "done", "spans": 1}}


def test_annotating_as_gold_is_refused_before_anything_opens(demo_store):
    result = CliRunner().invoke(cli, ["--db", demo_store.path, "annotate", "--annotator", "gold"])

    assert result.exit_code == 1
    assert result.output.startswith("error: 'gold' is reserved for the reviewed version")
    assert demo_store.annotators(include_gold=True) == []


def test_a_label_set_with_a_spaced_name_or_in_another_encoding_is_one_line_and_changes_nothing(store, tmp_path):
    spaced = tmp_path / "spaced.toml"
    spaced.write_text('[[labels]]\nname = "key figure"\n', encoding="utf-8")
    latin1 = tmp_path / "latin1.toml"
    latin1.write_bytes('[[labels]]\nname = "région"\n'.encode("latin-1"))
    before = store.labels()
    results = [CliRunner().invoke(cli, ["--db", store.path, "init", "--labels", str(path)])
               for path in (spaced, latin1)]

    assert [result.exit_code for result in results] == [1, 1]
    assert "'key figure' has a space" in results[0].output
    assert results[1].output.startswith(f"error: {latin1}: not valid TOML")
    assert all(result.output.count("\n") == 1 for result in results)
    assert store.labels() == before


@pytest.mark.parametrize("command", ["annotate", "review"])
def test_the_tui_commands_refuse_to_start_without_a_terminal(demo_store, command):
    result = subprocess.run([sys.executable, "-m", "workbench", "--db", demo_store.path, command,
                             *(["--annotator", "alice"] if command == "annotate" else [])],
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)

    assert result.returncode == 1
    assert result.stderr.startswith(f"error: {command} needs a terminal")
    assert result.stdout == ""


@pytest.mark.parametrize("command", ["annotate", "review"])
def test_the_tui_commands_refuse_a_database_that_does_not_exist_and_create_none(tmp_path, command):
    missing = tmp_path / "mistyped.db"
    result = CliRunner().invoke(cli, ["--db", str(missing), command])

    assert result.exit_code == 1
    assert result.output == (f"error: {missing}: no such database; create one with `workbench init`, "
                             "`workbench import PATH` or `workbench demo`\n")
    assert list(tmp_path.iterdir()) == []


def test_init_still_creates_the_database_it_is_given(tmp_path):
    fresh = tmp_path / "fresh.db"
    result = CliRunner().invoke(cli, ["--db", str(fresh), "init"])

    assert result.exit_code == 0, result.output
    assert CliRunner().invoke(cli, ["--db", str(fresh), "docs"]).exit_code == 0


def test_the_demo_remembers_the_annotator_it_is_given_for_its_database(tmp_path):
    database = tmp_path / "demo.db"
    result = CliRunner().invoke(cli, ["--db", str(database), "demo", "--no-open", "--annotator", "alice"])

    assert result.exit_code == 0
    assert remembered_annotator(database) == "alice"


def test_the_demo_refuses_a_reserved_annotator_before_building_anything(tmp_path):
    database = tmp_path / "demo.db"
    result = CliRunner().invoke(cli, ["--db", str(database), "demo", "--no-open", "--annotator", "gold"])

    assert result.exit_code == 1
    assert result.output.startswith("error: 'gold' is reserved") and result.output.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_a_relative_state_home_is_ignored_so_the_name_is_remembered_from_any_folder(tmp_path, monkeypatch):
    """The XDG rule: a relative XDG_STATE_HOME is invalid; the home folder's default is used."""
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_STATE_HOME", "state")
    database = tmp_path / "demo.db"
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    monkeypatch.chdir(tmp_path / "one")
    assert CliRunner().invoke(cli, ["--db", str(database), "demo", "--no-open", "--annotator", "alice"]).exit_code == 0
    monkeypatch.chdir(tmp_path / "two")

    assert remembered_annotator(database) == "alice"
    assert (home / ".local" / "state" / "workbench" / "annotators.json").is_file()


def test_annotate_refused_for_want_of_a_terminal_remembers_no_name(demo_store):
    result = subprocess.run([sys.executable, "-m", "workbench", "--db", demo_store.path, "annotate",
                             "--annotator", "typo"],
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)

    assert result.returncode == 1
    assert remembered_annotator(demo_store.path) is None
