"""Text normalisation, hashing, tokens, sentences and offset helpers.

Offsets everywhere are Python code points into the normalised text, end
exclusive. Nothing here does I/O.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

# Tokens follow spaCy's English tokenizer, the consumer that matters: a span
# that does not start and end on one of its token boundaries is dropped when it
# trains. One regular expression, so counting tokens stays a C-speed scan.
_LETTER = r"[^\W\d_]"
_APOSTROPHE = "'’"
# Clitics split off as their own token: "Putin’s" is "Putin" + "’s", "don't" is
# "do" + "n't". spaCy splits 's after any word, the others only after the
# pronouns its exceptions list ("they’re", not "Putin’ll"), so a word stops
# before those only when it is such a pronoun.
_NEGATION_AHEAD = rf"(?=[nN][{_APOSTROPHE}][tT](?!\w))"
_PRONOUN_CLITIC_AHEAD = rf"(?=[{_APOSTROPHE}](?:re|ve|ll|d|m|RE|VE|LL|D|M)(?!\w))"
_PRONOUN = r"(?<!\w)(?:[Ii]|[Yy]ou|[Hh]e|[Ss]he|[Ii]t|[Ww]e|[Tt]hey|[Ww]ho|[Tt]here|[Tt]hat)"
# A possessive typed after a space, or with an opening quote for its apostrophe
# ("Ukraine ‘s"), is still one token.
_CLITIC = (rf"(?<=\w)[{_APOSTROPHE}](?:[sS]|re|ve|ll|d|m|RE|VE|LL|D|M)(?!\w)"
           rf"|(?<={_LETTER})[nN][{_APOSTROPHE}][tT](?!\w)|(?<!\S)[{_APOSTROPHE}‘][sS](?!\w)")
# Where a word goes on past a character that is not a letter or digit: decimals
# and thousands ("7.5", "1,200"), times and fractions ("15:00", "24/7"), model
# numbers and dates after a letter ("Su-25", "mid-2023", "2014–2022"),
# apostrophes inside a name ("O’Brien"), dots inside lower case ("gov.ua"),
# "R&D", e-mail addresses. A hyphen before a letter always splits: "well", "-",
# "known"; so does one between numbers: "10", "-", "12".
_JOIN = (rf"(?:(?<=\d)[.,](?=\d)|[:/](?=\d)|(?<={_LETTER})-(?=\d)|[–—](?=\d)"
         rf"|[{_APOSTROPHE}](?![sS](?!\w))(?=\w)|(?<=\w)\.(?=[a-z])|[&@](?=\w))")
# A number followed by a unit splits before it, as "20km" is "20" + "km", while
# "1980s", "24th" and "20bn" stay whole.
_UNITS = ("km|km²|km³|m|m²|m³|cm|mm|ha|nm|yd|in|ft|kg|g|mg|t|lb|oz|mph|kmh|km/h|m/s|"
          "MB|KB|GB|TB|mb|kb|gb|tb|T|G|M|K|am|pm|a\\.m\\.|p\\.m\\.")
_NUMBER_BEFORE_UNIT = rf"\d+(?:[.,:/]\d+)*(?=(?:{_UNITS})(?!\w))"
# Abbreviations that keep their full stop, as spaCy's English exceptions do;
# initials and dotted acronyms ("F.", "U.S.", "e.g.", "a.m.") keep theirs too.
_ABBREVIATED = (
    "Adm Bros Calif Co Corp Dr Gen Gov Inc Jr Ltd Messrs Mr Mrs Ms Mt Prof Rep Rev Sen St vs co "
    "Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec "
    "Ala Ariz Ark Colo Conn Del Fla Ga Ill Ind Kan Kans Ky La Mass Md Mich Minn Miss Mo Mont "
    "Neb Nebr Nev Okla Ore Pa Tenn Va Wash Wis".split())
_ABBREVIATION = (rf"(?<![\w.])(?:(?:{'|'.join(_ABBREVIATED)})\.|(?:{_LETTER}\.){{2,}}|[A-Z]\."
                 rf"|Ph\.D\.)(?!\w)")
_LINK = r"https?://\S*[^\s.,;:!?)\]”’\"']|www\.\S*[^\s.,;:!?)\]”’\"']|@\w+"
_WORD = (rf"\w+?{_NEGATION_AHEAD}|{_PRONOUN}{_PRONOUN_CLITIC_AHEAD}|(?<!\w)[Cc]an(?=not\b)"
         rf"|\w+(?:{_JOIN}\w+)*")
# Runs that are one token: an ellipsis, a double hyphen.
_RUN = r"\.{2,}|…+|-{2,}"
# Most tokens are plain words followed by a space or a comma, or a lower-case
# word ending a sentence (no abbreviation is one of those): matched first, they
# spare the engine every other alternative ("cannot" aside).
_PLAIN_WORD = (rf"(?![Cc]annot\b){_LETTER}+(?=[ \n,;:!?)\]”\"]|\Z)"
               r"|[a-z]{3,}(?=\.(?:\s|\Z))")
TOKEN_RE = re.compile(rf"{_PLAIN_WORD}|{_LINK}|{_ABBREVIATION}|{_CLITIC}|{_NUMBER_BEFORE_UNIT}|{_WORD}|{_RUN}"
                      rf"|[^\w\s]")
# Counts the tokens TOKEN_RE finds, faster: taking the space before a token along
# saves the engine a failed match at every space, and findall returns the empty
# group's "" for every match instead of a new string.
_TOKEN_COUNT_RE = re.compile(rf" ?(?:{TOKEN_RE.pattern})()")
_HAS_WORD = re.compile(r"[^\W_]").search
# A sentence ends at . ! ? (or an ellipsis), optionally followed by closing
# quotes or brackets, then whitespace. A line's end is one too (a heading, a
# title, a list item), unless the line was only wrapped inside a sentence: it
# ends in a comma, colon, semicolon or dash, or the next line starts in lower case.
_LINE_BREAK = r"(?<![,:;–—-])\n(?![ \t]*[a-z])"
_SENTENCE_END_RE = re.compile(rf"(?:[.!?…]+[\"'”’)\]]*)(?=\s)|{_LINE_BREAK}")
# Paragraphs end at a blank line, and at a single newline under the same rule:
# many articles put one newline between paragraphs.
_PARAGRAPH_BREAK_RE = re.compile(rf"{_LINE_BREAK}\s*|\n[ \t]*\n\s*")
# Abbreviations whose full stop does not end a sentence in news copy.
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof gen lt col maj sgt st no vs etc jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k e.g i.e".split()
)


def normalise(raw: str) -> str:
    """Return text as the store keeps it: `\\n` newlines, Unicode NFC."""
    return unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n"))


def for_terminal(text: str) -> str:
    """Text for a plain terminal or a table: control characters become U+FFFD, so
    document and file content can never act as terminal control sequences."""
    return "".join(ch if ch.isprintable() else "\N{REPLACEMENT CHARACTER}" for ch in text)


def is_utf8(text: str) -> bool:
    """Whether `text` can be written as UTF-8: not so when it came from bytes that were not."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def as_typed(text: str) -> str:
    """Text as the user typed it, for a terminal: bytes that were not UTF-8 (which Python
    keeps as lone surrogates) written as \\x escapes, and control characters replaced."""
    return for_terminal(text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace"))


def for_terminal_json(value: object) -> str:
    """`value` as one line of JSON for a terminal: the same JSON, with every character
    that is not printable (C1 controls, bidi overrides) written as a \\u escape."""
    line = json.dumps(value, ensure_ascii=False)
    return line if line.isprintable() else "".join(ch if ch.isprintable() else _json_escape(ch) for ch in line)


def _json_escape(ch: str) -> str:
    code = ord(ch)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000  # JSON spells a character beyond the BMP as a UTF-16 surrogate pair
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def content_hash(text: str) -> str:
    """A document's uid: stable across copies of a database, so merges line up."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """'1 span', '2 spans'; `plural` for a noun that does not take an s ('entities')."""
    return f"{number} {noun}" if number == 1 else f"{number} {plural or noun + 's'}"


def middle_cut(text: str, limit: int = 40) -> str:
    """`text` for one line: whitespace runs as one space, and cut in the middle past `limit`,
    so both the first and the last words of a long passage still show."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    half = (limit - 1) // 2
    return flat[:half].rstrip() + "…" + flat[len(flat) - (limit - 1 - half):].lstrip()


def title_from(text: str, limit: int = 120) -> str:
    """The first non-blank line, shortened to `limit` characters."""
    for line in text.split("\n"):
        stripped = line.strip().strip("#*_ \t")
        if stripped:
            return stripped if len(stripped) <= limit else stripped[: limit - 1] + "…"
    return "(untitled)"


def token_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in TOKEN_RE.finditer(text)]


