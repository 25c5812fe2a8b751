"""Sources: who or what a statement is attributed to, found by attribution patterns.

A source is a name ("Ukraine's General Staff", "Peskov", "the Institute for
the Study of War") or a noun phrase with a head that reports ("local
officials", "a volunteer evacuation driver"), next to an attribution:
"X said / told / reported / claimed / wrote / estimated", "according to X",
"..., said X". Leading articles ("the", "a") are left out of the span.
"""

from __future__ import annotations

import re

from . import Proposal, anchored_matches, leftmost_longest

NAME = "sources"

_VERBS = (r"(?:said|says|told|tells|reported|reports|claimed|claims|wrote|writes|estimated|estimates|"
          r"announced|announces|added|warned|stated|confirmed|denied|described|assessed|assesses|"
          r"believes|insisted|noted|acknowledged|argued|alleged)")
_CAPITAL = r"\b(?:(?:[A-Z]\.){2,}|[A-Z][\w\-’']*(?<![’']))"
_LINK = r"(?:of|for|the|and|on|de|du|von|al)"
# Words of one name sit on one line: a title's last word is no part of the next paragraph's name.
_NAME = rf"{_CAPITAL}(?:[ \t]+(?:{_LINK}[ \t]+)*{_CAPITAL})*"
_HEADS = (r"(?:officials?|spokes(?:man|woman|person)|authority|authorities|analysts?|residents?|ministry|military|"
          r"police|governor|mayor|commanders?|witnesses|sources|diplomats?|experts?|observers|"
          r"prosecutors?|army|staff|agency|administration|government|operator|company|monitors|"
          r"driver|volunteers?|soldiers?|officers?|engineers?|workers?|brokers?|traders?|farmers?|"
          r"economists?|researchers?|inspectors?|adviser|advisers|minister|president|premier|chief|head|"
          r"envoy|general|statement|report|assessment|update|data|figures|estimates|survey|"
          r"think\s+tank|agency|service|directorate|council|commission)")
_FUNCTION_WORDS = ("in|its|it|the|a|an|on|at|of|and|or|to|by|for|with|from|that|this|these|those|said|"
                   "according|as|but|seen|when|while|which|who|whose|his|her|their|our|was|were|is|are")
_MODIFIERS = rf"(?:\b(?!(?:{_FUNCTION_WORDS})\b)[A-Za-z][a-z\-]+[ \t]+){{0,3}}"
# "Ukraine's General Staff", "Kyiv's military administration": a name's own body.
_POSSESSIVE = rf"{_NAME}[’']s\s+(?:{_NAME}|{_MODIFIERS}{_HEADS})"
_PHRASE = rf"(?:{_POSSESSIVE}|{_NAME}|{_MODIFIERS}{_HEADS})"
_ARTICLE = r"(?:\b(?:the|a|an|The|A|An)\s+)?"
_VERB = re.compile(rf"\b{_VERBS}\b")
# Opening at a word's first letter only: the search tries every position before a verb, and
# this refuses the ones inside words at the first character.
_BEFORE_VERB = re.compile(
    rf"(?<![\w’'\-.])(?=[A-Za-z]){_ARTICLE}(?P<source>{_PHRASE})(?:,\s+[^,.;“”\"]{{1,80}},)?\s+(?:has\s+|had\s+|have\s+)?{_VERBS}\b")
_ACCORDING = re.compile(rf"\b[Aa]ccording\s+to\s+{_ARTICLE}(?P<source>{_PHRASE})")
_AFTER_QUOTE = re.compile(rf"[”\"’,]\s*{_VERBS}\s+{_ARTICLE}(?P<source>{_PHRASE})")
_NOT_SOURCES = {"It", "This", "That", "There", "He", "She", "They", "We", "I", "You", "But", "And",
                "In", "On", "At", "As", "When", "While", "If", "Since", "After", "Before", "The", "A", "An"}


def attributed(text: str, start: int, end: int) -> bool:
    """Whether an attribution pattern surrounds text[start:end] (a name the knowledge base knows)."""
    after = text[end:end + 90]
    before = text[max(0, start - 40):start]
    return bool(re.match(rf"(?:[’']s\s+{_MODIFIERS}{_HEADS})?(?:,\s+[^,.;“”\"]{{1,80}},)?\s+"
                         rf"(?:has\s+|had\s+|have\s+)?{_VERBS}\b", after)
                or re.search(rf"(?:according\s+to|[”\"’,]\s*{_VERBS})\s+{_ARTICLE}$", before))


class SourcesRecommender:
    name = NAME

    def __init__(self, label: str = "source") -> None:
        self.label = label

    def propose(self, text: str) -> list[Proposal]:
        found = []
        for pattern, score in ((_BEFORE_VERB, 0.7), (_ACCORDING, 0.8), (_AFTER_QUOTE, 0.7)):
            matches = (anchored_matches(pattern, (m.span() for m in _VERB.finditer(text)), text, before=140, after=40) if pattern is _BEFORE_VERB
                       else pattern.finditer(text))
            for match in matches:
                start, end = match.span("source")
                words = text[start:end].split()
                while words and words[0] in _NOT_SOURCES:
                    start = text.index(words[1], start + len(words[0])) if len(words) > 1 else end
                    words = words[1:]
                if words and start < end:
                    found.append(Proposal(start, end, self.label, score=score))
        return leftmost_longest(found)
