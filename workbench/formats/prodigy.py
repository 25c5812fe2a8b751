"""Prodigy-style JSONL: one task per document per annotator, already answered.

Tokens are workbench's tokens split at span boundaries (see `tokens`), so
`token_start`/`token_end` (inclusive) always match `start`/`end` exactly.
Every span has a `kb_id`: the entity id, "NIL", or null when unlinked, so
readers that infer a schema (Hugging Face `datasets`) type the column.

Relations are the `relations` list `rel.manual` reads and writes: `head` and
`child` are the index of the *last* token of the head and the tail span (as
Prodigy's relations interface anchors a span), `head_span` and `child_span`
the spans themselves (start, end, token_start, token_end, label), `label` the
relation type. Every task has the list, empty when there are none; a task
with relations has `_view_id` "relations", the interface that shows them.

Hashes are stable across runs and machines, unlike Prodigy's own: each is the
first four bytes of a SHA-256, read as a signed 32-bit integer. `_input_hash`
hashes the JSON `{"text": text}`; `_task_hash` hashes the input hash together
with the spans (start, end, label, kb_id) and, where there are any, the
relations (both ends' offsets and the label), so two annotators with the same
annotations share a task hash, as in Prodigy.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
import json
from pathlib import Path
from typing import Any

from ..errors import WorkbenchError
from ..model import Document
from . import Annotation, ExportJob, Format
from .jsonl import dump_line
from .tokens import aligned_tokens


def write(job: ExportJob, path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for document, annotation in job.annotations():
            out.write(dump_line(task(document, annotation)))


def task(document: Document, annotation: Annotation) -> dict[str, Any]:
    text = document.text
    spans = [linked.span for linked in annotation.spans]
    tokens = aligned_tokens(text, spans)
    starts = [start for start, _ in tokens]
    records = []
    by_id: dict[str, dict[str, Any]] = {}
    for span in spans:
        # Tokens are split at span boundaries, so these are exactly the tokens
        # inside the span; a span may begin or end in whitespace, outside any token.
        first = bisect_left(starts, span.start)
        last = bisect_left(starts, span.end) - 1
        if first > last:
            raise WorkbenchError(f"document {document.uid}: span {span.id} ({span.start}-{span.end}) "
                                 "covers no token; nothing was exported")
        record = {"start": span.start, "end": span.end, "token_start": first, "token_end": last,
                  "label": span.label, "kb_id": "NIL" if span.nil else span.entity_id}
        records.append(record)
        by_id[span.id] = record
    relations = [relation_record(by_id[relation.head], by_id[relation.tail], relation.label)
                 for relation in annotation.relations]
    input_hash = stable_hash({"text": text})
    hashed: dict[str, Any] = {"input": input_hash, "spans": [
        [r["start"], r["end"], r["label"], r["kb_id"] or ""] for r in records]}
    if relations:
        hashed["relations"] = [[r["head_span"]["start"], r["head_span"]["end"], r["child_span"]["start"],
                                r["child_span"]["end"], r["label"]] for r in relations]
    return {
        "text": text,
        "meta": {"document": document.uid, "source": document.source, "status": annotation.status},
        "tokens": [{"text": text[s:e], "start": s, "end": e, "id": i,
                    "ws": e < len(text) and text[e].isspace()} for i, (s, e) in enumerate(tokens)],
        "spans": records,
        "relations": relations,
        "answer": "accept",
        "_input_hash": input_hash,
        "_task_hash": stable_hash(hashed),
        "_annotator_id": annotation.annotator,
        "_view_id": "relations" if relations else "spans_manual",
    }


def relation_record(head: dict[str, Any], child: dict[str, Any], label: str) -> dict[str, Any]:
    """A relation as rel.manual records it: each end anchored at its span's last token."""
    return {"head": head["token_end"], "child": child["token_end"], "head_span": _relation_end(head),
            "child_span": _relation_end(child), "label": label}


def _relation_end(record: dict[str, Any]) -> dict[str, Any]:
    return {key: record[key] for key in ("start", "end", "token_start", "token_end", "label")}


def stable_hash(value: Any) -> int:
    digest = hashlib.sha256(json.dumps(value, ensure_ascii=False, sort_keys=True).encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big", signed=True)


FORMAT = Format("prodigy", ".jsonl", write)
