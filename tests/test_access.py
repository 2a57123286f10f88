"""The one authorisation mechanism: every endpoint is public or role-guarded, and enforced."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from placements import access
from placements.extensions import db
from placements.models import Application, Notification, Organisation, Placement, School, StudentProfile, User
from tests.conftest import make_app
from tests.round_helpers import sample_round

ROLES = ("student", "careers_leader", "employer", "admin")
# Endpoints anyone may use. Adding to this list is a deliberate, reviewed act.
PUBLIC_ENDPOINTS = {
    "static",
    "public.index",
    "public.privacy",
    "public.accessibility",
    "auth.login",
    "auth.set_password",
    "auth.forgot_password",
    "employer.register",
    "browse.index",
    "browse.detail",
}


def test_every_endpoint_is_public_listed_or_role_guarded():
    app = make_app()
    undeclared, wrongly_public = [], []
    for rule in app.url_map.iter_rules():
        rule_access = access.access_of(app, rule.endpoint)
        if rule_access is None:
            undeclared.append(rule.endpoint)
        elif rule_access == access.PUBLIC and rule.endpoint not in PUBLIC_ENDPOINTS:
            wrongly_public.append(rule.endpoint)
        elif rule_access != access.PUBLIC:
            assert rule_access and set(rule_access) <= set(ROLES), rule.endpoint
    assert undeclared == [], f"endpoints with no access rule: {undeclared}"
    assert wrongly_public == [], f"public endpoints not on the allow-list: {wrongly_public}"


def test_an_undeclared_view_is_denied(app):
    app.add_url_rule("/forgotten", "forgotten", lambda: "secret")  # no @public, no @roles
    response = app.test_client().get("/forgotten")
    assert response.status_code == 404
    assert "secret" not in response.text


def _sample_notification() -> int:
    """A notification of the demo student's (the demo data has none): others get 404 for it."""
    student = db.session.scalar(select(User).where(User.email == "student1@placements.example"))
    notification = Notification(user_id=student.id, message="Your application moved on.", link="/home")
    db.session.add(notification)
    db.session.commit()
    return notification.id


def _sample_arguments(app) -> dict[str, object]:
    """Real ids from the demo data for each URL argument name."""
    with app.app_context():
        return {
            "school_id": db.session.scalar(select(School.id).order_by(School.id)),
            "organisation_id": db.session.scalar(select(Organisation.id).order_by(Organisation.id)),
            "user_id": db.session.scalar(select(User.id).where(User.email == "student1@placements.example")),
            "placement_id": db.session.scalar(
                select(Placement.id)
                .join(Organisation)
                .join(User, User.organisation_id == Organisation.id)
                .where(User.email == "employer1@placements.example", Placement.status == "published")
                .order_by(Placement.id)
            ),
            # The demo student's application to the demo employer, passed on by the demo careers leader.
            "application_id": db.session.scalar(
                select(Application.id)
                .join(StudentProfile)
                .join(User, User.id == StudentProfile.user_id)
                .where(User.email == "student1@placements.example")
            ),
            # The student's own actions on their application (a GET shows the confirmation page).
            "action": "withdraw",
            "notification_id": _sample_notification(),
            # A previewed Year 7 round at the demo school, with the demo student's choices.
            "round_id": sample_round(db.session),
            "evidence_id": _sample_evidence_id(),
            "token": "not-a-real-token",
            "filename": "app.css",
        }


def _sample_evidence_id() -> int:
    """A careers record entry for the demo student, made by the demo careers leader."""
    from datetime import date

    from placements import evidence

    leader = db.session.scalar(select(User).where(User.email == "careers1@placements.example"))
    student = db.session.scalar(select(User).where(User.email == "student1@placements.example"))
    talk = evidence.Activity("employer_talk", date.today(), 1.0, "in_person", "Southwark Digital Studio")
    (record,) = evidence.record_for_group([student.student_profile], talk, leader)
    db.session.commit()
    return record.id


def _guarded_rules(app):
    # Signing out last, so it does not end the session the rest of the matrix uses.
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint == "auth.logout"):
        rule_access = access.access_of(app, rule.endpoint)
        if rule_access != access.PUBLIC:
            yield rule, rule_access


def test_access_matrix_every_role_against_every_guarded_endpoint(app):
    """Allowed roles get through; every other role gets 403; anonymous users are sent to sign in."""
    from tests.conftest import AuthActions

    arguments = _sample_arguments(app)
    checked = 0
    for role in (None, *ROLES):
        client = app.test_client()
        if role:
            assert AuthActions(client).login(role).status_code == 302
        for rule, allowed in _guarded_rules(app):
            missing = set(rule.arguments) - set(arguments)
            assert not missing, f"add sample values for {missing} ({rule.endpoint})"
            with app.test_request_context():
                from flask import url_for

                url = url_for(rule.endpoint, **{a: arguments[a] for a in rule.arguments})
            method = "GET" if "GET" in rule.methods else "POST"
            response = client.open(url, method=method)
            if role is None:
                assert response.status_code == 302, (rule.endpoint, response.status_code)
                assert "/login" in response.headers["Location"]
            elif role in allowed:
                assert response.status_code not in (401, 403, 500), (role, rule.endpoint, response.status_code)
            else:
                assert response.status_code == 403, (role, rule.endpoint, response.status_code)
            checked += 1
        if role:
            AuthActions(client).logout()
    assert checked >= 5 * 10


@pytest.mark.parametrize(
    "path",
    ["/admin/", "/school/", "/student/", "/employer/", "/account/password", "/home", "/admin/outbox"],
)
def test_login_required_redirects_to_login_with_next(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_htmx_request_after_expiry_gets_a_client_redirect(client):
    response = client.get("/school/?q=a", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.headers["HX-Redirect"].startswith("/login")
    assert response.text == ""
