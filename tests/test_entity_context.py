"""Ranking a mention as it sits in its document: the places it names, the links made, the label."""

from __future__ import annotations

import pytest

from workbench.entity_context import SearchContext
from workbench.linking import EntitySearch, confident_match, normalise_alias
from workbench.model import Entity, Label, NewDocument
from workbench.store import Store

# Namesakes as GeoNames has them (population as the prior, its admin1 codes as regions).
PLACES = [
    Entity("geo:563464", "Engels", "PLACE", "", 196011, ("Pokrovsk",), "RU", "RU.67"),
    Entity("geo:2017824", "Pokrovsk", "PLACE", "", 9763, (), "RU", "RU.63"),
    Entity("geo:704422", "Pokrovsk", "PLACE", "", 60127, ("Krasnoarmiisk",), "UA", "UA.05"),
    Entity("geo:713122", "Avdiyivka", "PLACE", "", 35826, ("Avdiivka",), "UA", "UA.05"),
    Entity("geo:713120", "Avdiyivka", "PLACE", "", 2012, ("Avdiivka",), "UA", "UA.02"),
    Entity("geo:710232", "Davydivka", "PLACE", "", 780, (), "UA", "UA.18"),
    Entity("geo:710235", "Davydivka", "PLACE", "", 972, (), "UA", "UA.26"),
    Entity("geo:710243", "Davydivka", "PLACE", "", 3344, (), "UA", "UA.03"),
    Entity("geo:693468", "Slovyansk", "PLACE", "", 105141, ("Sloviansk",), "UA", "UA.05"),
    Entity("geo:700051", "Nikopol", "PLACE", "", 105160, ("Slovyansk", "Sloviansk"), "UA", "UA.04"),
    Entity("geo:705104", "Kostyantynivka", "PLACE", "", 67350, ("Kostiantynivka",), "UA", "UA.05"),
    Entity("geo:705115", "Kostyantynivka", "PLACE", "", 11540, ("Kostiantynivka",), "UA", "UA.26"),
    Entity("geo:692194", "Sumy", "PLACE", "", 256474, (), "UA", "UA.21"),
    Entity("geo:709717", "Druzhkivka", "PLACE", "", 55000, (), "UA", "UA.05"),
    Entity("geo:1000", "Springfield", "PLACE", "", 170000, (), "US", "US.MO"),
    Entity("geo:1001", "Springfield", "PLACE", "", 116000, (), "US", "US.IL"),
    Entity("geo:1002", "Chicago", "PLACE", "", 2700000, (), "US", "US.IL"),
    Entity("wb:zelensky", "Volodymyr Zelensky", "PERSON", "", 0.9, ("Zelensky",)),
    Entity("wb:eu", "European Union", "ORG", "", 0.8, ("EU",)),
]
DONETSK_ARTICLE = ("Russian forces shelled {mention} overnight, officials in Kostiantynivka and "
                   "Druzhkivka said. Residents fled towards Sumy.")


@pytest.fixture
def kb(tmp_path):
    store = Store.open(tmp_path / "kb.db")
    store.import_entities(PLACES, normalise_alias)
    yield store
    store.close()


def mention_in(store: Store, text: str, mention: str, label: str = "mention"):
    """A span over `mention` in a new document of `text`, as the picker would open it."""
    store.set_labels([*store.labels(), Label("mention", "m", "#98c379")])
    (document,) = store.add_documents([NewDocument(text.format(mention=mention), "t", "test")]).added
    start = store.text(document).index(mention)
    return store.add_span(document, "ann", start, start + len(mention), label)


def first_in_context(store: Store, text: str, mention: str, **options) -> str:
    span = mention_in(store, text, mention)
    context = SearchContext.of_mention(store, span, **options)
    return EntitySearch(store).search(mention, context=context)[0].entity_id


@pytest.mark.parametrize("mention, expected", [
    ("Pokrovsk", "geo:704422"),     # not Engels, once Pokrovsk and four times as big
    ("Avidivka", "geo:713122"),     # misspelt, and as near the three Davydivkas
    ("Slovyansk", "geo:693468"),    # not Nikopol, through an old alias
])
def test_a_donetsk_article_picks_the_donetsk_namesake(kb, mention, expected):
    assert first_in_context(kb, DONETSK_ARTICLE, mention) == expected


