"""spaCy's DocBin (.spacy), for training spaCy pipelines.

One Doc per document per annotator. Its tokens are workbench's tokens, split
wherever a span boundary falls inside one, with the whitespace between them
kept as spaCy keeps it, so `doc.text` is the document's text exactly and every
span lands on token boundaries without being moved.

- `doc.spans["sc"]`: every span, overlaps included; `kb_id_` is the linked
  entity's id, "NIL" for a span marked NIL, "" when unlinked.
- `doc.ents`: the non-overlapping subset, longest span first, then the earliest,
  then label and span id (see `tokens.longest_first`). The spans left out of
  `doc.ents` stay in `doc.spans["sc"]`; the summary counts them.
- `doc.user_data`: "document" (uid), "annotator" and "status".
"""

from __future__ import annotations

from pathlib import Path

from ..errors import WorkbenchError
from ..model import Document
from . import Annotation, ExportJob, Format
from .tokens import longest_first, pieces

SPAN_KEY = "sc"
NIL = "NIL"


def require_spacy():
    try:
        import spacy
        from spacy.tokens import Doc, DocBin
    except ImportError:
        raise WorkbenchError("spaCy is not installed: pip install 'workbench[spacy]'") from None
    return spacy, Doc, DocBin


def write(job: ExportJob, path: Path) -> None:
    spacy, _, DocBin = require_spacy()
    vocab = spacy.blank("en").vocab
    docbin = DocBin(attrs=["ORTH", "SPACY", "ENT_IOB", "ENT_TYPE", "ENT_KB_ID"], store_user_data=True)
    outside_ents = 0
    for document, annotation in job.annotations():
        doc, left_out = build_doc(vocab, document, annotation)
        outside_ents += left_out
        docbin.add(doc)
    if outside_ents:
        job.report.notes.append(f"{outside_ents} overlapping spans are in doc.spans[{SPAN_KEY!r}] "
                                "but not in doc.ents")
    path.write_bytes(docbin.to_bytes())


def build_doc(vocab, document: Document, annotation: Annotation):
    """The Doc for one annotator's spans, and how many of them doc.ents left out."""
    _, Doc, _ = require_spacy()
    text = document.text
    spans = [linked.span for linked in annotation.spans]
    starts = {span.start for span in spans}
    ends = {span.end for span in spans}
    words: list[str] = []
    trailing: list[bool] = []
    for start, end in pieces(text, spans):
        piece = text[start:end]
        # A single space after a token is that token's trailing whitespace, as
        # spaCy has it, unless a span begins or ends on it.
        if (piece == " " and words and not trailing[-1] and not words[-1].isspace()
                and start not in starts and end not in ends):
            trailing[-1] = True
            continue
        words.append(piece)
        trailing.append(False)
    doc = Doc(vocab, words=words, spaces=trailing)
    doc.user_data["document"] = document.uid
    doc.user_data["annotator"] = annotation.annotator
    doc.user_data["status"] = annotation.status
    group = []
    by_id = {}
    for linked in annotation.spans:
        span = linked.span
        kb_id = NIL if span.nil else (span.entity_id or "")
        made = doc.char_span(span.start, span.end, label=span.label, kb_id=kb_id)
        if made is None:
            raise WorkbenchError(f"document {document.uid}: span {span.id} ({span.start}-{span.end}) "
                                 "does not fall on spaCy token boundaries; nothing was exported")
        group.append(made)
        by_id[span.id] = made
    doc.spans[SPAN_KEY] = group
    kept, dropped = longest_first(spans)
    doc.ents = [by_id[span.id] for span in kept]
    return doc, len(dropped)


FORMAT = Format("spacy", ".spacy", write)
