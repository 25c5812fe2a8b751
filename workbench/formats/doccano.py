"""doccano's JSONL for sequence labelling: one line per document per annotator.

    {"text": "...", "label": [[start, end, "label"], ...], "document": "<uid>", "annotator": "alice"}

doccano keeps the extra keys as the example's metadata.
"""

from __future__ import annotations

from pathlib import Path

from . import ExportJob, Format
from .jsonl import WRITE_BUFFER, dump_line


def write(job: ExportJob, path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="\n", buffering=WRITE_BUFFER) as out:
        for (uid, _, text, *_), annotations in job.rows():
            for annotator, _, _, spans in annotations:
                out.write(dump_line({
                    "text": text,
                    "label": [[start, end, label] for _, start, end, label, *_ in spans],
                    "document": uid,
                    "annotator": annotator,
                }))


FORMAT = Format("doccano", ".jsonl", write)
