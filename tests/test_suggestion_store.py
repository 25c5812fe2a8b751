"""Suggestions in the store: kept apart from spans, accepted as the annotator's action, rejected per annotator."""

from __future__ import annotations

import pytest

from workbench.errors import OffsetMismatch, WorkbenchError
from workbench.formats import MODULES, Selection, export, get_format
from workbench.model import NewDocument
from workbench.recommend import Proposal
from workbench.store import Store

TEXT = "Ukraine's General Staff said 40 attacks were repelled near Bakhmut on Tuesday."


@pytest.fixture
def doc(store) -> str:
    return store.add_documents([NewDocument(TEXT, "Bakhmut", "t.txt")]).added[0]


def offsets(text: str, part: str) -> tuple[int, int]:
    start = TEXT.index(part)
    return start, start + len(part)


def figure(part: str = "40 attacks", score: float = 0.9) -> Proposal:
    return Proposal(*offsets(TEXT, part), "figure", score=score)


def test_suggestions_are_not_spans_until_accepted(store, doc):
    store.add_suggestions(doc, "figures", [figure()])
    assert store.spans(doc) == []
    [shown] = store.suggestions_for(doc, "alice")
    span = store.accept_suggestion(shown.id, "alice")
    assert (span.text, span.label, span.annotator) == ("40 attacks", "figure", "alice")
    assert span.provenance == ("suggestion:figures",)
    assert store.spans(doc, "alice") == [span]
    assert store.events(document=doc)[-1].action == "accept_suggestion"
    # The accepted span hides its suggestion, from alice only.
    assert store.suggestions_for(doc, "alice") == []
    assert [s.text for s in store.suggestions_for(doc, "bob")] == ["40 attacks"]


def test_computing_twice_adds_nothing(store, doc):
    assert store.add_suggestions(doc, "figures", [figure()]) == 1
    assert store.add_suggestions(doc, "figures", [figure()]) == 0
    assert len(list(store.suggestions(doc))) == 1


def test_replace_drops_what_the_recommender_no_longer_proposes(store, doc):
    store.add_suggestions(doc, "figures", [figure(), figure("Tuesday")])
    store.add_suggestions(doc, "figures", [figure("Tuesday")], replace=True)
    assert [s.text for s in store.suggestions(doc)] == ["Tuesday"]


def test_undo_of_an_accept_brings_the_suggestion_back_and_redo_takes_it(store, doc):
    store.add_suggestions(doc, "figures", [figure()])
    [shown] = store.suggestions_for(doc, "alice")
    store.accept_suggestion(shown.id, "alice")
    store.undo(doc, "alice")
    assert store.spans(doc, "alice") == []
    assert store.suggestions_for(doc, "alice") == [shown]
    store.redo(doc, "alice")
    assert [s.text for s in store.spans(doc, "alice")] == ["40 attacks"]


def test_accept_as_another_label_drops_the_link(store, doc):
    store.import_entities([], lambda name: name)
    store.add_suggestions(doc, "mentions", [Proposal(*offsets(TEXT, "Bakhmut"), "source")])
    [shown] = store.suggestions_for(doc, "alice")
    span = store.accept_suggestion(shown.id, "alice", label="claim")
    assert (span.label, span.entity_id) == ("claim", None)


def test_accepting_a_sentence_is_one_undo(store, doc):
    store.add_suggestions(doc, "figures", [figure(), figure("Tuesday")])
    ids = [s.id for s in store.suggestions_for(doc, "alice")]
    assert len(store.accept_suggestions(ids, "alice")) == 2
    store.undo(doc, "alice")
    assert store.spans(doc, "alice") == []
    assert len(store.suggestions_for(doc, "alice")) == 2


def test_accepting_overlapping_suggestions_of_one_label_keeps_the_longest(store, doc):
    store.add_suggestions(doc, "figures", [figure("40 attacks")])
    store.add_suggestions(doc, "decisions", [figure("40")])
    ids = [s.id for s in store.suggestions_for(doc, "alice")]
    assert [s.text for s in store.accept_suggestions(ids, "alice")] == ["40 attacks"]


