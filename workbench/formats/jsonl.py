"""The native format: one JSON line per document, lossless, and importable again.

Schema: native.schema.json beside this file. A link is written as
`"entity": {"id", "name", "type"}`; a span marked NIL as `"entity": null,
"nil": true`; an unlinked span as `"entity": null, "nil": false`. Span ids,
and the provenance of gold spans, are kept so that a database rebuilt from
the file lines up with the original.

Each annotation's relations between its spans are `"relations": [{"id",
"head", "tail", "label"}]`, head and tail naming span ids of the same
annotation, in the order they were made.

Every span carries every key (`"nil": false`, `"provenance": []` where there
is nothing to say), and every annotation a `"relations"` list, empty or not,
so readers that infer a schema from the lines, as Hugging Face `datasets`
does, give `spans` and `relations` typed columns rather than untyped JSON ones.
"""

from __future__ import annotations

import json
from collections import Counter
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..corpus import document_from_record, source_path
from ..errors import ImportRejected
from ..model import (RECOMMENDER_PREFIX, STATUSES, Entity, NewDocument, Relation, RelationType, Span,
                     entity_id_problem, name_problem)
from ..text import content_hash, normalise, title_from
from . import AnnotationRow, ExportJob, Format, provenance_of

# Line separators that some line readers split on even inside a JSON string.
_LINE_BREAKS = {"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"}
# A JSON string as json.dumps(..., ensure_ascii=False) writes it.
_quote = json.encoder.encode_basestring
WRITE_BUFFER = 1 << 20


def write(job: ExportJob, path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="\n", buffering=WRITE_BUFFER) as out:
        for item in job.rows():
            out.write(record(item))


def record(item: tuple[tuple[str, ...], list[AnnotationRow]]) -> str:
    """One document's line: byte for byte what `dump_line` writes for the same record.

    Assembled from pieces, keys in sorted order, rather than dumped from dicts:
    this runs for every exported span, and a dict built, sorted and encoded per
    span took most of the export's time.
    """
    (uid, title, text, source, meta, _), annotations = item
    parts = ['{"annotations": [']
    for number, (annotator, status, seconds, spans, relations) in enumerate(annotations):
        parts.append(f'{", " if number else ""}{{"annotator": {_quote(annotator)}, "relations": [')
        parts.append(", ".join([
            f'{{"head": {_quote(head)}, "id": {_quote(relation_id)}, "label": {_quote(label)}, '
            f'"tail": {_quote(tail)}}}' for relation_id, head, tail, label in relations]))
        parts.append(f'], "seconds": {json.dumps(seconds)}, "spans": [')
        parts.append(", ".join([
            f'{{"end": {end}, "entity": {"null" if name is None else _entity(entity_id, name, type_)}, '
            f'"id": {_quote(span_id)}, "label": {_quote(label)}, "nil": {"true" if nil else "false"}, '
            f'"provenance": {_provenance(provenance)}, "start": {start}, "text": {_quote(recorded)}}}'
            for span_id, start, end, label, recorded, entity_id, nil, provenance, name, type_ in spans]))
        parts.append(f'], "status": {_quote(status)}}}')
    parts.append(f'], "id": {_quote(uid)}, '
                 f'"meta": {json.dumps(json.loads(meta), ensure_ascii=False, sort_keys=True)}, '
                 f'"source": {_quote(source)}, "text": {_quote(text)}, "title": {_quote(title)}}}\n')
    return _escape_line_breaks("".join(parts))


def _entity(entity_id: str, name: str, type_: str) -> str:
    return f'{{"id": {_quote(entity_id)}, "name": {_quote(name)}, "type": {_quote(type_)}}}'


def _provenance(stored: str) -> str:
    return "[]" if stored == "[]" else json.dumps(list(provenance_of(stored)), ensure_ascii=False)


def dump_line(value: dict[str, Any]) -> str:
    return _escape_line_breaks(json.dumps(value, ensure_ascii=False, sort_keys=True)) + "\n"


def _escape_line_breaks(line: str) -> str:
    for raw, escaped in _LINE_BREAKS.items():
        line = line.replace(raw, escaped)
    return line


FORMAT = Format("jsonl", ".jsonl", write)


# -- reading it back ------------------------------------------------------------


@dataclass
class NativeFile:
    """A native file checked and turned into what `Store.import_annotated` takes."""

    documents: list[NewDocument] = field(default_factory=list)
    statuses: list[tuple[str, str, str, float]] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    entities: dict[str, Entity] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    """The line each document uid came from, to name it in errors."""
    annotated: dict[tuple[str, str], int] = field(default_factory=dict)
    """The line each (document uid, annotator) came from: one line holds it all."""
    relation_lines: dict[str, int] = field(default_factory=dict)
    """The line each relation id came from: an id names one relation in the whole file."""


