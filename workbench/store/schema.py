"""The schema: every table, created and changed only by numbered migrations.

Tables by family, and the store module that owns each:
- `documents`, `labels`, `annotators`, `doc_status`: `store.documents`;
- `spans`, `events` (the append-only log that undo and redo rebuild from): `store.annotations`;
- `entities`, `aliases`, `alias_keys`, `alias_postings`, `alias_regions`, `alias_index_state`:
  `store.entities`;
- `suggestions`, `suggestion_rejections`: `store.suggestions`;
- `relations`, `relation_types`: `store.relations`;
- reading across them for exports, import and merge: `store.exchange`; for
  agreement and review into gold: `store.review`.
"""

from __future__ import annotations

from .sqlite_utils_lean import Database, Migrations

migrations = Migrations("workbench")


@migrations()
def m001_core(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE documents (
            uid TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            text TEXT NOT NULL,
            source TEXT NOT NULL,
            meta TEXT NOT NULL DEFAULT '{}',
            imported_at TEXT NOT NULL
        );
        CREATE TABLE labels (
            name TEXT PRIMARY KEY,
            key TEXT NOT NULL,
            colour TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            position INTEGER NOT NULL
        );
        CREATE TABLE annotators (
            name TEXT PRIMARY KEY,
            created_at TEXT NOT NULL
        );
        CREATE TABLE entities (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            type TEXT NOT NULL DEFAULT '',
            description TEXT NOT NULL DEFAULT '',
            prior REAL NOT NULL DEFAULT 0,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE aliases (
            entity_id TEXT NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
            alias TEXT NOT NULL,
            normalised TEXT NOT NULL,
            PRIMARY KEY (entity_id, alias)
        );
        CREATE INDEX aliases_normalised ON aliases(normalised);
        CREATE TABLE spans (
            id TEXT PRIMARY KEY,
            document TEXT NOT NULL REFERENCES documents(uid),
            annotator TEXT NOT NULL REFERENCES annotators(name),
            start INTEGER NOT NULL CHECK (start >= 0),
            "end" INTEGER NOT NULL,
            label TEXT NOT NULL REFERENCES labels(name),
            text TEXT NOT NULL,
            entity_id TEXT REFERENCES entities(id),
            nil INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            CHECK ("end" > start)
        );
        CREATE INDEX spans_document_annotator ON spans(document, annotator, start);
        CREATE TABLE doc_status (
            document TEXT NOT NULL REFERENCES documents(uid),
            annotator TEXT NOT NULL REFERENCES annotators(name),
            status TEXT NOT NULL CHECK (status IN ('new', 'in_progress', 'done', 'skipped')),
            seconds REAL NOT NULL DEFAULT 0,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (document, annotator)
        );
        CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            uid TEXT NOT NULL UNIQUE,
            at TEXT NOT NULL,
            annotator TEXT NOT NULL REFERENCES annotators(name),
            document TEXT NOT NULL REFERENCES documents(uid),
            action TEXT NOT NULL,
            span_id TEXT,
            target INTEGER REFERENCES events(id),
            before TEXT,
            after TEXT
        );
        CREATE INDEX events_annotator_document ON events(annotator, document, id);
        """
    )


@migrations()
def m002_provenance(db: Database) -> None:
    """Gold spans record which annotators' spans they came from."""
    db.execute("ALTER TABLE spans ADD COLUMN provenance TEXT NOT NULL DEFAULT '[]'")


@migrations()
def m003_entity_search(db: Database) -> None:
    """Aliases get ever-increasing ids, and a table of trigram posting lists.

    The search index is keyed by alias id and catches up with aliases whose id
    is above its high-water mark, so ids must never be reused (AUTOINCREMENT);
    VACUUM could renumber an implicit rowid, so the id is explicit.
    """
    for statement in (
        """CREATE TABLE aliases_new (
               id INTEGER PRIMARY KEY AUTOINCREMENT,
               entity_id TEXT NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
               alias TEXT NOT NULL,
               normalised TEXT NOT NULL,
               UNIQUE (entity_id, alias)
           )""",
        """INSERT INTO aliases_new (entity_id, alias, normalised)
           SELECT entity_id, alias, normalised FROM aliases ORDER BY rowid""",
        "DROP TABLE aliases",
        "ALTER TABLE aliases_new RENAME TO aliases",
        "CREATE INDEX aliases_normalised ON aliases(normalised)",
        """CREATE TABLE alias_postings (
               gram TEXT PRIMARY KEY,
               ids BLOB NOT NULL
           ) WITHOUT ROWID""",
        """CREATE TABLE alias_index_state (
               one INTEGER PRIMARY KEY CHECK (one = 1),
               indexed_up_to INTEGER NOT NULL,
               stale INTEGER NOT NULL
           )""",
        "INSERT INTO alias_index_state VALUES (1, 0, 0)",
    ):
        db.execute(statement)


@migrations()
def m004_export_order(db: Database) -> None:
    """Spans indexed in the order exports write them, so a streamed export never sorts.

    Its leading columns are those of the (document, annotator, start) index, which it replaces.
    """
    db.execute('CREATE INDEX spans_export_order ON spans(document, annotator, start, "end", label, id)')
    db.execute("DROP INDEX spans_document_annotator")


@migrations()
def m005_search_keys(db: Database) -> None:
    """The entity-search postings change format (spacing-free keys, trigram counts packed in).

    Old postings cannot be read the new way, so the index is emptied; the next search rebuilds it.
    """
    db.execute("DELETE FROM alias_postings")
    db.execute("UPDATE alias_index_state SET indexed_up_to = 0")


@migrations()
def m006_event_batches(db: Database) -> None:
    """Events written as one action (linking every mention of a name) share a batch uid,
    so one undo takes them all back."""
    db.execute("ALTER TABLE events ADD COLUMN batch TEXT")


@migrations()
def m007_entity_places(db: Database) -> None:
    """Entities say where they are (an ISO 3166 country, a first-level region, the id of a
    containing entity) and carry free tags, which ranking in context reads; and search keys
    now transliterate any script and keep doubled digits, so the index is emptied for the
    next search to rebuild."""
    for column, default in (("country", "''"), ("region", "''"), ("within", "''"), ("tags", "'[]'")):
        db.execute(f"ALTER TABLE entities ADD COLUMN {column} TEXT NOT NULL DEFAULT {default}")
    db.execute("DELETE FROM alias_postings")
    db.execute("UPDATE alias_index_state SET indexed_up_to = 0")


@migrations()
def m008_suggestions(db: Database) -> None:
    """Suggestions live apart from spans, so no export, report or review reads one by accident.

    A suggestion is unique per document, offsets, label and recommender, so
    computing them again adds nothing. A rejection names the offsets and label,
    not a suggestion row, so it outlives the suggestions being computed afresh.
    """
    db.executescript(
        """
        CREATE TABLE suggestions (
            id TEXT PRIMARY KEY,
            document TEXT NOT NULL REFERENCES documents(uid),
            start INTEGER NOT NULL CHECK (start >= 0),
            "end" INTEGER NOT NULL,
            label TEXT NOT NULL,
            text TEXT NOT NULL,
            entity_id TEXT,
            score REAL NOT NULL,
            recommender TEXT NOT NULL,
            created_at TEXT NOT NULL,
            CHECK ("end" > start),
            UNIQUE (document, start, "end", label, recommender)
        );
        CREATE INDEX suggestions_recommender ON suggestions(recommender);
        CREATE TABLE suggestion_rejections (
            document TEXT NOT NULL REFERENCES documents(uid),
            annotator TEXT NOT NULL REFERENCES annotators(name),
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            label TEXT NOT NULL,
            at TEXT NOT NULL,
            PRIMARY KEY (document, annotator, start, "end", label)
        );
        """
    )


@migrations()
def m009_relations(db: Database) -> None:
    """Relations join two spans of one document and annotator, head → tail, with a type.

    The types live beside the labels, each with the span labels its ends may have
    (JSON lists; empty admits any). A relation exists once per head, tail and type.
    Its events name it in `relation_id`, not `span_id`, so a span's history (which
    merge compares between copies) holds only the span's own changes.
    """
    db.executescript(
        """
        CREATE TABLE relation_types (
            name TEXT PRIMARY KEY,
            key TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            heads TEXT NOT NULL DEFAULT '[]',
            tails TEXT NOT NULL DEFAULT '[]',
            position INTEGER NOT NULL
        );
        CREATE TABLE relations (
            id TEXT PRIMARY KEY,
            document TEXT NOT NULL REFERENCES documents(uid),
            annotator TEXT NOT NULL REFERENCES annotators(name),
            head TEXT NOT NULL REFERENCES spans(id),
            tail TEXT NOT NULL REFERENCES spans(id),
            label TEXT NOT NULL REFERENCES relation_types(name),
            created_at TEXT NOT NULL,
            CHECK (head != tail),
            UNIQUE (head, tail, label)
        );
        CREATE INDEX relations_document_annotator ON relations(document, annotator);
        CREATE INDEX relations_tail ON relations(tail);
        ALTER TABLE events ADD COLUMN relation_id TEXT;
        """
    )


@migrations()
def m010_alias_keys(db: Database) -> None:
    """The entity-search postings list search keys, not aliases: a million aliases spell
    little over half a million keys, so a search counts half as many postings. Each key
    row holds the ids of the aliases that have it. The old postings mean alias ids, so
    the index is emptied; the next search rebuilds it. And the index lists each region's
    aliases with their search keys, which a search in context compares with the query in
    the regions its document names. `alias_index_state.stale`, unused so far, now counts
    the aliases appended since the index was last built whole, so that appends (which
    leave a re-imported alias's old id and a second row for a key it had) end in a
    rebuild however small each one is."""
    db.execute("""CREATE TABLE alias_keys (
                      id INTEGER PRIMARY KEY,
                      alias_ids BLOB NOT NULL
                  )""")
    db.execute("""CREATE TABLE alias_regions (
                      country TEXT NOT NULL,
                      region TEXT NOT NULL,
                      keys TEXT NOT NULL,
                      alias_ids BLOB NOT NULL,
                      PRIMARY KEY (country, region)
                  ) WITHOUT ROWID""")
    db.execute("DELETE FROM alias_postings")
    db.execute("UPDATE alias_index_state SET indexed_up_to = 0")


@migrations()
def m011_alias_region_groups(db: Database) -> None:
    """Each region lists a search key once, with the ids of all its aliases there that
    have it (`key_ends`: where each key's ids end), so a search in context compares a
    third fewer keys; California's 19,600 aliases spell 13,400 keys. The rows listed
    one key an alias, so the index is emptied; the next search rebuilds it."""
    db.execute("ALTER TABLE alias_regions ADD COLUMN key_ends BLOB NOT NULL DEFAULT x''")
    for table in ("alias_postings", "alias_keys", "alias_regions"):
        db.execute(f"DELETE FROM {table}")
    db.execute("UPDATE alias_index_state SET indexed_up_to = 0, stale = 0")


MIGRATION_NAMES = tuple(migration.name for migration in migrations._migrations)
SCHEMA_VERSION = len(MIGRATION_NAMES)


def schema_problems(db: Database) -> list[str]:
    """What is wrong with the database's schema version, as readable lines; empty when current."""
    applied = [migration.name for migration in migrations.applied(db)]
    unknown = [name for name in applied if name not in MIGRATION_NAMES]
    if unknown:
        return [f"schema: written by a newer workbench (unknown migrations: {', '.join(unknown)})"]
    missing = [name for name in MIGRATION_NAMES if name not in applied]
    if missing:
        return [f"schema: version {len(applied)}, expected {SCHEMA_VERSION} "
                f"(missing {', '.join(missing)}); run `workbench init` to upgrade"]
    return []
