"""The annotate screen driven by keys, checked by what the store then holds."""

from __future__ import annotations

from importlib import resources
from types import SimpleNamespace

import pytest

from conftest import Notifications, actions
from textual.widgets import Static

from workbench.config import Config, remembered_annotator
from workbench.importer import import_paths
from workbench.model import NewDocument
from workbench.store import Store
from workbench.text import TextIndex
from workbench.tui.app import make_app
from workbench.tui.screens import annotate as annotate_module
from workbench.tui.screens import annotate_time
from workbench.tui.screens.annotate import AnnotateScreen
from workbench.tui.screens.help import HelpScreen
from workbench.tui.screens.queue import QueueScreen
from workbench.tui.widgets.article import ArticleView
from workbench.tui.widgets.article_positions import GUTTER
from workbench.tui.widgets.span_list import SpanList

SIZE = (100, 30)
# Tokens: Officials 0-9, said 10-14, 40 15-17, attacks 18-25, were 26-30, repelled 31-39,
# "." 39-40, Kyiv 41-45 ... Sentences: 0-40, 41-65, 67-99. Paragraphs: 0-65, 67-99.
FIRST = "Officials said 40 attacks were repelled. Kyiv disputes the claim.\n\nA second paragraph follows here."
SECOND = "Grain exports from Odesa resumed on Monday, the port authority said."
THIRD = "The EU agreed a new sanctions package worth 5 billion euros."


@pytest.fixture
def docs(store) -> list[str]:
    store.add_documents([
        NewDocument(FIRST, "Shelling report", "first.txt"),
        NewDocument(SECOND, "Grain exports", "second.txt"),
        NewDocument(THIRD, "Sanctions", "third.txt"),
    ])
    return store.document_uids()


def view(app) -> ArticleView:
    return app.screen.query_one(ArticleView)


def tagged(store, document: str, annotator: str = "alice") -> list[tuple[str, int, int, str]]:
    return [(s.label, s.start, s.end, s.text) for s in store.spans(document, annotator)]


def screen_lines(app) -> list[str]:
    """The text of every cell row on screen, as the terminal would be sent it."""
    return ["".join(segment.text for segment in line) for line in _screen_update(app).strips]


def screen_segments(app):
    for line in _screen_update(app).strips:
        for strip in line:
            yield from strip


def _screen_update(app):
    return app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)


def current_document(app) -> str:
    assert isinstance(app.screen, AnnotateScreen)
    return app.screen.document


# -- tagging -------------------------------------------------------------------


async def test_word_key_then_claim_key_saves_the_word_as_a_claim(store, docs):
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.press("v", "1")

    assert tagged(store, docs[0]) == [("claim", 0, 9, "Officials")]
    assert actions(store, document=docs[0]) == ["add"]


async def test_sentence_key_then_source_key_saves_the_whole_sentence(store, docs):
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.press("right_parenthesis", "s", "2")

    assert tagged(store, docs[0]) == [("source", 41, 65, "Kyiv disputes the claim.")]


async def test_label_key_without_selection_tags_the_token_at_the_cursor(store, docs):
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.press("w", "w", "3")

    assert tagged(store, docs[0]) == [("figure", 15, 17, "40")]


async def test_label_key_on_an_existing_span_relabels_it(store, docs):
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.press("v", "1", "2")

    assert tagged(store, docs[0]) == [("source", 0, 9, "Officials")]
    assert actions(store, document=docs[0]) == ["add", "relabel"]


async def test_shift_arrows_extend_a_selection_that_snaps_to_whole_tokens(store, docs):
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.press("w", "shift+right", "shift+right", "1")

    assert tagged(store, docs[0]) == [("claim", 10, 14, "said")]


async def test_shift_down_selects_across_a_row_and_snaps(store, docs):
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.press("w", "shift+down", "1")
        rows = view(pilot.app).rows

    (label, start, end, text), = tagged(store, docs[0])
    assert (label, start) == ("claim", 10)
    assert end > rows[0].end and text == FIRST[10:end]


async def test_character_precision_takes_the_selection_exactly(store, docs):
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.press("w", "t", "shift+right", "shift+right", "1")
        assert view(pilot.app).snap is False

    assert tagged(store, docs[0]) == [("claim", 10, 12, "sa")]