def test_without_context_the_bigger_namesake_comes_first(kb):
    assert EntitySearch(kb).search("Pokrovsk")[0].entity_id == "geo:563464"


def test_a_namesake_in_another_countrys_article_is_that_countrys(kb):
    article = "Storms hit {mention} on Sunday, hours after they swept through Chicago."
    assert first_in_context(kb, article, "Springfield") == "geo:1001"


def test_linked_spans_count_as_context(kb):
    span = mention_in(kb, "Shelling in {mention} again.", "Pokrovsk")
    other = kb.add_span(span.document, "ann", 0, 8, "mention")
    kb.link(other.id, "geo:705104")    # "Shelling" linked to Kostiantynivka, for the test's sake
    context = SearchContext.of_mention(kb, span)
    assert EntitySearch(kb).search("Pokrovsk", context=context)[0].entity_id == "geo:704422"


def test_the_labels_preferred_types_rank_first(kb):
    span = mention_in(kb, "{mention} said the talks would go on.", "Zelensky", label="source")
    context = SearchContext.of_mention(kb, span, link_types={"source": ("ORG",)})
    ranked = EntitySearch(kb).search("Zelensky", context=context)
    assert ranked[0].entity_id == "wb:zelensky"          # an exact match still comes first
    assert ranked[0].context == -10.0                   # but it was marked down as the wrong type


def test_context_lists_its_points_in_json(kb):
    span = mention_in(kb, DONETSK_ARTICLE, "Pokrovsk")
    top = EntitySearch(kb).search("Pokrovsk", context=SearchContext.of_mention(kb, span))[0]
    assert top.as_json()["context"] > 0


@pytest.mark.parametrize("query", ["President Trump", "the BBC", "Vladimir Putin"])
def test_a_name_not_in_the_kb_has_no_confident_match(kb, query):
    assert confident_match(EntitySearch(kb).search(query)) is None


@pytest.mark.parametrize("query", ["Zelensky", "Kostiantynivka", "Sumi", "Харків", "Суми"])
def test_a_name_in_the_kb_has_a_confident_match(kb, query):
    if query == "Харків":
        kb.import_entities([Entity("wb:kharkiv", "Kharkiv", "PLACE", "", 1.4e6, (), "UA", "UA.07")],
                           normalise_alias)
    assert confident_match(EntitySearch(kb).search(query)) is not None


def test_a_misspelling_the_spelling_pool_misses_is_found_among_the_articles_regions(kb):
    # A namesake abroad spelt closer to the mention fills a spelling pool of one key.
    kb.import_entities([Entity("geo:2000", "Dryzhkivk", "PLACE", "", 500, (), "PL", "PL.72")], normalise_alias)
    narrow = EntitySearch(kb, pool=1, pool_aliases=1)
    assert "geo:709717" not in [c.entity_id for c in narrow.search("Dryzhkivka")]
    span = mention_in(kb, DONETSK_ARTICLE, "Dryzhkivka")
    ranked = narrow.search("Dryzhkivka", context=SearchContext.of_mention(kb, span))
    assert ranked[0].entity_id == "geo:709717"    # Druzhkivka, in Donetsk oblast as the article is


def test_re_imported_names_still_fill_the_regions_candidates_with_live_aliases(kb):
    kb.import_entities([Entity("geo:2000", "Dryzhkivk", "PLACE", "", 500, (), "PL", "PL.72")], normalise_alias)
    narrow = EntitySearch(kb, pool=1, pool_aliases=1)
    druzhkivka = next(place for place in PLACES if place.id == "geo:709717")
    for _ in range(25):    # each appended under the key the region already lists
        kb.import_entities([druzhkivka], normalise_alias)
        narrow.refresh()
    span = mention_in(kb, DONETSK_ARTICLE, "Dryzhkivka")
    assert narrow.search("Dryzhkivka", context=SearchContext.of_mention(kb, span))[0].entity_id == "geo:709717"


def test_a_country_named_without_a_region_is_no_region_to_search(kb):
    kb.import_entities([Entity("geo:690791", "Ukraine", "COUNTRY", "", 4e7, (), "UA", "")], normalise_alias)
    context = SearchContext.of_text(kb, "News from Ukraine today about Dryzhkivka.", "Dryzhkivka")
    assert context.regions("dryzhkivka") == []
