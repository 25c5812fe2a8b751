"""External predictions: spans from any other tool (a spaCy model, an LLM, another team), as suggestions.

One JSON object per line, the native span shape plus where it belongs and who made it:

    {"document": "a744a0dbc36ad6965360", "start": 0, "end": 7, "label": "source",
     "text": "Ukraine", "entity": null, "score": 0.8, "recommender": "spacy-sm"}

`entity` is null, an entity id, or the native `{"id": ...}` object; `score`
is optional (default 1). This is also what `workbench suggest list --json`
writes, so a list can be edited and imported back. Reading is pure: the
caller hands in the lines and what the database knows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..errors import ImportRejected
from ..jsonlines import BadLine, parse_line
from ..model import name_problem
from . import Proposal


def read_predictions(path: str, lines: Iterable[str], *, text_of: Callable[[str], str | None],
                     labels: set[str], entity_known: Callable[[str], bool]) -> list[tuple[str, str, Proposal]]:
    """(document, recommender, proposal) of every line; the first bad line rejects the file."""
    found = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        found.append(_read_line(path, number, line, text_of, labels, entity_known))
    return found


def _read_line(path: str, number: int, line: str, text_of: Callable[[str], str | None], labels: set[str],
               entity_known: Callable[[str], bool]) -> tuple[str, str, Proposal]:
    def reject(message: str) -> ImportRejected:
        return ImportRejected(path, message, number)

    try:
        value = parse_line(line)
    except BadLine as error:
        raise reject(f"not JSON: {error}") from None
    if not isinstance(value, dict):
        raise reject("a line must be a JSON object")

    def field(key: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
        if value.get(key) is None:
            if default is ...:
                raise reject(f'missing "{key}"')
            return default
        if not isinstance(value[key], kind) or (isinstance(value[key], bool) and kind is not bool):
            raise reject(f'"{key}" has the wrong type ({type(value[key]).__name__})')
        return value[key]

    document = field("document", str)
    recommender = field("recommender", str).strip()
    problem = name_problem(recommender, '"recommender"')
    if problem:
        raise reject(problem)
    start, end = field("start", int), field("end", int)
    label, recorded = field("label", str), field("text", str)
    score = field("score", (int, float), 1.0)
    text = text_of(document)
    if text is None:
        raise reject(f"no document {document!r} in the database")
    if not 0 <= start < end <= len(text):
        raise reject(f"offsets {start}-{end} are out of range for a text of {len(text)} characters "
                     "(or end is not after start)")
    if text[start:end] != recorded:
        raise reject(f"records {recorded!r} but the text at {start}-{end} is {text[start:end]!r}")
    if label not in labels:
        raise reject(f"unknown label {label!r}; known: {', '.join(sorted(labels))}")
    entity = value.get("entity")
    if isinstance(entity, dict):
        entity = entity.get("id")
    if entity is not None and (not isinstance(entity, str) or not entity_known(entity)):
        raise reject(f"unknown entity {entity!r}; import it with `workbench kb import` first")
    return document, recommender, Proposal(start, end, label, entity, float(score))
