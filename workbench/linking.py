"""Finding the canonical entity a mention refers to.

Pure ranking code. The candidate index lives in the database (trigram posting
lists of the aliases' search keys, the transliteration skeleton without spaces,
that this module builds and the store keeps), so opening a large knowledge base
costs nothing. A query picks a few hundred search keys by Dice overlap of their
trigrams and re-ranks the aliases that have them with rapidfuzz: spelling, skeleton and word-order
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
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from itertools import accumulate, chain, compress, repeat
from operator import add, and_, itemgetter, lshift, not_, or_, truediv
from typing import Protocol

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel

from .collector import without_cyclic_gc
from .model import Span
from .transliterate import latin, latin_lines


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
    text = latin_lines("\n".join(normalised))
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


# The index lists search keys, not aliases: many aliases share a key ("Kharkiv", "Charkiw",
# "Харків"), so a search counts half as many postings. A posting is a key id and the key's
# trigram count (its length) packed in one uint64, so a query can weigh shared trigrams
# against the key's length without a lookup.
_SIZE_BITS = 8
_SIZE_MASK = (1 << _SIZE_BITS) - 1


@dataclass(frozen=True, slots=True)
class AliasIndex:
    """The search index of some aliases, as the store keeps it (`index_aliases`)."""

    keys: dict[int, bytes]
    """Key id → the packed ids of the aliases with that search key."""
    postings: dict[str, bytes]
    """Trigram → the packed postings of the keys that have it."""
    regions: dict[tuple[str, str], tuple[str, bytes, bytes]]
    """(country, region) → the search keys of its aliases, each once and one a line; the
    packed ids of the aliases, key by key in that order; and where each key's ids end."""


def index_aliases(rows: Sequence[tuple[int, str, str]], places: Mapping[str, tuple[str, str]],
                  first_key_id: int = 1) -> AliasIndex:
    """The search index of these aliases (id, normalised, entity id), whose entities are in
    `places` (entity id → country, region) when they have a place.

    Each distinct search key gets an id, counting from `first_key_id`, and a row of
    the ids of the aliases that have it; each trigram, the postings of the keys that
    have it; each region, its aliases grouped by key. Ids as packed little-endian
    uint64s. A trigram that occurs twice in a key ("ana" in "banana") is posted twice,
    so a key's count of shared trigrams and its size agree.
    """
    aliases_of: defaultdict[str, array] = defaultdict(partial(array, "Q"))
    # Place → search key → ids of the place's aliases with that key.
    in_places: defaultdict[tuple[str, str], defaultdict[str, list[int]]] = defaultdict(partial(defaultdict, list))
    # ASCII aliases apart from the others: joined, they make a string of one byte per
    # character, a quarter of the memory each pass over the joined text has to move.
    plain = list(map(str.isascii, map(itemgetter(1), rows)))
    for part in (list(compress(rows, plain)), list(compress(rows, map(not_, plain)))):
        # In batches: the keys of a million aliases at once would be one string of
        # tens of megabytes per rule.
        for start in range(0, len(part), _BATCH):
            batch = part[start:start + _BATCH]
            keys = search_keys(list(map(itemgetter(1), batch)))
            ids = list(map(itemgetter(0), batch))
            deque(map(array.append, map(aliases_of.__getitem__, keys), ids), maxlen=0)
            where = map(in_places.__getitem__, map(places.get, map(itemgetter(2), batch), repeat(_NOWHERE)))
            deque(map(list.append, map(defaultdict.__getitem__, where, keys), ids), maxlen=0)
    keyed = list(enumerate(aliases_of, start=first_key_id))
    postings: defaultdict[str, array] = defaultdict(partial(array, "Q"))
    for start in range(0, len(keyed), _BATCH):
        _post(keyed[start:start + _BATCH], postings)
    return AliasIndex(dict(zip(range(first_key_id, first_key_id + len(keyed)), map(_pack, aliases_of.values()))),
                      {gram: _pack(entries) for gram, entries in postings.items()},
                      {place: _region_row(by_key) for place, by_key in in_places.items() if place != _NOWHERE})


# Where the aliases of entities without a place are grouped, to be left out.
_NOWHERE = ("", "")


def _region_row(by_key: dict[str, list[int]]) -> tuple[str, bytes, bytes]:
    """A region's row of the index: its keys, a line each, their aliases' ids, and where each key's ids end."""
    return (_lines(list(by_key)), _pack(array("Q", chain.from_iterable(by_key.values()))),
            _pack(array("Q", accumulate(map(len, by_key.values())))))


