"""The side panel: narrower on a small terminal, hidden and resized with keys, remappable."""

from __future__ import annotations

import pytest

from workbench.config import Config
from workbench.model import NewDocument
from workbench.tui.app import make_app
from workbench.tui.screens.annotate_panel import ARTICLE_ROOM, PANEL_MIN, panel_width
from workbench.tui.widgets.article import ArticleView
from workbench.tui.widgets.span_list import SpanList

TEXT = "Officials said 40 attacks were repelled. Kyiv disputes the claim."


@pytest.fixture
def doc(store) -> str:
    store.add_documents([NewDocument(TEXT, "Attacks", "one.txt")])
    return store.document_uids()[0]


def widths(app) -> tuple[int, int]:
    screen = app.screen
    panel = screen.query_one(SpanList)
    return (panel.outer_size.width if panel.display else 0, screen.query_one(ArticleView).outer_size.width)


def test_the_panel_gives_way_on_a_small_terminal_and_keeps_its_width_on_a_wide_one():
    assert panel_width(38, 80) == 80 - ARTICLE_ROOM == 24
    assert panel_width(38, 100) == 38
    assert panel_width(38, 60) == PANEL_MIN


async def test_at_80_columns_the_panel_leaves_the_article_most_of_the_screen(store, doc):
    async with make_app(store, "alice").run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        panel, article = widths(pilot.app)

    assert panel == 24 and article == 56


async def test_keys_hide_show_narrow_and_widen_the_panel_for_the_whole_session(store, doc):
    async with make_app(store, "alice").run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        seen = [widths(pilot.app)]
        for key in ("ctrl+b", "ctrl+b", "minus", "minus", "plus", "equals_sign", "equals_sign"):
            await pilot.press(key)
            await pilot.pause()
            seen.append(widths(pilot.app))
        await pilot.press("minus", "ctrl+b", "q", "enter")  # to the queue and back: still hidden
        await pilot.pause()
        again = widths(pilot.app)

    assert [panel for panel, _ in seen] == [38, 0, 38, 34, 30, 34, 38, 42]
    assert seen[1][1] > seen[0][1]  # hidden: the article takes the room
    assert again[0] == 0


async def test_the_panel_keys_can_be_remapped(store, doc):
    config = Config(keymap={"panel.toggle": "ctrl+g"})
    async with make_app(store, "alice", config=config).run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+g")
        await pilot.pause()
        hidden = widths(pilot.app)[0]

    assert hidden == 0


async def test_the_panel_keys_are_in_the_palette_and_the_help(store, doc):
    import io

    from rich.console import Console

    from workbench.tui.screens.help import HelpScreen

    async with make_app(store, "alice").run_test(size=(100, 30)) as pilot:
        titles = {command.title for command in pilot.app.get_system_commands(pilot.app.screen)}
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HelpScreen)
        table = pilot.app.screen.query_one("#help-body Static").content
        console = Console(width=200, record=True, file=io.StringIO())
        console.print(table)
        shown = console.export_text()

    assert {"Hide or show the side panel", "Narrower side panel", "Wider side panel"} <= titles
    assert all(binding_id in shown for binding_id in ("panel.toggle", "panel.narrower", "panel.wider"))
