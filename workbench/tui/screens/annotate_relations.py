"""The annotate screen's relation keys: relate the current span to another, follow a relation
to its other end and back, delete one, and find the next claim without a source.

A mixin of `AnnotateScreen`: each key writes through the screen's store and shows the result.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.binding import Binding

from ...attribution import (arrow, candidate_ends, next_along, next_lacking, other_end, relation_choices,
                            relations_of)
from ...errors import WorkbenchError
from ...model import Relation, RelationType, Span
from ..display import shortened

RELATION_BINDINGS = [
    Binding("r", "start_relation", "Relate to a span", id="relation.start"),
    Binding("apostrophe", "follow_relation", "Other end of a relation", id="relation.follow"),
    Binding("R", "delete_relation", "Delete the relation shown", id="relation.delete"),
    Binding("exclamation_mark", "next_lacking_relation", "Next claim without a source",
            id="relation.next_missing"),
]


class RelationKeys:
    """Relations between the document's spans, as the annotator makes and walks them."""

    relations: list[Relation] = []
    relation_kinds: list[RelationType] = []
    _arrived_by: str | None = None
    """The relation the cursor last followed to the current span, so the next follow goes on."""
    _returned = False
    """Whether that follow went back to where an earlier one started, rather than out from it."""

    def load_relations(self) -> None:
        """On opening a document: the label set's relation types, and the document's relations."""
        self.relation_kinds = self.store.relation_types()
        self.reload_relations()

    def reload_relations(self) -> None:
        """The document's relations as the store holds them, nothing followed yet: after a write
        too, since a span's delete can take relations with it and an undo bring them back."""
        self.relations = self.store.relations(self.document, self.annotator)
        self._arrived_by, self._returned = None, False
        self.show_relations()

    def show_relations(self) -> None:
        """Show the current span's relations: the other ends highlighted, the span list's arrows."""
        current = self.view.current
        related = {other_end(relation, current.id) for relation in relations_of(current.id, self.relations)
                   } if current else set()
        self.view.show_related(related)
        self.span_list.relations = self.relations

    def _shown_relation(self, span: Span) -> Relation | None:
        """The relation the status line names, `'` follows and `R` deletes: the one arrived by, or
        the span's first."""
        mine = relations_of(span.id, self.relations)
        return next((relation for relation in mine if relation.id == self._arrived_by), mine[0] if mine else None)

    def relation_status(self, span: Span) -> Text:
        """The status line's word on the current span's relations: `← source “the BBC” (1 of 2)`, the
        relation's type named too where the label set has several."""
        shown = self._shown_relation(span)
        if shown is None:
            return Text()
        mine = relations_of(span.id, self.relations)
        other = next((s for s in self.spans if s.id == other_end(shown, span.id)), None)
        # With one relation type, its name says nothing the arrow does not, and the line is short.
        kind = f"{shown.label} " if len(self.relation_kinds) > 1 else ""
        status = Text(f"  {arrow(shown, span.id)} {kind}")
        if other is not None:
            status.append(f"{other.label} “{shortened(other.text, 24)}”")
        if len(mine) > 1:
            status.append(f" ({mine.index(shown) + 1} of {len(mine)}; ' next)", Style(dim=True))
        return status

    def action_start_relation(self) -> None:
        from .relate import RelationEndScreen

        current = self.view.current
        if current is None:
            self.notify("Put the cursor on a span (tab) to relate it to another.")
            return
        kinds = self.relation_kinds
        candidates = candidate_ends(kinds, current, self.spans, self.view.index.sentence_at(current.start),
                                    self.relations)
        if not candidates:
            names = ", ".join(kind.rule() for kind in kinds) or "none in this label set"
            self.notify(f"No span here can be related to this {current.label} (relation types: {names}).")
            return
        self.app.push_screen(RelationEndScreen(self.view, candidates),
                             lambda other: self._other_end_picked(current, other))

    def _other_end_picked(self, span: Span, other: Span | None) -> None:
        from .relate import RelationTypeScreen

        if other is None:
            return
        choices = relation_choices(self.relation_kinds, span, other)
        if len(choices) == 1:
            self._relate(choices[0])
        else:
            self.app.push_screen(RelationTypeScreen(choices), self._relate)

    def _relate(self, choice) -> None:
        if choice is None:
            return
        self._write_relation(lambda: self.store.add_relation(choice.head.id, choice.tail.id, choice.kind.name))

    def action_follow_relation(self) -> None:
        current = self.view.current
        if current is None:
            return
        relation = next_along(current.id, self.relations, self._arrived_by, self._returned)
        if relation is None:
            self.notify(f"This {current.label} has no relations: r relates it to another span.")
            return
        other = next(span for span in self.spans if span.id == other_end(relation, current.id))
        self.view.focus_span(other)
        self._returned = relation.id == self._arrived_by and not self._returned
        self._arrived_by = relation.id
        self.show_relations()
        self.refresh_status()

    def action_delete_relation(self) -> None:
        current = self.view.current
        shown = self._shown_relation(current) if current else None
        if shown is None:
            self.notify("The span under the cursor has no relation to delete.")
            return
        self._write_relation(lambda: self.store.delete_relation(shown.id))

    def action_next_lacking_relation(self) -> None:
        kinds = self.relation_kinds
        span = next_lacking(kinds, self.spans, self.relations, self.view.cursor)
        if span is None:
            heads = sorted({head for kind in kinds for head in kind.heads})
            self.notify(f"Every {' and every '.join(heads) or 'span'} has its relation.")
            return
        self.view.focus_span(span)

    def _write_relation(self, write) -> None:
        try:
            write()
        except WorkbenchError as error:
            self._failed(error)
            return
        self._show(focus_id=self.view.current_id)
