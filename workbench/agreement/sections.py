"""The agreement report's tables as plain rows, shared by every text format and the HTML page.

A section is (title, header, rows, footnote); a cell is text, or a `Measure` that each
format shows with its note.
"""

from __future__ import annotations

from workbench.agreement.measures import Measure
from workbench.agreement.results import Disagreement, RelationDisagreement, Report, Spread
from workbench.text import counted, for_terminal

SHOWN_DOCUMENTS = 50
SHOWN_DISAGREEMENTS = 100
ALL = "all"


def f1_matrix(report: Report, mode: str) -> dict[str, dict[str, float | None]]:
    """Each pair's F1 over all labels, both ways round, for `mode` "exact" or "overlap"."""
    cells: dict[str, dict[str, float | None]] = {name: {} for name in report.annotators}
    for row in report.span_f1:
        if row.label is None:
            value = getattr(row, mode).f1.value
            cells[row.pair[0]][row.pair[1]] = cells[row.pair[1]][row.pair[0]] = value
    return cells


def value_text(measure: Measure) -> str:
    return "n/a" if measure.value is None else f"{measure.value:.3f}"


def measure_cell(measure: Measure) -> str:
    """A value with its note, or the note's short reason when undefined."""
    if measure.value is None:
        return f"n/a ({measure.note.name.lower()})" if measure.note else "n/a"
    return value_text(measure) + ("*" if measure.note else "")


def spread_cell(spread: Spread) -> str:
    if spread.mean.value is None:
        return measure_cell(spread.mean)
    return f"{spread.mean.value:.3f} ± {spread.sd:.3f}"


Cell = str | Measure
NOTED = "* the value carries a note (perfect or trivial agreement); see the JSON for its text."


def cell_text(cell: Cell) -> str:
    return cell if isinstance(cell, str) else measure_cell(cell)


def table_sections(report: Report) -> list[tuple[str, list[str], list[list[Cell]], str]]:
    """(title, header, rows, footnote) for every table but the disagreements, shared by the
    text formats; a cell is text or a Measure, which each format shows with its note."""
    labels = [None, *report.labels]
    name = lambda label: ALL if label is None else label  # noqa: E731
    sections = [(
        "Span F1 (micro-averaged over documents; mean ± sd over pairs)",
        ["label", "exact", "overlap"],
        [[name(label), spread_cell(report.spread("exact", label)),
          spread_cell(report.spread("overlap", label))] for label in labels], "")]
    for mode in ("overlap", "exact"):
        matrix = f1_matrix(report, mode)
        sections.append((
            f"Pairwise F1 matrix ({mode}, all labels)", ["", *report.annotators],
            [[a, *("-" if a == b else number_text(matrix[a].get(b)) for b in report.annotators)]
             for a in report.annotators], ""))
    sections.append((
        "Pairwise F1 per label (overlap / exact)",
        ["pair", *(name(label) for label in labels)],
        [[f"{a} / {b}", *(f"{value_text(report.f1((a, b), label).overlap.f1)} / "
                          f"{value_text(report.f1((a, b), label).exact.f1)}" for label in labels)]
         for a, b in report.pairs], ""))
    if report.relation_labels:
        sections += relation_table_sections(report)
    sections.append((
        "Chance-corrected agreement on tokens (IN/OUT per label) and unitizing alpha",
        ["label", "tokens IN", *(f"κ {a}/{b}" for a, b in report.pairs),
         "Fleiss κ", "Krippendorff α", "α_U (chars)"],
        [[row.label, ", ".join(f"{n}: {c}" for n, c in row.tokens_in.items()),
          *(row.cohen[pair] for pair in report.pairs), row.fleiss, row.alpha, row.alpha_unitizing]
         for row in report.token_rows],
        NOTED))
    sections.append((
        "Entity links (mentions with the same offsets and label, both linked)",
        ["pair", "compared", "same", "share", "κ", "one side unlinked", "mention F1"],
        [[f"{row.pair[0]} / {row.pair[1]}", str(row.compared), str(row.same), row.share,
          row.kappa, str(row.one_unlinked), row.mention_f1.f1]
         for row in report.link_rows], NOTED))
    worst = sorted(report.per_document, key=lambda row: (
        row.overlap.mean.value if row.overlap.mean.value is not None else 2.0, row.uid))
    shown = worst[:SHOWN_DOCUMENTS]
    sections.append((
        "Documents, lowest agreement first",
        ["document", "title", "spans", "F1 overlap", "F1 exact", "disagreements"],
        [[row.uid[:12], for_terminal(row.title)[:50],
          ", ".join(f"{n}: {c}" for n, c in row.spans.items()),
          spread_cell(row.overlap), spread_cell(row.exact),
          ", ".join(f"{kind}: {n}" for kind, n in sorted(row.disagreements.items())) or "none"]
         for row in shown],
        more_note(len(worst), len(shown), "documents")))
    return sections


