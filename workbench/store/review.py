"""Comparing annotators and adjudicating into gold: agreement selections, review status, gold.

Gold is the reserved annotator `gold`. Opening a document for review seeds
gold with the spans every compared annotator agreed on, and the relations they
agreed on between those spans, logged as `seed` events that undo never takes
back. Accepting or rejecting a version, of a span or of a relation, is one
transaction under one batch uid, so one undo takes the whole decision back.
Accepting a relation brings its ends into gold with it when gold has no span
with their offsets and labels yet.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from itertools import groupby
from operator import itemgetter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..history import undo_stacks, undoable
from ..model import GOLD, Relation, Span
from .exchange import ExchangeTables
from .rows import relation_payload, span_payload

# The agreement modules are imported where review uses them: every screen opens a store,
# and the annotate screen's start-up should not wait for alignment and matching.
if TYPE_CHECKING:
    from ..agreement.alignment import Group
    from ..agreement.relations import End, RelationGroup

    RelationKey = tuple[End, End, str]

REVIEWABLE = ("ready", "in review")


@dataclass(frozen=True)
class Adjudication:
    """What a reviewer works from: the compared annotators' versions, aligned."""

    document: str
    annotators: tuple[str, ...]
    disagreements: tuple[Group, ...]
    sources: Mapping[str, Span]
    """Every compared annotator's span, by id: what the groups' marks point at."""
    relation_disagreements: tuple[RelationGroup, ...] = ()
    relation_sources: Mapping[str, Relation] = field(default_factory=dict)
    """Every compared annotator's relation, by id: what the relation groups' marks point at."""


def _version_key(span: Span) -> tuple[int, int, str, str | None]:
    return span.start, span.end, span.label, span.link_key


def _end(span: Span) -> End:
    from ..agreement.relations import End

    return End(span.start, span.end, span.label)