async def test_escape_clears_the_selection_so_the_label_tags_only_the_word(store, docs):
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.press("s", "escape", "1")

    (_, start, end, _), = tagged(store, docs[0])
    assert end - start < 40


async def test_bracket_keys_move_span_boundaries_a_token_at_a_time(store, docs):
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.press("w", "w", "v", "3")
        assert tagged(store, docs[0]) == [("figure", 15, 17, "40")]
        await pilot.press("greater_than_sign")
        assert tagged(store, docs[0]) == [("figure", 15, 25, "40 attacks")]
        await pilot.press("left_square_bracket")
        assert tagged(store, docs[0]) == [("figure", 10, 25, "said 40 attacks")]
        await pilot.press("right_square_bracket")
        assert tagged(store, docs[0]) == [("figure", 15, 25, "40 attacks")]
        await pilot.press("less_than_sign")

    assert tagged(store, docs[0]) == [("figure", 15, 17, "40")]
    assert actions(store, document=docs[0]) == ["add"] + ["resize"] * 4


async def test_the_header_says_in_progress_from_the_first_tag(store, docs):
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        header = pilot.app.screen.query_one("#header", Static)
        assert "[new]" in str(header.content)
        await pilot.press("1")
        assert "[in_progress]" in str(header.content)


async def test_resizing_or_relabelling_a_span_into_a_copy_of_another_is_refused(store, docs):
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.press("1", "w", "1", "w", "2")  # claims Officials and said, source 40
        await pilot.press("b", "v", "2")  # said as a source too
        await pilot.press("1")  # relabelled, it would copy the claim over said
        await pilot.press("w", "left_square_bracket")  # 40 grows to "said 40"
        await pilot.press("less_than_sign")  # shrunk back to "said", it would copy the source

    assert sorted(tagged(store, docs[0])) == [
        ("claim", 0, 9, "Officials"), ("claim", 10, 14, "said"),
        ("source", 10, 14, "said"), ("source", 10, 17, "said 40")]


async def test_bracket_keys_move_by_one_character_in_character_precision(store, docs):
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.press("w", "v", "1", "t", "greater_than_sign", "right_square_bracket")

    assert tagged(store, docs[0]) == [("claim", 11, 15, "aid ")]


async def test_delete_key_removes_the_span_under_the_cursor(store, docs):
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.press("v", "1", "w", "v", "2", "d")
        assert [span.text for span in view(pilot.app).spans] == ["Officials"]
        assert "]s" not in screen_lines(pilot.app)[1]

    assert tagged(store, docs[0]) == [("claim", 0, 9, "Officials")]
    assert actions(store, document=docs[0])[-1] == "delete"


# -- cursor and mouse ----------------------------------------------------------------------


async def test_up_and_down_keep_the_column_across_a_short_row(store):
    text = "A long first line with many words in it.\nShort.\nAnother long line with many words here."
    store.add_documents([NewDocument(text, "Rows", "rows.txt")])

    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        article = view(pilot.app)
        await pilot.press(*["w"] * 5)
        column = article.cursor
        await pilot.press("down")
        assert article.cursor < text.index("Another")
        await pilot.press("down")
        assert article.cursor == text.index("Another") + column
        await pilot.press("up", "up")
        assert article.cursor == column


async def test_moving_keys_move_the_cursor_in_an_article_taller_than_the_screen(store):
    text = "\n\n".join(f"Paragraph {n} says that {n} drones were shot down." for n in range(80))
    store.add_documents([NewDocument(text, "Long", "long.txt")])

    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        article = view(pilot.app)
        await pilot.press("down", "down")
        assert article.cursor == text.index("Paragraph 1 ")
        await pilot.press("pagedown", "pagedown")
        below = article.cursor
        assert below > text.index("Paragraph 20 ")
        assert article.scroll_offset.y > 0, "the view follows the cursor"
        await pilot.press("end", "3")
        await pilot.press("home", "pageup")
        assert article.cursor < below

    (span,) = store.spans(store.document_uids()[0], "alice")
    assert span.start > text.index("Paragraph 20 ") and span.label == "figure"


