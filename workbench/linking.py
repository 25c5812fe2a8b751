"""Finding the canonical entity a mention refers to.

Pure ranking code. The candidate index lives in the database (trigram posting
lists that this module builds and the store keeps), so opening a large
knowledge base costs nothing. A query picks a few hundred aliases by Dice
overlap of trigrams of their search keys (the transliteration skeleton without
spaces) and re-ranks them with rapidfuzz: spelling, skeleton and word-order
similarity, the consonant skeleton (weighed more for names romanised without
vowels or syllable by syllable), and for words of one inside the other, how
rare the shared words are.

Search keys and similarities are taken of the Latin reading of both sides
(`transliterate.latin`), so a Cyrillic mention meets a Latin alias.

Ranking, best first: an exact match of the normalised alias, then a variant
(the same search key: "xiao mo" for "Xiaomo", "Charkow" for "Kharkow"), then
aliases the query is a prefix of, then fuzzy matches; within each tier by
score plus the points the mention's document gives (`SearchContext`: how well
the candidate's country and region fit the places the document names and
links, and whether its type is one the mention's label prefers), and equal
scores by the entity's prior (popularity).
"""

from __future__ import annotations

import math
import re
import sys
import unicodedata
from array import array
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from itertools import chain, compress, repeat
from operator import add, and_, itemgetter, lshift, not_, or_, truediv
from typing import Protocol

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from .collector import without_cyclic_gc
from .model import Span
from .transliterate import latin


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
# The same folding for ASCII text, which is most of a large knowledge base: one table lookup
# per character, with nothing to compose or case-fold beyond A-Z.
_ASCII_FOLDING = str.maketrans({chr(code): _fold_character(chr(code)).lower() or None
                                for code in range(128)})


def normalise_alias(text: str) -> str:
    """Case-folded, accents stripped, punctuation and whitespace collapsed to one space."""
    if text.isascii():
        return " ".join(text.translate(_ASCII_FOLDING).split())
    return " ".join(unicodedata.normalize("NFC", text).translate(_FOLDING).casefold().split())


def unlinked_mentions_like(span: Span, spans: Iterable[Span]) -> list[Span]:
    """The other spans, not linked yet, whose text normalises as `span`'s: where its link carries over."""
    key = normalise_alias(span.text)
    return [other for other in spans
            if other.id != span.id and not other.linked and normalise_alias(other.text) == key]


# Spellings of one Cyrillic sound in English, German, French and Polish
# transliterations, reduced to one skeleton letter ("Kharkov"/"Charkow" → "harkov").
# Longer spellings first, so "shch" is not read as "sh" + "ch". Ukrainian reads г as h and
# Russian as g, so g and h are one letter too ("Luhansk"/"Lugansk", "Serhii"/"Sergei").
_SKELETON_RULES = (
    ("shch", "s"), ("szcz", "s"), ("tsch", "c"), ("sch", "s"), ("tch", "c"), ("cz", "c"),
    ("kh", "h"), ("ch", "h"), ("x", "h"), ("zh", "s"), ("sz", "s"), ("sh", "s"),
    ("ts", "c"), ("tz", "c"), ("w", "v"), ("y", "i"), ("j", "i"), ("ou", "u"), ("g", "h"),
)
# A letter followed by the same letter goes: doubled letters count once. Digits never do:
# "Brigade 100" and "Brigade 1000" are two brigades. Nor do newlines, which part the aliases
# of a batch (`search_keys`). (A lookahead with an empty replacement, so re does all the
# work; a group template is expanded in Python per match.)
_REPEATED = re.compile(r"([^\d\n])(?=\1)")


def skeleton(normalised: str) -> str:
    """A coarse spelling of a normalised Latin alias that merges transliteration variants."""
    for spelling, letter in _SKELETON_RULES:
        if spelling in normalised:
            normalised = normalised.replace(spelling, letter)
    return _REPEATED.sub("", normalised)


@lru_cache(maxsize=1 << 16)
def search_key(normalised: str) -> str:
    """The skeleton of the Latin reading without spaces, which the index is built on:
    "xiao mo" meets "Xiaomo", "Харків" meets "Kharkiv"."""
    return skeleton(latin(normalised)).replace(" ", "")


def search_keys(normalised: Sequence[str]) -> list[str]:
    """`search_key` of each string, for many at once.

    The strings are joined by newlines so that each rule is one pass of C code
    over all of them; no rule spans a newline. A string with a newline of its
    own (a store normalised by some other function) falls back to one by one.
    """
    text = "\n".join(normalised)
    if not text.isascii():
        text = "\n".join(map(latin, normalised))
    if text.count("\n") != len(normalised) - 1:
        return [search_key.__wrapped__(one) for one in normalised]
    return skeleton(text).replace(" ", "").split("\n")


