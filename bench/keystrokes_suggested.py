"""Keys per span with suggestions: the same gold, the same expert, and the recommenders' help.

Before the annotator opens the article, the database holds what `workbench
suggest` computes from the demo knowledge base and text (figures, sources,
knowledge-base mentions; decisions have nothing to go on in a fresh
database), and the annotate screen adds what its own worker proposes as the
article opens. The expert then reproduces the gold exactly: a gold span that
is suggested with its offsets, label and link is accepted (`y`, or `Y` /
ctrl+a when every suggestion of the sentence or paragraph is one the gold
wants), one suggested with its offsets but another label or link is accepted
as the gold's label (its label key) and linked; any other span is made by
hand, as without suggestions. Suggestions the gold does not want are left
alone: they never become spans unless accepted.

The planner only reads the suggestions the screen shows; the recommenders
know nothing of the gold.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from .keystrokes import (ANNOTATOR, SIZE, SUGGESTED_BY, Gold, Planner, demo_store, document_uid, gold_files,
                         stored, suggest_all, suggestion_keys_path, write_recorded)

class SuggestionPlanner(Planner):
    """The expert of `Planner`, who also reads and answers the suggestions on screen."""

    @property
    def suggested(self):
        return self.screen.suggested

    async def navigate(self, target: int) -> list[str]:
        # `o` lands on the next suggestion's start: one key, where a hint takes two.
        following = [s.start for s in self.suggested if s.start > self.view.cursor]
        if following and min(following) == target and self.view.cursor != target:
            return await self.keys(["o"])
        return await super().navigate(target)

    def bulk_key(self, wanted: set[tuple]) -> str | None:
        """ctrl+a or Y when every suggestion of the paragraph (or sentence) at the cursor, two
        or more, is a span the gold wants, none overlapping another of its label."""
        index = self.view.index
        for unit, key in ((index.paragraphs, "ctrl+a"), (index.sentences, "Y")):
            around = unit.at(self.view.cursor)
            if around is None:
                continue
            inside = [s for s in self.suggested if around[0] <= s.start and s.end <= around[1]]
            if len(inside) < 2 or not all((s.start, s.end, s.label, s.entity_id) in wanted for s in inside):
                continue
            if any(a.label == b.label and a.start < b.end and b.start < a.end
                   for i, a in enumerate(inside) for b in inside[i + 1:]):
                continue
            return key
        return None

    async def select_by_hand(self, start: int, end: int) -> list[str]:
        option = self.selection_options(start, end)
        here = self.screen.suggestion_at_cursor()
        if option and option[0] == [] and here is not None and (here.start, here.end) != (start, end):
            # A label key on a word under a suggestion accepts the suggestion: select the word.
            return await self.keys(["v"])
        return await self.select(start, end)


async def record_with_suggestions(gold: Gold) -> list[dict]:
    from workbench.tui.app import make_app

    steps = []
    with tempfile.TemporaryDirectory() as folder:
        store = demo_store(Path(folder))
        suggest_all(store)
        uid = document_uid(store, gold.document)
        async with make_app(store, ANNOTATOR, document=uid).run_test(size=SIZE) as pilot:
            await pilot.pause()
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            planner = SuggestionPlanner(pilot)
            labels = {label.name: label.key for label in pilot.app.labels}
            text = store.text(uid)
            wanted = set(gold.spans)
            deferred: list[tuple[int, int]] = []
            while True:
                now = stored(store, uid)
                if now - wanted:
                    raise RuntimeError(f"spans the gold does not have: {sorted(now - wanted, key=str)}")
                pending = wanted - now
                if not pending:
                    break
                exact = {(s.start, s.end, s.label, s.entity_id) for s in planner.suggested}
                # By start; of spans that start together, those made by hand first (an accept
                # moves the cursor on), the inner one first (see `record`).
                span = min(pending, key=lambda s: (s[0], s in exact, s[1]))
                start, end, label, entity = span
                step = {"span": [start, end, label, entity], "navigate": await planner.navigate(start),
                        "select": [], "label": [], "link": []}
                here = planner.screen.suggestion_at_cursor()
                if here is not None and (here.start, here.end) == (start, end):
                    if (here.label, here.entity_id) == (label, entity):
                        step["label"] = await planner.keys([planner.bulk_key(pending) or "y"])
                    else:
                        # Its label key accepts it as the gold's label (a relabelled accept drops
                        # the link); the accept moves on, so shift+tab comes back to link it.
                        step["label"] = await planner.keys(["y" if here.label == label else labels[label]])
                        linked = here.entity_id if here.label == label else None
                        if entity != linked:
                            step["link"] = await planner.keys(["shift+tab"])
                            current = planner.view.current
                            if current is None or (current.start, current.end, current.label) != (start, end, label):
                                raise RuntimeError(f"shift+tab did not come back to {span}")
                            step["link"] += (await planner.link(entity) if entity
                                             else await planner.keys(["X"]))
                    steps.append(step)
                    continue
                step["select"] = await planner.select_by_hand(start, end)
                step["label"] = await planner.keys([labels[label]])
                if (start, end, label) not in {(s, e, lab) for s, e, lab, _ in stored(store, uid)}:
                    raise RuntimeError(f"tagging {start}-{end} {label} with {step} did not store it; "
                                       f"the cursor is at {planner.view.cursor}")
                if entity:
                    later = any(s not in exact and s[3] == entity and text[s[0]:s[1]] == text[start:end]
                                for s in pending - {span})
                    step["link"] = await planner.link_or_defer(entity, start, end, later, deferred)
                steps.append(step)
        store.close()
    return steps


def main() -> None:
    parser = argparse.ArgumentParser(description="Plan the key sequences that use suggestions again and "
                                                 "write each that is no longer than before.")
    parser.add_argument("--record", action="store_true", help="plan and write the sequences (the only action)")
    parser.add_argument("--force", action="store_true", help="write longer sequences too (after a change of keys)")
    args = parser.parse_args()
    if not args.record:
        parser.error("--record plans the sequences; python -m bench.keystrokes replays them")
    for gold in gold_files():
        write_recorded(gold, asyncio.run(record_with_suggestions(gold)), suggestion_keys_path(gold), args.force,
                       {"suggestions": list(SUGGESTED_BY)})
    print("replay them with: python -m bench.keystrokes")


if __name__ == "__main__":
    main()
