"""Where exports and reports are written: nothing of the user's is overwritten, and a path the
file system refuses is one line of error, not a traceback."""

from __future__ import annotations

import json
import os
import stat
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from workbench.cli import cli
from workbench.model import NewDocument
from workbench.store import Store

from export_fixture import build


@pytest.fixture
def db(store) -> Path:
    build(store)
    path = Path(store.path)
    store.close()
    return path


def run(db: Path, *args: str):
    return CliRunner().invoke(cli, ["--db", str(db), *args], obj={})


def still_a_database(db: Path) -> bool:
    return run(db, "check").exit_code == 0


WRITING_COMMANDS = [
    ("export", "--format", "jsonl", "--status", "any", "--out"),
    ("agreement", "--status", "any", "--format", "json", "--out"),
    ("backup", "--force"),
]


@pytest.mark.parametrize("command", WRITING_COMMANDS)
@pytest.mark.parametrize("suffix", ["", "-wal", "-shm", "-journal", ".lock"])
def test_no_command_writes_over_the_database_or_its_companion_files(db, command, suffix):
    target = Path(f"{db}{suffix}")
    # A writer is working: its last document lives only in the write-ahead log so far.
    writer = Store.open(db)
    documents = writer.document_count()
    writer.add_documents([NewDocument("A late article from Sumy.", "late", "late.txt")])

    result = run(db, *command, str(target))

    writer.close()
    assert result.exit_code == 1
    assert result.output.strip() == (f"error: {target}: that is the database or one of its own files; "
                                     "choose another output")
    assert still_a_database(db)
    assert Store.open(db, readonly=True).document_count() == documents + 1


@pytest.mark.parametrize("command", WRITING_COMMANDS)
def test_a_fifo_or_a_device_is_refused_not_replaced(db, tmp_path, command):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for target in (fifo, Path("/dev/null")):
        result = run(db, *command, str(target))
        assert result.exit_code == 1, result.output
        assert result.output.strip() == (f"error: {target}: is not a regular file (a device, FIFO or socket); "
                                         "give the name of a file to write")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


@pytest.mark.parametrize("command", WRITING_COMMANDS)
def test_a_symlink_loop_is_one_line(db, tmp_path, command):
    loop = tmp_path / "loop"
    loop.symlink_to(tmp_path / "loop")
    result = run(db, *command, str(loop))
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert result.output.startswith(f"error: {loop}: cannot be followed")


def test_brat_refuses_a_folder_of_other_files_and_leaves_them(db, tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me", encoding="utf-8")
    result = run(db, "export", "--format", "brat", "--status", "any", "--out", str(folder))
    assert result.exit_code == 1
    assert "not an earlier brat export" in result.output
    assert [path.name for path in folder.iterdir()] == ["notes.txt"]


def test_brat_replaces_its_own_earlier_export(db, tmp_path):
    folder = tmp_path / "brat"
    first = run(db, "export", "--format", "brat", "--status", "any", "--out", str(folder))
    files = sorted(path.name for path in folder.iterdir())
    (folder / files[0]).write_text("stale", encoding="utf-8")
    second = run(db, "export", "--format", "brat", "--status", "any", "--out", str(folder))
    assert (first.exit_code, second.exit_code) == (0, 0)
    assert sorted(path.name for path in folder.iterdir()) == files
    assert (folder / files[0]).read_text(encoding="utf-8") != "stale"


def test_a_file_format_into_a_folder_and_a_folder_format_onto_a_file_are_refused(db, tmp_path):
    onto_folder = run(db, "export", "--format", "jsonl", "--status", "any", "--out", str(tmp_path))
    file = tmp_path / "plain.txt"
    file.write_text("keep me", encoding="utf-8")
    onto_file = run(db, "export", "--format", "brat", "--status", "any", "--out", str(file))
    assert onto_folder.output.strip() == f"error: {tmp_path}: is a folder; give a file name"
    assert onto_file.output.strip() == f"error: {file}: is a file, and this format writes a folder"
    assert file.read_text(encoding="utf-8") == "keep me"


def test_an_output_below_a_file_is_one_line_naming_it(db, tmp_path):
    blocker = tmp_path / "exports"
    blocker.write_text("", encoding="utf-8")
    result = run(db, "export", "--format", "jsonl", "--status", "any", "--out", str(blocker / "x.jsonl"))
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and result.output.startswith(f"error: {blocker}")


def test_a_read_only_database_is_one_line_and_imports_nothing(db, tmp_path):
    article = tmp_path / "new.txt"
    article.write_text("A new article about Kharkiv.", encoding="utf-8")
    documents = Store.open(db).document_count()
    if not shutil.which("chattr") or subprocess.run(["chattr", "+i", str(db)], capture_output=True).returncode:
        pytest.skip("this file system cannot make a file immutable")
    try:
        result = run(db, "import", str(article))
    finally:
        subprocess.run(["chattr", "-i", str(db)], check=True)
    assert result.exit_code == 1
    assert result.output.strip() == f"error: {db}: attempt to write a readonly database; nothing was saved"
    assert Store.open(db).document_count() == documents


def test_out_dash_writes_the_export_to_standard_output_and_no_file(db, tmp_path, monkeypatch):
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    result = subprocess.run([sys.executable, "-m", "workbench", "--db", str(db), "export", "--format", "jsonl",
                             "--status", "any", "--out", "-"], capture_output=True, text=True)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.returncode == 0, result.stderr
    assert len(lines) == 3 and all("text" in line for line in lines)
    assert result.stderr.startswith("standard output: 3 documents")
    assert list(here.iterdir()) == []


@pytest.mark.parametrize("format_name, out", [("jsonl", "all.jsonl"), ("brat", "brat")])
def test_an_export_reaches_the_disk_before_its_rename_and_the_rename_after(store, tmp_path, monkeypatch,
                                                                          format_name, out):
    """After a power cut the name holds the whole new export or the whole old one: every file
    written is fsynced before the rename, and the folder holding the name after it."""
    import os

    from workbench.formats import Selection, export, get_format

    if not Path("/proc/self/fd").is_dir():
        pytest.skip("names open files through /proc")
    build(store)
    happened = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (happened.append(("fsync", os.readlink(f"/proc/self/fd/{fd}"))),
                                                 real_fsync(fd)))
    monkeypatch.setattr(os, "replace", lambda a, b: (happened.append(("replace", str(a))), real_replace(a, b)))
    path = tmp_path / "exports" / out
    export(store, get_format(format_name), Selection(annotators=("alice",)), path)
    [rename] = [i for i, (kind, _) in enumerate(happened) if kind == "replace"]
    partial = happened[rename][1]
    synced_before = {target for kind, target in happened[:rename] if kind == "fsync"}
    written = {str(p) for p in [Path(partial), *Path(partial).rglob("*")]}
    assert written <= synced_before
    assert happened[rename + 1:] == [("fsync", str(path.parent))]


