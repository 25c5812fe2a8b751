"""Rules the store itself enforces, on every path, without a screen: duplicates, review actions, undo."""

from __future__ import annotations

import json

import pytest

from workbench.errors import DuplicateSpan
from workbench.history import undo_stacks
from workbench.importer import import_paths
from workbench.merge import merge
from workbench.model import GOLD, Event, NewDocument
from workbench.store import Store
from workbench.text import content_hash

TEXT = "Kyiv said Russia shelled Kharkiv. The mayor reported 12 injured."
SECOND = "Odesa port reopened on Monday."


def at(phrase: str, text: str = TEXT) -> tuple[int, int]:
    start = text.index(phrase)
    return start, start + len(phrase)


@pytest.fixture
def article(store) -> str:
    store.add_documents([NewDocument(TEXT, "Kharkiv", "news/kharkiv.txt"),
                         NewDocument(SECOND, "Odesa", "news/odesa.txt")])
    return store.document_uids()[0]


def gold(store: Store, document: str) -> list[tuple[int, int, str, tuple[str, ...]]]:
    return sorted((s.start, s.end, s.label, s.provenance) for s in store.spans(document, GOLD))


# -- no exact duplicate, on every path ------------------------------------------------

def test_adding_an_exact_copy_of_a_span_is_refused_and_writes_nothing(store, article):
    store.add_span(article, "alice", *at("Kyiv"), "source")
    events = len(store.events())

    with pytest.raises(DuplicateSpan, match="already has a source span"):
        store.add_span(article, "alice", *at("Kyiv"), "source")

    assert len(store.spans(article, "alice")) == 1
    assert len(store.events()) == events
    # Another label, or another annotator, over the same text is a different span.
    store.add_span(article, "alice", *at("Kyiv"), "claim")
    store.add_span(article, "bob", *at("Kyiv"), "source")


def test_resizing_or_relabelling_into_a_copy_of_another_span_is_refused(store, article):
    store.add_span(article, "alice", *at("Russia shelled Kharkiv"), "claim")
    short = store.add_span(article, "alice", *at("Russia shelled"), "claim")
    other_label = store.add_span(article, "alice", *at("Russia shelled Kharkiv"), "source")

    with pytest.raises(DuplicateSpan):
        store.resize(short.id, *at("Russia shelled Kharkiv"))
    with pytest.raises(DuplicateSpan):
        store.relabel(other_label.id, "claim")

    assert store.span(short.id) == short
    assert store.span(other_label.id) == other_label


def native_line(text: str, spans: list[dict]) -> str:
    return json.dumps({"id": content_hash(text), "text": text, "title": "t", "source": "s", "meta": {},
                       "annotations": [{"annotator": "alice", "status": "done", "seconds": 1.0,
                                        "spans": spans}]})


def span_record(span_id: str, phrase: str, label: str, text: str = TEXT) -> dict:
    start, end = at(phrase, text)
    return {"id": span_id, "start": start, "end": end, "label": label, "text": phrase,
            "entity": None, "nil": False}


def test_a_native_file_with_an_exact_duplicate_is_rejected_at_its_line(tmp_path):
    store = Store.open(tmp_path / "fresh.db")
    path = tmp_path / "two.jsonl"
    path.write_text(native_line(SECOND, [span_record("s1", "Odesa", "source", SECOND)]) + "\n"
                    + native_line(TEXT, [span_record("s2", "Kyiv", "source"),
                                              span_record("s3", "Kyiv", "source")]) + "\n",
                    encoding="utf-8")

    report = import_paths(store, [path])

    assert [str(error) for error in report.rejected] == [
        f"{path}:2: alice already has a source span over 0-4 ('Kyiv') in document "
        f"{content_hash(TEXT)}; nothing of this file was imported"]
    assert store.document_count() == 0
    store.close()


def test_a_native_import_conflict_names_the_line_of_its_document(store, article, tmp_path):
    store.add_span(article, "alice", *at("Kyiv"), "source")
    path = tmp_path / "again.jsonl"
    path.write_text(native_line(SECOND, []) + "\n"
                    + native_line(TEXT, [span_record("s9", "Kharkiv", "source")]) + "\n",
                    encoding="utf-8")

    [error] = import_paths(store, [path]).rejected

    assert error.line == 2
    assert "already has annotations by 'alice'" in str(error)


def test_merge_does_not_bring_in_an_exact_copy_of_a_span_made_here(store, article, tmp_path):
    copy_path = tmp_path / "copy.db"
    store.backup(copy_path)
    store.add_span(article, "alice", *at("Kyiv"), "source")
    copy = Store.open(copy_path)
    copy.add_span(article, "alice", *at("Kyiv"), "source")
    copy.close()

    report = merge(store, copy_path)

    assert len(store.spans(article, "alice")) == 1
    assert any("already has a source span" in conflict for conflict in report.conflicts)


# -- review actions, one undo each ----------------------------------------------------

@pytest.fixture
def reviewed(store, article) -> str:
    """alice and bob agree on Kyiv and differ on the label of '12 injured'."""
    for annotator, label in (("alice", "figure"), ("bob", "claim")):
        store.add_span(article, annotator, *at("Kyiv"), "source")
        store.add_span(article, annotator, *at("12 injured"), label)
        store.set_status(article, annotator, "done")
    return article


