"""Annotate latency on a long article: a label key, a cursor move, opening a document.

Measured in process on a running app (`run_test`, 120 x 40), by calling the
key's action directly and then rendering every visible row, because Pilot's
press() + pause() costs ~80 ms even in an empty app and would swamp the figure.

Counted in each sample:
- label key: `action_label("claim")` on a word without a span: the store write
  (one IMMEDIATE transaction, fsync with synchronous=FULL), the re-layout of
  the changed block, the span list and status line, and then rendering every
  visible row of the article and of the span list;
- cursor move: `action_move("char"/"word", 1)`, the work of the CursorMoved
  handler (span list highlight, status line) and the same rendering;
- opening a document: `screen.load(uid)` of the long article from another
  one (spans query, text index, full layout) and the same rendering.
Not counted: terminal I/O, the compositor, Textual's message loop.

    python -m bench.annotate_latency [--quick]
"""

from __future__ import annotations

import asyncio
import gc
import json
import random
import sys
import time
from pathlib import Path

from workbench.model import NewDocument
from workbench.store import Store
from workbench.text import TextIndex

from .common import SEED, Articles, median, percentile, temp_dir

WORDS, SPANS, SAMPLES, OPENS = 20_000, 2_000, 200, 30
QUICK = (2_000, 200, 30, 10)
ANNOTATOR = "bench"


def build(path: Path, words: int, spans: int) -> tuple[str, str]:
    """The long article with `spans` spans on words, and a second one to switch to."""
    articles = Articles(SEED + 1)
    store = Store.open(path)
    long_text, other_text = articles.words(0, words), articles.words(1, words // 4)
    store.add_documents([NewDocument(long_text, "Long article", "generated:long"),
                         NewDocument(other_text, "Other article", "generated:other")])
    long_uid, other_uid = store.document_uids()
    tokens = TextIndex(long_text).tokens
    rng = random.Random(SEED)
    chosen = sorted(rng.sample(range(len(tokens.starts)), spans))
    labels = [label.name for label in store.labels()]
    with store.transaction():
        for index in chosen:
            store.add_span(long_uid, ANNOTATOR, tokens.starts[index], tokens.ends[index],
                           rng.choice(labels))
    store.close()
    return long_uid, other_uid


def render(screen) -> None:
    """Render every row on screen, as the compositor would ask for them."""
    view, span_list = screen.view, screen.span_list
    for y in range(view.size.height):
        view.render_line(y)
    for y in range(span_list.size.height):
        span_list.render_line(y)


def summary(samples: list[float]) -> dict:
    return {"median_ms": median(samples) * 1000, "p99_ms": percentile(samples, 0.99) * 1000,
            "max_ms": max(samples) * 1000, "samples": len(samples)}


async def settle() -> None:
    """Let the messages a sample posted run, outside the timing.

    Not `pilot.pause()`: it waits for the whole process to look idle, up to a
    second a call, which would make hundreds of samples take minutes.
    """
    await asyncio.sleep(0.005)


async def measure(path: Path, long_uid: str, other_uid: str, samples: int, opens: int) -> dict:
    from workbench.tui.app import make_app

    store = Store.open(path)
    app = make_app(store, ANNOTATOR, document=long_uid)
    rng = random.Random(SEED)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        view = screen.view
        free = [(start, end) for start, end in zip(view.index.tokens.starts, view.index.tokens.ends)
                if not view.spans_at(start) and view.text[start:end].isalpha()]
        targets = rng.sample(free, samples)

        def timed_label(offset: int) -> float:
            view.move_to(offset)
            started = time.perf_counter()
            screen.action_label("claim")
            render(screen)
            return time.perf_counter() - started

        def timed_move(unit: str) -> float:
            started = time.perf_counter()
            screen.action_move(unit, 1)
            screen.span_list.set_current(view.current_id)
            screen.refresh_status()
            render(screen)
            return time.perf_counter() - started

        def timed_open(uid: str) -> float:
            started = time.perf_counter()
            screen.load(uid)
            render(screen)
            return time.perf_counter() - started

        label, move, opened = [], [], []
        before = len(screen.spans)
        for start, _ in targets:
            label.append(timed_label(start))
            await settle()
        if len(screen.spans) != before + samples:
            raise RuntimeError(f"expected {samples} new spans, the screen holds {len(screen.spans) - before}")
        view.move_to(len(view.text) // 3)
        for number in range(samples):
            move.append(timed_move("char" if number % 2 else "word"))
            await settle()
        for _ in range(opens):
            screen.load(other_uid)  # away from the long article, so each sample opens it afresh
            await settle()
            opened.append(timed_open(long_uid))
            await settle()
        app.exit()
    saved = len(store.spans(long_uid, ANNOTATOR))
    store.close()
    return {"label": summary(label), "move": summary(move), "open": summary(opened),
            "spans_saved": saved, "words": len(view.text.split())}


def run(quick: bool, runs: int = 1) -> dict:
    words, spans, samples, opens = QUICK if quick else (WORDS, SPANS, SAMPLES, OPENS)
    results = []
    for _ in range(runs):
        with temp_dir("annotate-") as folder:
            path = folder / "annotate.db"
            long_uid, other_uid = build(path, words, spans)
            gc.collect()
            results.append(asyncio.run(measure(path, long_uid, other_uid, samples, opens)))
    merged = {key: {name: median([r[key][name] for r in results]) for name in results[0][key]}
              for key in ("label", "move", "open")}
    return {**merged, "words": results[0]["words"], "spans": spans, "runs": runs,
            "spans_saved": results[0]["spans_saved"]}


if __name__ == "__main__":
    print(json.dumps(run("--quick" in sys.argv[1:]), indent=2))