# -- read-only means read-only -----------------------------------------------------------

def immutable(path: Path):
    """Make a file or folder unchangeable even for root, or skip where the file system cannot."""
    if not shutil.which("chattr") or subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode:
        pytest.skip("this file system cannot make a file immutable")
    return path


READING_COMMANDS = [
    ("docs",), ("check",), ("export", "--format", "jsonl", "--status", "any", "--out", "{out}/x.jsonl"),
    ("agreement", "--status", "any", "--format", "json"), ("backup", "{out}/copy.db"),
    ("kb", "search", "Zelenskyi"), ("kb", "list"),
]


@pytest.mark.parametrize("command", READING_COMMANDS, ids=lambda command: " ".join(command[:2]))
def test_every_reading_command_works_on_a_database_in_a_read_only_folder(db, tmp_path, command):
    folder = db.parent
    out = tmp_path.parent / f"{tmp_path.name}-out"
    out.mkdir()
    immutable(folder)
    try:
        result = run(db, *(part.format(out=out) for part in command))
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)
    assert result.exit_code == 0, result.output
    if command[:2] == ("kb", "search"):
        # The search index, never written to this database, is built in memory.
        assert "Volodymyr Zelensky" in result.output.splitlines()[0]


def test_merge_reads_a_copy_in_a_read_only_folder(db, tmp_path):
    usb = tmp_path.parent / f"{tmp_path.name}-usb"
    usb.mkdir()
    copy = usb / "copy.db"
    assert run(db, "backup", str(copy)).exit_code == 0
    mine = tmp_path.parent / f"{tmp_path.name}-mine.db"
    Store.open(mine).close()
    immutable(usb)
    try:
        result = CliRunner().invoke(cli, ["--db", str(mine), "merge", str(copy)], obj={})
    finally:
        subprocess.run(["chattr", "-i", str(usb)], check=True)
    assert result.exit_code == 0, result.output
    assert Store.open(mine, readonly=True).document_count() == Store.open(db, readonly=True).document_count()


@pytest.mark.parametrize("command", [("check",), ("docs",), ("export", "--format", "jsonl", "--out", "-")])
def test_reading_never_changes_the_file_it_reads(db, tmp_path, command):
    # A database in rollback-journal mode, as a copy made by another tool may be.
    store = Store.open(db)
    store.db.execute("PRAGMA journal_mode = DELETE")
    store.close()
    before = db.read_bytes()
    result = run(db, *command)
    assert result.exit_code == 0, result.output
    assert db.read_bytes() == before
    assert not Path(f"{db}-wal").exists()


def test_an_older_workbench_refuses_to_write_to_a_newer_schema(db):
    store = Store.open(db)
    store.db.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                     "VALUES ('workbench', 'm099_from_the_future', '2030-01-01')")
    store.db.conn.commit()
    store.close()

    for command in (("init",), ("import", str(db.parent))):
        result = run(db, *command)
        assert result.exit_code == 1
        assert result.output.strip().startswith(f"error: {db}: written by a newer workbench")
        assert "upgrade workbench" in result.output
    assert run(db, "docs").exit_code == 0
