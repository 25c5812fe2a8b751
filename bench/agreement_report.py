"""How long `workbench agreement` takes: 10,000 documents x 3 annotators x 20 spans each.

Documents are ~2,600 characters of generated words (the length of the demo
articles). Each annotator copies 20 reference mentions per document and
perturbs some: a boundary moved by a word, another label, another link, a
mention dropped for one of their own. Everyone marked every document done.

Timed (the target, <= 3 s, is on ``report_s``): `workbench agreement`'s own
service, `workbench.agreement.from_store.agreement_report`, from the open store to the
Report object with every number and disagreement in it, as the CLI runs it (in
parts, one process per CPU). ``sequential_s`` is the same in one process, and
``load_s``/``build_s`` split that run into reading the documents and spans from
the store and building the report. ``*_cpu_s`` are CPU times of this process,
steadier on a busy machine. Rendering is timed apart and not counted: JSON
(``json_s``, ``json_mib`` of it: to_data plus json.dumps with indent, which runs
the pure-Python encoder) and HTML (``html_s``).

    python -m bench.agreement_report           # 10,000 documents
    python -m bench.agreement_report --quick   # 200 documents
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import time

from workbench.agreement.render import render
from workbench.agreement.counting import build_report
from workbench.agreement.results import ReportDocument
from workbench.collector import without_cyclic_gc
from workbench.model import Entity, NewDocument, Span
from workbench.agreement.from_store import agreement_report
from workbench.store import Store
from workbench.text import content_hash, token_spans

SEED = 20240611
ANNOTATORS = ("alice", "bob", "carol")
LABELS = ("claim", "source", "figure")
SPANS_PER_DOCUMENT = 20
WORDS = ("the of and to in a said forces ministry officials city region strike drones "
         "missile attack front line Kyiv Kharkiv Odesa Bakhmut grain exports sanctions "
         "package power plant reported according statement 12 300 1.5 percent").split()


def make_text(rng: random.Random) -> str:
    sentences = []
    while sum(len(s) + 1 for s in sentences) < 2_600:
        words = [rng.choice(WORDS) for _ in range(rng.randint(8, 20))]
        sentences.append(" ".join(words).capitalize() + ".")
    return " ".join(sentences)


def make_corpus(documents: int, rng: random.Random):
    docs, statuses, spans = [], [], []
    for _ in range(documents):
        text = make_text(rng)
        uid = content_hash(text)
        docs.append(NewDocument(text, "", "bench"))
        tokens = token_spans(text)
        step = len(tokens) // SPANS_PER_DOCUMENT
        reference = []
        for k in range(SPANS_PER_DOCUMENT):
            first = k * step + rng.randint(0, step // 3)
            last = min(first + rng.randint(1, 6), len(tokens) - 1, (k + 1) * step - 1)
            label = rng.choice(LABELS)
            link = f"Q{rng.randint(1, 40)}" if label == "source" else None
            reference.append((first, last, label, link))
        for annotator in ANNOTATORS:
            statuses.append((uid, annotator, "done", 60.0))
            for first, last, label, link in reference:
                roll = rng.random()
                if roll < 0.08:
                    last = max(first, last - 1)
                elif roll < 0.12:
                    label = rng.choice(LABELS)
                elif roll < 0.16 and link:
                    link = rng.choice([f"Q{rng.randint(1, 40)}", "NIL"])
                elif roll < 0.20:
                    first = last = min(first + 1, len(tokens) - 1)
                start, end = tokens[first][0], tokens[last][1]
                spans.append(Span(f"{uid}-{annotator}-{len(spans)}", uid, annotator, start, end,
                                  label, text[start:end], None if link == "NIL" else link,
                                  link == "NIL"))
    entities = [Entity(f"Q{i}", f"Entity {i}", "org") for i in range(1, 41)]
    return docs, statuses, spans, entities


def run(quick: bool) -> dict:
    documents = 200 if quick else 10_000
    rng = random.Random(SEED)
    corpus = make_corpus(documents, rng)
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(os.path.join(folder, "bench.db"))
        store.import_annotated(*corpus)
        started, cpu_started = time.perf_counter(), time.process_time()
        report = agreement_report(store, annotators=ANNOTATORS, labels=LABELS)
        reported, cpu_reported = time.perf_counter(), time.process_time()
        sequential = agreement_report(store, annotators=ANNOTATORS, labels=LABELS, processes=1)
        sequential_s = time.perf_counter() - reported
        # The single-process run again, split into its two halves (the collector
        # paused for both, as the service pauses it).
        with without_cyclic_gc():
            started_load, cpu_started_load = time.perf_counter(), time.process_time()
            rows = list(store.agreement_documents(ANNOTATORS, labels=LABELS))
            loaded, cpu_loaded = time.perf_counter(), time.process_time()
            build_report((ReportDocument(uid, text, spans, title) for uid, title, text, spans in rows),
                         ANNOTATORS, LABELS, "bench")
            built, cpu_built = time.perf_counter(), time.process_time()
        json_text = render(report, "json")
        rendered_json, cpu_rendered_json = time.perf_counter(), time.process_time()
        render(report, "html")
        rendered_html = time.perf_counter()
        store.close()
    if render(sequential, "json") != json_text:
        raise AssertionError("the report built in parts differs from the one built in one process")
    return {
        "documents": report.documents, "spans": sum(report.spans.values()),
        "tokens": report.tokens, "disagreements": len(report.disagreements),
        "report_s": round(reported - started, 3), "report_cpu_s": round(cpu_reported - cpu_started, 3),
        "sequential_s": round(sequential_s, 3),
        "load_s": round(loaded - started_load, 3), "build_s": round(built - loaded, 3),
        "load_cpu_s": round(cpu_loaded - cpu_started_load, 3), "build_cpu_s": round(cpu_built - cpu_loaded, 3),
        "target_s": 3.0,
        "json_s": round(rendered_json - built, 3), "json_cpu_s": round(cpu_rendered_json - cpu_built, 3),
        "json_mib": round(len(json_text) / 2**20, 1),
        "html_s": round(rendered_html - rendered_json, 3),
        "f1_overlap_mean": report.spread("overlap").mean.value,
        "fleiss_claim": report.token_rows[0].fleiss.value,
    }


def main() -> None:
    json.dump(run("--quick" in sys.argv[1:]), sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
