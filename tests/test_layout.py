"""Wrapping an article into screen rows with span marks: pure layout, no terminal."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.tui.widgets.article_layout import (
    CHAR,
    SpanBracket,
    Row,
    block_bounds,
    column_of,
    layout_block,
    marks_by_offset,
    offset_at_column,
    row_index,
    visible,
)


def rows_of(text: str, marks: list[SpanBracket], width: int) -> list[Row]:
    """Lay out a whole text the way the article view does, block by block."""
    table = marks_by_offset(marks)
    bounds = block_bounds(text)
    rows: list[Row] = []
    for number, (start, end) in enumerate(bounds):
        rows += layout_block(text, start, end, number == len(bounds) - 1, table, width)
    return rows


def shown(rows: list[Row]) -> list[str]:
    return ["".join(item.text for item in row.items) for row in rows]


def mark(key: str, start: int, end: int, letter: str) -> SpanBracket:
    return SpanBracket(key, start, end, {"c": "claim", "s": "source", "f": "figure"}[letter], letter)


def test_text_wraps_at_the_width_with_words_kept_whole():
    rows = rows_of("alpha beta gamma delta", [], 11)

    assert shown(rows) == ["alpha beta ", "gamma ", "delta "]
    assert all(row.width <= 11 for row in rows)


def test_a_word_longer_than_the_width_is_cut_rather_than_overflowing():
    rows = rows_of("supercalifragilistic", [], 8)

    assert shown(rows) == ["supercal", "ifragili", "stic "]


def test_hard_newlines_start_new_rows_and_blank_lines_stay_visible():
    rows = rows_of("one\n\ntwo", [], 20)

    assert shown(rows) == ["one ", " ", "two "]
    assert [row.start for row in rows] == [0, 4, 5]


def test_nested_spans_show_inner_marks_inside_outer_ones():
    rows = rows_of("a b c", [mark("outer", 0, 3, "s"), mark("inner", 0, 1, "c")], 20)

    assert shown(rows) == ["[[a]c b]s c "]


def test_overlapping_spans_each_keep_their_own_marks():
    rows = rows_of("a b c", [mark("x", 0, 3, "c"), mark("y", 2, 5, "s")], 20)

    assert shown(rows) == ["[a [b]c c]s "]


def test_a_span_ending_where_another_starts_closes_before_the_next_opens():
    rows = rows_of("ab cd", [mark("x", 0, 2, "c"), mark("y", 2, 5, "f")], 20)

    assert shown(rows) == ["[ab]c[ cd]f "]


def test_a_span_at_the_very_end_of_the_text_still_closes():
    rows = rows_of("last word", [mark("x", 5, 9, "f")], 20)

    assert shown(rows) == ["last [word]f "]


def test_control_characters_become_one_visible_symbol_each():
    text = "a\x1b[31mb\x07c\td\x7fe\x85f"
    rows = rows_of(text, [], 40)

    assert shown(rows) == ["a␛[31mb␇c⇥d␡e\N{REPLACEMENT CHARACTER}f "]
    chars = [item for item in rows[0].items if item.kind == CHAR]
    assert [item.offset for item in chars] == list(range(len(text) + 1))
    assert all(item.width == 1 for item in chars)


def test_bidi_controls_are_not_passed_through():
    for control in "\u202e\u2066\u200f\u061c":
        symbol, cells = visible(control)
        assert symbol == "\N{REPLACEMENT CHARACTER}" and cells == 1


def test_wide_characters_take_two_cells_and_wrap_as_a_whole():
    rows = rows_of("日本語 😀 ok", [], 7)

    assert [(item.text, item.width) for item in rows[0].items][:4] == [
        ("日", 2), ("本", 2), ("語", 2), (" ", 1)]
    assert all(row.width <= 7 for row in rows)
    assert shown(rows) == ["日本語 ", "😀 ok "]


def test_a_wide_character_after_a_near_full_word_is_not_pushed_off_screen():
    # Breaking at the space left "abc" (3 cells); a 2-cell character after it
    # must start a new row, not stick out past the edge and be cropped.
    rows = rows_of(" abc日", [], 4)

    assert all(row.width <= 4 for row in rows)
    assert "".join(shown(rows)).replace(" ", "") == "abc日"


def test_closing_marks_after_a_long_word_fit_the_width():
    rows = rows_of("x abcdef", [mark("a", 2, 8, "c"), mark("b", 2, 8, "s")], 8)

    assert all(row.width <= 8 for row in rows)
    assert "]c" in "".join(shown(rows)) and "]s" in "".join(shown(rows))


def test_curly_quotes_dashes_and_no_break_spaces_wrap_like_plain_text():
    # A no-break space holds its words together; only real spaces are places to wrap.
    rows = rows_of("“Kyiv” — said\u00a0officials", [], 9)

    assert shown(rows) == ["“Kyiv” — ", "said\u00a0offi", "cials "]
    assert [row.width for row in rows] == [9, 9, 6]


def test_marks_added_and_removed_one_by_one_lay_out_like_a_table_built_at_once():
    text = "alpha beta gamma delta epsilon"
    kept = [mark("a", 0, 10, "c"), mark("b", 6, 10, "s"), mark("c", 11, 22, "f")]
    dropped = [mark("x", 0, 5, "f"), mark("y", 6, 16, "c")]
    table = marks_by_offset([])
    for each in [kept[0], dropped[0], kept[1], dropped[1], kept[2]]:
        table.add(each)
    for each in dropped:
        table.remove(each)

    edited = layout_block(text, 0, len(text), True, table, 12)
    fresh = rows_of(text, kept, 12)
    assert shown(edited) == shown(fresh)
    assert "".join(shown(edited)).count("[") == 3 and "]f" in "".join(shown(edited))


def test_column_and_offset_round_trip_past_marks_and_wide_characters():
    text = "日本 [x] said 40 attacks"
    rows = rows_of(text, [mark("a", 0, 2, "c"), mark("b", 9, 13, "s")], 12)

    for row in rows:
        for item in row.items:
            if item.kind == CHAR and item.width:
                assert offset_at_column(row, column_of(row, item.offset)) == item.offset


def test_a_column_past_the_end_of_a_row_lands_on_its_last_character():
    rows = rows_of("ab cd", [], 20)

    assert offset_at_column(rows[0], 50) == 5


def test_row_index_finds_the_row_of_every_offset():
    text = "alpha beta gamma delta"
    rows = rows_of(text, [], 7)
    starts = [row.start for row in rows]

    for offset in range(len(text) + 1):
        row = rows[row_index(starts, offset)]
        assert row.start <= offset < row.end


texts = st.text(alphabet=st.sampled_from(list("ab  日😀\n\x1b\u202e")), min_size=1, max_size=40)


@st.composite
def laid_out(draw):
    text = draw(texts)
    marks = []
    for key in range(draw(st.integers(0, 4))):
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, len(text)))
        marks.append(mark(str(key), start, end, draw(st.sampled_from("csf"))))
    return text, marks, draw(st.integers(4, 14))


@settings(max_examples=300, deadline=None)
@given(laid_out())
def test_every_character_appears_once_in_order_and_no_row_is_too_wide(case):
    text, marks, width = case
    rows = rows_of(text, marks, width)

    offsets = [item.offset for row in rows for item in row.items if item.kind == CHAR]
    assert offsets == list(range(len(text) + 1))
    assert all(row.width <= width for row in rows)
    opens = sum(row_text.count("[") for row_text in shown(rows))
    assert opens == len(marks) + text.count("[")
