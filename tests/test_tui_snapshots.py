"""SVG snapshots of the main screens at a fixed size, on a small text of our own.

Regenerate after an intended change of look with:
    .venv/bin/python -m pytest tests/test_tui_snapshots.py --snapshot-update
and look at the SVGs in tests/__snapshots__/ before committing them.
"""

from __future__ import annotations

import pytest

from workbench.model import NewDocument
from workbench.tui.app import make_app

SIZE = (100, 30)
TEXT = (
    "Officials said 40 attacks were repelled near the city on Tuesday, "
    "according to the General Staff.\n\n"
    "Kyiv disputes the claim. A spokesman said 12 drones were downed overnight, "
    "a figure that could not be verified."
)


@pytest.fixture
def annotated(store):
    store.add_documents([
        NewDocument(TEXT, "Attacks repelled near the city", "one.txt"),
        NewDocument("Grain exports resumed from Odesa.", "Grain exports resumed", "two.txt"),
    ])
    first, second = store.document_uids()
    sentence_end = TEXT.index("Staff.") + len("Staff.")
    store.add_span(first, "alice", 0, sentence_end, "claim")  # the whole sentence
    store.add_span(first, "alice", 0, 9, "source")  # nested at its start
    store.add_span(first, "alice", 15, 17, "figure")  # nested inside
    store.add_span(first, "alice", 15, 25, "claim")  # overlapping the figure
    said = TEXT.index("A spokesman")
    store.add_span(first, "alice", said, said + len("A spokesman"), "source")
    store.set_status(second, "alice", "done")
    return store


def test_annotate_screen_with_nested_and_overlapping_spans(annotated, snap_compare):
    assert snap_compare(make_app(annotated, "alice"), terminal_size=SIZE, press=["w", "w"])


def test_annotate_screen_with_a_selection_in_character_precision(annotated, snap_compare):
    assert snap_compare(make_app(annotated, "alice"), terminal_size=SIZE,
                        press=["right_parenthesis", "t", "shift+right", "shift+right", "shift+right"])


def test_queue_screen(annotated, snap_compare):
    async def open_queue(pilot):
        await pilot.press("q")
        # The queue loads in a worker thread; wait for it, not for a guessed delay.
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(make_app(annotated, "alice"), terminal_size=SIZE, run_before=open_queue)


def test_help_screen(annotated, snap_compare):
    assert snap_compare(make_app(annotated, "alice"), terminal_size=SIZE, press=["question_mark"])
