from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from workbench.cli import cli
from workbench.errors import ImportRejected
from workbench.formats.kb import read_kb
from workbench.store import Store

DEMO_KB = Path(__file__).resolve().parents[1] / "workbench" / "data" / "demo_entities.jsonl"


def write(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def jsonl(path: Path, *records: dict) -> Path:
    return write(path, *(json.dumps(r, ensure_ascii=False) for r in records))


def run(db: Path, *args: str, input: str | None = None):
    return CliRunner().invoke(cli, ["--db", str(db), *args], input=input, obj={})


def test_jsonl_reads_non_ascii_names_and_empty_alias_lists(tmp_path):
    path = jsonl(tmp_path / "kb.jsonl",
                 {"id": "p1", "name": "Marta Kuźmińska", "type": "PERSON", "aliases": [],
                  "description": "analyst", "prior": 0.5},
                 {"id": "p2", "name": "Дмитрий Песков", "aliases": ["Peskov"]})
    first, second = read_kb(path)
    assert (first.name, first.aliases, first.prior) == ("Marta Kuźmińska", (), 0.5)
    assert (second.name, second.aliases, second.type, second.prior) == (
        "Дмитрий Песков", ("Peskov",), "", 0.0)


def test_csv_and_tsv_split_aliases_on_bars(tmp_path):
    csv_path = write(tmp_path / "kb.csv", "id,name,type,aliases,description,prior",
                     'k1,Kyiv,PLACE,Kiev|Kyïv,"Capital, of Ukraine",3000000')
    tsv_path = write(tmp_path / "kb.tsv", "id\tname\taliases", "k1\tKyiv\tKiev|Kyïv")
    for path in (csv_path, tsv_path):
        (entity,) = read_kb(path)
        assert entity.aliases == ("Kiev", "Kyïv")
    assert read_kb(csv_path)[0].description == "Capital, of Ukraine"


@pytest.mark.parametrize("lines, line, message", [
    (['{"id": "a", "name": "A"}', '{"name": "B"}'], 2, "missing id"),
    (['{"id": "a", "name": "A"}', '{"id": "b", "name": "B"}', '{"id": "a", "name": "C"}'], 3,
     "duplicate id 'a' (first on line 1)"),
    (['{"id": "a", "name": "A"}', '{"id": "b", "name": '], 2, "broken JSON"),
    (['{"id": "a", "name": "A", "aliases": "A1"}'], 1, "aliases must be a list"),
    (['{"id": "a", "name": "A", "prior": "many"}'], 1, "prior must be a number"),
    (['{"id": "a", "name": ""}'], 1, "has no name"),
    (['{"id": "a", "name": "A"}', '{"id": "b", "name": "B", "country": "Ukraine"}'], 2,
     "entity 'b': country must be an ISO 3166 two-letter code such as UA, got 'Ukraine'"),
    (['{"id": "a", "name": "A", "country": "ЮА"}'], 1, "country must be an ISO 3166"),
    (['{"id": "a", "name": "A", "region": 14}'], 1, "entity 'a': region must be a string"),
    (['{"id": "a", "name": "A", "within": "a"}'], 1, "entity 'a' cannot be within itself"),
    (['{"id": "a", "name": "A", "tags": "front"}'], 1, "entity 'a': tags must be a list of strings"),
])
def test_bad_rows_are_rejected_with_file_and_line(tmp_path, lines, line, message):
    path = write(tmp_path / "kb.jsonl", *lines)
    with pytest.raises(ImportRejected) as caught:
        read_kb(path)
    assert caught.value.line == line
    assert str(caught.value).startswith(f"{path}:{line}: ")
    assert message in str(caught.value)


def test_places_are_read_from_every_format_and_files_without_them_stay_valid(tmp_path):
    jsonl_path = jsonl(tmp_path / "kb.jsonl",
                       {"id": 703845, "name": "Pokrovsk", "country": "ua", "region": "UA.05",
                        "within": 709716, "tags": ["front line", "city"]},
                       {"id": "wb:isw", "name": "ISW"})
    csv_path = write(tmp_path / "kb.csv", "id,name,country,region,within,tags",
                     "703845,Pokrovsk,UA,UA.05,709716,front line|city", "wb:isw,ISW,,,,")
    for path in (jsonl_path, csv_path):
        pokrovsk, isw = read_kb(path)
        assert (pokrovsk.country, pokrovsk.region, pokrovsk.within, pokrovsk.tags) == (
            "UA", "UA.05", "709716", ("front line", "city"))
        assert (isw.country, isw.region, isw.within, isw.tags) == ("", "", "", ())


def test_places_survive_import_and_export(tmp_path):
    db = tmp_path / "t.db"
    path = jsonl(tmp_path / "kb.jsonl",
                 {"id": "geo:1", "name": "Pokrovsk", "country": "UA", "region": "UA.05", "tags": ["city"]},
                 {"id": "wb:isw", "name": "ISW"})
    assert run(db, "kb", "import", str(path)).exit_code == 0
    assert Store.open(db).entity("geo:1").region == "UA.05"
    assert "place: UA  UA.05" in run(db, "kb", "show", "geo:1").output.splitlines()
    assert json.loads(run(db, "kb", "show", "geo:1", "--json").output)["tags"] == ["city"]
    out = tmp_path / "kb-out.jsonl"
    assert run(db, "export", "--format", "kb", "--out", str(out)).exit_code == 0
    records = {record["id"]: record for record in map(json.loads, out.read_text().splitlines())}
    assert (records["geo:1"]["country"], records["geo:1"]["tags"]) == ("UA", ["city"])
    assert "country" not in records["wb:isw"]


def test_csv_row_with_missing_fields_names_its_line(tmp_path):
    path = write(tmp_path / "kb.csv", "id,name,aliases", "a,A,", "b,B")
    with pytest.raises(ImportRejected, match=r"kb\.csv:3: expected 3 fields, found 2"):
        read_kb(path)


def test_kb_import_of_a_bad_file_stores_nothing_and_prints_one_line(tmp_path):
    path = write(tmp_path / "kb.jsonl", '{"id": "a", "name": "A"}', "not json")
    result = run(tmp_path / "t.db", "kb", "import", str(path))
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [f"error: {path}:2: broken JSON "
                                                  "(invalid literal, expected 'null', column 1)"]
    store = Store.open(tmp_path / "t.db")
    assert store.entity_count() == 0


def test_reimport_updates_entities_instead_of_duplicating(tmp_path):
    db = tmp_path / "t.db"
    path = jsonl(tmp_path / "kb.jsonl", {"id": "k", "name": "Kiev", "aliases": ["Kyjiw"]})
    assert run(db, "kb", "import", str(path)).exit_code == 0
    jsonl(path, {"id": "k", "name": "Kyiv", "aliases": ["Kiev"]})
    assert run(db, "kb", "import", str(path)).exit_code == 0
    store = Store.open(db)
    assert store.entity_count() == 1
    assert store.entity("k").aliases == ("Kyiv", "Kiev")


@pytest.fixture
def kb_db(tmp_path):
    db = tmp_path / "t.db"
    path = jsonl(tmp_path / "kb.jsonl",
                 {"id": "wb:kyiv", "name": "Kyiv", "type": "PLACE", "prior": 10},
                 {"id": "wb:kharkiv", "name": "Kharkiv", "type": "PLACE", "prior": 5},
                 {"id": "wb:isw", "name": "Institute for the Study of War", "type": "ORG",
                  "aliases": ["ISW"]})
    assert run(db, "kb", "import", str(path)).exit_code == 0
    return db


def test_kb_search_prints_the_best_candidate_first(kb_db):
    result = run(kb_db, "kb", "search", "Kharkov")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].split()[1] == "wb:kharkiv"


