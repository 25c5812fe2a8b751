"""The strict JSON Lines parser: orjson with its exactness check against the standard library
with the hooks the same rules need, on the three kinds of line an import reads.

CPU time of parsing every line, best of the runs, so other work on the machine
weighs less. The lines are generated: native export lines (100 spans each),
knowledge-base entity lines, and corpus article lines of about 5 KB.

    python -m bench.json_parse [--quick]
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections.abc import Callable

from workbench import jsonlines

from .common import SEED, Articles

SIZES = {"native": 1_000, "kb": 200_000, "corpus": 5_000}
QUICK_SIZES = {"native": 50, "kb": 5_000, "corpus": 200}


def lines(kind: str, count: int) -> list[str]:
    rng = random.Random(SEED)
    articles = Articles(SEED + 3)
    made = []
    for number in range(count):
        if kind == "kb":
            value = {"id": f"Q{number}", "name": f"Entity {number}", "type": "PERSON",
                     "aliases": [f"alias {number}", f"другое {number}"],
                     "description": "A person of some note. " * 3, "prior": rng.random()}
        else:
            text = articles.text(number)
            value = {"text": text, "title": text.split("\n", 1)[0], "meta": {"n": number}}
            if kind == "native":
                value["annotations"] = [{"annotator": name, "seconds": 60.0, "status": "done", "spans": [
                    {"start": start, "end": start + 5, "label": "source", "text": text[start:start + 5],
                     "entity": None, "nil": False, "provenance": [], "id": f"{rng.getrandbits(128):032x}"}
                    for start in sorted(rng.sample(range(len(text) - 5), 50))]} for name in ("alice", "bob")]
        made.append(json.dumps(value, ensure_ascii=False))
    return made


def cpu_seconds(parse: Callable[[str], object], batch: list[str], runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.process_time()
        for line in batch:
            parse(line)
        best = min(best, time.process_time() - started)
    return best


def run(quick: bool, runs: int = 3) -> dict:
    result = {}
    for kind, count in (QUICK_SIZES if quick else SIZES).items():
        batch = lines(kind, count)
        stdlib = cpu_seconds(jsonlines._parse_exactly, batch, runs)
        ours = cpu_seconds(jsonlines.parse_line, batch, runs)
        result[kind] = {"lines": count, "stdlib_ms": stdlib * 1000, "orjson_ms": ours * 1000,
                        "speedup": stdlib / ours}
    return result


if __name__ == "__main__":
    print(json.dumps(run("--quick" in sys.argv[1:]), indent=2))
