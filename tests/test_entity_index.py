"""The entity-search index: bulk key making and posting lists agree with the one-alias-at-a-time rules."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from workbench import linking
from workbench.linking import (
    EntitySearch,
    index_aliases,
    normalise_alias,
    search_key,
    search_keys,
    trigrams,
)
from workbench.model import Entity
from workbench.store import Store

# Latin with transliteration digraphs, Cyrillic, CJK and a character outside the BMP,
# so the joined text is sometimes ASCII and sometimes four bytes a character.
NAMES = st.text(alphabet="abchjkostuwxyz zh kh ßéłїй北京𝔘\n-'", max_size=20)


@settings(max_examples=200, deadline=None)
@given(st.lists(NAMES, max_size=12))
def test_bulk_search_keys_equal_one_at_a_time(texts):
    assert search_keys(texts) == [search_key(text) for text in texts]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=30))
def test_ascii_names_normalise_as_any_other(text):
    # "ß" keeps the name off the ASCII path; it folds to "ss" whatever comes before it.
    assert normalise_alias(text + " ß") == " ".join([*normalise_alias(text).split(), "ss"])


PLACES = st.sampled_from([("", ""), ("UA", "UA.14"), ("UA", "UA.05"), ("RU", "RU.48")])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(NAMES, PLACES), max_size=15), st.integers(min_value=1, max_value=1 << 40))
def test_each_alias_is_filed_under_its_key_and_region_and_each_key_under_its_trigrams(named, first_key_id):
    # Not normalised by normalise_alias: a store may hold any text, newlines included.
    rows = [(alias_id, text, f"geo:{alias_id}") for alias_id, (text, _) in enumerate(named, start=1)]
    places = {f"geo:{alias_id}": place for alias_id, (_, place) in enumerate(named, start=1) if place[0]}
    normalised = [text for text, _ in named]
    index = index_aliases(rows, places, first_key_id)
    keys, postings = index.keys, index.postings
    # Each alias of a placed entity is listed in its region, under its search key.
    in_regions = {place: sorted(_region_aliases(row)) for place, row in index.regions.items()}
    expected: dict[tuple[str, str], list] = {}
    for alias_id, text, entity_id in rows:
        if entity_id in places:
            expected.setdefault(places[entity_id], []).append((alias_id, search_key(text).replace("\n", " ")))
    assert in_regions == expected
    key_of_alias = {alias_id: key_id for key_id, blob in keys.items() for alias_id in linking._unpack(blob)}
    # Every alias in exactly one key row, aliases of one key together, and ids counting on.
    assert sorted(key_of_alias) == [alias_id for alias_id, *_ in rows]
    assert sum(len(linking._unpack(blob)) for blob in keys.values()) == len(rows)
    assert sorted(keys) == list(range(first_key_id, first_key_id + len(set(map(search_key, normalised)))))
    for alias_id, text, *_ in rows:
        for other_id, other, *_ in rows:
            assert (key_of_alias[alias_id] == key_of_alias[other_id]) == (search_key(text) == search_key(other))
    posted: dict[int, list[str]] = {key_id: [] for key_id in keys}
    sizes: dict[int, set[int]] = {key_id: set() for key_id in keys}
    for gram, blob in postings.items():
        for posting in linking._unpack(blob):
            posted[posting >> 8].append(gram)
            sizes[posting >> 8].add(posting & 0xFF)
    for alias_id, text, *_ in rows:
        key = search_key(text)
        key_id = key_of_alias[alias_id]
        padded = f" {key} "
        assert sorted(posted[key_id]) == sorted(padded[i:i + 3] for i in range(len(key)))
        assert set(posted[key_id]) == trigrams(key)
        assert sizes[key_id] <= {min(len(key), 255)}


def test_rebuilt_index_finds_what_appended_postings_found(tmp_path, monkeypatch):
    store = Store.open(tmp_path / "kb.db")
    store.import_entities([Entity(f"geo:{n}", f"Place {n}", "PLACE", "", n, (f"Місто {n}",))
                           for n in range(1, 400)], normalise_alias)
    search = EntitySearch(store)
    assert search.search("Place 17")[0].entity_id == "geo:17"
    store.import_entities([Entity("geo:kyiv", "Kyiv", "PLACE", "", 1, ("Київ", "Kijów"))],
                          normalise_alias)
    appended = [c.entity_id for c in search.search("Kijow")]
    monkeypatch.setattr(linking, "REBUILD_AFTER", 0)
    store.import_entities([Entity("geo:odesa", "Odesa", "PLACE", "", 1)], normalise_alias)
    assert [c.entity_id for c in search.search("Kijow")] == appended
    assert appended[0] == "geo:kyiv"
    store.close()


def test_large_import_writes_every_alias_once_and_reimport_replaces_them(tmp_path):
    store = Store.open(tmp_path / "kb.db")
    entities = [Entity(f"geo:{n}", f"Town {n}", "PLACE", "", n, (f"Alias {n}", f"Другое {n}"))
                for n in range(1, 1001)]
    assert store.import_entities(entities, normalise_alias) == (1000, 3000)
    assert store.import_entities(entities[:500], normalise_alias) == (500, 1500)
    assert store.entity_count() == 1000
    assert len(store.normalised_aliases_since(0)) == 3000
    assert store.entity("geo:777").aliases == ("Town 777", "Alias 777", "Другое 777")
    store.close()


def test_a_database_indexed_before_transliteration_is_reindexed_on_opening(tmp_path):
    from sqlite_utils import Database

    from workbench.store import migrations

    path = tmp_path / "old.db"
    old = Database(path)
    migrations.apply(old, stop_before="m007_entity_places")
    old.execute("INSERT INTO entities VALUES ('wb:kharkiv', 'Kharkiv', 'PLACE', '', 0, 'now')")
    old.execute("INSERT INTO aliases (entity_id, alias, normalised) VALUES ('wb:kharkiv', 'Kharkiv', 'kharkiv')")
    # Indexed, by the old keys, up to that alias: its postings say nothing a Cyrillic query has.
    old.execute("UPDATE alias_index_state SET indexed_up_to = 1")
    old.close()

    store = Store.open(path)
    assert [c.entity_id for c in EntitySearch(store).search("Харків")] == ["wb:kharkiv"]
    assert store.entity("wb:kharkiv").country == ""
    store.close()


def test_a_database_whose_regions_list_a_key_an_alias_is_reindexed_on_opening(tmp_path):
    from sqlite_utils import Database

    from workbench.store import migrations

    path = tmp_path / "old.db"
    old = Database(path)
    migrations.apply(old, stop_before="m011_alias_region_groups")
    old.execute("INSERT INTO entities (id, name, type, description, prior, updated_at, country, region) "
                "VALUES ('geo:1', 'Kramatorsk', 'PLACE', '', 0, 'now', 'UA', 'UA.05')")
    old.execute("INSERT INTO aliases (entity_id, alias, normalised) VALUES ('geo:1', 'Kramatorsk', 'kramatorsk')")
    # Indexed up to that alias, its region's row as it was: a key a line, no key ends.
    old.execute("INSERT INTO alias_regions VALUES ('UA', 'UA.05', 'kramatorsk', ?)", [(1).to_bytes(8, "little")])
    old.execute("UPDATE alias_index_state SET indexed_up_to = 1")
    old.close()

    store = Store.open(path)
    EntitySearch(store).refresh()
    assert _region_aliases(store.alias_regions([("UA", "UA.05")])["UA", "UA.05"]) == [(1, "kramatorsk")]
    store.close()


def test_init_rebuilds_the_index_an_upgrade_emptied_so_read_only_searches_need_not(tmp_path):
    from click.testing import CliRunner

    from workbench.cli import cli

    path = tmp_path / "kb.db"
    store = Store.open(path)
    store.import_entities([Entity("geo:1", "Kramatorsk", "PLACE", "", 150_000, (), "UA", "UA.05")],
                          normalise_alias)
    store.close()    # as an upgrade leaves it: aliases, and an empty index

    result = CliRunner().invoke(cli, ["--db", str(path), "init"], obj={})
    assert result.exit_code == 0, result.output
    assert "search index built for 1 name" in result.output
    readonly = Store.open(path, readonly=True)
    assert EntitySearch(readonly).refresh() == 0
    assert EntitySearch(readonly).search("Kramatorsk")[0].entity_id == "geo:1"
    readonly.close()
    again = CliRunner().invoke(cli, ["--db", str(path), "init"], obj={})
    assert "search index" not in again.output


def test_a_read_only_database_finds_names_imported_since_its_index_was_built(tmp_path):
    path = tmp_path / "kb.db"
    store = Store.open(path)
    store.import_entities([Entity(f"geo:{n}", f"Place {n}", "PLACE", "", n) for n in range(1, 200)],
                          normalise_alias)
    EntitySearch(store).refresh()
    # Imported without a search: the index on disk does not know it yet.
    store.import_entities([Entity("geo:kharkiv", "Kharkiv", "PLACE", "", 1, ("Charkow",))], normalise_alias)
    store.close()

    readonly = Store.open(path, readonly=True)
    search = EntitySearch(readonly)
    assert search.search("Kharkov")[0].entity_id == "geo:kharkiv"
    assert search.search("Place 17")[0].entity_id == "geo:17"
    readonly.close()


def test_an_alias_appended_under_a_key_the_index_has_is_found_and_a_rebuild_merges_the_key(tmp_path, monkeypatch):
    store = Store.open(tmp_path / "kb.db")
    store.import_entities([Entity(f"geo:{n}", f"Place {n}", "PLACE", "", n) for n in range(1, 50)]
                          + [Entity("geo:kharkiv", "Kharkiv", "PLACE", "", 1_400_000)], normalise_alias)
    search = EntitySearch(store)
    search.refresh()
    keys_before = store.alias_key_count()
    # "Charkiw" spells the key of "Kharkiv": appended, it gets a key row of its own.
    store.import_entities([Entity("geo:charkiw-street", "Charkiw", "STREET", "", 1)], normalise_alias)
    found = {c.entity_id for c in search.search("Kharkov")}
    assert {"geo:kharkiv", "geo:charkiw-street"} <= found
    assert store.alias_key_count() == keys_before + 1
    monkeypatch.setattr(linking, "REBUILD_AFTER", 0)
    store.import_entities([Entity("geo:odesa", "Odesa", "PLACE", "", 1)], normalise_alias)
    assert {"geo:kharkiv", "geo:charkiw-street"} <= {c.entity_id for c in search.search("Kharkov")}
    assert store.alias_key_count() == keys_before + 1  # Odesa's key is new; Charkiw's merged
    store.close()


def _region_aliases(row: tuple[str, bytes, bytes]) -> list[tuple[int, str]]:
    """(alias id, search key) of each alias in a region's row of the index."""
    keys, ids, ends = row[0].split("\n"), linking._unpack(row[1]), linking._unpack(row[2])
    assert len(ends) == len(keys) and list(ends) == sorted(ends) and (not ends or ends[-1] == len(ids))
    return [(alias_id, key) for index, key in enumerate(keys)
            for alias_id in ids[ends[index - 1] if index else 0:ends[index]]]


