"""Relations in the annotate screen, driven by keys and checked by what the store then holds."""

from __future__ import annotations

import pytest

from conftest import Notifications
from textual.widgets import Static

from workbench.attribution import candidate_ends, next_along, next_lacking, relation_choices
from workbench.model import DEFAULT_RELATION_TYPES, NewDocument, Relation, RelationType, Span
from workbench.tui.app import make_app
from workbench.tui.screens.relate import RelationEndScreen, RelationTypeScreen
from workbench.tui.widgets.article import ArticleView
from workbench.tui.widgets.span_list import SpanList

SIZE = (100, 30)
TEXT = ("The general staff said losses were over 1,000 soldiers per day. Kyiv expects more attacks, "
        "officials said. The mayor reported 12 injured.")


def at(phrase: str) -> tuple[int, int]:
    start = TEXT.index(phrase)
    return start, start + len(phrase)


@pytest.fixture
def article(store):
    store.add_documents([NewDocument(TEXT, "Losses", "losses.txt")])
    document = store.document_uids()[0]
    spans = {name: store.add_span(document, "alice", *at(phrase), label) for name, phrase, label in (
        ("staff", "The general staff", "source"),
        ("losses", "losses were over 1,000 soldiers per day", "claim"),
        ("attacks", "Kyiv expects more attacks", "claim"),
        ("officials", "officials", "source"),
        ("figure", "12 injured", "figure"),
    )}
    return document, spans


def pairs(store, document) -> list[tuple[str, str, str]]:
    texts = {span.id: span.text for span in store.spans(document)}
    return [(texts[r.head], r.label, texts[r.tail]) for r in store.relations(document, "alice")]


async def focus(pilot, span: Span) -> None:
    view = pilot.app.screen.query_one(ArticleView)
    view.focus_span(span)
    await pilot.pause()


async def test_r_then_enter_attributes_a_claim_to_the_source_in_its_sentence(store, article):
    document, spans = article
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await focus(pilot, spans["losses"])
        await pilot.press("r")
        assert isinstance(pilot.app.screen, RelationEndScreen)
        await pilot.press("enter")
        await pilot.pause()
    assert pairs(store, document) == [("losses were over 1,000 soldiers per day", "attributed_to",
                                       "The general staff")]


async def test_r_then_enter_on_an_attributed_claim_offers_the_next_source_not_the_one_it_has(store, article):
    document, spans = article
    store.add_relation(spans["losses"].id, spans["staff"].id, "attributed_to")
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await focus(pilot, spans["losses"])
        await pilot.press("r", "enter")
        await pilot.pause()
    assert pairs(store, document) == [
        ("losses were over 1,000 soldiers per day", "attributed_to", "The general staff"),
        ("losses were over 1,000 soldiers per day", "attributed_to", "officials")]


async def test_starting_on_the_source_still_makes_the_claim_the_head(store, article):
    document, spans = article
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await focus(pilot, spans["officials"])
        await pilot.press("r", "enter")
        await pilot.pause()
    assert pairs(store, document) == [("Kyiv expects more attacks", "attributed_to", "officials")]


async def test_a_hint_picks_a_source_outside_the_sentence(store, article):
    document, spans = article
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await focus(pilot, spans["losses"])
        await pilot.press("r")
        screen = pilot.app.screen
        hint = next(label for offset, label in screen.hints.items()
                    if screen.span_at(offset).id == spans["officials"].id)
        await pilot.press(*hint)
        await pilot.pause()
    assert pairs(store, document) == [("losses were over 1,000 soldiers per day", "attributed_to", "officials")]


async def test_the_relation_shows_in_the_status_line_span_list_and_text_and_undo_takes_it_back(store, article):
    document, spans = article
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await focus(pilot, spans["losses"])
        await pilot.press("r", "enter")
        await pilot.pause()
        status = str(pilot.app.screen.query_one("#status", Static).render())
        assert "← source “The general staff”" in status
        span_list = pilot.app.screen.query_one(SpanList)
        row = next(span_list.describe(span) for span in span_list.spans if span.id == spans["losses"].id)
        assert row.plain.endswith("← The general staff")
        assert pilot.app.screen.query_one(ArticleView).related == {spans["staff"].id}
        await pilot.press("u")
        await pilot.pause()
        assert pairs(store, document) == []
        await pilot.press("U")
        await pilot.pause()
    assert len(pairs(store, document)) == 1


async def test_the_span_list_shows_a_long_claims_source_at_every_panel_width(store, article):
    """A claim is longer than the panel is wide: its text gives way, never the other end."""
    document, spans = article
    store.add_relation(spans["losses"].id, spans["staff"].id, "attributed_to")
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await focus(pilot, spans["losses"])
        for narrower in range(6):
            span_list = pilot.app.screen.query_one(SpanList)
            row = next(i for i, span in enumerate(span_list.spans) if span.id == spans["losses"].id)
            shown = span_list.render_line(row).text
            assert shown.startswith("c lo") and "← Th" in shown, (span_list.size.width, shown)
            await pilot.press("-")
            await pilot.pause()


