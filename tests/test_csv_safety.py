"""Spreadsheet formula injection in CSV exports (placements/csv_safety.py): pure, no app."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from placements.csv_safety import neutralise, safe_cell, safe_rows, write_rows


@pytest.mark.parametrize(
    "value",
    [
        '=HYPERLINK("http://x.invalid","Click")',
        "+44 20 7946 0000",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(A1:A2)",
        "\t=1+1",
        "\r=1+1",
        "\tplain after a tab",
    ],
)
def test_formula_triggers_get_a_leading_apostrophe(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["  =1+1", " \t@cmd", "\n-1", "\u00a0=1"])
def test_triggers_after_leading_whitespace_are_neutralised(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize(
    "value", ["", "Acme Ltd", "a=b", "50 hours", "St. Mary's", "'=already neutralised", "O'Brien-Smith", "   "]
)
def test_safe_text_is_unchanged(value):
    assert neutralise(value) == value


def test_neutralise_is_idempotent():
    once = neutralise("=1+1")
    assert neutralise(once) == once == "'=1+1"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (None, ""),
        (-5, -5),
        (2.5, 2.5),
        (True, True),
        (Decimal("-1.5"), Decimal("-1.5")),
        (date(2025, 9, 1), date(2025, 9, 1)),
        ("-5", "'-5"),
        ("=x", "'=x"),
    ],
)
def test_safe_cell_keeps_program_made_values_and_neutralises_text(cell, expected):
    assert safe_cell(cell) == expected


def test_safe_cell_neutralises_other_objects_by_their_text():
    class Name:
        def __str__(self):
            return "=cmd()"

    assert safe_cell(Name()) == "'=cmd()"


def test_safe_rows_is_lazy_and_cleans_every_cell():
    rows = safe_rows(iter([["name", "note"], ["=a", None], [3, "@b"]]))
    assert next(rows) == ["name", "note"]
    assert list(rows) == [["'=a", ""], [3, "'@b"]]


def test_write_rows_quotes_every_cell_and_round_trips():
    buffer = io.StringIO(newline="")
    write_rows(buffer, [["upn", "employer_name"], ["A123", "=1+1;=2"], ["B456", 'Say "hi"']])
    text = buffer.getvalue()
    assert text.splitlines()[1] == '"A123","\'=1+1;=2"'
    assert list(csv.reader(io.StringIO(text))) == [
        ["upn", "employer_name"],
        ["A123", "'=1+1;=2"],
        ["B456", 'Say "hi"'],
    ]
