"""Keys per relation: attributing each gold claim to its source through the real TUI, once
both spans exist.

For each demo article with a gold file in bench/keystrokes/ there is a committed
`.relations.json`: every claim with the source it is attributed to. A fresh demo
database gets the gold spans; then, for each relation in reading order, the
cursor is put on whichever of its two spans comes later in the text, the one an
annotator has just tagged (that costs no key here: the tagging is counted by
bench.keystrokes), and the expert's keys are pressed in Pilot: `r`, then enter
when the prompt already names the other end, else its hint, else tab to it and
enter, whichever is shortest on the live screen. The relations stored must
equal the gold exactly.

    python -m bench.relation_keys
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path

from .keystrokes import ANNOTATOR, GOLD_DIR, SIZE, demo_store, document_uid

TARGET_KEYS_PER_RELATION = 3.0
Place = tuple[int, int, str]


def relation_golds() -> list[dict]:
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(GOLD_DIR.glob("*.relations.json"))]


def gold_spans(document: str) -> list[dict]:
    gold = GOLD_DIR / document.replace(".md", ".gold.json")
    return json.loads(gold.read_text(encoding="utf-8"))["spans"]


async def attribute(document: str, relations: list[dict]) -> dict:
    from workbench.tui.app import make_app
    from workbench.tui.widgets.article import ArticleView

    with tempfile.TemporaryDirectory() as folder:
        store = demo_store(Path(folder))
        uid = document_uid(store, document)
        ids: dict[Place, str] = {}
        for span in gold_spans(document):
            made = store.add_span(uid, ANNOTATOR, span["start"], span["end"], span["label"])
            ids[(span["start"], span["end"], span["label"])] = made.id
        keys = 0
        ordered = sorted(relations, key=lambda r: max(r["head"][0], r["tail"][0]))
        async with make_app(store, ANNOTATOR, document=uid).run_test(size=SIZE) as pilot:
            await pilot.pause()
            view = pilot.app.screen.query_one(ArticleView)
            for relation in ordered:
                head, tail = (ids[tuple(relation[end])] for end in ("head", "tail"))
                later, other = (head, tail) if relation["head"][0] > relation["tail"][0] else (tail, head)
                view.focus_span(next(span for span in pilot.app.screen.spans if span.id == later))
                await pilot.pause()
                await pilot.press("r")
                await pilot.pause()
                way = shortest_way(pilot.app.screen, other)
                for key in way:
                    await pilot.press(key)
                await pilot.pause()
                keys += 1 + len(way)
        texts = {span_id: place for place, span_id in ids.items()}
        made = {(texts[r.head], texts[r.tail], r.label) for r in store.relations(uid, ANNOTATOR)}
        store.close()
    wanted = {(tuple(r["head"]), tuple(r["tail"]), r["label"]) for r in relations}
    return {"document": document, "relations": len(relations), "keys": keys, "exact": made == wanted,
            "missing": sorted(wanted - made), "extra": sorted(made - wanted)}


def shortest_way(screen, other: str) -> list[str]:
    """After `r`: the fewest keys that take `other` as the relation's other end, read off the
    picker on screen: enter when the prompt names it, its hint, or tabs to it and enter."""
    from workbench.tui.screens.relate import RelationEndScreen

    if not isinstance(screen, RelationEndScreen):
        return []  # nothing to relate here: the check of the result says so
    order = [span.id for span in screen.candidates]
    ways = [["tab"] * order.index(other) + ["enter"]] if other in order else []
    ways += [list(label) for offset, label in screen.hints.items() if screen.span_at(offset).id == other]
    return min(ways, key=len, default=["escape"])


def run(quick: bool = False) -> dict:
    """Attribute every gold claim in every demo article (--quick: the first article only)."""
    golds = relation_golds()[:1] if quick else relation_golds()
    documents = [asyncio.run(attribute(gold["document"], gold["relations"])) for gold in golds]
    relations = sum(d["relations"] for d in documents)
    keys = sum(d["keys"] for d in documents)
    return {"documents": documents, "relations": relations, "keys": keys,
            "keys_per_relation": keys / relations if relations else 0.0,
            "exact": all(d["exact"] for d in documents)}


def main() -> None:
    result = run()
    for document in result["documents"]:
        print(f"{document['document']}: {document['relations']} relations, {document['keys']} keys, "
              f"{'exact' if document['exact'] else 'NOT EXACT'}")
        for kind in ("missing", "extra"):
            for item in document[kind]:
                print(f"  {kind}: {item}")
    print(f"keys per relation: {result['keys_per_relation']:.2f} (target ≤ {TARGET_KEYS_PER_RELATION:.1f}), "
          f"{'exact' if result['exact'] else 'NOT EXACT'}")


if __name__ == "__main__":
    main()
