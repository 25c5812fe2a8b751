"""Agreement on relations: exact and lenient relation F1, ends missing, alignment, and the report."""

from __future__ import annotations

import csv
import io
import json

import pytest

from workbench.agreement.alignment import Kind
from workbench.agreement.counting import ReportBuilder, build_report
from workbench.agreement.from_store import agreement_report
from workbench.agreement.relations import End, RelationMark, align_relations, compare_relations
from workbench.agreement.render import FORMATS, render, to_data
from workbench.agreement.results import ReportDocument
from workbench.model import NewDocument

TEXT = ("Ukraine’s general staff said Russian losses were over 1,000 soldiers per day. "
        "The mayor of Kharkiv reported 12 injured, he said.")


def at(phrase: str) -> tuple[int, int]:
    start = TEXT.index(phrase)
    return start, start + len(phrase)


STAFF = End(*at("Ukraine’s general staff"), "source")
LOSSES = End(*at("Russian losses were over 1,000 soldiers per day"), "claim")
LOSSES_SHORT = End(*at("Russian losses were over 1,000 soldiers"), "claim")
MAYOR = End(*at("The mayor of Kharkiv"), "source")
MAYOR_SHORT = End(*at("mayor of Kharkiv"), "source")
INJURED = End(*at("12 injured"), "claim")


def rel(head: End, tail: End, label: str = "attributed_to", id: str | None = None) -> RelationMark:
    return RelationMark(head, tail, label, id)


def test_exact_relation_f1_on_a_hand_computed_case():
    a = [rel(LOSSES, STAFF), rel(INJURED, MAYOR)]
    b = [rel(LOSSES, STAFF), rel(INJURED, MAYOR_SHORT)]
    compared = compare_relations(a, b, [STAFF, LOSSES, MAYOR, INJURED], [STAFF, LOSSES, MAYOR_SHORT, INJURED],
                                 exact=True)
    # One relation matches; the other's tail differs in offsets, so each side has one unmatched,
    # and each of those has an end (the mayor) the other did not mark exactly.
    assert (compared.tp, compared.fp, compared.fn, compared.unpaired) == (1, 1, 1, 2)


def test_lenient_relation_f1_matches_overlapping_ends_of_the_same_label_and_direction():
    a = [rel(LOSSES, STAFF), rel(INJURED, MAYOR)]
    b = [rel(LOSSES_SHORT, STAFF), rel(INJURED, MAYOR_SHORT)]
    compared = compare_relations(a, b, [STAFF, LOSSES, MAYOR, INJURED],
                                 [STAFF, LOSSES_SHORT, MAYOR_SHORT, INJURED], exact=False)
    assert (compared.tp, compared.fp, compared.fn, compared.unpaired) == (2, 0, 0, 0)


def test_a_relation_in_the_other_direction_or_of_another_label_does_not_match():
    a = [rel(LOSSES, STAFF)]
    for b in ([rel(STAFF, LOSSES)], [rel(LOSSES, STAFF, "quotes")]):
        for exact in (True, False):
            compared = compare_relations(a, b, [STAFF, LOSSES], [STAFF, LOSSES], exact=exact)
            assert (compared.tp, compared.fp, compared.fn, compared.unpaired) == (0, 1, 1, 0)


def test_a_relation_whose_end_the_other_did_not_mark_is_counted_as_not_comparable():
    a = [rel(LOSSES, STAFF), rel(INJURED, MAYOR)]
    b = [rel(LOSSES, STAFF)]
    # b marked the staff and the losses only: a's mayor relation had no chance either way.
    for exact in (True, False):
        compared = compare_relations(a, b, [STAFF, LOSSES, MAYOR, INJURED], [STAFF, LOSSES], exact=exact)
        assert (compared.tp, compared.fp, compared.fn, compared.unpaired) == (1, 0, 1, 1)
    # b marked the mayor a little shorter: not the same span, but an overlapping one.
    b_spans = [STAFF, LOSSES, MAYOR_SHORT, INJURED]
    assert compare_relations(a, b, a_spans := [STAFF, LOSSES, MAYOR, INJURED], b_spans, exact=True).unpaired == 1
    assert compare_relations(a, b, a_spans, b_spans, exact=False).unpaired == 0


