"""Entities and the alias index: the knowledge base that mentions are linked to.

This is what `linking.AliasSource` asks of a store: exact, prefix and id
lookups of aliases, and the search index (`linking.index_aliases`): the
trigram postings of search keys, each key's aliases, and each region's
aliases with their keys.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

from ..collector import without_cyclic_gc
from ..errors import NotFound, WorkbenchError
from ..model import Entity, Event, Span, entity_id_problem
from .annotations import AnnotationTables
from .rows import ALIAS_COLUMNS, ENTITY_COLUMNS, entity_from_row, entity_values, now

# A knowledge-base import of at least this many aliases rebuilds the alias index instead of updating it.
BULK_ALIASES = 100_000

# A store that serves entity search reads its database through a memory map from then on:
# a search looks up a few hundred rows scattered over a knowledge base of hundreds of
# megabytes, and a mapped page costs no read call and copy. The pages it touches count in
# the process's RSS as file cache, which the kernel can drop; a process that never
# searches (an export) keeps plain reads, and its RSS measures its own memory.
SEARCH_MMAP_BYTES = 1 << 30


ENTITY_MADE = "entity"
"""The event of an entity made from a span: `after` holds its row and aliases."""


class EntityTables(AnnotationTables):
    """Entities and their aliases; and the one action that spans both families, making an
    entity from a span and linking the span to it."""

    def entity(self, entity_id: str) -> Entity:
        row = next(self.db.query("SELECT * FROM entities WHERE id = ?", [entity_id]), None)
        if row is None:
            raise NotFound(f"no entity {entity_id!r}")
        aliases = tuple(r["alias"] for r in self.db.query(
            "SELECT alias FROM aliases WHERE entity_id = ? ORDER BY rowid", [entity_id]))
        return entity_from_row(row, aliases)

    def entities(self, *, type: str | None = None, limit: int | None = None) -> list[Entity]:
        sql = "SELECT * FROM entities" + (" WHERE type = ?" if type else "") + " ORDER BY id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [entity_from_row(row, ()) for row in self.db.query(sql, [type] if type else [])]

    def entity_count(self) -> int:
        return next(self.db.query("SELECT count(*) AS n FROM entities"))["n"]

    # -- entity search ---------------------------------------------------------

    # Parameters one statement may take: SQLite's limit before 3.32, the lowest a build may have.
    _VARIABLES = 999

    def import_entities(self, entities: Sequence[Entity], normalise_alias, *,
                        batch: int = 20_000,
                        on_batch: Callable[[int], None] = lambda aliases: None) -> tuple[int, int]:
        """Insert or update entities and replace their aliases: one transaction, batched statements.

        Returns (entities written, aliases written); on_batch gets each batch's alias count.
        """
        for entity in entities:
            problem = entity_id_problem(entity.id)
            if problem:
                raise WorkbenchError(problem)
        stamp = now()
        entity_count = alias_count = 0
        conn = self.db.conn
        incoming = sum(len(entity.aliases) + 1 for entity in entities)
        # In id order, the (entity, alias) index grows at its end rather than everywhere.
        entities = sorted(entities, key=lambda entity: entity.id)
        # Millions of new rows would make the collector walk every object in the
        # process, again and again; none of them is garbage.
        with without_cyclic_gc(), self.transaction():
            # Sorting every alias once into a fresh index beats a million random inserts into it.
            rebuild_index = incoming >= BULK_ALIASES and incoming >= conn.execute(
                "SELECT count(*) FROM aliases").fetchone()[0]
            if rebuild_index:
                conn.execute("DROP INDEX aliases_normalised")
            for first in range(0, len(entities), batch):
                chunk = entities[first:first + batch]
                self._insert_rows(
                    _values_prefix("entities", ENTITY_COLUMNS),
                    [entity_values(e, stamp) for e in chunk],
                    """ON CONFLICT(id) DO UPDATE SET name = excluded.name, type = excluded.type,
                         description = excluded.description, prior = excluded.prior,
                         country = excluded.country, region = excluded.region,
                         within = excluded.within, tags = excluded.tags,
                         updated_at = excluded.updated_at""")
                ids = [e.id for e in chunk]
                for start in range(0, len(ids), self._VARIABLES):
                    part = ids[start:start + self._VARIABLES]
                    conn.execute(f"DELETE FROM aliases WHERE entity_id IN ({', '.join('?' * len(part))})",
                                 part)
                rows = [(e.id, name, normalise_alias(name))
                        for e in chunk for name in dict.fromkeys((e.name, *e.aliases)) if name]
                self._insert_rows(_values_prefix("aliases", ALIAS_COLUMNS, verb="INSERT OR IGNORE"), rows)
                entity_count += len(chunk)
                alias_count += len(rows)
                on_batch(len(rows))
            if rebuild_index:
                conn.execute("CREATE INDEX aliases_normalised ON aliases(normalised)")
        return entity_count, alias_count

    def _insert_rows(self, insert: str, rows: list[tuple], conflict: str = "") -> None:
        """`insert` ("INSERT ... VALUES") of every row, as many rows per statement as SQLite allows.

        A statement per row means a million statement runs for a large knowledge
        base; a few hundred rows per statement take half the time.
        """
        if not rows:
            return
        width = len(rows[0])
        per_statement = self._VARIABLES // width
        placeholders = f"({', '.join('?' * width)})"
        whole = len(rows) - len(rows) % per_statement
        values = list(chain.from_iterable(rows))
        step = per_statement * width
        if whole:
            statement = f"{insert} {', '.join([placeholders] * per_statement)} {conflict}"
            self.db.conn.executemany(statement, (values[start:start + step]
                                                 for start in range(0, whole * width, step)))
        if whole < len(rows):
            self.db.conn.execute(f"{insert} {', '.join([placeholders] * (len(rows) - whole))} {conflict}",
                                 values[whole * width:])

    def create_entity(self, name: str, type: str, aliases: Iterable[str] = (), *,
                      normalise_alias, description: str = "") -> Entity:
        """A new user-made entity with an id of the form wb:<slug>-<6 hex digits>."""
        name = name.strip()
        if not name:
            raise WorkbenchError("an entity needs a name")
        slug = "-".join("".join(ch if ch.isascii() and ch.isalnum() else " "
                                for ch in normalise_alias(name)).split())[:40].strip("-")
        entity = Entity(f"wb:{slug or 'entity'}-{uuid.uuid4().hex[:6]}", name, type.strip(),
                        description, 0.0, tuple(a.strip() for a in aliases if a.strip()))
        self.import_entities([entity], normalise_alias)
        return self.entity(entity.id)

    def link_to_new_entity(self, span_id: str, name: str, type: str, aliases: Iterable[str] = (), *,
                           normalise_alias, description: str = "") -> tuple[Entity, Span]:
        """Make an entity and link the span to it, as one action: one undo unlinks the span and
        removes the entity, unless something else links to it by then; redo brings back both."""
        batch = uuid.uuid4().hex
        with self.transaction():
            span = self.span(span_id)
            entity = self.create_entity(name, type, aliases, normalise_alias=normalise_alias,
                                        description=description)
            self._log(span.annotator, span.document, ENTITY_MADE, None, None, self._entity_record(entity.id),
                      batch=batch)
            linked = self._change(span_id, "link", batch=batch, entity_id=entity.id, nil=False)
        return entity, linked

    def _entity_record(self, entity_id: str) -> dict[str, Any]:
        """An entity's row and alias rows, all an event needs to put it back as it was."""
        row = next(self.db.query("SELECT * FROM entities WHERE id = ?", [entity_id]))
        aliases = [[alias["alias"], alias["normalised"]] for alias in self.db.query(
            "SELECT alias, normalised FROM aliases WHERE entity_id = ? ORDER BY id", [entity_id])]
        return {"entity": {column: row[column] for column in ENTITY_COLUMNS}, "aliases": aliases}

    def _replay_event(self, event: Event, old: dict | None, new: dict | None) -> None:
        if event.action != ENTITY_MADE:
            super()._replay_event(event, old, new)
        elif new is None:
            # Undone: the link to it was undone first (it comes later in the batch), so the
            # entity goes unless another span, or another annotator's, links to it meanwhile.
            entity_id = old["entity"]["id"]
            if next(self.db.query("SELECT 1 FROM spans WHERE entity_id = ? LIMIT 1", [entity_id]), None) is None:
                self.db.execute("DELETE FROM aliases WHERE entity_id = ?", [entity_id])
                self.db.execute("DELETE FROM entities WHERE id = ?", [entity_id])
        else:
            self._insert_rows(_values_prefix("entities", ENTITY_COLUMNS, verb="INSERT OR IGNORE"),
                              [tuple(new["entity"][column] for column in ENTITY_COLUMNS)])
            self._insert_rows(_values_prefix("aliases", ALIAS_COLUMNS, verb="INSERT OR IGNORE"),
                              [(new["entity"]["id"], alias, normalised) for alias, normalised in new["aliases"]])

    def entity_types(self) -> list[str]:
        return [row["type"] for row in self.db.query(
            "SELECT DISTINCT type FROM entities WHERE type != '' ORDER BY type")]

    _ALIAS_HIT = """SELECT a.entity_id, a.alias, a.normalised, e.name, e.type, e.description, e.prior,
                           e.country, e.region, e.within
                    FROM {source} JOIN entities e ON e.id = a.entity_id"""

    def aliases_equal(self, normalised: str, *, type: str | None = None) -> list[sqlite3.Row]:
        """Aliases whose normalised form is exactly `normalised`."""
        sql = self._ALIAS_HIT.format(source="aliases a") + " WHERE a.normalised = ?"
        return self._alias_rows(sql + (" AND e.type = ?" if type else ""),
                                [normalised, type] if type else [normalised])

    def aliases_with_prefix(self, prefix: str, *, type: str | None = None,
                            limit: int = 200) -> list[sqlite3.Row]:
        """Aliases whose normalised form starts with `prefix` (an index range, no scan)."""
        sql = (self._ALIAS_HIT.format(source="aliases a")
               + " WHERE a.normalised > ? AND a.normalised < ?"
               + (" AND e.type = ?" if type else "") + f" LIMIT {int(limit)}")
        params = [prefix, prefix + "\U0010ffff"] + ([type] if type else [])
        return self._alias_rows(sql, params)

    def aliases_by_ids(self, ids: Sequence[int], *, type: str | None = None) -> list[sqlite3.Row]:
        """Alias rows for these alias ids; ids of aliases deleted since they were indexed drop out."""
        if not ids:
            return []
        sql = (self._ALIAS_HIT.format(source="aliases a")
               + f" WHERE a.id IN ({','.join('?' * len(ids))})" + (" AND e.type = ?" if type else ""))
        return self._alias_rows(sql, [*ids, type] if type else list(ids))

    def alias_names_by_ids(self, ids: Sequence[int], *,
                           type: str | None = None) -> list[tuple[int, str, str]]:
        """(id, entity id, normalised alias) for these alias ids: a quarter of the cost of the
        whole rows, whose entity columns take a second lookup per row."""
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        if type:
            return self.db.conn.execute(
                f"""SELECT a.id, a.entity_id, a.normalised FROM aliases a JOIN entities e ON e.id = a.entity_id
                    WHERE a.id IN ({marks}) AND e.type = ?""", [*ids, type]).fetchall()
        return self.db.conn.execute(
            f"SELECT id, entity_id, normalised FROM aliases WHERE id IN ({marks})", list(ids)).fetchall()

    def _alias_rows(self, sql: str, params: list) -> list[sqlite3.Row]:
        # Rows made in C and read by column name: a search reads hundreds per keystroke,
        # and a dict built per row in Python took a fifth of its time.
        cursor = self.db.conn.cursor()
        cursor.row_factory = sqlite3.Row
        return cursor.execute(sql, params).fetchall()

    # A read-only store cannot write the index it brings up to date, so it keeps what it
    # built in memory for its own searches.
    _unsaved_index: _UnsavedIndex | None = None

    def places_of_aliases(self, normalised: Sequence[str]) -> list[tuple[str, str, str, float]]:
        """(normalised alias, country, region, prior) of every placed entity with one of these aliases."""
        found = self._rows_in("""SELECT DISTINCT a.normalised, e.id, e.country, e.region, e.prior
                                 FROM aliases a JOIN entities e ON e.id = a.entity_id
                                 WHERE a.normalised IN ({marks}) AND e.country != ''""",
                              list(dict.fromkeys(normalised)))
        # An entity with two aliases that normalise alike is one namesake, not two.
        return [(alias, country, region, prior) for alias, _, country, region, prior in found]

    def linked_places(self, document: str, annotator: str | None) -> list[tuple[str, str, str]]:
        """(span id, country, region) of each span in the document linked to a placed entity:
        the annotator's, or (None) everyone's."""
        return self.db.conn.execute(
            """SELECT s.id, e.country, e.region FROM spans s JOIN entities e ON e.id = s.entity_id
               WHERE s.document = ? AND (? IS NULL OR s.annotator = ?) AND e.country != ''""",
            [document, annotator, annotator]).fetchall()

    def alias_index_mark(self) -> tuple[int, int, int]:
        """(the highest alias id in the search index, the highest alias id there is, how many
        aliases were appended to the index since it was last built whole)."""
        indexed, appended = self.db.conn.execute("SELECT indexed_up_to, stale FROM alias_index_state").fetchone()
        if self._unsaved_index is not None:
            indexed = self._unsaved_index.up_to
        newest = self.db.conn.execute("SELECT coalesce(max(id), 0) FROM aliases").fetchone()[0]
        return indexed, newest, appended

    def alias_key_count(self) -> int:
        """How many key rows the index holds (the highest key id: ids are dense from 1); a key
        appended after the index was built may have a second row until it is rebuilt."""
        unsaved = self._unsaved_index
        stored = 0 if unsaved is not None and unsaved.replaces else self.db.conn.execute(
            "SELECT coalesce(max(id), 0) FROM alias_keys").fetchone()[0]
        return max(stored, max(unsaved.keys, default=0) if unsaved is not None else 0)

    def normalised_aliases_since(self, after_id: int) -> list[tuple[int, str, str]]:
        """(id, normalised alias, entity id) of every alias with an id above `after_id`,
        in the order of the table."""
        # Plain tuples: a dict per row costs seconds on a million aliases.
        return self.db.conn.execute("SELECT id, normalised, entity_id FROM aliases WHERE id > ?",
                                    [after_id]).fetchall()

    def entity_places(self, entity_ids: Sequence[str] | None = None) -> dict[str, tuple[str, str]]:
        """(country, region) of each of these entities that has a country; of every one, for None."""
        if entity_ids is None:
            return {entity_id: (country, region) for entity_id, country, region in self.db.conn.execute(
                "SELECT id, country, region FROM entities WHERE country != ''")}
        return {entity_id: (country, region) for entity_id, country, region in self._rows_in(
            "SELECT id, country, region FROM entities WHERE country != '' AND id IN ({marks})",
            list(dict.fromkeys(entity_ids)))}

    def postings(self, grams: Iterable[str]) -> dict[str, bytes]:
        return self._index_rows("alias_postings", "gram", "ids", list(grams), "postings")

    def alias_ids_of_keys(self, key_ids: Sequence[int]) -> dict[int, bytes]:
        """The packed alias ids (`linking.index_aliases`) of each of these search keys."""
        return self._index_rows("alias_keys", "id", "alias_ids", key_ids, "keys")

    def _index_rows(self, table: str, key: str, value: str, wanted: Sequence, unsaved_part: str) -> dict:
        """The wanted rows of an index table, with those a read-only store built in memory
        (`unsaved_part` of its `_UnsavedIndex`) over them."""
        unsaved = self._unsaved_index
        found = {} if unsaved is not None and unsaved.replaces else self._stored(table, key, value, wanted)
        if unsaved is not None:
            added = getattr(unsaved, unsaved_part)
            found.update((item, added[item]) for item in wanted if item in added)
        return found

    def alias_regions(self, places: Sequence[tuple[str, str]]) -> dict[tuple[str, str], tuple[str, bytes, bytes]]:
        """The aliases of each of these (country, region) pairs, grouped by search key
        (`linking.index_aliases`; a key appended again is listed again until the index is
        rebuilt): keys one a line, packed alias ids, and where each key's ids end."""
        unsaved = self._unsaved_index
        found: dict[tuple[str, str], tuple[str, bytes, bytes]] = {}
        if unsaved is None or not unsaved.replaces:
            for country, region in places:
                found.update(((country, region), tuple(row)) for row in self.db.conn.execute(
                    "SELECT keys, alias_ids, key_ends FROM alias_regions WHERE country = ? AND region = ?",
                    [country, region]))
        if unsaved is not None:
            found.update((place, unsaved.regions[place]) for place in places if place in unsaved.regions)
        return found

    def posting_sizes(self) -> dict[str, int]:
        """How many postings each trigram has: which lists a search reads, and how rare a word is.

        An entity search asks once, before its first lookup, so from here on the
        database is read through a memory map (SEARCH_MMAP_BYTES)."""
        self.db.conn.execute(f"PRAGMA mmap_size = {SEARCH_MMAP_BYTES}")
        unsaved = self._unsaved_index
        if unsaved is None:
            return self._stored_posting_sizes()
        sizes = {} if unsaved.replaces else self._stored_posting_sizes()
        # A kept list holds the stored postings of its gram as well as the new ones.
        sizes.update((gram, len(ids) // 8) for gram, ids in unsaved.postings.items())
        return sizes

    def _stored_posting_sizes(self) -> dict[str, int]:
        # length() of a blob reads its size from the record header, not the blob.
        return dict(self.db.conn.execute("SELECT gram, length(ids) / 8 FROM alias_postings"))

    def _stored(self, table: str, key: str, value: str, wanted: Sequence) -> dict:
        return dict(self._rows_in(f"SELECT {key}, {value} FROM {table} WHERE {key} IN ({{marks}})", wanted))

    def _rows_in(self, sql: str, values: Sequence) -> Iterator[tuple]:
        """The rows of `sql` whose IN list `{marks}` holds `values`: in as many statements as
        SQLite's limit on variables asks, each read as the rows are."""
        parts = [values[start:start + self._VARIABLES] for start in range(0, len(values), self._VARIABLES)]
        return chain.from_iterable(self.db.conn.execute(sql.format(marks=",".join("?" * len(part))), part)
                                   for part in parts)

    def write_alias_index(self, postings: dict[str, bytes], keys: dict[int, bytes],
                          regions: dict[tuple[str, str], tuple[str, bytes, bytes]], *, after_id: int,
                          up_to: int, replace: bool) -> bool:
        """Replace the search index, or add to it the aliases above `after_id`: `keys` are new
        key rows (key id → packed alias ids), `postings` their trigram postings, and `regions`
        the rows of the (country, region) pairs they fall in, whole: each replaces the
        row of its region (`EntitySearch.refresh` joins new aliases onto a region's row).

        Returns False, writing nothing, when another process moved the index on meanwhile.
        A read-only store keeps the index in memory instead.
        """
        if self.readonly:
            existing = {} if replace else self.postings(postings)
            kept = self._unsaved_index
            if replace or kept is None:
                kept = self._unsaved_index = _UnsavedIndex(up_to, {}, {}, {}, replaces=replace)
            kept.postings.update((gram, existing.get(gram, b"") + ids) for gram, ids in postings.items())
            kept.keys.update(keys)
            kept.regions.update(regions)
            kept.up_to = up_to
            return True
        with self.transaction():
            current = next(self.db.query("SELECT indexed_up_to FROM alias_index_state"))["indexed_up_to"]
            if current != after_id:
                return False
            # In key order, so the table's B-tree fills page after page instead of
            # splitting pages all over: twice as fast for a large index.
            if replace:
                for table in ("alias_postings", "alias_keys", "alias_regions"):
                    self.db.execute(f"DELETE FROM {table}")
                self.db.conn.executemany("INSERT INTO alias_postings (gram, ids) VALUES (?, ?)",
                                         sorted(postings.items()))
            else:
                # Concatenated here: SQL's || would turn the blobs into text.
                existing = self.postings(postings)
                self.db.conn.executemany(
                    "INSERT OR REPLACE INTO alias_postings (gram, ids) VALUES (?, ?)",
                    sorted((gram, existing.get(gram, b"") + ids) for gram, ids in postings.items()))
            self.db.conn.executemany(
                "INSERT OR REPLACE INTO alias_regions (country, region, keys, alias_ids, key_ends) "
                "VALUES (?, ?, ?, ?, ?)", sorted((*place, *row) for place, row in regions.items()))
            self.db.conn.executemany("INSERT INTO alias_keys (id, alias_ids) VALUES (?, ?)",
                                     sorted(keys.items()))
            if replace:
                self.db.execute("UPDATE alias_index_state SET indexed_up_to = ?, stale = 0", [up_to])
            else:
                self.db.execute("UPDATE alias_index_state SET indexed_up_to = ?, stale = stale + ?",
                                [up_to, sum(len(ids) // 8 for ids in keys.values())])
        return True

    def export_entities(self) -> Iterator[Entity]:
        """Every entity by id with its aliases (its own name left out), streamed."""
        rows = self.db.query(
            """SELECT e.*, a.alias FROM entities e LEFT JOIN aliases a ON a.entity_id = e.id
               ORDER BY e.id, a.id""")
        current: dict[str, Any] | None = None
        aliases: list[str] = []
        for row in rows:
            if current is not None and row["id"] != current["id"]:
                yield entity_from_row(current, tuple(aliases))
                aliases = []
            current = row
            if row["alias"] is not None and row["alias"] != row["name"]:
                aliases.append(row["alias"])
        if current is not None:
            yield entity_from_row(current, tuple(aliases))


@dataclass(slots=True)
class _UnsavedIndex:
    """The search index a read-only store brought up to date in memory: indexed up to
    `up_to`, with these postings, key rows and region rows, which replace the stored
    index or add to it."""

    up_to: int
    postings: dict[str, bytes]
    keys: dict[int, bytes]
    regions: dict[tuple[str, str], tuple[str, bytes, bytes]]
    replaces: bool


def _values_prefix(table: str, columns: Sequence[str], *, verb: str = "INSERT") -> str:
    """`verb INTO table (columns) VALUES`, for statements that carry many rows."""
    return f"{verb} INTO {table} ({', '.join(columns)}) VALUES"
