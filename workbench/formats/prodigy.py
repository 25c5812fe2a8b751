"""Prodigy-style JSONL: one task per document per annotator, already answered.

Tokens are workbench's tokens split at span boundaries (see `tokens`), so
`token_start`/`token_end` (inclusive) always match `start`/`end` exactly.
Every span has a `kb_id`: the entity id, "NIL", or null when unlinked, so
readers that infer a schema (Hugging Face `datasets`) type the column.

Hashes are stable across runs and machines, unlike Prodigy's own: each is the
first four bytes of a SHA-256, read as a signed 32-bit integer. `_input_hash`
hashes the JSON `{"text": text}`; `_task_hash` hashes the input hash together
with the spans (start, end, label, kb_id), so two annotators with the same
spans share a task hash, as in Prodigy.
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
    for span in spans:
        # Tokens are split at span boundaries, so these are exactly the tokens
        # inside the span; a span may begin or end in whitespace, outside any token.
        first = bisect_left(starts, span.start)
        last = bisect_left(starts, span.end) - 1
        if first > last:
            raise WorkbenchError(f"document {document.uid}: span {span.id} ({span.start}-{span.end}) "
                                 "covers no token; nothing was exported")
        records.append({"start": span.start, "end": span.end, "token_start": first, "token_end": last,
                        "label": span.label, "kb_id": "NIL" if span.nil else span.entity_id})
    input_hash = stable_hash({"text": text})
    return {
        "text": text,
        "meta": {"document": document.uid, "source": document.source, "status": annotation.status},
        "tokens": [{"text": text[s:e], "start": s, "end": e, "id": i,
                    "ws": e < len(text) and text[e].isspace()} for i, (s, e) in enumerate(tokens)],
        "spans": records,
        "answer": "accept",
        "_input_hash": input_hash,
        "_task_hash": stable_hash({"input": input_hash, "spans": [
            [r["start"], r["end"], r["label"], r["kb_id"] or ""] for r in records]}),
        "_annotator_id": annotation.annotator,
        "_view_id": "spans_manual",
    }


def stable_hash(value: Any) -> int:
    digest = hashlib.sha256(json.dumps(value, ensure_ascii=False, sort_keys=True).encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big", signed=True)


FORMAT = Format("prodigy", ".jsonl", write)