def test_lenient_matching_never_takes_the_only_partner_of_another_relation():
    wide = End(LOSSES.start, INJURED.end, "claim")
    # a's first relation overlaps both of b's; a greedy choice could pair it with the only
    # partner of a's second relation.
    a = [rel(wide, STAFF), rel(INJURED, STAFF)]
    b = [rel(INJURED, STAFF), rel(LOSSES, STAFF)]
    spans = [STAFF, LOSSES, INJURED, wide]
    assert compare_relations(a, b, spans, spans, exact=False).tp == 2


def test_alignment_groups_versions_of_a_relation_and_names_how_they_differ():
    groups = align_relations({
        "alice": [rel(LOSSES, STAFF, id="a1"), rel(INJURED, MAYOR, id="a2")],
        "bob": [rel(LOSSES, STAFF, id="b1"), rel(INJURED, MAYOR_SHORT, id="b2")],
        "carol": [rel(LOSSES, STAFF, id="c1")],
    })
    assert [(group.kind, {name: mark.id for name, mark in group.versions.items()}, group.missing)
            for group in groups] == [
        (Kind.AGREED, {"alice": "a1", "bob": "b1", "carol": "c1"}, ()),
        (Kind.ONLY_SOME, {"alice": "a2", "bob": "b2"}, ("carol",)),
    ]
    assert groups[1].differences == {Kind.ONLY_SOME, Kind.BOUNDARY}


def flat(relation: RelationMark) -> tuple:
    return (*relation.head, *relation.tail, relation.label, relation.id)


def spans_of(*ends: End) -> list[tuple]:
    return [(end.start, end.end, end.label, None, f"s{k}") for k, end in enumerate(ends)]


def relation_document(uid: str = "d") -> ReportDocument:
    return ReportDocument(uid, TEXT, {
        "alice": spans_of(STAFF, LOSSES, MAYOR, INJURED),
        "bob": spans_of(STAFF, LOSSES, MAYOR_SHORT, INJURED),
    }, "Losses", {
        "alice": [flat(rel(LOSSES, STAFF, id="a1")), flat(rel(INJURED, MAYOR, id="a2"))],
        "bob": [flat(rel(LOSSES, STAFF, id="b1")), flat(rel(INJURED, MAYOR_SHORT, id="b2"))],
    })


def test_the_report_gives_relation_f1_per_label_and_pair_and_the_ends_missing():
    report = build_report([relation_document()], ["alice", "bob"], ["claim", "source"], "t")
    row = report.relation_f1_of(("alice", "bob"), "attributed_to")
    assert (row.exact.tp, row.exact.fp, row.exact.fn, row.unpaired_exact) == (1, 1, 1, 2)
    assert (row.lenient.tp, row.lenient.fp, row.lenient.fn, row.unpaired_lenient) == (2, 0, 0, 0)
    assert row.exact.f1.value == pytest.approx(0.5)
    assert report.relation_spread("lenient").mean.value == 1.0
    assert report.relations == {"alice": 2, "bob": 2}
    (disagreement,) = report.relation_disagreements
    assert disagreement.group.kind is Kind.BOUNDARY
    assert disagreement.said("bob") == "claim “12 injured” → source “mayor of Kharkiv”"


def test_restricting_labels_drops_relations_whose_end_has_another_label():
    report = build_report([relation_document()], ["alice", "bob"], ["claim"], "t")
    assert report.relation_labels == () and report.relation_f1 == []
    assert "relation" not in json.dumps(to_data(report))


def test_a_report_without_relations_has_no_relation_section_in_any_format():
    document = relation_document()
    bare = ReportDocument(document.uid, document.text, document.spans, document.title)
    report = build_report([bare], ["alice", "bob"], ["claim", "source"], "t")
    for fmt in FORMATS:
        assert "relation" not in render(report, fmt).lower()


