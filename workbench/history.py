"""Undo and redo as the event log defines them: pure functions over events.

The log is append-only. An undoable action is one event, or several sharing a
batch uid; undoing it appends an `undo` event per event, naming its target,
and redo appends `redo` events likewise. The stacks are therefore a function
of the log alone, which is what lets undo survive restarts, merges and other
processes writing the same database.
"""

from __future__ import annotations

from collections.abc import Iterable

from .model import Event

UNDOABLE = ("add", "delete", "relabel", "resize", "link", "reject", "entity", "accept_suggestion", "relate",
            "unrelate")
"""Actions an annotator can take back. Others are recorded and never undone: `status`
changes, and `seed` (the agreed spans a review starts gold with). `entity` is the making of
an entity from a span, batched with the link to it (`Store.link_to_new_entity`). `relate` and
`unrelate` make and remove a relation between spans (`Store.add_relation`)."""

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
