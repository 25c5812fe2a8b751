"""doccano's JSONL: one line per document per annotator, in one of doccano's two layouts.

`--doccano-layout labels` (the default) is what a sequence labelling project imports as JSONL:

    {"text": "...", "label": [[start, end, "label"], ...], "document": "<uid>", "annotator": "alice"}

It has no place for relations; the summary counts them. `--doccano-layout
relations` is what a sequence labelling project with "Use relation
labeling" imports as "JSONL(Relation)":

    {"text": "...", "entities": [{"id": 0, "start_offset": 0, "end_offset": 7, "label": "source"}, ...],
     "relations": [{"id": 0, "from_id": 1, "to_id": 0, "type": "attributed_to"}, ...], ...}

Entity and relation ids are numbers counted across the whole file, as
doccano's own exports number them, so no two lines share one. Relations go
head (`from_id`) to tail (`to_id`). A project without relation labelling
does not offer that import, so the layout is chosen, never guessed.

doccano keeps the extra keys as the example's metadata, so `meta.annotator`
says whose version an example is: doccano makes each line its own example
and credits it to the user who imports the file.

Offsets are UTF-16 code units, as doccano's browser front end counts them:
after an emoji they are one more per emoji than workbench's code points.

doccano keeps only non-overlapping spans unless the project allows
overlapping spans; the summary counts the spans that overlap another of the
same annotator's spans, which such a project would lose. Links have no place
in the format; the summary counts them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import WorkbenchError
from . import ExportJob, Format, RelationRow, SpanRow
from .jsonl import WRITE_BUFFER, dump_line
from ..text import counted
from .utf16 import utf16_offset


LAYOUTS = ("labels", "relations")


def write(job: ExportJob, path: Path) -> None:
    layout = job.options.doccano_layout
    if layout not in LAYOUTS:
        raise WorkbenchError(f"unknown doccano layout {layout!r}; expected {' or '.join(LAYOUTS)}")
    overlapping = 0
    numbers = RelationNumbers()
    with open(path, "w", encoding="utf-8", newline="\n", buffering=WRITE_BUFFER) as out:
        for (uid, _, text, *_), annotations in job.rows():
            units = utf16_offset(text)
            for annotator, _, _, spans, relations in annotations:
                overlapping += count_overlapping([(start, end) for _, start, end, *_ in spans])
                line: dict[str, Any] = {"text": text, "document": uid, "annotator": annotator}
                if layout == "relations":
                    line.update(numbers.entities_and_relations(spans, relations, units))
                else:
                    line["label"] = [[units(start), units(end), label] for _, start, end, label, *_ in spans]
                out.write(dump_line(line))
    job.report.links_not_kept("doccano")
    if layout == "relations":
        job.report.notes.append("doccano relation layout: import as JSONL(Relation) into a sequence labelling "
                                "project with \"Use relation labeling\" checked")
    elif job.report.relations:
        job.report.notes.append(f"{counted(job.report.relations, 'relation')} not written: doccano's "
                                "sequence labelling "
                                "layout has no place for them; --doccano-layout relations writes them")
    if overlapping:
        job.report.notes.append(
            f"{counted(overlapping, 'span')} {'overlaps' if overlapping == 1 else 'overlap'} another span "
            "of the same annotator: import into a doccano "
            "project with \"Allow overlapping spans\" checked, or doccano drops them")
    if len(job.report.annotators) > 1:
        job.report.notes.append("each annotator's version is its own doccano example, credited to the "
                                "importing user; meta.annotator says whose it was")


class RelationNumbers:
    """Entity and relation ids for the relation layout, counted across the file."""

    def __init__(self) -> None:
        self.entities = 0
        self.relations = 0

    def entities_and_relations(self, spans: list[SpanRow], relations: list[RelationRow],
                               units: Callable[[int], int]) -> dict[str, list[dict[str, Any]]]:
        ids: dict[str, int] = {}
        entities = []
        for span_id, start, end, label, *_ in spans:
            ids[span_id] = self.entities
            entities.append({"id": self.entities, "start_offset": units(start), "end_offset": units(end),
                             "label": label})
            self.entities += 1
        records = []
        for _, head, tail, label in relations:
            records.append({"id": self.relations, "from_id": ids[head], "to_id": ids[tail], "type": label})
            self.relations += 1
        return {"entities": entities, "relations": records}


def count_overlapping(spans: list[tuple[int, int]]) -> int:
    """How many of the spans overlap at least one other."""
    involved: set[int] = set()
    reach = -1  # the index of the span seen so far that ends last
    for index, (start, end) in sorted(enumerate(spans), key=lambda item: item[1]):
        if reach >= 0 and start < spans[reach][1]:
            involved.update((index, reach))
        if reach < 0 or end > spans[reach][1]:
            reach = index
    return len(involved)


FORMAT = Format("doccano", ".jsonl", write, options=("doccano_layout",))