def test_kb_search_json_lists_candidates_with_score_and_alias(kb_db):
    result = run(kb_db, "kb", "search", "isw", "--json", "--type", "ORG")
    payload = json.loads(result.output)
    assert payload["query"] == "isw"
    assert [(c["id"], c["alias"], c["score"]) for c in payload["candidates"]] == [
        ("wb:isw", "ISW", 100.0)]


def test_kb_search_dash_reads_one_query_per_line(kb_db):
    result = run(kb_db, "kb", "search", "-", "--limit", "1", input="Kiev\nKharkov\n")
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [(line["query"], line["candidates"][0]["id"]) for line in lines] == [
        ("Kiev", "wb:kyiv"), ("Kharkov", "wb:kharkiv")]


def test_kb_add_show_and_list(kb_db):
    result = run(kb_db, "kb", "add", "Oleksandr Syrskyi", "--type", "PERSON", "--alias", "Syrsky")
    assert result.exit_code == 0
    entity_id = result.output.split()[1].rstrip(":")
    assert entity_id.startswith("wb:oleksandr-syrskyi-")
    shown = json.loads(run(kb_db, "kb", "show", entity_id, "--json").output)
    assert shown["aliases"] == ["Oleksandr Syrskyi", "Syrsky"]
    listed = run(kb_db, "kb", "list", "--type", "PERSON").output
    assert entity_id in listed and "wb:kyiv" not in listed
    assert json.loads(run(kb_db, "kb", "search", "Syrskyi", "--json").output)[
        "candidates"][0]["id"] == entity_id


