"""Tokens, words, sentences and paragraphs of news text, as an annotator meets them."""

from __future__ import annotations

import pytest

from workbench.text import TextIndex, paragraph_spans, sentence_spans, token_spans


def tokens(text: str) -> list[str]:
    return [text[start:end] for start, end in token_spans(text)]


@pytest.mark.parametrize("text, expected", [
    # Possessives and other clitics are their own tokens, so "Vladimir Putin" is whole tokens.
    ("Vladimir Putin’s aim", ["Vladimir", "Putin", "’s", "aim"]),
    ("Ukraine's army", ["Ukraine", "'s", "army"]),
    ("they’re sure it won't", ["they", "’re", "sure", "it", "wo", "n't"]),
    ("cannot", ["can", "not"]),
    ("O’Brien said", ["O’Brien", "said"]),
    # Numbers keep their suffix; a unit after a number splits off, as spaCy does.
    ("the 1980s, the 24th brigade, $20bn", ["the", "1980s", ",", "the", "24th", "brigade", ",", "$", "20bn"]),
    ("a 155mm shell, 20km away", ["a", "155", "mm", "shell", ",", "20", "km", "away"]),
    ("1,200 troops and 7.5%", ["1,200", "troops", "and", "7.5", "%"]),
    # Ranges and hyphenated figures are as few tokens as spaCy makes them.
    ("10-12 kilometers", ["10", "-", "12", "kilometers"]),
    ("6-7.5 miles", ["6", "-", "7.5", "miles"]),
    ("a 1,200-kilometer front", ["a", "1,200", "-", "kilometer", "front"]),
    ("from 2014–2022", ["from", "2014–2022"]),
    ("Su-25 jets in mid-2023", ["Su-25", "jets", "in", "mid-2023"]),
    ("well-known", ["well", "-", "known"]),
    # Abbreviations and initials keep their full stop; a sentence's full stop is its own token.
    ("Mr. Zelensky and the U.S. met NATO.", ["Mr.", "Zelensky", "and", "the", "U.S.", "met", "NATO", "."]),
    ("**Fierce Resistance**", ["*", "*", "Fierce", "Resistance", "*", "*"]),
    ("wait... what", ["wait", "...", "what"]),
])
def test_tokens_split_news_text_where_spacy_does(text, expected):
    assert tokens(text) == expected


def test_word_motion_skips_punctuation_runs():
    text = "**Fierce Resistance** – Russian troops"
    index = TextIndex(text)
    starts = []
    offset = 0
    while (offset := index.words.next_start(offset)) is not None:
        starts.append(text[offset:index.words.at(offset)[1]])
    assert starts == ["Fierce", "Resistance", "Russian", "troops"]


def test_a_heading_line_is_a_sentence_of_its_own():
    text = "**Fierce Resistance**\nRussian troops advanced. They were stopped."
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "**Fierce Resistance**", "Russian troops advanced.", "They were stopped."]


def test_single_newlines_separate_paragraphs():
    text = "Title line\nFirst paragraph. Two sentences.\nSecond paragraph.\n\nThird."
    assert [text[a:b] for a, b in paragraph_spans(text)] == [
        "Title line", "First paragraph. Two sentences.", "Second paragraph.", "Third."]


def test_a_line_wrapped_inside_a_sentence_stays_one_sentence_and_paragraph():
    text = "Troops moved towards the\ncity on Monday. Then they stopped."
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "Troops moved towards the\ncity on Monday.", "Then they stopped."]
    assert paragraph_spans(text) == [(0, len(text))]


def test_a_line_ending_in_a_colon_runs_on_into_the_quote():
    text = "The mayor said:\n“No power for 4 hours.”\n\nNext."
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "The mayor said:\n“No power for 4 hours.”", "Next."]
