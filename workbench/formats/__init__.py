"""Exports that other tools load, and the registry of their formats.

A format is one module with a `FORMAT` value: a name, the suffix of what it
writes ("" for a folder) and a `write(job, path)` function. `export()` runs a
format: it streams the selected annotations out of the store a document at a
time, checks every span against its text on the way, writes under a temporary
name in the output's folder and renames it into place only when the whole
export succeeded, so a failed or killed export never leaves a partial file
under the final name; the temporary files a killed export leaves beside it go
with the next export to that name. What was written is flushed to disk
(fsync) before the rename, and the folder after it, so that after a power cut
the name holds the whole new export or the whole old one.
"""

from __future__ import annotations

import glob
import importlib
import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path

from ..errors import OffsetMismatch, WorkbenchError
from ..model import GOLD, RECOMMENDER_PREFIX, Document, Entity, Relation, Span, covered_text_problem
from ..output_paths import refuse_output
from ..text import counted
from ..store import Store, provenance_of

# Module per format, imported only when used: spaCy stays an optional extra.
MODULES = {
    "jsonl": "jsonl",
    "spacy": "spacy_docbin",
    "prodigy": "prodigy",
    "doccano": "doccano",
    "brat": "brat",
    "conll": "conll",
    "labelstudio": "labelstudio",
    "kb": "kb",
}
EXPORT_STATUSES = ("done", "any")
# One span as `Store.export_documents` yields it: (id, start, end, label, text,
# entity_id, nil, provenance JSON, entity name, entity type).
SpanRow = tuple[str, int, int, str, str, str | None, int, str, str | None, str | None]
# One relation as `Store.export_documents` yields it: (id, head span id, tail span id, label).
RelationRow = tuple[str, str, str, str]
# One annotator's work on one document: (annotator, status, seconds, spans, relations).
AnnotationRow = tuple[str, str, float, list[SpanRow], list[RelationRow]]
SUGGESTED_STATUS = "new"
"""A recommender's status on every document: it finishes none."""


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
    relations: tuple[Relation, ...] = ()
    """Head → tail between `spans`, in the order they were made."""


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
    recommenders: tuple[str, ...] = ()
    """Whose stored suggestions to add, each as the pseudo-annotator "recommender:NAME";
    none (the default) means no export sees a suggestion."""


@dataclass(frozen=True, slots=True)
class Options:
    """How a format writes where it offers a choice; each format reads only its own fields."""

    lang: str = field(default="en", metadata={"flag": "--lang"})
    """spacy: the language whose tokenizer builds the Docs (`spacy.blank(lang)`)."""
    ents_labels: tuple[str, ...] = field(default=(), metadata={"flag": "--ents-label"})
    """spacy: the labels `doc.ents` takes; none means every label."""
    layout: str = field(default="flat", metadata={"flag": "--layout"})
    """brat: "flat" (<uid>-<annotator> files in one folder) or "per-annotator" (a folder each)."""
    doccano_layout: str = field(default="labels", metadata={"flag": "--doccano-layout"})
    """doccano: "labels" (sequence labelling, `label` lists) or "relations" (`entities` and `relations`)."""


@dataclass
class ExportReport:
    path: Path | None = None
    documents: int = 0
    spans: int = 0
    links: int = 0
    annotators: set[str] = field(default_factory=set)
    dropped: int = 0
    relations: int = 0
    relations_unselected: int = 0
    """Relations left out because `--label` left out one of their ends."""
    entities: int = 0
    notes: list[str] = field(default_factory=list)

    def links_not_kept(self, format_name: str) -> None:
        """Say in the summary that the format had no place for the links counted."""
        if self.links:
            self.notes.append(f"{counted(self.links, 'link')} (entity or NIL) not written: {format_name} has no "
                              "place for them; jsonl, spacy, prodigy, brat and labelstudio keep them")

    def relations_not_kept(self, format_name: str) -> None:
        """Say in the summary that the format had no place for the relations counted."""
        if self.relations:
            self.notes.append(f"{counted(self.relations, 'relation')} not written: {format_name} has no "
                              "place for them; "
                              "jsonl, spacy, prodigy, brat, labelstudio and doccano (--doccano-layout "
                              "relations) keep them")

    def summary(self) -> str:
        if self.entities:
            return counted(self.entities, "entity", "entities")
        names = ", ".join(sorted(self.annotators)) or "none"
        relations = f", {counted(self.relations, 'relation')}" if self.relations else ""
        line = (f"{counted(self.documents, 'document')}, {counted(self.spans, 'span')}, "
                f"{counted(self.links, 'link')}{relations}, annotators: {names}")
        if self.dropped:
            line += f"; {counted(self.dropped, 'overlapping span')} dropped"
        if self.relations_unselected:
            line += (f"; {counted(self.relations_unselected, 'relation')} left out: --label left out "
                     "one of their ends")
        return "; ".join([line, *self.notes])


