"""Merging another copy of a workbench database into this one.

Rows are matched by keys that are the same in every copy: documents by their
content hash, spans by their uuid, events by their uid, annotators by name.
Whether a span differing between the copies changed here or there is read off
the event logs: if one copy's events for the span are a prefix of the other's,
the longer history is the newer state and wins. When both copies changed the
same span (or the same document's status) independently, that is a conflict:
it is reported, this copy keeps its version, and the other copy's events for
it are not brought in. Merging the same copy twice changes nothing.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import WorkbenchError
from .model import Relation, Span
from .store import Store
from .store.rows import relation_from_row, span_from_row
from .text import content_hash, counted

SAME, KEEP, TAKE, CONFLICT = "same", "keep", "take", "conflict"


@dataclass
class MergeReport:
    other: str
    added: dict[str, int] = field(default_factory=dict)
    spans_updated: int = 0
    spans_removed: int = 0
    relations_removed: int = 0
    statuses_updated: int = 0
    seconds_added: float = 0.0
    conflicts: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(sum(self.added.values()) or self.spans_updated or self.spans_removed
                    or self.relations_removed or self.statuses_updated)

    def summary(self) -> str:
        added = ", ".join(_counted_rows(count, table) for table, count in self.added.items() if count)
        parts = [f"added {added}" if added else "nothing new to add"]
        if self.spans_updated or self.spans_removed:
            parts.append(f"{counted(self.spans_updated, 'span')} updated, {self.spans_removed} removed")
        if self.relations_removed:
            parts.append(f"{counted(self.relations_removed, 'relation')} removed")
        if self.statuses_updated:
            parts.append(f"{counted(self.statuses_updated, 'status', 'statuses')} updated")
        if self.seconds_added:
            parts.append(f"{self.seconds_added / 60:.1f} minutes of annotation time added")
        parts.append(counted(len(self.conflicts), "conflict"))
        return f"merged {self.other}: " + "; ".join(parts)


def resolve(ours: Any, theirs: Any, our_history: list[str], their_history: list[str]) -> str:
    """Which side's state stands, given each side's event uids for the item.

    A history that is a prefix of the other's is older. With equal histories,
    a state missing on one side (None) is simply new on the other.
    """
    if ours == theirs:
        return SAME
    if our_history == their_history:
        if ours is None:
            return TAKE
        if theirs is None:
            return KEEP
        return CONFLICT
    if their_history == our_history[: len(their_history)]:
        return KEEP
    if our_history == their_history[: len(our_history)]:
        return TAKE
    return CONFLICT


def diverged(our_history: list[str], their_history: list[str]) -> bool:
    """Neither history is a prefix of the other: each copy did something on its own."""
    shorter = min(len(our_history), len(their_history))
    return our_history[:shorter] != their_history[:shorter]


def merge(store: Store, other_path: str | os.PathLike[str]) -> MergeReport:
    """Bring everything from the database at `other_path` into `store`, in one transaction."""
    other_path = Path(other_path)
    if not other_path.is_file():
        raise WorkbenchError(f"{other_path}: no such database file")
    if store.path != ":memory:" and other_path.resolve() == Path(store.path).resolve():
        raise WorkbenchError(f"{other_path}: cannot merge a database into itself")
    other = Store.open(other_path, readonly=True)
    try:
        if other.schema_version() != store.schema_version():
            raise WorkbenchError(
                f"{other_path}: schema version {other.schema_version()}, this database has "
                f"{store.schema_version()}; run `workbench --db PATH init` on the older one first")
        with store.transaction():
            return _merge(store, other, MergeReport(str(other_path)))
    finally:
        other.close()


def _merge(store: Store, other: Store, report: MergeReport) -> MergeReport:
    report.added["labels"] = store.insert_missing("labels", other.rows("labels"))
    report.added["relation types"] = store.insert_missing("relation_types", other.rows("relation_types"))
    report.added["annotators"] = store.insert_missing("annotators", other.rows("annotators"))
    report.added["documents"] = store.insert_missing("documents", _documents(store, other, report))
    known_entities = {entity["id"] for entity in store.rows("entities")}
    report.added["entities"] = store.insert_missing("entities", other.rows("entities"))
    store.insert_missing("aliases", (
        {"entity_id": row["entity_id"], "alias": row["alias"], "normalised": row["normalised"]}
        for row in other.rows("aliases") if row["entity_id"] not in known_entities))

    present = set(store.document_uids())
    # Suggestions are keyed by what they propose and rejections by annotator and place, so
    # both copies' sets simply join: an annotator's rejection holds in every copy.
    for table in ("suggestions", "suggestion_rejections"):
        report.added[table.replace("_", " ")] = store.insert_missing(
            table, (row for row in other.rows(table) if row["document"] in present))
    their_events = [event for event in other.rows("events") if event["document"] in present]
    our_events = list(store.rows("events"))
    our_seconds = {(row["document"], row["annotator"]): row["seconds"] for row in store.rows("doc_status")}
    skipped = _merge_spans(store, other, present, our_events, their_events, report)
    skipped |= _merge_relations(store, other, present, our_events, their_events, report)
    skipped |= _merge_statuses(store, other, present, our_events, their_events, report)
    _merge_time(store, other, present, our_seconds, our_events, their_events, report)

    uid_of = {event["id"]: event["uid"] for event in their_events}
    report.added["events"] = store.insert_events(
        {**event, "target_uid": uid_of.get(event["target"])}
        for event in their_events if event["uid"] not in skipped)
    return report


def _documents(store: Store, other: Store, report: MergeReport):
    """Their documents, except any whose text does not match its content-hash uid."""
    ours = {row["uid"] for row in store.rows("documents")}
    for row in other.rows("documents"):
        if content_hash(row["text"]) != row["uid"]:
            report.conflicts.append(f"document {row['uid']}: its text does not match its id there; "
                                    "not brought in")
        elif row["uid"] in ours and store.text(row["uid"]) != row["text"]:
            report.conflicts.append(f"document {row['uid']}: the text differs between the copies")
        else:
            yield row


def _histories(events: list[dict], key: str) -> dict[str, list[str]]:
    """Event uids per span (`key` "span_id") or per relation ("relation_id"), in log order."""
    histories: dict[str, list[str]] = defaultdict(list)
    for event in events:
        if event.get(key):
            histories[event[key]].append(event["uid"])
    return histories


def _merge_spans(store: Store, other: Store, present: set[str], our_events: list[dict],
                 their_events: list[dict], report: MergeReport) -> set[str]:
    """Apply newer span states from the other copy; the event uids not to bring in."""
    ours = {row["id"]: span_from_row(row) for row in store.rows("spans")}
    theirs = {row["id"]: span_from_row(row) for row in other.rows("spans") if row["document"] in present}
    our_history, their_history = _histories(our_events, "span_id"), _histories(their_events, "span_id")
    # The relations the other copy ever had: one of ours it never saw was made here since the copies parted.
    related_there = ({row["id"] for row in other.rows("relations")}
                     | {event["relation_id"] for event in their_events if event.get("relation_id")})
    skipped: set[str] = set()
    added = 0
    for span_id in sorted(set(theirs) | set(their_history)):
        mine, their = ours.get(span_id), theirs.get(span_id)
        history, other_history = our_history.get(span_id, []), their_history.get(span_id, [])
        decision = resolve(mine, their, history, other_history)
        if decision == TAKE and mine is not None and their is None:
            related_here = [relation for relation in store.relations_of_span(span_id)
                            if relation.id not in related_there]
            if related_here:
                # Taking the deletion would silently delete work done here: a conflict, as a change would be.
                report.conflicts.append(
                    f"span {span_id} ({mine.annotator}, document {mine.document}) was deleted there but "
                    f"related here since ({len(related_here)} relation(s)); kept here")
                skipped.update(other_history)
                continue
        if decision == CONFLICT or diverged(history, other_history):
            skipped.update(other_history)
        if decision == TAKE:
            try:
                store.take_span_from_copy(span_id, their)
            except WorkbenchError as error:
                report.conflicts.append(f"span {span_id}: not brought in ({error})")
                skipped.update(other_history)
                continue
            if mine is None:
                added += 1
            elif their is None:
                report.spans_removed += 1
            else:
                report.spans_updated += 1
        elif decision == CONFLICT:
            report.conflicts.append(_span_conflict(span_id, mine, their))
    report.added["spans"] = added
    return skipped


def _merge_relations(store: Store, other: Store, present: set[str], our_events: list[dict],
                     their_events: list[dict], report: MergeReport) -> set[str]:
    """Apply the other copy's relations made or removed since the copies parted, once their spans
    are merged; the event uids not to bring in. A relation is made and removed, never changed."""
    ours = {row["id"]: relation_from_row(row) for row in store.rows("relations")}
    theirs = {row["id"]: relation_from_row(row) for row in other.rows("relations") if row["document"] in present}
    our_history = _histories(our_events, "relation_id")
    their_history = _histories(their_events, "relation_id")
    skipped: set[str] = set()
    added = 0
    for relation_id in sorted(set(theirs) | set(their_history)):
        mine, their = ours.get(relation_id), theirs.get(relation_id)
        history, other_history = our_history.get(relation_id, []), their_history.get(relation_id, [])
        decision = resolve(mine, their, history, other_history)
        if decision == CONFLICT or diverged(history, other_history):
            skipped.update(other_history)
        if decision == CONFLICT:
            report.conflicts.append(_relation_conflict(mine or their))
        if decision != TAKE:
            continue
        try:
            store.take_relation_from_copy(their or mine, present=their is not None)
        except WorkbenchError as error:
            report.conflicts.append(f"relation {relation_id}: not brought in ({error})")
            skipped.update(other_history)
            continue
        if their is None:
            report.relations_removed += 1
        else:
            added += 1
    report.added["relations"] = added
    return skipped


def _relation_conflict(relation: Relation) -> str:
    return (f"relation {relation.id} ({relation.annotator}, document {relation.document}) was made in one "
            "copy and removed in the other independently; kept as it is here")


def _span_conflict(span_id: str, mine: Span | None, their: Span | None) -> str:
    def state(span: Span | None) -> str:
        if span is None:
            return "deleted"
        link = f", linked to {span.link_key}" if span.link_key else ""
        return f"{span.label} {span.start}-{span.end} {span.text!r}{link}"

    some = mine or their
    return (f"span {span_id} ({some.annotator}, document {some.document}) changed in both copies: "
            f"here {state(mine)}, there {state(their)}; kept here")


def _merge_statuses(store: Store, other: Store, present: set[str], our_events: list[dict],
                    their_events: list[dict], report: MergeReport) -> set[str]:
    def histories(events: list[dict]) -> dict[tuple[str, str], list[str]]:
        found: dict[tuple[str, str], list[str]] = defaultdict(list)
        for event in events:
            if event["action"] == "status":
                found[(event["document"], event["annotator"])].append(event["uid"])
        return found

    ours = {(row["document"], row["annotator"]): row for row in store.rows("doc_status")}
    our_history, their_history = histories(our_events), histories(their_events)
    skipped: set[str] = set()
    for row in other.rows("doc_status"):
        key = (row["document"], row["annotator"])
        if key[0] not in present:
            continue
        mine = ours.get(key)
        history, other_history = our_history.get(key, []), their_history.get(key, [])
        decision = resolve(mine and mine["status"], row["status"], history, other_history)
        if decision == CONFLICT or diverged(history, other_history):
            skipped.update(other_history)
        if decision == TAKE:
            store.take_status_from_copy(row)
            report.statuses_updated += 1
        elif decision == CONFLICT:
            report.conflicts.append(
                f"status of document {key[0]} for {key[1]}: here {mine['status']}, "
                f"there {row['status']}; kept here")
    return skipped


def _merge_time(store: Store, other: Store, present: set[str], ours: dict[tuple[str, str], float],
                our_events: list[dict], their_events: list[dict], report: MergeReport) -> None:
    """Add the other copy's working time that this copy has not counted yet.

    Time is logged in `time` events, one per flush: the other copy's events this
    copy lacks are work done there, and are added here. Time from before it was
    logged (a status row's seconds beyond its events) cannot be told apart, so of
    the two copies' unlogged time, the larger counts. A status row new here came
    with all of its time already. `ours` is this copy's time before the merge.
    """
    def logged(events: list[dict]) -> dict[tuple[str, str], float]:
        found: dict[tuple[str, str], float] = defaultdict(float)
        for event in events:
            if event["action"] == "time":
                found[(event["document"], event["annotator"])] += json.loads(event["after"])["seconds"]
        return found

    our_uids = {event["uid"] for event in our_events}
    new_there = logged([event for event in their_events if event["uid"] not in our_uids])
    logged_here, logged_there = logged(our_events), logged(their_events)
    for row in other.rows("doc_status"):
        key = (row["document"], row["annotator"])
        if key[0] not in present or key not in ours:
            continue
        unlogged_here = ours[key] - logged_here.get(key, 0.0)
        unlogged_there = row["seconds"] - logged_there.get(key, 0.0)
        extra = new_there.get(key, 0.0) + max(0.0, unlogged_there - unlogged_here)
        if extra > 1e-9:
            store.add_merged_seconds(*key, extra)
            report.seconds_added += extra


def _counted_rows(count: int, table: str) -> str:
    """'1 document', '3 entities', '1 suggestion rejection': a table name made singular for one."""
    singular = table[:-3] + "y" if table.endswith("ies") else table.removesuffix("s")
    return counted(count, singular, table)
