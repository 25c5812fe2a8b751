"""Scrolling a Line API view just enough to show a row."""

from __future__ import annotations

from textual.scroll_view import ScrollView


def keep_row_visible(view: ScrollView, row: int, margin: int = 0) -> None:
    """Scroll so `row` is on screen with `margin` rows around it, when the view is tall enough:
    the text after the cursor stays in sight instead of the cursor riding the bottom row."""
    height = view.scrollable_content_region.height or 1
    margin = max(0, min(margin, (height - 1) // 2))
    top = view.scroll_offset.y
    if row - margin < top:
        view.scroll_to(y=max(0, row - margin), animate=False)
    elif row + margin >= top + height:
        view.scroll_to(y=row + margin - height + 1, animate=False)
