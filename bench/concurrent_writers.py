"""Many annotators writing to one database file at the same time.

Starts real OS processes, one per annotator, that each apply random annotation
actions (add, relabel, delete, link, undo, redo) through the Store API to one
shared SQLite file, then checks that every acknowledged action is in the event
log exactly once.

    python -m bench.concurrent_writers            # 8 processes x 500 actions
    python -m bench.concurrent_writers --quick    # 8 processes x 50 actions

A worker is the same module run as `python -m bench.concurrent_writers worker
DB ANNOTATOR SEED ACTIONS`: it prints "ready", waits for a line on stdin, then
prints one JSON object describing every action it had acknowledged.
"""

from __future__ import annotations

import json
import random
import select
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from workbench.errors import DuplicateSpan
from workbench.model import Entity, NewDocument
from workbench.store import Store

from .common import percentile

PROCESSES = 8
ACTIONS = 500
QUICK_ACTIONS = 50
WORKER_TIMEOUT_S = 300
START_TIMEOUT_S = 60
ROOT = Path(__file__).resolve().parent.parent

ENTITIES = (
    Entity("Q212", "Ukraine", "GPE"),
    Entity("Q159", "Russia", "GPE"),
    Entity("Q1899", "Kyiv", "GPE"),
    Entity("Q2079", "Kharkiv", "GPE"),
    Entity("Q458", "European Union", "ORG"),
)
WORDS = ("officials", "said", "shelling", "near", "the", "front", "line", "continued", "overnight",
         "according", "to", "regional", "governor", "grain", "exports", "rose", "by", "12%", "in",
         "March", "Kyiv", "Kharkiv", "sanctions", "package", "agreed", "on", "Friday")
ACTION_WEIGHTS = {"add": 35, "relabel": 15, "delete": 10, "link": 15, "undo": 15, "redo": 10}