async def test_document_start_end_and_line_keys_land_where_they_say(store, docs):
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        article = view(pilot.app)
        await pilot.press("G")
        assert article.cursor == len(FIRST)
        await pilot.press("g", "right_curly_bracket")
        assert article.cursor == 67
        await pilot.press("left_curly_bracket")
        assert article.cursor == 0
        await pilot.press("end")
        first_row = article.rows[0]
        assert article.cursor == first_row.end - 1
        await pilot.press("home")
        assert article.cursor == 0


async def test_a_click_places_the_cursor_and_a_drag_selects(store, docs):
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        article = view(pilot.app)
        left = 1 + GUTTER  # padding and the label margin
        await pilot.click(ArticleView, offset=(left + 16, 0))  # "40"
        assert article.cursor == 16
        await pilot.mouse_down(ArticleView, offset=(left + 19, 0))
        await pilot.hover(ArticleView, offset=(left + 33, 0))
        await pilot.mouse_up(ArticleView, offset=(left + 33, 0))
        assert article.selection == (19, 33)
        await pilot.press("1")

    assert tagged(store, docs[0]) == [("claim", 18, 39, "attacks were repelled")]


# -- undo and redo ---------------------------------------------------------------


async def test_undo_and_redo_step_through_every_action(store, docs):
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.press("v", "1", "w", "2", "1")
        assert tagged(store, docs[0]) == [("claim", 0, 9, "Officials"), ("claim", 10, 14, "said")]
        await pilot.press("u")
        assert tagged(store, docs[0]) == [("claim", 0, 9, "Officials"), ("source", 10, 14, "said")]
        await pilot.press("u", "u")
        assert tagged(store, docs[0]) == []
        await pilot.press("ctrl+r")
        assert tagged(store, docs[0]) == [("claim", 0, 9, "Officials")]
        await pilot.press("ctrl+r", "ctrl+r")
        assert tagged(store, docs[0]) == [("claim", 0, 9, "Officials"), ("claim", 10, 14, "said")]
        assert len(view(pilot.app).spans) == 2


async def test_undo_reaches_actions_made_before_a_restart(store, docs):
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.press("v", "1")

    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        assert len(view(pilot.app).spans) == 1
        await pilot.press("u")
        assert tagged(store, docs[0]) == []
        assert view(pilot.app).spans == []
        await pilot.press("ctrl+r")

    assert tagged(store, docs[0]) == [("claim", 0, 9, "Officials")]


async def test_undo_with_nothing_to_undo_changes_nothing(store, docs):
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.press("u", "ctrl+r")
        assert isinstance(pilot.app.screen, AnnotateScreen)

    assert actions(store) == []


# -- moving between spans ------------------------------------------------------------


async def test_tab_and_shift_tab_jump_between_spans(store, docs):
    for start, end in ((10, 14), (31, 39), (67, 68)):
        store.add_span(docs[0], "alice", start, end, "claim")

    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        article = view(pilot.app)
        positions = []
        for key in ("tab", "tab", "tab", "tab", "shift+tab"):
            await pilot.press(key)
            positions.append((article.cursor, article.current.start))

    assert positions == [(10, 10), (31, 31), (67, 67), (10, 10), (67, 67)]


async def test_cycle_chooses_which_overlapping_span_a_label_changes(store, docs):
    store.add_span(docs[0], "alice", 0, 40, "claim")
    store.add_span(docs[0], "alice", 15, 17, "figure")

    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.press("w", "w")
        before = view(pilot.app).current.label
        await pilot.press("c")
        chosen = view(pilot.app).current.label
        assert {before, chosen} == {"claim", "figure"}
        await pilot.press("2")
        await pilot.press("c")
        assert view(pilot.app).current.label == before
        await pilot.press("c")

    relabelled = {"claim": ("source", 0, 40, "Officials said 40 attacks were repelled."),
                  "figure": ("source", 15, 17, "40")}[chosen]
    untouched = {"claim": ("figure", 15, 17, "40"),
                 "figure": ("claim", 0, 40, "Officials said 40 attacks were repelled.")}[chosen]
    assert sorted(tagged(store, docs[0])) == sorted([relabelled, untouched])


async def test_selecting_a_span_in_the_side_list_moves_the_cursor_to_it(store, docs):
    store.add_span(docs[0], "alice", 41, 45, "source")

    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.click(SpanList, offset=(2, 0))
        assert view(pilot.app).cursor == 41
        assert view(pilot.app).current.text == "Kyiv"


