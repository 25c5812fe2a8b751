"""The figures recommender on hand-written sentences, near misses included."""

from __future__ import annotations

import pytest

from workbench.recommend.figures import FiguresRecommender


def figures(text: str) -> list[str]:
    return [text[p.start:p.end] for p in FiguresRecommender().propose(text)]


@pytest.mark.parametrize("text, expected", [
    ("Russia gained 556 square kilometers in March.", ["556 square kilometers"]),
    ("Advances of 10-12 kilometers were reported.", ["10-12 kilometers"]),
    ("Russia is losing over 1,000 soldiers per day.", ["over 1,000 soldiers per day"]),
    ("Prices rose 40 percent.", ["40 percent"]),
    ("Farmers cut their planted area by 15% to 20%, citing mines.", ["15% to 20%"]),
    ("Revenue fell to about $14.5 billion in the latest month.", ["about $14.5 billion"]),
    ("The bloc froze roughly €28 billion in assets.", ["roughly €28 billion"]),
    ("Ukraine exported 4.2 million tonnes of grain.", ["4.2 million tonnes"]),
    ("It launched more than 40 attacks along a 25-kilometre stretch.",
     ["more than 40 attacks", "25-kilometre"]),
    ("At least four civilians were killed.", ["At least four civilians"]),
    ("Outages of up to 12 hours a day are planned.", ["up to 12 hours a day"]),
    ("The deal was signed in July 2022 in Istanbul.", ["July 2022"]),
    ("The war has cost thousands of dead.", ["thousands of dead"]),
    ("Shelling went on for nearly five hours.", ["nearly five hours"]),
    ("Between 10 and 20 percent of homes have no power.", ["Between 10 and 20 percent"]),
    ("Two dock workers were hurt.", ["Two dock workers"]),
    ("The city lost roughly half of its electricity.", ["roughly half"]),
])
def test_quantities_with_their_approximation_and_unit(text, expected):
    assert figures(text) == expected


@pytest.mark.parametrize("text", [
    "Music from the 1980s played in the shelter.",
    "The U.S. and the U.K. sent envoys.",
    "Su-34 jets struck the town; G7 ministers met.",
    "Shelling resumed on Tuesday evening.",
    "Its ninth consecutive day of assaults.",
    "They cannot improvise one.",
    "The Group of Seven set a cap.",
])
def test_near_misses_are_not_figures(text):
    assert figures(text) == []


def test_a_counted_noun_phrase_stops_at_a_verb_or_conjunction():
    assert figures("11 wounded when shells struck") == ["11"]
    assert figures("two grain silos and a crane") == ["two grain silos"]


def test_offsets_point_at_the_text():
    text = "“Fewer than 6,000 remain,” officials said."
    [proposal] = FiguresRecommender().propose(text)
    assert text[proposal.start:proposal.end] == "Fewer than 6,000"
    assert proposal.label == "figure"
