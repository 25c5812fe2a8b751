"""The benchmark suite still runs end to end: CI runs it once at --quick sizes and judges no timing."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

EVERY_FIGURE = {
    "startup.demo_s", "startup.large_s", "startup.floor_s", "startup.demo_ratio", "startup.large_ratio",
    "annotate.label_median_ms", "annotate.label_p99_ms", "annotate.move_median_ms",
    "annotate.move_p99_ms", "annotate.open_median_ms", "annotate.open_p99_ms",
    "entity_search.domain_top1", "entity_search.domain_top5", "entity_search.alternate_names_top5",
    "entity_search.cyrillic_top5",
    "entity_search.p50_ms", "entity_search.p95_ms", "entity_search.top5", "entity_search.context_top5",
    "entity_search.baseline_top5", "entity_search.simstring_top5", "entity_search.nil_confident",
    "entity_search.findable_unsure", "entity_search.p95_vs_simstring", "entity_search.simstring_p95_ms",
    "entity_search.baseline_p95_ms", "entity_search.import_rate",
    "entity_search.db_mib", "entity_search.anonymous_mib", "entity_search.mapped_mib",
    "corpus_import.documents_per_s",
    "export.spans_per_s", "export.peak_rss_mib", "export.memory_ratio",
    "agreement.report_s", "agreement.sequential_s", "agreement.html_s",
    "concurrent.writes_per_s", "concurrent.p99_ms", "concurrent.lost_writes",
    "human_pace.p50_ms", "human_pace.p99_ms", "human_pace.lost_actions", "human_pace.inconsistent_exports",
    "json_parse.corpus_speedup", "json_parse.kb_speedup", "json_parse.native_speedup",
    "suggestions.figures_overlap_recall", "suggestions.figures_exact_recall",
    "suggestions.figures_exact_precision", "suggestions.figures_overlap_precision",
    "suggestions.mentions_recall", "suggestions.cheap_ms", "suggestions.kb_s", "suggestions.kb_build_s", "suggestions.kb_peer_s",
    "suggestions.kb_peer_build_s",
    "tokens.agreement.demo",
    "keystrokes.keys_per_span", "keystrokes.navigation_share", "keystrokes.exact",
    "keystrokes.suggested_keys_per_span", "keystrokes.suggested_exact",
    "relation_keys.keys_per_relation", "relation_keys.exact",
} | ({"tokens.agreement.shared_corpus"} if (ROOT.parent / "shared" / "corpus").is_dir() else set())
ONLY_WITH_SHARED_CORPUS = {"suggestions.real_ms"}


def test_quick_benchmark_run_reports_every_figure_beside_its_target(tmp_path):
    out = tmp_path / "bench.json"
    done = subprocess.run([sys.executable, "-m", "bench", "--quick", "--json", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    written = json.loads(out.read_text(encoding="utf-8"))
    figures = {figure["id"]: figure for figure in written["figures"]}
    assert set(figures) - ONLY_WITH_SHARED_CORPUS == EVERY_FIGURE
    assert all(math.isfinite(figure["value"]) for figure in figures.values())
    assert written["machine"]["cpus"] and written["machine"]["cpu_model"]
    assert written["quick"] is True and not written["failed"]
    # Writes that were acknowledged and then lost are a correctness failure, not a timing.
    assert figures["concurrent.lost_writes"]["value"] == 0
    assert figures["human_pace.lost_actions"]["value"] == 0
    assert figures["human_pace.inconsistent_exports"]["value"] == 0

    table = done.stdout
    assert "CPUs" in table
    for figure in figures.values():
        assert figure["name"] in table
