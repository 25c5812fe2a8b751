"""Relations between spans, and the relation types of the label set.

A relation joins two spans of one document and annotator, head → tail, with a
type whose rule says which span labels each end may have. The rules hold on
every path: making a relation, relabelling one of its spans, undo and redo,
native import and merge. Deleting a span deletes its relations in the same
action, so one undo brings all of them back.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterable
from typing import Any

from ..errors import Conflict, NotFound, RelationRefused, WorkbenchError
from ..history import SPAN_UNCHANGED
from ..model import DEFAULT_RELATION_TYPES, Event, Label, Relation, RelationType, Span, shared_key_problem
from .annotations import AnnotationTables
from .rows import (RELATION_COLUMNS, RELATION_TYPE_COLUMNS, insert_sql, now, relation_from_row,
                   relation_payload, relation_type_from_row)

RELATE, UNRELATE = "relate", "unrelate"
"""The event actions that make and remove a relation; `history.UNDOABLE` lists both."""


class RelationTables(AnnotationTables):
    def _after_migration(self) -> None:
        super()._after_migration()
        if not self.relation_types():
            labels = {label.name for label in self.labels()}
            # The default type only where its labels exist: a custom label set gets none.
            self.set_relation_types([kind for kind in DEFAULT_RELATION_TYPES
                                     if kind.named_labels <= labels])

    # -- relation types ------------------------------------------------------------

    def relation_types(self) -> list[RelationType]:
        return [relation_type_from_row(row)
                for row in self.db.query("SELECT * FROM relation_types ORDER BY position")]

    def relation_type(self, name: str) -> RelationType:
        row = next(self.db.query("SELECT * FROM relation_types WHERE name = ?", [name]), None)
        if row is None:
            known = ", ".join(kind.name for kind in self.relation_types()) or "none"
            raise NotFound(f"no relation type {name!r} (known: {known})")
        return relation_type_from_row(row)

    def set_relation_types(self, kinds: Iterable[RelationType]) -> None:
        """Add or update relation types; types already in use are never removed.

        Each end's labels must be labels of this database, and each type has a key of its own.
        """
        kinds = list(kinds)
        labels = {label.name for label in self.labels()}
        keys = {kind.name: kind.key for kind in self.relation_types()}
        keys.update((kind.name, kind.key) for kind in kinds)
        clash = shared_key_problem(keys, "relation type")
        if clash:
            raise WorkbenchError(clash)
        for kind in kinds:
            unknown = sorted(kind.named_labels - labels)
            if unknown:
                raise WorkbenchError(f"relation type {kind.name!r} names label(s) {', '.join(unknown)} "
                                     "that the label set does not have")
        for kind in kinds:
            broken = self._broken_by_rule(kind)
            if broken:
                raise WorkbenchError(f"relation type {kind.name!r}: the rule {kind.ends} "
                                     f"would break {broken}; delete those relations or keep the rule")
        upsert = insert_sql("relation_types", RELATION_TYPE_COLUMNS, conflict="""ON CONFLICT(name) DO UPDATE
            SET key = excluded.key, description = excluded.description, heads = excluded.heads,
                tails = excluded.tails, position = excluded.position""")
        with self.transaction():
            for position, kind in enumerate(kinds):
                self.db.execute(upsert, [kind.name, kind.key, kind.description, json.dumps(list(kind.heads)),
                                         json.dumps(list(kind.tails)), position])

    def _broken_by_rule(self, kind: RelationType) -> str | None:
        """The relations of type `kind` already made that its rule would refuse, counted with the first."""
        broken = [row for row in self.db.query(
            """SELECT r.annotator, r.document, h.label AS head_label, t.label AS tail_label,
                      h.text AS head_text, t.text AS tail_text
                 FROM relations r JOIN spans h ON h.id = r.head JOIN spans t ON t.id = r.tail
                WHERE r.label = ? ORDER BY r.rowid""", [kind.name])
            if not kind.admits(row["head_label"], row["tail_label"])]
        if not broken:
            return None
        first = broken[0]
        return (f"{len(broken)} relation(s) made under the old one, the first {first['head_label']} → "
                f"{first['tail_label']} ({first['head_text']!r} → {first['tail_text']!r}, "
                f"{first['annotator']}, document {first['document']})")

    def set_label_set(self, labels: Iterable[Label], kinds: Iterable[RelationType]) -> None:
        """A label file's labels and relation types, in one transaction: both or neither."""
        with self.transaction():
            self.set_labels(labels)
            self.set_relation_types(kinds)

    # -- relations -------------------------------------------------------------------

    def relations(self, document: str, annotator: str | None = None) -> list[Relation]:
        """The document's relations (one annotator's, if given), in the order they were made."""
        if annotator is None:
            rows = self.db.query("SELECT * FROM relations WHERE document = ? ORDER BY annotator, rowid",
                                 [document])
        else:
            rows = self.db.query("SELECT * FROM relations WHERE document = ? AND annotator = ? ORDER BY rowid",
                                 [document, annotator])
        return [relation_from_row(row) for row in rows]

    def relation(self, relation_id: str) -> Relation:
        row = next(self.db.query("SELECT * FROM relations WHERE id = ?", [relation_id]), None)
        if row is None:
            raise NotFound(f"no relation {relation_id!r}")
        return relation_from_row(row)

    def relations_of_span(self, span_id: str) -> list[Relation]:
        """The relations with this span at either end, in the order they were made."""
        return [relation_from_row(row) for row in self.db.query(
            "SELECT * FROM relations WHERE head = ? OR tail = ? ORDER BY rowid", [span_id, span_id])]

    def add_relation(self, head: str, tail: str, label: str, *, batch: str | None = None,
                     action: str = RELATE) -> Relation:
        """Relate span `head` to span `tail` with the type `label`: one undoable action.

        Refused, naming the rule, when the spans are of different documents or
        annotators, are the same span, break the type's rule, or are related so already.
        """
        with self.transaction():
            head_span, tail_span = self.span(head), self.span(tail)
            relation = Relation(uuid.uuid4().hex, head_span.document, head_span.annotator, head, tail, label)
            self._put_relation(relation, head_span, tail_span)
            self._log(relation.annotator, relation.document, action, None, None, relation_payload(relation),
                      batch=batch, relation_id=relation.id)
            return relation

    def delete_relation(self, relation_id: str) -> Relation:
        with self.transaction():
            return self._delete_relation(self.relation(relation_id))

    def _delete_relation(self, relation: Relation, *, batch: str | None = None) -> Relation:
        self.db.execute("DELETE FROM relations WHERE id = ?", [relation.id])
        self._log(relation.annotator, relation.document, UNRELATE, None, relation_payload(relation), None,
                  batch=batch, relation_id=relation.id)
        return relation

    def relation_problem(self, relation: Relation, head: Span, tail: Span) -> str | None:
        """Why `relation` between these spans breaks a rule, or None when it keeps them all."""
        if head.id == tail.id:
            return "a span cannot be related to itself"
        if (head.document, head.annotator) != (tail.document, tail.annotator):
            return "a relation joins two spans of one document and one annotator"
        if (relation.document, relation.annotator) != (head.document, head.annotator):
            return (f"relation {relation.id} is recorded for {relation.annotator} in document "
                    f"{relation.document}, but its spans are {head.annotator}'s in document {head.document}")
        kind = self.relation_type(relation.label)
        if not kind.admits(head.label, tail.label):
            return (f"{kind.name} joins {kind.ends}, not {head.label} → {tail.label} "
                    f"({head.text!r} → {tail.text!r})")
        return None

    def _put_relation(self, relation: Relation, head: Span, tail: Span) -> None:
        problem = self.relation_problem(relation, head, tail)
        if problem:
            raise RelationRefused(problem, document=relation.document)
        try:
            self.db.execute(insert_sql("relations", RELATION_COLUMNS),
                            [relation.id, relation.document, relation.annotator, relation.head, relation.tail,
                             relation.label, now()])
        except sqlite3.IntegrityError as error:
            if "relations.id" in str(error):
                raise RelationRefused(f"relation id {relation.id!r} is taken by another relation in this "
                                      "database", document=relation.document) from None
            if "UNIQUE" in str(error):
                raise RelationRefused(f"{head.text!r} is already {relation.label} {tail.text!r}",
                                      document=relation.document) from None
            raise NotFound(f"relation {relation.id}: {error}", document=relation.document) from None

    # -- how relations follow their spans ---------------------------------------------

    def _delete_span(self, span_id: str, *, batch: str | None = None) -> Span:
        """Delete the span's relations with it, as one action: one undo brings all of them back."""
        related = self.relations_of_span(span_id)
        if related and batch is None:
            batch = uuid.uuid4().hex
        for relation in related:
            self._delete_relation(relation, batch=batch)
        return super()._delete_span(span_id, batch=batch)

    def _change(self, span_id: str, action: str, *, batch: str | None = None, **changes: Any) -> Span:
        """A relabel that would break a relation's rule is refused: delete the relation first."""
        with self.transaction():
            after = super()._change(span_id, action, batch=batch, **changes)
            if "label" in changes:
                self._refuse_broken_relations(after)
        return after

    def _refuse_broken_relations(self, span: Span) -> None:
        for relation in self.relations_of_span(span.id):
            head = span if relation.head == span.id else self.span(relation.head)
            tail = span if relation.tail == span.id else self.span(relation.tail)
            problem = self.relation_problem(relation, head, tail)
            if problem:
                raise RelationRefused(f"relabelling would break a relation ({problem}); delete the "
                                      "relation first", document=span.document)

    def _restore(self, span_id: str | None, *, expected: dict | None, wanted: dict | None) -> None:
        if wanted is None and self.relations_of_span(span_id or ""):
            raise Conflict("the span has relations since that action; nothing was undone")
        super()._restore(span_id, expected=expected, wanted=wanted)
        if wanted is not None:
            # A span's state put back whole carries its label, which its relations must still admit.
            self._refuse_broken_relations(self.span(span_id))

    def _replay_event(self, event: Event, old: dict | None, new: dict | None) -> None:
        if event.relation_id is None or event.action in SPAN_UNCHANGED:
            # A reviewer's rejection of a relation marks it and changes no row.
            super()._replay_event(event, old, new)
            return
        row = next(self.db.query("SELECT * FROM relations WHERE id = ?", [event.relation_id]), None)
        current = relation_payload(relation_from_row(row)) if row else None
        if current != old:
            raise Conflict("the relation changed since that action; nothing was undone")
        if new is None:
            self.db.execute("DELETE FROM relations WHERE id = ?", [event.relation_id])
        else:
            relation = Relation(**new)
            self._put_relation(relation, self.span(relation.head), self.span(relation.tail))

    # -- copies ------------------------------------------------------------------------

    def take_relation_from_copy(self, relation: Relation, present: bool) -> None:
        """Add (`present`) or remove a relation as another copy has it, through the same rules."""
        with self.transaction():
            if present:
                self._put_relation(relation, self.span(relation.head), self.span(relation.tail))
            else:
                self.db.execute("DELETE FROM relations WHERE id = ?", [relation.id])

    def check(self) -> list[str]:
        problems = super().check()
        try:
            return problems + self._relation_problems()
        except sqlite3.DatabaseError as error:
            return [*problems, f"unreadable: {error}"]

    def _relation_problems(self) -> list[str]:
        """What `workbench check` reports of relations: broken rules, ends that went astray."""
        problems = []
        for row in self.db.query("SELECT * FROM relation_types ORDER BY position"):
            try:
                relation_type_from_row(row)
            except WorkbenchError as error:
                problems.append(f"relation type: {error}")
        spans: dict[str, Span] = {}
        for row in self.db.query("SELECT * FROM relations ORDER BY rowid"):
            relation = relation_from_row(row)
            try:
                ends = [spans.get(end) or spans.setdefault(end, self.span(end))
                        for end in (relation.head, relation.tail)]
                problem = self.relation_problem(relation, *ends)
            except WorkbenchError as error:
                problem = str(error)
            if problem:
                problems.append(f"relation: {relation.id} ({relation.annotator}, document "
                                f"{relation.document}): {problem}")
        return problems

