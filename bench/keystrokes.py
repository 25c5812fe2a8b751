"""Keys per span: an expert's committed key sequences replayed through the real TUI.

For each gold file in bench/keystrokes/ (every claim, source, figure and mention
of one demo article, with its links to the demo knowledge base) there is a
committed key sequence. The benchmark replays it through Pilot on a fresh demo
database and checks that the spans then stored equal the gold exactly:
offsets, labels and links. It prints the keys per span and the share of keys
that only moved the cursor to where a span starts. Then it does the same with
the second set of sequences, `*.suggested.keys.json`, on a database holding
the recommenders' suggestions (see `keystrokes_suggested`).

    python -m bench.keystrokes             # replay and check
    python -m bench.keystrokes --record    # plan the sequences again and write them
    python -m bench.keystrokes_suggested --record   # the same, with suggestions

`--record` plays the expert: for each gold span it picks the shortest way the
keys offer to reach its start (already there, `w`, or a hint jump), to select
it (the word at the cursor, `s`, `W`, `e`, or a hint to its last word), to tag
it and to link it (the picker's candidates, or a few letters typed), checking
each step on the real screen. A recorded sequence is committed only when it is
no longer than the one before: a longer one is a regression.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

GOLD_DIR = Path(__file__).resolve().parent / "keystrokes"
SIZE = (100, 30)
ANNOTATOR = "expert"
TARGET_KEYS_PER_SPAN = 5.0
TARGET_WITH_SUGGESTIONS = 3.0
SUGGESTED_BY = ("figures", "sources", "mentions", "decisions")
"""What `workbench suggest` runs by default, computed before the article opens."""


@dataclass
class Gold:
    path: Path
    document: str  # the demo file's name
    spans: list[tuple[int, int, str, str | None]]  # start, end, label, entity


def gold_files() -> list[Gold]:
    found = []
    for path in sorted(GOLD_DIR.glob("*.gold.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        found.append(Gold(path, data["document"],
                          [(s["start"], s["end"], s["label"], s["entity"]) for s in data["spans"]]))
    return found


def keys_path(gold: Gold) -> Path:
    return gold.path.with_name(gold.path.name.replace(".gold.json", ".keys.json"))


def suggestion_keys_path(gold: Gold) -> Path:
    return gold.path.with_name(gold.path.name.replace(".gold.json", ".suggested.keys.json"))


def suggest_all(store) -> None:
    """Store the suggestions `workbench suggest` would, for every document."""
    from workbench.recommend.from_store import build_recommenders, suggest

    suggest(store, build_recommenders(store, SUGGESTED_BY), store.document_uids())


def demo_store(folder: Path):
    """A fresh database as `workbench demo` builds it: the demo articles and entities."""
    from workbench.importer import import_paths
    from workbench.formats.kb import read_kb
    from workbench.linking import normalise_alias
    from workbench.store import Store

    store = Store.open(folder / "keystrokes.db")
    data = resources.files("workbench") / "data"
    with resources.as_file(data / "demo") as demo:
        import_paths(store, [demo])
    with resources.as_file(data / "demo_entities.jsonl") as entities:
        store.import_entities(read_kb(entities), normalise_alias)
    return store


def document_uid(store, name: str) -> str:
    return next(uid for uid in store.document_uids() if store.document(uid).source.endswith(name))


def stored(store, uid: str) -> set[tuple[int, int, str, str | None]]:
    return {(s.start, s.end, s.label, s.entity_id) for s in store.spans(uid, ANNOTATOR)}


async def press(pilot, key: str) -> None:
    await pilot.press(key)
    if pilot.app.workers:
        # The link picker searches in a worker: its candidates must be in before the next key.
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def replay(gold: Gold, steps: list[dict], *, suggested: bool = False) -> set:
    from workbench.tui.app import make_app

    with tempfile.TemporaryDirectory() as folder:
        store = demo_store(Path(folder))
        if suggested:
            suggest_all(store)
        uid = document_uid(store, gold.document)
        async with make_app(store, ANNOTATOR, document=uid).run_test(size=SIZE) as pilot:
            await pilot.pause()
            if suggested:
                # The screen's own recommenders run in a worker as the article opens.
                await pilot.app.workers.wait_for_complete()
                await pilot.pause()
            for step in steps:
                for part in ("navigate", "select", "label", "link"):
                    for key in step[part]:
                        await press(pilot, key)
        result = stored(store, uid)
        store.close()
    return result


def measure(gold: Gold, steps: list[dict], result: set) -> dict:
    keys = sum(len(step[part]) for step in steps for part in ("navigate", "select", "label", "link"))
    navigation = sum(len(step["navigate"]) for step in steps)
    wanted = set(gold.spans)
    return {"document": gold.document, "spans": len(gold.spans), "keys": keys,
            "navigation_keys": navigation, "exact": result == wanted,
            "missing": sorted(wanted - result, key=str), "extra": sorted(result - wanted, key=str)}


def run(quick: bool = False) -> dict:
    """Replay every committed sequence, without suggestions and then with them (about a minute
    each); --quick replays the first article's only."""
    result = replay_all(quick, suggested=False)
    result["with_suggestions"] = replay_all(quick, suggested=True)
    return result


