"""Aligning annotators' spans and naming their disagreements."""

from __future__ import annotations

import pytest

from workbench.agreement.alignment import Group, Kind, Mark, align
from workbench.model import Span


def kinds(groups: list[Group]) -> list[tuple[int, int, Kind]]:
    return [(g.start, g.end, g.kind) for g in groups]


def test_identical_spans_of_every_annotator_are_one_agreed_group():
    groups = align({"a": [Mark(0, 4, "source", "Q1")], "b": [Mark(0, 4, "source", "Q1")]})
    assert len(groups) == 1
    assert groups[0].agreed and groups[0].kind is Kind.AGREED
    assert set(groups[0].versions) == {"a", "b"} and groups[0].missing == ()


def test_same_label_different_offsets_is_a_boundary_disagreement():
    groups = align({"a": [Mark(0, 10, "claim")], "b": [Mark(2, 10, "claim")]})
    assert kinds(groups) == [(0, 10, Kind.BOUNDARY)]


def test_same_offsets_different_label_is_a_label_disagreement():
    groups = align({"a": [Mark(0, 10, "claim")], "b": [Mark(0, 10, "figure")]})
    assert kinds(groups) == [(0, 10, Kind.LABEL)]
    assert groups[0].labels == ("claim", "figure")


def test_same_offsets_and_label_different_link_is_a_link_disagreement():
    groups = align({"a": [Mark(0, 4, "source", "Q1")], "b": [Mark(0, 4, "source", "NIL")]})
    assert kinds(groups) == [(0, 4, Kind.LINK)]


def test_span_nobody_else_has_is_only_some_and_names_who_lacks_it():
    groups = align({"a": [Mark(0, 4, "source")], "b": [], "c": [Mark(0, 4, "source")]})
    assert kinds(groups) == [(0, 4, Kind.ONLY_SOME)]
    assert groups[0].missing == ("b",)
    assert groups[0].describe() == "a 0-4 source; c 0-4 source; b -"


def test_exact_twin_wins_over_an_overlapping_span_of_the_same_annotator():
    groups = align({"a": [Mark(0, 10, "claim")],
                    "b": [Mark(0, 10, "claim"), Mark(2, 8, "claim")]})
    assert kinds(groups) == [(0, 10, Kind.AGREED), (2, 8, Kind.ONLY_SOME)]


def test_short_span_nested_in_a_long_span_of_another_label_stays_apart():
    # A source inside a claim is usually a separate mention, not a disagreement about one.
    groups = align({"a": [Mark(0, 40, "claim")], "b": [Mark(0, 5, "source")]})
    assert kinds(groups) == [(0, 5, Kind.ONLY_SOME), (0, 40, Kind.ONLY_SOME)]


def test_label_and_boundary_can_differ_at_once():
    groups = align({"a": [Mark(0, 10, "claim")], "b": [Mark(0, 9, "figure")]})
    assert groups[0].differences == {Kind.LABEL, Kind.BOUNDARY}
    assert groups[0].kind is Kind.LABEL


def test_three_annotators_group_with_at_most_one_span_each():
    groups = align({
        "a": [Mark(0, 10, "claim"), Mark(20, 25, "figure")],
        "b": [Mark(0, 10, "claim"), Mark(20, 25, "figure")],
        "c": [Mark(1, 10, "claim"), Mark(20, 25, "figure")],
    })
    assert kinds(groups) == [(0, 10, Kind.BOUNDARY), (20, 25, Kind.AGREED)]
    assert groups[0].versions["c"] == Mark(1, 10, "claim")


def test_stored_spans_keep_their_ids_for_the_review_screen():
    span = Span("abc123", "doc", "alice", 3, 7, "claim", "text")
    groups = align({"alice": [Mark.of(span)], "bob": []})
    assert groups[0].versions["alice"].id == "abc123"


def test_tuples_are_accepted_in_mark_field_order():
    groups = align({"a": [(0, 4, "source", None)], "b": [(0, 4, "source")]})
    assert groups[0].agreed


def test_no_spans_gives_no_groups():
    assert align({"a": [], "b": []}) == []


def test_a_single_annotator_agrees_with_itself():
    groups = align({"a": [Mark(0, 4, "source")]})
    assert groups[0].agreed


def test_empty_span_is_rejected():
    with pytest.raises(ValueError, match="does not end after it starts"):
        align({"a": [Mark(4, 4, "source")]})


def test_result_does_not_depend_on_span_order():
    a = [Mark(0, 10, "claim"), Mark(5, 15, "claim"), Mark(30, 33, "figure")]
    b = [Mark(2, 12, "claim"), Mark(30, 34, "figure")]
    forward = align({"a": a, "b": b})
    backward = align({"a": a[::-1], "b": b[::-1]})
    assert [g.versions for g in forward] == [g.versions for g in backward]
