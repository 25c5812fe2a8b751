"""The entity table as JSONL, in the row shape `workbench kb import` reads.

    {"aliases": ["Zelensky"], "description": "...", "id": "wb:volodymyr-zelensky",
     "name": "Volodymyr Zelensky", "prior": 0.98, "type": "PERSON"}

Aliases are listed without the entity's own name (import adds the name back).
The annotator, status and label options do not apply: every entity is written.
"""

from __future__ import annotations

from pathlib import Path

from . import ExportJob, Format
from .jsonl import dump_line


def write(job: ExportJob, path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for entity in job.entities():
            job.report.entities += 1
            out.write(dump_line({
                "id": entity.id, "name": entity.name, "type": entity.type,
                "aliases": list(entity.aliases), "description": entity.description,
                "prior": entity.prior,
            }))


FORMAT = Format("kb", ".jsonl", write)
