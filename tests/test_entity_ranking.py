"""How the link picker and `kb search` rank candidates a user would otherwise have to scroll past."""

from __future__ import annotations

import pytest

from workbench.linking import EntitySearch, normalise_alias, romanised_by_consonants
from workbench.model import Entity
from workbench.store import Store


@pytest.fixture
def make_search(tmp_path):
    stores = []

    def make(entities: list[Entity]) -> EntitySearch:
        store = Store.open(tmp_path / f"kb{len(stores)}.db")
        stores.append(store)
        store.import_entities(entities, normalise_alias)
        return EntitySearch(store)

    yield make
    for store in stores:
        store.close()


def ranked(search: EntitySearch, query: str) -> list[str]:
    return [candidate.entity_id for candidate in search.search(query)]


def test_one_word_alias_inside_the_query_does_not_outrank_the_full_match(make_search):
    search = make_search([
        Entity("wb:president", "President", "ORG", "", 0.99),
        Entity("wb:volodymyr", "Volodymyr", "PLACE", "", 0.95),
        Entity("wb:zelensky", "Volodymyr Zelensky", "PERSON", "", 0.9, ("Zelensky",)),
    ])
    assert ranked(search, "President Volodymyr Zelensky")[0] == "wb:zelensky"


def test_shared_common_word_does_not_let_a_namesake_outrank_the_name(make_search):
    # "kommun" (municipality) ends many names, so sharing it says little; "Aukra" says it all.
    others = ["Aure", "Sauda", "Karla", "Askers", "Harams", "Molde", "Rauma", "Sunndal",
              "Vestnes", "Giske", "Sula", "Stranda"]
    search = make_search([Entity(f"geo:{name.lower()}", f"{name} kommun", "PLACE", "", 1000)
                          for name in others] + [Entity("geo:aukra", "Aukra", "PLACE", "", 500)])
    assert ranked(search, "Aukra kommun")[0] == "geo:aukra"


def test_name_romanised_without_vowels_is_matched_by_its_consonants(make_search):
    search = make_search([
        Entity("geo:weinbach", "Weinbach", "PLACE", "", 4763),
        Entity("geo:weissenbach", "Weissenbach", "PLACE", "", 9000, ("Vajsenbakh",)),
        Entity("geo:weidenbach", "Weidenbach", "PLACE", "", 8000, ("Vajdenbakh",)),
    ])
    assert ranked(search, "Vajnbakh")[0] == "geo:weinbach"


def test_name_spelt_syllable_by_syllable_is_matched_by_its_consonants(make_search):
    search = make_search([
        Entity("geo:asbest", "Asbest", "PLACE", "", 60000, ("Asbiest",)),
        Entity("geo:axstedt", "Axstedt", "PLACE", "", 9000, ("a ke si si te",)),
    ])
    assert ranked(search, "a si bie si te")[0] == "geo:asbest"


@pytest.mark.parametrize("name, expected", [
    ("wntwra", True),          # Ventura, romanised from Arabic script
    ("wei er song", True),     # Verson, in pinyin syllables
    ("xi jin ping", True),
    ("kharkiv", False),
    ("bakhmut", False),
    ("київ", False),
    ("1945", False),
])
def test_names_romanised_by_consonants_are_recognised(name, expected):
    assert romanised_by_consonants(name) is expected


def test_same_alias_of_many_places_scores_alike_and_the_prior_orders_them(make_search):
    search = make_search([Entity(f"geo:sp{n}", "San Pedro", "PLACE", "", n) for n in range(1, 6)]
                         + [Entity("geo:x", "Saint Petersburg", "PLACE", "", 9e6)])
    candidates = [c for c in search.search("San Pedra") if c.name == "San Pedro"]
    assert [c.entity_id for c in candidates] == ["geo:sp5", "geo:sp4", "geo:sp3", "geo:sp2", "geo:sp1"]
    assert len({c.score for c in candidates}) == 1


LATIN_KB = [
    Entity("wb:zelensky", "Volodymyr Zelensky", "PERSON", "", 0.9, ("Zelensky", "Zelenskyy")),
    Entity("wb:zelenska", "Olena Zelenska", "PERSON", "", 0.5, ("Zelenska",)),
    Entity("wb:kharkiv", "Kharkiv", "PLACE", "", 0.8),
    Entity("wb:kherson", "Kherson", "PLACE", "", 0.6),
    Entity("wb:klitschko", "Vitali Klitschko", "PERSON", "", 0.6, ("Vitaliy Klychko",)),
    Entity("wb:wladimir", "Wladimir Klitschko", "PERSON", "", 0.5),
    Entity("wb:general-staff", "General Staff of the Armed Forces of Ukraine", "ORG", "", 0.6,
           ("Henshtab ZSU",)),
    Entity("wb:peskov", "Dmitry Peskov", "PERSON", "", 0.7),
]


@pytest.mark.parametrize("query, expected", [
    ("Зеленський", "wb:zelensky"),
    ("Харків", "wb:kharkiv"),
    ("Віталій Кличко", "wb:klitschko"),
    ("Генштаб ЗСУ", "wb:general-staff"),
    ("Дмитрий Песков", "wb:peskov"),
])
def test_cyrillic_mention_finds_its_entity_in_a_latin_knowledge_base(make_search, query, expected):
    assert ranked(make_search(LATIN_KB), query)[0] == expected


def test_latin_mention_finds_an_entity_known_only_by_its_cyrillic_name(make_search):
    search = make_search([Entity("wb:syrskyi", "Олександр Сирський", "PERSON", "", 0.5),
                          Entity("wb:sirko", "Ivan Sirko", "PERSON", "", 0.9)])
    assert ranked(search, "Oleksandr Syrskyi")[0] == "wb:syrskyi"


def test_a_number_one_digit_longer_is_no_spelling_variant(make_search):
    search = make_search([Entity("wb:b100", "Brigade 100", "ORG", "", 0.9)])
    assert all(c.match != "variant" for c in search.search("Brigade 1000"))


def test_a_misspelt_name_with_a_number_finds_that_number_first(make_search):
    search = make_search([Entity("wb:hill223", "Hill 223", "PLACE", "", 0.9),
                          Entity("wb:hill23", "Hill 23", "PLACE", "", 0.1),
                          Entity("wb:route66", "Route 66", "PLACE", "", 0.9),
                          Entity("wb:route6", "Route 6", "PLACE", "", 0.1)])
    assert ranked(search, "Hil 23")[0] == "wb:hill23"
    assert ranked(search, "Rout 6")[0] == "wb:route6"


def test_a_number_typed_in_full_is_not_completed_to_a_longer_one(make_search):
    search = make_search([Entity("wb:route66", "Route 66", "PLACE", "", 0.9),
                          Entity("wb:h06", "Route 6 (Ukraine)", "PLACE", "", 0.1)])
    assert ranked(search, "Route 6")[0] == "wb:h06"
