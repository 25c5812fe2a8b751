"""The agreement report as a self-contained HTML page: heatmaps, bars and the tables of `render`."""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from typing import Any

from workbench.agreement.sections import (NOTED, SHOWN_DISAGREEMENTS, Cell, cell_text, f1_matrix, heading_lines,
                                          kinds_of, more_note, table_sections)
from workbench.agreement.results import Report
from workbench.text import for_terminal

__all__ = ["html_page"]

_STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 72em; color: #222; }
table { border-collapse: collapse; margin: .5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td.heat { text-align: center; min-width: 5em; }
td.self { background: repeating-linear-gradient(45deg, #fff, #fff 4px, #eee 4px, #eee 8px); }
td.undefined { background: #ddd; color: #555; }
.legend { display: flex; align-items: center; gap: .5em; margin: -1em 0 1.5em; font-size: 90%; }
.legend .ramp { width: 16em; height: 1em; border: 1px solid #ccc; }
.note { color: #666; font-size: 90%; }
td[title] { cursor: help; }
mark { padding: 0 .15em; }
svg text { font: 12px system-ui, sans-serif; }
"""
# viridis: sequential, readable in grey and by the common colour-vision deficiencies.
_SCALE = ("#440154", "#414487", "#2a788e", "#22a884", "#7ad151", "#fde725")


def _scale_start(values: list[float]) -> float:
    """Where the colour scale begins: just below the lowest value shown, so that close
    values still differ in colour."""
    if not values:
        return 0.0
    return max(0.0, min(math.floor(min(values) * 20) / 20, 0.95))


def _heat(value: float, low: float) -> tuple[str, str]:
    """(background, text colour) for a value on the scale from `low` to 1."""
    share = max(0.0, min(1.0, (value - low) / (1.0 - low)))
    position = share * (len(_SCALE) - 1)
    index = min(int(position), len(_SCALE) - 2)
    fraction = position - index
    start, end = _SCALE[index], _SCALE[index + 1]
    rgb = [round(int(start[k:k + 2], 16) * (1 - fraction) + int(end[k:k + 2], 16) * fraction)
           for k in (1, 3, 5)]
    return "#" + "".join(f"{part:02x}" for part in rgb), "#fff" if share < 0.55 else "#222"


def _heatmap(report: Report, mode: str) -> list[str]:
    e = html.escape
    matrix = f1_matrix(report, mode)
    low = _scale_start([v for row in matrix.values() for v in row.values() if v is not None])
    lines = [f'<h2>Pairwise F1 heatmap ({mode}, all labels)</h2><table class="heatmap">',
             "<tr><th></th>" + "".join(f"<th>{e(b)}</th>" for b in report.annotators) + "</tr>"]
    for a in report.annotators:
        cells = []
        for b in report.annotators:
            value = matrix[a].get(b)
            if a == b:
                cells.append('<td class="heat self" title="the same annotator: nothing to compare"></td>')
            elif value is None:
                cells.append(f'<td class="heat undefined" title="{e(a)} / {e(b)}: undefined">n/a</td>')
            else:
                background, colour = _heat(value, low)
                cells.append(f'<td class="heat" data-value="{value:.3f}" title="{e(a)} / {e(b)}: {value:.3f}" '
                             f'style="background:{background};color:{colour}">{value:.3f}</td>')
        lines.append(f"<tr><th>{e(a)}</th>{''.join(cells)}</tr>")
    ramp = ", ".join(_SCALE)
    lines += ["</table>",
              f'<div class="legend"><span>{low:.2f}</span>'
              f'<span class="ramp" style="background:linear-gradient(to right, {ramp})"></span>'
              "<span>1.00</span><span class=\"note\">F1; the scale starts at the lowest value shown, "
              "rounded down to 0.05. Hatched: an annotator with themself.</span></div>"]
    return lines


def _html_cell(cell: Cell, notes: dict[str, int]) -> str:
    """A table cell; a value with a note shows the note as a tooltip and a numbered footnote."""
    e = html.escape
    if isinstance(cell, str) or cell.note is None:
        return f"<td>{e(cell_text(cell))}</td>"
    number = notes.setdefault(cell.note.value, len(notes) + 1)
    shown = "n/a" if cell.value is None else f"{cell.value:.3f}"
    return f'<td title="{e(cell.note.value)}">{shown}<sup>{number}</sup></td>'


def _html_disagreements(report: Report) -> list[str]:
    def version(item, name: str, mark) -> str:
        link = "" if mark.link is None else f" → {html.escape(mark.link)}"
        return (f"<mark>{html.escape(for_terminal(item.marked(name)))}</mark> {html.escape(mark.label)}{link}"
                f' <span class="note">{mark.start}–{mark.end}</span>')

    return _html_versions(report, "Disagreements", report.disagreements, "nothing marked",
                          {"kind": kinds_of}, version)


def _html_relation_disagreements(report: Report) -> list[str]:
    def version(item, name: str, mark) -> str:
        return (f"{html.escape(for_terminal(item.said(name)))}"
                f' <span class="note">{mark.head.start}–{mark.head.end} → {mark.tail.start}–{mark.tail.end}</span>')

    return _html_versions(report, "Relation disagreements", report.relation_disagreements, "no such relation",
                          {"relation": lambda item: item.group.label, "kind": kinds_of}, version)


def _html_versions(report: Report, title: str, disagreements: list, absent: str,
                   columns: dict[str, Callable[[Any], str]], version: Callable[[Any, str, Any], str]) -> list[str]:
    """A table of disagreements: the document, `columns`, then each annotator's version (HTML
    from `version`), or `absent` where the annotator has none."""
    e = html.escape
    items = disagreements[:SHOWN_DISAGREEMENTS]
    lines = [f"<h2>{e(title)}</h2><table>",
             "<tr><th>document</th>" + "".join(f"<th>{e(column)}</th>" for column in columns)
             + "".join(f"<th>{e(name)}</th>" for name in report.annotators) + "</tr>"]
    for item in items:
        cells = [f'<td class="note">{e(absent)}</td>' if item.group.versions.get(name) is None
                 else f"<td>{version(item, name, item.group.versions[name])}</td>" for name in report.annotators]
        shown = for_terminal(item.title) or item.document[:12]
        lines.append(f'<tr><td title="{e(item.document)}">{e(shown)}</td>'
                     + "".join(f"<td>{e(cell(item))}</td>" for cell in columns.values()) + "".join(cells) + "</tr>")
    lines.append("</table>")
    more = more_note(len(disagreements), len(items), title.lower())
    if more:
        lines.append(f'<p class="note">{e(more)}</p>')
    return lines


def html_page(report: Report) -> str:
    e = html.escape
    body = ["<h1>Inter-annotator agreement</h1>"]
    body += [f"<p>{e(line)}</p>" for line in heading_lines(report)]
    for mode in ("overlap", "exact"):
        body += _heatmap(report, mode)
    body.append("<h2>Per label</h2>")
    body.append(_bars(report))
    for title, header, rows, footnote in table_sections(report):
        notes: dict[str, int] = {}
        body.append(f"<h2>{e(title)}</h2><table>")
        body.append("<tr>" + "".join(f"<th>{e(c)}</th>" for c in header) + "</tr>")
        body += ["<tr>" + "".join(_html_cell(c, notes) for c in row) + "</tr>" for row in rows]
        body.append("</table>")
        if notes:
            body.append('<ol class="note">' + "".join(
                f'<li value="{number}">{e(text)}</li>' for text, number in notes.items()) + "</ol>")
        elif footnote and footnote != NOTED:
            body.append(f'<p class="note">{e(footnote)}</p>')
    body += _html_disagreements(report)
    if report.relation_labels:
        body += _html_relation_disagreements(report)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<title>Inter-annotator agreement</title>"
            f"<style>{_STYLE}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


def _bars(report: Report) -> str:
    """Per label: mean overlap F1, mean exact F1, Fleiss' kappa and alpha_U as horizontal bars."""
    series = [("F1 overlap", "#4e79a7"), ("F1 exact", "#a0cbe8"),
              ("Fleiss κ", "#f28e2b"), ("α_U", "#59a14f")]
    tokens = {row.label: row for row in report.token_rows}
    bar_height, gap, left, width = 14, 22, 190, 400
    rows = []
    y = 10
    for label in report.labels:
        row = tokens[label]
        values = [report.spread("overlap", label).mean.value, report.spread("exact", label).mean.value,
                  row.fleiss.value, row.alpha_unitizing.value]
        rows.append(f'<text x="0" y="{y + 12}" font-weight="bold">{html.escape(label)}</text>')
        y += 18
        for (name, colour), value in zip(series, values):
            length = 0 if value is None else max(0.0, min(1.0, value)) * width
            shown = "n/a" if value is None else f"{value:.3f}"
            rows.append(f'<text x="10" y="{y + 11}">{html.escape(name)}</text>'
                        f'<rect x="{left}" y="{y}" width="{length:.1f}" height="{bar_height}" '
                        f'fill="{colour}"/><text x="{left + length + 6:.1f}" y="{y + 11}">{shown}</text>')
            y += gap - 4
        y += gap
    return (f'<svg class="bars" width="{left + width + 80}" height="{y}" role="img" '
            f'aria-label="agreement per label">' + "".join(rows) + "</svg>"
            '<p class="note">Bars start at 0; negative values show as empty bars with their number.</p>')
