"""Undo and redo as the event log defines them: pure functions over events.

The log is append-only. An undoable action is one event, or several sharing a
batch uid; undoing it appends an `undo` event per event, naming its target,
and redo appends `redo` events likewise. The stacks are therefore a function
of the log alone, which is what lets undo survive restarts, merges and other
processes writing the same database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .model import Event
from .text import middle_cut

UNDOABLE = ("add", "delete", "relabel", "resize", "link", "reject", "entity", "accept_suggestion", "relate",
            "unrelate")
"""Actions an annotator can take back. Others are recorded and never undone: `status`
changes, `time` worked, the `open` and `leave` of a document (VISITS), and `seed` (the agreed
spans a review starts gold with). `entity` is the making of an entity from a span, batched
with the link to it (`Store.link_to_new_entity`). `relate` and `unrelate` make and remove a
relation between spans (`Store.add_relation`)."""

OPEN, LEAVE = "open", "leave"
VISITS = (OPEN, LEAVE)
"""Events that mark an annotator opening and leaving a document: they change nothing, so an
undo or redo passes over them (a redo still works after leaving and coming back)."""

SPAN_UNCHANGED = ("reject", "entity")
"""Undoable actions that change no span row: a reviewer's rejection of an annotator's
version only marks it, so undoing it only removes the mark."""


def undoable(event: Event) -> bool:
    # A rejection became undoable when it became part of one batch with the gold spans
    # it removes; an older log's rejections, without a batch, stay as they were written.
    return event.action in UNDOABLE and (event.action not in SPAN_UNCHANGED or event.batch is not None)


def undo_stacks(events: Iterable[Event]) -> tuple[list[Event], list[Event]]:
    """(the undo stack, the redo stack), top last, from one annotator's events on one document.

    A new undoable action empties the redo stack; an undo or redo counts only
    when it names the event on top of its stack, as one written by `Store.undo`
    always does.
    """
    done: list[Event] = []
    undone: list[Event] = []
    for event in events:
        if undoable(event):
            done.append(event)
            undone.clear()
        elif event.action == "undo" and done and done[-1].id == event.target:
            undone.append(done.pop())
        elif event.action == "redo" and undone and undone[-1].id == event.target:
            done.append(undone.pop())
    return done, undone


def top_action(stack: list[Event]) -> list[Event]:
    """The events of the action on top of a stack, top first: one, or its whole batch."""
    if not stack:
        return []
    batch = stack[-1].batch
    if batch is None:
        return [stack[-1]]
    action = []
    for event in reversed(stack):
        if event.batch != batch:
            break
        action.append(event)
    return action


def describe(action: list[Event], name_of: Callable[[str], str], limit: int = 30,
             text_of: Callable[[str], str | None] = lambda span_id: None) -> str:
    """What one undoable action changed, in words: `claim “Russia’s military …”`,
    `link “Bahmut” → Bakhmut`, `link 3 mentions of “ISW” → Institute for the Study of War`,
    `relation “losses were…per day” → “the general staff”`.

    `action` is its events (one, or a batch, in any order); `name_of` names an entity by id,
    and `text_of` gives a span's text by id (None when it is gone), to name a relation's ends.
    An entity made in the same action is named from its event: an undo has removed it.
    """
    events = sorted(action, key=lambda event: event.id)
    made = {event.after["entity"]["id"]: event.after["entity"]["name"]
            for event in events if event.action == "entity" and event.after}
    # A span's change leads: deleting a span takes its relations along in the same action.
    changes = ([event for event in events if event.span_id]
               + [event for event in events if not event.span_id and event.action != "entity"]) or events

    def entity_name(entity_id: str) -> str:
        return made.get(entity_id) or name_of(entity_id)

    first = changes[0]
    if len(changes) > 1 and all(event.action == "link" for event in changes):
        text = _describe_link(first, entity_name, limit,
                              mentions=len(changes) if _same_text(changes) else None)
    else:
        text = _describe_one(first, entity_name, limit, text_of)
        if len(changes) > 1:
            others = len(changes) - 1
            text += f" and {others} more change{'' if others == 1 else 's'}"
    return text + (" (new entity)" if made else "")


def _describe_one(event: Event, entity_name: Callable[[str], str], limit: int,
                  text_of: Callable[[str], str | None]) -> str:
    span = event.after or event.before or {}
    quoted = f"“{middle_cut(span.get('text', ''), limit)}”"
    label = span.get("label", "")
    if event.action == "link":
        return _describe_link(event, entity_name, limit)
    if event.action == "relabel":
        return f"relabel {quoted} {event.before['label']} → {event.after['label']}"
    if event.action == "resize":
        return f"resize {label} to {quoted}"
    if event.action == "entity":
        return f"new entity {span['entity']['name']}"
    if event.action in ("relate", "unrelate"):
        verb = "relation" if event.action == "relate" else "remove relation"
        ends = [text_of(span.get(end, "")) for end in ("head", "tail")]
        if None in ends:
            return f"{verb} {span.get('label', '')}"
        # Two texts share the room one has elsewhere.
        head, tail = (f"“{middle_cut(text, limit // 2)}”" for text in ends)
        return f"{verb} {head} → {tail}"
    verb = {"add": "", "delete": "delete ", "reject": "reject ", "accept_suggestion": "accept "}
    return f"{verb.get(event.action, event.action + ' ')}{label} {quoted}"


def _describe_link(event: Event, entity_name: Callable[[str], str], limit: int,
                   mentions: int | None = None) -> str:
    span = event.after or {}
    text = middle_cut(span.get("text", ""), limit)
    quoted = f"{mentions} mentions of “{text}”" if mentions else f"“{text}”"
    if span.get("entity_id"):
        return f"link {quoted} → {entity_name(span['entity_id'])}"
    if span.get("nil"):
        return f"link {quoted} → NIL"
    return f"unlink {quoted}"


def _same_text(events: list[Event]) -> bool:
    return len({(event.after or {}).get("text") for event in events}) == 1
