"""A report built in parts (builders merged, helper processes) equals the one built in one go."""

from __future__ import annotations

import pickle
import random
import sys

import pytest

from workbench.agreement import from_store
from workbench.agreement.render import render
from workbench.agreement.counting import ReportBuilder, build_report
from workbench.model import Entity, NewDocument, Span
from workbench.agreement.from_store import agreement_report
from workbench.store import Store
from workbench.text import content_hash, token_spans

from test_agreement_report import random_documents

ANNOTATORS = ["ann", "ben", "cat"]
LABELS = ["claim", "source", "figure"]


def test_merged_builders_of_consecutive_documents_give_the_whole_report():
    documents = random_documents(random.Random(7), ANNOTATORS, LABELS, n=30)
    first, second = ReportBuilder(tuple(ANNOTATORS), tuple(LABELS)), ReportBuilder(tuple(ANNOTATORS), tuple(LABELS))
    for document in documents[:11]:
        first.add(document)
    for document in documents[11:]:
        second.add(document)
    first.merge(pickle.loads(pickle.dumps(second)))
    whole = build_report(documents, ANNOTATORS, LABELS, "all")
    assert render(first.finish("all"), "json") == render(whole, "json")
    assert whole.disagreements, "the documents should disagree somewhere"


def test_builders_of_other_annotators_refuse_to_merge():
    with pytest.raises(ValueError):
        ReportBuilder(("a", "b"), ("claim",)).merge(ReportBuilder(("a", "c"), ("claim",)))


@pytest.fixture
def team_db(tmp_path):
    """40 documents, three annotators who mostly agree, all done, plus one nobody finished."""
    rng = random.Random(11)
    words = "the army said 12 drones hit Odesa , according to officials on Monday .".split()
    documents, spans, statuses = [], [], []
    for d in range(41):
        text = f"Report {d}: " + " ".join(rng.choice(words) for _ in range(40))
        uid = content_hash(text)
        documents.append(NewDocument(text, f"Report {d}", "test"))
        tokens = token_spans(text)
        for name in ANNOTATORS:
            if d < 40:
                statuses.append((uid, name, "done", 30.0))
            for k in range(0, len(tokens) - 3, 7):
                last = k + (rng.random() < 0.2)
                label = LABELS[k % 3] if rng.random() > 0.1 else rng.choice(LABELS)
                start, end = tokens[k][0], tokens[last][1]
                spans.append(Span(f"{uid}-{name}-{k}", uid, name, start, end, label, text[start:end],
                                  rng.choice([None, "Q1"]) if label == "source" else None))
    path = tmp_path / "team.db"
    store = Store.open(path)
    store.import_annotated(documents, statuses, spans, [Entity("Q1", "Kyiv", "place")])
    store.close()
    return path


def test_report_built_by_helper_processes_equals_the_one_built_here(team_db, monkeypatch):
    monkeypatch.setattr(from_store, "DOCUMENTS_PER_PART", 5)
    store = Store.open(team_db)
    started = []
    start_helper = from_store._start_helper
    monkeypatch.setattr(from_store, "_start_helper", lambda *args: started.append(args) or start_helper(*args))
    in_parts = agreement_report(store, processes=3)
    alone = agreement_report(store, processes=1)
    assert len(started) == 2
    assert in_parts.documents == alone.documents == 40
    assert render(in_parts, "json") == render(alone, "json")
    store.close()


def test_a_failed_helper_has_its_part_counted_here(team_db, monkeypatch):
    monkeypatch.setattr(from_store, "DOCUMENTS_PER_PART", 5)
    store = Store.open(team_db)
    alone = render(agreement_report(store, processes=1), "json")
    monkeypatch.setattr(sys, "executable", "/bin/false")
    assert render(agreement_report(store, processes=2), "json") == alone
    store.close()


def test_parts_cover_every_compared_document_once_the_first_longer():
    positions = list(range(3, 3003))
    parts = from_store._cut(positions, 2)
    assert parts[0][0] == 3 and parts[-1][1] == 3002
    assert [first for first, _ in parts[1:]] == [last + 1 for _, last in parts[:-1]]
    assert parts[0][1] - parts[0][0] > parts[1][1] - parts[1][0]
    assert from_store._cut(positions[:2 * from_store.DOCUMENTS_PER_PART - 1], 2) == []
