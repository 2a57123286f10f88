"""CSV exports that are safe to open in a spreadsheet (OWASP "CSV Injection"). Plain Python.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return can be run as a
formula by Excel, LibreOffice or Google Sheets. :func:`neutralise` puts an apostrophe in front of
such a cell, which the spreadsheet shows as text and hides. Spreadsheets skip leading spaces before
a formula, so a trigger after leading whitespace is neutralised too.

Write exports with :func:`write_rows` (or ``csv.writer(f, quoting=csv.QUOTE_ALL)`` over
:func:`safe_rows`): quoting every cell keeps a semicolon or comma inside a cell from starting a new,
unneutralised cell in a spreadsheet that splits on another separator.
"""

from __future__ import annotations

import csv
import numbers
from collections.abc import Iterable, Iterator
from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """``value`` with a leading apostrophe if a spreadsheet could read it as a formula.

    ``"=SUM(A1)"`` -> ``"'=SUM(A1)"``; ``"  +44 20"`` -> ``"'  +44 20"``; ``"-5"`` -> ``"'-5"``
    (text that looks like a negative number is still text: write real numbers as numbers).
    Safe text, and text already neutralised, comes back unchanged.
    """
    if value.startswith(FORMULA_TRIGGERS) or value.lstrip().startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def safe_cell(value: Any) -> Any:
    """A cell ready for ``csv.writer``: text neutralised, None as an empty cell, and numbers, booleans
    and dates (which the program made, so they carry no formula) as they are."""
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, numbers.Number) or hasattr(value, "isoformat"):
        return value
    return neutralise(str(value))


def safe_rows(rows: Iterable[Iterable[Any]]) -> Iterator[list[Any]]:
    """Each row with every cell passed through :func:`safe_cell`, lazily."""
    for row in rows:
        yield [safe_cell(cell) for cell in row]


def write_rows(file: Any, rows: Iterable[Iterable[Any]]) -> None:
    """Write ``rows`` (the header first, if any) to an open text file as safe, fully quoted CSV.

    Open the file with ``newline=""``, as the csv module asks.
    """
    csv.writer(file, quoting=csv.QUOTE_ALL).writerows(safe_rows(rows))
