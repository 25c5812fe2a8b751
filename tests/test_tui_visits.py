"""Opening and leaving a document: logged as events that nothing undoes, and the document
reopens where the annotator's cursor was left."""

from __future__ import annotations

import pytest

from workbench.model import NewDocument
from workbench.tui.app import make_app
from workbench.tui.widgets.article import SCROLL_MARGIN, ArticleView

SIZE = (100, 30)
FIRST = "Officials said 40 attacks were repelled. Kyiv disputes the claim.\n\nA second paragraph follows here."
SECOND = "Grain exports from Odesa resumed on Monday, the port authority said."
LONG = "\n".join(f"Line {number} of a long report on the front." for number in range(200))


@pytest.fixture
def docs(store) -> list[str]:
    store.add_documents([NewDocument(FIRST, "Shelling report", "first.txt"),
                         NewDocument(SECOND, "Grain exports", "second.txt"),
                         NewDocument(LONG, "Long report", "long.txt")])
    return store.document_uids()


async def test_a_document_reopens_where_the_cursor_was_left_also_after_a_restart(store, docs):
    async with make_app(store, "alice", document=docs[0]).run_test(size=SIZE) as pilot:
        await pilot.press("right_parenthesis")  # to "Kyiv", at 41
        await pilot.press("J")
        await pilot.press("K")
        back = pilot.app.screen.query_one(ArticleView).cursor
    async with make_app(store, "alice", document=docs[0]).run_test(size=SIZE) as pilot:
        await pilot.pause()
        restarted = pilot.app.screen.query_one(ArticleView).cursor

    assert back == restarted == 41
    assert store.last_cursor(docs[0], "alice") == 41
    assert store.last_cursor(docs[1], "alice") == 0


async def test_opening_and_leaving_are_logged_and_change_no_status(store, docs):
    async with make_app(store, "alice", document=docs[0]).run_test(size=SIZE) as pilot:
        await pilot.press("w", "v", "1", "J")
    first = [(event.action, event.after) for event in store.events(document=docs[0], annotator="alice")
             if event.action != "time"]
    second = [event.action for event in store.events(document=docs[1], annotator="alice")
              if event.action != "time"]

    assert [action for action, _ in first] == ["open", "add", "leave"]
    assert first[-1][1] == {"cursor": 10}  # on "said", the span just made
    assert second == ["open", "leave"]
    assert store.status(docs[1], "alice") == "new"  # only looked at: not started


async def test_undo_and_redo_pass_over_leaving_and_coming_back(store, docs):
    async with make_app(store, "alice", document=docs[0]).run_test(size=SIZE) as pilot:
        await pilot.press("v", "1", "u", "J", "K")
        await pilot.press("U")
        await pilot.press("J", "K", "u")
        await pilot.press("J", "K", "U")

    assert [(s.label, s.text) for s in store.spans(docs[0], "alice")] == [("claim", "Officials")]
    assert [e.action for e in store.events(document=docs[0], annotator="alice")
            if e.action not in ("time", "open", "leave")] == ["add", "undo", "redo", "undo", "redo"]


async def test_a_document_left_near_its_end_reopens_with_rows_in_view_below_the_cursor(store, docs):
    near_end = LONG.index("Line 190 ")
    async with make_app(store, "alice", document=docs[2]).run_test(size=SIZE) as pilot:
        pilot.app.screen.view.move_to(near_end)
    async with make_app(store, "alice", document=docs[2]).run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = pilot.app.screen.query_one(ArticleView)
        cursor, shown, row = view.cursor, view.rows_shown(), view.cursor_row()

    assert cursor == near_end
    assert row in shown and row + SCROLL_MARGIN in shown