def trigrams(key: str) -> set[str]:
    """The trigrams of a search key padded with a space at each end."""
    padded = f" {key} "
    return {padded[i:i + 3] for i in range(len(padded) - 2)}


_TRIGRAM = re.compile(r"(?=([^\n]{3}))")


def _each_trigram(keys: list[str]) -> list[str]:
    """Every trigram of every padded key, key after key: len(key) of them for each."""
    text = " " + " \n ".join(keys) + " "
    if text.count("\n") == len(keys) - 1:
        return _TRIGRAM.findall(text)
    return [f" {key} "[i:i + 3] for key in keys for i in range(len(key))]


# A posting is an alias id and its trigram count (the length of its search key)
# packed in one uint64, so a query can weigh shared trigrams against the alias
# length without a lookup.
_SIZE_BITS = 8
_SIZE_MASK = (1 << _SIZE_BITS) - 1


def build_postings(rows: Sequence[tuple[int, str]]) -> dict[str, bytes]:
    """For each trigram, the postings of the aliases that have it, as packed little-endian uint64s.

    A trigram that occurs twice in a key ("ana" in "banana") is posted twice,
    so its alias's count of shared trigrams and its size agree.
    """
    postings: defaultdict[str, array] = defaultdict(partial(array, "Q"))
    # ASCII aliases apart from the others: joined, they make a string of one byte per
    # character, a quarter of the memory each pass over the joined text has to move.
    plain = list(map(str.isascii, map(itemgetter(1), rows)))
    for part in (list(compress(rows, plain)), list(compress(rows, map(not_, plain)))):
        # In batches: the trigrams of a million aliases, each a string of its own,
        # would take half a gigabyte at once.
        for start in range(0, len(part), _BATCH):
            _post(part[start:start + _BATCH], postings)
    return {gram: _pack(entries) for gram, entries in postings.items()}


_BATCH = 1 << 16


def _post(rows: list[tuple[int, str]], postings: defaultdict[str, array]) -> None:
    # A million aliases make ten million (trigram, alias) pairs: they are handed from
    # C iterator to C iterator, as Python bytecode per pair would take several times as long.
    keys = search_keys(list(map(itemgetter(1), rows)))
    sizes = list(map(len, keys))
    packed = map(or_, map(lshift, map(itemgetter(0), rows), repeat(_SIZE_BITS)),
                 map(min, sizes, repeat(_SIZE_MASK)))
    deque(map(array.append, map(postings.__getitem__, _each_trigram(keys)),
              chain.from_iterable(map(repeat, packed, sizes))), maxlen=0)


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


# Letters romanisations disagree about most: vowels (Arabic script writes few, Chinese
# adds one to every consonant), the letters some use for vowels (w, v, h), and the
# consonants other scripts merge (l/r, p/b, z/s, q/k).
_CONSONANT_FOLDING = str.maketrans("zqpl", "skbr", "aeiouvwh")


@lru_cache(maxsize=1 << 14)
def consonants(key: str) -> str:
    """The consonant skeleton of a search key: "vntvra" (Arabic-script "wntwra") and "ventura" give "ntr"."""
    return _REPEATED.sub("", key.translate(_CONSONANT_FOLDING))


# How much agreeing consonant skeletons count in a similarity: a little for any name, as
# they tip the balance between spellings equally alike letter by letter; more for a name
# romanised without its vowels or syllable by syllable, whose letters say less.
CONSONANT_WEIGHT = 0.1
ROMANISED_CONSONANT_WEIGHT = 0.3
_PINYIN_SYLLABLE = re.compile(
    r"(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
    r"(?:iang|iong|uang|ang|eng|ing|ong|uan|ian|iao|uai"
    r"|ai|ei|ao|ou|an|en|in|un|ia|ie|iu|ua|uo|ui|ue|er|[aoeiuv])")
_SOUNDED_VOWELS = re.compile(r"[eiou]")


def romanised_by_consonants(normalised: str) -> bool:
    """Whether a name looks romanised from a script that spells its consonants, not its vowels.

    Arabic-script names romanised letter for letter keep no e, i, o or u
    ("wntwra" for Ventura); Chinese ones spell a name syllable by syllable,
    each word a pinyin syllable ("wei er song" for Verson).
    """
    if not normalised.isascii() or not any(ch.isalpha() for ch in normalised):
        return False
    words = normalised.split()
    if len(words) > 1 and all(_PINYIN_SYLLABLE.fullmatch(word) for word in words):
        return True
    return not _SOUNDED_VOWELS.search(normalised)