def _joined_region(held: tuple[str, bytes, bytes] | None,
                   added: tuple[str, bytes, bytes]) -> tuple[str, bytes, bytes]:
    """A region's row with the aliases of another row after its own; a key in both is
    listed twice until the index is rebuilt (REBUILD_AFTER)."""
    if held is None:
        return added
    keys, ids, ends = held
    more_keys, more_ids, more_ends = added
    return (f"{keys}\n{more_keys}", ids + more_ids,
            ends + _pack(array("Q", map(add, _unpack(more_ends), repeat(len(ids) // 8)))))


def _lines(keys: list[str]) -> str:
    """Keys a line; a key from a store's text with a newline in it has it as a space."""
    text = "\n".join(keys)
    if text.count("\n") == len(keys) - 1:
        return text
    return "\n".join(key.replace("\n", " ") for key in keys)


_BATCH = 1 << 16


def _post(keyed: list[tuple[int, str]], postings: defaultdict[str, array]) -> None:
    # Half a million keys make millions of (trigram, key) pairs: they are handed from
    # C iterator to C iterator, as Python bytecode per pair would take several times as long.
    keys = list(map(itemgetter(1), keyed))
    sizes = list(map(len, keys))
    packed = map(or_, map(lshift, map(itemgetter(0), keyed), repeat(_SIZE_BITS)),
                 map(min, sizes, repeat(_SIZE_MASK)))
    deque(map(array.append, map(postings.__getitem__, _each_trigram(keys)),
              chain.from_iterable(map(repeat, packed, sizes))), maxlen=0)


def _pack_swapped(entries: array) -> bytes:
    entries.byteswap()
    return entries.tobytes()


# Packed little-endian: on such a machine by `array.tobytes` itself, which C iterators can
# call for half a million key rows without a Python call each.
_pack = array.tobytes if sys.byteorder == "little" else _pack_swapped


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


def consonant_keys(keys: Sequence[str]) -> list[str]:
    """`consonants` of each search key, for many at once (joined, as `search_keys` does)."""
    text = "\n".join(keys)
    if text.count("\n") != len(keys) - 1:
        return [consonants(key) for key in keys]
    return _REPEATED.sub("", text.translate(_CONSONANT_FOLDING)).split("\n")


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

    `sizes` are the index's posting counts (gram -> how many search keys have
    it, as the store counts them) and `indexed` how many keys there are: a
    word weighs the log of how rare its rarest inner trigram is, so words that
    many names share ("town", "district", "oblast") count little.
    """

    def __init__(self, normalised: str, sizes: Mapping[str, int] | None = None,
                 indexed: int = 0) -> None:
        # Compared in Latin letters, so a Cyrillic query meets a Latin alias and the reverse.
        self.text = normalised = latin(normalised)
        self.key = search_key(normalised)
        self.numbers = _NUMBER.findall(normalised)
        self.consonants = consonants(self.key)
        self.consonant_weight = (ROMANISED_CONSONANT_WEIGHT if romanised_by_consonants(normalised)
                                 else CONSONANT_WEIGHT)
        sizes = sizes or {}
        self.words: dict[str, float] = {}
        for word in dict.fromkeys(normalised.split()):
            key = search_key(word)
            found = min((sizes.get(key[i:i + 3], 0) for i in range(len(key) - 2)), default=None)
            self.words[word] = (_COMMON_WORD_WEIGHT if found is None
                                else max(_COMMON_WORD_WEIGHT, math.log(max(indexed, 1) / max(found, 1))))
        self.weight = sum(self.words.values())
        self._repeats_a_word = len(self.words) < len(normalised.split())

    def similarities(self, texts: Sequence[str], keys: Sequence[str]) -> list[float]:
        """0–100 for each alias, given as its Latin reading (`latin`) and `search_key`: how
        alike it and the query are, forgiving transliteration, spacing and word order. A
        search's whole pool at once: every comparison runs in rapidfuzz's C++, the query
        prepared once."""
        texts = list(texts)
        spelling = list(map(max, _scores(Indel.normalized_similarity, self.text, texts, 100),
                            _scores(Indel.normalized_similarity, self.key, keys, 98)))
        # Reordered words ("Zelensky Volodymyr") score nearly as well as the same order.
        worded = range(len(texts)) if " " in self.text else [i for i, text in enumerate(texts) if " " in text]
        if worded:
            reordered = _scores(fuzz.token_sort_ratio, self.text, [texts[i] for i in worded], 0.95)
            for i, score in zip(worded, reordered):
                spelling[i] = max(spelling[i], score)
                # With no word in common and none repeated, containment is 0.85 of the
                # reordered similarity: less, so not worth working out.
                words = texts[i].split()
                if self._repeats_a_word or len(set(words)) < len(words) or not self.words.keys().isdisjoint(words):
                    spelling[i] = max(spelling[i], self._containment(texts[i]))
        agreeing = _scores(Indel.normalized_similarity, self.consonants, consonant_keys(keys), 100)
        spelt, agreed = 1 - self.consonant_weight, self.consonant_weight
        scores = [spelt * one + agreed * other for one, other in zip(spelling, agreeing)]
        if self.numbers or any(map(_NUMBER.search, texts)):
            # A number names the thing ("Hill 223", "Route 66"): one digit off is another thing.
            scores = [score * NUMBER_MISMATCH if _NUMBER.findall(text) != self.numbers else score
                      for score, text in zip(scores, texts)]
        return scores

    def _containment(self, alias: str) -> float:
        """Words of one inside the other ("President Volodymyr Zelensky", "Aukra kommun"):
        85 to 95, by the weight of the query's words the alias has. Not 100, or every
        one-word alias inside a long query would score 100; and an alias that has only
        the common words of the query ("kommun") scores least."""
        words = set(alias.split())
        found = sum(weight for word, weight in self.words.items() if word in words)
        return fuzz.token_set_ratio(self.text, alias) * (0.85 + 0.10 * found / self.weight)


def _scores(scorer: Callable, query: str, choices: list[str], scale: float) -> list[float]:
    """scale × scorer(query, choice) for each choice, in order."""
    scores = [0.0] * len(choices)
    for _, score, index in process.extract(query, choices, scorer=scorer, limit=None):
        scores[index] = scale * score
    return scores


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

    def points(self, normalised_query: str) -> Callable[[Mapping], float]: ...

    def point_range(self) -> tuple[float, float]: ...

    def regions(self, normalised_query: str) -> Sequence[tuple[str, str]]: ...


class AliasSource(Protocol):
    """What EntitySearch needs from the store (workbench.store.Store provides it).

    Alias rows are read by column name: entity_id, alias, normalised, name,
    type, description, prior, country, region.
    """

    def aliases_equal(self, normalised: str, *, type: str | None = None) -> Sequence[Mapping]: ...

    def aliases_with_prefix(self, prefix: str, *, type: str | None = None,
                            limit: int = 200) -> Sequence[Mapping]: ...

    def aliases_by_ids(self, ids: Sequence[int], *, type: str | None = None) -> Sequence[Mapping]: ...

    def alias_regions(self, places: Sequence[tuple[str, str]]) -> dict[tuple[str, str], tuple[str, bytes, bytes]]: ...

    def alias_names_by_ids(self, ids: Sequence[int], *,
                           type: str | None = None) -> Sequence[tuple[int, str, str]]: ...

    def alias_index_mark(self) -> tuple[int, int, int]: ...

    def alias_key_count(self) -> int: ...

    def normalised_aliases_since(self, after_id: int) -> list[tuple[int, str, str]]: ...

    def entity_places(self, entity_ids: Sequence[str] | None = None) -> dict[str, tuple[str, str]]: ...

    def posting_sizes(self) -> dict[str, int]: ...

    def postings(self, grams: Iterable[str]) -> dict[str, bytes]: ...

    def alias_ids_of_keys(self, key_ids: Sequence[int]) -> dict[int, bytes]: ...

    def write_alias_index(self, postings: dict[str, bytes], keys: dict[int, bytes],
                          regions: dict[tuple[str, str], tuple[str, bytes, bytes]], *, after_id: int,
                          up_to: int, replace: bool) -> bool: ...


# A search in context also takes, from each region its document names, the aliases whose
# search keys are most alike the query's (at least half alike, Indel): a mention spelt too
# far from its aliases for the trigram pool ("Staraja Roessa", "Behrehzna") is still found
# where the article is.
REGION_POOL = 20
REGION_LIKENESS = 0.5
# The regions a search keeps read, the most recently used: an article names a few.
REGIONS_HELD = 64

# Above this many aliases to add, or added since the index was last built whole,
# rebuilding is cheaper than appending, and it drops the ids of aliases deleted by
# re-imports and merges the second rows of keys appended again.
REBUILD_AFTER = 20_000

# How much wider each candidate pool is when a search takes one type only, as the type
# filter comes after the pools are picked.
_TYPE_WIDENING = 4


class EntitySearch:
    """Ranked entity candidates for a mention; the one ranking used by the CLI and the TUI.

    The trigram index is stored in the database, so constructing this is
    instant. Each search first indexes aliases added since the last one (by
    any process or code path), so results are always current; after a large
    import, call `refresh()` once up front (`kb import` does) to pay that cost
    there instead of in the first search.
    """

    # 150 keys and 300 aliases: a pool of 200 and 400 found 0.4 points more of the held-out
    # names in `python -m bench.entity_search` (84.9 against 84.5 % top-5; with context, and
    # in the domain set, the same) for about 15 % more time per search.
    def __init__(self, source: AliasSource, *, pool: int = 150, pool_aliases: int = 300,
                 prefix_pool: int = 100, postings_budget: int = 20_000) -> None:
        self.source = source
        self.pool = pool
        self.pool_aliases = pool_aliases
        self.prefix_pool = prefix_pool
        self.postings_budget = postings_budget
        # How many search keys the index holds: the scale of a word's weight.
        self._indexed_keys = 0
        # The index's posting counts, read once per state of the index (`_sizes_mark`):
        # a search reads only the lists it counts, not the long ones it skips.
        self._sizes: dict[str, int] = {}
        self._sizes_mark: int | None = None
        # Each region's aliases (search keys, ids, where each key's ids end) as `_regional_pool`
        # reads them, in the same state: an article's mentions search its few regions again and again.
        self._regions: dict[tuple[str, str], tuple[list[str], array, array]] = {}

    def refresh(self) -> int:
        """Index aliases added since the last refresh; returns how many were indexed."""
        while True:
            indexed, newest, appended = self.source.alias_index_mark()
            if newest <= indexed:
                if self._sizes_mark != indexed:
                    self._read_sizes(indexed)
                return 0
            replace = indexed == 0 or newest - indexed + appended > REBUILD_AFTER
            # Reading, indexing and writing a million aliases makes millions of objects,
            # none of them garbage, which the collector would walk again and again.
            with without_cyclic_gc():
                rows = self.source.normalised_aliases_since(0 if replace else indexed)
                up_to = max(map(itemgetter(0), rows), default=newest)
                # Appended keys are numbered on from the stored ones; a key the index has
                # already gets a second row, which a rebuild merges (REBUILD_AFTER).
                places = self.source.entity_places(None if replace else list(map(itemgetter(2), rows)))
                index = index_aliases(rows, places, 1 if replace else self.source.alias_key_count() + 1)
                regions = index.regions
                if not replace:
                    # Whole rows: if another process appends to a region meanwhile, the
                    # write sees the index moved on, and this goes round again.
                    held = self.source.alias_regions(list(regions))
                    regions = {place: _joined_region(held.get(place), row) for place, row in regions.items()}
                if self.source.write_alias_index(index.postings, index.keys, regions, after_id=indexed,
                                                 up_to=up_to, replace=replace):
                    self._read_sizes(up_to)
                    return len(rows)

    def _read_sizes(self, mark: int) -> None:
        self._sizes, self._sizes_mark = self.source.posting_sizes(), mark
        self._indexed_keys = self.source.alias_key_count()
        self._regions.clear()

    def search(self, query: str, *, type: str | None = None, limit: int = 10,
               context: DocumentContext | None = None) -> list[Candidate]:
        """Candidates, best first; with a context, ranked as they fit the mention's document."""
        normalised = normalise_alias(query)
        if not normalised or limit <= 0:
            return []
        self.refresh()
        key = search_key(normalised)
        prepared = Query(normalised, self._sizes, self._indexed_keys)
        exact = self.source.aliases_equal(normalised, type=type)
        prefixed = self.source.aliases_with_prefix(normalised, type=type, limit=self.prefix_pool)
        # A type filter is applied after the pools are picked, so each pool is widened.
        widen = _TYPE_WIDENING if type else 1
        pooled = self.source.alias_names_by_ids(
            self._aliases_of(self._fuzzy_pool(key, self.pool * widen), self.pool_aliases * widen), type=type)
        if context and (regions := context.regions(normalised)):
            seen = set(map(itemgetter(0), pooled))
            found = self._regional_pool(key, regions, REGION_POOL * widen)
            pooled += self.source.alias_names_by_ids([alias_id for alias_id in found if alias_id not in seen],
                                                     type=type)
        # Places share names, so a pool holds the same alias many times over: each is scored once.
        others = list(dict.fromkeys(chain((row["normalised"] for row in prefixed), map(itemgetter(2), pooled))))
        texts = latin_lines("\n".join(others)).split("\n")
        if len(texts) != len(others):    # an alias stored with a newline of its own
            texts = list(map(latin, others))
        keys = search_keys(texts)
        scores = dict(zip(others, prepared.similarities(texts, keys)))
        variants = {alias for alias, alias_key in zip(others, keys) if alias_key == key}
        fit = context.points(normalised) if context else None
        # The best row of each entity, by its place in the ranking.
        best: dict[str, tuple[tuple, Mapping, str, float, float]] = {}

        def rank(match: str, rows: Iterable[Mapping]) -> None:
            for row in rows:
                alias = row["normalised"]
                kind, score = match, 100.0
                if match != EXACT:
                    score = scores[alias]
                    if alias in variants:
                        kind = VARIANT
                    elif match == PREFIX and _continues_number(normalised, alias):
                        # "Route 66" is no completion of "Route 6".
                        kind = FUZZY
                points = fit(row) if fit else 0.0
                entity_id = row["entity_id"]
                order = (_TIER[kind], round(score + points), row["prior"], entity_id)
                held = best.get(entity_id)
                if held is None or order > held[0]:
                    best[entity_id] = (order, row, kind, score, points)

        rank(EXACT, exact)
        rank(PREFIX, prefixed)
        reach = context.point_range() if context else (0.0, 0.0)
        rank(FUZZY, self.source.aliases_by_ids(_within_reach(pooled, scores, variants, best, limit, reach)))
        shown = sorted(best.values(), key=itemgetter(0), reverse=True)[:limit]
        return [Candidate(row["entity_id"], row["name"], row["type"], row["description"], row["alias"],
                          score, kind, row["prior"], points)
                for _, row, kind, score, points in shown]

    def _regional_pool(self, key: str, regions: Sequence[tuple[str, str]], aliases_each: int) -> list[int]:
        """The ids of up to `aliases_each` aliases in each region, key by key, whose search
        keys are most alike the query's."""
        held = self._regions
        unread = [place for place in regions if place not in held]
        # Read ones move to the end, and the longest unused go: a search over many articles
        # would otherwise come to hold every region of the knowledge base.
        kept = {place: held.pop(place) for place in regions if place in held}
        held.update(kept)
        if unread:
            # Keys newest first: a re-import appends its aliases (and a key again, until the
            # index is rebuilt) and leaves the old ids dead, and equal scores keep their order.
            held.update((place, (keys.split("\n")[::-1], _unpack(ids), _unpack(ends)))
                        for place, (keys, ids, ends) in self.source.alias_regions(unread).items())
            for place in list(held)[:max(0, len(held) - REGIONS_HELD)]:
                del held[place]
        found: list[int] = []
        for place in regions:
            keys, ids, ends = held.get(place, ((), (), ()))
            taken: list[int] = []
            for _, _, newest_first in process.extract(key, keys, scorer=Indel.normalized_similarity,
                                                      limit=aliases_each, score_cutoff=REGION_LIKENESS):
                index = len(keys) - 1 - newest_first
                taken += ids[ends[index - 1] if index else 0:ends[index]][::-1]
                if len(taken) >= aliases_each:
                    break
            found += taken[:aliases_each]
        return found

    def _aliases_of(self, key_ids: list[int], wanted: int) -> list[int]:
        """The ids of the aliases with these keys, key by key, up to `wanted` of them: a key
        many places share ("aleksandrovka") cannot crowd out the rest."""
        found = self.source.alias_ids_of_keys(key_ids)
        ids: list[int] = []
        for key_id in key_ids:
            if key_id in found:
                ids.extend(_unpack(found[key_id]))
                if len(ids) >= wanted:
                    break
        return ids[:wanted]

    def _fuzzy_pool(self, key: str, size: int) -> list[int]:
        """Ids of the `size` search keys most alike the query by Dice overlap of their trigrams.

        Rare trigrams are counted first; common ones only while the postings
        read stay within budget, so a query costs about the same on any KB size.
        """
        size_of = self._sizes.get
        read, counted = 0, []
        # Lists of one size in the grams' order, so the same query reads the same lists in any process.
        for gram in sorted(sorted(filter(size_of, trigrams(key))), key=size_of):
            read += size_of(gram)
            if read > self.postings_budget and counted:
                break
            counted.append(gram)
        if not counted:
            return []
        lists = self.source.postings(counted)
        # The lists joined and counted in one pass of C code. A key found in no list but the
        # longest shares only its trigram with the query: when that list alone holds more
        # keys than `_most_alike` weighs, it is one of many such, among the weakest
        # candidates, and the list only adds to the counts of keys the others found. (In a
        # small knowledge base, it may be the best there is: "Lviv" for "Lvov".)
        longest = lists.pop(counted[-1]) if len(counted) >= 3 else b""
        shared = Counter(_unpack(b"".join(lists.values())))
        if len(longest) // 8 > 3 * size:
            shared.update(filter(shared.__contains__, _unpack(longest)))
        else:
            shared.update(_unpack(longest))
        return _most_alike(shared, len(key), size)


def _within_reach(pooled: Sequence[tuple[int, str, str]], scores: Mapping[str, float],
                  variants: set[str], ranked: Mapping[str, tuple], limit: int,
                  reach: tuple[float, float]) -> list[int]:
    """The ids of the pooled aliases (id, entity id, normalised) that may yet make the first
    `limit`, whatever points the document gives (`reach`: the fewest and the most).

    Reading an alias's entity costs three times as much as the alias, and most of a
    pool falls short of the candidates shown: an alias is left unread when at least
    `limit` entities rank above it even with the fewest points, and it with the most.
    Of an entity's aliases only the best is read (of equals, the lowest id, which the
    ranking met first before), as the others share its points and prior and rank below it.
    """
    least, most = reach
    floors = {entity_id: held[0][:2] for entity_id, held in ranked.items()}
    marks = []
    for _, entity_id, alias in pooled:
        mark = (_TIER[VARIANT if alias in variants else FUZZY], scores[alias])
        marks.append(mark)
        floor = (mark[0], round(mark[1] + least))
        if floor > floors.get(entity_id, (-1, 0)):
            floors[entity_id] = floor
    bar = sorted(floors.values(), reverse=True)[limit - 1] if len(floors) > limit else (-1, 0)
    best: dict[str, tuple[tuple[int, float], int]] = {}
    for (alias_id, entity_id, _), mark in zip(pooled, marks):
        if (mark[0], round(mark[1] + most)) >= bar:
            held = best.get(entity_id)
            if held is None or (mark, -alias_id) > (held[0], -held[1]):
                best[entity_id] = (mark, alias_id)
    return [alias_id for _, alias_id in best.values()]


def _most_alike(shared: Counter[int], key_length: int, size: int) -> list[int]:
    """The key ids of the `size` postings with the highest Dice overlap, given how many
    trigrams each shares with a query key of `key_length` trigrams."""
    # Weighing every key that shares a trigram costs more than the rest of the search,
    # so only those sharing the most (a few times the pool) are weighed. The counts as
    # bytes, one a key, are counted and picked from by C loops over memory, not objects.
    counts = _count_bytes(shared.values())
    floor, enough = 1, 0
    # Most keys share one trigram or two; the highest count is sought among the rest.
    for count in range(max(counts.translate(None, b"\1\2"), default=2), 0, -1):
        enough += counts.count(count)
        if enough >= 3 * size:
            floor = count
            break
    # A translate table that marks the counts at or above the floor with 1.
    weighed = counts.translate(bytes(floor) + b"\1" * (256 - floor))
    candidates = list(compress(shared.keys(), weighed))
    dice = list(map(truediv, compress(counts, weighed),
                    map(add, repeat(key_length), map(and_, candidates, repeat(_SIZE_MASK)))))
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


def _count_bytes(counts: Collection[int]) -> bytes:
    """Counts of shared trigrams as bytes; one of 255 or more (a key of hundreds of letters
    repeating a trigram of the query) as 255, so two such keys tie, and the higher id wins."""
    try:
        return bytes(counts)
    except ValueError:
        return bytes(map(min, counts, repeat(255)))


def _continues_number(prefix: str, alias: str) -> bool:
    """Whether `alias` goes on with more digits of the number that `prefix` ends with."""
    return prefix[-1:].isdigit() and alias[len(prefix):len(prefix) + 1].isdigit()
