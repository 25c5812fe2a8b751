"""doccano's JSONL for sequence labelling: one line per document per annotator.

    {"text": "...", "label": [[start, end, "label"], ...], "document": "<uid>", "annotator": "alice"}

doccano keeps the extra keys as the example's metadata.
"""

from __future__ import annotations

from pathlib import Path

from . import ExportJob, Format
from .jsonl import dump_line


def write(job: ExportJob, path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for document, annotation in job.annotations():
            out.write(dump_line({
                "text": document.text,
                "label": [[linked.span.start, linked.span.end, linked.span.label]
                          for linked in annotation.spans],
                "document": document.uid,
                "annotator": annotation.annotator,
            }))


FORMAT = Format("doccano", ".jsonl", write)
