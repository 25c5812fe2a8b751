"""Corpus import: generated articles of about 5 KB each, from one JSONL file.

The file (one {"id", "title", "text"} object a line, as a newsroom export
would give) is generated once; each run imports it with
`workbench.importer.import_paths` into a fresh database, the path `workbench
import` takes: read, decode, parse, normalise, hash, insert in batches. Only
JSONL is measured; a folder of .txt files adds one open/read per article,
which is the file system's cost rather than the workbench's.

    python -m bench.corpus_import [--quick]
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from workbench.importer import import_paths
from workbench.store import Store

from .common import Articles, median, session_dir, temp_dir

DOCUMENTS = 100_000
QUICK_DOCUMENTS = 2_000


def corpus_file(count: int) -> Path:
    """`count` generated articles as JSONL, built once per benchmark session."""
    path = session_dir() / f"corpus-{count}.jsonl"
    if path.exists():
        return path
    articles = Articles()
    partial = path.with_suffix(".partial")
    with open(partial, "w", encoding="utf-8") as out:
        for number in range(count):
            text = articles.text(number)
            out.write(json.dumps({"id": f"article-{number}", "title": text.split("\n", 1)[0],
                                  "text": text}, ensure_ascii=False) + "\n")
    partial.rename(path)
    return path


def import_once(source: Path, count: int) -> dict:
    with temp_dir("import-") as folder:
        store = Store.open(folder / "import.db")
        started = time.perf_counter()
        report = import_paths(store, [source])
        seconds = time.perf_counter() - started
        stored = store.document_count()
        store.close()
        size = sum(p.stat().st_size for p in folder.glob("import.db*"))
    if report.added != count or stored != count or report.rejected:
        raise RuntimeError(f"imported {report.added} of {count} articles "
                           f"({stored} stored, {len(report.rejected)} rejected)")
    return {"seconds": seconds, "documents_per_s": count / seconds, "db_mib": size / 2**20}


def run(quick: bool, runs: int = 3) -> dict:
    count = QUICK_DOCUMENTS if quick else DOCUMENTS
    source = corpus_file(count)
    results = [import_once(source, count) for _ in range(runs)]
    return {
        "documents": count,
        "file_mib": os.path.getsize(source) / 2**20,
        "format": "jsonl",
        **{key: median([r[key] for r in results]) for key in results[0]},
        "runs": runs,
    }


if __name__ == "__main__":
    print(json.dumps(run("--quick" in sys.argv[1:]), indent=2))
