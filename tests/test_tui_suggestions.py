"""Suggestions on the annotate screen, driven by keys and checked by what the store then holds."""

from __future__ import annotations

import pytest

from workbench.model import NewDocument
from workbench.recommend import Proposal
from workbench.tui.app import make_app
from workbench.tui.widgets.article import ArticleView

SIZE = (100, 30)
TEXT = "Officials said 40 attacks were repelled. Kyiv disputes the claim.\n\nShelling lasted nearly five hours."
OTHER = "Exports of 4.2 million tonnes resumed on Monday, the port authority said."


def at(part: str) -> tuple[int, int]:
    start = TEXT.index(part)
    return start, start + len(part)


@pytest.fixture
def suggested(store) -> str:
    store.add_documents([NewDocument(TEXT, "Shelling report", "first.txt")])
    [uid] = store.document_uids()
    store.add_suggestions(uid, "figures", [Proposal(*at("40 attacks"), "figure", score=0.9),
                                           Proposal(*at("nearly five hours"), "figure", score=0.9)])
    store.add_suggestions(uid, "sources", [Proposal(*at("Officials"), "source", score=0.7)])
    return uid


def shown(store, uid: str, annotator: str = "alice") -> list[str]:
    return [s.text for s in store.suggestions_for(uid, annotator)]


def spans(store, uid: str, annotator: str = "alice") -> list[tuple[str, str, tuple[str, ...]]]:
    return [(s.text, s.label, s.provenance) for s in store.spans(uid, annotator)]


async def test_n_then_a_accepts_the_next_suggestion_as_the_annotators_span(store, suggested):
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.press("o", "y")
        await pilot.app.workers.wait_for_complete()
        article = pilot.app.screen.query_one(ArticleView)
        # Suggestions are shown apart from spans: only the accepted one is a span on screen.
        assert [s.text for s in article.spans] == ["40 attacks"]
        assert {TEXT[start:end] for start, end, _ in article.suggested} >= {"Officials", "nearly five hours"}
    assert spans(store, suggested) == [("40 attacks", "figure", ("suggestion:figures",))]
    assert "40 attacks" not in shown(store, suggested)


async def test_another_label_key_accepts_the_suggestion_as_that_label(store, suggested):
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.press("o", "1")
    assert spans(store, suggested) == [("40 attacks", "claim", ("suggestion:figures",))]


async def test_undo_takes_an_accept_back_and_the_suggestion_returns(store, suggested):
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.press("y", "u")
        assert pilot.app.screen.query_one(ArticleView).spans == []
    assert spans(store, suggested) == []
    assert shown(store, suggested) == ["Officials", "40 attacks", "nearly five hours"]


async def test_a_rejection_stays_hidden_after_a_restart(store, suggested):
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.press("x")
    assert shown(store, suggested) == ["40 attacks", "nearly five hours"]
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        article = pilot.app.screen.query_one(ArticleView)
        assert (0, 9, "source") not in article.suggested
    assert shown(store, suggested) == ["40 attacks", "nearly five hours"]
    assert shown(store, suggested, "bob") == ["Officials", "40 attacks", "nearly five hours"]
    assert spans(store, suggested) == []


async def test_A_accepts_the_sentences_suggestions_and_one_undo_takes_them_all(store, suggested):
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.press("Y")
        assert [s[0] for s in spans(store, suggested)] == ["Officials", "40 attacks"]
        await pilot.press("u")
    assert spans(store, suggested) == []


async def test_opening_a_document_computes_the_cheap_suggestions_in_a_worker(store, suggested):
    store.add_documents([NewDocument(OTHER, "Grain", "second.txt")])
    other = store.document_uids()[1]
    assert shown(store, other) == []
    async with make_app(store, "alice", document=other).run_test(size=SIZE) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        article = pilot.app.screen.query_one(ArticleView)
        assert [OTHER[start:end] for start, end, _ in article.suggested] == ["4.2 million tonnes", "port authority"]
    assert shown(store, other) == ["4.2 million tonnes", "port authority"]
    assert spans(store, other) == []


async def test_the_status_line_counts_the_suggestions_left(store, suggested):
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert "3 suggestions" in str(pilot.app.screen.query_one("#status").render())
        await pilot.press("y")
        assert "2 suggestions" in str(pilot.app.screen.query_one("#status").render())


async def test_ctrl_a_accepts_the_paragraphs_suggestions_as_one_action(store, suggested):
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+a")
        assert [s[0] for s in spans(store, suggested)] == ["Officials", "40 attacks"]
        await pilot.press("o", "ctrl+a")
        assert [s[0] for s in spans(store, suggested)] == ["Officials", "40 attacks", "nearly five hours"]
        await pilot.press("u")
    assert [s[0] for s in spans(store, suggested)] == ["Officials", "40 attacks"]


async def test_the_status_line_names_the_keys_in_force(store, suggested):
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        status = str(pilot.app.screen.query_one("#status").render())
        assert "3 suggestions left (y accept, x reject, o next)" in status


async def test_ctrl_o_lists_the_suggestions_among_the_spans_and_a_click_accepts_nothing(store, suggested):
    from workbench.tui.widgets.span_list import SpanList

    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.press("o", "y")  # 40 attacks becomes a span
        span_list = pilot.app.screen.query_one(SpanList)
        assert [row.text for row in span_list.rows] == ["40 attacks"]
        await pilot.press("ctrl+o")
        assert [(row.text, type(row).__name__) for row in span_list.rows] == [
            ("Officials", "Suggestion"), ("40 attacks", "Span"), ("nearly five hours", "Suggestion")]
        line = "".join(segment.text for segment in span_list.render_line(0))
        assert "s? Officials" in line and "suggested" in line
        await pilot.click(SpanList, offset=(2, 2))  # nearly five hours
        await pilot.pause()
        assert spans(store, suggested) == [("40 attacks", "figure", ("suggestion:figures",))]
        await pilot.press("y")
        assert [(row.text, type(row).__name__) for row in span_list.rows] == [
            ("Officials", "Suggestion"), ("40 attacks", "Span"), ("nearly five hours", "Span")]
        await pilot.press("ctrl+o")
        assert [row.text for row in span_list.rows] == ["40 attacks", "nearly five hours"]
    assert [s[0] for s in spans(store, suggested)] == ["40 attacks", "nearly five hours"]
