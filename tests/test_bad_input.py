"""Hostile and broken input files, through the real command line.

The files live in tests/fixtures/bad/; the two big ones (a 50 MB file and
lines of 100,000 characters) are generated in tmp_path. A rejected file gets
one line naming it (and the line), a non-zero exit, no traceback, and leaves
nothing behind; good files in the same command still go in.
"""

from __future__ import annotations

import json

import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

from workbench.cli import cli
from workbench.store import Store

BAD = Path(__file__).parent / "fixtures" / "bad"
GOOD = ("rtl.txt", "emoji.txt", "combining_nfd.txt", "crlf.txt", "utf16_bom.txt")


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "annotations.db"
    Store.open(path).close()
    return path


def import_files(db: Path, *paths: Path):
    result = CliRunner().invoke(cli, ["--db", str(db), "import", *map(str, paths)], obj={})
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    return result


def counts(db: Path) -> tuple[int, int]:
    store = Store.open(db)
    try:
        spans = sum(len(store.spans(uid)) for uid in store.document_uids())
        return store.document_count(), spans
    finally:
        store.close()


def assert_rejected(db: Path, name: str, line: int | None, reason: str) -> str:
    path = BAD / name
    result = import_files(db, path)
    assert result.exit_code == 1
    where = f"{path}:{line}:" if line else f"{path}:"
    mentions = [text for text in result.output.splitlines() if str(path) in text]
    assert len(mentions) == 1, result.output
    assert mentions[0].startswith(f"rejected {where}")
    assert reason in mentions[0]
    assert counts(db) == (0, 0)
    return mentions[0]


def only_document(db: Path):
    store = Store.open(db)
    try:
        (uid,) = store.document_uids()
        return store, store.document(uid)
    except BaseException:
        store.close()
        raise


# -- rejected --------------------------------------------------------------------


def test_invalid_utf8_is_rejected_naming_the_line_and_byte(db):
    assert_rejected(db, "invalid_utf8.txt", 2, "not valid UTF-8 (byte 0xc3)")


def test_nul_bytes_are_rejected_as_binary(db):
    assert_rejected(db, "nul_bytes.txt", 2, "contains NUL bytes")


def test_an_empty_file_is_rejected(db):
    assert_rejected(db, "empty.txt", None, "empty file")


def test_a_file_of_only_blank_lines_is_rejected(db):
    assert_rejected(db, "blank.md", None, "empty file")


@pytest.mark.parametrize("name", ["photo.png", "photo_named.txt"])
def test_a_binary_image_is_rejected_whatever_its_name(db, name):
    assert_rejected(db, name, 3, "a binary file, not text")


def test_jsonl_with_broken_lines_names_every_bad_line_and_imports_none(db):
    message = assert_rejected(db, "broken_lines.jsonl", 2, "not valid JSON")
    assert "2 more bad lines: 3, 5" in message


def test_jsonl_with_wrong_types_is_rejected(db):
    message = assert_rejected(db, "wrong_types.jsonl", 2, '"text" must be a string, not a number')
    assert "3 more bad lines: 3, 4, 5" in message


def test_jsonl_with_a_line_missing_text_is_rejected(db):
    assert_rejected(db, "missing_text.jsonl", 2, 'missing "text"')


