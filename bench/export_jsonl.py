"""Export: spans written in the native `jsonl` format, and the memory it takes.

The database (generated articles of about 5 KB, two annotators, 50 spans
each per article, one span in five linked to an entity, every article done)
is built through `Store.import_annotated`, the bulk path a native import
takes, so every span is checked against its text on the way in. Each run
exports it with `workbench.formats.export` in a child process, which reports
its own time and peak RSS. Memory is constant when the peak RSS of the full
export is about that of an export one tenth the size.

    python -m bench.export_jsonl [--quick]
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

from workbench.model import Entity, NewDocument, Span
from workbench.store import Store
from workbench.text import content_hash, token_spans

from .common import SEED, Articles, median, peak_rss_mib, run_child, session_dir, temp_dir

SPANS = 1_000_000
QUICK_SPANS = 20_000
ANNOTATORS = ("alice", "bob")
SPANS_PER_ANNOTATOR = 50
BATCH_DOCUMENTS = 500
ENTITIES = [Entity(f"Q{number}", f"Entity {number}", "GPE") for number in range(1, 41)]


def build(path: Path, spans: int) -> int:
    """A database holding `spans` spans; returns how many it holds."""
    per_document = len(ANNOTATORS) * SPANS_PER_ANNOTATOR
    documents = -(-spans // per_document)
    articles = Articles(SEED + 2)
    rng = random.Random(SEED)
    store = Store.open(path)
    labels = [label.name for label in store.labels()]
    written = 0
    for first in range(0, documents, BATCH_DOCUMENTS):
        batch, statuses, batch_spans = [], [], []
        for number in range(first, min(documents, first + BATCH_DOCUMENTS)):
            text = articles.text(number)
            uid = content_hash(text)
            batch.append(NewDocument(text, text.split("\n", 1)[0], f"generated:{number}"))
            tokens = token_spans(text)
            for annotator in ANNOTATORS:
                statuses.append((uid, annotator, "done", 60.0))
                for start, end in rng.sample(tokens, SPANS_PER_ANNOTATOR):
                    entity = rng.choice(ENTITIES).id if rng.random() < 0.2 else None
                    batch_spans.append(Span(f"{rng.getrandbits(128):032x}", uid, annotator, start, end,
                                            rng.choice(labels), text[start:end], entity))
        store.import_annotated(batch, statuses, batch_spans, ENTITIES)
        written += len(batch_spans)
    store.close()
    return written


def database(spans: int) -> tuple[Path, int]:
    """The database for `spans` spans, built once per benchmark session."""
    path = session_dir() / f"export-{spans}.db"
    count_file = path.with_suffix(".count")
    if not count_file.exists():
        count_file.write_text(str(build(path, spans)))
    return path, int(count_file.read_text())


def child(db: str, out: str) -> dict:
    """Runs in its own process, so the peak RSS is the export's own."""
    from workbench.formats import Selection, export, get_format

    store = Store.open(db)
    before = peak_rss_mib()
    started = time.perf_counter()
    report = export(store, get_format("jsonl"), Selection(), Path(out))
    seconds = time.perf_counter() - started
    store.close()
    return {"seconds": seconds, "spans": report.spans, "documents": report.documents,
            "rss_before_mib": before,
            "peak_rss_mib": peak_rss_mib()}


def export_once(db: Path, expected: int) -> dict:
    with temp_dir("export-") as folder:
        out = folder / "spans.jsonl"
        _, printed = run_child(["-m", "bench.export_jsonl", "child", str(db), str(out)])
        result = json.loads(printed)
        result["file_mib"] = out.stat().st_size / 2**20
    if result["spans"] != expected:
        raise RuntimeError(f"exported {result['spans']} spans of {expected}")
    return result


def run(quick: bool, runs: int = 3) -> dict:
    target = QUICK_SPANS if quick else SPANS
    full, full_count = database(target)
    small, small_count = database(target // 10)
    results = [export_once(full, full_count) for _ in range(runs)]
    small_peak = median([export_once(small, small_count)["peak_rss_mib"] for _ in range(runs)])
    seconds = median([r["seconds"] for r in results])
    peak = median([r["peak_rss_mib"] for r in results])
    return {
        "spans": full_count, "documents": results[0]["documents"],
        "seconds": seconds, "spans_per_s": full_count / seconds,
        "peak_rss_mib": peak, "rss_before_mib": median([r["rss_before_mib"] for r in results]),
        "tenth_size_peak_rss_mib": small_peak, "memory_ratio": peak / small_peak,
        "file_mib": results[0]["file_mib"], "runs": runs,
    }


if __name__ == "__main__":
    if sys.argv[1:2] == ["child"]:
        print(json.dumps(child(sys.argv[2], sys.argv[3])))
    else:
        print(json.dumps(run("--quick" in sys.argv[1:]), indent=2))
