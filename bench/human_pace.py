"""A whole team on one database file, each annotator at human pace.

64 real OS processes share one SQLite file. Each acts every 1-3 seconds for two
minutes, the way a person does: add a span, resize one, link one, undo, mark a
document done. Meanwhile this process builds an agreement report and writes a
native export again and again. It measures each write's latency, checks that
every acknowledged action is in the event log exactly once, and that each
export, re-imported into a fresh database, passes `check`.

    python -m bench.human_pace            # 64 processes for 120 s
    python -m bench.human_pace --quick    # 8 processes for 8 s

A worker is this module run as `python -m bench.human_pace worker DB ANNOTATOR
SEED SECONDS`: it prints "ready", waits for a line on stdin, then prints one
JSON object with what it acknowledged.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from pathlib import Path

from workbench.agreement.from_store import agreement_report
from workbench.errors import WorkbenchError
from workbench.formats import Selection, export, get_format
from workbench.importer import import_paths
from workbench.store import Store

from .common import percentile
from .concurrent_writers import lost_writes, open_for_worker, prepare, start_workers

PROCESSES = 64
SECONDS = 120
QUICK_PROCESSES = 8
QUICK_SECONDS = 8
ACTION_WEIGHTS = {"add": 40, "resize": 20, "link": 15, "undo": 15, "done": 10}


def worker(path: str, annotator: str, seed: int, seconds: float) -> dict:
    """Act every 1-3 s until `seconds` have passed; report every acknowledged action."""
    rng = random.Random(seed)
    store, documents, labels, entities = open_for_worker(path)
    acknowledged: list[list[str | None]] = []
    latencies: list[float] = []
    errors: list[str] = []
    end = time.monotonic() + seconds
    while True:
        time.sleep(rng.uniform(1.0, 3.0))
        if time.monotonic() > end:
            break
        document = rng.choice(documents)
        action = rng.choices(list(ACTION_WEIGHTS), weights=list(ACTION_WEIGHTS.values()))[0]
        try:
            begun = time.perf_counter()
            done = _act(store, rng, action, document, annotator, labels, entities)
            latency = time.perf_counter() - begun
        except WorkbenchError as error:  # a refused action (a duplicate span, say) is no lost one
            errors.append(f"{action}: {error}")
            continue
        if done is not None:
            acknowledged.append(list(done))
            latencies.append(latency)
    store.close()
    return {"annotator": annotator, "acknowledged": acknowledged, "latencies": latencies, "errors": errors}


def _act(store: Store, rng: random.Random, action: str, document: str, annotator: str,
         labels: list[str], entities: list[str]) -> tuple[str, str | None] | None:
    if action == "undo":
        event = store.undo(document, annotator)
        return ("undo", event.span_id) if event else None
    if action == "done":
        if store.status(document, annotator) == "done":
            return None
        store.set_status(document, annotator, "done")
        return "status", None
    spans = store.spans(document, annotator)
    length = len(store.text(document))
    if action == "add" or not spans:
        start = rng.randrange(length - 1)
        return "add", store.add_span(document, annotator, start, min(length, start + rng.randint(1, 40)),
                                     rng.choice(labels)).id
    span = rng.choice(spans)
    if action == "resize":
        end = min(length, max(span.start + 1, span.end + rng.choice((-3, -1, 1, 3))))
        changed = store.resize(span.id, span.start, end)
        return ("resize", changed.id) if changed != span else None
    return "link", store.link(span.id, rng.choice([e for e in entities if e != span.entity_id])).id


def _read_alongside(path: Path, folder: Path, until: float) -> tuple[int, int, int]:
    """Reports and exports while the team writes: (reports built, exports written, exports that
    failed to re-import cleanly)."""
    reports = exports = inconsistent = 0
    store = Store.open(path, readonly=True)
    try:
        while time.monotonic() < until:
            try:
                agreement_report(store, status="any")
            except WorkbenchError:
                pass  # too early: no document has two annotators' spans yet
            reports += 1
            out = folder / f"export-{exports}.jsonl"
            export(store, get_format("jsonl"), Selection(status="any"), out)
            exports += 1
            copy = Store.open(folder / f"copy-{exports}.db")
            report = import_paths(copy, [out])
            if report.rejected or copy.check():
                inconsistent += 1
            copy.close()
            time.sleep(2)
    finally:
        store.close()
    return reports, exports, inconsistent


def run(quick: bool) -> dict:
    processes, seconds = (QUICK_PROCESSES, QUICK_SECONDS) if quick else (PROCESSES, SECONDS)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        path = folder / "team.db"
        prepare(path)
        reads: list[tuple[int, int, int]] = []
        reports = start_workers(path, processes, seconds, module="bench.human_pace", alongside=lambda: reads.append(
            _read_alongside(path, folder, time.monotonic() + seconds)))
        reports_built, exports, inconsistent = reads[0]
        latencies = [latency for report in reports for latency in report["latencies"]]
        return {
            "processes": processes, "seconds": seconds,
            "writes": len(latencies),
            "p50_write_ms": round(percentile(latencies, 0.50) * 1000, 2),
            "p99_write_ms": round(percentile(latencies, 0.99) * 1000, 2),
            "lost_actions": lost_writes(path, reports, unacknowledged=()),
            "refused_actions": sum(len(report["errors"]) for report in reports),
            "reports": reports_built, "exports": exports, "inconsistent_exports": inconsistent,
        }


def main(argv: list[str]) -> None:
    if argv[:1] == ["worker"]:
        path, annotator, seed, seconds = argv[1:5]
        print(json.dumps(worker(path, annotator, int(seed), float(seconds))))
        return
    print(json.dumps(run(quick="--quick" in argv), indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