def test_a_region_lists_each_key_once_with_all_its_aliases_there():
    rows = [(1, "kharkiv", "geo:1"), (2, "charkiw", "geo:1"), (3, "kharkov", "geo:1"), (4, "Харків", "geo:1"),
            (5, "chuhuiv", "geo:2"), (6, "kharkiv", "geo:3")]
    places = {"geo:1": ("UA", "UA.07"), "geo:2": ("UA", "UA.07"), "geo:3": ("RU", "RU.86")}
    regions = index_aliases(rows, places).regions
    assert regions["UA", "UA.07"][0].split("\n") == ["harkiv", "harkov", "huhuiv"]
    assert _region_aliases(regions["UA", "UA.07"]) == [(1, "harkiv"), (2, "harkiv"), (4, "harkiv"),
                                                         (3, "harkov"), (5, "huhuiv")]
    assert _region_aliases(regions["RU", "RU.86"]) == [(6, "harkiv")]


def test_a_read_only_database_lists_the_regions_of_names_imported_since_its_index_was_built(tmp_path):
    path = tmp_path / "kb.db"
    store = Store.open(path)
    store.import_entities([Entity("geo:1", "Kramatorsk", "PLACE", "", 150_000, (), "UA", "UA.05")],
                          normalise_alias)
    EntitySearch(store).refresh()
    store.import_entities([Entity("geo:2", "Druzhkivka", "PLACE", "", 55_000, (), "UA", "UA.05"),
                           Entity("geo:3", "Sumy", "PLACE", "", 256_000, (), "UA", "UA.21")], normalise_alias)
    store.close()

    readonly = Store.open(path, readonly=True)
    EntitySearch(readonly).refresh()
    row = readonly.alias_regions([("UA", "UA.05")])["UA", "UA.05"]
    assert sorted(_region_aliases(row)) == [(1, "kramatorsk"), (2, "druskivka")]
    readonly.close()


