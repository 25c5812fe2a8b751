"""The knowledge-base format: entity rows in JSONL, CSV or TSV, read by `kb import`, written by `export --format kb`.

Every row has an `id` and a `name`, and may have a `type`, `aliases` (a JSON
list; in CSV and TSV one string with the aliases separated by `|`), a
`description` and a numeric `prior` (popularity, used to break ties). The name
is always an alias too. Where an entity is, which ranking in a document's
context reads, goes in four more optional fields: `country` (an ISO 3166-1
alpha-2 code, "UA"), `region` (its first-level division, free text such as
GeoNames' "UA.14"), `within` (the id of an entity that contains it) and
`tags` (a list of strings; `|`-separated in CSV and TSV). A file is read and checked completely before anything
is stored, and the first problem is reported as `file:line: what is wrong`.

The export writes JSONL, one entity a line, aliases without the entity's own
name (import adds the name back):

    {"aliases": ["Zelensky"], "description": "...", "id": "wb:volodymyr-zelensky",
     "name": "Volodymyr Zelensky", "prior": 0.98, "type": "PERSON"}

The annotator, status and label options do not apply: every entity is written.
"""

from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path
from typing import Any

from ..errors import ImportRejected
from ..jsonlines import BadLine, parse_line
from ..model import Entity, entity_id_problem, name_problem
from . import ExportJob, Format
from .jsonl import dump_line

FIELDS = ("id", "name", "type", "aliases", "description", "prior", "country", "region", "within", "tags")
LIST_FIELDS = ("aliases", "tags")
_COUNTRY_CODE = re.compile(r"[A-Za-z]{2}")
ALIAS_SEPARATOR = "|"
FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".tsv": "tsv", ".tab": "tsv"}


def read_kb(path: str | Path) -> list[Entity]:
    """Every entity in the file, or ImportRejected naming the first bad line."""
    path = Path(path)
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise ImportRejected(str(path), f"unknown knowledge-base format {path.suffix or '(none)'!r}; "
                                        f"use {', '.join(sorted(FORMATS))}")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise ImportRejected(str(path), "no such file") from None
    except IsADirectoryError:
        raise ImportRejected(str(path), "is a folder, not a file") from None
    except UnicodeDecodeError as error:
        line = path.read_bytes()[:error.start].count(b"\n") + 1
        raise ImportRejected(str(path), "is not UTF-8 text", line) from None
    rows = _jsonl_rows(path, text) if kind == "jsonl" else _table_rows(path, text, kind)
    entities: list[Entity] = []
    first_seen: dict[str, int] = {}
    for line, record in rows:
        entity = entity_from_record(record, str(path), line)
        if entity.id in first_seen:
            raise ImportRejected(str(path), f"duplicate id {entity.id!r} (first on line "
                                            f"{first_seen[entity.id]})", line)
        first_seen[entity.id] = line
        entities.append(entity)
    return entities


def entity_from_record(record: Any, path: str, line: int | None = None) -> Entity:
    """An Entity from one parsed row, checking every field."""

    def reject(message: str) -> ImportRejected:
        return ImportRejected(path, message, line)

    if not isinstance(record, dict):
        raise reject(f"expected an object with {', '.join(FIELDS)}, got {type(record).__name__}")
    entity_id = record.get("id")
    if isinstance(entity_id, int) and not isinstance(entity_id, bool):
        entity_id = str(entity_id)
    if not isinstance(entity_id, str) or not entity_id.strip():
        raise reject("missing id")
    # Spaces around an id are a file's padding; spaces inside one are refused.
    entity_id = entity_id.strip()
    problem = entity_id_problem(entity_id)
    if problem:
        raise reject(problem)
    name = record.get("name")
    if not isinstance(name, str) or not name.strip():
        raise reject(f"entity {entity_id!r} has no name")
    lists = {}
    for field in LIST_FIELDS:
        values = record.get(field) or []
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise reject(f"entity {entity_id!r}: {field} must be a list of strings")
        lists[field] = tuple(dict.fromkeys(v.strip() for v in values if v.strip()))
    texts = {}
    for field in ("type", "description", "country", "region", "within"):
        value = record.get(field) or ""
        if field == "within" and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)  # ids may be numbers, as `id` may
        if not isinstance(value, str):
            raise reject(f"entity {entity_id!r}: {field} must be a string")
        texts[field] = value.strip()
    country = texts["country"]
    if country and not (country.isascii() and _COUNTRY_CODE.fullmatch(country)):
        raise reject(f"entity {entity_id!r}: country must be an ISO 3166 two-letter code such as UA, "
                     f"got {country!r}")
    if texts["within"] == entity_id.strip():
        raise reject(f"entity {entity_id!r} cannot be within itself")
    for shown in (name, *lists["aliases"], texts["description"]):
        problem = name_problem(shown, "a name, alias or description") if shown.strip() else None
        if problem:
            raise reject(f"entity {entity_id!r}: {problem}")
    return Entity(entity_id, name.strip(), texts["type"], texts["description"],
                  _prior(record.get("prior"), reject, entity_id), lists["aliases"],
                  country.upper(), texts["region"], texts["within"], lists["tags"])


def _prior(value: Any, reject, entity_id: str) -> float:
    if value is None or value == "":
        return 0.0
    if isinstance(value, bool):
        raise reject(f"entity {entity_id!r}: prior must be a number, got {value!r}")
    try:
        prior = float(value)
    except (TypeError, ValueError):
        raise reject(f"entity {entity_id!r}: prior must be a number, got {value!r}") from None
    if not math.isfinite(prior):
        raise reject(f"entity {entity_id!r}: prior must be a finite number, got {value!r}")
    return prior


def _jsonl_rows(path: Path, text: str):
    for line, raw in enumerate(text.split("\n"), start=1):
        if not raw.strip():
            continue
        try:
            yield line, parse_line(raw)
        except BadLine as error:
            raise ImportRejected(str(path), f"broken JSON ({error})", line) from None


def _table_rows(path: Path, text: str, kind: str):
    options = {"delimiter": "\t", "quoting": csv.QUOTE_NONE} if kind == "tsv" else {}
    reader = csv.reader(io.StringIO(text, newline=""), strict=True, **options)
    try:
        header = [column.strip().lower() for column in next(reader, [])]
        if "id" not in header or "name" not in header:
            raise ImportRejected(str(path), f"the header must name at least the columns id and name; "
                                            f"found {', '.join(header) or 'nothing'}", 1)
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise ImportRejected(str(path), f"expected {len(header)} fields, found {len(row)}",
                                     reader.line_num)
            record: dict[str, Any] = dict(zip(header, row))
            for field in LIST_FIELDS:
                record[field] = record.get(field, "").split(ALIAS_SEPARATOR)
            yield reader.line_num, record
    except csv.Error as error:
        raise ImportRejected(str(path), f"broken {kind.upper()} ({error})", reader.line_num) from None


def write(job: ExportJob, path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for entity in job.entities():
            job.report.entities += 1
            out.write(dump_line({
                "id": entity.id, "name": entity.name, "type": entity.type,
                "aliases": list(entity.aliases), "description": entity.description,
                "prior": entity.prior,
                # Where an entity is, only when known: a file without places stays as it was.
                **{field: value for field, value in (
                    ("country", entity.country), ("region", entity.region), ("within", entity.within),
                    ("tags", list(entity.tags))) if value},
            }))


FORMAT = Format("kb", ".jsonl", write)
