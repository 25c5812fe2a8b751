"""Finding the canonical entity a mention refers to.

Pure ranking code: the candidate index lives in the database (an FTS5 trigram
table the store keeps in step with the aliases), so opening a large knowledge
base costs nothing, and this module only asks the store for a few hundred
candidates per query and re-ranks them with rapidfuzz.

Ranking, best first: an exact match of the normalised alias, then aliases the
query is a prefix of, then fuzzy matches; within each tier by score, and equal
scores by the entity's prior (popularity).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Protocol

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

EXACT, PREFIX, FUZZY = "exact", "prefix", "fuzzy"
_TIER = {EXACT: 2, PREFIX: 1, FUZZY: 0}

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


# Spellings of the same Cyrillic sound in English, German, French and Polish
# transliterations, reduced to one skeleton letter ("Kharkov"/"Charkow" → "harkov").
_SKELETON_RULES = [(re.compile(pattern), replacement) for pattern, replacement in (
    (r"shch|sch|szcz", "s"),
    (r"tsch|tch|cz", "c"),
    (r"kh|ch|x", "h"),
    (r"zh|sz|sh", "s"),
    (r"ts|tz", "c"),
    (r"w", "v"),
    (r"[yj]", "i"),
    (r"ou", "u"),
    (r"(.)\1+", r"\1"),
)]


def skeleton(normalised: str) -> str:
    """A coarse spelling of a normalised Latin alias that merges transliteration variants."""
    for pattern, replacement in _SKELETON_RULES:
        normalised = pattern.sub(replacement, normalised)
    return normalised


def trigrams(normalised: str) -> list[str]:
    """The distinct three-character windows of a normalised string, in order."""
    return list(dict.fromkeys(normalised[i:i + 3] for i in range(len(normalised) - 2)))


def similarity(query: str, alias: str) -> float:
    """0–100: how alike two normalised strings are, forgiving transliteration and extra words."""
    plain = Indel.normalized_similarity(query, alias) * 100
    folded = Indel.normalized_similarity(skeleton(query), skeleton(alias)) * 100
    words = fuzz.token_set_ratio(query, alias) if " " in query or " " in alias else 0.0
    return max(plain, 0.98 * folded, 0.95 * words)


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
    """EXACT, PREFIX or FUZZY."""
    prior: float = 0.0

    def as_json(self) -> dict:
        return {"id": self.entity_id, "name": self.name, "type": self.type,
                "description": self.description, "alias": self.alias,
                "score": round(self.score, 1), "match": self.match, "prior": self.prior}


class AliasSource(Protocol):
    """What EntitySearch needs from the store; each returns alias rows joined with their entity."""

    def aliases_equal(self, normalised: str, *, type: str | None = None) -> list[dict]: ...

    def aliases_with_prefix(self, prefix: str, *, type: str | None = None,
                            limit: int = 200) -> list[dict]: ...

    def aliases_sharing_trigrams(self, trigrams: list[str], *, type: str | None = None,
                                 limit: int = 200) -> list[dict]: ...


class EntitySearch:
    """Ranked entity candidates for a mention; the one ranking used by the CLI and the TUI.

    Cheap to construct and always current: every search reads the store's
    index, which the store updates in the same transaction as the aliases.
    """

    def __init__(self, source: AliasSource, *, pool: int = 200, prefix_pool: int = 100) -> None:
        self.source = source
        self.pool = pool
        self.prefix_pool = prefix_pool

    def search(self, query: str, *, type: str | None = None, limit: int = 10) -> list[Candidate]:
        normalised = normalise_alias(query)
        if not normalised or limit <= 0:
            return []
        # A type filter is applied after the index picks its pool, so widen the pool.
        pool = self.pool * (4 if type else 1)
        best: dict[str, Candidate] = {}
        for match, rows in (
            (EXACT, self.source.aliases_equal(normalised, type=type)),
            (PREFIX, self.source.aliases_with_prefix(normalised, type=type, limit=self.prefix_pool)),
            (FUZZY, self.source.aliases_sharing_trigrams(trigrams(normalised), type=type, limit=pool)),
        ):
            for row in rows:
                score = 100.0 if match == EXACT else similarity(normalised, row["normalised"])
                candidate = Candidate(row["entity_id"], row["name"], row["type"], row["description"],
                                      row["alias"], score, match, row["prior"])
                held = best.get(candidate.entity_id)
                if held is None or _order(candidate) > _order(held):
                    best[candidate.entity_id] = candidate
        return sorted(best.values(), key=_order, reverse=True)[:limit]


def _order(candidate: Candidate) -> tuple:
    return (_TIER[candidate.match], round(candidate.score), candidate.prior, candidate.entity_id)
