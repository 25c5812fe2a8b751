"""Label Studio: a folder with `tasks.json` to import and `label_config.xml` for the project.

`tasks.json` is a list of tasks, one per document:

- `id`: the document's position in the export, from 1 (Label Studio gives
  imported tasks ids of its own; its converter needs one);
- `data`: `text` (the document), `document` (its uid) and `title`;
- `annotations`: one per exported annotator, in annotator order. Each span is
  a `labels` result (`from_name` "label", `to_name` "text", `value` with
  start, end, text and labels). A linked span also gets a `textarea` result
  with the same region id (`from_name` "entity", a per-region TextArea)
  holding the entity id, or `NIL`. A `textarea` result `annotator` (not per
  region) names who made the annotation, since Label Studio credits every
  imported annotation to the importing user. The gold annotator's annotation
  is marked `ground_truth`; `lead_time` is the annotator's seconds; a skipped
  document is `was_cancelled`.

Each relation is a `relation` result from the head's region to the tail's
(`from_id`, `to_id`: the spans' region ids), `direction` "right" (head → tail)
and `labels` the relation type.

Offsets are UTF-16 code units, as Label Studio counts them in the browser:
after an emoji they are one more per emoji than workbench's code points. The
`text` of each region is the covered text itself.

`label_config.xml` declares the labels (with their colours), the relation
types (`<Relations>`), the text, and the two TextAreas; paste it into the
project's labelling setup before importing `tasks.json`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from xml.sax.saxutils import quoteattr

from ..model import GOLD, Label, RelationType
from ..text import counted
from . import ExportJob, Format
from .utf16 import utf16_offset

TASKS = "tasks.json"
CONFIG = "label_config.xml"


def write(job: ExportJob, path: Path) -> None:
    path.mkdir()
    in_progress = 0
    with open(path / TASKS, "w", encoding="utf-8", newline="\n") as out:
        out.write("[")
        for number, item in enumerate(job.documents()):
            document = item.document
            units = utf16_offset(document.text)
            annotations = []
            for annotation in item.annotations:
                in_progress += annotation.status in ("new", "in_progress")
                results = []
                for linked in annotation.spans:
                    span = linked.span
                    where = {"start": units(span.start), "end": units(span.end)}
                    results.append({"id": span.id, "from_name": "label", "to_name": "text", "type": "labels",
                                    "value": {**where, "text": span.text, "labels": [span.label]}})
                    if span.entity_id or span.nil:
                        results.append({"id": span.id, "from_name": "entity", "to_name": "text",
                                        "type": "textarea",
                                        "value": {**where, "text": ["NIL" if span.nil else span.entity_id]}})
                results.extend({"from_id": relation.head, "to_id": relation.tail, "type": "relation",
                                "direction": "right", "labels": [relation.label]}
                               for relation in annotation.relations)
                results.append({"id": f"annotator-{number}-{len(annotations)}", "from_name": "annotator",
                                "to_name": "text", "type": "textarea",
                                "value": {"text": [annotation.annotator]}})
                annotations.append({"result": results, "ground_truth": annotation.annotator == GOLD,
                                    "was_cancelled": annotation.status == "skipped",
                                    "lead_time": annotation.seconds})
            task = {"id": number + 1,
                    "data": {"text": document.text, "document": document.uid, "title": document.title},
                    "annotations": annotations}
            out.write(("\n" if not number else ",\n") + json.dumps(task, ensure_ascii=False))
        out.write("\n]\n")
    if in_progress:
        job.report.notes.append(f"{counted(in_progress, 'annotation')} not marked done "
                                f"{'is a finished annotation' if in_progress == 1 else 'are finished annotations'} in "
                                "Label Studio, which has no unfinished state")
    labels = [label for label in job.store.labels()
              if not job.selection.labels or label.name in job.selection.labels]
    names = {label.name for label in labels}
    # A relation type only where the selected labels can be both of its ends.
    kinds = [kind for kind in job.store.relation_types()
             if all(not end or names & set(end) for end in (kind.heads, kind.tails))]
    (path / CONFIG).write_text(label_config(labels, kinds), encoding="utf-8", newline="\n")


def label_config(labels: list[Label], relation_types: list[RelationType]) -> str:
    choices = "".join(f"    <Label value={quoteattr(label.name)} background={quoteattr(label.colour)}/>\n"
                      for label in labels)
    relations = "".join(f"    <Relation value={quoteattr(kind.name)}/>\n" for kind in relation_types)
    if relations:
        relations = f"  <Relations>\n{relations}  </Relations>\n"
    return ("<View>\n"
            '  <Labels name="label" toName="text">\n'
            f"{choices}"
            "  </Labels>\n"
            f"{relations}"
            '  <Text name="text" value="$text"/>\n'
            '  <Header value="Linked entity (id, or NIL)"/>\n'
            '  <TextArea name="entity" toName="text" perRegion="true" maxSubmissions="1" editable="true"/>\n'
            '  <Header value="Annotator in workbench"/>\n'
            '  <TextArea name="annotator" toName="text" maxSubmissions="1"/>\n'
            "</View>\n")


_EXPORTED = re.compile(re.escape(TASKS) + "|" + re.escape(CONFIG))


def earlier_export(folder: Path) -> bool:
    """Whether the folder holds nothing but the two files this export writes."""
    return all(entry.is_file() and _EXPORTED.fullmatch(entry.name) for entry in folder.iterdir())


FORMAT = Format("labelstudio", "", write, earlier_export)
