"""Any script to lower-case Latin letters, for the entity search key.

Ukrainian and Russian follow the spellings of English-language news (the
Ukrainian national system of 2010, and BGN/PCGN for Russian, without their
apostrophes): "Харків" → "kharkiv", "Зеленський" → "zelenskyi",
"Щастя" → "shchastia", "Объект" → "obekt". Every other script goes through
anyascii (ISC licence), whose Cyrillic choices ("g" for Ukrainian г, "i" for
и, an apostrophe for ь) differ from those spellings, hence the tables here.

The input is an alias as `linking.normalise_alias` leaves it: case-folded,
accents stripped (but not the Cyrillic ones), one space between words.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import compress
from operator import not_

from anyascii import anyascii

# Letters both languages share, spelt alike in both.
_COMMON = {
    "а": "a", "б": "b", "в": "v", "д": "d", "е": "e", "ж": "zh", "з": "z", "к": "k", "л": "l",
    "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f",
    "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ь": "", "ъ": "",
}
# Where they differ. A word's first letter gets the word-initial spelling (below).
_UKRAINIAN = str.maketrans({**_COMMON, "г": "h", "ґ": "g", "и": "y", "і": "i", "ї": "i", "й": "i",
                            "є": "ie", "ю": "iu", "я": "ia"})
_RUSSIAN = str.maketrans({**_COMMON, "г": "g", "и": "i", "й": "y", "ы": "y", "э": "e", "ё": "yo",
                          "ю": "yu", "я": "ya"})
# Ukrainian spells these differently at the start of a word: "Євпаторія" → "yevpatoriia".
_UKRAINIAN_INITIAL = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}
_WORD_INITIAL = re.compile(r"(?<!\w)[єїйюя]")
# Letters only Russian writes; a string with none of them is read as Ukrainian, the
# language of most names in the articles this is for. (Ukrainian і, ї, є and ґ are
# letters Russian never writes, so they never mislead.)
_RUSSIAN_ONLY = re.compile("[ыэъё]")
_NOT_ALPHANUMERIC_NOR_NEWLINE = re.compile(r"[^a-z0-9\n]+")
_SPACE_AT_LINE_END = re.compile(r" ?\n ?")


class _AnyAscii(dict):
    """anyascii as a str.translate table, filled in per character on first sight.

    anyascii reads each character alone, so translating by this table gives its
    result, but in C: a knowledge base has hundreds of thousands of names in
    other scripts, and anyascii's Python loop per character took a second of an import.
    """

    def __missing__(self, code: int) -> str:
        self[code] = ascii = anyascii(chr(code))
        return ascii


_ANYASCII = _AnyAscii()


@lru_cache(maxsize=1 << 16)
def latin(normalised: str) -> str:
    """Lower-case ASCII letters, digits and single spaces: the Latin reading of any alias."""
    if normalised.isascii():
        return normalised
    # One name as one line: a newline in it is a space between words, as any other.
    return latin_lines(normalised.replace("\n", " "))


def latin_lines(text: str) -> str:
    """The Latin reading of each line of a text: a line in ASCII as it is; any other by
    the Ukrainian table, or the Russian one if it has a letter only Russian writes, then
    anyascii (lower-cased) for what is still not ASCII, and runs of anything but letters
    and digits as one space.

    Each step is one pass of C code over all the lines it applies to, not a call per
    name: a third of the time of indexing GeoNames' non-Latin names. As many lines come
    out as go in; a caller joining names that hold newlines of their own must read those
    one by one."""
    if text.isascii():
        return text
    lines = text.split("\n")
    foreign = list(compress(range(len(lines)), map(not_, map(str.isascii, lines))))
    names = list(map(lines.__getitem__, foreign))
    russian = list(map(bool, map(_RUSSIAN_ONLY.search, names)))
    ukrainian = iter(_WORD_INITIAL.sub(_ukrainian_initial, "\n".join(compress(names, map(not_, russian))))
                     .translate(_UKRAINIAN).split("\n"))
    russian_read = iter("\n".join(compress(names, russian)).translate(_RUSSIAN).split("\n"))
    read = list(map(next, map((ukrainian, russian_read).__getitem__, russian)))
    # Any other script, and letters the tables leave outside ASCII, through anyascii.
    others = list(compress(range(len(read)), map(not_, map(str.isascii, read))))
    if others:
        ascii_read = "\n".join(map(read.__getitem__, others)).translate(_ANYASCII).lower().split("\n")
        for index, name in zip(others, ascii_read):
            read[index] = name
    # Some scripts come out with punctuation (anyascii marks tones and glottal stops).
    plain = _SPACE_AT_LINE_END.sub("\n", _NOT_ALPHANUMERIC_NOR_NEWLINE.sub(" ", "\n".join(read))).strip(" ")
    for index, name in zip(foreign, plain.split("\n")):
        lines[index] = name
    return "\n".join(lines)


def _ukrainian_initial(letter: re.Match) -> str:
    return _UKRAINIAN_INITIAL[letter.group()]