# The fields each object of a JSONL file may have; import says how many others it ignored.
_KNOWN_FIELDS = {
    "document": {"id", "text", "title", "source", "meta", "annotations", "_line"},
    "annotation": {"annotator", "status", "seconds", "spans", "relations"},
    "relation": {"id", "head", "tail", "label"},
    "span": {"id", "start", "end", "label", "text", "entity", "nil", "provenance"},
    "entity": {"id", "name", "type"},
}


def ignored_fields(records: list[dict[str, Any]]) -> Counter[str]:
    """How often each field the format does not know occurs, as "span.confidence" and so on."""
    found: Counter[str] = Counter()

    def note(kind: str, value: Any) -> None:
        if isinstance(value, dict):
            found.update(f"{kind}.{key}" for key in value if key not in _KNOWN_FIELDS[kind])

    for record in records:
        note("document", record)
        for annotation in record.get("annotations") or ():
            note("annotation", annotation)
            for span in (annotation.get("spans") or ()) if isinstance(annotation, dict) else ():
                note("span", span)
                if isinstance(span, dict):
                    note("entity", span.get("entity"))
            for relation in (annotation.get("relations") or ()) if isinstance(annotation, dict) else ():
                note("relation", relation)
    return found


def is_native(records: list[dict[str, Any]]) -> bool:
    return any("annotations" in record for record in records)


def read_native(path: Path, records: list[dict[str, Any]], labels: set[str],
                relation_types: dict[str, RelationType]) -> NativeFile:
    """Check every line of a native file; the first problem rejects the whole file.

    A line without "annotations" is a plain corpus document, read as corpus
    JSONL reads it ("id" is then its source, not its uid).
    """
    native = NativeFile()
    for record in records:
        line = record["_line"]
        if "annotations" not in record:
            document = document_from_record(path, record)
            native.documents.append(document)
            native.lines.setdefault(content_hash(document.text), line)
            continue
        _Line(path, line, labels, relation_types, native).read(record)
    return native


