"""Suggestions and rejections: what recommenders propose, kept apart from spans.

Nothing here writes a span except an accept, which is the annotator's own
action: logged under their name as `accept_suggestion`, undone and redone
like an add, with the recommender kept as the span's provenance. A rejection
is recorded per annotator and hides that offsets-and-label from them for good,
whichever recommender proposes it again.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from ..errors import NotFound, OffsetMismatch, WorkbenchError
from ..model import Span, covered_text_problem, name_problem
from ..recommend import Proposal, Suggestion, visible
from .annotations import AnnotationTables
from .rows import insert_sql, now, where_equal

SUGGESTION_COLUMNS = ("id", "document", "start", "end", "label", "text", "entity_id", "score",
                      "recommender", "created_at")
REJECTION_COLUMNS = ("document", "annotator", "start", "end", "label", "at")
ACCEPT = "accept_suggestion"
"""The event action of an accept; `history.UNDOABLE` lists it."""


def provenance_of_suggestion(recommender: str) -> str:
    """What an accepted span records as its origin."""
    return f"suggestion:{recommender}"


def suggestion_id(document: str, start: int, end: int, label: str, recommender: str) -> str:
    """Derived from what makes a suggestion unique, so copies of a database agree on it."""
    key = f"{document}\x1f{start}\x1f{end}\x1f{label}\x1f{recommender}"
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:20]


def _from_row(row: dict[str, Any]) -> Suggestion:
    return Suggestion(row["id"], row["document"], row["start"], row["end"], row["label"], row["text"],
                      row["entity_id"], row["score"], row["recommender"], row["created_at"])


class SuggestionTables(AnnotationTables):
    # -- writing what recommenders propose ------------------------------------------

    def add_suggestions(self, document: str, recommender: str, proposals: Iterable[Proposal], *,
                        replace: bool = False) -> int:
        """Store one recommender's proposals for a document, in one transaction.

        Proposals already stored are skipped, so running a recommender again adds
        nothing; with `replace`, its earlier suggestions for the document go first.
        Returns how many were new. Offsets out of range refuse the whole call.
        """
        problem = name_problem(recommender, "a recommender name")
        if problem:
            raise WorkbenchError(problem)
        text = self.text(document)
        stamp = now()
        rows = []
        for proposal in proposals:
            problem = covered_text_problem(text, proposal.start, proposal.end)
            if problem:
                raise OffsetMismatch(f"{recommender}: {problem} in document {document}", document=document)
            rows.append((suggestion_id(document, proposal.start, proposal.end, proposal.label, recommender),
                         document, proposal.start, proposal.end, proposal.label,
                         text[proposal.start:proposal.end], proposal.entity_id, float(proposal.score),
                         recommender, stamp))
        with self.transaction():
            if replace:
                self.db.execute("DELETE FROM suggestions WHERE document = ? AND recommender = ?",
                                [document, recommender])
            before = self.db.conn.total_changes
            self.db.conn.executemany(insert_sql("suggestions", SUGGESTION_COLUMNS, verb="INSERT OR IGNORE"),
                                     rows)
            return self.db.conn.total_changes - before

    def add_suggestion_batch(self, items: Sequence[tuple[str, str, Proposal]]) -> int:
        """(document, recommender, proposal) triples from another tool, stored all or none.

        Of two triples for the same offsets, label and recommender, the better scored is kept,
        wherever it stands in the batch.
        """
        best: dict[tuple[str, str, int, int, str], tuple[str, str, Proposal]] = {}
        for item in items:
            document, recommender, proposal = item
            place = (document, recommender, proposal.start, proposal.end, proposal.label)
            if place not in best or proposal.score > best[place][2].score:
                best[place] = item
        with self.transaction():
            return sum(self.add_suggestions(document, recommender, [proposal])
                       for document, recommender, proposal in best.values())

    def clear_suggestions(self, *, recommender: str | None = None) -> int:
        """Remove suggestions (of one recommender, or all); rejections stay. Returns how many."""
        with self.transaction():
            if recommender is None:
                return self.db.execute("DELETE FROM suggestions").rowcount
            return self.db.execute("DELETE FROM suggestions WHERE recommender = ?", [recommender]).rowcount

    # -- reading -----------------------------------------------------------------

    def suggestion(self, suggestion_id: str) -> Suggestion:
        row = next(self.db.query("SELECT * FROM suggestions WHERE id = ?", [suggestion_id]), None)
        if row is None:
            raise NotFound(f"no suggestion {suggestion_id!r}")
        return _from_row(row)

    def suggestions(self, document: str | None = None, *,
                    recommender: str | None = None) -> Iterator[Suggestion]:
        """Stored suggestions, every one, in document (import) and text order."""
        where, params = where_equal({"s.document": document, "s.recommender": recommender})
        for row in self.db.query(
                f"""SELECT s.* FROM suggestions s JOIN documents d ON d.uid = s.document {where}
                    ORDER BY d.rowid, s.start, s."end", s.label, s.recommender""", params):
            yield _from_row(row)

    def export_suggestions(self, document: str, recommender: str,
                           labels: Sequence[str] | None = None) -> list[tuple[Any, ...]]:
        """One recommender's suggestions for a document as an export reads an annotator's spans:
        (id, start, end, label, text, entity_id, nil, provenance JSON, entity name, entity type),
        in text order. Only an export asked to include suggestions reads these."""
        label_filter = f" AND s.label IN ({', '.join('?' * len(labels))})" if labels else ""
        return [tuple(row) for row in self.db.conn.execute(
            f"""SELECT s.id, s.start, s."end", s.label, s.text, s.entity_id, 0, json_array('suggestion:' || s.recommender),
                       e.name, e.type
                FROM suggestions s LEFT JOIN entities e ON e.id = s.entity_id
                WHERE s.document = ? AND s.recommender = ?{label_filter}
                ORDER BY s.start, s."end", s.label, s.id""", [document, recommender, *(labels or ())])]

    def has_suggestions(self) -> bool:
        """Whether this project uses suggestions at all: any is stored, for any document."""
        return next(self.db.query("SELECT 1 AS one FROM suggestions LIMIT 1"), None) is not None

    def recommenders(self) -> list[str]:
        return [row["recommender"] for row in self.db.query(
            "SELECT DISTINCT recommender FROM suggestions ORDER BY recommender")]

    def rejected_suggestions(self, document: str, annotator: str) -> set[tuple[str, int, int, str]]:
        return {(row["document"], row["start"], row["end"], row["label"]) for row in self.db.query(
            'SELECT document, start, "end", label FROM suggestion_rejections WHERE document = ? AND annotator = ?',
            [document, annotator])}

    def suggestions_for(self, document: str, annotator: str) -> list[Suggestion]:
        """What this annotator is shown in the document: see `recommend.visible`."""
        return visible(self.suggestions(document), self.spans(document, annotator),
                       self.rejected_suggestions(document, annotator))

    # -- an annotator's answers ------------------------------------------------------

    def accept_suggestion(self, suggestion_id: str, annotator: str, *, label: str | None = None) -> Span:
        """The suggestion becomes this annotator's span (as `label`, if given): one action, one undo."""
        with self.transaction():
            return self._accept(self.suggestion(suggestion_id), annotator, label)

    def accept_suggestions(self, suggestion_ids: Sequence[str], annotator: str) -> list[Span]:
        """Accept several at once (a sentence's, a paragraph's), as one action: one undo takes all back.

        Taken leftmost-longest first; a suggestion that overlaps a span of the
        annotator's with its label, one accepted before it in the same call
        included, is passed over: it would not have been shown.
        """
        batch = uuid.uuid4().hex
        accepted: list[Span] = []
        with self.transaction():
            chosen = [self.suggestion(one) for one in suggestion_ids]
            if len({suggestion.document for suggestion in chosen}) > 1:
                raise WorkbenchError("one action accepts suggestions of one document")
            taken = {(span.label, span.start, span.end) for span in self.spans(chosen[0].document, annotator)
                     } if chosen else set()
            for suggestion in sorted(chosen, key=lambda one: (one.start, -one.end)):
                if any(label == suggestion.label and start < suggestion.end and suggestion.start < end
                       for label, start, end in taken):
                    continue
                span = self._accept(suggestion, annotator, None, batch=batch)
                taken.add((span.label, span.start, span.end))
                accepted.append(span)
        return accepted

    def _accept(self, suggestion: Suggestion, annotator: str, label: str | None, *,
                batch: str | None = None) -> Span:
        # A relabelled accept is the annotator's own call on the entity too: a person's
        # link rarely fits what they turned into a figure or a claim.
        relabelled = label is not None and label != suggestion.label
        return self._add_span(suggestion.document, annotator, suggestion.start, suggestion.end,
                              label or suggestion.label,
                              entity_id=None if relabelled else suggestion.entity_id,
                              provenance=(provenance_of_suggestion(suggestion.recommender),),
                              action=ACCEPT, batch=batch)

    def reject_suggestion(self, suggestion_id: str, annotator: str) -> Suggestion:
        """Never show this annotator the suggestion's offsets and label again."""
        with self.transaction():
            suggestion = self.suggestion(suggestion_id)
            self.ensure_annotator(annotator)
            self.db.execute(insert_sql("suggestion_rejections", REJECTION_COLUMNS, verb="INSERT OR IGNORE"),
                            [suggestion.document, annotator, suggestion.start, suggestion.end,
                             suggestion.label, now()])
        return suggestion

    # -- checking ------------------------------------------------------------------

    def check(self) -> list[str]:
        """The store's problems, and any suggestion whose offsets do not cover its recorded text."""
        problems = super().check()
        if any(problem.startswith("unreadable") or problem.startswith("schema") for problem in problems):
            return problems
        for row in self.db.query(
                """SELECT s.id, s.document, s.start, s."end", s.text, s.recommender, d.text AS document_text
                   FROM suggestions s JOIN documents d ON d.uid = s.document ORDER BY d.rowid, s.start"""):
            problem = covered_text_problem(row["document_text"], row["start"], row["end"], row["text"])
            if problem:
                problems.append(f"suggestion: {row['id']} ({row['recommender']}, document {row['document']}): "
                                f"{problem}")
        return problems

    # -- what recommenders read ------------------------------------------------------

    def aliases_for_matching(self) -> Iterator[tuple[str, str, str, float]]:
        """(alias, normalised alias, entity id, prior) of every alias, for a mention automaton.

        Plain tuples, streamed: a knowledge base has millions of aliases.
        """
        yield from self.db.conn.execute(
            "SELECT a.alias, a.normalised, a.entity_id, e.prior FROM aliases a "
            "JOIN entities e ON e.id = a.entity_id")

    def tagged_strings(self) -> Iterator[tuple[str, str, str | None]]:
        """(covered text, label, entity id) of every span, gold's included: what annotators decided."""
        yield from self.db.conn.execute("SELECT text, label, entity_id FROM spans")
