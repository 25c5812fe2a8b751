"""CoNLL-style BIO tags, one token per line, for token-classification training.

    -DOCSTART-	O
    # document = a744a0dbc36ad6965360, annotator = alice
    <blank>
    Zelensky	B-source
    said	O
    ...

Each document per annotator starts with `-DOCSTART-`, a comment line that
says which document and annotator the block is, and a blank line; blank lines
separate sentences (`workbench.text.sentence_spans`).

Within one export, every annotator's block of one document has the same
tokens and the same sentence breaks, so two annotators' tag sequences line up
token for token (seqeval needs that; export the annotators you compare
together): tokens are workbench's tokens, split wherever a span of
any exported annotator starts or ends inside one, and a sentence break is left
out wherever it would split a tagged span of any of them.

A token takes one tag, so overlapping spans are resolved explicitly: with
`--label`, only that layer is exported; among the spans left, the longest
wins (then the earliest, then label and id; see `tokens.longest_first`).
The summary reports how many spans were dropped, and how many links and
relations, which the format has no place for.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from pathlib import Path

from ..model import Document, Span
from ..text import sentence_spans
from . import ExportJob, Format
from .tokens import aligned_tokens, longest_first

DOCSTART = "-DOCSTART-\tO\n"
# A line break or tab in an annotator's name would end the comment or look like a tag column.
_WHITESPACE = re.compile(r"\s")


def write(job: ExportJob, path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for item in job.documents():
            document = item.document
            layers = {annotation.annotator: longest_first(linked.span for linked in annotation.spans)
                      for annotation in item.annotations}
            tokens = aligned_tokens(document.text, [linked.span for annotation in item.annotations
                                                    for linked in annotation.spans])
            tagged = [span for kept, _ in layers.values() for span in kept]
            breaks = sentence_breaks(document.text, tokens, tagged)
            for annotator, (kept, dropped) in layers.items():
                job.report.dropped += len(dropped)
                out.write(DOCSTART)
                out.write(block_comment(document, annotator))
                out.write("\n")
                out.writelines(tagged_lines(document.text, tokens, breaks, kept))
                out.write("\n")
    job.report.links_not_kept("conll")
    job.report.relations_not_kept("conll")


def block_comment(document: Document, annotator: str) -> str:
    return f"# document = {document.uid}, annotator = {_WHITESPACE.sub(' ', annotator)}\n"


def sentence_breaks(text: str, tokens: list[tuple[int, int]], tagged: list[Span]) -> set[int]:
    """The token indexes that open a sentence, leaving out those inside a tagged span."""
    starts = [start for start, _ in tokens]
    breaks = set()
    for start, _ in sentence_spans(text)[1:]:
        if not any(span.start < start < span.end for span in tagged):
            breaks.add(bisect_right(starts, start - 1))
    return breaks


def tagged_lines(text: str, tokens: list[tuple[int, int]], breaks: set[int],
                 spans: list[Span]) -> list[str]:
    """The token lines of one annotator's block, a blank line before each sentence break."""
    tags = ["O"] * len(tokens)
    starts = [start for start, _ in tokens]
    for span in spans:
        first = bisect_right(starts, span.start - 1)
        for index in range(first, len(tokens)):
            if tokens[index][0] >= span.end:
                break
            tags[index] = ("B-" if index == first else "I-") + span.label
    lines: list[str] = []
    for index, ((start, end), tag) in enumerate(zip(tokens, tags)):
        if index in breaks and index:
            lines.append("\n")
        lines.append(f"{text[start:end]}\t{tag}\n")
    return lines


FORMAT = Format("conll", ".conll", write)