def versions(store: Store, document: str, phrase: str) -> dict[str, str]:
    return {span.annotator: span.id for name in ("alice", "bob") for span in store.spans(document, name)
            if (span.start, span.end) == at(phrase)}


def test_opening_a_review_seeds_agreed_gold_that_undo_never_removes(store, reviewed):
    adjudication = store.start_review(reviewed, [])

    assert adjudication.annotators == ("alice", "bob")
    assert [group.kind.value for group in adjudication.disagreements] == ["label"]
    assert gold(store, reviewed) == [(*at("Kyiv"), "source", ("alice", "bob"))]
    assert store.undo(reviewed, GOLD) is None
    assert gold(store, reviewed) == [(*at("Kyiv"), "source", ("alice", "bob"))]
    # Opening it again seeds nothing more.
    store.start_review(reviewed, [])
    assert len(store.spans(reviewed, GOLD)) == 1


def test_an_accept_that_replaces_another_version_is_one_undo(store, reviewed):
    store.start_review(reviewed, [])
    ids = versions(store, reviewed, "12 injured")
    store.accept_version(reviewed, ids["alice"], list(ids.values()))

    store.accept_version(reviewed, ids["bob"], list(ids.values()))
    assert gold(store, reviewed)[1] == (*at("12 injured"), "claim", ("bob",))

    store.undo(reviewed, GOLD)
    assert gold(store, reviewed)[1] == (*at("12 injured"), "figure", ("alice",))
    store.undo(reviewed, GOLD)
    assert len(gold(store, reviewed)) == 1
    store.redo(reviewed, GOLD)
    store.redo(reviewed, GOLD)
    assert gold(store, reviewed)[1] == (*at("12 injured"), "claim", ("bob",))


def test_accepting_what_gold_has_already_writes_nothing(store, reviewed):
    store.start_review(reviewed, [])
    ids = versions(store, reviewed, "12 injured")
    store.accept_version(reviewed, ids["alice"], list(ids.values()))
    events = len(store.events())

    assert store.accept_version(reviewed, ids["alice"], list(ids.values())) is None
    assert len(store.events()) == events


def test_a_reject_is_one_undo_that_brings_gold_back_and_lifts_the_rejection(store, reviewed):
    store.start_review(reviewed, [])
    ids = versions(store, reviewed, "12 injured")
    store.accept_version(reviewed, ids["alice"], list(ids.values()))

    removed = store.reject_version(reviewed, ids["alice"])

    assert [span.label for span in removed] == ["figure"]
    assert store.rejections(reviewed) == {ids["alice"]}
    assert len(gold(store, reviewed)) == 1
    store.undo(reviewed, GOLD)
    assert store.rejections(reviewed) == set()
    assert gold(store, reviewed)[1] == (*at("12 injured"), "figure", ("alice",))
    store.redo(reviewed, GOLD)
    assert store.rejections(reviewed) == {ids["alice"]}


def test_next_for_review_finds_ready_and_in_review_documents_in_order(store, article):
    uids = store.document_uids()
    assert store.next_for_review([]) is None
    for uid in uids:
        store.set_status(uid, "alice", "done")
    store.set_status(uids[1], "bob", "in_progress")

    # bob has not finished the second one, so only the first is ready.
    assert store.next_for_review([]) == uids[0]
    assert store.next_for_review([], after=uids[0]) is None
    assert store.next_for_review(["alice"], after=uids[0]) == uids[1]
    assert store.next_for_review(["alice"], after=uids[1]) == uids[0]
    assert store.next_for_review(["alice"], after=uids[1], wrap=False) is None
    assert store.next_for_review(["alice"], after=uids[1], step=-1, wrap=False) == uids[0]
    store.set_status(uids[0], GOLD, "done")
    assert store.next_for_review([]) is None
    store.set_status(uids[1], GOLD, "in_progress")
    assert store.next_for_review([]) == uids[1]


# -- finding documents, and the undo stacks -------------------------------------------

def test_a_document_is_found_by_its_source_file_name(store, article):
    assert store.find_document("kharkiv.txt").uid == article
    assert store.find_document("news/odesa.txt").title == "Odesa"


def event(id: int, action: str, target: int | None = None, batch: str | None = None) -> Event:
    return Event(id, "", "alice", "d", action, "s", target, None, None, batch)


def test_undo_stacks_follow_the_log_and_a_new_action_clears_redo():
    log = [event(1, "add"), event(2, "relabel"), event(3, "undo", 2), event(4, "status"),
           event(5, "redo", 2), event(6, "undo", 2), event(7, "add"), event(8, "redo", 2)]

    done, undone = undo_stacks(log)

    assert [e.id for e in done] == [1, 7]
    assert undone == []


def test_a_rejection_from_before_batches_is_not_undoable():
    done, _ = undo_stacks([event(1, "add"), event(2, "reject"), event(3, "reject", batch="b")])

    assert [e.id for e in done] == [1, 3]
