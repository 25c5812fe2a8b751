"""What a mention's document tells entity search: the places it names, the links it has.

`SearchContext` gathers votes for countries and regions from the names in a
document and the spans already linked in it, and the types a mention's label
prefers; `EntitySearch.search` adds its `points` to each candidate's score, and
also looks among the entities of the `regions` the document names for a
mention spelt too far from its aliases for the spelling search to find.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Protocol

from .linking import normalise_alias
from .model import Span

# How many points a candidate gains for fitting the document: this much when the document
# names a place in its region (votes of at least a half), a third when only in its country.
# More than the few points that part namesakes' spellings ("Avidivka" is as near "Davydivka"
# as "Avdiivka"), less than a misspelling costs.
COHERENCE_POINTS = 15.0
# The votes that earn a country or region its full points.
_FULL_VOTE = 0.5
# At most this many of a document's regions are searched for names the spelling search missed.
_SEARCHED_REGIONS = 3
# What a candidate loses when its type is not one the mention's label prefers.
TYPE_POINTS = 10.0
# Words in capitals and runs of up to three of them: the names a text mentions.
_WORD = re.compile(r"\w+(?:['’ʼ]\w+)*")
_NAME_RUN = 3
_POSSESSIVE = re.compile(r"['’ʼ]s$")


def name_phrases(text: str) -> list[str]:
    """The normalised names a text may mention: each capitalised word, and runs of up to
    three ("Kostiantynivka", "Kryvyi Rih")."""
    phrases: dict[str, None] = {}
    run: list[str] = []
    run_end = 0
    for match in chain(_WORD.finditer(text), [None]):
        word = _POSSESSIVE.sub("", match.group()) if match else ""
        # A run is words in capitals with nothing but a space or hyphen between them.
        if match and word[0].isupper() and (not run or text[run_end:match.start()] in (" ", "-")):
            run.append(word)
            run_end = match.end()
            continue
        for size in range(1, _NAME_RUN + 1):
            for first in range(len(run) - size + 1):
                phrases[normalise_alias(" ".join(run[first:first + size]))] = None
        run = [word] if match and word[0].isupper() else []
        run_end = match.end() if match else 0
    return list(phrases)


class ContextSource(Protocol):
    """What building a document's context needs from the store (Store provides it)."""

    def text(self, uid: str) -> str: ...

    def places_of_aliases(self, normalised: Sequence[str]) -> list[tuple[str, str, str, float]]: ...

    def linked_places(self, document: str, annotator: str | None) -> list[tuple[str, str, str]]: ...


@dataclass(frozen=True)
class SearchContext:
    """What a mention's document tells about its entity.

    `places` are votes (normalised alias, country, region, weight): one of
    weight 1 for each span already linked to a placed entity (alias None),
    and for each name in the text that some placed entities have, a vote per
    entity weighing its share of their priors, so that "Kostiantynivka",
    mostly the city in Donetsk oblast, mostly votes for that oblast.
    `preferred_types` are the types the mention's label prefers (none: any).
    """

    places: tuple[tuple[str | None, str, str, float], ...] = ()
    preferred_types: tuple[str, ...] = ()

    @classmethod
    def of_mention(cls, source: ContextSource, span: Span,
                   link_types: Mapping[str, Sequence[str]] | None = None) -> SearchContext:
        """The context of a span in its document, as its annotator has linked it so far."""
        linked = [(country, region) for span_id, country, region
                  in source.linked_places(span.document, span.annotator) if span_id != span.id]
        return cls.of_text(source, source.text(span.document), span.text, linked=linked,
                           preferred_types=(link_types or {}).get(span.label, ()))

    @classmethod
    def of_text(cls, source: ContextSource, text: str, mention: str, *,
                linked: Iterable[tuple[str, str]] = (), preferred_types: Sequence[str] = ()) -> SearchContext:
        """The context of `mention` in `text`, beside the (country, region) of entities linked there."""
        own = normalise_alias(mention)
        votes: list[tuple[str | None, str, str, float]] = [(None, country, region, 1.0)
                                                          for country, region in linked]
        # A capitalised word the text also writes in lower case ("The", "Victory") is a word,
        # not a name, however many small towns bear it.
        lower = {word for word in _WORD.findall(text) if word.islower()}
        namesakes: defaultdict[str, list[tuple[str, str, float]]] = defaultdict(list)
        for alias, country, region, prior in source.places_of_aliases(
                [phrase for phrase in name_phrases(text) if phrase != own and phrase not in lower]):
            namesakes[alias].append((country, region, max(prior, 0.0)))
        biggest = max((prior for entities in namesakes.values() for _, _, prior in entities), default=0.0)
        for alias, entities in namesakes.items():
            total = sum(prior for _, _, prior in entities)
            shares = [prior / total if total else 1 / len(entities) for _, _, prior in entities]
            # A name many places share says little about where the text is, and so does the
            # name of a hamlet, more often a word ("Russia", Pennsylvania; "Royal", Iowa) than
            # the place a news text means: a name votes with the share of its likeliest
            # place, times the square root of how big that place is beside the biggest named
            # (a town a hundredth the size of the biggest city named votes a tenth as much).
            size = (max(prior for _, _, prior in entities) / biggest) ** 0.5 if biggest else 1.0
            votes += [(alias, country, region, share * max(shares) * size)
                      for (country, region, _), share in zip(entities, shares)]
        return cls(tuple(votes), tuple(preferred_types))

    def point_range(self) -> tuple[float, float]:
        """The fewest and the most points any candidate can get."""
        return (-TYPE_POINTS if self.preferred_types else 0.0), COHERENCE_POINTS

    def _votes(self, normalised_query: str) -> tuple[Counter[str], Counter[tuple[str, str]]]:
        """Votes for each country and (country, region), but for the query's own name's: a
        name cannot vouch for itself."""
        countries: Counter[str] = Counter()
        regions: Counter[tuple[str, str]] = Counter()
        for alias, country, region, weight in self.places:
            if alias != normalised_query:
                countries[country] += weight
                regions[country, region] += weight
        return countries, regions

    def regions(self, normalised_query: str) -> list[tuple[str, str]]:
        """The (country, region) pairs that fit a candidate for full points, most votes first:
        where to look for the entity of a name spelt too far from its aliases to find."""
        _, regions = self._votes(normalised_query)
        # A country's entities with no region ("UA", ""), its people and bodies, are no region.
        return [place for place, weight in regions.most_common() if weight >= _FULL_VOTE and place[1]][
            :_SEARCHED_REGIONS]

    def points(self, normalised_query: str) -> Callable[[Mapping], float]:
        """For one query: the points an alias row (with its entity's country, region and type)
        gains or loses."""
        countries, regions = self._votes(normalised_query)
        preferred = self.preferred_types
        # A search asks for hundreds of rows, which fall in a few dozen places.
        known: dict[tuple[str, str, str], float] = {}

        def points(row: Mapping) -> float:
            place = (row["country"], row["region"], row["type"])
            fit = known.get(place)
            if fit is not None:
                return fit
            fit = 0.0
            if row["country"]:
                # Half a vote is enough: a region named once is as telling as one named often,
                # and a text about Ukraine may name Moscow as often as Kyiv. (Tuned on the real
                # articles' places in `bench.entity_search`.)
                fit = COHERENCE_POINTS * (min(1.0, countries[row["country"]] / _FULL_VOTE)
                                          + 2 * min(1.0, regions[row["country"], row["region"]] / _FULL_VOTE)) / 3
            if preferred and row["type"] not in preferred:
                fit -= TYPE_POINTS
            known[place] = fit
            return fit

        return points
