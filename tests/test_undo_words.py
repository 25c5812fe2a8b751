"""Undo and redo say what they changed, in words built from the events they replayed."""

from __future__ import annotations

import pytest
from textual.widgets import Static

from workbench.history import describe
from workbench.linking import normalise_alias
from workbench.model import Entity, NewDocument
from workbench.tui.app import make_app

CLAIM = ("Russia’s military has lost more than half of its armoured vehicles near Avdiivka "
         "since October, the institute said.")
TEXT = CLAIM + " Troops left Bahmut. Bahmut was shelled again."


@pytest.fixture
def doc(store) -> str:
    store.add_documents([NewDocument(TEXT, "Losses", "losses.txt")])
    store.import_entities([Entity("Q1", "Bakhmut", "LOC", "", 0.5, ("Bahmut",))], normalise_alias)
    return store.document_uids()[0]


def undone(store, doc) -> str:
    return describe(store.replay(doc, "alice", "undo"), lambda entity_id: store.entity(entity_id).name)


def redone(store, doc) -> str:
    return describe(store.replay(doc, "alice", "redo"), lambda entity_id: store.entity(entity_id).name)


def test_each_kind_of_change_is_named_with_its_text_cut_in_the_middle(store, doc):
    end = TEXT.index(", the institute")
    claim = store.add_span(doc, "alice", 0, end, "claim")
    assert undone(store, doc) == "claim “Russia’s milit…a since October”"
    assert redone(store, doc) == "claim “Russia’s milit…a since October”"
    store.relabel(claim.id, "source")
    assert undone(store, doc) == "relabel “Russia’s milit…a since October” claim → source"
    store.delete_span(claim.id)
    assert undone(store, doc) == "delete claim “Russia’s milit…a since October”"


def test_links_name_the_entity_and_a_propagation_counts_its_mentions(store, doc):
    first, second = (TEXT.index("Bahmut"), TEXT.rindex("Bahmut"))
    mention = store.add_span(doc, "alice", first, first + 6, "mention")
    other = store.add_span(doc, "alice", second, second + 6, "mention")
    store.link(mention.id, "Q1")
    assert undone(store, doc) == "link “Bahmut” → Bakhmut"
    assert redone(store, doc) == "link “Bahmut” → Bakhmut"
    store.link(mention.id, None, nil=True)
    assert undone(store, doc) == "link “Bahmut” → NIL"
    store.link(mention.id, None)
    assert undone(store, doc) == "unlink “Bahmut”"
    store.link(mention.id, None)
    store.link_many([mention.id, other.id], "Q1")
    assert undone(store, doc) == "link 2 mentions of “Bahmut” → Bakhmut"


def test_an_entity_made_in_the_action_is_named_though_undo_removed_it(store, doc):
    start = TEXT.index("Avdiivka")
    mention = store.add_span(doc, "alice", start, start + 8, "mention")
    store.link_to_new_entity(mention.id, "Avdiivka", "LOC", normalise_alias=normalise_alias)

    assert undone(store, doc) == "link “Avdiivka” → Avdiivka (new entity)"


async def test_the_status_line_says_what_undo_and_redo_changed(store, doc):
    async with make_app(store, "alice").run_test(size=(140, 30)) as pilot:
        await pilot.press("s", "1")
        tagged = [span.label for span in store.spans(doc, "alice")]
        await pilot.press("u")
        after_undo = str(pilot.app.screen.query_one("#status", Static).content)
        left = list(store.spans(doc, "alice"))
        await pilot.press("U")
        after_redo = str(pilot.app.screen.query_one("#status", Static).content)

    assert tagged == ["claim"] and left == []
    assert "✓ undid: claim “Russia’s milit…institute said.”" in after_undo
    assert "✓ redid: claim “Russia’s milit…institute said.”" in after_redo
    assert [span.label for span in store.spans(doc, "alice")] == ["claim"]


def test_relations_are_named_by_type_and_a_span_deleted_with_them_leads(store, doc):
    claim = store.add_span(doc, "alice", 0, TEXT.index(" since"), "claim")
    institute = TEXT.index("the institute")
    source = store.add_span(doc, "alice", institute, institute + len("the institute"), "source")
    store.add_relation(claim.id, source.id, "attributed_to")
    assert undone(store, doc) == "relation attributed_to"
    texts = {span.id: span.text for span in store.spans(doc)}
    words = describe(store.replay(doc, "alice", "redo"), str, text_of=texts.get)
    assert words == "relation “Russia’…vdiivka” → “the institute”"
    store.delete_relation(store.relations(doc)[0].id)
    words = describe(store.replay(doc, "alice", "undo"), str, text_of=texts.get)
    assert words == "remove relation “Russia’…vdiivka” → “the institute”"
    store.delete_span(source.id)
    assert undone(store, doc) == "delete source “the institute” and 1 more change"
