"""Building an agreement report from the store: the rules for who and what counts.

Shared by `workbench agreement` and the TUI's agreement view, so both report
the same numbers over the same documents.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from .agreement.report import Report, ReportDocument, build_report
from .errors import WorkbenchError
from .store import Store


def agreement_report(store: Store, *, annotators: Sequence[str] = (), labels: Sequence[str] = (),
                     documents: Sequence[str] = (), status: str = "done") -> Report:
    """The report over the documents every compared annotator marked done (or, with
    status "any", where at least two of them have spans). Raises WorkbenchError
    for unknown names and when no document meets the criteria."""
    known = store.annotators(include_gold=True)
    chosen = list(dict.fromkeys(annotators)) or store.annotators()
    for name in chosen:
        if name not in known:
            raise WorkbenchError(f"unknown annotator {name!r}; known: {', '.join(known) or 'none'}")
    label_names = [label.name for label in store.labels()]
    for name in labels:
        if name not in label_names:
            raise WorkbenchError(f"unknown label {name!r}; known: {', '.join(label_names)}")
    chosen_labels = list(dict.fromkeys(labels)) or label_names
    uids = [store.find_document(key).uid for key in documents] if documents else None
    who = ", ".join(chosen) or "nobody"
    criteria = (f"documents that every compared annotator ({who}) marked done" if status == "done"
                else f"documents where at least two of the compared annotators ({who}) have spans")
    rows = store.agreement_documents(chosen, labels=chosen_labels, documents=uids,
                                     all_done=status == "done")
    report = build_report((ReportDocument(uid, text, spans, title) for uid, title, text, spans in rows),
                          chosen, chosen_labels, criteria)
    if not report.documents:
        hint = " (try --status any)" if status == "done" else ""
        raise WorkbenchError(f"no documents meet the criteria: {criteria}{hint}")
    return replace(report, basis=f"{criteria}{' among the ones named' if uids else ''}: "
                                 f"{report.documents} of {store.document_count()} documents")
