"""Finding the canonical entity a mention refers to.

Pure ranking code. The candidate index lives in the database (trigram posting
lists that this module builds and the store keeps), so opening a large
knowledge base costs nothing. A query picks a few hundred aliases by Dice
overlap of trigrams of their search keys (the transliteration skeleton without
spaces) and re-ranks them with rapidfuzz.

Ranking, best first: an exact match of the normalised alias, then a variant
(the same search key: "xiao mo" for "Xiaomo", "Charkow" for "Kharkow"), then
aliases the query is a prefix of, then fuzzy matches; within each tier by
score, and equal scores by the entity's prior (popularity).
"""

from __future__ import annotations

import heapq
import re
import sys
import unicodedata
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Protocol

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

EXACT, VARIANT, PREFIX, FUZZY = "exact", "variant", "prefix", "fuzzy"
_TIER = {EXACT: 3, VARIANT: 2, PREFIX: 1, FUZZY: 0}

# Apostrophes and soft signs in transliterations ("Kyiv"/"Kyïv", "Sol'deu")
# come and go between spellings, so they vanish instead of splitting a word.
_VANISHING = set("'’‘ʼʻʹʽʾʿ`´′ʺ\"")


class _Folding(dict):
    """A str.translate table, filled in per character on first sight."""

    def __missing__(self, code: int) -> str:
        self[code] = folded = _fold_character(chr(code))
        return folded


def _fold_character(ch: str) -> str:
    if ch in _VANISHING or unicodedata.combining(ch):
        return ""
    if "CYRILLIC" in unicodedata.name(ch, ""):
        # й, ї and ё are letters of their own in Ukrainian and Russian, not accented ones.
        return ch
    plain = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    return "".join(c if c.isalnum() else " " for c in plain)


_FOLDING = _Folding()


def normalise_alias(text: str) -> str:
    """Case-folded, accents stripped, punctuation and whitespace collapsed to one space."""
    return " ".join(unicodedata.normalize("NFC", text).translate(_FOLDING).casefold().split())


# Spellings of one Cyrillic sound in English, German, French and Polish
# transliterations, reduced to one skeleton letter ("Kharkov"/"Charkow" → "harkov").
# Longer spellings first, so "shch" is not read as "sh" + "ch".
_SKELETON_RULES = (
    ("shch", "s"), ("szcz", "s"), ("tsch", "c"), ("sch", "s"), ("tch", "c"), ("cz", "c"),
    ("kh", "h"), ("ch", "h"), ("x", "h"), ("zh", "s"), ("sz", "s"), ("sh", "s"),
    ("ts", "c"), ("tz", "c"), ("w", "v"), ("y", "i"), ("j", "i"), ("ou", "u"),
)
_DOUBLED = re.compile(r"(.)\1+")


def skeleton(normalised: str) -> str:
    """A coarse spelling of a normalised Latin alias that merges transliteration variants."""
    for spelling, letter in _SKELETON_RULES:
        if spelling in normalised:
            normalised = normalised.replace(spelling, letter)
    # A function, not the template r"\1": re expands templates in Python, on every call.
    return _DOUBLED.sub(_first_group, normalised)


def _first_group(match: re.Match) -> str:
    return match[1]


@lru_cache(maxsize=1 << 16)
def search_key(normalised: str) -> str:
    """The skeleton without spaces, which the index is built on: "xiao mo" meets "Xiaomo"."""
    return skeleton(normalised).replace(" ", "")


def trigrams(key: str) -> set[str]:
    """The trigrams of a search key padded with a space at each end."""
    padded = f" {key} "
    return {padded[i:i + 3] for i in range(len(padded) - 2)}


# A posting is an alias id and its trigram count packed in one uint64, so a
# query can weigh shared trigrams against the alias length without a lookup.
_SIZE_BITS = 8
_SIZE_MASK = (1 << _SIZE_BITS) - 1


def build_postings(rows: Iterable[tuple[int, str]]) -> dict[str, bytes]:
    """For each trigram, the postings of the aliases that have it, as packed little-endian uint64s."""
    postings: defaultdict[str, array] = defaultdict(partial(array, "Q"))
    grams_of: dict[str, set[str]] = {}
    for alias_id, normalised in rows:
        grams = grams_of.get(normalised)
        if grams is None:
            grams = grams_of[normalised] = trigrams(search_key(normalised))
        posting = alias_id << _SIZE_BITS | min(len(grams), _SIZE_MASK)
        for gram in grams:
            postings[gram].append(posting)
    return {gram: _pack(entries) for gram, entries in postings.items()}


def _pack(entries: array) -> bytes:
    if sys.byteorder == "big":
        entries.byteswap()
    return entries.tobytes()


def _unpack(blob: bytes) -> array:
    entries = array("Q")
    entries.frombytes(blob)
    if sys.byteorder == "big":
        entries.byteswap()
    return entries


def similarity(query: str, alias: str) -> float:
    """0–100: how alike two normalised strings are, forgiving transliteration, spacing and word order."""
    spelling = 100 * max(Indel.normalized_similarity(query, alias),
                         0.98 * Indel.normalized_similarity(search_key(query), search_key(alias)))
    if " " not in query and " " not in alias:
        return spelling
    # Reordered words ("Zelensky Volodymyr") score nearly as well as the same order; words
    # of one inside the other ("President Volodymyr Zelensky") less, or every one-word
    # alias inside a long query would score 100.
    return max(spelling, 0.95 * fuzz.token_sort_ratio(query, alias),
               0.85 * fuzz.token_set_ratio(query, alias))