# -- documents -----------------------------------------------------------------


async def test_app_opens_at_the_first_unfinished_document(store, docs):
    store.set_status(docs[0], "alice", "done")
    store.set_status(docs[1], "alice", "skipped")

    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        assert current_document(pilot.app) == docs[2]
        assert view(pilot.app).text == THIRD


async def test_done_marks_the_document_and_opens_the_next_unfinished(store, docs):
    store.set_status(docs[1], "alice", "done")

    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.press("D")
        assert current_document(pilot.app) == docs[2]
        assert view(pilot.app).text == THIRD

    assert store.status(docs[0], "alice") == "done"


async def test_skip_marks_the_document_skipped_and_moves_on(store, docs):
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.press("S")
        assert current_document(pilot.app) == docs[1]

    assert store.status(docs[0], "alice") == "skipped"


async def test_finishing_the_last_document_returns_to_the_queue(store, docs):
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.press("D", "D", "D")
        await pilot.pause()
        assert isinstance(pilot.app.screen, QueueScreen)

    assert [store.status(uid, "alice") for uid in docs] == ["done"] * 3


async def test_next_and_previous_keys_step_through_documents(store, docs):
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        seen = []
        for key in ("J", "J", "J", "K", "K", "K"):
            await pilot.press(key)
            seen.append(docs.index(current_document(pilot.app)))

    assert seen == [1, 2, 2, 1, 0, 0]


async def test_spans_belong_to_the_document_they_were_made_on(store, docs):
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.press("v", "1", "J", "v", "2")

    assert tagged(store, docs[0]) == [("claim", 0, 9, "Officials")]
    assert tagged(store, docs[1]) == [("source", 0, 5, "Grain")]


async def test_header_shows_position_title_and_progress(store, docs):
    store.set_status(docs[2], "alice", "done")

    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        lines = screen_lines(pilot.app)

    assert "document 1 of 3" in lines[0] and "Shelling report" in lines[0]
    assert any("1/3 done" in line for line in lines)


# -- help, palette, prompt, keymap -----------------------------------------------------


async def test_help_lists_every_key_with_its_binding_id(store, docs):
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(pilot.app.screen, HelpScreen)
        shown = "\n".join(screen_lines(pilot.app))
        # Page by page: the list is longer than the screen.
        for _ in range(10):
            await pilot.press("pagedown")
            shown += "\n".join(screen_lines(pilot.app))
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, AnnotateScreen)

    for binding_id in ("label.claim", "select.word", "select.sentence", "span.delete",
                       "history.undo", "suggestion.accept", "document.done", "cursor.word_right", "app.quit",
                       "cursor.jump", "select.jump", "search.open", "search.next", "select.clause_right",
                       "select.sentence_right"):
        assert binding_id in shown
    assert "[keymap]" in shown


async def test_command_palette_offers_every_annotation_action(store, docs):
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        titles = {command.title for command in pilot.app.get_system_commands(pilot.app.screen)}

    assert {"Tag as claim", "Select word", "Select sentence", "Undo", "Redo",
            "Delete span", "Done, next unfinished"} <= titles