# Weight of a word found in a share 1/e or more of all aliases, and of any word of one
# or two letters, whose trigrams cannot tell how common it is ("de", "i", "al").
_COMMON_WORD_WEIGHT = 1.0


_NUMBER = re.compile(r"\d+")
# What a similarity keeps when the query and the alias have different numbers: below any
# name whose letters are alike, but still a candidate, as a number may be written out.
NUMBER_MISMATCH = 0.8


class Query:
    """A normalised query, prepared for comparing with many aliases.

    `postings` are the query's trigram postings (gram -> packed postings, as
    the store holds them) and `aliases` about how many aliases there are: a
    word weighs the log of how rare its rarest inner trigram is, so words that
    many names share ("town", "district", "oblast") count little.
    """

    def __init__(self, normalised: str, postings: dict[str, bytes] | None = None,
                 aliases: int = 0) -> None:
        # Compared in Latin letters, so a Cyrillic query meets a Latin alias and the reverse.
        self.text = normalised = latin(normalised)
        self.key = search_key(normalised)
        self.numbers = _NUMBER.findall(normalised)
        self.consonants = consonants(self.key)
        self.consonant_weight = (ROMANISED_CONSONANT_WEIGHT if romanised_by_consonants(normalised)
                                 else CONSONANT_WEIGHT)
        postings = postings or {}
        self.words: dict[str, float] = {}
        for word in dict.fromkeys(normalised.split()):
            key = search_key(word)
            found = min((len(postings.get(key[i:i + 3], b"")) // 8 for i in range(len(key) - 2)),
                        default=None)
            self.words[word] = (_COMMON_WORD_WEIGHT if found is None
                                else max(_COMMON_WORD_WEIGHT, math.log(max(aliases, 1) / max(found, 1))))
        self.weight = sum(self.words.values())

    def similarity(self, alias: str) -> float:
        """0–100: how alike the query and a normalised alias are, forgiving transliteration,
        spacing and word order."""
        alias = latin(alias)
        alias_key = search_key(alias)
        spelling = 100 * max(Indel.normalized_similarity(self.text, alias),
                             0.98 * Indel.normalized_similarity(self.key, alias_key))
        if " " in self.text or " " in alias:
            # Reordered words ("Zelensky Volodymyr") score nearly as well as the same order.
            spelling = max(spelling, 0.95 * fuzz.token_sort_ratio(self.text, alias),
                           self._containment(alias))
        agreeing = Indel.normalized_similarity(self.consonants, consonants(alias_key))
        score = (1 - self.consonant_weight) * spelling + self.consonant_weight * 100 * agreeing
        if _NUMBER.findall(alias) != self.numbers:
            # A number names the thing ("Hill 223", "Route 66"): one digit off is another thing.
            score *= NUMBER_MISMATCH
        return score

    def _containment(self, alias: str) -> float:
        """Words of one inside the other ("President Volodymyr Zelensky", "Aukra kommun"):
        85 to 95, by the weight of the query's words the alias has. Not 100, or every
        one-word alias inside a long query would score 100; and an alias that has only
        the common words of the query ("kommun") scores least."""
        words = set(alias.split())
        found = sum(weight for word, weight in self.words.items() if word in words)
        return fuzz.token_set_ratio(self.text, alias) * (0.85 + 0.10 * found / self.weight)


# Below this score (with context) no candidate is a confident match: the picker says so and
# Enter does not take it. Calibrated by `python -m bench.entity_search`'s NIL queries: on the
# full GeoNames run, 91 makes as many NIL names look confident (23 %) as held-out names of
# cities still in the knowledge base look unsure (19 %); 88 gave 46 % and 11 %.
CONFIDENT_SCORE = 91.0


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
    context: float = 0.0
    """Points the mention's document added or took away: coherence with its places, and type."""

    @property
    def ranking_score(self) -> float:
        return self.score + self.context

    @property
    def confident(self) -> bool:
        """Whether this is a match to take without a second look (see CONFIDENT_SCORE)."""
        return self.match in (EXACT, VARIANT) or self.ranking_score >= CONFIDENT_SCORE

    def as_json(self) -> dict:
        return {"id": self.entity_id, "name": self.name, "type": self.type,
                "description": self.description, "alias": self.alias,
                "score": round(self.score, 1), "match": self.match, "prior": self.prior,
                "context": round(self.context, 1), "confident": self.confident}


def confident_match(candidates: Sequence[Candidate]) -> Candidate | None:
    """The top candidate if it is a confident match, else None: the mention may be NIL."""
    return candidates[0] if candidates and candidates[0].confident else None


class DocumentContext(Protocol):
    """What a mention's document says about its entity (`entity_context.SearchContext` is one)."""

    def points(self, normalised_query: str) -> Callable[[dict], float]: ...


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
        # About how many aliases there are (the highest id): the scale of a word's weight.
        self._aliases = 0

    def refresh(self) -> int:
        """Index aliases added since the last refresh; returns how many were indexed."""
        while True:
            indexed, newest = self.source.alias_index_mark()
            self._aliases = newest
            if newest <= indexed:
                return 0
            replace = indexed == 0 or newest - indexed > REBUILD_AFTER
            # Reading, indexing and writing a million aliases makes millions of objects,
            # none of them garbage, which the collector would walk again and again.
            with without_cyclic_gc():
                rows = self.source.normalised_aliases_since(0 if replace else indexed)
                up_to = max(map(itemgetter(0), rows), default=newest)
                if self.source.write_postings(build_postings(rows), after_id=indexed, up_to=up_to,
                                              replace=replace):
                    return len(rows)

    def search(self, query: str, *, type: str | None = None, limit: int = 10,
               context: DocumentContext | None = None) -> list[Candidate]:
        """Candidates, best first; with a context, ranked as they fit the mention's document."""
        normalised = normalise_alias(query)
        if not normalised or limit <= 0:
            return []
        self.refresh()
        key = search_key(normalised)
        postings = self.source.postings(trigrams(key))
        prepared = Query(normalised, postings, self._aliases)
        scores: dict[str, float] = {}
        best: dict[str, Candidate] = {}
        fit = context.points(normalised) if context else None
        for match, rows in (
            (EXACT, self.source.aliases_equal(normalised, type=type)),
            (PREFIX, self.source.aliases_with_prefix(normalised, type=type, limit=self.prefix_pool)),
            (FUZZY, self.source.aliases_by_ids(self._fuzzy_pool(postings, key, type), type=type)),
        ):
            for row in rows:
                kind, score = match, 100.0
                if match != EXACT:
                    # Places share names, so a pool holds the same alias many times over.
                    score = scores.get(row["normalised"])
                    if score is None:
                        score = scores[row["normalised"]] = prepared.similarity(row["normalised"])
                    if search_key(row["normalised"]) == key:
                        kind = VARIANT
                    elif match == PREFIX and _continues_number(normalised, row["normalised"]):
                        # "Route 66" is no completion of "Route 6".
                        kind = FUZZY
                candidate = Candidate(row["entity_id"], row["name"], row["type"], row["description"],
                                      row["alias"], score, kind, row["prior"], fit(row) if fit else 0.0)
                held = best.get(candidate.entity_id)
                if held is None or _order(candidate) > _order(held):
                    best[candidate.entity_id] = candidate
        return sorted(best.values(), key=_order, reverse=True)[:limit]

    def _fuzzy_pool(self, postings: dict[str, bytes], key: str, type: str | None) -> list[int]:
        """Ids of the aliases most alike the query by Dice overlap of search-key trigrams.

        Rare trigrams are counted first; common ones only while the postings
        read stay within budget, so a query costs about the same on any KB size.
        """
        blobs = sorted(postings.values(), key=len)
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
        # The rest runs in C iterators, over thousands of aliases per keystroke.
        weighed = list(map(floor.__le__, shared.values()))
        candidates = list(compress(shared.keys(), weighed))
        dice = list(map(truediv, compress(shared.values(), weighed),
                        map(add, repeat(len(key)), map(and_, candidates, repeat(_SIZE_MASK)))))
        if len(dice) > size:
            # Dice values are few and repeat, so the pool's lowest is found by counting them.
            histogram = Counter(dice)
            enough = 0
            for lowest in sorted(histogram, reverse=True):
                enough += histogram[lowest]
                if enough >= size:
                    break
            kept = list(map(lowest.__le__, dice))
            dice, candidates = list(compress(dice, kept)), list(compress(candidates, kept))
        best = sorted(zip(dice, candidates), reverse=True)[:size]
        return [posting >> _SIZE_BITS for _, posting in best]


def _continues_number(prefix: str, alias: str) -> bool:
    """Whether `alias` goes on with more digits of the number that `prefix` ends with."""
    return prefix[-1:].isdigit() and alias[len(prefix):len(prefix) + 1].isdigit()


def _order(candidate: Candidate) -> tuple:
    # The prior comes after the document's context: popularity only breaks ties.
    return (_TIER[candidate.match], round(candidate.ranking_score), candidate.prior, candidate.entity_id)