def replay_all(quick: bool, *, suggested: bool) -> dict:
    documents = []
    for gold in gold_files()[:1] if quick else gold_files():
        path = suggestion_keys_path(gold) if suggested else keys_path(gold)
        steps = json.loads(path.read_text(encoding="utf-8"))["steps"]
        documents.append(measure(gold, steps, asyncio.run(replay(gold, steps, suggested=suggested))))
    spans = sum(d["spans"] for d in documents)
    keys = sum(d["keys"] for d in documents)
    return {"documents": documents, "spans": spans, "keys": keys,
            "keys_per_span": keys / spans if spans else 0.0,
            "navigation_share": sum(d["navigation_keys"] for d in documents) / keys if keys else 0.0,
            "exact": all(d["exact"] for d in documents)}


# -- recording: the expert's plan -------------------------------------------------


class Planner:
    """Chooses each span's keys on the live screen and presses them, checking every step."""

    def __init__(self, pilot) -> None:
        self.pilot = pilot

    @property
    def screen(self):
        return self.pilot.app.screen

    @property
    def view(self):
        from workbench.tui.screens.annotate import AnnotateScreen

        screen = self.pilot.app.screen
        assert isinstance(screen, AnnotateScreen), screen
        return screen.view

    async def keys(self, keys: list[str]) -> list[str]:
        for key in keys:
            await press(self.pilot, key)
        return keys

    async def hint(self, offset: int) -> list[str]:
        """The hint on the word at `offset`, read from the jump screen now open."""
        from workbench.tui.screens.jump import JumpScreen

        screen = self.pilot.app.screen
        assert isinstance(screen, JumpScreen), screen
        return await self.keys(list(screen.hints[offset]))

    def hint_length(self, offset: int) -> int:
        """How many keys the hint on the word at `offset` would take, were it on screen."""
        from workbench.tui.widgets.hints import assign_hints

        view = self.view
        hints = assign_hints(view.visible_words(), (view.cursor_row(), view.column_of(view.cursor)))
        return len(hints.get(offset, "xxx"))

    async def navigate(self, target: int) -> list[str]:
        view = self.view
        words = view.index.words
        pressed: list[str] = []
        word_start = target if words.at(target) and words.at(target)[0] == target else words.next_start(target)
        for _ in range(20):
            if view.cursor == target:
                return pressed
            if view.cursor == word_start:
                return pressed + await self.keys(["left"] * (word_start - target))
            following = words.next_start(view.cursor)
            if following == word_start or (following is not None and words.next_start(following) == word_start
                                           and self.hint_length(word_start) > 1):
                pressed += await self.keys(["w"])
                continue
            if word_start in {offset for offset, _, _ in view.visible_words()}:
                pressed += await self.keys(["f"])
                pressed += await self.hint(word_start)
                continue
            pressed += await self.keys(["pagedown" if word_start > view.cursor else "pageup"])
        raise RuntimeError(f"could not reach offset {target}")

    def selection_options(self, start: int, end: int) -> list[list[str]]:
        """Key sequences that would select exactly [start, end) from the cursor at `start`,
        cheapest first; "F" stands for a hint to the last word, whose length is known later."""
        index = self.view.index
        options: list[list[str]] = []
        if index.word_at(start) == (start, end):
            # A label key would relabel a span picked by the last key; v selects the word instead.
            options.append(["v"] if self.view.picked else [])
        if index.sentence_at(start) == (start, end):
            options.append(["s"])
        for key, following in (("W", index.words.next_end), ("e", index.next_clause_end)):
            cursor, keys = start, []
            for _ in range(4):
                found = following(cursor)
                if found is None:
                    break
                cursor = found
                keys.append(key)
                if index.snap(start, cursor) == (start, end):
                    options.append(list(keys))
                    break
                # A punctuation token after the last word ("85%") is a character or two on.
                for extra in range(1, 3):
                    if cursor + extra <= len(index.text) and index.snap(start, cursor + extra) == (start, end):
                        options.append(keys + ["shift+right"] * extra)
        last = index.words.at(end - 1)
        if last and index.snap(start, last[1]) == (start, end):
            options.append(["F", "<hint>"])
        return sorted(options, key=len)

    async def select(self, start: int, end: int) -> list[str]:
        for option in self.selection_options(start, end):
            if option == ["F", "<hint>"]:
                last = self.view.index.words.at(end - 1)
                if last[0] not in {offset for offset, _, _ in self.view.visible_words()}:
                    continue
                return await self.keys(["F"]) + await self.hint(last[0])
            return await self.keys(option)
        raise RuntimeError(f"no way to select {start}-{end}")

    async def link_or_defer(self, entity: str, start: int, end: int, later: bool,
                            deferred: list[tuple[int, int]]) -> list[str]:
        """Link the span just tagged to `entity`; or, when the same words are linked so `later`
        too, leave it to the `L` there, which the last of them presses."""
        if later:
            deferred.append((start, end))
            return []
        keys = await self.link(entity)
        text = self.view.text
        if any(text[s:e] == text[start:end] for s, e in deferred):
            keys += await self.keys(["L"])
        return keys

    async def link(self, entity: str) -> list[str]:
        from workbench.linking import confident_match
        from workbench.tui.screens.link_picker import LinkPicker

        def to_choose(index: int) -> list[str]:
            # With no confident match nothing is highlighted: the first step down picks the top.
            unsure = confident_match(picker.candidates) is None
            return ["down"] * (index + unsure) + ["enter"]

        pressed = await self.keys(["l"])
        picker = self.pilot.app.screen
        assert isinstance(picker, LinkPicker)
        ids = [c.entity_id for c in picker.candidates]
        if entity in ids[:5]:
            return pressed + await self.keys(to_choose(ids.index(entity)))
        name = self.pilot.app.store.entity(entity).name
        pressed += await self.keys(["ctrl+u"])
        for letter in name:
            pressed += await self.keys([letter if letter != " " else "space"])
            if picker.candidates and picker.candidates[0].entity_id == entity:
                return pressed + await self.keys(to_choose(0))
        raise RuntimeError(f"the picker does not find {entity}")