class _Line:
    def __init__(self, path: Path, line: int, labels: set[str], relation_types: dict[str, RelationType],
                 native: NativeFile) -> None:
        self.path, self.line, self.labels, self.native = path, line, labels, native
        self.relation_types = relation_types

    def reject(self, message: str) -> ImportRejected:
        return ImportRejected(str(self.path), message, self.line)

    def read(self, record: dict[str, Any]) -> None:
        text = self.field(record, "text", str)
        if not text.strip():
            raise self.reject('"text" is empty')
        if "\x00" in text:
            raise self.reject('"text" contains NUL characters')
        if normalise(text) != text:
            raise self.reject('"text" is not normalised (NFC, \\n newlines), so its offsets are ambiguous')
        uid = content_hash(text)
        given = record.get("id")
        if given is not None and given != uid:
            raise self.reject(f'"id" {given!r} is not the content hash of "text" ({uid})')
        title = self.field(record, "title", str, title_from(text))
        source = self.field(record, "source", str, f"{source_path(self.path)}:{self.line}")
        meta = self.field(record, "meta", dict, {})
        self.native.documents.append(NewDocument(text=text, title=title, source=source, meta=meta))
        self.native.lines.setdefault(uid, self.line)
        annotations = self.field(record, "annotations", list)
        seen: set[str] = set()
        for number, annotation in enumerate(annotations, start=1):
            if not isinstance(annotation, dict):
                raise self.reject(f"annotation {number} is not an object")
            self.annotation(uid, text, annotation, number, seen)

    def annotation(self, uid: str, text: str, annotation: dict[str, Any], number: int,
                   seen: set[str]) -> None:
        annotator = self.field(annotation, "annotator", str)
        problem = name_problem(annotator)
        if problem:
            raise self.reject(f"annotation {number}: {problem}")
        if annotator.strip().casefold().startswith(RECOMMENDER_PREFIX):
            # Suggestions exported beside the work must not come back as somebody's spans.
            raise self.reject(f"annotation {number}: {annotator!r} holds a recommender's suggestions, "
                              "not an annotator's work; import suggestions with `workbench suggest import`")
        if annotator in seen:
            raise self.reject(f"annotator {annotator!r} appears twice")
        seen.add(annotator)
        earlier = self.native.annotated.setdefault((uid, annotator), self.line)
        if earlier != self.line:
            raise self.reject(f"annotator {annotator!r} already has annotations of this document on line "
                              f"{earlier}; one line per document holds every annotator's work")
        status = self.field(annotation, "status", str, "new")
        if status not in STATUSES:
            raise self.reject(f"annotator {annotator!r}: unknown status {status!r}; "
                              f"expected one of {', '.join(STATUSES)}")
        seconds = self.field(annotation, "seconds", (int, float), 0)
        if seconds < 0:
            raise self.reject(f"annotator {annotator!r}: negative seconds")
        self.native.statuses.append((uid, annotator, status, float(seconds)))
        spans: dict[str, Span] = {}
        for index, span in enumerate(self.field(annotation, "spans", list, []), start=1):
            where = f"annotator {annotator!r}, span {index}"
            if not isinstance(span, dict):
                raise self.reject(f"{where}: not an object")
            read = self.span(uid, text, annotator, span, where)
            if read.id in spans:
                raise self.reject(f'{where}: "id" {read.id!r} is used by another span of this annotation')
            spans[read.id] = read
        self.native.spans.extend(spans.values())
        for index, relation in enumerate(self.field(annotation, "relations", list, []), start=1):
            where = f"annotator {annotator!r}, relation {index}"
            if not isinstance(relation, dict):
                raise self.reject(f"{where}: not an object")
            self.native.relations.append(self.relation(uid, annotator, relation, spans, where))

    def relation(self, uid: str, annotator: str, value: dict[str, Any], spans: dict[str, Span],
                 where: str) -> Relation:
        ends = []
        for end in ("head", "tail"):
            span_id = self.field(value, end, str, where=where)
            if span_id not in spans:
                raise self.reject(f'{where}: "{end}" {span_id!r} is not the id of a span of this annotation')
            ends.append(spans[span_id])
        head, tail = ends
        if head.id == tail.id:
            raise self.reject(f"{where}: a span cannot be related to itself")
        label = self.field(value, "label", str, where=where)
        kind = self.relation_types.get(label)
        if kind is None:
            known = ", ".join(sorted(self.relation_types)) or "none"
            raise self.reject(f"{where}: unknown relation type {label!r}; known: {known}")
        if not kind.admits(head.label, tail.label):
            raise self.reject(f"{where}: {kind.name} joins {kind.ends}, not "
                              f"{head.label} → {tail.label}")
        relation_id = self.field(value, "id", str, uuid.uuid4().hex, where=where)
        if not relation_id.strip():
            raise self.reject(f'{where}: "id" must not be empty (leave it out to get a new one)')
        if relation_id in self.native.relation_lines:
            raise self.reject(f'{where}: "id" {relation_id!r} is used by another relation, on line '
                              f'{self.native.relation_lines[relation_id]}')
        self.native.relation_lines[relation_id] = self.line
        return Relation(relation_id, uid, annotator, head.id, tail.id, label)

    def span(self, uid: str, text: str, annotator: str, value: dict[str, Any], where: str) -> Span:
        start = self.field(value, "start", int, where=where)
        end = self.field(value, "end", int, where=where)
        label = self.field(value, "label", str, where=where)
        recorded = self.field(value, "text", str, where=where)
        if not 0 <= start < end <= len(text):
            raise self.reject(f"{where}: offsets {start}-{end} are out of range for a text of "
                              f"{len(text)} characters (or end is not after start)")
        if text[start:end] != recorded:
            raise self.reject(f"{where}: records {recorded!r} but the text at {start}-{end} "
                              f"is {text[start:end]!r}")
        if label not in self.labels:
            raise self.reject(f"{where}: unknown label {label!r}; known: {', '.join(sorted(self.labels))}")
        nil = self.field(value, "nil", bool, False, where=where)
        entity = value.get("entity")
        if entity is not None:
            if nil:
                raise self.reject(f"{where}: linked to an entity and marked NIL")
            entity = self.entity(entity, where)
        provenance = self.field(value, "provenance", list, [], where=where)
        if not all(isinstance(item, str) for item in provenance):
            raise self.reject(f'{where}: "provenance" must be a list of strings')
        span_id = self.field(value, "id", str, uuid.uuid4().hex, where=where)
        if not span_id.strip():
            raise self.reject(f'{where}: "id" must not be empty (leave it out to get a new one)')
        return Span(span_id, uid, annotator, start, end, label, recorded,
                    entity.id if entity else None, nil, tuple(provenance))

    def entity(self, value: Any, where: str) -> Entity:
        if not isinstance(value, dict):
            raise self.reject(f'{where}: "entity" must be an object or null')
        entity_id = self.field(value, "id", str, where=f"{where} entity")
        problem = entity_id_problem(entity_id)
        if problem:
            raise self.reject(f"{where}: {problem}")
        entity = Entity(entity_id, self.field(value, "name", str, entity_id, where=f"{where} entity"),
                        self.field(value, "type", str, "", where=f"{where} entity"))
        self.native.entities.setdefault(entity_id, entity)
        return entity

    _MISSING = object()

    def field(self, record: dict[str, Any], key: str, kind: type | tuple[type, ...],
              default: Any = _MISSING, *, where: str = "") -> Any:
        prefix = f"{where}: " if where else ""
        if key not in record or record[key] is None:
            if default is self._MISSING:
                raise self.reject(f'{prefix}missing "{key}"')
            return default
        value = record[key]
        # bool is an int in Python, never an offset or a number of seconds here.
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise self.reject(f'{prefix}"{key}" has the wrong type ({type(value).__name__})')
        return value
