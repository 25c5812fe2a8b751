"""brat standoff: a folder with DOC.txt and DOC.ann per document and annotator.

Two layouts (`--layout`):

- `flat` (the default): file names are `<document uid>-<annotator>`, all in
  one folder.
- `per-annotator`: `<annotator>/<document uid>.txt|.ann`, with
  annotation.conf at the root: the layout brat's own comparison tools and
  bratiaa read (one subfolder per annotator, the same file names in each).

An annotator name with characters other than letters, digits, `.`, `+`, `_`
and `-` has them replaced by `_` and gets 8 hex digits of its SHA-256
appended, so names differing only there do not collide; a collision all the
same (or one only in letter case) stops the export.

- `T` lines carry spans with character offsets into DOC.txt. A span that
  crosses a line break is written as brat's discontinuous fragments
  (`start end;start end`) around the breaks, its text the fragments joined
  by single spaces, as brat itself writes it.
- `N` lines carry links: `N1<TAB>Reference T1 workbench:<entity id><TAB><name>`;
  the part before the first colon names the knowledge base, so entity ids may
  themselves contain colons.
- A span marked NIL gets an `AnnotatorNotes` line whose note is `NIL`.
- `R` lines carry relations, head first:
  `R1<TAB>attributed_to Arg1:T3 Arg2:T7`; the T numbers are those of the
  same file, and a span written as fragments is an argument like any other.
- annotation.conf lists the labels as entity types and the relation types
  under `[relations]` with the labels each end may have
  (`attributed_to Arg1:claim, Arg2:source`; `<ENTITY>` where any label may be).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from ..errors import WorkbenchError
from ..model import RelationType, Span
from . import ExportJob, Format, safe_name

KB = "workbench"
# Where a .ann line would break: every character str.splitlines() splits on,
# and the tab that separates an .ann line's fields.
_BREAKS = re.compile(r"[\t\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]+")


def write(job: ExportJob, path: Path) -> None:
    path.mkdir()
    per_annotator = job.options.layout == "per-annotator"
    folders: dict[str, str] = {}  # lower-cased file part -> annotator
    for document, annotation in job.annotations():
        part = file_part(annotation.annotator)
        if folders.setdefault(part.lower(), annotation.annotator) != annotation.annotator:
            raise WorkbenchError(f"annotator names collide as file name {part!r}; rename one of them")
        if per_annotator:
            stem = path / part / document.uid
            stem.parent.mkdir(exist_ok=True)
        else:
            stem = path / f"{document.uid}-{part}"
        Path(f"{stem}.txt").write_text(document.text, encoding="utf-8", newline="")
        lines: list[str] = []
        notes = 0
        numbers: dict[str, int] = {}  # span id -> the number of its T line
        for number, linked in enumerate(annotation.spans, start=1):
            span = linked.span
            numbers[span.id] = number
            fragments = brat_fragments(span)
            positions = ";".join(f"{start} {end}" for start, end in fragments)
            covered = " ".join(document.text[start:end] for start, end in fragments)
            lines.append(f"T{number}\t{span.label} {positions}\t{covered}\n")
            if span.entity_id:
                if re.search(r"\s", span.entity_id):
                    raise WorkbenchError(f"entity id {span.entity_id!r} contains whitespace, which a brat "
                                         "N line cannot hold; nothing was exported")
                name = _BREAKS.sub(" ", linked.entity.name if linked.entity else span.entity_id)
                lines.append(f"N{number}\tReference T{number} {KB}:{span.entity_id}\t{name}\n")
            elif span.nil:
                notes += 1
                lines.append(f"#{notes}\tAnnotatorNotes T{number}\tNIL\n")
        lines.extend(f"R{number}\t{relation.label} Arg1:T{numbers[relation.head]} Arg2:T{numbers[relation.tail]}\n"
                     for number, relation in enumerate(annotation.relations, start=1))
        Path(f"{stem}.ann").write_text("".join(lines), encoding="utf-8", newline="")
    labels = [label.name for label in job.store.labels()
              if not job.selection.labels or label.name in job.selection.labels]
    (path / "annotation.conf").write_text(annotation_conf(labels, job.store.relation_types()),
                                          encoding="utf-8", newline="")


def annotation_conf(labels: list[str], relation_types: list[RelationType]) -> str:
    """brat's configuration: the labels as entity types and the relation types between them.

    A relation type is declared only where both of its ends can be a label in
    `labels` (a `--label` selection may leave one out), naming only those labels.
    """
    relations = []
    for kind in relation_types:
        ends = [[label for label in end if label in labels] if end else ["<ENTITY>"]
                for end in (kind.heads, kind.tails)]
        if all(ends):
            relations.append(f"{kind.name} Arg1:{'|'.join(ends[0])}, Arg2:{'|'.join(ends[1])}\n")
    return ("[entities]\n" + "".join(f"{name}\n" for name in labels)
            + "\n[relations]\n" + "".join(relations) + "\n[events]\n\n[attributes]\n")


def file_part(annotator: str) -> str:
    """The annotator's name as part of a file name; a changed name gets a hash of the original."""
    safe = safe_name(annotator)
    if safe == annotator:
        return safe
    return f"{safe}-{hashlib.sha256(annotator.encode('utf-8')).hexdigest()[:8]}"


def brat_fragments(span: Span) -> list[tuple[int, int]]:
    """The span's offsets split around line breaks and tabs, which a .ann line cannot hold."""
    fragments = []
    position = span.start
    for match in _BREAKS.finditer(span.text):
        if span.start + match.start() > position:
            fragments.append((position, span.start + match.start()))
        position = span.start + match.end()
    if position < span.end:
        fragments.append((position, span.end))
    if not fragments:
        raise WorkbenchError(f"document {span.document}: span {span.id} ({span.start}-{span.end}) "
                             "holds only line breaks, which brat cannot show; nothing was exported")
    return fragments


# What this export writes: <document uid>-<annotator>.txt or .ann (see file_part), annotation.conf,
# or a folder per annotator of <document uid>.txt and .ann.
_EXPORTED = re.compile(r"[0-9a-f]{20}-[\w.+-]+\.(?:txt|ann)|annotation\.conf")
_ANNOTATOR_FOLDER = re.compile(r"[\w.+-]+")
_IN_ANNOTATOR_FOLDER = re.compile(r"[0-9a-f]{20}\.(?:txt|ann)")


def earlier_export(folder: Path) -> bool:
    """Whether the folder holds nothing but what a brat export writes, named as it names it."""
    for entry in folder.iterdir():
        if entry.is_dir() and not entry.is_symlink() and _ANNOTATOR_FOLDER.fullmatch(entry.name):
            if not all(inner.is_file() and _IN_ANNOTATOR_FOLDER.fullmatch(inner.name)
                       for inner in entry.iterdir()):
                return False
        elif not (entry.is_file() and _EXPORTED.fullmatch(entry.name)):
            return False
    return True


FORMAT = Format("brat", "", write, earlier_export, options=("layout",))