async def record(gold: Gold) -> list[dict]:
    from workbench.tui.app import make_app

    steps = []
    with tempfile.TemporaryDirectory() as folder:
        store = demo_store(Path(folder))
        uid = document_uid(store, gold.document)
        async with make_app(store, ANNOTATOR, document=uid).run_test(size=SIZE) as pilot:
            await pilot.pause()
            planner = Planner(pilot)
            labels = {label.name: label.key for label in pilot.app.labels}
            text = store.text(uid)
            # Of spans that start together the inner one goes first: its label key then
            # tags the word at the cursor, where after the outer one it would relabel that.
            order = sorted(gold.spans, key=lambda span: (span[0], span[1]))
            deferred: list[tuple[int, int]] = []
            for number, (start, end, label, entity) in enumerate(order):
                step = {"span": [start, end, label, entity]}
                step["navigate"] = await planner.navigate(start)
                step["select"] = await planner.select(start, end)
                step["label"] = await planner.keys([labels[label]])
                if (start, end, label) not in {(s, e, lab) for s, e, lab, _ in stored(store, uid)}:
                    raise RuntimeError(f"tagging {start}-{end} {label} with {step} did not store it; "
                                       f"the cursor is at {planner.view.cursor}")
                step["link"] = []
                if entity:
                    later = any(ent == entity and text[s:e] == text[start:end] for s, e, _, ent in order[number + 1:])
                    step["link"] = await planner.link_or_defer(entity, start, end, later, deferred)
                steps.append(step)
        store.close()
    return steps


def write_recorded(gold: Gold, steps: list[dict], path: Path, force: bool, extra: dict | None = None) -> None:
    """Commit a planned sequence to `path` unless it is longer than the one there (a regression),
    or `force`."""
    count = sum(len(s[p]) for s in steps for p in ("navigate", "select", "label", "link"))
    before = None
    if path.exists():
        old = json.loads(path.read_text(encoding="utf-8"))["steps"]
        before = sum(len(s[p]) for s in old for p in ("navigate", "select", "label", "link"))
    if before is not None and count > before and not force:
        print(f"{path.name}: {count} keys, longer than the committed {before}: not written")
        return
    path.write_text(json.dumps({"document": gold.document, "size": list(SIZE), **(extra or {}), "steps": steps},
                               ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{path.name}: {count} keys for {len(gold.spans)} spans (was {before})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--record", action="store_true",
                        help="plan the key sequences again; write each that is no longer than before")
    parser.add_argument("--force", action="store_true",
                        help="with --record, write longer sequences too (after a change of keys)")
    args = parser.parse_args()
    if args.record:
        for gold in gold_files():
            write_recorded(gold, asyncio.run(record(gold)), keys_path(gold), args.force)
    result = run()
    for title, figures, target in (("without suggestions", result, TARGET_KEYS_PER_SPAN),
                                   ("with suggestions", result["with_suggestions"], TARGET_WITH_SUGGESTIONS)):
        print(title)
        for d in figures["documents"]:
            print(f"  {d['document']}: {d['spans']} spans, {d['keys']} keys, {d['keys'] / d['spans']:.2f} per span, "
                  f"navigation {d['navigation_keys'] / d['keys']:.0%}, "
                  f"{'exact' if d['exact'] else 'NOT EXACT: missing ' + str(d['missing']) + ' extra ' + str(d['extra'])}")
        print(f"  all: {figures['keys_per_span']:.2f} keys per span (target ≤ {target}), "
              f"navigation {figures['navigation_share']:.0%} of keys, "
              f"{'exact' if figures['exact'] else 'NOT exact'}")
    sys.exit(0 if result["exact"] and result["with_suggestions"]["exact"] else 1)


if __name__ == "__main__":
    main()
