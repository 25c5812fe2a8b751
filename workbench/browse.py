"""Datasette metadata that explains the database: what each table and column holds,
which tables are internal, and how to read the JSON columns and NIL.

    workbench browse-metadata > metadata.json        (or: python -m workbench.browse annotations.db)
    datasette annotations.db -m metadata.json

Datasette keys metadata by the database's name (its file name without the
suffix), so the metadata is made for a given file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

NIL = ("nil is 1 when the annotator decided that no entity in the knowledge base fits "
       "(NIL); entity_id is then empty. A span with neither is simply not linked yet.")

TABLES: dict[str, dict[str, Any]] = {
    "documents": {
        "description": "The articles, one row per text. Text is NFC with \\n newlines; every offset "
                       "elsewhere counts Unicode code points into it.",
        "label_column": "title",
        "columns": {
            "uid": "The content hash of the text (first 20 hex digits of its SHA-256): the same "
                   "text has the same uid in every copy of the database.",
            "title": "The first non-blank line, or the title the import gave.",
            "text": "The article as annotated.",
            "source": "Where it was imported from: the path as given (relative to the working "
                      "directory of the import), file:line for a JSONL line, or the line's id.",
            "meta": "JSON object: whatever the imported line carried under \"meta\".",
            "imported_at": "UTC, ISO 8601.",
        },
    },
    "spans": {
        "description": "Every annotator's spans, gold included (annotator \"gold\"). " + NIL,
        "label_column": "text",
        "facets": ["label", "annotator"],
        "columns": {
            "id": "Stable span id (uuid4 hex), kept by export and import.",
            "document": "The document's uid.",
            "annotator": "Who made the span; \"gold\" is the adjudicated version.",
            "start": "First character, in code points into the document's text.",
            "end": "One past the last character (end exclusive).",
            "label": "The label's name.",
            "text": "The covered text, text[start:end] of the document; every write checks it.",
            "entity_id": "The linked entity, or empty when unlinked or NIL.",
            "nil": "1: marked NIL, no entity in the knowledge base fits; 0: linked or not yet linked.",
            "provenance": "JSON list: for a gold span, the annotators whose version it is, or "
                          "\"reviewer\"; [] for other spans.",
            "created_at": "UTC, ISO 8601.",
            "updated_at": "UTC, ISO 8601.",
        },
    },
    "doc_status": {
        "description": "Each annotator's progress on each document.",
        "facets": ["status", "annotator"],
        "columns": {
            "document": "The document's uid.",
            "annotator": "The annotator's name.",
            "status": "new, in_progress, done or skipped; exports take done unless told otherwise.",
            "seconds": "Active time on the document; a pause counts at most a minute.",
            "updated_at": "UTC, ISO 8601.",
        },
    },
    "events": {
        "description": "The append-only log of every action taken in the annotate and review "
                       "screens, written in the same transaction as the change. Importing a "
                       "native JSONL file writes no events for the spans it brings in: the log "
                       "starts at the import, so replaying it gives the spans made since, not the "
                       "imported ones. Merging brings the other copy's events with its spans.",
        "facets": ["action", "annotator"],
        "columns": {
            "id": "Order of the actions.",
            "uid": "Unique across copies of the database, so merging twice adds nothing.",
            "at": "UTC, ISO 8601.",
            "annotator": "Who acted.",
            "document": "The document's uid.",
            "action": "add, delete, relabel, resize, link, relate or unrelate (undoable); undo and "
                      "redo; status (a document's status changed); reject (a version rejected in "
                      "review); time (active seconds saved); open and leave (a document opened and "
                      "left on screen, never undone).",
            "span_id": "The span acted on; empty for status, time, open and leave.",
            "target": "For undo and redo: the event undone or redone.",
            "before": "JSON object: the span (or for status, the status) before the action; "
                      "null for add.",
            "after": "JSON object: the span (or status) after it; null for delete and reject; "
                     "for leave, the cursor offset the document reopens at.",
            "batch": "Events that were one action (linking every mention of a name) share it; "
                     "one undo takes them all back.",
            "relation_id": "For relate and unrelate (a relation made or removed): the relation; "
                           "span_id is then empty.",
        },
    },
    "entities": {
        "description": "The knowledge base the spans link to.",
        "label_column": "name",
        "facets": ["type", "country"],
        "columns": {
            "id": "The id the knowledge base gave, or wb:<slug>-<random> for one made here.",
            "name": "The entity's name.",
            "type": "PERSON, ORG, PLACE, ... as the knowledge base says.",
            "description": "One line that tells namesakes apart.",
            "prior": "How likely the entity is, 0 to 1; ranks candidates in the link picker.",
            "updated_at": "UTC, ISO 8601.",
            "country": "Where a place is: its ISO 3166 two-letter country code, or empty.",
            "region": "The first-level division it lies in, such as GeoNames' UA.14, or empty.",
            "within": "The id of the entity that contains it, or empty.",
            "tags": "Free labels from the knowledge base, a JSON list of strings.",
        },
    },
    "aliases": {
        "description": "Other names of each entity, as the link picker searches them.",
        "columns": {
            "id": "Never reused, so the search index can catch up by id.",
            "entity_id": "The entity.",
            "alias": "The name as given.",
            "normalised": "The name folded for search (case, accents, punctuation).",
        },
    },
    "labels": {
        "description": "The label set, in the order of its keys.",
        "label_column": "name",
        "columns": {
            "name": "The label's name.",
            "key": "The key that tags a selection with it.",
            "colour": "Its colour on screen.",
            "description": "What it marks.",
            "position": "Its place in the list.",
        },
    },
    "annotators": {
        "description": "Everyone who has worked on the database; \"gold\" is the adjudicated version.",
        "label_column": "name",
        "columns": {"name": "The annotator's name.", "created_at": "UTC, ISO 8601."},
    },
    "suggestions": {
        "description": "Spans a recommender proposes. Not annotations: no export, report or review reads "
                       "them unless asked; accepting one makes a span of the annotator's.",
        "facets": ["recommender", "label"],
        "columns": {
            "id": "The suggestion's id.",
            "document": "The document it is in.",
            "start": "First character, a code point offset into the document's text.",
            "end": "One past the last character.",
            "label": "The label it proposes.",
            "text": "The covered text, document.text[start:end].",
            "entity_id": "The entity it proposes to link, or null.",
            "score": "How sure the recommender is, 0 to 1.",
            "recommender": "What made it: figures, sources, mentions, decisions, or the name an import gave.",
            "created_at": "UTC, ISO 8601.",
        },
    },
    "suggestion_rejections": {
        "description": "Suggestions an annotator rejected, by offsets and label: never shown to them again.",
        "columns": {
            "document": "The document.", "annotator": "Who rejected it.",
            "start": "First character.", "end": "One past the last character.",
            "label": "The label that was proposed.", "at": "UTC, ISO 8601.",
        },
    },
    "relations": {
        "description": "Relations between two spans of one document and annotator, head → tail: "
                       "attributed_to joins a claim to its source.",
        "facets": ["label", "annotator"],
        "columns": {
            "id": "The relation's id.",
            "document": "The document both spans are in.",
            "annotator": "Whose spans they are (gold included).",
            "head": "The span it starts from (spans.id): for attributed_to, the claim.",
            "tail": "The span it points at (spans.id): for attributed_to, the source.",
            "label": "Its type, one of relation_types.",
            "created_at": "UTC, ISO 8601.",
        },
    },
    "relation_types": {
        "description": "The relation types of the label set, and which span labels each end may have.",
        "label_column": "name",
        "columns": {
            "name": "The type's name.",
            "key": "The key that picks it when a relation is made.",
            "description": "What it means.",
            "heads": "JSON list of the labels the head may have; empty: any.",
            "tails": "JSON list of the labels the tail may have; empty: any.",
            "position": "Its place in the list.",
        },
    },
}
# The entity-search index and the schema's own bookkeeping: nothing a reader needs.
INTERNAL = ("alias_keys", "alias_postings", "alias_regions", "alias_index_state", "_sqlite_migrations",
            "sqlite_sequence")


def metadata(database: str) -> dict[str, Any]:
    """Datasette metadata for the database named `database` (its file name without suffix)."""
    tables: dict[str, Any] = {name: dict(table) for name, table in TABLES.items()}
    tables.update({name: {"hidden": True} for name in INTERNAL})
    return {
        "title": "workbench annotations",
        "description": "Articles, the spans annotators marked in them, their links to a knowledge "
                       "base, and the log of every action. Offsets are code points, end exclusive.",
        "databases": {database: {"tables": tables}},
    }


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m workbench.browse DATABASE.db > metadata.json", file=sys.stderr)
        return 2
    print(json.dumps(metadata(Path(argv[0]).stem), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