async def test_apostrophe_goes_out_to_each_source_of_a_claim_and_back(store, article):
    document, spans = article
    for claim, source in (("losses", "staff"), ("losses", "officials"), ("attacks", "officials")):
        store.add_relation(spans[claim].id, spans[source].id, "attributed_to")
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await focus(pilot, spans["losses"])
        view = pilot.app.screen.query_one(ArticleView)
        visited = []
        for _ in range(4):
            await pilot.press("apostrophe")
            visited.append(next(name for name, span in spans.items() if span.id == view.current_id))
    assert visited == ["staff", "losses", "officials", "losses"]


async def test_shift_r_deletes_the_relation_shown_and_undo_brings_it_back(store, article):
    document, spans = article
    store.add_relation(spans["losses"].id, spans["staff"].id, "attributed_to")
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await focus(pilot, spans["staff"])
        await pilot.press("R")
        await pilot.pause()
        assert pairs(store, document) == []
        await pilot.press("u")
        await pilot.pause()
    assert len(pairs(store, document)) == 1


async def test_deleting_a_source_takes_its_relation_and_one_undo_restores_both(store, article):
    document, spans = article
    store.add_relation(spans["losses"].id, spans["staff"].id, "attributed_to")
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await focus(pilot, spans["staff"])
        await pilot.press("d")
        await pilot.pause()
        assert pairs(store, document) == []
        await pilot.press("u")
        await pilot.pause()
    assert pairs(store, document) == [("losses were over 1,000 soldiers per day", "attributed_to",
                                       "The general staff")]


async def test_bang_goes_to_the_next_claim_without_a_source(store, article):
    document, spans = article
    store.add_relation(spans["losses"].id, spans["staff"].id, "attributed_to")
    notes = Notifications()
    async with make_app(store, "alice").run_test(size=SIZE, message_hook=notes) as pilot:
        view = pilot.app.screen.query_one(ArticleView)
        await pilot.press("exclamation_mark")
        assert view.current_id == spans["attacks"].id
        store.add_relation(spans["attacks"].id, spans["officials"].id, "attributed_to")
        pilot.app.screen.reload_relations()
        await pilot.press("exclamation_mark")
        await pilot.pause()
    assert notes[-1] == "Every claim has its relation."


async def test_relating_a_figure_says_nothing_fits(store, article):
    document, spans = article
    notes = Notifications()
    async with make_app(store, "alice").run_test(size=SIZE, message_hook=notes) as pilot:
        await focus(pilot, spans["figure"])
        await pilot.press("r")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, RelationEndScreen)
    assert "No span here can be related to this figure" in notes[-1]
    assert pairs(store, document) == []


async def test_with_two_fitting_types_a_key_picks_one(store, article):
    document, spans = article
    store.set_relation_types([*DEFAULT_RELATION_TYPES, RelationType("quotes", "q", "", ("claim",), ("source",))])
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await focus(pilot, spans["losses"])
        await pilot.press("r", "enter")
        assert isinstance(pilot.app.screen, RelationTypeScreen)
        await pilot.press("q")
        await pilot.pause()
    assert pairs(store, document) == [("losses were over 1,000 soldiers per day", "quotes", "The general staff")]


# -- the pure rules behind the keys ----------------------------------------------------------

def span(id: str, label: str, start: int, end: int = 0) -> Span:
    return Span(id, "d", "a", start, end or start + 3, label, "x")


def test_choices_put_the_claim_at_the_head_whichever_span_came_first():
    claim, source = span("c", "claim", 0), span("s", "source", 10)
    [choice] = relation_choices(DEFAULT_RELATION_TYPES, source, claim)
    assert (choice.head.id, choice.tail.id) == ("c", "s")
    assert relation_choices(DEFAULT_RELATION_TYPES, claim, span("f", "figure", 20)) == []


def test_candidates_come_from_the_sentence_first_then_nearest_first():
    claim = span("c", "claim", 50)
    far_before, inside, after, near_before = (span("b", "source", 5), span("i", "source", 44),
                                              span("a", "source", 80), span("n", "source", 30))
    ordered = candidate_ends(DEFAULT_RELATION_TYPES, claim, [far_before, after, inside, near_before], (40, 70))
    assert [s.id for s in ordered] == ["i", "n", "a", "b"]


def test_following_goes_out_to_each_source_of_a_claim_and_back_in_turn():
    relations = [Relation("r1", "d", "a", "c", "s1", "attributed_to"),
                 Relation("r2", "d", "a", "c", "s2", "attributed_to"),
                 Relation("r3", "d", "a", "c2", "s1", "attributed_to")]
    assert next_along("c", relations, None, False).id == "r1"
    assert next_along("s1", relations, "r1", False).id == "r1"  # back to c, not on to c2
    assert next_along("c", relations, "r1", True).id == "r2"
    assert next_along("s2", relations, "r2", False).id == "r2"
    assert next_along("c", relations, "r2", True).id == "r1"


def test_the_next_claim_without_a_source_wraps_round():
    claims = [span("c1", "claim", 0), span("c2", "claim", 20), span("c3", "claim", 40)]
    relations = [Relation("r", "d", "a", "c2", "s", "attributed_to")]
    assert next_lacking(DEFAULT_RELATION_TYPES, claims, relations, after=10).id == "c3"
    assert next_lacking(DEFAULT_RELATION_TYPES, claims, relations, after=45).id == "c1"