def synthetic_documents(count: int = 3, words: int = 400) -> list[NewDocument]:
    """Article-like texts with no copyrighted content; distinct so each gets its own uid."""
    rng = random.Random(20240224)
    documents = []
    for number in range(count):
        sentences = []
        for _ in range(words // 10):
            sentence = " ".join(rng.choice(WORDS) for _ in range(10))
            sentences.append(sentence[0].upper() + sentence[1:] + ".")
        text = f"Report {number + 1}\n\n" + " ".join(sentences) + "\n"
        documents.append(NewDocument(text=text, title=f"Report {number + 1}", source=f"synthetic-{number}"))
    return documents


def prepare(path: Path) -> list[str]:
    """A fresh database with documents and entities; returns the document uids."""
    store = Store.open(path)
    try:
        store.add_documents(synthetic_documents())
        store.import_entities(ENTITIES, str.casefold)
        return store.document_uids()
    finally:
        store.close()


def open_for_worker(path: str) -> tuple[Store, list[str], list[str], list[str]]:
    """A worker's store, with the documents, labels and entities it picks from; then it
    says "ready" and waits for the line that starts every worker at once."""
    store = Store.open(path)
    picks = (store.document_uids(), [label.name for label in store.labels()],
             [entity.id for entity in store.entities()])
    print("ready", flush=True)
    sys.stdin.readline()
    return store, *picks


def worker(path: str, annotator: str, seed: int, actions: int) -> dict:
    """Apply random actions; return what was acknowledged (each one wrote one event)."""
    rng = random.Random(seed)
    store, documents, labels, entities = open_for_worker(path)
    acknowledged: list[list[str | None]] = []
    latencies: list[float] = []
    errors: list[str] = []
    started = time.time()
    for _ in range(actions):
        document = rng.choice(documents)
        action = rng.choices(list(ACTION_WEIGHTS), weights=list(ACTION_WEIGHTS.values()))[0]
        try:
            begun = time.perf_counter()
            done = _apply(store, rng, action, document, annotator, labels, entities)
            latency = time.perf_counter() - begun
        except DuplicateSpan:
            continue  # a random span equal to one this annotator has: refused, as it should be
        except Exception as error:  # every failure is data for the caller, not a crash
            errors.append(f"{action}: {type(error).__name__}: {error}")
            continue
        if done is not None:
            acknowledged.append(list(done))
            latencies.append(latency)
    finished = time.time()
    store.close()
    return {"annotator": annotator, "acknowledged": acknowledged, "latencies": latencies,
            "errors": errors, "started": started, "finished": finished}


def _apply(store: Store, rng: random.Random, action: str, document: str, annotator: str,
           labels: list[str], entities: list[str]) -> tuple[str, str] | None:
    """Do one action; (action logged, span id), or None when there was nothing to act on."""
    if action in ("undo", "redo"):
        event = store.undo(document, annotator) if action == "undo" else store.redo(document, annotator)
        return (action, event.span_id) if event else None
    spans = store.spans(document, annotator)
    if action == "add" or not spans:
        length = len(store.text(document))
        start = rng.randrange(length - 1)
        end = min(length, start + rng.randint(1, 40))
        return "add", store.add_span(document, annotator, start, end, rng.choice(labels)).id
    span = rng.choice(spans)
    if action == "relabel":
        return action, store.relabel(span.id, rng.choice([n for n in labels if n != span.label])).id
    if action == "delete":
        return action, store.delete_span(span.id).id
    if span.entity_id is not None and rng.random() < 0.3:
        return action, store.link(span.id, None, nil=True).id
    return action, store.link(span.id, rng.choice([e for e in entities if e != span.entity_id])).id


def start_workers(path: Path, processes: int, actions: int, *, module: str = "bench.concurrent_writers",
                  alongside: Callable[[], object] = lambda: None) -> list[dict]:
    """Run `module`'s workers at the same moment, `alongside` in this process meanwhile;
    their reports, in annotator order. `actions` is what the worker's last argument says."""
    launched = [
        subprocess.Popen(
            [sys.executable, "-m", module, "worker", str(path),
             f"annotator{number:02d}", str(number), str(actions)],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for number in range(processes)
    ]
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        for process in launched:
            readable, _, _ = select.select([process.stdout], [], [], max(0.0, deadline - time.monotonic()))
            ready = process.stdout.readline() if readable else "(no answer)\n"
            if ready.strip() != "ready":
                process.kill()
                raise RuntimeError(f"worker failed to start: {ready}{process.stderr.read()}")
        for process in launched:
            process.stdin.write("go\n")
            process.stdin.flush()
        alongside()
        reports = []
        for process in launched:
            out, err = process.communicate(timeout=WORKER_TIMEOUT_S)
            if process.returncode != 0:
                raise RuntimeError(f"worker exited with {process.returncode}: {err}")
            reports.append(json.loads(out))
        return reports
    finally:
        for process in launched:
            if process.poll() is None:
                process.kill()
                process.wait()


def lost_writes(path: Path, reports: list[dict], *, unacknowledged: tuple[str, ...] = ("status",)) -> int:
    """Acknowledged actions that are missing from the event log, or logged other than
    acknowledged; events of the `unacknowledged` actions are not compared."""
    store = Store.open(path, readonly=True)
    try:
        lost = 0
        for report in reports:
            logged = [[event.action, event.span_id]
                      for event in store.events(annotator=report["annotator"])
                      if event.action not in unacknowledged]
            lost += max(0, len(report["acknowledged"]) - len(logged))
            lost += sum(1 for ours, theirs in zip(report["acknowledged"], logged) if ours != theirs)
        return lost
    finally:
        store.close()


def run(quick: bool) -> dict:
    actions = QUICK_ACTIONS if quick else ACTIONS
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "shared.db"
        prepare(path)
        reports = start_workers(path, PROCESSES, actions)
        writes = sum(len(report["acknowledged"]) for report in reports)
        elapsed = max(r["finished"] for r in reports) - min(r["started"] for r in reports)
        latencies = [latency for report in reports for latency in report["latencies"]]
        return {
            "processes": PROCESSES,
            "actions_per_process": actions,
            "writes": writes,
            "seconds": round(elapsed, 3),
            "writes_per_s": round(writes / elapsed, 1) if elapsed else 0.0,
            "p50_write_ms": round(percentile(latencies, 0.50) * 1000, 2),
            "p99_write_ms": round(percentile(latencies, 0.99) * 1000, 2),
            "lost_writes": lost_writes(path, reports),
            "errors": sum(len(report["errors"]) for report in reports),
        }


def main(argv: list[str]) -> None:
    if argv[:1] == ["worker"]:
        path, annotator, seed, actions = argv[1:5]
        print(json.dumps(worker(path, annotator, int(seed), int(actions))))
        return
    print(json.dumps(run(quick="--quick" in argv), indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
