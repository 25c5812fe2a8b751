"""Building an agreement report from the store: the rules for who and what counts.

Shared by `workbench agreement` and the TUI's agreement view, so both report
the same numbers over the same documents.

A large report is built in parts, one per CPU: this process reads and counts
the first run of documents while helper processes each count another, through
connections of their own; the parts' counts add up to exactly what one process
would count. The helpers are fresh interpreters (`python -c`), neither forked,
which would carry this process's open SQLite connection into them (SQLite
forbids it), nor started by multiprocessing's "spawn", which re-runs the
caller's main module.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace

from .counting import ReportBuilder
from .results import Report, ReportDocument
from ..collector import without_cyclic_gc
from ..errors import NothingToCompare, WorkbenchError
from ..model import RECOMMENDER_PREFIX
from ..store import Store
from ..text import counted

# Fewer documents per part than this, and starting a process costs more than it saves.
DOCUMENTS_PER_PART = 1_500
LEAD_SHARE = 0.15
MAX_PARTS = 8


def agreement_report(store: Store, *, annotators: Sequence[str] = (), labels: Sequence[str] = (),
                     documents: Sequence[str] = (), status: str = "done",
                     recommenders: Sequence[str] = (), processes: int | None = None) -> Report:
    """The report over the documents every compared annotator marked done (or, with
    status "any", where at least two of them have spans). Raises WorkbenchError
    for unknown names and when no document meets the criteria.

    Each of `recommenders` joins the comparison as a pseudo-annotator,
    "recommender:NAME", whose spans are its stored suggestions on those
    documents: how well it does against an annotator or gold. Suggestions count
    nowhere else.

    `processes` caps how many processes share the work; by default, one per CPU.
    """
    known = store.annotators(include_gold=True)
    # By default, those who annotated: someone who only opened a document is no annotator of it.
    chosen = list(dict.fromkeys(annotators)) or store.annotators_with_work()
    left_out = [] if annotators else [name for name in store.annotators() if name not in chosen]
    for name in chosen:
        if name not in known:
            raise WorkbenchError(f"unknown annotator {name!r}; known: {', '.join(known) or 'none'}")
    label_names = [label.name for label in store.labels()]
    for name in labels:
        if name not in label_names:
            raise WorkbenchError(f"unknown label {name!r}; known: {', '.join(label_names)}")
    chosen_labels = list(dict.fromkeys(labels)) or label_names
    stored = set(store.recommenders())
    for name in recommenders:
        if name not in stored:
            raise WorkbenchError(f"no suggestions from a recommender {name!r}; "
                                 f"stored: {', '.join(sorted(stored)) or 'none'} (run `workbench suggest`)")
    uids = [store.find_document(key).uid for key in documents] if documents else None
    who = ", ".join(chosen) or "nobody"
    criteria = (f"documents that every compared annotator ({who}) marked done" if status == "done"
                else f"documents where at least two of the compared annotators ({who}) have spans")
    if left_out:
        criteria += f"; left out, having annotated nothing: {', '.join(left_out)}"
    selection = _Selection(tuple(chosen), tuple(chosen_labels), uids, status == "done",
                           tuple(dict.fromkeys(recommenders)))
    report = _build(store, selection, processes or _cpus()).finish(criteria)
    if not report.documents:
        raise NothingToCompare(f"no documents meet the criteria: {criteria}", only_done=status == "done")
    return replace(report, basis=f"{criteria}{' among the ones named' if uids else ''}: "
                                 f"{report.documents} of {counted(store.document_count(), 'document')}")


@dataclass(frozen=True)
class _Selection:
    """Which annotators, labels and documents a report compares; it travels to helper processes."""

    annotators: tuple[str, ...]
    labels: tuple[str, ...]
    documents: list[str] | None
    all_done: bool
    recommenders: tuple[str, ...] = ()

    def count(self, store: Store, within: tuple[int, int] | None = None) -> ReportBuilder:
        """A builder filled with the compared documents, or those `within` a run of positions."""
        pseudo = tuple(RECOMMENDER_PREFIX + name for name in self.recommenders)
        builder = ReportBuilder(self.annotators + pseudo, self.labels)
        # One look for any relation at all, so a project without them reads no more than before.
        with_relations = store.has_relations(self.annotators)
        with without_cyclic_gc():
            for uid, title, text, spans in store.agreement_documents(
                    self.annotators, labels=self.labels, documents=self.documents,
                    all_done=self.all_done, within=within):
                for name, as_annotator in zip(self.recommenders, pseudo):
                    spans[as_annotator] = _suggested_marks(store, uid, name, self.labels)
                relations = store.agreement_relations(uid, self.annotators) if with_relations else {}
                builder.add(ReportDocument(uid, text, spans, title, relations))
        return builder


def _suggested_marks(store: Store, document: str, recommender: str,
                     labels: Sequence[str]) -> list[tuple[int, int, str, str | None, str]]:
    """A recommender's suggestions as an annotator's spans are counted: (start, end, label, link, id)."""
    return sorted((s.start, s.end, s.label, s.entity_id, s.id)
                  for s in store.suggestions(document, recommender=recommender) if s.label in labels)


def _build(store: Store, selection: _Selection, processes: int) -> ReportBuilder:
    parts = []
    if processes > 1 and store.path != ":memory:" and sys.executable:
        parts = _cut(store.agreement_positions(selection.annotators, labels=selection.labels,
                                               documents=selection.documents, all_done=selection.all_done),
                     processes)
    if len(parts) < 2:
        return selection.count(store)
    helpers = [_start_helper(store.path, selection, part) for part in parts[1:]]
    try:
        builder = selection.count(store, parts[0])
        with without_cyclic_gc():
            for helper, part in zip(helpers, parts[1:]):
                builder.merge(_helper_result(helper) or selection.count(store, part))
    finally:
        for helper in helpers:
            if helper is not None and helper.poll() is None:
                helper.kill()
                helper.wait()
    return builder


def _cut(positions: list[int], processes: int) -> list[tuple[int, int]]:
    """(first, last) runs of document positions, one per process worth starting.

    A helper spends a while starting and handing its counts back, so the first
    run, counted here meanwhile, is longer by LEAD_SHARE of an even share.
    """
    count = min(processes, len(positions) // DOCUMENTS_PER_PART)
    if count < 2:
        return []
    even = len(positions) / (count + LEAD_SHARE)
    ends = [round(even * (k + 1 + LEAD_SHARE)) for k in range(count - 1)] + [len(positions)]
    starts = [0, *ends[:-1]]
    return [(positions[first], positions[end - 1]) for first, end in zip(starts, ends)]


def _start_helper(path: str, selection: _Selection, part: tuple[int, int]) -> subprocess.Popen | None:
    try:
        helper = subprocess.Popen(
            [sys.executable, "-c", "from workbench.agreement.from_store import serve_part; serve_part()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    except OSError:
        return None
    try:
        with helper.stdin:
            pickle.dump((path, selection, part), helper.stdin)
    except OSError:  # it died already; its exit status tells
        pass
    return helper


def _helper_result(helper: subprocess.Popen | None) -> ReportBuilder | None:
    """The helper's builder, or None if it failed (its part is then counted here)."""
    if helper is None:
        return None
    with helper.stdout:
        data = helper.stdout.read()
    if helper.wait() != 0:
        return None
    return pickle.loads(data)


def serve_part() -> None:
    """A helper process's whole life: read a part to count on stdin, write its builder to stdout."""
    path, selection, part = pickle.load(sys.stdin.buffer)
    store = Store.open(path, migrate=False)
    try:
        builder = selection.count(store, part)
    finally:
        store.close()
    with without_cyclic_gc():
        sys.stdout.buffer.write(pickle.dumps(builder, pickle.HIGHEST_PROTOCOL))


def _cpus() -> int:
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        available = os.cpu_count() or 1
    return min(available, MAX_PARTS)
