"""Figures: quantities with their approximation and unit, ranges, percentages, money, dates, durations.

A figure is read as [approximation] [currency] NUMBER [scale] [range] [unit or
counted noun phrase]: "more than 40 attacks", "about $14.5 billion",
"15% to 20%", "a 25-kilometre stretch" (the "25-kilometre"), "up to 12 hours",
"roughly half". A month with a year ("July 2022") is a date figure. Not
figures: decades ("the 1980s"), ordinals ("ninth"), weekdays, abbreviations
("U.S."), "one" as a pronoun ("cannot improvise one"), and numbers inside
words or codes ("G7", "Su-34").
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from . import Proposal, anchored_matches, leftmost_longest

NAME = "figures"

_WORD_NUMBERS = ("one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
                 "fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy "
                 "eighty ninety hundred dozen dozens hundreds thousands millions tens").split()
_FRACTIONS = r"(?:half|a\s+third|a\s+quarter|two\s+thirds|three\s+quarters)"
_DIGITS = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\w]|[.,]\d)"
_WORDS = r"\b(?:" + "|".join(_WORD_NUMBERS) + r")\b(?:[\s-]+(?:" + "|".join(_WORD_NUMBERS[:27]) + r")\b)?"
_SCALE = r"(?:\s+(?:thousand|million|billion|trillion|bn|mn)\b|(?<=\d)(?:bn|m|k)\b)"
_CURRENCY = r"(?:[$€£₴₽]|US\$|(?:UAH|USD|EUR|GBP)\s?)"
_NUMBER = rf"(?:{_CURRENCY})?(?:{_DIGITS}|{_WORDS})(?:{_SCALE})?"
# Not inside a word, a code or a number ("G7", "Su-34", "3.5" read from its "5").
_FIRST = r"(?<![\w.,\-/])"
_APPROX = (r"\b(?:(?:more|fewer|less|greater|higher|lower)\s+than|at\s+least|at\s+most|up\s+to|over|under|"
           r"about|around|roughly|nearly|almost|approximately|some|an\s+estimated|as\s+many\s+as|"
           r"as\s+much\s+as|close\s+to|just\s+over|just\s+under|well\s+over|a\s+total\s+of|only|"
           r"(?:several|a\s+few|a)(?=\s+(?:hundred|thousand|dozen|million)\b))\s+")
_UNITS = ("%|percent|per\\s+cent|percentage\\s+points?|"
          "(?:square\\s+)?(?:kilomet(?:re|er)s?|km|miles?|met(?:re|er)s?|m²|hectares?)|"
          "(?:metric\\s+)?(?:tonnes?|tons?|kilograms?|kg)|(?:mega|giga|kilo)watts?(?:[\\s-]hours?)?|"
          "MW|GW|kW|MWh|GWh|barrels?(?:\\s+a\\s+day)?|litres?|liters?|"
          "seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|"
          "dollars|euros|hryvnias?|roubles?|rubles?|pounds")
_COUNTED_HEADS = r"(?:[a-z][a-z\-]*s|people|men|women|children|personnel|staff|police|cattle|aircraft)"
# A counted noun phrase: up to two lowercase modifiers, then a plural head ("two dock workers").
_COUNTED = rf"(?:[a-z][a-z\-]+\s+){{0,2}}{_COUNTED_HEADS}\b"
_NOT_HEADS = {"is", "was", "has", "as", "its", "this", "his", "us", "yes", "plus", "thus", "less",
              "was", "does", "focus", "across", "process", "access", "press", "address", "always",
              "perhaps", "towards", "afterwards", "besides", "whereas", "unless", "regardless",
              "hers", "ours", "yours", "theirs", "news", "gas", "class", "mass", "pass", "loss",
              "success", "progress", "status", "crisis", "bus", "campus", "census"}
_STOP = {"of", "the", "a", "an", "and", "or", "in", "on", "at", "to", "for", "from", "with", "by",
         "were", "was", "had", "have", "has", "are", "is", "be", "been", "that", "which", "who",
         "said", "than", "when", "while", "where", "but", "if", "so", "then", "because", "whose",
         "it", "they", "we", "he", "she", "there", "their", "these", "those", "per", "since", "into", "across", "along", "near", "after", "before"}
_MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|December|"
           "Jan\\.?|Feb\\.?|Mar\\.?|Apr\\.?|Jun\\.?|Jul\\.?|Aug\\.?|Sept?\\.?|Oct\\.?|Nov\\.?|Dec\\.?")
_YEAR = r"(?:1[89]\d\d|20\d\d)(?!s\b|\d|')"

_QUANTITY = re.compile(
    rf"(?:{_APPROX})?{_FIRST}(?P<number>{_NUMBER}|{_FRACTIONS})"
    rf"(?:\s*(?:-|–|to)\s*(?:{_NUMBER}))?"
    rf"(?P<unit>(?:\s*(?:{_UNITS})\b|\s*%|-(?:{_UNITS})\b)(?:\s*(?:-|–|to)\s*{_NUMBER}\s*(?:{_UNITS}|%))?"
    rf"|\s+{_COUNTED})?",
    re.IGNORECASE)
# What every quantity holds: digits, a number word or a fraction, with at most an approximation
# ("approximately ", "a few ", a currency) before it. Words are looked up in a set: one regex
# alternation of them, tried at every position, took as long as the rest of the recommender.
_TOKENS = re.compile(r"\d+|[A-Za-z]+")
_ANCHOR_WORDS = {*_WORD_NUMBERS, "half", "third", "thirds", "quarter", "quarters"}
_LONGEST_APPROX = len("approximately US$ ")


def _anchors(text: str) -> Iterator[tuple[int, int]]:
    for token in _TOKENS.finditer(text):
        word = token.group()
        if word[0].isdigit() or word.lower() in _ANCHOR_WORDS:
            yield token.span()


_UNIT_START = re.compile(rf"\s*(?:%|-|(?:{_UNITS})\b)", re.IGNORECASE)
_BETWEEN = re.compile(rf"\bbetween\s+{_NUMBER}(?:\s*(?:{_UNITS}|%))?\s+and\s+{_NUMBER}(?:\s*(?:{_UNITS}|%)|\s+{_COUNTED})?",
                      re.IGNORECASE)
_DATE = re.compile(rf"\b(?:\d{{1,2}}\s+)?(?:{_MONTHS})(?:\s+\d{{1,2}},?)?\s+{_YEAR}|\b(?:{_MONTHS})\s+\d{{1,2}}\b(?!,?\s*\d)")
_BARE_YEAR = re.compile(rf"\b(?:in|since|by|until|from|of|early|late|mid-)\s*(?P<year>{_YEAR})\b")
_DURATION_RATE = re.compile(r"\s+(?:a|per|each|every)\s+(?:day|week|month|year|hour|barrel|tonne)\b")
# "dozens of assaults", "thousands of dead", "tens of thousands of people".
_PLURAL_NUMBERS = {"tens", "dozens", "hundreds", "thousands", "millions"}
_PLURAL_OF = re.compile(r"\s+of\s+(?:(?:thousands|millions)\s+of\s+)?[a-z][a-z\-]*")
# Words that make a number word something else: "one of", "one another", "no one".
_PRONOUN_ONE = re.compile(r"\bone\b(?!\s+(?:[a-z]+s\b|person|man|woman|child|day|week|month|year|hour))",
                          re.IGNORECASE)


class FiguresRecommender:
    name = NAME

    def __init__(self, label: str = "figure") -> None:
        self.label = label

    def propose(self, text: str) -> list[Proposal]:
        found: list[Proposal] = []
        for match in anchored_matches(_QUANTITY, _anchors(text), text, before=_LONGEST_APPROX, after=120):
            start, end = match.span()
            number = match.group("number")
            unit = match.group("unit")
            if _pronoun_or_ordinal(text, match, number, unit):
                continue
            if unit and not _UNIT_START.match(unit):
                unit_start = match.start("unit")
                end = _trim_counted(text, unit_start, end)
                if end == unit_start:
                    unit = None
            if _name_part(text, start, number):
                continue
            plural_of = _PLURAL_OF.match(text, end) if not unit else None
            if plural_of and number.strip().lower() in _PLURAL_NUMBERS:
                end, unit = plural_of.end(), plural_of.group()
            rate = _DURATION_RATE.match(text, end)
            if rate:
                end = rate.end()
            found.append(Proposal(start, end, self.label, score=0.9 if unit else 0.6))
        for pattern, score in ((_BETWEEN, 0.9), (_DATE, 0.8)):
            found.extend(Proposal(*match.span(), self.label, score=score) for match in pattern.finditer(text))
        found.extend(Proposal(*match.span("year"), self.label, score=0.5) for match in _BARE_YEAR.finditer(text))
        return leftmost_longest(found)


def _pronoun_or_ordinal(text: str, match: re.Match, number: str, unit: str | None) -> bool:
    """A number word that counts nothing: "one" as a pronoun, "tens" alone, a lone year-like number."""
    bare = number.strip().lower()
    if bare == "one" and not unit and _PRONOUN_ONE.match(number):
        return True
    if bare in ("tens", "dozens", "hundreds", "thousands", "millions") and not unit:
        following = text[match.end():match.end() + 4].lower()
        return not following.startswith(" of")
    if re.fullmatch(_YEAR, bare) and not unit:
        # A year alone is a date only with a preposition before it, which _BARE_YEAR reads.
        return True
    return False


def _name_part(text: str, start: int, number: str) -> bool:
    """A capitalised number word inside a sentence is a name ("the Group of Seven")."""
    if not number[:1].isupper() or not number[:1].isalpha():
        return False
    before = text[:start].rstrip(" \t")
    return bool(before) and before[-1] not in ".!?\n\"“”'‘’(:—–-"


def _trim_counted(text: str, unit_start: int, end: int) -> int:
    """Cut a counted noun phrase at a word that cannot be in it ("40 were" is not "40 were ...")."""
    words = list(re.finditer(r"[A-Za-z][A-Za-z\-]*", text[unit_start:end]))
    kept_end = unit_start
    for word in words:
        lower = word.group().lower()
        if lower in _STOP or lower in _NOT_HEADS:
            break
        kept_end = unit_start + word.end()
    if kept_end == unit_start:
        return unit_start
    last = re.search(r"[A-Za-z\-]+$", text[unit_start:kept_end]).group().lower()
    if not re.fullmatch(_COUNTED_HEADS, last):
        # The head went: drop the modifiers too, keep the bare number.
        return unit_start
    return kept_end