def token_positions(text: str, offsets: Iterable[int]) -> tuple[int, dict[int, tuple[int, bool]]]:
    """How many `token_spans(text)` there are and, per offset, (tokens starting before it, one straddles it).

    Tokens are only counted, which is cheaper than making their spans, except
    in the words around an offset that is not next to a space or newline. No
    token contains one, so scanning can stop and restart there without
    changing a token.
    """
    positions: dict[int, tuple[int, bool]] = {}
    total = scanned = 0
    length = len(text)
    targets = sorted(set(offsets))
    n_targets = len(targets)
    k = 0
    while k < n_targets:
        offset = targets[k]
        if offset >= length or offset <= 0 or text[offset - 1] in " \n" or text[offset] in " \n":
            total += len(_TOKEN_COUNT_RE.findall(text, scanned, offset))
            positions[offset] = (total, False)
            scanned = offset
            k += 1
            continue
        region_start = max(text.rfind(" ", scanned, offset), text.rfind("\n", scanned, offset)) + 1
        if region_start > scanned:
            total += len(_TOKEN_COUNT_RE.findall(text, scanned, region_start))
        else:
            region_start = scanned
        ends = [end for end in (text.find(" ", offset), text.find("\n", offset)) if end >= 0]
        region_end = min(ends) if ends else length
        previous_end = 0
        for match in TOKEN_RE.finditer(text, region_start, region_end):
            start, end = match.span()
            while k < n_targets and targets[k] <= start:
                positions[targets[k]] = (total, previous_end > targets[k])
                k += 1
            total += 1
            previous_end = end
        while k < n_targets and targets[k] <= region_end:
            positions[targets[k]] = (total, previous_end > targets[k])
            k += 1
        scanned = region_end
    if scanned < length:
        total += len(_TOKEN_COUNT_RE.findall(text, scanned))
    return total, positions


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    start = 0
    for match in _PARAGRAPH_BREAK_RE.finditer(text):
        if match.start() > start:
            spans.append(_strip(text, start, match.start()))
        start = match.end()
    if start < len(text):
        spans.append(_strip(text, start, len(text)))
    return [span for span in spans if span[0] < span[1]]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    start = 0
    for match in _SENTENCE_END_RE.finditer(text):
        end = match.end() if not match.group().startswith("\n") else match.start()
        if match.group()[:1] == "." and _ends_in_abbreviation(text, match.start()):
            continue
        span = _strip(text, start, end)
        if span[0] < span[1]:
            spans.append(span)
        start = match.end()
    span = _strip(text, start, len(text))
    if span[0] < span[1]:
        spans.append(span)
    return spans


