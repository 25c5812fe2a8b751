"""The queue screen: every document with this annotator's progress, filtered and opened by key."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input

from workbench.model import NewDocument
from workbench.tui.app import make_app
from workbench.tui.screens.annotate import AnnotateScreen
from workbench.tui.screens.queue import QueueScreen

SIZE = (100, 30)


@pytest.fixture
def docs(store) -> list[str]:
    store.add_documents([
        NewDocument("Shelling continued near Bakhmut on Tuesday.", "Bakhmut shelling", "a.txt"),
        NewDocument("Grain exports from Odesa resumed.", "Odesa grain", "b.txt"),
        NewDocument("Sanctions were agreed in Brussels.", "EU sanctions", "c.txt"),
    ])
    return store.document_uids()


async def open_queue(pilot) -> DataTable:
    await pilot.press("q")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    assert isinstance(pilot.app.screen, QueueScreen)
    return pilot.app.screen.query_one(DataTable)


def titles(table: DataTable) -> list[str]:
    return [str(table.get_row_at(row)[-1]) for row in range(table.row_count)]


def row_of(table: DataTable, title: str) -> list[str]:
    return [str(cell) for cell in table.get_row_at(titles(table).index(title))]


async def test_q_shows_every_document_with_status_and_span_count(store, docs):
    store.set_status(docs[1], "alice", "done")

    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.press("v", "1")
        table = await open_queue(pilot)

        assert titles(table) == ["Bakhmut shelling", "Odesa grain", "EU sanctions"]
        assert row_of(table, "Bakhmut shelling")[1:3] == ["in_progress", "1"]
        assert row_of(table, "Odesa grain")[1:3] == ["done", "0"]
        assert row_of(table, "EU sanctions")[1:3] == ["new", "0"]


async def test_f_cycles_the_status_filter(store, docs):
    store.set_status(docs[1], "alice", "done")
    store.set_status(docs[2], "alice", "skipped")

    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.press("D")  # the only unfinished document: back to the queue
        table = await open_queue_after_finish(pilot)
        shown = {}
        for _ in range(5):
            await pilot.press("f")
            shown[pilot.app.screen.status_filter] = titles(table)

    assert shown == {
        "new": [],
        "in_progress": [],
        "done": ["Bakhmut shelling", "Odesa grain"],
        "skipped": ["EU sanctions"],
        "all": ["Bakhmut shelling", "Odesa grain", "EU sanctions"],
    }


async def open_queue_after_finish(pilot) -> DataTable:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    assert isinstance(pilot.app.screen, QueueScreen)
    return pilot.app.screen.query_one(DataTable)


async def test_slash_then_typing_filters_titles_and_enter_opens_the_match(store, docs):
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        table = await open_queue(pilot)
        await pilot.press("slash")
        assert isinstance(pilot.app.focused, Input)
        await pilot.press(*"ODESA")
        assert titles(table) == ["Odesa grain"]
        await pilot.press("enter")
        assert pilot.app.focused is table
        await pilot.press("enter")
        await pilot.pause()

        assert isinstance(pilot.app.screen, AnnotateScreen)
        assert pilot.app.screen.document == docs[1]
        await pilot.press("v", "2")

    assert [(s.label, s.text) for s in store.spans(docs[1], "alice")] == [("source", "Grain")]


async def test_enter_on_a_row_opens_that_document(store, docs):
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await open_queue(pilot)
        await pilot.press("down", "down", "enter")
        await pilot.pause()

        assert isinstance(pilot.app.screen, AnnotateScreen)
        assert pilot.app.screen.document == docs[2]
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(pilot.app.screen, QueueScreen)
        assert len(pilot.app.screen_stack) == 2, "leaving a document never stacks screens"


async def test_queue_header_counts_finished_documents(store, docs):
    store.set_status(docs[0], "alice", "skipped")

    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await open_queue(pilot)
        header = pilot.app.screen.query_one("#queue-header").render()

    assert "1/3 finished" in str(header)


async def test_the_help_screen_lists_the_queue_keys(store, docs):
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await open_queue(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        shown = pilot.app.export_screenshot()

    for binding_id in ("queue.filter", "queue.search", "app.quit"):
        assert binding_id in shown


async def test_agreement_view_shows_the_report_for_finished_documents(store):
    from workbench.model import NewDocument
    from workbench.tui.screens.agreement import AgreementScreen

    store.add_documents([NewDocument("Kyiv said 40 drones were shot down.", "t", "a.txt")])
    uid = store.document_uids()[0]
    for name, label in (("alice", "claim"), ("bob", "figure")):
        store.ensure_annotator(name)
        store.add_span(uid, name, 10, 12, label)
        store.set_status(uid, name, "done")

    async with make_app(store, "alice").run_test(size=(120, 40)) as pilot:
        await pilot.press("q")
        await pilot.pause()
        await pilot.press("A")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(pilot.app.screen, AgreementScreen)
        shown = pilot.app.screen.query_one("#agreement-report").content
        text = "".join(segment.text for segment in pilot.app.console.render(shown))
    assert "alice" in text and "bob" in text
    assert "claim" in text and "figure" in text


async def test_agreement_view_offers_a_key_for_unfinished_documents_not_a_command_line_flag(store):
    from workbench.model import NewDocument

    store.add_documents([NewDocument("Kyiv said 40 drones were shot down.", "t", "a.txt")])
    uid = store.document_uids()[0]
    for name, label in (("alice", "claim"), ("bob", "figure")):
        store.ensure_annotator(name)
        store.add_span(uid, name, 10, 12, label)  # in progress: neither marked it done

    def report_text(pilot) -> str:
        shown = pilot.app.screen.query_one("#agreement-report").content
        return "".join(segment.text for segment in pilot.app.console.render(shown))

    async with make_app(store, "alice").run_test(size=(120, 40)) as pilot:
        await pilot.press("q")
        await pilot.pause()
        await pilot.press("A")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        refused = report_text(pilot)
        await pilot.press("s")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        counted = report_text(pilot)

    assert "no documents meet the criteria" in refused and "Press s" in refused
    assert "--status" not in refused
    assert "claim" in counted and "figure" in counted and "alice" in counted
    assert [store.status(uid, name) for name in ("alice", "bob")] == ["in_progress", "in_progress"]
