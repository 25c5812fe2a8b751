"""Settings: an optional `workbench.toml` in the working directory, read once.

    annotator = "alice"            # default annotator name
    [keymap]                       # binding id = keys; `?` in the app lists the ids
    "label.claim" = "x"
    [[labels]]                     # the label set used by `workbench init`
    name = "claim"
    key = "1"
    colour = "#e5c07b"
    description = "A checkable assertion"
    [link_types]                   # label = the entity types its mentions prefer, best first
    source = ["PERSON", "ORG"]     # (the default; a label not listed takes any type)
    [[relations]]                  # the relation types used by `workbench init`
    name = "attributed_to"
    key = "a"
    heads = ["claim"]              # the labels the head may have; empty or absent: any
    tails = ["source"]

The first type a label prefers is the type of an entity made from one of its
spans (ctrl+e in the link picker); for a label that prefers none, the picker asks.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import WorkbenchError
from .model import DEFAULT_LABELS, DEFAULT_RELATION_TYPES, Label, RelationType

CONFIG_FILE = "workbench.toml"
# A source is who said it: a person or an organisation, rarely a place.
DEFAULT_LINK_TYPES: dict[str, tuple[str, ...]] = {"source": ("PERSON", "ORG")}


@dataclass(frozen=True)
class Config:
    annotator: str | None = None
    keymap: dict[str, str] = field(default_factory=dict)
    labels: tuple[Label, ...] = DEFAULT_LABELS
    link_types: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_LINK_TYPES))
    relation_types: tuple[RelationType, ...] = DEFAULT_RELATION_TYPES


@dataclass(frozen=True)
class LabelSet:
    """What a label file holds: the span labels and the relation types between spans."""

    labels: tuple[Label, ...]
    relation_types: tuple[RelationType, ...]


def load_config(directory: Path | None = None) -> Config:
    path = (directory or Path.cwd()) / CONFIG_FILE
    if not path.exists():
        return Config()
    data = _read_toml(path)
    keymap = data.get("keymap", {})
    if not isinstance(keymap, dict) or not all(isinstance(v, str) for v in keymap.values()):
        raise WorkbenchError(f'{path}: [keymap] maps binding ids to keys, e.g. "label.claim" = "x"')
    annotator = data.get("annotator")
    if annotator is not None and not isinstance(annotator, str):
        raise WorkbenchError(f"{path}: annotator must be a string")
    labels = parse_labels(path, data["labels"]) if "labels" in data else DEFAULT_LABELS
    link_types = (parse_link_types(path, data["link_types"]) if "link_types" in data
                  else dict(DEFAULT_LINK_TYPES))
    return Config(annotator=annotator, keymap=dict(keymap), labels=labels, link_types=link_types,
                  relation_types=_relation_types_of(path, data, labels))


def parse_link_types(path: Path, table: Any) -> dict[str, tuple[str, ...]]:
    """[link_types]: label = a type or a list of types. It replaces the default table whole."""
    if not isinstance(table, dict):
        raise WorkbenchError(f'{path}: [link_types] maps labels to entity types, e.g. source = ["PERSON"]')
    parsed = {}
    for label, types in table.items():
        listed = [types] if isinstance(types, str) else types
        if not isinstance(listed, list) or not all(isinstance(t, str) and t.strip() for t in listed):
            raise WorkbenchError(f"{path}: link_types.{label} must be a type or a list of types, "
                                 f"got {types!r}")
        parsed[label] = tuple(t.strip() for t in listed)
    return parsed


def read_label_file(path: Path) -> LabelSet:
    """A label set from TOML (`[[labels]]` and `[[relations]]` tables) or JSON (a list of labels,
    or {"labels": [...], "relations": [...]})."""
    if path.suffix.lower() == ".json":
        try:
            data: Any = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as error:
            raise WorkbenchError(f"{path}: cannot read: {error}") from None
        except json.JSONDecodeError as error:
            raise WorkbenchError(f"{path}:{error.lineno}: not valid JSON ({error.msg})") from None
    else:
        data = _read_toml(path)
    entries = data.get("labels") if isinstance(data, dict) else data
    if entries is None:
        raise WorkbenchError(f"{path}: no labels found; expected a list of labels")
    labels = parse_labels(path, entries)
    return LabelSet(labels, _relation_types_of(path, data if isinstance(data, dict) else {}, labels))


def _relation_types_of(path: Path, data: dict[str, Any], labels: tuple[Label, ...]) -> tuple[RelationType, ...]:
    """The file's relation types; without a `relations` entry, the default types its labels admit."""
    if "relations" in data:
        return parse_relation_types(path, data["relations"], labels)
    names = {label.name for label in labels}
    return tuple(kind for kind in DEFAULT_RELATION_TYPES if kind.named_labels <= names)


