"""Scrolling a Line API view just enough to show a row."""

from __future__ import annotations

from textual.scroll_view import ScrollView


def keep_row_visible(view: ScrollView, row: int) -> None:
    height = view.scrollable_content_region.height or 1
    top = view.scroll_offset.y
    if row < top:
        view.scroll_to(y=row, animate=False)
    elif row >= top + height:
        view.scroll_to(y=row - height + 1, animate=False)
