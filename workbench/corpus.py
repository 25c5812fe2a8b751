"""Reading corpus files (.txt, .md, .jsonl) into documents.

A file is all or nothing: if any part of it is bad, the whole file is
rejected with every problem named by file and line, and none of it is stored.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .errors import ImportRejected
from .jsonlines import BadLine, parse_line
from .model import NewDocument
from .text import as_typed, is_utf8, normalise, title_from

TEXT_SUFFIXES = (".txt", ".md")
JSONL_SUFFIXES = (".jsonl",)
MAX_DOCUMENT_CHARS = 5_000_000
MAX_REPORTED_LINES = 5
MAX_FILE_BYTES = 4 * 1024 ** 3
_LINE_BREAK = re.compile("\r\n|\r|\n")


def expand(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Files named directly, and the corpus files found in folders, in sorted order.

    A subfolder that cannot be read is yielded itself, among the files, so that the
    import reports it as it reports a file it cannot read.
    """
    for path in map(Path, paths):
        if path.is_dir():
            found: list[Path] = []

            def unreadable(error: OSError) -> None:
                found.append(Path(error.filename))

            for folder, subfolders, files in os.walk(path, onerror=unreadable):
                subfolders[:] = [name for name in subfolders if not name.startswith(".")]
                found += [Path(folder, name) for name in files
                          if not name.startswith(".") and Path(name).suffix.lower() in TEXT_SUFFIXES + JSONL_SUFFIXES]
            yield from sorted(found)
        else:
            yield path


# Longest first: the UTF-32 little-endian mark begins with the UTF-16 one.
_BYTE_ORDER_MARKS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                     (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                     (codecs.BOM_UTF16_BE, "utf-16"))


def decode(path: Path, data: bytes) -> str:
    """Bytes to text: UTF-8, or UTF-8, UTF-16 or UTF-32 with a byte-order mark; never NUL."""
    if not data.strip():
        raise ImportRejected(str(path), "empty file")
    for bom, encoding in _BYTE_ORDER_MARKS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as error:
                raise ImportRejected(str(path), f"not valid {encoding.upper()}: {error.reason}") from None
            return _without_nul(path, text).lstrip("\ufeff")
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise ImportRejected(str(path), "contains NUL bytes: a binary file, not text", line)
    try:
        # A file saved twice with a byte-order mark can carry more than one.
        return data.decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        byte = data[error.start]
        raise ImportRejected(
            str(path), f"not valid UTF-8 (byte 0x{byte:02x}); re-save the file as UTF-8", line
        ) from None


def _without_nul(path: Path, text: str, line: int | None = None) -> str:
    if "\x00" in text:
        where = line if line is not None else text[: text.index("\x00")].count("\n") + 1
        raise ImportRejected(str(path), "contains NUL characters: a binary file, not text", where)
    return text


def read_path(path: Path) -> list[dict[str, Any]] | list[NewDocument]:
    """Read one file. Plain text gives one document; JSONL gives its parsed lines.

    Only regular files of a sane size are read: a FIFO would wait forever, and a
    device such as /dev/zero never ends.
    """
    if not is_utf8(str(path)):
        raise ImportRejected(as_typed(str(path)), "the file name is not valid UTF-8; rename the file")
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise ImportRejected(str(path), "cannot read this folder (permission denied)")
        if not stat.S_ISREG(info.st_mode):
            raise ImportRejected(str(path), "not a regular file (a FIFO, device or socket)")
        if info.st_size > MAX_FILE_BYTES:
            raise ImportRejected(str(path), f"{info.st_size:,} bytes is over the limit of {MAX_FILE_BYTES:,} "
                                 "for one file; split it")
        data = path.read_bytes()
    except OSError as error:
        raise ImportRejected(str(path), error.strerror or str(error)) from None
    text = decode(path, data)
    if path.suffix.lower() in JSONL_SUFFIXES:
        return parse_jsonl(path, text)
    if path.suffix.lower() not in TEXT_SUFFIXES:
        raise ImportRejected(str(path), f"unsupported file type {path.suffix or '(none)'}; "
                             "expected .txt, .md or .jsonl")
    return [document_from_text(path, text)]


