"""The agreement report as a terminal table, JSON, Markdown, CSV or (`render_html`) an HTML page.

JSON keys (`to_data`); every measure is ``{"value": float | null, "note": CODE | null,
"note_text": str | null}`` with CODE a `Note` name, and every F1 adds ``tp``, ``fp``, ``fn``:

- ``annotators``, ``labels``: what was compared; ``basis``: which documents count and why;
  ``documents``, ``characters``, ``tokens``: their size; ``spans``: spans per annotator;
  ``notes``: sentences about degenerate cases.
- ``span_f1.summary``: ``{"all" | label: {"exact" | "overlap": {"mean": measure, "sd", "pairs"}}}``,
  mean and population sd of micro-averaged F1 over annotator pairs;
  ``span_f1.pairs``: one row per pair and label (``label`` null = all labels) with
  ``exact`` and ``overlap`` F1.
- ``matrix``: ``{"exact" | "overlap": {a: {b: F1 over all labels}}}``, both directions.
- ``tokens``: per label, ``tokens``, ``tokens_in`` per annotator, ``cohen`` (one row per
  pair), ``fleiss``, ``alpha`` (nominal) and ``alpha_unitizing``.
- ``links``: per pair, ``compared`` (same offsets and label, both linked), ``same``,
  ``one_unlinked``, ``share``, ``kappa`` and ``mention_f1``.
- ``per_document``: ``id``, ``title``, ``spans`` per annotator, ``f1_exact`` and
  ``f1_overlap`` (mean, sd over pairs), ``disagreements`` per kind.
- ``disagreements``: ``document``, ``title``, ``kind``, ``differences``, ``start``,
  ``end``, ``versions`` ``{annotator: {start, end, label, link, id}}``, ``missing``.

Only when a compared annotator made a relation (whose ends have compared labels):

- ``relation_labels``; ``relations``: relations per annotator.
- ``relation_f1.summary``: ``{"all" | relation label: {"exact" | "lenient": spread}}``;
  ``relation_f1.pairs``: one row per pair and relation label (null = all) with ``exact`` and
  ``lenient`` F1, and ``unpaired_exact``/``unpaired_lenient``: relations of either annotator
  with an end the other did not mark (the same span; an overlapping one).
- ``relation_disagreements``: ``document``, ``title``, ``label``, ``kind``,
  ``differences``, ``start``, ``end``, ``versions`` ``{annotator: {head, tail, label, id,
  said}}`` (each end ``{start, end, label}``), ``missing``.

The table, Markdown and HTML list the documents with the lowest agreement and the
first disagreements only, and say so; JSON and CSV hold all of them.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from rich.console import Console, Group as RichGroup, RenderableType
from rich.table import Table
from rich.text import Text

from workbench.agreement.measures import Measure
from workbench.agreement.alignment import Kind
from workbench.agreement.results import Counts, Report, Spread
from workbench.agreement.sections import (ALL, cell_text, disagreement_sections, f1_matrix, heading_lines, kinds_of,
                                          table_sections)
from workbench.collector import without_cyclic_gc
from workbench.text import for_terminal

__all__ = ["FORMATS", "render", "table", "to_data"]

FORMATS = ("table", "json", "markdown", "html", "csv")
RELATION_MODES = ("exact", "lenient")


def render(report: Report, fmt: str) -> str:
    """The report as text in one of `FORMATS` (the table without colour)."""
    if fmt == "table":
        buffer = io.StringIO()
        Console(file=buffer, width=120, color_system=None).print(table(report))
        return buffer.getvalue()
    if fmt == "html":
        # The page builds on this module's tables, so it is imported here, not at the top.
        from workbench.agreement.render_html import html_page
        return html_page(report)
    return {"json": _json, "markdown": _markdown, "csv": _csv}[fmt](report)


# -- plain values --------------------------------------------------------------


def _measure(measure: Measure) -> dict[str, Any]:
    note = measure.note
    return {"value": measure.value, "note": note.name if note else None,
            "note_text": note.value if note else None}


def _f1(counts: Counts) -> dict[str, Any]:
    return {"tp": counts.tp, "fp": counts.fp, "fn": counts.fn, **_measure(counts.f1)}


def _spread(spread: Spread) -> dict[str, Any]:
    return {"mean": _measure(spread.mean), "sd": spread.sd, "pairs": spread.pairs}


def to_data(report: Report) -> dict[str, Any]:
    """The report as JSON-ready values (keys in the module docstring)."""
    with without_cyclic_gc():
        return _data(report)


# str(kind) goes through Enum's slow value lookup; a big report asks ~3 times per disagreement.
_KIND = {kind: str(kind) for kind in Kind}


def _data(report: Report) -> dict[str, Any]:
    summary = {
        (label if label is not None else ALL): {
            mode: _spread(report.spread(mode, label)) for mode in ("exact", "overlap")}
        for label in (None, *report.labels)}
    return {
        "annotators": list(report.annotators), "labels": list(report.labels),
        "basis": report.basis, "documents": report.documents,
        "characters": report.characters, "token_count": report.tokens,
        "spans": dict(report.spans), "notes": list(report.notes),
        "span_f1": {
            "summary": summary,
            "pairs": [{"a": row.pair[0], "b": row.pair[1], "label": row.label,
                       "exact": _f1(row.exact), "overlap": _f1(row.overlap)}
                      for row in report.span_f1]},
        "matrix": {mode: f1_matrix(report, mode) for mode in ("exact", "overlap")},
        "tokens": [{
            "label": row.label, "tokens": row.tokens, "tokens_in": dict(row.tokens_in),
            "cohen": [{"a": a, "b": b, **_measure(m)} for (a, b), m in row.cohen.items()],
            "fleiss": _measure(row.fleiss), "alpha": _measure(row.alpha),
            "alpha_unitizing": _measure(row.alpha_unitizing)} for row in report.token_rows],
        "links": [{
            "a": row.pair[0], "b": row.pair[1], "compared": row.compared, "same": row.same,
            "one_unlinked": row.one_unlinked, "share": _measure(row.share),
            "kappa": _measure(row.kappa), "mention_f1": _f1(row.mention_f1)}
            for row in report.link_rows],
        "per_document": [{
            "id": row.uid, "title": row.title, "spans": dict(row.spans),
            "f1_exact": _spread(row.exact), "f1_overlap": _spread(row.overlap),
            "disagreements": {_KIND[kind]: n for kind, n in row.disagreements.items()}}
            for row in report.per_document],
        "disagreements": [{
            "document": item.document, "title": item.title, "kind": _KIND[item.group.kind],
            "differences": sorted(_KIND[kind] for kind in item.group.differences),
            "start": item.group.start, "end": item.group.end,
            "versions": {name: mark._asdict() for name, mark in item.group.versions.items()},
            "missing": list(item.group.missing)} for item in report.disagreements],
        **(_relation_data(report) if report.relation_labels else {}),
    }


def _relation_data(report: Report) -> dict[str, Any]:
    return {
        "relation_labels": list(report.relation_labels), "relations": dict(report.relations),
        "relation_f1": {
            "summary": {(label if label is not None else ALL): {
                mode: _spread(report.relation_spread(mode, label)) for mode in RELATION_MODES}
                for label in (None, *report.relation_labels)},
            "pairs": [{"a": row.pair[0], "b": row.pair[1], "label": row.label,
                       "exact": _f1(row.exact), "lenient": _f1(row.lenient),
                       "unpaired_exact": row.unpaired_exact, "unpaired_lenient": row.unpaired_lenient}
                      for row in report.relation_f1]},
        "relation_disagreements": [{
            "document": item.document, "title": item.title, "label": item.group.label,
            "kind": _KIND[item.group.kind],
            "differences": sorted(_KIND[kind] for kind in item.group.differences),
            "start": item.group.start, "end": item.group.end,
            "versions": {name: {"head": mark.head._asdict(), "tail": mark.tail._asdict(),
                                "label": mark.label, "id": mark.id, "said": item.said(name)}
                         for name, mark in item.group.versions.items()},
            "missing": list(item.group.missing)} for item in report.relation_disagreements],
    }


def _json(report: Report) -> str:
    data = to_data(report)
    with without_cyclic_gc():
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


# -- terminal table ------------------------------------------------------------


def table(report: Report) -> RenderableType:
    """The report as rich tables; every cell is a printable Text, so no data is read as
    markup or reaches the terminal as a control sequence."""
    parts: list[RenderableType] = [Text(for_terminal(line)) for line in heading_lines(report)]
    for title, header, rows, footnote in [*table_sections(report), *disagreement_sections(report)]:
        grid = Table(title=Text(title, style="bold"), title_justify="left")
        for column in header:
            grid.add_column(Text(for_terminal(column)))
        for row in rows:
            grid.add_row(*(Text(for_terminal(cell_text(cell))) for cell in row))
        parts += [Text(""), grid]
        if footnote:
            parts.append(Text(footnote, style="dim"))
    return RichGroup(*parts)


# -- Markdown ------------------------------------------------------------------


def _md(cell: str) -> str:
    return for_terminal(cell).replace("\\", "\\\\").replace("|", "\\|")


def _markdown(report: Report) -> str:
    lines = ["# Inter-annotator agreement", ""]
    lines += [_md(line) + "  " for line in heading_lines(report)]
    for title, header, rows, footnote in [*table_sections(report), *disagreement_sections(report)]:
        lines += ["", f"## {title}", ""]
        lines.append("| " + " | ".join(_md(c) or " " for c in header) + " |")
        lines.append("|" + "---|" * len(header))
        lines += ["| " + " | ".join(_md(cell_text(c)) for c in row) + " |" for row in rows]
        if footnote:
            lines += ["", _md(footnote)]
    return "\n".join(lines) + "\n"


# -- CSV -----------------------------------------------------------------------

CSV_COLUMNS = ["section", "measure", "label", "annotator_a", "annotator_b", "document",
               "start", "end", "value", "note"]


def _inert(cell: Any) -> Any:
    """A name or label as a spreadsheet shows it, never as a formula it would run."""
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + cell
    return cell


def _csv(report: Report) -> str:
    """One tidy table: a row per number, named by section, measure, label, pair and document."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()

    def put(section: str, measure: str, value: Any, note: Any = None, **where: Any) -> None:
        writer.writerow({"section": section, "measure": measure,
                         "value": "" if value is None else value,
                         "note": "" if note is None else str(note),
                         **{column: _inert(cell) for column, cell in where.items()}})

    for row in report.span_f1:
        for mode in ("exact", "overlap"):
            counts = getattr(row, mode)
            where = {"label": row.label or ALL, "annotator_a": row.pair[0], "annotator_b": row.pair[1]}
            put("span_f1", f"f1_{mode}", counts.f1.value, counts.f1.note, **where)
            for name in ("tp", "fp", "fn"):
                put("span_f1", f"{name}_{mode}", getattr(counts, name), **where)
    for label in (None, *report.labels):
        for mode in ("exact", "overlap"):
            spread = report.spread(mode, label)
            put("span_f1_summary", f"f1_{mode}_mean", spread.mean.value, spread.mean.note,
                label=label or ALL)
            put("span_f1_summary", f"f1_{mode}_sd", spread.sd, label=label or ALL)
    for row in report.relation_f1:
        where = {"label": row.label or ALL, "annotator_a": row.pair[0], "annotator_b": row.pair[1]}
        for mode in RELATION_MODES:
            counts = getattr(row, mode)
            put("relation_f1", f"f1_{mode}", counts.f1.value, counts.f1.note, **where)
            for name in ("tp", "fp", "fn"):
                put("relation_f1", f"{name}_{mode}", getattr(counts, name), **where)
            put("relation_f1", f"end_missing_{mode}", getattr(row, f"unpaired_{mode}"), **where)
    for label in (None, *report.relation_labels) if report.relation_labels else ():
        for mode in RELATION_MODES:
            spread = report.relation_spread(mode, label)
            put("relation_f1_summary", f"f1_{mode}_mean", spread.mean.value, spread.mean.note,
                label=label or ALL)
            put("relation_f1_summary", f"f1_{mode}_sd", spread.sd, label=label or ALL)
    for row in report.token_rows:
        for (a, b), measure in row.cohen.items():
            put("tokens", "cohen_kappa", measure.value, measure.note, label=row.label,
                annotator_a=a, annotator_b=b)
        for name in ("fleiss", "alpha", "alpha_unitizing"):
            measure = getattr(row, name)
            put("tokens", name, measure.value, measure.note, label=row.label)
    for row in report.link_rows:
        where = {"annotator_a": row.pair[0], "annotator_b": row.pair[1]}
        put("links", "compared", row.compared, **where)
        put("links", "one_unlinked", row.one_unlinked, **where)
        put("links", "share", row.share.value, row.share.note, **where)
        put("links", "kappa", row.kappa.value, row.kappa.note, **where)
        put("links", "mention_f1", row.mention_f1.f1.value, row.mention_f1.f1.note, **where)
    for row in report.per_document:
        for mode in ("exact", "overlap"):
            spread = getattr(row, mode)
            put("documents", f"f1_{mode}_mean", spread.mean.value, spread.mean.note, document=row.uid)
        for kind, n in sorted(row.disagreements.items()):
            put("documents", f"disagreements_{kind}", n, document=row.uid)
    for item in report.disagreements:
        group = item.group
        put("disagreements", "+".join(sorted(str(k) for k in group.differences)), None,
            for_terminal(group.describe()), label="+".join(group.labels), document=item.document,
            start=group.start, end=group.end)
    for relation in report.relation_disagreements:
        group = relation.group
        put("relation_disagreements", kinds_of(relation), None, for_terminal(group.describe()),
            label=group.label, document=relation.document, start=group.start, end=group.end)
    return buffer.getvalue()
