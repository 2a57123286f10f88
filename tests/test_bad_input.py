"""Numbers people (or scripts) put in URLs and forms: a clear answer, never a 500."""

from __future__ import annotations

import pytest

from placements.numbers import is_digits, whole_number
from tests.conftest import AuthActions

HUGE = "9" * 25
SUPERSCRIPT_TWO = "%C2%B2"  # "²": str.isdigit() says yes, int() says no


@pytest.mark.parametrize(
    ("raw", "number"),
    [("7", 7), (" 12 ", 12), ("007", 7), ("²", None), ("-1", None), ("1.5", None), ("", None), (None, None)],
)
def test_whole_number(raw, number):
    assert whole_number(raw) == number


def test_whole_number_refuses_long_runs_of_digits():
    assert whole_number("1" * 10) is None
    assert whole_number("1" * 5000) is None
    assert whole_number("123", max_digits=2) is None


def test_is_digits():
    assert is_digits("123456", length=6)
    assert not is_digits("12345²", length=6)
    assert not is_digits("12345", length=6)
    assert not is_digits(None)


@pytest.mark.parametrize(
    ("role", "path", "expected"),
    [
        ("careers_leader", f"/school/applications/{HUGE}", 404),
        ("careers_leader", f"/school/applications/?page={SUPERSCRIPT_TWO}", 200),
        ("careers_leader", f"/school/applications/?year={SUPERSCRIPT_TWO}", 200),
        ("careers_leader", f"/school/?year={SUPERSCRIPT_TWO}", 200),
        ("careers_leader", f"/school/evidence/?year={SUPERSCRIPT_TWO}", 200),
        ("careers_leader", f"/school/evidence/records?year_group={SUPERSCRIPT_TWO}", 200),
        ("careers_leader", f"/school/evidence/record?group=student:{SUPERSCRIPT_TWO}", 422),  # "Choose a group"
        ("careers_leader", f"/school/rounds/{HUGE}", 404),
        ("student", f"/student/applications/{HUGE}", 404),
        ("student", f"/notifications/?page={SUPERSCRIPT_TWO}", 200),
        ("employer", f"/employer/applicants/{HUGE}", 404),
        ("employer", f"/employer/applicants/placement/{HUGE}", 404),
        (None, f"/placements/?page={SUPERSCRIPT_TWO}", 422),  # browse says what was wrong with the filters
        (None, f"/placements/?year={SUPERSCRIPT_TWO}&radius={SUPERSCRIPT_TWO}", 422),
        (None, f"/placements/{HUGE}", 404),
    ],
)
def test_strange_numbers_in_urls(client, role, path, expected):
    if role:
        AuthActions(client).login(role)
    assert client.get(path).status_code == expected


def test_strange_ids_in_a_bulk_approval_are_ignored(client):
    AuthActions(client).login("careers_leader")
    response = client.post("/school/applications/approve", data={"application_id": ["²", "1" * 5000, "-3"]})
    assert response.status_code == 303


def test_strange_page_number_when_marking_a_notification_read(client):
    AuthActions(client).login("student")
    assert client.post("/notifications/read-all", data={"page": "²"}).status_code == 303


def test_strange_numbers_when_opening_a_round(client):
    AuthActions(client).login("careers_leader")
    response = client.get(f"/school/rounds/new?year_group={SUPERSCRIPT_TWO}&within={SUPERSCRIPT_TWO}")
    assert response.status_code == 200
