"""Wrapping an article into screen rows: pure layout, no terminal."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.tui.widgets.article_layout import (
    Row,
    block_bounds,
    column_of,
    layout_block,
    offset_at_column,
    row_index,
    visible,
)


def rows_of(text: str, width: int) -> list[Row]:
    """Lay out a whole text the way the article view does, block by block."""
    bounds = block_bounds(text)
    rows: list[Row] = []
    for number, (start, end) in enumerate(bounds):
        rows += layout_block(text, start, end, number == len(bounds) - 1, width)
    return rows


def shown(rows: list[Row]) -> list[str]:
    return ["".join(item.text for item in row.items) for row in rows]


def test_text_wraps_at_the_width_with_words_kept_whole():
    rows = rows_of("alpha beta gamma delta", 11)

    assert shown(rows) == ["alpha beta ", "gamma ", "delta "]
    assert all(row.width <= 11 for row in rows)


def test_a_word_longer_than_the_width_is_cut_rather_than_overflowing():
    rows = rows_of("supercalifragilistic", 8)

    assert shown(rows) == ["supercal", "ifragili", "stic "]


def test_hard_newlines_start_new_rows_and_blank_lines_stay_visible():
    rows = rows_of("one\n\ntwo", 20)

    assert shown(rows) == ["one ", " ", "two "]
    assert [row.start for row in rows] == [0, 4, 5]


def test_control_characters_become_one_visible_symbol_each():
    text = "a\x1b[31mb\x07c\td\x7fe\x85f"
    rows = rows_of(text, 40)

    assert shown(rows) == ["a␛[31mb␇c⇥d␡e\N{REPLACEMENT CHARACTER}f "]
    chars = rows[0].items
    assert [item.offset for item in chars] == list(range(len(text) + 1))
    assert all(item.width == 1 for item in chars)


def test_bidi_controls_are_not_passed_through():
    for control in "\u202e\u2066\u200f\u061c":
        symbol, cells = visible(control)
        assert symbol == "\N{REPLACEMENT CHARACTER}" and cells == 1


def test_wide_characters_take_two_cells_and_wrap_as_a_whole():
    rows = rows_of("日本語 😀 ok", 7)

    assert [(item.text, item.width) for item in rows[0].items][:4] == [
        ("日", 2), ("本", 2), ("語", 2), (" ", 1)]
    assert all(row.width <= 7 for row in rows)
    assert shown(rows) == ["日本語 ", "😀 ok "]


def test_a_wide_character_after_a_near_full_word_is_not_pushed_off_screen():
    # Breaking at the space left "abc" (3 cells); a 2-cell character after it
    # must start a new row, not stick out past the edge and be cropped.
    rows = rows_of(" abc日", 4)

    assert all(row.width <= 4 for row in rows)
    assert "".join(shown(rows)).replace(" ", "") == "abc日"


def test_curly_quotes_dashes_and_no_break_spaces_wrap_like_plain_text():
    # A no-break space holds its words together; only real spaces are places to wrap.
    rows = rows_of("“Kyiv” — said\u00a0officials", 9)

    assert shown(rows) == ["“Kyiv” — ", "said\u00a0offi", "cials "]
    assert [row.width for row in rows] == [9, 9, 6]


def test_column_and_offset_round_trip_past_wide_characters():
    text = "日本 [x] said 40 attacks"
    rows = rows_of(text, 12)

    for row in rows:
        for item in row.items:
            if item.width:
                assert offset_at_column(row, column_of(row, item.offset)) == item.offset


def test_a_column_past_the_end_of_a_row_lands_on_its_last_character():
    rows = rows_of("ab cd", 20)

    assert offset_at_column(rows[0], 50) == 5


def test_row_index_finds_the_row_of_every_offset():
    text = "alpha beta gamma delta"
    rows = rows_of(text, 7)
    starts = [row.start for row in rows]

    for offset in range(len(text) + 1):
        row = rows[row_index(starts, offset)]
        assert row.start <= offset < row.end


texts = st.text(alphabet=st.sampled_from(list("ab  日😀\n\x1b\u202e")), min_size=1, max_size=40)


@settings(max_examples=300, deadline=None)
@given(texts, st.integers(4, 14))
def test_every_character_appears_once_in_order_and_no_row_is_too_wide(text, width):
    rows = rows_of(text, width)

    offsets = [item.offset for row in rows for item in row.items]
    assert offsets == list(range(len(text) + 1))
    assert all(row.width <= width for row in rows)
