"""Run the benchmarks and print one table: each figure beside its target.

    python -m bench                          # full sizes, 3 runs each (many minutes)
    python -m bench --quick                  # tiny sizes, 1 run: a smoke test (< 1 minute)
    python -m bench --only startup --only export_jsonl --runs 5
    python -m bench --json /tmp/bench.json   # where the figures are written

Each figure is the median of the runs. The figures are also written as JSON
(default exports/bench.json) with the machine they came from; when that file
already holds a run at the same sizes, its figures are shown beside the new ones.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .common import machine, median


@dataclass
class Figure:
    id: str
    name: str
    value: float
    unit: str
    target: float | None = None
    higher_is_better: bool = False

    @property
    def verdict(self) -> str:
        if self.target is None:
            return ""
        ok = self.value >= self.target if self.higher_is_better else self.value <= self.target
        return "pass" if ok else "MISS"

    def target_text(self) -> str:
        if self.target is None:
            return ""
        return f"{'≥' if self.higher_is_better else '≤'} {_number(self.target, self.unit)}"


def _number(value: float, unit: str) -> str:
    if unit == "%":
        return f"{value * 100:.1f} %"
    if unit in ("s",):
        return f"{value:.2f} s"
    if unit == "ms":
        return f"{value:.1f} ms"
    if unit == "MiB":
        return f"{value:,.0f} MiB"
    if unit == "×":
        return f"{value:.2f} ×"
    if abs(value) >= 100 or float(value).is_integer():
        return f"{value:,.0f} {unit}".rstrip()
    return f"{value:,.2f} {unit}".rstrip()


# -- what each benchmark's result means -----------------------------------------

def startup_figures(r: dict) -> list[Figure]:
    return [
        Figure("startup.demo_s", "Start-up to first article, demo database", r["demo"]["median_s"], "s", 0.6),
        Figure("startup.large_s", f"Start-up to first article, {r['large']['documents']:,} documents",
               r["large"]["median_s"], "s", 0.6),
        Figure("startup.floor_s", "  a minimal Textual app (Header, Static, Footer), same run",
               r["demo"]["floor_median_s"], "s"),
        Figure("startup.demo_ratio", "  demo start-up against the minimal app", r["demo"]["ratio"], "×", 1.6),
        Figure("startup.large_ratio", f"  {r['large']['documents']:,} documents against the minimal app",
               r["large"]["ratio"], "×", 1.6),
    ]


def annotate_figures(r: dict) -> list[Figure]:
    size = f"{r['words']:,} words, {r['spans']:,} spans"
    return [
        Figure("annotate.label_median_ms", f"Label key, median ({size})", r["label"]["median_ms"], "ms"),
        Figure("annotate.label_p99_ms", "Label key, p99", r["label"]["p99_ms"], "ms", 16),
        Figure("annotate.move_median_ms", "Cursor move, median", r["move"]["median_ms"], "ms"),
        Figure("annotate.move_p99_ms", "Cursor move, p99", r["move"]["p99_ms"], "ms", 16),
        Figure("annotate.open_median_ms", "Open a document, median", r["open"]["median_ms"], "ms", 100),
        Figure("annotate.open_p99_ms", "Open a document, p99", r["open"]["p99_ms"], "ms"),
    ]


def entity_search_figures(r: dict) -> list[Figure]:
    ours, base, sim = r["workbench"], r["baseline"], r["simstring"]
    size = f"{r['cities']:,} places, {r['aliases']:,} names"
    domain, nil = r["domain_with_context"], ours["nil_detection"]
    context = ours["held_out_in_context"]
    return [
        Figure("entity_search.domain_top1",
               f"Domain places with context, top-1 ({domain['queries']:,}: {r['domain_articles']} "
               "and held-out variants)", domain["top1"], "%", 0.9, higher_is_better=True),
        Figure("entity_search.domain_top5", "Domain places with context, top-5", domain["top5"], "%",
               0.98, higher_is_better=True),
        Figure("entity_search.alternate_names_top5",
               f"  any Latin alternate name instead of a variant spelling, top-5 "
               f"({ours['alternate_names']['queries']:,})", ours["alternate_names"]["top5"], "%"),
        Figure("entity_search.cyrillic_top5",
               f"Cyrillic names, Latin-only KB, top-5 ({ours['cyrillic']['queries']:,})",
               ours["cyrillic"]["top5"], "%", 0.85, higher_is_better=True),
        Figure("entity_search.top5", f"Entity search, top-5 recall ({r['queries']:,} held-out names)",
               ours["held_out"]["top5"], "%", 0.8, higher_is_better=True),
        Figure("entity_search.context_top5", "  the same names, each with its region's cities as context",
               context["top5"], "%"),
        Figure("entity_search.baseline_top5", "  brute-force baseline, top-5 recall", base["top5"], "%"),
        Figure("entity_search.simstring_top5", "  SimString (brat's), top-5 recall", sim["top5"], "%"),
        Figure("entity_search.nil_confident", f"NIL names shown a confident wrong match ({nil['threshold']:g}; "
               f"{nil['balanced_threshold']} balances)", nil["nil_confident"], "%"),
        Figure("entity_search.findable_unsure", "  held-out names marked not confident",
               nil["findable_not_confident"], "%"),
        Figure("entity_search.p50_ms", f"Entity search with context, p50 ({size})", context["p50_ms"], "ms"),
        Figure("entity_search.p95_ms", "Entity search with context, p95", context["p95_ms"], "ms", 20),
        Figure("entity_search.p95_vs_simstring", "  p95 / SimString's p95, same run",
               context["p95_ms"] / sim["p95_ms"], "×", 3),
        Figure("entity_search.simstring_p95_ms", "  SimString p95", sim["p95_ms"], "ms"),
        Figure("entity_search.baseline_p95_ms", "  brute-force baseline, p95", base["p95_ms"], "ms"),
        Figure("entity_search.import_rate", "Knowledge base import", r["import_aliases_per_s"], "names/s",
               100_000, higher_is_better=True),
        Figure("entity_search.db_mib", "Knowledge base database size", r["db_mib"], "MiB"),
        Figure("entity_search.anonymous_mib", "Entity search, memory (anonymous RSS, growth at the end)",
               ours["anonymous_growth_mib"], "MiB"),
        Figure("entity_search.mapped_mib", "  file pages mapped, the database's most (file cache, in RSS too)",
               ours["mapped_growth_mib"], "MiB"),
    ]


def corpus_import_figures(r: dict) -> list[Figure]:
    return [Figure("corpus_import.documents_per_s",
                   f"Corpus import, {r['documents']:,} articles of ~5 KB ({r['format']})",
                   r["documents_per_s"], "docs/s", 5_000, higher_is_better=True)]


def export_figures(r: dict) -> list[Figure]:
    return [
        Figure("export.spans_per_s", f"Export jsonl, {r['spans']:,} spans", r["spans_per_s"], "spans/s",
               200_000, higher_is_better=True),
        Figure("export.peak_rss_mib", "Export jsonl, peak RSS", r["peak_rss_mib"], "MiB"),
        Figure("export.memory_ratio", "Export peak RSS, full size / one tenth", r["memory_ratio"], "×", 1.25),
    ]


def agreement_figures(r: dict) -> list[Figure]:
    return [
        Figure("agreement.report_s", f"Agreement report, {r['documents']:,} documents × 3 annotators",
               r["report_s"], "s", 3.0),
        Figure("agreement.sequential_s", "  the same in one process", r["sequential_s"], "s"),
        Figure("agreement.html_s", "  rendering it as HTML", r["html_s"], "s"),
    ]


def concurrent_figures(r: dict) -> list[Figure]:
    who = f"{r['processes']} processes × {r['actions_per_process']} actions"
    return [
        Figure("concurrent.writes_per_s", f"Concurrent annotators, writes ({who})", r["writes_per_s"], "writes/s"),
        Figure("concurrent.p99_ms", "Concurrent annotators, p99 write latency", r["p99_write_ms"], "ms", 50),
        Figure("concurrent.lost_writes", "Concurrent annotators, lost writes", r["lost_writes"], "", 0),
    ]


def human_pace_figures(r: dict) -> list[Figure]:
    who = f"{r['processes']} annotators, an action every 1-3 s for {r['seconds']} s"
    return [
        Figure("human_pace.p50_ms", f"A team at human pace, p50 write latency ({who})", r["p50_write_ms"], "ms"),
        Figure("human_pace.p99_ms", "  p99 write latency, with reports and exports running", r["p99_write_ms"],
               "ms", 50),
        Figure("human_pace.lost_actions", "  lost actions", r["lost_actions"], "", 0),
        Figure("human_pace.inconsistent_exports",
               f"  exports that failed to re-import cleanly (of {r['exports']})", r["inconsistent_exports"], "", 0),
    ]


def json_parse_figures(r: dict) -> list[Figure]:
    return [Figure(f"json_parse.{kind}_speedup",
                   f"Strict JSON parse, orjson vs standard library, {r[kind]['lines']:,} {what} lines",
                   r[kind]["speedup"], "×", higher_is_better=True)
            for kind, what in (("corpus", "article"), ("kb", "entity"), ("native", "native export"))]


def suggestion_figures(r: dict) -> list[Figure]:
    figures, kb, cheap = r["figures"], r["kb"], r["cheap"]
    found = [
        Figure("suggestions.figures_overlap_recall",
               f"Figures recommender, recall overlapping ({figures['gold']} gold figures, demo)",
               figures["overlap_recall"], "%", 0.9, higher_is_better=True),
        Figure("suggestions.figures_exact_recall", "Figures recommender, recall exact",
               figures["exact_recall"], "%", 0.75, higher_is_better=True),
        Figure("suggestions.figures_exact_precision", "Figures recommender, precision exact",
               figures["exact_precision"], "%", 0.8, higher_is_better=True),
        Figure("suggestions.figures_overlap_precision", "Figures recommender, precision overlapping",
               figures["overlap_precision"], "%"),
        Figure("suggestions.mentions_recall",
               f"KB mentions, recall with the right entity ({r['mentions']['gold']} gold mentions, demo)",
               r["mentions"]["exact_recall"], "%", 0.9, higher_is_better=True),
        Figure("suggestions.cheap_ms", f"Cheap recommenders, one article of {cheap['words']:,} words",
               cheap["median_ms"], "ms", 200),
        Figure("suggestions.kb_s", f"KB mentions, {kb['articles']:,} articles × {kb['names']:,} names",
               kb["suggest_s"], "s", 10),
        Figure("suggestions.kb_build_s", "  building its automaton, once", kb["build_s"], "s"),
        Figure("suggestions.kb_peer_s", f"  peer: dict lookup of every 1–{kb['peer_longest']}-word run",
               kb["peer_suggest_s"], "s"),
        Figure("suggestions.kb_peer_build_s", "  peer: building its dict, once", kb["peer_build_s"], "s"),
    ]
    if r["real"]:
        found.append(Figure("suggestions.real_ms",
                            f"Figures on the {r['real']['articles']} real articles ({r['real']['figures']} proposed)",
                            r["real"]["ms"], "ms"))
    return found


def tokens_figures(r: dict) -> list[Figure]:
    return [Figure(f"tokens.agreement.{name.replace(' ', '_')}",
                   f"Token boundaries agreeing with spaCy, {name} ({figures['tokens']:,} tokens)",
                   figures["agreement"], "%", 0.99, higher_is_better=True)
            for name, figures in r["corpora"].items()]


def keystrokes_figures(r: dict) -> list[Figure]:
    suggested = r["with_suggestions"]
    return [
        Figure("keystrokes.keys_per_span",
               f"Keys per span, links included ({r['spans']} gold spans in {len(r['documents'])} articles)",
               r["keys_per_span"], "keys", 5.0),
        Figure("keystrokes.navigation_share", "  share of keys spent reaching a span", r["navigation_share"], "%"),
        Figure("keystrokes.exact", "  replayed spans equal to the gold (1 = every one)", float(r["exact"]), "",
               1, higher_is_better=True),
        Figure("keystrokes.suggested_keys_per_span",
               "Keys per span with suggestions, the same gold reproduced exactly",
               suggested["keys_per_span"], "keys", 3.0),
        Figure("keystrokes.suggested_exact", "  replayed spans equal to the gold (1 = every one)",
               float(suggested["exact"]), "", 1, higher_is_better=True),
    ]


def relation_keys_figures(r: dict) -> list[Figure]:
    return [
        Figure("relation_keys.keys_per_relation",
               f"Keys per relation once both spans exist ({r['relations']} gold claim → source pairs)",
               r["keys_per_relation"], "keys", 3.0),
        Figure("relation_keys.exact", "  relations made equal to the gold (1 = every one)", float(r["exact"]), "",
               1, higher_is_better=True),
    ]


BENCHMARKS: dict[str, tuple[str, Callable[[dict], list[Figure]], int]] = {
    # name: (module, its figures, runs by default at full size)
    "startup": ("bench.startup", startup_figures, 3),
    "annotate_latency": ("bench.annotate_latency", annotate_figures, 3),
    "corpus_import": ("bench.corpus_import", corpus_import_figures, 3),
    "export_jsonl": ("bench.export_jsonl", export_figures, 3),
    "agreement_report": ("bench.agreement_report", agreement_figures, 3),
    "concurrent_writers": ("bench.concurrent_writers", concurrent_figures, 3),
    # One run: two minutes of 64 processes, its latencies percentiles over thousands of writes.
    "human_pace": ("bench.human_pace", human_pace_figures, 1),
    "json_parse": ("bench.json_parse", json_parse_figures, 3),
    # Deterministic: one run says it all.
    "tokens": ("bench.tokens", tokens_figures, 1),
    "keystrokes": ("bench.keystrokes", keystrokes_figures, 1),
    "relation_keys": ("bench.relation_keys", relation_keys_figures, 1),
    # One run: its latencies are already percentiles over 2,000 queries, its recall
    # is deterministic, and a run at full size takes minutes.
    "entity_search": ("bench.entity_search", entity_search_figures, 1),
    "suggestions": ("bench.suggestions", suggestion_figures, 3),
}

COUNTED = ("Annotate latency counts the key's handler, the store write (one IMMEDIATE transaction, "
           "fsync'd), re-layout and rendering every visible row; not terminal I/O or the compositor. "
           "Start-up runs from launching a child Python to its first paint of the article: "
           "interpreter start and imports included, shutdown not; the minimal app is launched "
           "in turns with it and timed to its first painted row the same way.")


# -- running -------------------------------------------------------------------

def run_benchmark(module_name: str, quick: bool, runs: int) -> dict:
    """The module's result; the median of `runs` runs, taken by the module if it can."""
    module = importlib.import_module(module_name)
    if "runs" in inspect.signature(module.run).parameters:
        return module.run(quick, runs=runs)
    return median_of([module.run(quick) for _ in range(runs)])


