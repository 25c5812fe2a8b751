"""doccano's JSONL for sequence labelling: one line per document per annotator.

    {"text": "...", "label": [[start, end, "label"], ...], "document": "<uid>", "annotator": "alice"}

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

from pathlib import Path

from . import ExportJob, Format
from .jsonl import WRITE_BUFFER, dump_line
from .utf16 import utf16_offset


def write(job: ExportJob, path: Path) -> None:
    overlapping = 0
    with open(path, "w", encoding="utf-8", newline="\n", buffering=WRITE_BUFFER) as out:
        for (uid, _, text, *_), annotations in job.rows():
            units = utf16_offset(text)
            for annotator, _, _, spans, _ in annotations:
                overlapping += count_overlapping([(start, end) for _, start, end, *_ in spans])
                out.write(dump_line({
                    "text": text,
                    "label": [[units(start), units(end), label] for _, start, end, label, *_ in spans],
                    "document": uid,
                    "annotator": annotator,
                }))
    job.report.links_not_kept("doccano")
    if overlapping:
        job.report.notes.append(
            f"{overlapping} spans overlap another span of the same annotator: import into a doccano "
            "project with \"Allow overlapping spans\" checked, or doccano drops them")
    if len(job.report.annotators) > 1:
        job.report.notes.append("each annotator's version is its own doccano example, credited to the "
                                "importing user; meta.annotator says whose it was")


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


FORMAT = Format("doccano", ".jsonl", write)