# Punctuation that ends a clause: most claims end right before one of these.
_CLAUSE_BOUNDARIES = frozenset([",", ";", ":", "–", "—", "--", ".", "!", "?", "...", "…", "”", "’", '"', ")"])


def clause_ends(text: str, tokens: list[tuple[int, int]] | None = None) -> tuple[int, ...]:
    """The offsets where clauses end: before each clause punctuation token and at each
    line's end, with the spaces before them left out, in order."""
    ends = set()
    for start, end in token_spans(text) if tokens is None else tokens:
        if text[start:end] in _CLAUSE_BOUNDARIES:
            ends.add(_trimmed_end(text, start))
    newline = text.find("\n")
    while newline >= 0:
        ends.add(_trimmed_end(text, newline))
        newline = text.find("\n", newline + 1)
    ends.discard(0)
    return tuple(sorted(ends))


def _trimmed_end(text: str, end: int) -> int:
    while end > 0 and text[end - 1].isspace():
        end -= 1
    return end


def _ends_in_abbreviation(text: str, dot: int) -> bool:
    word_start = dot
    while word_start > 0 and (text[word_start - 1].isalpha() or text[word_start - 1] == "."):
        word_start -= 1
    word = text[word_start:dot].lower()
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


@dataclass(frozen=True, slots=True)
class Segments:
    """Sorted, non-overlapping (start, end) runs with bisect look-ups."""

    starts: tuple[int, ...]
    ends: tuple[int, ...]

    @classmethod
    def of(cls, spans: list[tuple[int, int]]) -> "Segments":
        return cls(tuple(s for s, _ in spans), tuple(e for _, e in spans))

    def at(self, offset: int) -> tuple[int, int] | None:
        """The run containing `offset`, or None between runs."""
        index = bisect_right(self.starts, offset) - 1
        if index >= 0 and offset < self.ends[index]:
            return self.starts[index], self.ends[index]
        return None

    def next_start(self, offset: int) -> int | None:
        index = bisect_right(self.starts, offset)
        return self.starts[index] if index < len(self.starts) else None

    def previous_start(self, offset: int) -> int | None:
        index = bisect_left(self.starts, offset) - 1
        return self.starts[index] if index >= 0 else None

    def next_end(self, offset: int) -> int | None:
        index = bisect_right(self.ends, offset)
        return self.ends[index] if index < len(self.ends) else None

    def previous_end(self, offset: int) -> int | None:
        index = bisect_left(self.ends, offset) - 1
        return self.ends[index] if index >= 0 else None

    def covering(self, start: int, end: int) -> tuple[int, int] | None:
        """The smallest run-aligned range that contains [start, end)."""
        first = bisect_right(self.ends, start)
        last = bisect_left(self.starts, end) - 1
        if first > last:
            return None
        return min(self.starts[first], start), max(self.ends[last], end)