def median_of(results: list[Any]) -> Any:
    """Numbers become their median across runs; anything else is taken from the first run."""
    first = results[0]
    if isinstance(first, dict):
        return {key: median_of([r[key] for r in results]) for key in first}
    if all(isinstance(r, (int, float)) and not isinstance(r, bool) for r in results):
        return median(results)
    return first


def print_table(figures: list[Figure], previous: dict[str, float], out=sys.stdout) -> None:
    header = ["figure", "value", "target", "result"] + (["previous"] if previous else [])
    rows = [[f.name, _number(f.value, f.unit), f.target_text(), f.verdict]
            + ([_number(previous[f.id], f.unit) if f.id in previous else ""] if previous else [])
            for f in figures]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    aligns = ["<", ">", ">", "<", ">"]

    def line(cells: list[str]) -> str:
        return "  ".join(f"{cell:{align}{width}}" for cell, align, width in zip(cells, aligns, widths)).rstrip()

    print(line(header), file=out)
    print("  ".join("-" * width for width in widths), file=out)
    for row in rows:
        print(line(row), file=out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes and one run: a smoke test")
    parser.add_argument("--only", action="append", choices=list(BENCHMARKS), metavar="NAME",
                        help=f"run only this benchmark (repeatable): {', '.join(BENCHMARKS)}")
    parser.add_argument("--runs", type=int, help="runs per figure [default: 3, --quick: 1]")
    parser.add_argument("--json", type=Path, default=Path("exports/bench.json"),
                        help="where to write the figures [default: exports/bench.json]")
    args = parser.parse_args(argv)
    # Stopped with SIGTERM, still remove the scratch databases (gigabytes at full size).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.runs is not None and args.runs < 1:
        parser.error("--runs must be at least 1")

    about = machine()
    print(f"machine: {about['cpus']} CPUs, {about['cpu_model']}; Python {about['python']}, "
          f"textual {about['textual']}, SQLite {about['sqlite']}; load average {about['load_average_1min']}")
    print(f"sizes: {'quick' if args.quick else 'full'}\n", flush=True)

    previous = _previous(args.json, args.quick)
    figures: list[Figure] = []
    results: dict[str, Any] = {}
    failed: dict[str, str] = {}
    started = time.perf_counter()
    for name in args.only or list(BENCHMARKS):
        module_name, describe, full_runs = BENCHMARKS[name]
        runs = args.runs or (1 if args.quick else full_runs)
        print(f"running {name} ({runs} run{'s' if runs > 1 else ''})...", file=sys.stderr, flush=True)
        begun = time.perf_counter()
        try:
            result = run_benchmark(module_name, args.quick, runs)
            figures.extend(describe(result))
        except Exception as error:  # one broken benchmark must not hide the others' figures
            traceback.print_exc()
            failed[name] = f"{type(error).__name__}: {error}"
            continue
        results[name] = {"runs": runs, "seconds": round(time.perf_counter() - begun, 1), "result": result}

    about["load_average_1min_end"] = round(os.getloadavg()[0], 2)
    print()
    print_table(figures, previous)
    print(f"\n{COUNTED}")
    misses = [f.name.strip() for f in figures if f.verdict == "MISS"]
    print(f"\n{len(figures)} figures, {len(misses)} missing their target; "
          f"{time.perf_counter() - started:.0f} s in all; load average at the end {about['load_average_1min_end']}.")
    for name, reason in failed.items():
        print(f"FAILED {name}: {reason}")

    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({
        "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "workbench": _version(), "quick": args.quick, "machine": about,
        "figures": [{**asdict(f), "verdict": f.verdict} for f in figures],
        "benchmarks": results, "failed": failed,
    }, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"figures written to {args.json}")
    return 1 if failed else 0


def _previous(path: Path, quick: bool) -> dict[str, float]:
    """The figures of the last run at the same sizes, to show beside the new ones."""
    try:
        last = json.loads(path.read_text(encoding="utf-8"))
        if last["quick"] != quick:
            return {}
        return {f["id"]: f["value"] for f in last["figures"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _version() -> str:
    from importlib.metadata import version

    return version("workbench")


if __name__ == "__main__":
    sys.exit(main())