async def test_first_run_asks_for_the_annotator_and_remembers_the_name(store, docs):
    async with make_app(store, None).run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("b", "o", "b", "enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, AnnotateScreen)
        await pilot.press("v", "1")

    assert store.annotators() == ["bob"]
    assert remembered_annotator(store.path) == "bob"
    assert tagged(store, docs[0], "bob") == [("claim", 0, 9, "Officials")]


async def test_the_name_is_remembered_per_database_and_shown_at_start(store, docs, tmp_path):
    async with make_app(store, None).run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("b", "o", "b", "enter")
        await pilot.pause()
    other = Store.open(tmp_path / "other.db")
    other.add_documents([NewDocument(SECOND, "Grain exports", "second.txt")])
    heard = Notifications()
    async with make_app(other, remembered_annotator(other.path)).run_test(
            size=SIZE, message_hook=heard) as pilot:
        await pilot.pause()
        assert not isinstance(pilot.app.screen, AnnotateScreen)  # asked again, not taken from the first
        await pilot.press("c", "a", "t", "enter")
        await pilot.pause()
        await pilot.press("v", "1")
    heard_first = Notifications()
    async with make_app(store, remembered_annotator(store.path)).run_test(
            size=SIZE, message_hook=heard_first) as pilot:
        await pilot.pause()
        await pilot.press("v", "2")

    assert other.annotators() == ["cat"] and store.annotators() == ["bob"]
    assert tagged(other, other.document_uids()[0], "cat") == [("claim", 0, 5, "Grain")]
    assert tagged(store, docs[0], "bob") == [("source", 0, 9, "Officials")]
    assert "Annotating as cat" in heard[0] and "Annotating as bob" in heard_first[0]
    other.close()


async def test_the_prompt_refuses_the_name_reserved_for_gold(store, docs):
    async with make_app(store, None).run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("g", "o", "l", "d", "enter")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, AnnotateScreen)
        await pilot.press(*["backspace"] * 4, "b", "o", "b", "enter")
        await pilot.pause()
        await pilot.press("v", "1")

    assert store.annotators(include_gold=True) == ["bob"]
    assert tagged(store, docs[0], "bob") == [("claim", 0, 9, "Officials")]


async def test_cancelling_the_annotator_prompt_quits_without_writing(store, docs):
    async with make_app(store, None).run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()

    assert store.annotators() == [] and actions(store) == []


async def test_keymap_moves_a_label_to_another_key(store, docs):
    config = Config(keymap={"label.claim": "c"})
    async with make_app(store, "alice", config=config).run_test(size=SIZE) as pilot:
        await pilot.press("1")
        assert tagged(store, docs[0]) == []
        await pilot.press("c")

    assert tagged(store, docs[0]) == [("claim", 0, 9, "Officials")]


# -- active time -----------------------------------------------------------------------


async def test_active_time_is_recorded_with_idle_gaps_capped(store, docs, monkeypatch):
    clock = SimpleNamespace(now=1000.0)
    for module in (annotate_module, annotate_time):
        monkeypatch.setattr(module, "time", SimpleNamespace(monotonic=lambda: clock.now))

    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        clock.now += 5
        await pilot.press("w")
        clock.now += 10 * annotate_time.IDLE_SECONDS
        await pilot.press("w")
        pilot.app.screen.flush_time()
        seconds = store.queue("alice")[0].seconds

    assert seconds == pytest.approx(5 + annotate_time.IDLE_SECONDS)


async def test_time_is_saved_when_leaving_a_document(store, docs, monkeypatch):
    clock = SimpleNamespace(now=1000.0)
    for module in (annotate_module, annotate_time):
        monkeypatch.setattr(module, "time", SimpleNamespace(monotonic=lambda: clock.now))

    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        clock.now += 7
        await pilot.press("w")
        await pilot.press("J")

    assert store.queue("alice")[0].seconds == pytest.approx(7)


# -- screen ------------------------------------------------------------------------------


async def test_resize_rewraps_and_keeps_the_cursor_in_view(store):
    text = " ".join(f"Sentence number {n} says something about the front line." for n in range(80))
    store.add_documents([NewDocument(text, "Long", "long.txt")])

    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        article = view(pilot.app)
        await pilot.press("G")
        wide_rows = article.row_count
        await pilot.resize_terminal(70, 20)
        await pilot.pause()
        assert article.row_count > wide_rows
        row = article.cursor_row()
        top = article.scroll_offset.y
        assert top <= row < top + article.scrollable_content_region.height
        assert all(r.width <= article.scrollable_content_region.width for r in article.rows)
        await pilot.press("g")
        assert article.scroll_offset.y == 0


async def test_a_narrow_article_wraps_to_what_is_shown_rather_than_cropping(store, docs):
    async with make_app(store, "alice").run_test(size=(50, 16)) as pilot:
        article = view(pilot.app)
        shown_width = article.scrollable_content_region.width
        assert all(row.width <= shown_width for row in article.rows)


async def test_the_article_stays_readable_on_a_40_column_terminal(store, docs):
    async with make_app(store, "alice").run_test(size=(40, 16)) as pilot:
        assert view(pilot.app).scrollable_content_region.width >= 16
        assert "Officials" in "\n".join(screen_lines(pilot.app))


