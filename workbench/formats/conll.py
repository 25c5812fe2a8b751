"""CoNLL-style BIO tags, one token per line, for token-classification training.

    -DOCSTART-	O
    <blank>
    Zelensky	B-source
    said	O
    ...

Each document per annotator starts with `-DOCSTART-` and a blank line; blank
lines separate sentences (`workbench.text.sentence_spans`), except that a
sentence break never splits a tagged span. Tokens are workbench's tokens,
split where a span starts or ends inside one.

A token takes one tag, so overlapping spans are resolved explicitly: with
`--label`, only that layer is exported; among the spans left, the longest
wins (then the earliest, then label and id; see `tokens.longest_first`).
The summary reports how many spans were dropped.
"""

from __future__ import annotations

from bisect import bisect_right
from pathlib import Path

from ..model import Document
from ..text import sentence_spans
from . import Annotation, ExportJob, Format
from .tokens import aligned_tokens, longest_first

DOCSTART = "-DOCSTART-\tO\n"


def write(job: ExportJob, path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for document, annotation in job.annotations():
            lines, dropped = tagged_lines(document, annotation)
            job.report.dropped += dropped
            out.write(DOCSTART)
            out.write("\n")
            out.writelines(lines)
            out.write("\n")


def tagged_lines(document: Document, annotation: Annotation) -> tuple[list[str], int]:
    """The token lines of one document, blank lines between sentences, and the dropped count."""
    text = document.text
    kept, dropped = longest_first(linked.span for linked in annotation.spans)
    tokens = aligned_tokens(text, kept)
    tags = ["O"] * len(tokens)
    starts = [start for start, _ in tokens]
    for span in kept:
        first = bisect_right(starts, span.start - 1)
        for index in range(first, len(tokens)):
            if tokens[index][0] >= span.end:
                break
            tags[index] = ("B-" if index == first else "I-") + span.label
    sentence_starts = [start for start, _ in sentence_spans(text)]
    lines: list[str] = []
    previous_sentence = None
    for (start, end), tag in zip(tokens, tags):
        sentence = bisect_right(sentence_starts, start)
        if previous_sentence is not None and sentence != previous_sentence and not tag.startswith("I-"):
            lines.append("\n")
        previous_sentence = sentence
        lines.append(f"{text[start:end]}\t{tag}\n")
    return lines, len(dropped)


FORMAT = Format("conll", ".conll", write)
