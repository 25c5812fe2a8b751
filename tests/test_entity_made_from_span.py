"""An entity made from a span is one action with its link: one undo, one redo, for both."""

from __future__ import annotations

import pytest

from workbench.errors import NotFound
from workbench.linking import normalise_alias
from workbench.model import NewDocument


@pytest.fixture
def spans(store):
    (document,) = store.add_documents([NewDocument("Halyna met Halyna.", "t", "t.txt")]).added
    return store, document, store.add_span(document, "ann", 0, 6, "source"), store.add_span(
        document, "ann", 11, 17, "source")


def test_undo_removes_the_made_entity_and_redo_brings_both_back(spans):
    store, document, first, _ = spans
    entity, linked = store.link_to_new_entity(first.id, "Halyna", "PERSON", ["Halyna"],
                                              normalise_alias=normalise_alias)
    assert linked.entity_id == entity.id
    store.undo(document, "ann")
    assert store.span(first.id).entity_id is None
    with pytest.raises(NotFound):
        store.entity(entity.id)
    store.redo(document, "ann")
    assert store.span(first.id).entity_id == entity.id
    assert store.entity(entity.id) == entity


def test_undo_keeps_the_entity_another_span_has_been_linked_to_since(spans):
    store, document, first, second = spans
    entity, _ = store.link_to_new_entity(first.id, "Halyna", "PERSON", normalise_alias=normalise_alias)
    other = store.add_span(document, "bob", 11, 17, "source")
    store.link(other.id, entity.id)            # by another annotator, whose undo stack is their own
    store.undo(document, "ann")
    assert store.span(first.id).entity_id is None
    assert store.entity(entity.id).name == "Halyna"