@pytest.mark.parametrize(("value", "reason"), [
    ('"a \\ud800 b"', "half a UTF-16 surrogate pair"),
    ('"a", "meta": {"x": NaN}', "NaN is not a JSON number"),
    ('"a", "meta": {"x": -Infinity}', "Infinity is not a JSON number"),
    ('"a", "meta": {"x": 1e400}', "1e400 is too large a number"),
    ('"a", "meta": {"x": 1e400, "id": 12345678901234567890123}', "1e400 is too large a number"),
    ('"a", "meta": ' + "[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('"a",}', "trailing comma is not allowed, column 13"),
], ids=["lone surrogate", "NaN", "Infinity", "overflow", "overflow beside a long integer", "deep",
        "trailing comma"])
def test_json_other_tools_would_refuse_is_rejected_with_its_line(db, tmp_path, value, reason):
    path = tmp_path / "odd.jsonl"
    path.write_text('{"text": "A fine first line."}\n{"text": ' + value + "}\n", encoding="utf-8")
    result = import_files(db, path)
    assert result.exit_code == 1
    (rejected,) = [line for line in result.output.splitlines() if line.startswith("rejected")]
    assert rejected.startswith(f"rejected {path}:2: not valid JSON")
    assert reason in rejected
    assert counts(db) == (0, 0)


def test_integers_beyond_64_bits_are_kept_exactly(db, tmp_path):
    path = tmp_path / "ids.jsonl"
    big, negative = 123456789012345678901234567890, -9223372036854775809
    path.write_text(json.dumps({"text": "Grain left Odesa.", "meta": {"post": big, "offset": negative,
                                                                      "ref": "12345678901234567890123"}})
                    + "\n", encoding="utf-8")
    assert import_files(db, path).exit_code == 0
    store, document = only_document(db)
    store.close()
    assert document.meta == {"post": big, "offset": negative, "ref": "12345678901234567890123"}


def test_a_valid_surrogate_pair_escape_is_one_character(db, tmp_path):
    path = tmp_path / "emoji.jsonl"
    path.write_text('{"text": "Drones \\ud83d\\ude80 over Kyiv."}\n', encoding="utf-8")
    assert import_files(db, path).exit_code == 0
    store, document = only_document(db)
    store.close()
    assert document.text == "Drones \U0001f680 over Kyiv."


def test_a_50_mb_file_is_rejected_by_size_without_a_traceback(db, tmp_path):
    big = tmp_path / "huge.txt"
    line = "Shelling continued near the front line overnight, officials said. " * 16 + "\n"
    with big.open("w", encoding="utf-8") as out:
        for _ in range(50 * 2**20 // len(line) + 1):
            out.write(line)
    assert big.stat().st_size >= 50 * 2**20
    result = subprocess.run([sys.executable, "-m", "workbench", "--db", str(db), "import", str(big)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    assert f"rejected {big}: " in result.stderr
    assert "is over the limit of 5,000,000 for one document; split it" in result.stderr
    assert counts(db) == (0, 0)


def test_invalid_utf8_through_a_real_process_prints_one_line(db):
    result = subprocess.run(
        [sys.executable, "-m", "workbench", "--db", str(db), "import", str(BAD / "invalid_utf8.txt")],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"rejected {BAD / 'invalid_utf8.txt'}:2: not valid UTF-8 (byte 0xc3); re-save the file as UTF-8"]


@pytest.mark.parametrize(("name", "reason"), [
    ("annotations_out_of_range.jsonl", "offsets 20-400 are out of range"),
    ("annotations_inverted.jsonl", "offsets 10-5 are out of range"),
    ("annotations_mismatch.jsonl", "records '13' but the text at 10-12 is '12'"),
])
def test_annotation_imports_with_bad_offsets_import_nothing_of_the_file(db, name, reason):
    assert_rejected(db, name, 2, reason)


def test_bad_files_are_rejected_while_good_ones_in_the_same_command_go_in(db):
    bad = ["invalid_utf8.txt", "nul_bytes.txt", "empty.txt", "photo_named.txt", "broken_lines.jsonl",
           "wrong_types.jsonl", "missing_text.jsonl", "annotations_mismatch.jsonl"]
    result = import_files(db, *(BAD / name for name in (*bad, *GOOD)))
    assert result.exit_code == 1
    rejected = [line for line in result.output.splitlines() if line.startswith("rejected ")]
    assert sorted(Path(line.split()[1].split(":")[0]).name for line in rejected) == sorted(bad)
    assert f"{len(GOOD)} added, 0 already present, {len(bad)} files rejected" in result.output
    assert counts(db) == (len(GOOD), 0)


def test_a_folder_of_hostile_files_imports_the_good_ones(db, tmp_path):
    folder = tmp_path / "incoming"
    shutil.copytree(BAD, folder)
    result = import_files(db, folder)
    assert result.exit_code == 1
    assert counts(db)[0] == len(GOOD)


# -- accepted, with the right text and offsets --------------------------------------


def test_utf16_with_a_bom_is_decoded(db):
    assert import_files(db, BAD / "utf16_bom.txt").exit_code == 0
    store, document = only_document(db)
    assert document.text == "Grain exports from Odesa\n\nThe port of Одеса shipped 2.1 million tonnes.\n"
    assert document.title == "Grain exports from Odesa"
    start = document.text.index("Одеса")
    assert store.add_span(document.uid, "alice", start, start + 5, "source").text == "Одеса"
    store.close()


def test_lines_of_100000_characters_keep_their_offsets(db, tmp_path):
    lines = [f"{'x' * 99_990} line{number:04d}" for number in range(3)]
    path = tmp_path / "long-lines.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert import_files(db, path).exit_code == 0
    store, document = only_document(db)
    assert document.text.split("\n")[:3] == lines
    start = 2 * (len(lines[0]) + 1) + 99_991
    span = store.add_span(document.uid, "alice", start, start + 8, "figure")
    assert span.text == "line0002"
    assert len(document.title) <= 120
    store.close()


def test_right_to_left_text_keeps_its_characters_and_offsets(db):
    assert import_files(db, BAD / "rtl.txt").exit_code == 0
    store, document = only_document(db)
    raw = (BAD / "rtl.txt").read_text(encoding="utf-8")
    assert document.text == raw
    for word in ("كييف", "שלום", "קייב"):
        start = document.text.index(word)
        assert store.add_span(document.uid, "alice", start, start + len(word), "source").text == word
    listing = CliRunner().invoke(cli, ["--db", str(db), "docs"], obj={}).output
    assert "تقرير من كييف" in listing
    store.close()


def test_emoji_offsets_count_code_points_including_zwj_sequences(db):
    assert import_files(db, BAD / "emoji.txt").exit_code == 0
    store, document = only_document(db)
    family = "👩\u200d👩\u200d👧\u200d👦"
    start = document.text.index(family)
    assert start == len("Volunteers ")
    span = store.add_span(document.uid, "alice", start, start + len(family), "figure")
    assert span.text == family and span.end - span.start == 7
    flag = document.text.index("🇺🇦")
    assert store.add_span(document.uid, "alice", flag, flag + 2, "source").text == "🇺🇦"
    astral = document.text.index("𝕏")
    assert store.add_span(document.uid, "bob", astral, astral + 1, "claim").text == "𝕏"
    store.close()


def test_combining_characters_are_normalised_to_nfc_and_offsets_follow(db):
    raw = (BAD / "combining_nfd.txt").read_text(encoding="utf-8")
    assert raw != unicodedata.normalize("NFC", raw)
    assert import_files(db, BAD / "combining_nfd.txt").exit_code == 0
    store, document = only_document(db)
    assert document.text == unicodedata.normalize("NFC", raw)
    assert "\u0301" not in document.text and "\u0306" not in document.text
    for word in ("Café", "Запоріжжя", "Ёлка"):
        start = document.text.index(word)
        span = store.add_span(document.uid, "alice", start, start + len(word), "source")
        assert span.text == word
    assert document.text.startswith("Café owners")
    store.close()


def test_crlf_line_endings_are_stored_as_newlines(db):
    assert import_files(db, BAD / "crlf.txt").exit_code == 0
    store, document = only_document(db)
    assert "\r" not in document.text
    assert document.text == "Sanctions package agreed\n\nEU ministers agreed on Friday.\nThe vote was unanimous.\n"
    start = document.text.index("Friday")
    assert store.add_span(document.uid, "alice", start, start + 6, "figure").text == "Friday"
    store.close()


def test_reimporting_the_same_crlf_file_as_lf_is_a_duplicate(db, tmp_path):
    lf = tmp_path / "same.txt"
    lf.write_bytes((BAD / "crlf.txt").read_bytes().replace(b"\r\n", b"\n"))
    import_files(db, BAD / "crlf.txt")
    result = import_files(db, lf)
    assert "0 added, 1 already present" in result.output
    assert counts(db) == (1, 0)