def test_a_rejection_hides_it_from_that_annotator_after_a_restart_and_recompute(store, doc, tmp_path):
    store.add_suggestions(doc, "figures", [figure()])
    [shown] = store.suggestions_for(doc, "alice")
    store.reject_suggestion(shown.id, "alice")
    store.close()
    again = Store.open(tmp_path / "annotations.db")
    try:
        again.add_suggestions(doc, "figures", [figure()], replace=True)
        again.add_suggestions(doc, "decisions", [figure()])
        assert again.suggestions_for(doc, "alice") == []
        assert len(again.suggestions_for(doc, "bob")) == 1
    finally:
        again.close()


def test_a_suggestion_over_a_span_of_the_same_label_is_not_shown(store, doc):
    store.add_span(doc, "alice", *offsets(TEXT, "40"), "figure")
    store.add_suggestions(doc, "figures", [figure(), Proposal(*offsets(TEXT, "40 attacks"), "claim")])
    assert [(s.text, s.label) for s in store.suggestions_for(doc, "alice")] == [("40 attacks", "claim")]


def test_two_recommenders_proposing_the_same_span_show_once(store, doc):
    store.add_suggestions(doc, "figures", [figure(score=0.5)])
    store.add_suggestions(doc, "decisions", [figure(score=1.0)])
    [shown] = store.suggestions_for(doc, "alice")
    assert shown.recommender == "decisions"


def test_offsets_outside_the_text_store_nothing(store, doc):
    with pytest.raises(OffsetMismatch):
        store.add_suggestions(doc, "figures", [figure(), Proposal(70, 500, "figure")])
    assert list(store.suggestions(doc)) == []


def test_clear_one_recommender(store, doc):
    store.add_suggestions(doc, "figures", [figure()])
    store.add_suggestions(doc, "decisions", [figure("Tuesday")])
    assert store.clear_suggestions(recommender="figures") == 1
    assert [s.recommender for s in store.suggestions(doc)] == ["decisions"]


def test_check_names_a_suggestion_that_no_longer_covers_its_text(store, doc):
    store.add_suggestions(doc, "figures", [figure()])
    store.db.execute("UPDATE suggestions SET text = 'forty attacks'")
    store.db.conn.commit()
    [problem] = store.check()
    assert problem.startswith("suggestion: ") and "(figures, document " in problem
    assert "records 'forty attacks' but the text there is '40 attacks'" in problem


def _exported(store, name: str, path) -> dict[str, bytes]:
    export(store, get_format(name), Selection(status="any"), path)
    files = sorted(path.rglob("*")) if path.is_dir() else [path]
    return {str(file.relative_to(path)) if path.is_dir() else file.name: file.read_bytes()
            for file in files if file.is_file()}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_every_export_is_the_same_bytes_with_or_without_suggestions(store, doc, tmp_path, name):
    store.add_span(doc, "alice", *offsets(TEXT, "Bakhmut"), "source")
    store.set_status(doc, "alice", "done")
    suffix = get_format(name).suffix
    before = _exported(store, name, tmp_path / f"before{suffix}")
    store.add_suggestions(doc, "figures", [figure(), figure("Tuesday")])
    store.add_suggestions(doc, "sources", [Proposal(*offsets(TEXT, "Ukraine's General Staff"), "source")])
    after = _exported(store, name, tmp_path / f"after{suffix}")
    assert list(after.values()) == list(before.values())


def test_merge_brings_in_the_other_copys_suggestions_and_rejections(store, doc, tmp_path):
    from workbench.merge import merge

    other_path = tmp_path / "other.db"
    store.backup(other_path)
    other = Store.open(other_path)
    try:
        other.add_suggestions(doc, "figures", [figure(), figure("Tuesday")])
        [first, _] = other.suggestions_for(doc, "alice")
        other.reject_suggestion(first.id, "alice")
    finally:
        other.close()
    report = merge(store, other_path)
    assert (report.added["suggestions"], report.added["suggestion rejections"]) == (2, 1)
    assert [s.text for s in store.suggestions_for(doc, "alice")] == ["Tuesday"]
    assert merge(store, other_path).added["suggestions"] == 0


def test_a_recommender_name_with_control_characters_is_refused(store, doc):
    with pytest.raises(WorkbenchError, match="a recommender name must not contain control"):
        store.add_suggestions(doc, "figures\x1b]0;owned\x07", [figure()])
    assert list(store.suggestions(doc)) == []
