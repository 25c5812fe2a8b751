"""Plain values that flow between the store, the domain code and the screens."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

STATUSES = ("new", "in_progress", "done", "skipped")
GOLD = "gold"
"""The reserved annotator whose spans are the adjudicated gold standard."""
RECOMMENDER_PREFIX = "recommender:"
"""How a recommender's suggestions are named where a report or an export is asked to include
them, as a pseudo-annotator: no person annotates under such a name."""


# Characters that would act on a terminal, or reorder the text around them, wherever a
# name is shown: C0 and C1 controls, and the Unicode direction marks and overrides.
_UNSAFE_IN_NAMES = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def name_problem(name: str, what: str = "an annotator name") -> str | None:
    """Why `name` cannot name anybody in any file or on any screen, or None if it can."""
    if not name.strip():
        return f"{what} must not be empty"
    if _UNSAFE_IN_NAMES.search(name):
        return f"{what} must not contain control or text-direction characters"
    return None


def annotator_name_problem(name: str) -> str | None:
    """Why nobody may annotate under this name, or None if they may."""
    problem = name_problem(name)
    if problem:
        return problem
    if name.strip().casefold() == GOLD:
        return f"{GOLD!r} is reserved for the reviewed version; adjudicate with `workbench review`"
    if name.strip().casefold().startswith(RECOMMENDER_PREFIX):
        return f"names starting {RECOMMENDER_PREFIX!r} are reserved for recommenders' suggestions"
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


def shared_key_problem(keys: dict[str, str], kind: str) -> str | None:
    """What is wrong when two names in `keys` (name -> key) of one `kind` ("label") share a key;
    None when every name has a key of its own."""
    holders: dict[str, str] = {}
    for name, key in keys.items():
        holder = holders.setdefault(key, name)
        if holder != name:
            return (f"{kind} {holder!r} and {kind} {name!r} would both have the key {key!r}; "
                    "give one of them another key")
    return None


@dataclass(frozen=True, slots=True)
class RelationType:
    """A kind of relation between two spans, head → tail, and which span labels each end may have.

    An empty `heads` or `tails` admits any label at that end.
    """

    name: str
    key: str
    description: str = ""
    heads: tuple[str, ...] = ()
    tails: tuple[str, ...] = ()

    @property
    def ends(self) -> str:
        """The labels each end may have, in words: "claim → source" ("any" where unrestricted)."""
        return f"{'|'.join(self.heads) or 'any'} → {'|'.join(self.tails) or 'any'}"

    @property
    def named_labels(self) -> frozenset[str]:
        """Every label the rule names, at either end."""
        return frozenset(self.heads) | frozenset(self.tails)

    def rule(self) -> str:
        """The type's rule in words, as errors quote it: "attributed_to: claim → source"."""
        return f"{self.name}: {self.ends}"

    def admits(self, head_label: str, tail_label: str) -> bool:
        return (not self.heads or head_label in self.heads) and (not self.tails or tail_label in self.tails)


DEFAULT_RELATION_TYPES = (
    RelationType("attributed_to", "a", "The claim (head) is attributed to the source (tail).",
                 ("claim",), ("source",)),
)


def fitting_relation_types(types: Iterable[RelationType], head_label: str,
                           tail_label: str) -> list[RelationType]:
    """The relation types whose rule admits a head with `head_label` and a tail with `tail_label`."""
    return [kind for kind in types if kind.admits(head_label, tail_label)]


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


@dataclass(frozen=True, slots=True)
class Relation:
    """A directed, labelled link between two spans of one document and annotator: head → tail."""

    id: str
    document: str
    annotator: str
    head: str
    tail: str
    label: str


def span_like(spans: Iterable[Span], start: int, end: int, label: str, *,
              other_than: str | None = None) -> Span | None:
    """The span already over exactly this text with this label, if there is one: an annotator
    has at most one, so tagging, relabelling or resizing into it would only duplicate it."""
    return next((span for span in spans if (span.start, span.end, span.label) == (start, end, label)
                 and span.id != other_than), None)


def covered_text_problem(text: str, start: int, end: int, recorded: str | None = None) -> str | None:
    """Why a span at start-end recording `recorded` does not fit `text`; None when it does.

    The one check behind every write, `workbench check` and every export.
    """
    if not (0 <= start < end <= len(text)):
        return f"span {start}-{end} is out of range ({len(text)} characters)"
    if recorded is not None and text[start:end] != recorded:
        return f"span {start}-{end} records {recorded!r} but the text there is {text[start:end]!r}"
    return None


# What str.isspace calls whitespace: re's \s on str patterns is the same class.
_WHITESPACE = re.compile(r"\s")


def entity_id_problem(entity_id: str) -> str | None:
    """Why `entity_id` cannot identify an entity, or None if it can: ids are written into
    brat, CoNLL and other formats that split fields on whitespace."""
    if not entity_id:
        return "an entity id must not be empty"
    if _WHITESPACE.search(entity_id):
        return f"entity id {entity_id!r} contains whitespace; use an id without spaces"
    # (No ASCII character is a format character: a knowledge base's ids are checked by the
    # hundred thousand.)
    if not entity_id.isascii() and any(unicodedata.category(ch) == "Cf" for ch in entity_id):
        # Zero-width and direction characters make two ids that look the same.
        return f"entity id {entity_id!r} contains an invisible character"
    return name_problem(entity_id, "an entity id")


@dataclass(frozen=True, slots=True)
class Entity:
    id: str
    name: str
    type: str
    description: str = ""
    prior: float = 0.0
    aliases: tuple[str, ...] = ()
    country: str = ""
    """ISO 3166-1 alpha-2, upper case ("UA"); empty when unknown or not a place."""
    region: str = ""
    """The first-level division, free text (GeoNames' "UA.14")."""
    within: str = ""
    """The id of an entity that contains this one (a city's oblast, a brigade's army)."""
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class QueueRow:
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
    relation_id: str | None = None
    """The relation an event made, removed or seeded; such an event names no span."""
