"""Employers register themselves and stay pending until an admin approves them."""

from __future__ import annotations

from sqlalchemy import func, select

from placements.extensions import db
from placements.models import Organisation, OutboxMessage, User
from tests.conftest import give_password

FORM = {
    "organisation_name": "Peckham Plumbing Co",
    "size_band": "micro",
    "route": "construction",
    "postcode": "se15 1aa",
    "first_name": "Sam",
    "last_name": "Kerr",
    "email": "sam@plumbing.example",
}


def test_registration_creates_a_pending_organisation_and_its_first_user(client, app):
    response = client.post("/employers/register", data=FORM)
    assert response.status_code == 200
    assert "Check your email" in response.text
    with app.app_context():
        organisation = db.session.scalar(select(Organisation).where(Organisation.name == "Peckham Plumbing Co"))
        assert organisation.status == "pending" and organisation.postcode == "SE15 1AA"
        user = organisation.users[0]
        assert (user.role, user.email, user.password_hash) == ("employer", "sam@plumbing.example", None)
        assert db.session.scalar(select(OutboxMessage.subject).where(OutboxMessage.recipient == user.email))


def test_registration_errors_keep_input_and_write_nothing(client, app):
    response = client.post("/employers/register", data=FORM | {"postcode": "NOT A CODE", "size_band": "huge"})
    assert response.status_code == 422
    assert 'value="Peckham Plumbing Co"' in response.text
    assert "is not a UK postcode" in response.text and "Not a valid choice" in response.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Organisation)) == 8


def test_registering_with_a_used_email_reveals_nothing_and_creates_nothing(client, app):
    response = client.post("/employers/register", data=FORM | {"email": "careers1@placements.example"})
    assert "Check your email" in response.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Organisation)) == 8
        assert (
            db.session.scalar(select(func.count()).select_from(User).where(User.email == "careers1@placements.example"))
            == 1
        )
        subjects = db.session.scalars(
            select(OutboxMessage.subject).where(OutboxMessage.recipient == "careers1@placements.example")
        ).all()
    assert subjects == ["Someone tried to register on Placements with your email"]


def test_pending_employer_sees_that_approval_is_awaited(client, auth, app):
    give_password(app, "employer4@placements.example")
    auth.login("employer4@placements.example")
    page = client.get("/employer/").text
    assert "A Placements admin is checking your organisation." in page