def parse_relation_types(path: Path, entries: Any, labels: tuple[Label, ...]) -> tuple[RelationType, ...]:
    """`relations`: each with a name, a key of its own, an optional description, and the labels
    its head and tail may have (`heads`, `tails`: a label or a list; absent or empty: any)."""
    if not isinstance(entries, list):
        raise WorkbenchError(f"{path}: relations must be a list of relation types")
    label_names = {label.name for label in labels}
    kinds: list[RelationType] = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"].strip():
            raise WorkbenchError(f"{path}: relation type {number} needs a name")
        name = entry["name"].strip()
        if any(ch.isspace() or not ch.isprintable() for ch in name):
            raise WorkbenchError(f"{path}: relation type {name!r} has a space or control character, which "
                                 "brat files cannot hold; use - or _ instead")
        if any(kind.name == name for kind in kinds):
            raise WorkbenchError(f"{path}: relation type {name!r} is defined twice")
        key = entry.get("key")
        if not isinstance(key, str) or len(key) != 1 or any(kind.key == key for kind in kinds):
            raise WorkbenchError(f"{path}: relation type {name!r} needs a single key of its own, not {key!r}")
        ends = []
        for end in ("heads", "tails"):
            listed = entry.get(end, [])
            listed = [listed] if isinstance(listed, str) else listed
            if not isinstance(listed, list) or not all(isinstance(label, str) for label in listed):
                raise WorkbenchError(f"{path}: relation type {name!r}: {end} must be a label or a list of labels")
            unknown = sorted(set(listed) - label_names)
            if unknown:
                raise WorkbenchError(f"{path}: relation type {name!r}: {end} names {', '.join(unknown)}, "
                                     "which is not a label of this file")
            ends.append(tuple(listed))
        kinds.append(RelationType(name, key, str(entry.get("description", "")), *ends))
    return tuple(kinds)


def parse_labels(path: Path, entries: Any) -> tuple[Label, ...]:
    if not isinstance(entries, list) or not entries:
        raise WorkbenchError(f"{path}: labels must be a non-empty list")
    labels, names, keys = [], set(), set()
    palette = ["#e5c07b", "#61afef", "#c678dd", "#98c379", "#e06c75", "#56b6c2", "#d19a66"]
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"].strip():
            raise WorkbenchError(f"{path}: label {number} needs a name")
        name = entry["name"].strip()
        if any(ch.isspace() or not ch.isprintable() for ch in name):
            raise WorkbenchError(f"{path}: label {name!r} has a space or control character, which brat "
                                 "and CoNLL files cannot hold; use - or _ instead")
        key = str(entry.get("key", number if number <= 9 else ""))
        if name in names:
            raise WorkbenchError(f"{path}: label {name!r} is defined twice")
        if len(key) != 1 or key in keys:
            raise WorkbenchError(f"{path}: label {name!r} needs a single key of its own, not {key!r}")
        names.add(name)
        keys.add(key)
        colour = str(entry.get("colour", palette[(number - 1) % len(palette)]))
        if not _is_colour(colour):
            raise WorkbenchError(f"{path}: label {name!r}: {colour!r} is not a colour; give one like "
                                 "#c678dd, rgb(198,120,221) or magenta")
        labels.append(Label(name, key, colour, str(entry.get("description", ""))))
    return tuple(labels)


def _is_colour(text: str) -> bool:
    """Whether the screen can paint `text`: what it cannot parse would stop it drawing at all."""
    from textual.color import Color, ColorParseError

    try:
        Color.parse(text)
    except ColorParseError:
        return False
    return True


def _read_toml(path: Path) -> dict[str, Any]:
    # Imported when there is a file to read: most start-ups have none.
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as error:
        raise WorkbenchError(f"{path}: cannot read: {error.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise WorkbenchError(f"{path}: not valid TOML ({error})") from None


def state_dir() -> Path:
    """Where per-user state lives: the annotator name remembered per database, and crash logs.
    A relative XDG_STATE_HOME is ignored, as the XDG rules say: it would put the state in
    whichever folder the command ran from, forgetting the name in the next one."""
    base = os.environ.get("XDG_STATE_HOME", "")
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "workbench"


ANNOTATORS_FILE = "annotators.json"
"""In the state folder: the name last used with each database, keyed by its resolved path."""


def _remembered_names() -> dict[str, str]:
    try:
        names = json.loads((state_dir() / ANNOTATORS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return names if isinstance(names, dict) else {}


def _database_key(database: str | os.PathLike[str]) -> str:
    return str(Path(database).resolve())


def remembered_annotator(database: str | os.PathLike[str]) -> str | None:
    """The name last used with this database; a name given for another one does not carry over,
    since two projects on one machine are often annotated under two names."""
    name = _remembered_names().get(_database_key(database))
    return name if isinstance(name, str) and name else None


def remember_annotator(name: str, database: str | os.PathLike[str]) -> None:
    names = _remembered_names()
    names[_database_key(database)] = name
    try:
        state_dir().mkdir(parents=True, exist_ok=True)
        (state_dir() / ANNOTATORS_FILE).write_text(json.dumps(names, indent=1, ensure_ascii=False) + "\n",
                                                   encoding="utf-8")
    except OSError:
        pass  # Remembering is a convenience; failing to must not stop annotation.
