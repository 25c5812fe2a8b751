"""Importing corpus files into the store, a file at a time.

Files are validated completely before anything is written, then written in
batches: each file lands whole or not at all, and a killed import leaves only
whole files behind.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .corpus import documents_from_records, expand, read_path
from .errors import ImportRejected, WorkbenchError
from .formats.jsonl import ignored_fields, is_native, read_native
from .model import NewDocument
from .store import Store

BATCH_DOCUMENTS = 2_000


@dataclass
class ImportReport:
    added: int = 0
    duplicates: int = 0
    rejected: list[ImportRejected] = field(default_factory=list)
    files: int = 0
    spans: int = 0
    relations: int = 0
    ignored: Counter[str] = field(default_factory=Counter)
    """Fields of imported JSONL objects that the format does not know, and how often."""


def import_paths(store: Store, paths: Iterable[str | Path],
                 on_file: Callable[[Path], None] = lambda path: None) -> ImportReport:
    report = ImportReport()
    batch: list[NewDocument] = []

    def flush() -> None:
        if not batch:
            return
        result = store.add_documents(batch)
        report.added += len(result.added)
        report.duplicates += len(result.duplicates)
        batch.clear()

    files = list(expand(paths))
    for path in files:
        report.files += 1
        try:
            if not path.exists():
                raise ImportRejected(str(path), "no such file or folder")
            read = read_path(path)
            records = read and isinstance(read[0], dict)
            if records and is_native(read):
                # Keep import order: documents queued before this file go in first.
                flush()
                import_native(store, path, read, report)
                report.ignored += ignored_fields(read)
                on_file(path)
                continue
            documents = read if not read or isinstance(read[0], NewDocument) else documents_from_records(path, read)
        except ImportRejected as error:
            report.rejected.append(error)
        else:
            if records:
                report.ignored += ignored_fields(read)
            batch.extend(documents)
            if len(batch) >= BATCH_DOCUMENTS:
                flush()
        on_file(path)
    flush()
    return report


def import_native(store: Store, path: Path, records: list[dict], report: ImportReport) -> None:
    """A native export (lines carrying "annotations"): the whole file in one transaction."""
    native = read_native(path, records, {label.name for label in store.labels()},
                         {kind.name: kind for kind in store.relation_types()})
    try:
        result = store.import_annotated(native.documents, native.statuses, native.spans,
                                        list(native.entities.values()), native.relations)
    except WorkbenchError as error:
        raise ImportRejected(str(path), f"{error}; nothing of this file was imported",
                             native.lines.get(error.document)) from None
    report.added += len(result.added)
    report.duplicates += len(result.duplicates)
    report.spans += len(native.spans)
    report.relations += len(native.relations)
