"""Relations between spans as an annotator meets them: which types can join two spans, which
spans can be the other end, where the next claim without a source is, how a relation reads.

Pure: spans, relations and relation types in, plain values out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .model import Relation, RelationType, Span


@dataclass(frozen=True, slots=True)
class RelationChoice:
    """One way to relate two spans: a type, and which span is its head."""

    kind: RelationType
    head: Span
    tail: Span


def relation_choices(kinds: Iterable[RelationType], one: Span, other: Span) -> list[RelationChoice]:
    """Every type and direction that relates `one` and `other`, `one` as head first.

    The annotator picks the two spans in whichever order is handy (on the source,
    the claim; or the other way round); the types' rules decide the direction.
    """
    kinds = list(kinds)
    forward = [RelationChoice(kind, one, other) for kind in kinds if kind.admits(one.label, other.label)]
    backward = [RelationChoice(kind, other, one) for kind in kinds if kind.admits(other.label, one.label)]
    return forward + [choice for choice in backward
                      if (choice.kind.name, choice.head.id) not in {(c.kind.name, c.head.id) for c in forward}]


def candidate_ends(kinds: Sequence[RelationType], span: Span, spans: Iterable[Span],
                   sentence: tuple[int, int] | None, relations: Iterable[Relation] = ()) -> list[Span]:
    """The spans that some type can relate to `span` in a way not made yet, those in its sentence
    first, each group nearest first (a span after it before one as near before it).

    A span already related to `span` in every way that fits is left out, so that enter on a claim
    with one source offers the next source rather than the one it has."""
    made = {(relation.label, relation.head, relation.tail) for relation in relations}
    fitting = [other for other in spans if other.id != span.id
               and any((choice.kind.name, choice.head.id, choice.tail.id) not in made
                       for choice in relation_choices(kinds, span, other))]

    def order(other: Span) -> tuple[bool, int, bool, int]:
        in_sentence = sentence is not None and other.start < sentence[1] and other.end > sentence[0]
        # An enter that took a source pages away, when one stood just before, would surprise.
        return not in_sentence, abs(other.start - span.start), other.start < span.start, other.end

    return sorted(fitting, key=order)


def lacks_relation(kinds: Sequence[RelationType], span: Span, relations: Iterable[Relation]) -> bool:
    """Whether `span` can head a type that names its heads (a claim, for attributed_to) and
    heads no relation yet: a claim without its source."""
    if not any(kind.heads and span.label in kind.heads for kind in kinds):
        return False
    return not any(relation.head == span.id for relation in relations)


def next_lacking(kinds: Sequence[RelationType], spans: Sequence[Span], relations: Sequence[Relation],
                 after: int) -> Span | None:
    """The first span after offset `after` (wrapping round) that `lacks_relation`."""
    lacking = sorted((span for span in spans if lacks_relation(kinds, span, relations)),
                     key=lambda span: (span.start, span.end))
    return next((span for span in lacking if span.start > after), lacking[0] if lacking else None)


def relations_of(span_id: str, relations: Iterable[Relation]) -> list[Relation]:
    """The relations with `span_id` at either end, in the order they were made."""
    return [relation for relation in relations if span_id in (relation.head, relation.tail)]


def other_end(relation: Relation, span_id: str) -> str:
    return relation.tail if relation.head == span_id else relation.head


def next_along(span_id: str, relations: Sequence[Relation], arrived_by: str | None,
               returned: bool) -> Relation | None:
    """The relation to follow from `span_id`, given the one it was reached by and whether that
    was a way back: back along the same relation after going out on it, else on to the span's
    next relation. So from a claim with two sources: out to the first, back, out to the second,
    back, and round again."""
    mine = relations_of(span_id, relations)
    if not mine:
        return None
    ids = [relation.id for relation in mine]
    if arrived_by not in ids:
        return mine[0]
    if not returned:
        return mine[ids.index(arrived_by)]
    return mine[(ids.index(arrived_by) + 1) % len(mine)]


def arrow(relation: Relation, span_id: str) -> str:
    """How a relation points as seen from one of its spans: ← from the head (the claim is
    attributed to ...), → from the tail (the source said ...)."""
    return "←" if relation.head == span_id else "→"
