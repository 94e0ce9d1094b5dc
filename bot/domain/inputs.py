"""Reading what people type: numbers in ASCII digits only, and short echoes of bad input.

`str.isdigit()` and `\\d` accept "²" and Arabic-Indic digits, which `int()` then
refuses or reads differently; a command's arguments are only ever ASCII numbers.
"""

from __future__ import annotations

import re

# Errors quote at most this much of what was typed: enough to recognise, never a wall.
ECHO_LIMIT = 40

_WHOLE = re.compile(r"[0-9]{1,9}", re.ASCII)
_DECIMAL = re.compile(r"[0-9]{1,9}(?:\.[0-9]{1,9})?|\.[0-9]{1,9}", re.ASCII)


def ascii_int(text: str) -> int | None:
    """A whole number written in ASCII digits (at most 9 of them), else None."""
    return int(text) if _WHOLE.fullmatch(text) else None


def ascii_decimal(text: str) -> float | None:
    """A plain decimal such as 0.9 or .85 in ASCII digits (no sign, exponent, nan), else None."""
    return float(text) if _DECIMAL.fullmatch(text) else None


def echo(text: str, limit: int = ECHO_LIMIT) -> str:
    """`text` quoted for an error message, at most `limit` characters between the quotes
    (cut with "…"); control and unprintable characters are shown escaped, and their escapes
    count towards the limit (one character can take ten)."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    while len(repr(text)) > limit + 2 and len(text) > 1:
        text = text[:-2] + "…"
    return repr(text)