class ReviewTables(ExchangeTables):
    def agreement_documents(
        self, annotators: Sequence[str], *, labels: Sequence[str] | None = None,
        documents: Sequence[str] | None = None, all_done: bool = True,
        within: tuple[int, int] | None = None,
    ) -> Iterator[tuple[str, str, str, dict[str, list[tuple[int, int, str, str | None, str]]]]]:
        """(uid, title, text, {annotator: [(start, end, label, link_key, span id)]}) in import order.

        Each annotator's spans come ordered by (start, end, label, id).
        With `all_done`, the documents every one of `annotators` marked done;
        without, those where at least two of them (or the only one) have spans.
        `documents` narrows to those uids, `labels` to spans with those labels,
        and `within` to those whose `agreement_positions` lie in that (first, last) range.
        Two queries stream side by side in one read transaction (a consistent
        snapshot), so the cost does not grow with a query per document.
        """
        if not annotators:
            return
        condition, params = self._agreement_condition(annotators, labels, documents, all_done)
        if within is not None:
            condition += " AND d.rowid BETWEEN ? AND ?"
            params += list(within)
        who = ", ".join("?" * len(annotators))
        label_filter = f" AND s.label IN ({', '.join('?' * len(labels))})" if labels else ""
        with self.snapshot() as conn:
            # CROSS JOIN keeps documents the outer loop: the condition is checked once per
            # document and spans come in the order of the spans_export_order index, so
            # nothing is sorted, neither in SQL nor here.
            span_rows = conn.execute(
                f"""SELECT d.rowid, s.annotator, s.start, s."end", s.label,
                           CASE WHEN s.nil THEN 'NIL' ELSE s.entity_id END, s.id
                    FROM documents d CROSS JOIN spans s ON s.document = d.uid
                    WHERE {condition} AND s.annotator IN ({who}){label_filter}
                    ORDER BY d.rowid, s.annotator, s.start, s."end", s.label, s.id""",
                [*params, *annotators, *(labels or ())])
            mark = itemgetter(2, 3, 4, 5, 6)
            by_document = groupby(span_rows, itemgetter(0))
            pending = next(by_document, None)
            for rowid, uid, title, text in conn.execute(
                    f"SELECT d.rowid, d.uid, d.title, d.text FROM documents d WHERE {condition}"
                    " ORDER BY d.rowid", params):
                spans: dict[str, list[tuple[int, int, str, str | None, str]]] = {
                    name: [] for name in annotators}
                if pending is not None and pending[0] == rowid:
                    for annotator, rows in groupby(pending[1], itemgetter(1)):
                        spans[annotator] = list(map(mark, rows))
                    pending = next(by_document, None)
                yield uid, title, text, spans

    def has_relations(self, annotators: Sequence[str]) -> bool:
        """Whether any of `annotators` made a relation: a report without any reads none."""
        if not annotators:
            return False
        return next(self.db.query(
            f"SELECT 1 FROM relations WHERE annotator IN ({', '.join('?' * len(annotators))}) LIMIT 1",
            list(annotators)), None) is not None

    def agreement_relations(self, document: str, annotators: Sequence[str]
                            ) -> dict[str, list[tuple[int, int, str, int, int, str, str, str]]]:
        """{annotator: [(head start, end, label, tail start, end, label, relation label, id)]},
        the document's relations as agreement compares them, in the order they were made."""
        relations: dict[str, list[tuple[int, int, str, int, int, str, str, str]]] = {}
        if not annotators:
            return relations
        for row in self.db.conn.execute(
                f"""SELECT r.annotator, h.start, h."end", h.label, t.start, t."end", t.label, r.label, r.id
                    FROM relations r JOIN spans h ON h.id = r.head JOIN spans t ON t.id = r.tail
                    WHERE r.document = ? AND r.annotator IN ({', '.join('?' * len(annotators))})
                    ORDER BY r.annotator, r.rowid""", [document, *annotators]):
            relations.setdefault(row[0], []).append(tuple(row[1:]))
        return relations

    def agreement_positions(
        self, annotators: Sequence[str], *, labels: Sequence[str] | None = None,
        documents: Sequence[str] | None = None, all_done: bool = True,
    ) -> list[int]:
        """The import positions of the documents `agreement_documents` would give, in order:
        readers that share the work each take a run of them (`within`)."""
        if not annotators:
            return []
        condition, params = self._agreement_condition(annotators, labels, documents, all_done)
        return [row[0] for row in self.db.conn.execute(
            f"SELECT d.rowid FROM documents d WHERE {condition} ORDER BY d.rowid", params)]

    @staticmethod
    def _agreement_condition(annotators: Sequence[str], labels: Sequence[str] | None,
                             documents: Sequence[str] | None, all_done: bool) -> tuple[str, list[Any]]:
        """The SQL condition on documents d (and its parameters) that picks the compared documents."""
        who = ", ".join("?" * len(annotators))
        label_filter = f" AND s.label IN ({', '.join('?' * len(labels))})" if labels else ""
        if all_done:
            condition = (f"(SELECT count(*) FROM doc_status t WHERE t.document = d.uid"
                         f" AND t.annotator IN ({who}) AND t.status = 'done') = ?")
            params: list[Any] = [*annotators, len(annotators)]
        else:
            condition = (f"(SELECT count(DISTINCT s.annotator) FROM spans s WHERE s.document = d.uid"
                         f" AND s.annotator IN ({who}){label_filter}) >= ?")
            params = [*annotators, *(labels or ()), min(2, len(annotators))]
        if documents is not None:
            condition += f" AND d.uid IN ({', '.join('?' * len(documents))})"
            params += list(documents)
        return condition, params

    # -- review status -------------------------------------------------------------

    def review_status(self, document: str, annotators: Sequence[str]) -> str:
        """not ready, ready, in review or reviewed: where a document stands for adjudication."""
        gold = self.status(document, GOLD)
        if gold == "done":
            return "reviewed"
        if gold == "in_progress":
            return "in review"
        statuses = self.statuses(document)
        compared = self.compared_annotators(document, annotators)
        if compared and all(statuses.get(name) == "done" for name in compared):
            return "ready"
        return "not ready"

    def compared_annotators(self, document: str, annotators: Sequence[str]) -> list[str]:
        """Whose work a review compares: those named, or everyone who worked on the document."""
        if annotators:
            return list(annotators)
        return sorted(name for name, status in self.statuses(document).items()
                      if name != GOLD and status != "new")

    def waiting_for(self, document: str, annotators: Sequence[str]) -> list[str]:
        """The compared annotators who have not marked the document done yet."""
        return [name for name in self.compared_annotators(document, annotators)
                if self.status(document, name) != "done"]

    def next_for_review(self, annotators: Sequence[str], *, after: str | None = None, step: int = 1,
                        wrap: bool = True) -> str | None:
        """The next document ready for review or in review, in import order, in one query.

        Without `after`, the first one. With it, the first one past that
        document in the direction of `step`; `wrap` goes round to the other end
        (never back to `after` itself).
        """
        if annotators:
            ready = (f"(SELECT count(*) FROM doc_status r WHERE r.document = d.uid AND r.status = 'done'"
                     f" AND r.annotator IN ({', '.join('?' * len(annotators))})) = ?")
            ready_params: list[Any] = [*annotators, len(annotators)]
        else:
            ready = ("EXISTS (SELECT 1 FROM doc_status r WHERE r.document = d.uid AND r.annotator != :gold"
                     " AND r.status != 'new') AND NOT EXISTS (SELECT 1 FROM doc_status r"
                     " WHERE r.document = d.uid AND r.annotator != :gold AND r.status NOT IN ('new', 'done'))")
            ready_params = []
        gold = "coalesce((SELECT g.status FROM doc_status g WHERE g.document = d.uid AND g.annotator = :gold), 'new')"
        here = "coalesce((SELECT rowid FROM documents WHERE uid = :after), 0)"
        forward = step > 0
        if after is None:
            place, order = "1", "d.rowid"
        elif wrap:
            place = "d.uid != :after"
            order = f"d.rowid <= {here}, d.rowid" if forward else f"d.rowid >= {here}, d.rowid DESC"
        else:
            place = f"d.rowid {'>' if forward else '<'} {here}"
            order = "d.rowid" if forward else "d.rowid DESC"
        # Named parameters and ? cannot mix, so the ready condition's ? are numbered into names.
        names = {f"p{index}": value for index, value in enumerate(ready_params)}
        for name in names:
            ready = ready.replace("?", f":{name}", 1)
        sql = (f"SELECT d.uid FROM documents d WHERE {place} AND {gold} != 'done'"
               f" AND ({gold} = 'in_progress' OR ({ready})) ORDER BY {order} LIMIT 1")
        row = next(self.db.query(sql, {"gold": GOLD, "after": after, **names}), None)
        return row["uid"] if row else None

    # -- adjudication --------------------------------------------------------------

    def start_review(self, document: str, annotators: Sequence[str]) -> Adjudication:
        """Align the compared annotators' versions; the first time, seed gold with what they agreed on.

        Afterwards gold is whatever the reviewer made of it. The seeded spans, and
        the agreed relations between them, are logged as `seed` events: undo never
        removes them.
        """
        from ..agreement.alignment import Mark, align
        from ..agreement.relations import RelationMark, align_relations

        with self.transaction():
            compared = self.compared_annotators(document, annotators)
            by_annotator = {name: self.spans(document, name) for name in compared}
            sources = {span.id: span for spans in by_annotator.values() for span in spans}
            groups = align({name: [Mark.of(span) for span in spans] for name, spans in by_annotator.items()})
            relation_sources = {relation.id: relation for name in compared
                                for relation in self.relations(document, name)}
            relation_rows = self.agreement_relations(document, compared)
            relation_groups = align_relations({name: [RelationMark.of(row) for row in relation_rows.get(name, ())]
                                               for name in compared})
            if compared and self.status(document, GOLD) == "new":
                self.ensure_annotator(GOLD)
                seeded = set()
                for group in groups:
                    agreed = sources[group.versions[compared[0]].id] if group.agreed else None
                    if agreed is None or _version_key(agreed) in seeded:
                        continue
                    seeded.add(_version_key(agreed))
                    self._add_span(document, GOLD, agreed.start, agreed.end, agreed.label,
                                   entity_id=agreed.entity_id, nil=agreed.nil, provenance=compared,
                                   action="seed")
                self._seed_relations(document, [group for group in relation_groups if group.agreed])
                self._upsert_status(document, GOLD, status="in_progress")
        return Adjudication(document, tuple(compared), tuple(group for group in groups if not group.agreed),
                            sources, tuple(group for group in relation_groups if not group.agreed),
                            relation_sources)

    def _seed_relations(self, document: str, agreed: Sequence[RelationGroup]) -> None:
        """Gold starts with every agreed relation whose two ends it was seeded with."""
        gold = {_end(span): span for span in self.spans(document, GOLD)}
        for group in agreed:
            mark = next(iter(group.versions.values()))
            head, tail = gold.get(mark.head), gold.get(mark.tail)
            if head is not None and tail is not None:
                self.add_relation(head.id, tail.id, mark.label, action="seed")

    def accept_version(self, document: str, chosen: str, versions: Sequence[str]) -> Span | None:
        """Gold takes the annotator span `chosen`, replacing every gold span that is a version of
        the same mention (one of the spans `versions`, or the chosen offsets and label with another
        link). One action: one undo takes it back. None, with nothing written, when gold has it already.

        The gold span's provenance names every annotator whose version is the chosen one.
        """
        with self.transaction():
            spans = {span_id: self.span(span_id) for span_id in dict.fromkeys([chosen, *versions])}
            taken = spans[chosen]
            gold = self.spans(document, GOLD)
            if any(_version_key(span) == _version_key(taken) for span in gold):
                return None
            replaced = {_version_key(span) for span in spans.values()}
            batch = uuid.uuid4().hex
            for span in gold:
                if _version_key(span) in replaced or (span.start, span.end, span.label) == (
                        taken.start, taken.end, taken.label):
                    self._delete_span(span.id, batch=batch)
            agreeing = [span.annotator for span in spans.values() if _version_key(span) == _version_key(taken)]
            self.ensure_annotator(GOLD)
            return self._add_span(document, GOLD, taken.start, taken.end, taken.label,
                                  entity_id=taken.entity_id, nil=taken.nil, provenance=agreeing, batch=batch)

    def reject_version(self, document: str, rejected: str) -> list[Span]:
        """Reject the annotator span `rejected`: gold loses that version, and the rejection is recorded.

        One action: one undo brings the gold span back and lifts the rejection.
        Returns the gold spans removed; a version already rejected and not in gold changes nothing.
        """
        with self.transaction():
            span = self.span(rejected)
            in_gold = [gold for gold in self.spans(document, GOLD) if _version_key(gold) == _version_key(span)]
            if not in_gold and rejected in self.rejections(document):
                return []
            batch = uuid.uuid4().hex
            removed = [self._delete_span(gold.id, batch=batch) for gold in in_gold]
            self.ensure_annotator(GOLD)
            self._log(GOLD, document, "reject", span.id, span_payload(span), None, batch=batch)
            return removed

    def rejections(self, document: str) -> set[str]:
        """Ids of the annotator spans and relations whose rejection in review of this document
        stands (not undone)."""
        events = self.events(document=document, annotator=GOLD)
        done, _ = undo_stacks(events)
        standing = [event for event in done if event.action == "reject"]
        older = [event for event in events if event.action == "reject" and not undoable(event)]
        return {event.span_id or event.relation_id for event in (*standing, *older)}

    # -- relations in review ---------------------------------------------------------

    def relation_keys(self, document: str, annotator: str) -> set[RelationKey]:
        """(head end, tail end, label) of the annotator's relations: what a relation version is."""
        from ..agreement.relations import End

        return {(End(*row[0:3]), End(*row[3:6]), row[6])
                for row in self.agreement_relations(document, [annotator]).get(annotator, ())}

    def _relation_key(self, relation: Relation) -> RelationKey:
        return _end(self.span(relation.head)), _end(self.span(relation.tail)), relation.label

    def accept_relation_version(self, document: str, chosen: str, versions: Sequence[str]) -> Relation | None:
        """Gold takes the annotator relation `chosen`, replacing any gold relation that is one of
        the relation versions `versions`. An end gold has no span for (same offsets and label) comes
        into gold with it, as the annotator marked it. One action: one undo takes it all back.
        None, with nothing written, when gold has the relation already.
        """
        with self.transaction():
            relations = {relation_id: self.relation(relation_id) for relation_id in dict.fromkeys([chosen, *versions])}
            taken = relations[chosen]
            wanted = self._relation_key(taken)
            gold = {relation.id: relation for relation in self.relations(document, GOLD)}
            gold_keys = {relation_id: self._relation_key(relation) for relation_id, relation in gold.items()}
            if wanted in gold_keys.values():
                return None
            replaced = {self._relation_key(relation) for relation in relations.values()}
            batch = uuid.uuid4().hex
            for relation_id, key in gold_keys.items():
                if key in replaced:
                    self._delete_relation(gold[relation_id], batch=batch)
            ends = [self._gold_end(document, self.span(span_id), batch) for span_id in (taken.head, taken.tail)]
            return self.add_relation(ends[0].id, ends[1].id, taken.label, batch=batch)

    def _gold_end(self, document: str, span: Span, batch: str) -> Span:
        """Gold's span with the offsets and label of the annotator span `span`, added if it has none."""
        same = next((gold for gold in self.spans(document, GOLD) if _end(gold) == _end(span)), None)
        if same is not None:
            return same
        return self._add_span(document, GOLD, span.start, span.end, span.label, entity_id=span.entity_id,
                              nil=span.nil, provenance=[span.annotator], batch=batch)

    def reject_relation_version(self, document: str, rejected: str) -> list[Relation]:
        """Reject the annotator relation `rejected`: gold loses that version (its spans stay), and
        the rejection is recorded. One action: one undo brings the gold relation back and lifts the
        rejection. Returns the gold relations removed; a version already rejected and not in gold
        changes nothing.
        """
        with self.transaction():
            relation = self.relation(rejected)
            key = self._relation_key(relation)
            in_gold = [gold for gold in self.relations(document, GOLD) if self._relation_key(gold) == key]
            if not in_gold and rejected in self.rejections(document):
                return []
            batch = uuid.uuid4().hex
            removed = [self._delete_relation(gold, batch=batch) for gold in in_gold]
            self.ensure_annotator(GOLD)
            self._log(GOLD, document, "reject", None, relation_payload(relation), None, batch=batch,
                      relation_id=relation.id)
            return removed
