"""This project's own decisions: a string an annotator tagged, suggested wherever else it occurs.

Once someone has tagged "Ukrenergo" as a source linked to the grid operator,
every other "Ukrenergo" in the corpus is suggested the same way. A string
tagged with more than one label (or link) goes with the one chosen most
often, scored by how often it was; matching is on normalised text at word
boundaries, as for knowledge-base mentions.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from . import Proposal, longest_first
from .matching import PhraseAutomaton, phrase_keys

NAME = "decisions"


class DecisionsRecommender:
    name = NAME

    def __init__(self, automaton: PhraseAutomaton) -> None:
        self.automaton = automaton

    @classmethod
    def build(cls, tagged: Iterable[tuple[str, str, str | None]]) -> DecisionsRecommender:
        """From (covered text, label, entity id) of the spans annotators made."""
        choices: dict[str, Counter] = defaultdict(Counter)
        for text, label, entity_id in tagged:
            for key in phrase_keys(text):
                choices[key][(label, entity_id)] += 1
        automaton = PhraseAutomaton()
        for key, counts in choices.items():
            # Ties go to the label (then entity) first in order, so the same tags give the same choice.
            (label, entity_id), times = min(counts.items(), key=lambda item: (-item[1], item[0][0], item[0][1] or ""))
            automaton.add(key, (label, entity_id, round(times / sum(counts.values()), 3)))
        return cls(automaton.build())

    def propose(self, text: str) -> list[Proposal]:
        return longest_first(Proposal(start, end, label, entity_id, score)
                                for start, end, (label, entity_id, score) in self.automaton.find(text))