class TextIndex:
    """Token, word, sentence and paragraph boundaries of one document, built once.

    Words are the tokens with a letter or digit in them: word motions skip
    punctuation runs such as `**` or ` – `, while snapping still sees every token.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        spans = token_spans(text)
        self.tokens = Segments.of(spans)
        self.words = Segments.of([(start, end) for start, end in spans if _HAS_WORD(text, start, end)])
        self.clause_ends = clause_ends(text, spans)
        self.sentences = Segments.of(sentence_spans(text))
        self.paragraphs = Segments.of(paragraph_spans(text))

    def snap(self, start: int, end: int) -> tuple[int, int]:
        """Widen [start, end) to whole tokens; fall back to the trimmed range."""
        start, end = _strip(self.text, start, end)
        covering = self.tokens.covering(start, end)
        if covering is None:
            return start, end
        return covering

    def next_clause_end(self, offset: int) -> int:
        """Where the clause after `offset` ends (the document's end when none does)."""
        index = bisect_right(self.clause_ends, offset)
        return self.clause_ends[index] if index < len(self.clause_ends) else len(self.text)

    def previous_clause_end(self, offset: int) -> int:
        """Where the clause before `offset` ended (the document's start when none did)."""
        index = bisect_left(self.clause_ends, offset) - 1
        return self.clause_ends[index] if index >= 0 else 0

    def word_at(self, offset: int) -> tuple[int, int] | None:
        return self.tokens.at(offset) or (self.tokens.at(offset - 1) if offset else None)

    def sentence_at(self, offset: int) -> tuple[int, int] | None:
        found = self.sentences.at(offset)
        if found is None:
            following = self.sentences.next_start(offset)
            if following is not None:
                return self.sentences.at(following)
        return found
