"""Start-up: from launching Python to the first article rendered on screen, against the floor.

Each sample is a real child process that opens the database, builds the app
with `make_app` exactly as `workbench annotate` does, runs it headless and
exits when the compositor first asks for the article's rows, printing the
first one so the parent can check an article really was on screen.
The parent times the child from its start to the moment that row arrives:
interpreter start-up, imports, opening the store, the queue and annotate
screens and the first paint (not shutting down). The package's bytecode is compiled
first, as an installed package has it (a child run with PYTHONDONTWRITEBYTECODE would
otherwise compile every module of ours at every launch, and none of Textual's). One
warm-up launch (not counted) fills the OS file cache.

The floor is the least a Textual app can do: a Header, a Static holding the
first line of the article and a Footer, timed the same way to the Static's
first painted row. Launches alternate between the two, so both see the same
machine load, and the ratio of their medians is the figure (target ≤ 1.6).

    python -m bench.startup [--quick]
"""

from __future__ import annotations

import compileall
import json
import subprocess
import sys
import threading
import time
from importlib import resources
from pathlib import Path

from workbench.importer import import_paths
from workbench.model import NewDocument
from workbench.store import Store

from .common import ROOT, Articles, child_env, median, session_dir

DOCUMENTS = 100_000
QUICK_DOCUMENTS = 2_000
BATCH = 2_000

CHILD = """
import os, sys
from workbench.store import Store
from workbench.tui.app import make_app
from workbench.tui.widgets.article import ArticleView

render_line = ArticleView.render_line

def first_paint(view, y):
    # The compositor asks for the article's rows only when it paints them. The
    # first paint that counts shows the text wrapped to the view's real width
    # (a paint before the first resize would show it wrapped to a guess).
    if view.text and view.wrapped_to_screen:
        ArticleView.render_line = render_line
        # Straight to the file descriptor: Textual captures sys.stdout while it runs.
        os.write(1, (render_line(view, 0).text.rstrip() + "\\n").encode())
        view.app.exit()
    return render_line(view, y)

ArticleView.render_line = first_paint
make_app(Store.open(sys.argv[1]), "bench").run(headless=True, size=(120, 40))
"""

FLOOR = """
import os, sys
from textual.app import App
from textual.widgets import Footer, Header, Static

class FirstPaint(Static):
    def render_line(self, y):
        strip = super().render_line(y)
        if not self.app.painted:
            self.app.painted = True
            os.write(1, (strip.text.rstrip() + "\\n").encode())
            self.app.exit()
        return strip

class Floor(App):
    painted = False

    def compose(self):
        yield Header()
        yield FirstPaint(sys.argv[1])
        yield Footer()

Floor().run(headless=True, size=(120, 40))
"""


def demo_database(folder: Path) -> Path:
    """The database `workbench demo` builds: the bundled articles and entities."""
    from workbench.formats.kb import read_kb
    from workbench.linking import normalise_alias

    path = folder / "demo.db"
    store = Store.open(path)
    with resources.as_file(resources.files("workbench") / "data" / "demo") as corpus:
        import_paths(store, [corpus])
    with resources.as_file(resources.files("workbench") / "data" / "demo_entities.jsonl") as kb:
        store.import_entities(read_kb(kb), normalise_alias)
    store.close()
    return path


def generated_database(count: int) -> Path:
    """`count` generated articles of about 5 KB, built once per benchmark session."""
    path = session_dir() / f"articles-{count}.db"
    if path.exists():
        return path
    articles = Articles()
    store = Store.open(path)
    for first in range(0, count, BATCH):
        store.add_documents(
            NewDocument(text, text.split("\n", 1)[0], f"generated:{number}")
            for number in range(first, min(count, first + BATCH))
            for text in (articles.text(number),))
    store.close()
    return path


def launch(path: Path, timeout: float = 300, *, floor: bool = False,
           line: str = "") -> tuple[float, str]:
    """Seconds from starting the child to its first paint of the article, and that row;
    with `floor`, of the minimal app showing `line`."""
    started = time.perf_counter()
    argv = [sys.executable, "-c", FLOOR, line] if floor else [sys.executable, "-c", CHILD, str(path)]
    child = subprocess.Popen(argv, cwd=ROOT, env=child_env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watchdog = threading.Timer(timeout, child.kill)
    watchdog.start()
    try:
        row = child.stdout.readline()
        seconds = time.perf_counter() - started
        _, errors = child.communicate()
    finally:
        watchdog.cancel()
    if child.returncode != 0 or not row:
        raise RuntimeError(f"the app exited with {child.returncode} before painting an article:\n"
                           f"{errors[-3000:]}")
    return seconds, row.rstrip("\n")


def measure(path: Path, runs: int) -> dict:
    """The app's and the floor's start-up, launched in turns, and the ratio of their medians."""
    store = Store.open(path)
    first_line = store.text(store.document_uids()[0]).split("\n", 1)[0]
    store.close()
    compileall.compile_dir(ROOT / "workbench", quiet=1)
    launch(path)
    launch(path, floor=True, line=first_line)
    samples, floor_samples, row = [], [], ""
    for _ in range(runs):
        seconds, row = launch(path)
        samples.append(seconds)
        floor_samples.append(launch(path, floor=True, line=first_line)[0])
    shown = row.strip()
    if not shown or not first_line.startswith(shown.rstrip("…").strip()[:20]):
        raise RuntimeError(f"the app did not render the first article; its first row was {row!r}")
    return {"median_s": median(samples), "max_s": max(samples), "samples": len(samples),
            "floor_median_s": median(floor_samples), "ratio": median(samples) / median(floor_samples),
            "first_row": shown}


def run(quick: bool, runs: int = 3) -> dict:
    count = QUICK_DOCUMENTS if quick else DOCUMENTS
    folder = session_dir()
    return {
        "demo": measure(demo_database(folder), runs),
        "large": {"documents": count, **measure(generated_database(count), runs)},
    }


if __name__ == "__main__":
    print(json.dumps(run("--quick" in sys.argv[1:]), indent=2, ensure_ascii=False))
