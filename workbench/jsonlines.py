"""Reading one line of JSON Lines as strictly as the tools that read our exports do.

NaN and Infinity, numbers too large for a double (1e400), escapes of lone
UTF-16 surrogates ("\\ud800") and lines nested too deeply are refused: none
is JSON that other parsers accept, and a lone surrogate cannot even be
written back as UTF-8.

orjson parses a line and refuses all of these itself, faster than the
standard library with the hooks those rules need. It reads an integer beyond
64 bits as a float, though, losing its last digits without a word, so a line
whose value holds a float that large and whole is read again by the standard
library, which keeps such an integer exact.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import orjson

# orjson reads integers from -2**63 to 2**64 - 1 exactly; a whole float outside may have been one beyond.
_EXACT_INTEGERS = float(-2**63), float(2**64 - 1)
# A high or low surrogate escape: decoded as a pair it is one character, alone it is not.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
_SURROGATE = "a \\u escape of half a UTF-16 surrogate pair is no character"
_NOT_NUMBERS = ("Infinity", "NaN")  # orjson points past the sign of -Infinity


class BadLine(ValueError):
    """Why a line is not acceptable JSON, in a few words."""


def parse_line(line: str) -> Any:
    """The value of one line of JSON, or BadLine."""
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError as error:
        raise BadLine(_reason(error)) from None
    try:
        exact = not _may_have_lost_digits(value)
    except RecursionError:  # orjson nests deeper than Python recurses: let the standard library judge
        exact = False
    return value if exact else _parse_exactly(line)


def _may_have_lost_digits(value: Any) -> bool:
    kind = type(value)
    if kind is float:
        return value.is_integer() and not _EXACT_INTEGERS[0] <= value < _EXACT_INTEGERS[1]
    if kind is dict:
        return any(_may_have_lost_digits(item) for item in value.values())
    if kind is list:
        return any(_may_have_lost_digits(item) for item in value)
    return False


def _reason(error: orjson.JSONDecodeError) -> str:
    rest = error.doc[error.pos:]
    for word in _NOT_NUMBERS:
        if rest.startswith(word):
            return f"{word} is not a JSON number"
    if "infinity" in error.msg:
        number = _NUMBER.match(rest)
        return f"{number.group()[:20] if number else 'a number'} is too large a number"
    if "surrogate" in error.msg:
        return _SURROGATE
    if "depth" in error.msg:
        return "nested too deeply"
    return f"{error.msg}, column {error.colno}"


def _refuse_constant(name: str) -> Any:
    raise BadLine(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    number = float(text)
    if math.isinf(number):
        raise BadLine(f"{text[:20]} is too large a number")
    return number


def _parse_exactly(line: str) -> Any:
    """The standard library's reading, with the hooks that make it refuse what orjson refuses."""
    try:
        value = json.loads(line, parse_constant=_refuse_constant, parse_float=_finite)
    except json.JSONDecodeError as error:
        raise BadLine(f"{error.msg}, column {error.colno}") from None
    except RecursionError:
        raise BadLine("nested too deeply") from None
    if _SURROGATE_ESCAPE.search(line):
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise BadLine(_SURROGATE) from None
    return value