def article_cells(app) -> dict[tuple[int, int], str]:
    """Every character of the article's text on screen, by (row, column): the label margin left out."""
    region = view(app).content_region
    cells = {}
    for y, line in enumerate(screen_lines(app)[region.y:region.bottom]):
        for x, char in enumerate(line[region.x + GUTTER:region.right]):
            cells[y, x] = char
    return cells


async def test_words_stay_put_while_tagging_relabelling_and_linking(demo_store):
    from workbench.formats.kb import read_kb
    from workbench.linking import normalise_alias

    with resources.as_file(resources.files("workbench") / "data" / "demo_entities.jsonl") as path:
        demo_store.import_entities(read_kb(path), normalise_alias)
    document = next(uid for uid in demo_store.document_uids() if "Bakhmut" in demo_store.text(uid))
    async with make_app(demo_store, "alice", document=document).run_test(size=(80, 24)) as pilot:
        before = article_cells(pilot.app)
        assert "Bakhmut" in "".join(before.values())
        await pilot.press("s", "1")  # the first sentence is a claim: every row it covers
        await pilot.press("right_parenthesis", "v", "2", "2")  # a source, then (the key again) nothing
        await pilot.press("w", "w", "shift+down", "3")  # a figure over two rows
        assert article_cells(pilot.app) == before
        await pilot.press("tab", "1")  # made current with tab: relabelled
        assert article_cells(pilot.app) == before
        await pilot.press("g", "v", "l")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("enter")  # linked to the first candidate
        await pilot.pause()
        spans = demo_store.spans(document, "alice")
        assert any(span.entity_id for span in spans) and len({span.label for span in spans}) >= 2
        assert article_cells(pilot.app) == before


async def test_spans_show_as_underlined_text_with_their_letters_in_the_margin(store, docs):
    store.add_span(docs[0], "alice", 0, 40, "claim")
    store.add_span(docs[0], "alice", 0, 9, "source")
    store.add_span(docs[0], "alice", 15, 17, "figure")

    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        first_row = screen_lines(pilot.app)[1]
        underlined = "".join(segment.text for segment in screen_segments(pilot.app)
                             if segment.style and segment.style.underline)

    assert first_row.startswith(" csf Officials said 40 attacks were repelled. Kyiv")
    assert "Officials said 40 attacks were repelled." in underlined and "Kyiv" not in underlined


# -- terminal safety (issue 9) -----------------------------------------------------------

HOSTILE_TITLE = "[bold]Loud[/] \x1b[2J [@click=app.quit]q[/] \u202eevil"
HOSTILE = "\n".join([
    "Opening line.",
    "\x1b[31mred\x1b[0m",
    "\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\",
    "[bold red]x[/]",
    "[@click=app.quit]quit[/]",
    "\u202eevil\u202c",
])


async def test_hostile_text_is_shown_literally_and_never_reaches_the_terminal(store):
    store.add_documents([NewDocument(HOSTILE, HOSTILE_TITLE, "hostile.txt")])
    uid = store.document_uids()[0]
    markup_start = HOSTILE.index("[bold red]")
    store.add_span(uid, "alice", markup_start, markup_start + len("[bold red]x[/]"), "claim")

    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        lines = screen_lines(pilot.app)
        segments = list(screen_segments(pilot.app))
        quit_row = next(y for y, line in enumerate(lines) if "[@click=app.quit]quit[/]" in line)
        await pilot.click(offset=(lines[quit_row].index("quit[/]") + 1, quit_row))
        await pilot.press("q")
        await pilot.pause()
        queue_lines = screen_lines(pilot.app)
        queue_segments = list(screen_segments(pilot.app))
        assert pilot.app.is_running
        assert pilot.app.return_code is None

    shown = "\n".join(lines)
    for literal in ("␛[31mred␛[0m", "␛]8;;http://x␛\\link␛]8;;␛\\", " c   [bold red]x[/]",
                    "[@click=app.quit]quit[/]", "\N{REPLACEMENT CHARACTER}evil"):
        assert literal in shown
    assert "[bold]Loud[/] ␛[2J [@click=app.quit]q[/]" in lines[0]
    assert any("c [bold red]x[/]" in line for line in lines), "span list shows the text literally"
    assert any("[bold]Loud[/]" in line for line in queue_lines)
    for segment in segments + queue_segments:
        assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 or "\u202a" <= ch <= "\u202e"
                       for ch in segment.text), repr(segment.text)


