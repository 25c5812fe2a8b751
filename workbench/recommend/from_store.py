"""Running recommenders over a store: the one module of `recommend` that reads and writes one.

The recommenders themselves stay pure; this builds them from what the
database holds (its labels, its knowledge base, its annotators' spans) and
stores what they propose, document by document.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from ..errors import WorkbenchError
from . import Recommender
from .decisions import DecisionsRecommender
from .figures import FiguresRecommender
from .mentions import MentionsRecommender
from .sources import SourcesRecommender

RECOMMENDERS = ("figures", "sources", "mentions", "decisions")
CHEAP = ("figures", "sources", "decisions")
"""Fast enough to run as a document opens: no knowledge-base automaton to build."""


@dataclass
class SuggestReport:
    added: Counter = field(default_factory=Counter)
    """New suggestions per recommender."""
    unknown_labels: Counter = field(default_factory=Counter)
    """Proposals dropped because the database has no such label, per label."""
    documents: int = 0


def build_recommenders(store, names: Sequence[str]) -> list[Recommender]:
    """The named recommenders, set up from the store; one without anything to go on is left out."""
    unknown = [name for name in names if name not in RECOMMENDERS]
    if unknown:
        raise WorkbenchError(f"no recommender {', '.join(map(repr, unknown))}; "
                             f"known: {', '.join(RECOMMENDERS)}")
    labels = {label.name for label in store.labels()}
    built: list[Recommender] = []
    for name in names:
        if name == "figures":
            built.append(FiguresRecommender())
        elif name == "sources":
            built.append(SourcesRecommender())
        elif name == "mentions" and store.entity_count():
            built.append(MentionsRecommender.build(
                store.aliases_for_matching(), label="mention" if "mention" in labels else None,
                source_label="source" if "source" in labels else None))
        elif name == "decisions":
            built.append(DecisionsRecommender.build(store.tagged_strings()))
    return built


def suggest(store, recommenders: Iterable[Recommender], documents: Sequence[str], *, replace: bool = False,
            on_document: Callable[[], None] = lambda: None) -> SuggestReport:
    """Store each recommender's proposals for each document; running it again adds nothing."""
    labels = {label.name for label in store.labels()}
    recommenders = list(recommenders)
    report = SuggestReport()
    for document in documents:
        text = store.text(document)
        for recommender in recommenders:
            proposals = []
            for proposal in recommender.propose(text):
                if proposal.label in labels:
                    proposals.append(proposal)
                else:
                    report.unknown_labels[proposal.label] += 1
            report.added[recommender.name] += store.add_suggestions(document, recommender.name, proposals,
                                                                    replace=replace)
        report.documents += 1
        on_document()
    return report
