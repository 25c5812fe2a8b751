"""spaCy's DocBin (.spacy), for training spaCy pipelines.

One Doc per document per annotator. Its tokens are those of spaCy's own
tokenizer for the export's language (`spacy.blank(lang)`, "en" unless
`--lang` says otherwise), so a pipeline trained on it sees at training time
the tokens it will see at run time. A token is split only where a span starts
or ends inside it ("1980" in "1980s"); without that split spaCy's alignment
would drop the span from spancat and mark the token missing for NER, without
a word. The summary counts the splits and shows the first few. `doc.text` is
the document's text exactly, so no span is moved.

- `doc.spans["sc"]`: every span, overlaps included; `kb_id_` is the linked
  entity's id, "NIL" for a span marked NIL, "" when unlinked.
- `doc.ents`: a non-overlapping subset for NER, the shortest span first, then
  the earliest, then label and span id (see `tokens.shortest_first`), so the
  source and figure inside a claim win over the claim. `--ents-label` limits
  `doc.ents` to some labels. The summary counts the spans left out of
  `doc.ents`; they all stay in `doc.spans["sc"]`.
- `doc.user_data`: "document" (uid), "annotator" and "status", and
  "relations" (spaCy has no container of its own for them): a list, empty
  when there are none, of `{"head": [start_char, end_char], "head_label":
  "claim", "tail": [start_char, end_char], "tail_label": "source", "label":
  "attributed_to"}`. Character offsets and labels name each end exactly
  (`doc.char_span(*relation["head"], label=relation["head_label"])`) and
  survive DocBin's serialisation, which stores user_data.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import WorkbenchError
from ..model import Document, Span
from ..text import counted
from . import Annotation, ExportJob, Format
from .tokens import shortest_first

SPAN_KEY = "sc"
NIL = "NIL"
SHOWN_SPLITS = 3


def require_spacy():
    try:
        import spacy
        from spacy.tokens import Doc, DocBin
    except ImportError:
        raise WorkbenchError("spaCy is not installed: pip install 'workbench[spacy]'") from None
    return spacy, Doc, DocBin


def blank_pipeline(lang: str):
    spacy, _, _ = require_spacy()
    try:
        return spacy.blank(lang)
    except (ImportError, ValueError, KeyError):
        raise WorkbenchError(f"spaCy has no language {lang!r}; give --lang a code such as en, uk, de") from None


@dataclass
class Tally:
    """What the export changed or left out, for the summary."""

    split_tokens: int = 0
    split_examples: list[str] = field(default_factory=list)
    detached_spaces: int = 0
    outside_ents: Counter = field(default_factory=Counter)

    def notes(self, ents_labels: tuple[str, ...]) -> list[str]:
        notes = []
        if self.split_tokens:
            shown = ", ".join(self.split_examples[:SHOWN_SPLITS])
            more = ", …" if self.split_tokens > SHOWN_SPLITS else ""
            notes.append(f"{self.split_tokens} spaCy tokens split where a span boundary fell inside "
                         f"them ({shown}{more})")
        if self.detached_spaces:
            notes.append(f"{counted(self.detached_spaces, 'space')} made tokens of their own where a span "
                         "began or ended on them")
        if self.outside_ents:
            why = "overlapping or not in --ents-label" if ents_labels else "overlapping a shorter span"
            by_label = ", ".join(f"{label} {count}" for label, count in sorted(self.outside_ents.items()))
            outside = sum(self.outside_ents.values())
            notes.append(f"{counted(outside, 'span')} {'is' if outside == 1 else 'are'} in doc.spans[{SPAN_KEY!r}] but "
                         f"not in doc.ents ({why}: {by_label})")
        return notes


def write(job: ExportJob, path: Path) -> None:
    _, _, DocBin = require_spacy()
    nlp = blank_pipeline(job.options.lang)
    docbin = DocBin(attrs=["ORTH", "SPACY", "ENT_IOB", "ENT_TYPE", "ENT_KB_ID"], store_user_data=True)
    tally = Tally()
    for document, annotation in job.annotations():
        docbin.add(build_doc(nlp, document, annotation, tally, job.options.ents_labels))
    job.report.notes.extend(tally.notes(job.options.ents_labels))
    path.write_bytes(docbin.to_bytes())


def build_doc(nlp, document: Document, annotation: Annotation, tally: Tally,
              ents_labels: tuple[str, ...] = ()):
    """The Doc for one annotator's spans, on spaCy's tokens split at span boundaries."""
    _, Doc, _ = require_spacy()
    text = document.text
    spans = [linked.span for linked in annotation.spans]
    words, spaces = _words(nlp.make_doc(text), spans, tally)
    doc = Doc(nlp.vocab, words=words, spaces=spaces)
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
    ends = {linked.span.id: linked.span for linked in annotation.spans}
    doc.user_data["relations"] = [relation_data(ends[relation.head], ends[relation.tail], relation.label)
                                  for relation in annotation.relations]
    candidates = [span for span in spans if not ents_labels or span.label in ents_labels]
    kept, _ = shortest_first(candidates)
    kept_ids = {span.id for span in kept}
    tally.outside_ents.update(span.label for span in spans if span.id not in kept_ids)
    doc.ents = [by_id[span.id] for span in kept]
    return doc


def relation_data(head: Span, tail: Span, label: str) -> dict[str, Any]:
    """A relation as doc.user_data holds it; lists, not tuples, so a Doc read back from a DocBin
    (whose msgpack gives lists) equals the one written."""
    return {"head": [head.start, head.end], "head_label": head.label,
            "tail": [tail.start, tail.end], "tail_label": tail.label, "label": label}


def _words(tokenized, spans, tally: Tally) -> tuple[list[str], list[bool]]:
    """spaCy's words and trailing spaces, with a token cut wherever a span boundary falls inside it.

    A token's trailing space becomes a token of its own only when a span starts
    on it or ends just after it; otherwise no Doc token could begin or end there.
    """
    text = tokenized.text
    boundaries = sorted({offset for span in spans for offset in (span.start, span.end)})
    starts = {span.start for span in spans}
    ends = {span.end for span in spans}
    words: list[str] = []
    spaces: list[bool] = []
    for token in tokenized:
        start = token.idx
        end = start + len(token.text)
        first = bisect_right(boundaries, start)
        cuts = [start]
        while first < len(boundaries) and boundaries[first] < end:
            cuts.append(boundaries[first])
            first += 1
        cuts.append(end)
        if len(cuts) > 2:
            tally.split_tokens += 1
            if len(tally.split_examples) < SHOWN_SPLITS:
                tally.split_examples.append(
                    f"{token.text!r} → " + " ".join(repr(text[a:b]) for a, b in zip(cuts, cuts[1:])))
        for a, b in zip(cuts, cuts[1:]):
            words.append(text[a:b])
            spaces.append(False)
        if token.whitespace_:
            if end in starts or end + len(token.whitespace_) in ends:
                tally.detached_spaces += 1
                words.append(token.whitespace_)
                spaces.append(False)
            else:
                spaces[-1] = True
    return words, spaces


FORMAT = Format("spacy", ".spacy", write, options=("lang", "ents_labels"))