@dataclass(frozen=True, slots=True)
class Candidate:
    entity_id: str
    name: str
    type: str
    description: str
    alias: str
    """The alias that matched, as written in the knowledge base."""
    score: float
    """0–100; 100 for an exact match of the normalised alias."""
    match: str
    """EXACT, VARIANT (the same search key: a spacing or transliteration variant), PREFIX or FUZZY."""
    prior: float = 0.0

    def as_json(self) -> dict:
        return {"id": self.entity_id, "name": self.name, "type": self.type,
                "description": self.description, "alias": self.alias,
                "score": round(self.score, 1), "match": self.match, "prior": self.prior}


class AliasSource(Protocol):
    """What EntitySearch needs from the store (workbench.store.Store provides it)."""

    def aliases_equal(self, normalised: str, *, type: str | None = None) -> list[dict]: ...

    def aliases_with_prefix(self, prefix: str, *, type: str | None = None,
                            limit: int = 200) -> list[dict]: ...

    def aliases_by_ids(self, ids: Sequence[int], *, type: str | None = None) -> list[dict]: ...

    def alias_index_mark(self) -> tuple[int, int]: ...

    def normalised_aliases_since(self, after_id: int) -> list[tuple[int, str]]: ...

    def postings(self, grams: Iterable[str]) -> dict[str, bytes]: ...

    def write_postings(self, postings: dict[str, bytes], *, after_id: int, up_to: int,
                       replace: bool) -> bool: ...


# Above this many aliases added since the index was built, rebuilding is cheaper
# than appending, and it drops the ids of aliases deleted by re-imports.
REBUILD_AFTER = 20_000


class EntitySearch:
    """Ranked entity candidates for a mention; the one ranking used by the CLI and the TUI.

    The trigram index is stored in the database, so constructing this is
    instant. Each search first indexes aliases added since the last one (by
    any process or code path), so results are always current; after a large
    import, call `refresh()` once up front (`kb import` does) to pay that cost
    there instead of in the first search.
    """

    def __init__(self, source: AliasSource, *, pool: int = 400, prefix_pool: int = 100,
                 postings_budget: int = 30_000) -> None:
        self.source = source
        self.pool = pool
        self.prefix_pool = prefix_pool
        self.postings_budget = postings_budget

    def refresh(self) -> int:
        """Index aliases added since the last refresh; returns how many were indexed."""
        while True:
            indexed, newest = self.source.alias_index_mark()
            if newest <= indexed:
                return 0
            replace = indexed == 0 or newest - indexed > REBUILD_AFTER
            rows = self.source.normalised_aliases_since(0 if replace else indexed)
            if self.source.write_postings(build_postings(rows), after_id=indexed,
                                          up_to=rows[-1][0] if rows else newest, replace=replace):
                return len(rows)

    def search(self, query: str, *, type: str | None = None, limit: int = 10) -> list[Candidate]:
        normalised = normalise_alias(query)
        if not normalised or limit <= 0:
            return []
        self.refresh()
        key = search_key(normalised)
        best: dict[str, Candidate] = {}
        for match, rows in (
            (EXACT, self.source.aliases_equal(normalised, type=type)),
            (PREFIX, self.source.aliases_with_prefix(normalised, type=type, limit=self.prefix_pool)),
            (FUZZY, self.source.aliases_by_ids(self._fuzzy_pool(key, type), type=type)),
        ):
            for row in rows:
                kind, score = match, 100.0
                if match != EXACT:
                    score = similarity(normalised, row["normalised"])
                    if search_key(row["normalised"]) == key:
                        kind = VARIANT
                candidate = Candidate(row["entity_id"], row["name"], row["type"], row["description"],
                                      row["alias"], score, kind, row["prior"])
                held = best.get(candidate.entity_id)
                if held is None or _order(candidate) > _order(held):
                    best[candidate.entity_id] = candidate
        return sorted(best.values(), key=_order, reverse=True)[:limit]

    def _fuzzy_pool(self, key: str, type: str | None) -> list[int]:
        """Ids of the aliases most alike the query by Dice overlap of search-key trigrams.

        Rare trigrams are counted first; common ones only while the postings
        read stay within budget, so a query costs about the same on any KB size.
        """
        grams = trigrams(key)
        blobs = sorted(self.source.postings(grams).values(), key=len)
        shared: Counter[int] = Counter()
        read = 0
        for blob in blobs:
            read += len(blob) // 8
            if read > self.postings_budget and shared:
                break
            shared.update(_unpack(blob))
        # A type filter is applied after the pool is picked, so widen the pool.
        size = self.pool * (4 if type else 1)
        # Weighing every alias that shares a trigram costs more than the rest of the search,
        # so only those sharing the most (a few times the pool) are weighed.
        floor, enough = 1, 0
        histogram = Counter(shared.values())
        for count in sorted(histogram, reverse=True):
            enough += histogram[count]
            if enough >= 3 * size:
                floor = count
                break
        length = len(grams)
        best = heapq.nlargest(size, [item for item in shared.items() if item[1] >= floor],
                              key=lambda item: item[1] / (length + (item[0] & _SIZE_MASK)))
        return [posting >> _SIZE_BITS for posting, _ in best]


def _order(candidate: Candidate) -> tuple:
    return (_TIER[candidate.match], round(candidate.score), candidate.prior, candidate.entity_id)