def relation_table_sections(report: Report) -> list[tuple[str, list[str], list[list[Cell]], str]]:
    name = lambda label: ALL if label is None else label  # noqa: E731
    labels = [None, *report.relation_labels]
    return [(
        "Relation F1 (micro-averaged over documents; mean ± sd over pairs)",
        ["relation", "exact", "lenient"],
        [[name(label), spread_cell(report.relation_spread("exact", label)),
          spread_cell(report.relation_spread("lenient", label))] for label in labels],
        "exact: both ends have the same offsets and labels; lenient: both ends overlap. "
        "Either way the relation has the same label and direction."), (
        "Relation F1 per pair, and relations not comparable for a missing end",
        ["pair", "relation", "lenient", "exact", "end missing (lenient)", "end missing (exact)"],
        [[f"{row.pair[0]} / {row.pair[1]}", name(row.label), value_text(row.lenient.f1), value_text(row.exact.f1),
          str(row.unpaired_lenient), str(row.unpaired_exact)] for row in report.relation_f1],
        "end missing: relations of either annotator with an end the other has no span for "
        "(exact: none with the same offsets and label; lenient: none overlapping); they count as "
        "unmatched.")]


def relation_disagreement_section(report: Report) -> tuple[str, list[str], list[list[Cell]], str]:
    items = report.relation_disagreements[:SHOWN_DISAGREEMENTS]
    return (
        "Relation disagreements",
        ["document", "relation", "kind", "offsets", "versions"],
        [[item.document[:12], item.group.label, kinds_of(item), f"{item.group.start}-{item.group.end}",
          for_terminal(item.group.describe())] for item in items],
        more_note(len(report.relation_disagreements), len(items), "relation disagreements"))


def disagreement_sections(report: Report) -> list[tuple[str, list[str], list[list[Cell]], str]]:
    """The disagreement tables: spans, then relations where there are any."""
    lists = [span_disagreement_section(report)]
    if report.relation_labels:
        lists.append(relation_disagreement_section(report))
    return lists


def span_disagreement_section(report: Report) -> tuple[str, list[str], list[list[Cell]], str]:
    items = report.disagreements[:SHOWN_DISAGREEMENTS]
    return (
        "Disagreements",
        ["document", "kind", "offsets", "versions"],
        [[item.document[:12], kinds_of(item), f"{item.group.start}-{item.group.end}",
          for_terminal(item.group.describe())]
         for item in items],
        more_note(len(report.disagreements), len(items), "disagreements"))


def kinds_of(item: Disagreement | RelationDisagreement) -> str:
    return "+".join(sorted(str(k) for k in item.group.differences))


def number_text(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def more_note(total: int, shown: int, what: str) -> str:
    if total <= shown:
        return ""
    return f"{shown} of {total} {what} shown; --format json or csv lists them all."


def heading_lines(report: Report) -> list[str]:
    spans = ", ".join(f"{name}: {n}" for name, n in report.spans.items())
    return [
        f"Documents: {report.basis}",
        f"{counted(report.documents, 'document')}, {counted(report.characters, 'character')}, "
        f"{counted(report.tokens, 'token')}; "
        f"spans per annotator: {spans or 'none'}; labels: {', '.join(report.labels)}.",
        *([f"Relations per annotator: {', '.join(f'{name}: {n}' for name, n in report.relations.items())}; "
           f"relation labels: {', '.join(report.relation_labels)}."] if report.relation_labels else []),
        *report.notes,
    ]
