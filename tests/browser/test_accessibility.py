"""axe-core on every page, as every role that may see it: no serious or critical violations.

The pages come from app.url_map, so a page added later is checked without touching this file.
A GET page whose URL needs an argument is visited with a real id from the demo data (ARGUMENTS);
an argument this file does not know fails test_every_page_can_be_planned until it is added.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask, url_for
from sqlalchemy import select

from placements import accounts, seed
from placements.access import PUBLIC, access_of
from placements.extensions import db
from placements.models import Application, Evidence, Organisation, Placement, User
from tests.browser.conftest import check, sign_in
from tests.conftest import make_app
from tests.round_helpers import sample_round

pytestmark = [pytest.mark.browser]

ROLES = ("admin", "careers_leader", "employer", "student")
ANONYMOUS = "anonymous"
NOT_PAGES = {
    "static",
    "school.import_template",
    "school.export_students",
    "careers_record.export_csv",
}  # GET endpoints that are not HTML pages (CSV downloads)


def _set_password_token(role: str) -> str:
    """A live one-time link for a demo student (the page a new user first sees)."""
    student = db.session.scalar(select(User).where(User.email == "student2@placements.example"))
    token = accounts.issue_token(student, accounts.SET_PASSWORD)
    db.session.commit()
    return token


def _school_id(role: str) -> int:
    return seed.demo_accounts(db.session)["careers_leader"].school_id


def _organisation_id(role: str) -> int:
    if role == "employer":
        return seed.demo_accounts(db.session)["employer"].organisation_id
    # A pending organisation shows the most: the approve and reject forms.
    return db.session.scalar(select(Organisation.id).where(Organisation.status == "pending").limit(1))


def _user_id(role: str) -> int:
    """A student at the careers leader's school."""
    leader = seed.demo_accounts(db.session)["careers_leader"]
    query = select(User.id).where(User.school_id == leader.school_id, User.role == "student").order_by(User.id)
    return db.session.scalar(query.limit(1))


def _placement_id(role: str) -> int:
    """A published placement of the demo employer: its edit, close and cancel pages all apply."""
    organisation_id = seed.demo_accounts(db.session)["employer"].organisation_id
    query = select(Placement.id).where(Placement.organisation_id == organisation_id, Placement.status == "published")
    return db.session.scalar(query.order_by(Placement.id).limit(1))


def _application_id(role: str) -> int:
    """The demo student's application to the demo employer: every role's detail page shows it."""
    student = seed.demo_accounts(db.session)["student"]
    return db.session.scalar(select(Application.id).where(Application.student_profile_id == student.student_profile.id))


def _action(role: str) -> str:
    """An action the role may take on the demo application now: its page (a form or a confirmation)."""
    return {"employer": "reject", "student": "withdraw"}.get(role, "reject")


def _round_id(role: str) -> int:
    """A previewed round for the demo student's year group: its leader's pages and the student's all apply."""
    return sample_round(db.session)


def _evidence_id(role: str) -> int:
    """A careers record entry the school recorded for one of its students: its change and delete pages apply."""
    from datetime import date

    from placements import evidence

    leader = seed.demo_accounts(db.session)["careers_leader"]
    student = db.session.get(User, _user_id(role))
    found = db.session.scalar(
        select(Evidence.id).where(Evidence.school_id == leader.school_id, Evidence.source == "school")
    )
    if found:
        return found
    talk = evidence.Activity("employer_talk", date.today(), 1.0, "in_person", "Southwark Digital Studio")
    (record,) = evidence.record_for_group([student.student_profile], talk, leader)
    db.session.commit()
    return record.id


# URL argument name -> a real value from the demo data for a role. Add one when a route needs it.
ARGUMENTS: dict[str, Callable[[str], object]] = {
    "token": _set_password_token,
    "school_id": _school_id,
    "organisation_id": _organisation_id,
    "user_id": _user_id,
    "placement_id": _placement_id,
    "application_id": _application_id,
    "action": _action,
    "round_id": _round_id,
    "evidence_id": _evidence_id,
}


def page_rules(app: Flask):
    """Every GET rule that renders a page, with who may see it."""
    for rule in app.url_map.iter_rules():
        if "GET" in (rule.methods or ()) and rule.endpoint not in NOT_PAGES:
            yield rule, access_of(app, rule.endpoint)


def visitors(access) -> tuple[str, ...]:
    if access == PUBLIC:
        return (ANONYMOUS,)
    return tuple(role for role in ROLES if role in (access or ()))


def plan(app: Flask, role: str) -> list[tuple[str, str]]:
    """(endpoint, path) for every page this role may see, with real ids for URL arguments."""
    pages = []
    with app.test_request_context():
        for rule, access in page_rules(app):
            if role in visitors(access):
                values = {name: ARGUMENTS[name](role) for name in rule.arguments}
                pages.append((rule.endpoint, url_for(rule.endpoint, **values)))
        db.session.remove()
    return pages


def test_every_page_can_be_planned():
    """Each GET page declares who may see it and has known URL arguments, so the check below reaches it."""
    for rule, access in page_rules(make_app()):
        assert access is not None, f"{rule.endpoint} declares no access rule (placements/access.py)"
        assert visitors(access), f"{rule.endpoint}: no demo role may see it: {access}"
        unknown = set(rule.arguments) - set(ARGUMENTS)
        assert not unknown, f"{rule.rule}: add a real demo value for {unknown} to ARGUMENTS in {__file__}"


def test_every_page_has_no_serious_axe_violations(server, new_context, axe):
    """Every GET page, as each role that may see it (signed out for public pages); then fail
    loudly if any GET page went unvisited."""
    problems, checked = [], set()
    for role in (ANONYMOUS, *ROLES):
        page = new_context().new_page()
        if role != ANONYMOUS:
            sign_in(page, server, role)
        for endpoint, path in plan(server.app, role):
            response = page.goto(server.url + path)
            assert response is not None, path
            if response.ok:
                problems += check(page, axe, f"{role} {path}")
                checked.add(endpoint)
            else:
                problems.append(f"{role} {path}: HTTP {response.status}")
        page.context.close()
    missed = {rule.endpoint for rule, _ in page_rules(server.app)} - checked
    assert not missed, f"GET pages never checked with axe: {sorted(missed)}"
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("role", "path"),
    [(ANONYMOUS, "/no-such-page"), ("student", "/admin/"), (ANONYMOUS, "/password/not-a-real-token")],
    ids=["404", "403", "expired-link"],
)
def test_error_pages_have_no_serious_axe_violations(server, page, axe, role, path):
    if role != ANONYMOUS:
        sign_in(page, server, role)
    response = page.goto(server.url + path)
    assert response is not None and response.status in (403, 404)
    assert not check(page, axe, path), "\n".join(check(page, axe, path))


@pytest.mark.parametrize(
    ("role", "path"),
    [
        (ANONYMOUS, "/login"),
        (ANONYMOUS, "/employers/register"),
        (ANONYMOUS, "/forgot-password"),
        ("admin", "/admin/schools/new"),
        ("careers_leader", "/school/students/new"),
        ("student", "/account/password"),
    ],
)
def test_form_errors_have_no_serious_axe_violations(server, page, axe, role, path):
    """Submit the form empty (CSRF token and all, as a person would) and check the error page."""
    if role != ANONYMOUS:
        sign_in(page, server, role)
    page.goto(server.url + path)
    page.locator("main form[method=post] button[type=submit]").first.click()
    summary = page.locator(".error-summary")
    summary.wait_for()
    assert summary.get_by_role("link").count() >= 1
    problems = check(page, axe, f"{role} {path} with errors")
    assert not problems, "\n".join(problems)
