"""Knowledge-base mentions: every alias of a known entity found in the text, pre-linked.

The automaton is built once per knowledge base (`MentionsRecommender.build`)
and then finds every alias in one pass per document, however large the
knowledge base. A name shared by several entities goes to the one with the
highest prior, scored by its share of their priors. A match in lower case
is dropped unless some alias is spelt so ("the city of odesa" is not how
news copy names a place, but "of" and "bar" are place names too). A mention
that an attribution pattern surrounds is suggested as a source.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..collector import without_cyclic_gc
from . import Proposal, longest_first
from .matching import PhraseAutomaton, phrase_keys
from .sources import attributed

NAME = "mentions"


class MentionsRecommender:
    name = NAME

    def __init__(self, automaton: PhraseAutomaton, *, label: str | None = "mention",
                 source_label: str | None = "source") -> None:
        self.automaton = automaton
        self.label = label
        self.source_label = source_label

    @classmethod
    def build(cls, aliases: Iterable[tuple[str, str, str, float]], **labels: str | None) -> MentionsRecommender:
        """From (alias, normalised alias, entity id, prior) rows, as `Store.aliases_for_matching` gives them."""
        # A million rows make a million small lists and tuples, none in a cycle; the cyclic
        # collector would walk the growing heap again and again (half of the build's time).
        with without_cyclic_gc():
            return cls(_automaton(aliases), **labels)

    def propose(self, text: str) -> list[Proposal]:
        found = []
        for start, end, (entity_id, score, lower_allowed) in self.automaton.find(text):
            if text[start].islower() and not lower_allowed:
                continue
            label = self.source_label if self.source_label and attributed(text, start, end) else self.label
            if label is not None:
                found.append(Proposal(start, end, label, entity_id, score))
        return longest_first(found)


def _automaton(aliases: Iterable[tuple[str, str, str, float]]) -> PhraseAutomaton:
    """Each normalised name once, with the entity of the highest prior and that prior's share."""
    best: dict[str, list] = {}
    for alias, normalised, entity_id, prior in aliases:
        lower = alias[:1].islower()
        prior = max(float(prior or 0), 0.0)
        for key in ((normalised,) if "'" not in alias and "’" not in alias else phrase_keys(alias)):
            if not key:
                continue
            seen = best.get(key)
            if seen is None:
                best[key] = [entity_id, prior, prior, {entity_id}, lower]
                continue
            if entity_id not in seen[3]:
                seen[3].add(entity_id)
                seen[2] += prior
                if prior > seen[1]:
                    seen[0], seen[1] = entity_id, prior
            seen[4] = seen[4] or lower
    automaton = PhraseAutomaton()
    for key, (entity_id, prior, total, owners, lower) in best.items():
        score = prior / total if total > 0 else 1 / len(owners)
        automaton.add(key, (entity_id, round(score, 3), lower))
    return automaton.build()
