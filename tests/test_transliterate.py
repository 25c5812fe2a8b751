"""Cyrillic and other scripts read in Latin letters, so a mention in any script finds its entity."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.linking import normalise_alias, search_key
from workbench.transliterate import latin, latin_lines


@pytest.mark.parametrize("text, expected", [
    ("Харків", "kharkiv"),
    ("Зеленський", "zelenskyi"),
    ("Віталій Кличко", "vitalii klychko"),
    ("Генштаб ЗСУ", "henshtab zsu"),
    ("Щастя", "shchastia"),
    ("Євпаторія", "yevpatoriia"),
    ("Їжакевич", "yizhakevych"),
    ("Слов'янськ", "sloviansk"),
    ("Ґорґани", "gorgany"),
])
def test_ukrainian_is_spelt_as_english_news_spells_it(text, expected):
    assert latin(normalise_alias(text)) == expected


@pytest.mark.parametrize("text, expected", [
    ("Белгород", "belhorod"),      # no letter says Russian: read as Ukrainian, г as h
    ("Объект", "obekt"),
    ("Вышгород", "vyshgorod"),     # ы says Russian: г is g
    ("Ёлкин", "yolkin"),
    ("Дмитрий Песков", "dmytryi peskov"),
])
def test_russian_letters_switch_to_russian_spelling(text, expected):
    assert latin(normalise_alias(text)) == expected


def test_mixed_script_strings_keep_their_latin_and_digits():
    assert latin(normalise_alias("ЗСУ 93rd Brigade «Холодний Яр»")) == "zsu 93rd brigade kholodnyi yar"


def test_latin_with_diacritics_is_folded_before_it_gets_here():
    assert latin(normalise_alias("Kuźmińska")) == "kuzminska"
    assert latin(normalise_alias("Kyïv")) == "kyiv"


def test_other_scripts_go_through_anyascii():
    assert latin(normalise_alias("Αθήνα")) == "athina"
    assert latin(normalise_alias("თბილისი")) == "tbilisi"


@pytest.mark.parametrize("cyrillic, latin_spelling", [
    ("Харків", "Kharkiv"),
    ("Зеленський", "Zelensky"),
    ("Дмитрий", "Dmitry"),
    ("Сергей Шойгу", "Sergei Shoigu"),
    ("Луганськ", "Lugansk"),
])
def test_cyrillic_and_its_english_spelling_share_a_search_key(cyrillic, latin_spelling):
    assert search_key(normalise_alias(cyrillic)) == search_key(normalise_alias(latin_spelling))


# Word-initial Ukrainian letters, letters only Russian writes, capitals, punctuation,
# other scripts, and names with nothing left to spell.
NAMES = st.text(alphabet="абгиїєюяйыэъёщьхAZaz09 -'«»北京𝔘ß", max_size=12)


@settings(max_examples=300, deadline=None)
@given(st.lists(NAMES, max_size=10))
def test_many_names_read_at_once_read_as_each_alone(names):
    assert latin_lines("\n".join(names)) == "\n".join(map(latin, names))