@dataclass
class ExportJob:
    """What a format's writer reads from: the selected documents and the entities."""

    store: Store
    selection: Selection
    report: ExportReport
    on_document: Callable[[], None] = lambda: None
    options: Options = Options()

    def rows(self) -> Iterator[tuple[tuple[str, ...], list[AnnotationRow]]]:
        """Selected documents in import order as plain tuples, each span checked against the text.

        A document is (uid, title, text, source, meta JSON, imported_at), with
        an `AnnotationRow` per annotator. Building objects for every span costs
        more than the rest of a simple export, so writers that need no objects
        read these rather than `documents()`.
        """
        annotators = resolve_annotators(self.store, self.selection)
        statuses = ("done",) if self.selection.status == "done" else None
        report = self.report
        for document, annotations in self.store.export_documents(
                annotators, statuses=statuses, labels=self.selection.labels or None):
            self.on_document()
            uid, text = document[0], document[2]
            for recommender in self.selection.recommenders:
                annotations.append((RECOMMENDER_PREFIX + recommender, SUGGESTED_STATUS, 0.0,
                                    self.store.export_suggestions(uid, recommender,
                                                                  self.selection.labels or None), []))
            report.documents += 1
            kept = []
            for annotator, status, seconds, spans, relations in annotations:
                report.annotators.add(annotator)
                report.spans += len(spans)
                for span in spans:
                    _, start, end, _, recorded, entity_id, nil, _, _, _ = span
                    problem = covered_text_problem(text, start, end, recorded)
                    if problem:
                        raise OffsetMismatch(f"document {uid}: {annotator}'s span {span[0]}: {problem}; "
                                             "nothing was exported", document=uid)
                    if entity_id is not None or nil:
                        report.links += 1
                # With --label, a relation whose end was not selected has nothing to point at.
                exported = {span[0] for span in spans}
                whole = [relation for relation in relations if relation[1] in exported and relation[2] in exported]
                report.relations += len(whole)
                report.relations_unselected += len(relations) - len(whole)
                kept.append((annotator, status, seconds, spans, whole))
            yield document, kept

    def documents(self) -> Iterator[ExportDocument]:
        """Selected documents in import order, each span checked against the text."""
        for (uid, title, text, source, meta, imported_at), annotations in self.rows():
            document = Document(uid, title, text, source, json.loads(meta), imported_at)
            yield ExportDocument(document, tuple(
                Annotation(annotator, status, seconds, tuple(
                    LinkedSpan(Span(span_id, uid, annotator, start, end, label, recorded, entity_id,
                                    bool(nil), provenance_of(provenance)),
                               None if name is None else Entity(entity_id, name, type_))
                    for span_id, start, end, label, recorded, entity_id, nil, provenance, name, type_
                    in spans), tuple(Relation(relation_id, uid, annotator, head, tail, label)
                                     for relation_id, head, tail, label in relations))
                for annotator, status, seconds, spans, relations in annotations))

    def annotations(self) -> Iterator[tuple[Document, Annotation]]:
        """One (document, annotation) pair per document per annotator."""
        for item in self.documents():
            for annotation in item.annotations:
                yield item.document, annotation

    def entities(self) -> Iterator[Entity]:
        return self.store.export_entities()