def test_every_format_gives_relation_f1_and_relation_disagreements():
    report = build_report([relation_document()], ["alice", "bob"], ["claim", "source"], "t")
    data = json.loads(render(report, "json"))
    pair = next(row for row in data["relation_f1"]["pairs"] if row["label"] == "attributed_to")
    assert (pair["exact"]["tp"], pair["unpaired_exact"], pair["lenient"]["value"]) == (1, 2, 1.0)
    assert data["relation_f1"]["summary"]["all"]["exact"]["mean"]["value"] == pytest.approx(0.5)
    assert data["relation_disagreements"][0]["versions"]["alice"]["said"] == (
        "claim “12 injured” → source “The mayor of Kharkiv”")
    rows = list(csv.DictReader(io.StringIO(render(report, "csv"))))
    missing = {row["measure"]: row["value"] for row in rows
               if row["section"] == "relation_f1" and row["label"] == "attributed_to"}
    assert (missing["end_missing_exact"], missing["end_missing_lenient"], missing["f1_exact"]) == ("2", "0", "0.5")
    assert any(row["section"] == "relation_disagreements" for row in rows)
    for fmt in ("table", "markdown", "html"):
        shown = render(report, fmt)
        assert "Relation F1" in shown and "Relation disagreements" in shown
    assert "claim “12 injured” → source “mayor of Kharkiv”" in render(report, "html")


def test_builders_of_consecutive_parts_count_relations_as_the_whole():
    documents = [relation_document("d1"), relation_document("d2")]
    whole = build_report(documents, ["alice", "bob"], ["claim", "source"], "t")
    first, second = (ReportBuilder(("alice", "bob"), ("claim", "source")) for _ in range(2))
    first.add(documents[0])
    second.add(documents[1])
    first.merge(second)
    parts = first.finish("t")
    assert parts.relation_f1 == whole.relation_f1
    assert parts.relation_disagreements == whole.relation_disagreements


def test_the_report_from_the_store_compares_relations(store):
    store.add_documents([NewDocument(TEXT, "Losses", "news/losses.txt")])
    document = store.document_uids()[0]
    for name, mayor in (("alice", MAYOR), ("bob", MAYOR_SHORT)):
        made = {end: store.add_span(document, name, end.start, end.end, end.label)
                for end in (STAFF, LOSSES, mayor, INJURED)}
        store.add_relation(made[LOSSES].id, made[STAFF].id, "attributed_to")
        store.add_relation(made[INJURED].id, made[mayor].id, "attributed_to")
        store.set_status(document, name, "done")
    report = agreement_report(store, processes=1)
    row = report.relation_f1_of(("alice", "bob"))
    assert (row.exact.tp, row.lenient.tp, row.unpaired_exact) == (1, 2, 2)
    assert agreement_report(store, labels=["claim"], processes=1).relation_f1 == []


async def test_the_agreement_view_in_the_app_shows_relation_f1(store):
    from workbench.tui.app import make_app
    from workbench.tui.screens.agreement import AgreementScreen

    store.add_documents([NewDocument(TEXT, "Losses", "news/losses.txt")])
    document = store.document_uids()[0]
    for name, claim in (("alice", LOSSES), ("bob", LOSSES_SHORT)):
        source = store.add_span(document, name, STAFF.start, STAFF.end, "source")
        said = store.add_span(document, name, claim.start, claim.end, "claim")
        store.add_relation(said.id, source.id, "attributed_to")
        store.set_status(document, name, "done")

    async with make_app(store, "alice").run_test(size=(160, 50)) as pilot:
        await pilot.press("q")
        await pilot.pause()
        await pilot.press("A")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(pilot.app.screen, AgreementScreen)
        shown = pilot.app.screen.query_one("#agreement-report").content
        text = "".join(segment.text for segment in pilot.app.console.render(shown))
    assert "Relation F1" in text and "Relation disagreements" in text
    # The claims differ at the end: no exact relation match, one lenient.
    row = next(line for line in text.splitlines() if "alice / bob" in line and "attributed_to" in line)
    assert "1.000" in row and "0.000" in row


def test_relation_f1_notes_speak_of_relations_not_spans():
    document = ReportDocument("d", TEXT, {"alice": spans_of(STAFF, LOSSES), "bob": spans_of(STAFF, LOSSES)},
                              "Losses", {"alice": [flat(rel(LOSSES, STAFF, id="a1"))], "bob": []})
    report = build_report([document], ["alice", "bob"], ["claim", "source"], "t")
    row = report.relation_f1_of(("alice", "bob"))
    assert (row.exact.f1.value, str(row.exact.f1.note)) == (0.0, "one annotator made no relations")