# -- the commissioned corpus ---------------------------------------------------------------


async def test_tag_undo_redo_move_on_quit_and_reopen_with_the_seed_corpus(store, seed_corpus):
    import_paths(store, [seed_corpus])
    first, second = store.document_uids()[:2]
    to_number = keys_to_first_number(store.text(first))

    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        assert current_document(pilot.app) == first
        await pilot.press("right_parenthesis", "s", "1")  # the second sentence is a claim
        await pilot.press("g", *to_number, "v", "3")  # the first number is a figure
        await pilot.press("g", "v", "2")  # the first word, as a source
        expected = tagged(store, first)
        assert sorted(label for label, *_ in expected) == ["claim", "figure", "source"]
        await pilot.press("u")
        assert len(tagged(store, first)) == 2
        await pilot.press("ctrl+r")
        assert tagged(store, first) == expected
        await pilot.press("J", "s", "1")
        assert current_document(pilot.app) == second
        expected_second = tagged(store, second)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not pilot.app.is_running

    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        assert current_document(pilot.app) == first
        reopened = [(s.label, s.start, s.end, s.text) for s in view(pilot.app).spans]
        shown = "\n".join(screen_lines(pilot.app))

    assert sorted(reopened) == sorted(expected)
    assert tagged(store, first) == expected
    assert len(expected_second) == 1 and expected_second[0][0] == "claim"
    margins = {line[1:GUTTER + 1] for line in shown.split("\n")}
    assert {"c", "s", "f"} <= {letter for margin in margins for letter in margin}
    assert store.check() == []



def keys_to_first_number(text: str) -> list[str]:
    """Sentence jumps, then word jumps, from the top to the first number: few key presses."""
    index = TextIndex(text)
    target = next(start for start in index.words.starts if text[start].isdigit())
    keys, cursor = [], 0
    while (following := index.sentences.next_start(cursor)) is not None and following <= target:
        cursor = following
        keys.append("right_parenthesis")
    while cursor < target:
        cursor = index.words.next_start(cursor)
        keys.append("w")
    return keys


async def test_a_keymap_that_steals_a_key_or_names_no_binding_is_reported(store, docs):
    from workbench.config import Config

    config = Config(keymap={"label.claim": "c", "label.clam": "x"})
    shown = Notifications()
    async with make_app(store, "alice", config=config).run_test(size=SIZE, message_hook=shown) as pilot:
        await pilot.pause()
        messages = list(shown)

    assert any("'c' is bound to both" in m and "span.cycle" in m for m in messages)
    assert any("'label.clam'" in m for m in messages)


async def test_remapping_keys_of_other_screens_is_checked_against_those_screens(store, docs):
    from workbench.config import Config

    config = Config(keymap={"picker.nil": "ctrl+k", "review.done": "Z", "queue.filter": "A"})
    shown = Notifications()
    async with make_app(store, "alice", config=config).run_test(size=SIZE, message_hook=shown) as pilot:
        await pilot.pause()
        messages = list(shown)

    assert not any("no key binding" in m for m in messages)
    assert [m for m in messages if "Annotating as" not in m] == [
        "'A' is bound to both queue.filter and queue.agreement; only one of them will run"]


async def test_a_skipped_document_is_counted_apart_not_as_done(store, docs):
    async with make_app(store, "alice").run_test(size=SIZE) as pilot:
        await pilot.press("D", "S")
        status = str(pilot.app.screen.query_one("#status").render())

    assert "corpus 1/3 done, 1 skipped" in status
    assert store.status(docs[0], "alice") == "done" and store.status(docs[1], "alice") == "skipped"


async def test_notifications_leave_the_status_line_and_the_footer_in_view(store, docs):
    async with make_app(store, "alice").run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("t")  # says which snapping is now in force, in a second toast
        await pilot.pause()
        shown = screen_lines(pilot.app)

    assert any("Character precision" in row for row in shown)
    assert shown[22].startswith(" corpus 0/3 done") and "character precision" in shown[22]
    assert "^p palette" in shown[23]
