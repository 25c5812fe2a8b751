"""Plain values that flow between the store, the domain code and the screens."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

STATUSES = ("new", "in_progress", "done", "skipped")
GOLD = "gold"
"""The reserved annotator whose spans are the adjudicated gold standard."""


def annotator_name_problem(name: str) -> str | None:
    """Why nobody may annotate under this name, or None if they may."""
    if not name.strip():
        return "an annotator name must not be empty"
    if name.strip() == GOLD:
        return f"{GOLD!r} is reserved for the reviewed version; adjudicate with `workbench review`"
    return None


@dataclass(frozen=True, slots=True)
class Label:
    name: str
    key: str
    colour: str
    description: str = ""


DEFAULT_LABELS = (
    Label("claim", "1", "#e5c07b", "A factual assertion that could be checked."),
    Label("source", "2", "#61afef", "Who or what the information is attributed to."),
    Label("figure", "3", "#c678dd", "A number, amount, date or other quantity."),
    Label("mention", "4", "#98c379", "A person, place or organisation to link that is neither a source "
                                     "nor a figure."),
)


@dataclass(frozen=True, slots=True)
class Document:
    uid: str
    title: str
    text: str
    source: str
    meta: dict[str, Any] = field(default_factory=dict)
    imported_at: str = ""


@dataclass(frozen=True, slots=True)
class NewDocument:
    """A document read from a file, before it has a place in the store."""

    text: str
    title: str
    source: str
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Span:
    id: str
    document: str
    annotator: str
    start: int
    end: int
    label: str
    text: str
    entity_id: str | None = None
    nil: bool = False
    provenance: tuple[str, ...] = ()

    @property
    def linked(self) -> bool:
        return self.entity_id is not None or self.nil

    @property
    def link_key(self) -> str | None:
        """The span's link as one comparable value: an entity id, "NIL", or None."""
        if self.nil:
            return "NIL"
        return self.entity_id


def span_like(spans: Iterable[Span], start: int, end: int, label: str, *,
              other_than: str | None = None) -> Span | None:
    """The span already over exactly this text with this label, if there is one: an annotator
    has at most one, so tagging, relabelling or resizing into it would only duplicate it."""
    return next((span for span in spans if (span.start, span.end, span.label) == (start, end, label)
                 and span.id != other_than), None)


@dataclass(frozen=True, slots=True)
class Entity:
    id: str
    name: str
    type: str
    description: str = ""
    prior: float = 0.0
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DocumentRow:
    """One line of the queue: a document and one annotator's progress on it."""

    position: int
    uid: str
    title: str
    status: str
    spans: int
    seconds: float


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    at: str
    annotator: str
    document: str
    action: str
    span_id: str | None
    target: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    batch: str | None = None
    """Shared by the events of one action that changed several spans."""
