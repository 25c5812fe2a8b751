"""Reading one line of JSON Lines as strictly as the tools that read our exports do.

Python's json module accepts NaN and Infinity (and reads 1e400 as infinity),
and escapes of lone UTF-16 surrogates ("\\ud800"), none of which is JSON:
other parsers reject them, and a lone surrogate cannot even be written back as
UTF-8. A line nested too deeply to parse is refused too, rather than
exhausting the stack.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

# A high or low surrogate escape: decoded as a pair it is one character, alone it is not.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class BadLine(ValueError):
    """Why a line is not acceptable JSON, in a few words."""


def _refuse_constant(name: str) -> Any:
    raise BadLine(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    number = float(text)
    if math.isinf(number):
        raise BadLine(f"{text[:20]} is too large a number")
    return number


def parse_line(line: str) -> Any:
    """The value of one line of JSON, or BadLine."""
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
            raise BadLine("a \\u escape of half a UTF-16 surrogate pair is no character") from None
    return value
