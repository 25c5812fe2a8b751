"""Relations in review, as the store keeps them: seeded when agreed, accepted and rejected as one action."""

from __future__ import annotations

import shutil

import pytest

from workbench.agreement.alignment import Kind
from workbench.history import undoable
from workbench.merge import merge
from workbench.model import GOLD, NewDocument
from workbench.store import Store

TEXT = ("Ukraine’s general staff said Russian losses were over 1,000 soldiers per day. "
        "The mayor of Kharkiv reported 12 injured, he said.")


def at(phrase: str) -> tuple[int, int]:
    start = TEXT.index(phrase)
    return start, start + len(phrase)


STAFF, LOSSES, INJURED = at("Ukraine’s general staff"), at("Russian losses were over 1,000 soldiers per day"), \
    at("12 injured")
MAYOR, MAYOR_SHORT = at("The mayor of Kharkiv"), at("mayor of Kharkiv")


@pytest.fixture
def article(store) -> str:
    """alice and bob agree that the staff said the losses; they mark the mayor differently,
    and only alice says he said the injured."""
    store.add_documents([NewDocument(TEXT, "Losses", "news/losses.txt")])
    document = store.document_uids()[0]
    for name, mayor in (("alice", MAYOR), ("bob", MAYOR_SHORT)):
        staff = store.add_span(document, name, *STAFF, "source")
        losses = store.add_span(document, name, *LOSSES, "claim")
        the_mayor = store.add_span(document, name, *mayor, "source")
        injured = store.add_span(document, name, *INJURED, "claim")
        store.add_relation(losses.id, staff.id, "attributed_to")
        if name == "alice":
            store.add_relation(injured.id, the_mayor.id, "attributed_to")
        store.set_status(document, name, "done")
    return document


def gold_relations(store, document: str) -> set[tuple[tuple[int, int], tuple[int, int], str]]:
    spans = {span.id: span for span in store.spans(document, GOLD)}
    return {((spans[r.head].start, spans[r.head].end), (spans[r.tail].start, spans[r.tail].end), r.label)
            for r in store.relations(document, GOLD)}


def gold_spans(store, document: str) -> set[tuple[int, int, str]]:
    return {(s.start, s.end, s.label) for s in store.spans(document, GOLD)}


def the_mayor_relation(adjudication):
    (group,) = adjudication.relation_disagreements
    return group


def test_agreed_relations_whose_ends_are_seeded_start_in_gold_and_undo_keeps_them(store, article):
    adjudication = store.start_review(article, ["alice", "bob"])
    assert gold_relations(store, article) == {(LOSSES, STAFF, "attributed_to")}
    seeded = [event for event in store.events(document=article, annotator=GOLD) if event.relation_id]
    assert [event.action for event in seeded] == ["seed"] and not undoable(seeded[0])
    assert store.undo(article, GOLD) is None
    assert gold_relations(store, article) == {(LOSSES, STAFF, "attributed_to")}
    group = the_mayor_relation(adjudication)
    assert group.kind is Kind.ONLY_SOME and list(group.versions) == ["alice"]


def test_a_relation_agreed_on_between_spans_not_agreed_on_does_not_start_in_gold(store):
    store.add_documents([NewDocument(TEXT, "Losses", "news/losses.txt")])
    document = store.document_uids()[0]
    for name, mayor in (("alice", MAYOR), ("bob", MAYOR_SHORT)):
        source = store.add_span(document, name, *mayor, "source")
        claim = store.add_span(document, name, *INJURED, "claim")
        store.add_relation(claim.id, source.id, "attributed_to")
        store.set_status(document, name, "done")
    adjudication = store.start_review(document, [])
    assert gold_relations(store, document) == set()
    assert the_mayor_relation(adjudication).kind is Kind.BOUNDARY


def test_accepting_a_relation_brings_its_missing_end_into_gold_and_one_undo_takes_all_back(store, article):
    group = the_mayor_relation(store.start_review(article, []))
    before = gold_spans(store, article)
    # Both marked the injured alike, so gold has that end; the mayor they marked differently.
    assert (*MAYOR, "source") not in before and (*INJURED, "claim") in before
    relation = store.accept_relation_version(article, group.versions["alice"].id,
                                             [mark.id for mark in group.versions.values()])
    assert relation.annotator == GOLD
    assert gold_relations(store, article) == {(LOSSES, STAFF, "attributed_to"), (INJURED, MAYOR, "attributed_to")}
    assert gold_spans(store, article) == before | {(*MAYOR, "source")}
    assert store.accept_relation_version(article, group.versions["alice"].id, []) is None
    store.undo(article, GOLD)
    assert gold_relations(store, article) == {(LOSSES, STAFF, "attributed_to")}
    assert gold_spans(store, article) == before
    store.redo(article, GOLD)
    assert (INJURED, MAYOR, "attributed_to") in gold_relations(store, article)


def test_accepting_one_version_of_a_relation_replaces_another_in_gold(store):
    store.add_documents([NewDocument(TEXT, "Losses", "news/losses.txt")])
    document = store.document_uids()[0]
    for name, mayor in (("alice", MAYOR), ("bob", MAYOR_SHORT)):
        source = store.add_span(document, name, *mayor, "source")
        claim = store.add_span(document, name, *INJURED, "claim")
        store.add_relation(claim.id, source.id, "attributed_to")
        store.set_status(document, name, "done")
    group = the_mayor_relation(store.start_review(document, []))
    versions = [mark.id for mark in group.versions.values()]
    store.accept_relation_version(document, group.versions["bob"].id, versions)
    store.accept_relation_version(document, group.versions["alice"].id, versions)
    assert gold_relations(store, document) == {(INJURED, MAYOR, "attributed_to")}
    store.undo(document, GOLD)
    assert gold_relations(store, document) == {(INJURED, MAYOR_SHORT, "attributed_to")}


def test_rejecting_a_relation_takes_it_out_of_gold_keeps_its_spans_and_undo_lifts_it(store, article):
    group = the_mayor_relation(store.start_review(article, []))
    alice = group.versions["alice"].id
    store.accept_relation_version(article, alice, [alice])
    spans = gold_spans(store, article)
    removed = store.reject_relation_version(article, alice)
    assert [relation.label for relation in removed] == ["attributed_to"]
    assert gold_relations(store, article) == {(LOSSES, STAFF, "attributed_to")}
    assert gold_spans(store, article) == spans
    assert alice in store.rejections(article)
    assert store.relations(article, "alice")  # the annotator's own relation stays
    store.undo(article, GOLD)
    assert alice not in store.rejections(article)
    assert (INJURED, MAYOR, "attributed_to") in gold_relations(store, article)


def test_a_relation_rejected_already_is_not_rejected_twice(store, article):
    group = the_mayor_relation(store.start_review(article, []))
    alice = group.versions["alice"].id
    store.reject_relation_version(article, alice)
    events = len(store.events(document=article))
    assert store.reject_relation_version(article, alice) == []
    assert len(store.events(document=article)) == events


def test_merge_brings_in_seeded_gold_relations(tmp_path, store, article):
    copy_path = tmp_path / "copy.db"
    store.close()
    shutil.copy(tmp_path / "annotations.db", copy_path)
    copy = Store.open(copy_path)
    copy.start_review(article, [])
    copy.close()
    target = Store.open(tmp_path / "annotations.db")
    try:
        report = merge(target, copy_path)
        assert report.added["relations"] == 1
        assert gold_relations(target, article) == {(LOSSES, STAFF, "attributed_to")}
        assert target.check() == []
    finally:
        target.close()