def test_kb_add_refuses_an_existing_id(kb_db):
    result = run(kb_db, "kb", "add", "Kyiv", "--id", "wb:kyiv")
    assert result.exit_code == 1
    assert "already exists" in result.output


def test_kb_add_refuses_an_existing_id_written_with_spaces_and_leaves_it_alone(kb_db):
    before = run(kb_db, "kb", "show", "wb:kyiv", "--json").output
    result = run(kb_db, "kb", "add", "Foo", "--id", " wb:kyiv ")
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert run(kb_db, "kb", "show", "wb:kyiv", "--json").output == before


def test_kb_show_unknown_id_is_one_line_error(kb_db):
    result = run(kb_db, "kb", "show", "wb:nowhere")
    assert result.exit_code == 1
    assert result.output.strip() == "error: no entity 'wb:nowhere'"


@pytest.mark.skipif(not DEMO_KB.exists(), reason="demo knowledge base not present")
def test_demo_kb_links_zelensky_spellings_to_one_entity(tmp_path):
    db = tmp_path / "t.db"
    assert run(db, "kb", "import", str(DEMO_KB)).exit_code == 0
    result = run(db, "kb", "search", "-", "--limit", "1", input="Zelenskyi\nZelensky\n")
    ids = {json.loads(line)["candidates"][0]["id"] for line in result.output.splitlines()}
    assert ids == {"wb:volodymyr-zelensky"}


def test_kb_search_marks_a_spacing_variant(tmp_path):
    db = tmp_path / "t.db"
    path = jsonl(tmp_path / "kb.jsonl", {"id": "geo:xiaomo", "name": "Xiaomo", "type": "PLACE"})
    assert run(db, "kb", "import", str(path)).exit_code == 0
    first_line = run(db, "kb", "search", "xiao mo").output.splitlines()[0]
    assert "geo:xiaomo" in first_line and first_line.endswith("(variant)")


def test_kb_search_says_when_nothing_is_a_confident_match(kb_db):
    result = run(kb_db, "kb", "search", "Khartoum")
    assert result.stderr.startswith("no confident match for 'Khartoum'")
    assert result.stdout.split()[1] == "wb:kharkiv"          # still listed, for a second look
    assert json.loads(run(kb_db, "kb", "search", "Khartoum", "--json").output)["confident"] is False
    assert json.loads(run(kb_db, "kb", "search", "Kyiv", "--json").output)["confident"] is True


@pytest.fixture
def places_db(tmp_path):
    from workbench.model import NewDocument

    db = tmp_path / "t.db"
    path = jsonl(tmp_path / "kb.jsonl",
                 {"id": "geo:engels", "name": "Engels", "aliases": ["Pokrovsk"], "prior": 196011,
                  "country": "RU", "region": "RU.67"},
                 {"id": "geo:pokrovsk", "name": "Pokrovsk", "prior": 60127, "country": "UA", "region": "UA.05"},
                 {"id": "geo:kramatorsk", "name": "Kramatorsk", "prior": 147145, "country": "UA",
                  "region": "UA.05"})
    assert run(db, "kb", "import", str(path)).exit_code == 0
    store = Store.open(db)
    store.add_documents([NewDocument("Strikes on Pokrovsk and Kramatorsk.", "Donbas", "d.txt")])
    store.close()
    return db


def test_kb_search_with_a_document_ranks_as_the_picker_would(places_db):
    def first(*options: str) -> str:
        return run(places_db, "kb", "search", "Pokrovsk", *options).stdout.split()[1]

    assert first() == "geo:engels"
    assert first("--document", "#1") == "geo:pokrovsk"


def test_kb_search_dash_takes_json_lines_with_a_document(places_db):
    lines = '{"q": "Pokrovsk", "document": 1}\nPokrovsk\n'
    result = run(places_db, "kb", "search", "-", "--limit", "1", input=lines)
    answers = [json.loads(line) for line in result.output.splitlines()]
    assert [(a["query"], a.get("document"), a["candidates"][0]["id"]) for a in answers] == [
        ("Pokrovsk", "#1", "geo:pokrovsk"), ("Pokrovsk", None, "geo:engels")]


def test_kb_search_dash_names_the_line_of_a_bad_json_query(places_db):
    result = run(places_db, "kb", "search", "-", input='Kyiv\n{"q": "Pokrovsk", "document": [1]}\n')
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == "error: <stdin>:2: document must be a string"
