"""Exports that other tools load, and the registry of their formats.

A format is one module with a `FORMAT` value: a name, the suffix of what it
writes ("" for a folder) and a `write(job, path)` function. `export()` runs a
format: it streams the selected annotations out of the store a document at a
time, checks every span against its text on the way, writes under a temporary
name in the output's folder and renames it into place only when the whole
export succeeded, so a failed or killed export never leaves a partial file
under the final name.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import OffsetMismatch, WorkbenchError
from ..model import GOLD, Document, Entity, Span
from ..store import Store

# Module per format, imported only when used: spaCy stays an optional extra.
MODULES = {
    "jsonl": "jsonl",
    "spacy": "spacy_docbin",
    "prodigy": "prodigy",
    "doccano": "doccano",
    "brat": "brat",
    "conll": "conll",
    "kb": "kb",
}
EXPORT_STATUSES = ("done", "any")


@dataclass(frozen=True, slots=True)
class LinkedSpan:
    span: Span
    entity: Entity | None


@dataclass(frozen=True, slots=True)
class Annotation:
    """One annotator's work on one document."""

    annotator: str
    status: str
    seconds: float
    spans: tuple[LinkedSpan, ...]


@dataclass(frozen=True, slots=True)
class ExportDocument:
    document: Document
    annotations: tuple[Annotation, ...]


@dataclass(frozen=True, slots=True)
class Selection:
    """What to export. No annotators means every annotator except gold."""

    annotators: tuple[str, ...] = ()
    gold: bool = False
    status: str = "done"
    labels: tuple[str, ...] = ()


@dataclass
class ExportReport:
    path: Path | None = None
    documents: int = 0
    spans: int = 0
    links: int = 0
    annotators: set[str] = field(default_factory=set)
    dropped: int = 0
    entities: int = 0
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.entities:
            return f"{self.entities} entities"
        names = ", ".join(sorted(self.annotators)) or "none"
        line = (f"{self.documents} documents, {self.spans} spans, {self.links} links, "
                f"annotators: {names}")
        if self.dropped:
            line += f"; {self.dropped} overlapping spans dropped"
        return "; ".join([line, *self.notes])


@dataclass
class ExportJob:
    """What a format's writer reads from: the selected documents and the entities."""

    store: Store
    selection: Selection
    report: ExportReport
    on_document: Callable[[], None] = lambda: None

    def documents(self) -> Iterator[ExportDocument]:
        """Selected documents in import order, each span checked against the text."""
        annotators = resolve_annotators(self.store, self.selection)
        statuses = ("done",) if self.selection.status == "done" else None
        for document, annotations in self.store.export_documents(
                annotators, statuses=statuses, labels=self.selection.labels or None):
            self.on_document()
            checked = tuple(
                Annotation(name, status, seconds,
                           tuple(LinkedSpan(_checked(document, span), entity) for span, entity in spans))
                for name, status, seconds, spans in annotations)
            self._count(checked)
            yield ExportDocument(document, checked)

    def annotations(self) -> Iterator[tuple[Document, Annotation]]:
        """One (document, annotation) pair per document per annotator."""
        for item in self.documents():
            for annotation in item.annotations:
                yield item.document, annotation

    def entities(self) -> Iterator[Entity]:
        return self.store.export_entities()

    def _count(self, annotations: tuple[Annotation, ...]) -> None:
        self.report.documents += 1
        for annotation in annotations:
            self.report.annotators.add(annotation.annotator)
            self.report.spans += len(annotation.spans)
            self.report.links += sum(1 for linked in annotation.spans if linked.span.linked)


@dataclass(frozen=True, slots=True)
class Format:
    name: str
    suffix: str
    """The output's file suffix; "" means the output is a folder."""
    write: Callable[[ExportJob, Path], None]


def get_format(name: str) -> Format:
    if name not in MODULES:
        raise WorkbenchError(f"unknown format {name!r}; expected one of {', '.join(MODULES)}")
    return importlib.import_module(f".{MODULES[name]}", __name__).FORMAT


def resolve_annotators(store: Store, selection: Selection) -> tuple[str, ...]:
    known = store.annotators(include_gold=True)
    for name in selection.annotators:
        if name not in known:
            raise WorkbenchError(f"no annotator {name!r}; known: {', '.join(known) or 'none'}")
    chosen = list(selection.annotators)
    if not chosen and not selection.gold:
        chosen = [name for name in known if name != GOLD]
    if selection.gold and GOLD not in chosen:
        chosen.append(GOLD)
    return tuple(sorted(chosen))


def default_path(format: Format, selection: Selection, folder: Path = Path("exports")) -> Path:
    """A name that says what the export holds, e.g. exports/jsonl-alice-bob-done.jsonl."""
    if format.name == "kb":
        return folder / f"kb-entities{format.suffix}"
    who = list(selection.annotators) + ([GOLD] if selection.gold and GOLD not in selection.annotators else [])
    parts = [format.name, "-".join(sorted(who)) if who else "all", selection.status, *selection.labels]
    return folder / (safe_name("-".join(parts)) + format.suffix)


def safe_name(name: str) -> str:
    """A file name without path separators or control characters."""
    cleaned = re.sub(r"[^\w.+-]", "_", name).lstrip(".") or "_"
    return cleaned[:200]


def export(store: Store, format: Format, selection: Selection, path: Path,
           on_document: Callable[[], None] = lambda: None) -> ExportReport:
    if selection.status not in EXPORT_STATUSES:
        raise WorkbenchError(f"unknown status {selection.status!r}; expected done or any")
    known_labels = {label.name for label in store.labels()}
    for label in selection.labels:
        if label not in known_labels:
            raise WorkbenchError(f"no label {label!r}; known: {', '.join(sorted(known_labels))}")
    report = ExportReport(path=path)
    job = ExportJob(store, selection, report, on_document)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.parent / f".{path.name}.partial-{os.getpid()}"
    _remove(partial)
    try:
        format.write(job, partial)
        _replace(partial, path)
    finally:
        _remove(partial)
    return report


def _checked(document: Document, span: Span) -> Span:
    covered = document.text[span.start:span.end]
    if not (0 <= span.start < span.end <= len(document.text)) or covered != span.text:
        raise OffsetMismatch(
            f"document {document.uid}: span {span.id} ({span.annotator}, {span.start}-{span.end}) "
            f"records {span.text!r} but the text there is {covered!r}; nothing was exported")
    return span


def _replace(partial: Path, path: Path) -> None:
    if partial.is_dir() and path.is_dir():
        # A folder cannot be renamed over a non-empty one: move the old one aside first.
        old = path.parent / f".{path.name}.old-{os.getpid()}"
        os.replace(path, old)
        os.replace(partial, path)
        shutil.rmtree(old)
    else:
        os.replace(partial, path)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()
