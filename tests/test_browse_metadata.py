"""The database in Datasette, with the metadata `python -m workbench.browse` writes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

datasette_app = pytest.importorskip("datasette.app")

from export_fixture import build  # noqa: E402
from workbench.browse import INTERNAL, TABLES  # noqa: E402


@pytest.fixture
def database(store, tmp_path):
    build(store)
    return store.path


def metadata_for(database) -> dict:
    result = subprocess.run([sys.executable, "-m", "workbench", "--db", str(database), "browse-metadata"],
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


async def test_datasette_hides_the_internal_tables_and_describes_the_rest(database):
    metadata = metadata_for(database)
    app = datasette_app.Datasette([database], metadata=metadata)
    await app.invoke_startup()
    listing = (await app.client.get("/annotations.json")).json()
    hidden = {table["name"] for table in listing["tables"] if table["hidden"]}
    shown = {table["name"] for table in listing["tables"] if not table["hidden"]}
    assert set(INTERNAL) - {"sqlite_sequence"} <= hidden
    assert shown == set(TABLES)
    page = (await app.client.get("/annotations/spans")).text
    assert "(NIL)" in page and "covered text" in page
    # Foreign keys show the document's title, facets are ready.
    rows = (await app.client.get("/annotations/spans.json?_labels=on&_facet=label")).json()
    assert {row["document"]["label"] for row in rows["rows"]} == {"Bakhmut losses", "Kyiv blackouts"}
    assert {facet["value"] for facet in rows["facet_results"]["label"]["results"]} == {"claim", "figure", "source"}


def test_every_column_of_every_shown_table_is_described(store):
    for table, described in TABLES.items():
        columns = {column.name for column in store.db[table].columns}
        assert set(described["columns"]) == columns, table


def test_metadata_is_keyed_by_the_databases_file_name(tmp_path):
    metadata = metadata_for(str(tmp_path / "team-monday.db"))
    assert list(metadata["databases"]) == ["team-monday"]
