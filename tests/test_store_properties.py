"""Random sequences of annotation actions keep the store's invariants.

A state machine applies add, relabel, resize, delete, link, unlink, linking
several spans as one action, relating two spans, removing a relation, undo and
redo to a real Store and to a plain-Python model of what the spans and relations
should be, and after every step compares the two and checks the database itself.
The model knows the store's rules: offsets inside the text, no exact copy of a
span, relations only between two spans of one document and annotator that their
type admits, once each, and a span's relations going with it when it is deleted.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from workbench.errors import DuplicateSpan, OffsetMismatch, RelationRefused
from workbench.model import DEFAULT_RELATION_TYPES, Entity, NewDocument, Relation, RelationType, Span
from workbench.store import Store

TEXTS = (
    "Officials in Kyiv said 12 drones were shot down overnight.\nThe governor confirmed it.",
    "Café owners in Odesa 🇺🇦 counted 👩‍👩‍👧 families; שלום and مرحبا appeared too.",
)
ANNOTATORS = ("olena", "taras")
LABELS = ("claim", "source", "figure")
ENTITIES = ("Q1899", "Q212", "Q159")
# attributed_to admits claim → source only; same_as admits any two labels.
RELATION_TYPES = (*DEFAULT_RELATION_TYPES, RelationType("same_as", "z"))


class StoreMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.store = Store.open(":memory:")
        self.documents = self.store.add_documents(
            NewDocument(text=text, title=f"t{i}", source=f"s{i}") for i, text in enumerate(TEXTS)).added
        self.store.import_entities([Entity(e, e, "GPE") for e in ENTITIES], str.casefold)
        self.store.set_relation_types(RELATION_TYPES)
        self.model: dict[str, Span] = {}
        self.relation_model: dict[str, Relation] = {}
        # Per (document, annotator): the actions that undo and redo would revert or repeat,
        # each as the (before, after) of every span and relation it changed.
        self.done: dict[tuple[str, str], list[list[tuple[Span | None, Span | None]]]] = {}
        self.undone: dict[tuple[str, str], list[list[tuple[Span | None, Span | None]]]] = {}

    def teardown(self) -> None:
        self.store.close()

    # -- helpers ---------------------------------------------------------------

    def _record(self, before: Span | Relation | None, after: Span | Relation | None) -> None:
        self._record_action([(before, after)])

    def _record_action(self, changes: list[tuple[Span | Relation | None, Span | Relation | None]]) -> None:
        item = changes[0][0] or changes[0][1]
        key = (item.document, item.annotator)
        self.done.setdefault(key, []).append(changes)
        self.undone[key] = []
        for before, after in changes:
            self._set(before or after, after)

    def _set(self, item: Span | Relation, state: Span | Relation | None) -> None:
        """Put the model's span or relation with `item`'s id in `state` (None: gone)."""
        table = self.relation_model if isinstance(item, Relation) else self.model
        if state is None:
            table.pop(item.id, None)
        else:
            table[item.id] = state

    def _relations_of(self, span_id: str) -> list[Relation]:
        return [relation for relation in self.relation_model.values() if span_id in (relation.head, relation.tail)]

    def _relation_admitted(self, head: Span, tail: Span, label: str) -> bool:
        kind = next(kind for kind in RELATION_TYPES if kind.name == label)
        return (head.id != tail.id and (head.document, head.annotator) == (tail.document, tail.annotator)
                and kind.admits(head.label, tail.label)
                and not any((r.head, r.tail, r.label) == (head.id, tail.id, label)
                            for r in self.relation_model.values()))

    def _refused(self, error: type[Exception], write, unchanged: Span | None = None) -> None:
        events = self._event_count()
        with pytest.raises(error):
            write()
        assert self._event_count() == events
        if unchanged is not None:
            assert self.store.span(unchanged.id) == unchanged

    def _pick(self, index: int) -> Span:
        # Insertion order, not span ids: ids are random, and a replayed example must pick the same span.
        return list(self.model.values())[index % len(self.model)]

    def _event_count(self) -> int:
        return len(self.store.events())

    def _copy_exists(self, span: Span) -> bool:
        """Whether the annotator already has another span with these offsets and label."""
        return any((other.document, other.annotator, other.start, other.end, other.label)
                   == (span.document, span.annotator, span.start, span.end, span.label)
                   and other.id != span.id for other in self.model.values())

    def _refused_as_copy(self, write, unchanged: Span | None = None) -> None:
        self._refused(DuplicateSpan, write, unchanged)

    # -- rules -------------------------------------------------------------------

    @rule(document=st.integers(0, 1), annotator=st.sampled_from(ANNOTATORS),
          start=st.integers(-3, 90), length=st.integers(-2, 30), label=st.sampled_from(LABELS))
    def add(self, document, annotator, start, length, label):
        uid = self.documents[document]
        text = self.store.text(uid)
        end = start + length
        if 0 <= start < end <= len(text) and self._copy_exists(
                Span("", uid, annotator, start, end, label, text[start:end])):
            self._refused_as_copy(lambda: self.store.add_span(uid, annotator, start, end, label))
        elif 0 <= start < end <= len(text):
            span = self.store.add_span(uid, annotator, start, end, label)
            assert (span.start, span.end, span.text) == (start, end, text[start:end])
            self._record(None, span)
        else:
            events = self._event_count()
            with pytest.raises(OffsetMismatch):
                self.store.add_span(uid, annotator, start, end, label)
            assert self._event_count() == events

    @precondition(lambda self: self.model)
    @rule(index=st.integers(0, 1000), label=st.sampled_from(LABELS))
    def relabel(self, index, label):
        before = self._pick(index)
        if self._copy_exists(dataclasses.replace(before, label=label)):
            self._refused_as_copy(lambda: self.store.relabel(before.id, label), before)
            return
        relabelled = dataclasses.replace(before, label=label)
        for relation in self._relations_of(before.id):
            head = relabelled if relation.head == before.id else self.model[relation.head]
            tail = relabelled if relation.tail == before.id else self.model[relation.tail]
            kind = next(kind for kind in RELATION_TYPES if kind.name == relation.label)
            if not kind.admits(head.label, tail.label):
                self._refused(RelationRefused, lambda: self.store.relabel(before.id, label), before)
                return
        after = self.store.relabel(before.id, label)
        assert after == dataclasses.replace(before, label=label)
        if after != before:
            self._record(before, after)

    @precondition(lambda self: self.model)
    @rule(index=st.integers(0, 1000), start=st.integers(-3, 90), length=st.integers(-2, 30))
    def resize(self, index, start, length):
        before = self._pick(index)
        text = self.store.text(before.document)
        end = start + length
        if 0 <= start < end <= len(text) and self._copy_exists(
                dataclasses.replace(before, start=start, end=end)):
            self._refused_as_copy(lambda: self.store.resize(before.id, start, end), before)
        elif 0 <= start < end <= len(text):
            after = self.store.resize(before.id, start, end)
            assert after == dataclasses.replace(before, start=start, end=end, text=text[start:end])
            if after != before:
                self._record(before, after)
        else:
            events = self._event_count()
            with pytest.raises(OffsetMismatch):
                self.store.resize(before.id, start, end)
            assert self._event_count() == events
            assert self.store.span(before.id) == before

    @precondition(lambda self: self.model)
    @rule(index=st.integers(0, 1000))
    def delete(self, index):
        before = self._pick(index)
        related = self._relations_of(before.id)
        assert self.store.delete_span(before.id) == before
        self._record_action([(relation, None) for relation in related] + [(before, None)])

    @precondition(lambda self: self.model)
    @rule(head=st.integers(0, 1000), tail=st.integers(0, 1000), label=st.sampled_from(RELATION_TYPES),
          alongside=st.booleans())
    def relate(self, head, tail, label, alongside):
        """Relate two spans, `alongside` of one document and annotator (else any two, mostly refused)."""
        head = self._pick(head)
        ends = [span for span in self.model.values()
                if not alongside or (span.document, span.annotator) == (head.document, head.annotator)]
        tail = ends[tail % len(ends)]
        if not self._relation_admitted(head, tail, label.name):
            self._refused(RelationRefused, lambda: self.store.add_relation(head.id, tail.id, label.name))
            return
        relation = self.store.add_relation(head.id, tail.id, label.name)
        assert (relation.head, relation.tail, relation.label) == (head.id, tail.id, label.name)
        self._record(None, relation)

    @precondition(lambda self: self.relation_model)
    @rule(index=st.integers(0, 1000))
    def unrelate(self, index):
        relations = list(self.relation_model.values())
        before = relations[index % len(relations)]
        assert self.store.delete_relation(before.id) == before
        self._record(before, None)

    @precondition(lambda self: self.model)
    @rule(index=st.integers(0, 1000), choice=st.sampled_from((*ENTITIES, "NIL", None)))
    def link(self, index, choice):
        before = self._pick(index)
        if choice == "NIL":
            after = self.store.link(before.id, None, nil=True)
            assert after == dataclasses.replace(before, entity_id=None, nil=True)
        else:  # None unlinks
            after = self.store.link(before.id, choice)
            assert after == dataclasses.replace(before, entity_id=choice, nil=False)
        if after != before:
            self._record(before, after)

    @precondition(lambda self: self.model)
    @rule(index=st.integers(0, 1000), choice=st.sampled_from((*ENTITIES, "NIL", None)))
    def link_many(self, index, choice):
        """Link every span of one document and annotator as one action, as `L` does."""
        first = self._pick(index)
        chosen = [span for span in self.model.values()
                  if (span.document, span.annotator) == (first.document, first.annotator)]
        entity_id, nil = (None, True) if choice == "NIL" else (choice, False)
        afters = self.store.link_many([span.id for span in chosen], entity_id, nil=nil)
        assert afters == [dataclasses.replace(span, entity_id=entity_id, nil=nil) for span in chosen]
        changes = [(before, after) for before, after in zip(chosen, afters) if after != before]
        if changes:
            self._record_action(changes)

    @rule(document=st.integers(0, 1), annotator=st.sampled_from(ANNOTATORS))
    def undo(self, document, annotator):
        key = (self.documents[document], annotator)
        event = self.store.undo(*key)
        stack = self.done.get(key, [])
        assert (event is None) == (not stack)
        if stack:
            changes = stack.pop()
            self.undone.setdefault(key, []).append(changes)
            for before, after in reversed(changes):
                self._set(before or after, before)

    @rule(document=st.integers(0, 1), annotator=st.sampled_from(ANNOTATORS))
    def redo(self, document, annotator):
        key = (self.documents[document], annotator)
        event = self.store.redo(*key)
        stack = self.undone.get(key, [])
        assert (event is None) == (not stack)
        if stack:
            changes = stack.pop()
            self.done.setdefault(key, []).append(changes)
            for before, after in changes:
                self._set(before or after, after)

    @rule(document=st.integers(0, 1), annotator=st.sampled_from(ANNOTATORS))
    def undo_then_redo_restores_the_same_spans(self, document, annotator):
        key = (self.documents[document], annotator)
        state = self._stored(), self._stored_relations()
        if self.store.undo(*key) is None:
            return
        assert self.store.redo(*key) is not None
        assert (self._stored(), self._stored_relations()) == state

    # -- invariants ------------------------------------------------------------

    def _stored(self) -> dict[str, Span]:
        return {span.id: span for uid in self.documents for span in self.store.spans(uid)}

    def _stored_relations(self) -> dict[str, Relation]:
        return {relation.id: relation for uid in self.documents for relation in self.store.relations(uid)}

    @invariant()
    def spans_equal_the_model(self):
        assert self._stored() == self.model

    @invariant()
    def relations_equal_the_model_and_keep_their_rules(self):
        assert self._stored_relations() == self.relation_model
        assert self.store._relation_problems() == []

    @invariant()
    def offsets_are_in_range_and_cover_the_recorded_text(self):
        for span in self._stored().values():
            text = self.store.text(span.document)
            assert 0 <= span.start < span.end <= len(text)
            assert text[span.start:span.end] == span.text

    @invariant()
    def foreign_keys_are_valid(self):
        assert list(self.store.db.query("PRAGMA foreign_key_check")) == []


StoreMachine.TestCase.settings = settings(
    max_examples=100, stateful_step_count=40, deadline=None,
    suppress_health_check=[HealthCheck.too_slow])
test_random_actions_keep_the_store_consistent = StoreMachine.TestCase