@dataclass(frozen=True, slots=True)
class Format:
    name: str
    suffix: str
    """The output's file suffix; "" means the output is a folder."""
    write: Callable[[ExportJob, Path], None]
    earlier_export: Callable[[Path], bool] | None = None
    """For a folder: whether an existing one holds only an earlier export, safe to replace."""
    options: tuple[str, ...] = ()
    """The `Options` fields this format reads; giving it another is refused, not ignored."""


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
    parts = [format.name, "-".join(sorted(who)) if who else "all", selection.status, *selection.labels,
             *(f"suggested_{name}" for name in selection.recommenders)]
    return folder / (safe_name("-".join(parts)) + format.suffix)


def safe_name(name: str) -> str:
    """A file name without path separators or control characters."""
    cleaned = re.sub(r"[^\w.+-]", "_", name).lstrip(".") or "_"
    return cleaned[:200]


def export(store: Store, format: Format, selection: Selection, path: Path,
           on_document: Callable[[], None] = lambda: None, options: Options = Options()) -> ExportReport:
    if selection.status not in EXPORT_STATUSES:
        raise WorkbenchError(f"unknown status {selection.status!r}; expected done or any")
    known_labels = {label.name for label in store.labels()}
    for label in (*selection.labels, *options.ents_labels):
        if label not in known_labels:
            raise WorkbenchError(f"no label {label!r}; known: {', '.join(sorted(known_labels))}")
    stored = set(store.recommenders())
    for name in selection.recommenders:
        if name not in stored:
            raise WorkbenchError(f"no suggestions from a recommender {name!r}; "
                                 f"stored: {', '.join(sorted(stored)) or 'none'} (run `workbench suggest`)")
    _check_options(format, options)
    refuse_output(path, store.path, folder=not format.suffix)
    if format.earlier_export and path.is_dir() and not format.earlier_export(path):
        raise WorkbenchError(f"{path}: the folder holds files that are not an earlier {format.name} "
                             "export, which this one would replace; choose a new or empty folder")
    report = ExportReport(path=path)
    job = ExportJob(store, selection, report, on_document, options)
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(path)
    partial = path.parent / f".{path.name}.partial-{os.getpid()}"
    try:
        format.write(job, partial)
        _replace(partial, path)
    finally:
        _remove(partial)
    return report


def _check_options(format: Format, options: Options) -> None:
    for option in fields(Options):
        given = getattr(options, option.name)
        if given != option.default and option.name not in format.options:
            raise WorkbenchError(f"{option.metadata['flag']} does not apply to {format.name}; it is for "
                                 f"{', '.join(_formats_reading(option.name))}")


def _formats_reading(option: str) -> list[str]:
    return [name for name in MODULES if option in get_format(name).options]


def _replace(partial: Path, path: Path) -> None:
    _sync_tree(partial)
    _swap(partial, path)
    _sync(path.parent)


def _swap(partial: Path, path: Path) -> None:
    if partial.is_dir() and path.is_dir():
        # A folder cannot be renamed over a non-empty one: move the old one aside first.
        old = path.parent / f".{path.name}.old-{os.getpid()}"
        os.replace(path, old)
        os.replace(partial, path)
        shutil.rmtree(old)
    else:
        os.replace(partial, path)


def _sync_tree(path: Path) -> None:
    """fsync a file, or a folder's files and then the folders holding them."""
    if path.is_dir():
        for folder, _, files in os.walk(path, topdown=False):
            for name in files:
                _sync(Path(folder) / name)
            _sync(Path(folder))
    else:
        _sync(path)


def _sync(path: Path) -> None:
    if path.is_dir() and os.name == "nt":
        return  # Windows cannot open a folder to flush it; NTFS journals the rename itself
    # A folder opens only for reading; a file for writing, which Windows' fsync needs.
    descriptor = os.open(path, os.O_RDONLY if path.is_dir() else os.O_RDWR)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _remove_leftovers(path: Path) -> None:
    """Remove what exports to `path` that were killed midway left beside it (their process is gone)."""
    for leftover in path.parent.glob(f".{glob.escape(path.name)}.*-*"):
        kind, _, pid = leftover.name[len(path.name) + 2:].rpartition("-")
        if kind in ("partial", "old") and pid.isdigit() and not _running(int(pid)):
            _remove(leftover)


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return False  # an earlier export of this very process, which cleans up after itself
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()
