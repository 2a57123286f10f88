"""Sign-in, sign-out, one-time links and password rules (security.md A1, V6/V7)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from placements import accounts, passwords
from placements.extensions import db
from placements.models import AccountToken, OutboxMessage, User, utcnow
from tests.conftest import DEMO_EMAILS, TEST_PASSWORD, link_from_outbox

NEW_PASSWORD = "marmalade lighthouse tuesday"


def _user(app, email: str) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        db.session.expunge(user)
        return user


def _latest_mail(app, recipient: str) -> OutboxMessage:
    with app.app_context():
        return db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.recipient == recipient).order_by(OutboxMessage.id.desc())
        ).first()


def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert '<label for="email">' in response.text


def test_wrong_password_gives_one_message_for_both_mistakes(client, auth):
    wrong_password = auth.login("admin", "not the password at all")
    unknown_email = auth.login("nobody@placements.example", "not the password at all")
    message = "The email address or password is not right."
    assert wrong_password.status_code == unknown_email.status_code == 422
    assert message in wrong_password.text and message in unknown_email.text


def test_malformed_login_form_is_a_clear_error_not_a_crash(client):
    response = client.post("/login", data={"email": "not-an-email"})
    assert response.status_code == 422
    assert "Enter an email address like name@example.org." in response.text
    assert "Enter your password." in response.text
    assert 'class="error-summary"' in response.text


def test_login_gives_a_new_session_cookie(client, auth):
    client.get("/login")
    before = client.get_cookie("session")
    auth.login("admin")
    after = client.get_cookie("session")
    assert after is not None
    assert before is None or before.value != after.value


def test_login_next_is_only_followed_within_the_site(client):
    ok = client.post("/login?next=/admin/outbox", data={"email": DEMO_EMAILS["admin"], "password": TEST_PASSWORD})
    assert ok.headers["Location"] == "/admin/outbox"
    client.post("/logout")
    evil = client.post(
        "/login?next=https://evil.example/x", data={"email": DEMO_EMAILS["admin"], "password": TEST_PASSWORD}
    )
    assert evil.headers["Location"] == "/admin/"


def test_logout_ends_the_session_and_a_replayed_cookie_is_rejected(client, auth):
    auth.login("careers_leader")
    stolen = client.get_cookie("session").value
    assert client.get("/school/").status_code == 200
    response = auth.logout()
    assert response.status_code == 302
    assert "Clear-Site-Data" in response.headers
    replay = client.application.test_client()
    replay.set_cookie("session", stolen)
    replayed = replay.get("/school/")
    assert replayed.status_code == 302
    assert replayed.headers["Location"].startswith("/login")


def test_sixth_bad_login_for_an_account_in_a_minute_is_rate_limited(client):
    statuses = [
        client.post("/login", data={"email": DEMO_EMAILS["admin"], "password": f"wrong guess {n}"}).status_code
        for n in range(6)
    ]
    assert statuses == [422] * 5 + [429]
    assert (
        "Too many attempts"
        in client.post("/login", data={"email": DEMO_EMAILS["admin"], "password": TEST_PASSWORD}).text
    )


def test_login_is_rate_limited_per_ip_across_accounts(app):
    app.config["LOGIN_LIMIT_PER_IP"] = "3 per minute"
    client = app.test_client()
    statuses = [
        client.post("/login", data={"email": f"someone{n}@example.org", "password": "wrong guess"}).status_code
        for n in range(4)
    ]
    assert statuses == [422, 422, 422, 429]


def test_successful_logins_do_not_count_towards_the_limit(client, auth):
    for _ in range(7):
        assert auth.login("admin").status_code == 302
        auth.logout()


def test_forgot_password_says_the_same_for_known_and_unknown_emails(client, app):
    known = client.post("/forgot-password", data={"email": DEMO_EMAILS["student"]})
    unknown = client.post("/forgot-password", data={"email": "nobody@placements.example"})
    assert known.status_code == unknown.status_code == 200
    assert known.text.replace(DEMO_EMAILS["student"], "X") == unknown.text.replace("nobody@placements.example", "X")
    assert _latest_mail(app, DEMO_EMAILS["student"]).subject == "Reset your Placements password"
    assert _latest_mail(app, "nobody@placements.example") is None


def test_reset_link_works_once_and_ends_old_sessions(client, app, auth):
    other_device = app.test_client()
    other_device.post("/login", data={"email": DEMO_EMAILS["student"], "password": TEST_PASSWORD})
    assert other_device.get("/student/").status_code == 200
    client.post("/forgot-password", data={"email": DEMO_EMAILS["student"]})
    link = link_from_outbox(_latest_mail(app, DEMO_EMAILS["student"]).body)
    assert client.get(link).status_code == 200
    done = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert other_device.get("/student/").status_code == 302  # signed out by the change
    assert client.get(link).status_code == 404  # one-time
    assert auth.login("student", TEST_PASSWORD).status_code == 422  # old password gone
    assert auth.login("student", NEW_PASSWORD).status_code == 302


def test_expired_link_is_refused(client, app):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == DEMO_EMAILS["student"]))
        token = accounts.issue_token(user, accounts.RESET_PASSWORD)
        row = db.session.scalar(select(AccountToken).where(AccountToken.user_id == user.id))
        row.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    response = client.post(f"/password/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 404
    assert "This link no longer works" in response.text


def test_a_newer_link_replaces_an_older_one(client, app):
    client.post("/forgot-password", data={"email": DEMO_EMAILS["student"]})
    first = link_from_outbox(_latest_mail(app, DEMO_EMAILS["student"]).body)
    client.post("/forgot-password", data={"email": DEMO_EMAILS["student"]})
    second = link_from_outbox(_latest_mail(app, DEMO_EMAILS["student"]).body)
    assert first != second
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short one", "Use at least 12 characters."),
        ("password123456", "That password is too common."),
        ("qwertyuiop123", "That password is too common."),
        ("123456789012", "too easy to guess"),
        ("x" * 129, "Use at most 128 characters."),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(client, app, password, message):
    client.post("/forgot-password", data={"email": DEMO_EMAILS["student"]})
    link = link_from_outbox(_latest_mail(app, DEMO_EMAILS["student"]).body)
    response = client.post(link, data={"password": password, "confirm": password})
    assert response.status_code == 422
    assert message in response.text
    assert client.get(link).status_code == 200  # not used up by a refused attempt


@pytest.mark.parametrize("length", [64, 128])
def test_long_passwords_are_accepted_exactly_as_typed(length):
    password = ("lighthouse marmalade " * 10)[:length]
    assert passwords.problem(password) is None


def test_password_containing_the_email_name_is_refused():
    assert "email" in passwords.problem("jamie.smith is my password", email="jamie.smith@school.example")


def test_mismatched_confirmation_is_refused(client, app):
    client.post("/forgot-password", data={"email": DEMO_EMAILS["student"]})
    link = link_from_outbox(_latest_mail(app, DEMO_EMAILS["student"]).body)
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"})
    assert "The two passwords do not match." in response.text


def test_change_password_needs_the_current_one(client, auth, app):
    auth.login("employer")
    wrong = client.post(
        "/account/password", data={"current": "not it at all", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert "Your current password is not right." in wrong.text
    right = client.post(
        "/account/password", data={"current": TEST_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert right.status_code == 302
    assert client.get("/employer/").status_code == 200  # this device stays signed in
    auth.logout()
    assert auth.login("employer", NEW_PASSWORD).status_code == 302


def test_disabled_account_is_signed_out_and_cannot_sign_in(client, auth, app):
    auth.login("student")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == DEMO_EMAILS["student"]))
        user.active = False
        db.session.commit()
    assert client.get("/student/").status_code == 302
    assert auth.login("student").status_code == 422


def test_session_past_the_absolute_limit_is_ended(client, auth):
    auth.login("admin")
    with client.session_transaction() as session:
        session["login_at"] = time.time() - 13 * 3600
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_invited_account_has_no_usable_password_until_the_link_is_used(client, app, auth):
    auth.login("careers_leader")
    client.post(
        "/school/students/new",
        data={"first_name": "Ada", "last_name": "Okafor", "email": "ada@school.example", "year_group": "10"},
    )
    auth.logout()
    assert auth.login("ada@school.example", "").status_code == 422
    link = link_from_outbox(_latest_mail(app, "ada@school.example").body)
    client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert auth.login("ada@school.example", NEW_PASSWORD).headers["Location"] == "/student/"