def test_a_small_knowledge_base_finds_a_name_that_shares_only_its_most_common_trigram(tmp_path):
    store = Store.open(tmp_path / "kb.db")
    store.import_entities([Entity(f"geo:{name.lower()}", name, "PLACE", "", 1)
                           for name in ("Lviv", "Lvura", "Lvamo", "Rostov", "Saratov", "Vovchansk")],
                          normalise_alias)
    assert EntitySearch(store).search("Lvov")[0].entity_id == "geo:lviv"
    store.close()


def test_small_appends_add_up_to_a_rebuild_that_merges_their_key_rows(tmp_path, monkeypatch):
    store = Store.open(tmp_path / "kb.db")
    towns = [Entity(f"geo:{n}", f"Town {n}", "PLACE", "", n) for n in range(1, 30)]
    store.import_entities(towns, normalise_alias)
    search = EntitySearch(store)
    search.refresh()
    keys = store.alias_key_count()
    monkeypatch.setattr(linking, "REBUILD_AFTER", 50)
    # Each re-import appends 29 aliases whose keys the index has: the second one adds up past 50.
    store.import_entities(towns, normalise_alias)
    search.refresh()
    assert store.alias_key_count() == 2 * keys
    store.import_entities(towns, normalise_alias)
    search.refresh()
    assert store.alias_key_count() == keys
    assert search.search("Town 17")[0].entity_id == "geo:17"
    store.close()


def test_a_name_repeating_one_trigram_hundreds_of_times_is_still_found(tmp_path):
    # Its count of shared trigrams passes what a byte holds.
    store = Store.open(tmp_path / "kb.db")
    store.import_entities([Entity("x:drum", "Ra" + "ta" * 300, "THING", "", 1),
                           Entity("x:rata", "Rata", "THING", "", 1)], normalise_alias)
    assert EntitySearch(store).search("Ra" + "ta" * 299)[0].entity_id == "x:drum"
    store.close()
