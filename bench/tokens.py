"""Token boundaries: how often workbench's tokens agree with spaCy's English tokenizer.

A boundary is an offset where a token starts or ends. The agreement is the
share of all boundaries either tokenizer draws that both draw (intersection
over union), over the real articles in ../shared/corpus (when present) and the
bundled demo corpus. spaCy is a test and benchmark dependency only.

    python -m bench.tokens [--quick] [--show N]
"""

from __future__ import annotations

import argparse
import json
from importlib import resources

from workbench.text import normalise, token_spans

from .common import ROOT

SHARED_CORPUS = ROOT.parent / "shared" / "corpus"


def corpora() -> dict[str, list[str]]:
    """Each corpus's texts, normalised as the store keeps them."""
    demo = resources.files("workbench") / "data" / "demo"
    found = {"demo": [normalise(path.read_text(encoding="utf-8"))
                      for path in sorted(demo.iterdir(), key=lambda p: p.name) if path.name.endswith(".md")]}
    if SHARED_CORPUS.is_dir():
        found["shared corpus"] = [normalise(path.read_text(encoding="utf-8"))
                                  for path in sorted(SHARED_CORPUS.glob("*.txt"))]
    return found


def boundaries(spans) -> set[int]:
    return {offset for span in spans for offset in span}


def compare(texts: list[str], show: int = 0) -> dict:
    from spacy.lang.en import English

    tokenizer = English().tokenizer
    agreed = drawn = 0
    tokens = 0
    differences: list[str] = []
    for text in texts:
        ours = boundaries(token_spans(text))
        theirs = boundaries((t.idx, t.idx + len(t.text)) for t in tokenizer(text) if not t.is_space)
        agreed += len(ours & theirs)
        drawn += len(ours | theirs)
        tokens += len(token_spans(text))
        for offset in sorted(ours ^ theirs)[:max(0, show - len(differences))]:
            where = "workbench only" if offset in ours else "spaCy only"
            differences.append(f"{where}: {text[max(0, offset - 25):offset]!r} | {text[offset:offset + 25]!r}")
    return {"texts": len(texts), "tokens": tokens, "agreement": agreed / drawn if drawn else 1.0,
            "differences": differences}


def run(quick: bool = False, show: int = 0) -> dict:
    """Both corpora are small: --quick measures the same."""
    return {"corpora": {name: compare(texts, show) for name, texts in corpora().items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--show", type=int, default=0, help="print up to N disagreements per corpus")
    args = parser.parse_args()
    result = run(args.quick, args.show)
    for name, figures in result["corpora"].items():
        print(f"{name}: {figures['texts']} texts, {figures['tokens']:,} tokens, "
              f"boundaries agreeing with spaCy: {figures['agreement']:.2%}")
        for line in figures["differences"]:
            print("   ", line)
    print(json.dumps({name: figures["agreement"] for name, figures in result["corpora"].items()}))


if __name__ == "__main__":
    main()
