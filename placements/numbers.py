"""Whole numbers that arrive as text (query strings, form fields, CSV cells). Plain Python.

`str.isdigit()` is true for "²" and other Unicode digits that `int()` refuses, and `int()` refuses
strings of more than 4,300 digits: checking for a short run of ASCII digits avoids both.
"""

from __future__ import annotations

import re

_DIGITS = {n: re.compile(rf"[0-9]{{1,{n}}}") for n in range(1, 19)}


def whole_number(raw: str | None, *, max_digits: int = 9) -> int | None:
    """The number written in `raw` (surrounding spaces allowed), or None when it is not one."""
    if raw is None:
        return None
    text = raw.strip()
    return int(text) if _DIGITS[max_digits].fullmatch(text) else None


def is_digits(raw: str | None, *, length: int | None = None) -> bool:
    """Only ASCII digits (and exactly `length` of them, when given)."""
    text = raw or ""
    return bool(re.fullmatch(r"[0-9]+", text)) and (length is None or len(text) == length)
