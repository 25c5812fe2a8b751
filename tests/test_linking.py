from __future__ import annotations

import pytest

from workbench.linking import EXACT, PREFIX, VARIANT, EntitySearch, normalise_alias
from workbench.model import Entity
from workbench.store import Store

KB = [
    Entity("wb:zelensky", "Volodymyr Zelensky", "PERSON", "President of Ukraine", 0.9,
           ("Zelensky", "Zelenskyy", "Володимир Зеленський")),
    Entity("wb:zelenska", "Olena Zelenska", "PERSON", "First Lady of Ukraine", 0.5, ("Zelenska",)),
    Entity("wb:zelenograd", "Zelenograd", "PLACE", "A district of Moscow", 0.2, ()),
    Entity("wb:kyiv", "Kyiv", "PLACE", "Capital of Ukraine", 0.95, ()),
    Entity("wb:kerch", "Kerch", "PLACE", "City in Crimea", 0.4, ()),
    Entity("wb:bakhmut", "Bakhmut", "PLACE", "City in Donetsk Oblast", 0.6, ()),
    Entity("wb:bakhchysarai", "Bakhchysarai", "PLACE", "Town in Crimea", 0.2, ()),
    Entity("wb:kharkiv", "Kharkiv", "PLACE", "Second-largest city of Ukraine", 0.8, ()),
    Entity("wb:kherson", "Kherson", "PLACE", "City on the Dnipro", 0.6, ()),
    Entity("wb:lysychansk", "Lysychansk", "PLACE", "City in Luhansk Oblast", 0.4, ()),
    Entity("wb:luhansk", "Luhansk", "PLACE", "City in eastern Ukraine", 0.5, ()),
    Entity("wb:sloviansk", "Sloviansk", "PLACE", "City in Donetsk Oblast", 0.4, ()),
    Entity("wb:isw", "Institute for the Study of War", "ORG", "US think tank", 0.7, ("ISW",)),
    Entity("wb:iaea", "International Atomic Energy Agency", "ORG", "UN nuclear watchdog", 0.7,
           ("IAEA",)),
]


@pytest.fixture
def store(tmp_path):
    store = Store.open(tmp_path / "kb.db")
    store.import_entities(KB, normalise_alias)
    yield store
    store.close()


@pytest.fixture
def search(store):
    return EntitySearch(store)


def first(search: EntitySearch, query: str, **options) -> str:
    candidates = search.search(query, **options)
    assert candidates, f"no candidates for {query!r}"
    return candidates[0].entity_id


@pytest.mark.parametrize("text, expected", [
    ("Kyïv", "kyiv"),
    ("  Sol'deu  ", "soldeu"),
    ("Saint-Pétersbourg!", "saint petersbourg"),
    ("ZELENSKY,\tVolodymyr", "zelensky volodymyr"),
    ("Зеленський", "зеленський"),
    ("Straße", "strasse"),
])
def test_normalise_alias_folds_case_accents_and_punctuation(text, expected):
    assert normalise_alias(text) == expected


@pytest.mark.parametrize("query, expected", [
    ("Zelenskyi", "wb:zelensky"),
    ("Zelensky", "wb:zelensky"),
    ("President Volodymyr Zelensky", "wb:zelensky"),
    ("Зеленський", "wb:zelensky"),
    ("Kiev", "wb:kyiv"),
    ("Bahmut", "wb:bakhmut"),
    ("Kharkov", "wb:kharkiv"),
    ("Lysitansky", "wb:lysychansk"),
    ("ISW", "wb:isw"),
])
def test_spelling_variants_rank_the_right_entity_first(search, query, expected):
    assert first(search, query) == expected


def test_acronym_matches_only_when_listed_as_an_alias(store, search):
    store.import_entities([Entity("wb:isw", "Institute for the Study of War", "ORG")], normalise_alias)
    assert "wb:isw" not in [c.entity_id for c in search.search("ISW")]


def test_exact_match_scores_100_and_reports_the_alias_that_matched(search):
    candidate = search.search("zelenskyy")[0]
    assert (candidate.entity_id, candidate.alias, candidate.score, candidate.match) == (
        "wb:zelensky", "Zelenskyy", 100.0, EXACT)
    assert candidate.name == "Volodymyr Zelensky" and candidate.description == "President of Ukraine"


def test_prefix_matches_come_before_fuzzy_ones(search):
    candidates = search.search("Zelen")
    assert {c.match for c in candidates[:3]} == {PREFIX}
    assert all(0 <= c.score <= 100 for c in candidates)