def source_path(path: Path) -> str:
    """The path to record as a document's source: as given, but relative to the
    working directory when given as an absolute one, so the sources that
    exports carry do not disclose where the importer's files lay."""
    if not path.is_absolute():
        return str(path)
    try:
        return os.path.relpath(path)
    except ValueError:  # on another drive (Windows): no relative path exists
        return str(path)


def document_from_text(path: Path, raw: str, line: int | None = None) -> NewDocument:
    text = normalise(raw)
    if not text.strip():
        raise ImportRejected(str(path), "no text", line)
    if len(text) > MAX_DOCUMENT_CHARS:
        raise ImportRejected(
            str(path), f"{len(text):,} characters is over the limit of "
            f"{MAX_DOCUMENT_CHARS:,} for one document; split it", line)
    return NewDocument(text=text, title=title_from(text), source=source_path(path))


def parse_jsonl(path: Path, text: str) -> list[dict[str, Any]]:
    """Parse every line as a JSON object; report all bad lines at once."""
    records: list[dict[str, Any]] = []
    problems: list[tuple[int, str]] = []
    # CR, LF and CRLF end lines, as in .txt files; other Unicode line breaks may sit
    # inside JSON strings, so they do not.
    for number, line in enumerate(_LINE_BREAK.split(text), start=1):
        if not line.strip():
            continue
        try:
            record = parse_line(line)
        except BadLine as error:
            problems.append((number, f"not valid JSON ({error})"))
            continue
        if not isinstance(record, dict):
            problems.append((number, f"expected a JSON object, found {type(record).__name__}"))
            continue
        record["_line"] = number
        records.append(record)
    if not records and not problems:
        raise ImportRejected(str(path), "empty file")
    _raise_problems(path, problems)
    return records


def documents_from_records(path: Path, records: list[dict[str, Any]]) -> list[NewDocument]:
    """Corpus JSONL: each line has "text" and optionally "id", "title" and "meta"."""
    documents, problems = [], []
    for record in records:
        line = record["_line"]
        try:
            documents.append(document_from_record(path, record))
        except ImportRejected as error:
            problems.append((line, error.reason))
    _raise_problems(path, problems)
    return documents


def document_from_record(path: Path, record: dict[str, Any]) -> NewDocument:
    line = record["_line"]
    raw = record.get("text")
    if raw is None:
        raise ImportRejected(str(path), 'missing "text"', line)
    if not isinstance(raw, str):
        raise ImportRejected(str(path), f'"text" must be a string, not {_json_type(raw)}', line)
    _without_nul(path, raw, line)
    for key, kind in (("title", str), ("meta", dict)):
        if key in record and record[key] is not None and not isinstance(record[key], kind):
            raise ImportRejected(
                str(path), f'"{key}" must be {"a string" if kind is str else "an object"}, '
                f"not {_json_type(record[key])}", line)
    given_id = record.get("id")
    if given_id is not None and (isinstance(given_id, bool) or not isinstance(given_id, (str, int))):
        shown = json.dumps(given_id) if isinstance(given_id, (bool, float)) else _json_type(given_id)
        raise ImportRejected(str(path), f'"id" must be a string or a whole number, not {shown}', line)
    document = document_from_text(path, raw, line)
    return NewDocument(
        text=document.text,
        title=record.get("title") or document.title,
        source=str(given_id) if given_id is not None else f"{source_path(path)}:{line}",
        meta=record.get("meta") or {},
    )


def _raise_problems(path: Path, problems: list[tuple[int, str]]) -> None:
    if not problems:
        return
    line, reason = problems[0]
    more = len(problems) - 1
    if more:
        others = ", ".join(str(n) for n, _ in problems[1:MAX_REPORTED_LINES + 1])
        reason += f" (and {more} more bad line{'s' if more > 1 else ''}: {others}{', …' if more > MAX_REPORTED_LINES else ''})"
    raise ImportRejected(str(path), reason, line)


def _json_type(value: Any) -> str:
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string",
            list: "a list", dict: "an object", type(None): "null"}[type(value)]