def test_prior_breaks_ties_between_places_with_the_same_name(store, search):
    store.import_entities([
        Entity("geo:alexandria-eg", "Alexandria", "PLACE", "Egypt", 5_200_000),
        Entity("geo:alexandria-ro", "Alexandria", "PLACE", "Romania", 45_000),
    ], normalise_alias)
    assert [c.entity_id for c in search.search("Alexandria", limit=2)] == [
        "geo:alexandria-eg", "geo:alexandria-ro"]
    store.import_entities([Entity("geo:alexandria-ro", "Alexandria", "PLACE", "Romania", 9e9)],
                          normalise_alias)
    assert first(search, "Alexandria") == "geo:alexandria-ro"


def test_type_filter_keeps_only_that_type(search):
    candidates = search.search("Zelen", type="PLACE")
    assert [c.entity_id for c in candidates] == ["wb:zelenograd"]


def test_created_entity_is_found_at_once_and_has_a_wb_id(store, search):
    search.search("warm the index")
    entity = store.create_entity("Oleksandr Syrskyi", "PERSON", ["Syrskyi"],
                                 normalise_alias=normalise_alias)
    assert entity.id.startswith("wb:oleksandr-syrskyi-")
    assert first(search, "Syrsky") == entity.id


def test_reimport_replaces_aliases_in_the_index(store, search):
    assert first(search, "Bahmut") == "wb:bakhmut"
    store.import_entities([Entity("wb:bakhmut", "Artemivsk", "PLACE")], normalise_alias)
    assert "wb:bakhmut" not in [c.entity_id for c in search.search("Bakhmut")]
    assert first(search, "Artemivsk") == "wb:bakhmut"


def test_large_import_rebuilds_the_index_without_old_aliases(store, search, monkeypatch):
    import workbench.linking as linking

    search.search("warm the index")
    monkeypatch.setattr(linking, "REBUILD_AFTER", 1)
    store.import_entities([Entity("wb:kyiv", "Kyiv", "PLACE", "", 1, ("Kiev", "Kijów"))],
                          normalise_alias)
    assert search.refresh() == len(store.normalised_aliases_since(0))
    assert first(search, "Kijow") == "wb:kyiv"


def test_empty_query_gives_no_candidates(search):
    assert search.search(" ,. ") == []


def test_spacing_variant_outranks_prefix_matches_and_says_so(store, search):
    store.import_entities([
        Entity("geo:xiaomo", "Xiaomo", "PLACE", "Town in Guangdong", 1_000),
        Entity("geo:kleinmoelsen", "Kleinmölsen", "PLACE", "", 500, ("xiao mo er sen",)),
    ], normalise_alias)
    candidate = search.search("xiao mo")[0]
    assert (candidate.entity_id, candidate.match) == ("geo:xiaomo", VARIANT)


def test_reordered_words_find_the_entity(search):
    assert first(search, "Zelensky Volodymyr") == "wb:zelensky"


def test_short_alias_is_not_crowded_out_of_the_pool_by_long_ones(tmp_path):
    store = Store.open(tmp_path / "pool.db")
    store.import_entities([
        Entity(f"wb:street-{n}", f"Bakhmutivka Street Number {n}", "PLACE", "", 9) for n in range(5)
    ] + [Entity("wb:bakhmut", "Bakhmut", "PLACE", "", 1)], normalise_alias)
    assert first(EntitySearch(store, pool=1, prefix_pool=0), "Bakhmud") == "wb:bakhmut"
    store.close()


def test_bulk_import_keeps_the_lookup_index_and_an_interrupted_one_changes_nothing(
        store, search, monkeypatch):
    import workbench.store.entities

    monkeypatch.setattr(workbench.store.entities, "BULK_ALIASES", 1)
    store.import_entities([Entity("wb:odesa", "Odesa", "PLACE", "", 1, ("Odessa",))], normalise_alias)
    assert "aliases_normalised" in {index.name for index in store.db["aliases"].indexes}

    def interrupt(aliases):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        store.import_entities([Entity("wb:odesa", "Odeska", "PLACE")], normalise_alias,
                              on_batch=interrupt)
    assert "aliases_normalised" in {index.name for index in store.db["aliases"].indexes}
    assert (search.search("Odessa")[0].entity_id, search.search("Odessa")[0].match) == (
        "wb:odesa", EXACT)
