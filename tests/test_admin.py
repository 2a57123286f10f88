"""Platform admin: schools, careers-leader invitations, employer approval, the development outbox."""

from __future__ import annotations

from sqlalchemy import func, select

from placements.extensions import db
from placements.models import AuditEvent, Organisation, OutboxMessage, School, User
from tests.conftest import link_from_outbox

NEW_SCHOOL = {"urn": "123456", "name": "Brixton Hill School", "postcode": "se5 8uh"}


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _school_id(app, urn: str) -> int:
    with app.app_context():
        return db.session.scalar(select(School.id).where(School.urn == urn))


def test_admin_creates_a_school_with_a_normalised_geocoded_postcode(client, auth, app):
    auth.login("admin")
    response = client.post("/admin/schools/new", data=NEW_SCHOOL)
    assert response.status_code == 302
    with app.app_context():
        school = db.session.scalar(select(School).where(School.urn == "123456"))
        assert school.postcode == "SE5 8UH"
        assert abs(school.lat - 51.47) < 0.02 and abs(school.lon - -0.09) < 0.02
        audit = select(AuditEvent.action).where(AuditEvent.object_type == "School", AuditEvent.object_id == school.id)
        assert db.session.scalar(audit) == "school.create"


def test_unknown_postcode_is_refused_and_what_was_typed_is_kept(client, auth, app):
    auth.login("admin")
    response = client.post("/admin/schools/new", data=NEW_SCHOOL | {"postcode": "SE5 9ZZ"})
    assert response.status_code == 422
    assert "We could not find the postcode SE5 9ZZ" in response.text
    assert 'value="Brixton Hill School"' in response.text
    assert _count(app, School) == 3


def test_malformed_postcode_and_urn_get_clear_messages(client, auth, app):
    auth.login("admin")
    response = client.post("/admin/schools/new", data={"urn": "12a", "name": "", "postcode": "hello"})
    assert "A URN has 6 digits." in response.text
    assert "Enter the school&#39;s name." in response.text
    assert "is not a UK postcode" in response.text
    assert _count(app, School) == 3


def test_duplicate_urn_is_refused(client, auth, app):
    auth.login("admin")
    response = client.post("/admin/schools/new", data=NEW_SCHOOL | {"urn": "999001"})
    assert "A school with this URN is already on Placements." in response.text
    assert _count(app, School) == 3


def test_admin_invites_a_careers_leader_who_sets_a_password_and_signs_in(client, auth, app):
    auth.login("admin")
    school_id = _school_id(app, "999002")
    response = client.post(
        f"/admin/schools/{school_id}/leaders",
        data={"first_name": "Rosa", "last_name": "Diaz", "email": "Rosa.Diaz@School.Example "},
    )
    assert response.status_code == 302
    outbox = client.get("/admin/outbox").text
    assert "rosa.diaz@school.example" in outbox and "Set up your Placements account" in outbox
    with app.app_context():
        body = db.session.scalar(
            select(OutboxMessage.body).where(OutboxMessage.recipient == "rosa.diaz@school.example")
        )
    auth.logout()
    link = link_from_outbox(body)
    client.post(link, data={"password": "fern window orbit seven", "confirm": "fern window orbit seven"})
    assert auth.login("rosa.diaz@school.example", "fern window orbit seven").headers["Location"] == "/school/"
    assert "Fallowfield High School" in client.get("/school/").text


def test_inviting_an_existing_email_is_refused(client, auth, app):
    auth.login("admin")
    school_id = _school_id(app, "999002")
    response = client.post(
        f"/admin/schools/{school_id}/leaders",
        data={"first_name": "A", "last_name": "B", "email": "careers1@placements.example"},
    )
    assert "Someone already has a Placements account with this email address." in response.text
    assert _count(app, User) == 1 + 8 + 3 + 150


def test_pending_organisations_are_queued_and_can_be_approved(client, auth, app):
    auth.login("admin")
    assert "Greenwich Riverside Kitchen" in client.get("/admin/").text
    with app.app_context():
        pending = db.session.scalar(select(Organisation).where(Organisation.status == "pending"))
        pending_id = pending.id
    assert client.post(f"/admin/organisations/{pending_id}/approve").status_code == 302
    with app.app_context():
        assert db.session.get(Organisation, pending_id).status == "approved"
    assert "No organisations are waiting." in client.get("/admin/").text


def test_rejecting_needs_a_reason(client, auth, app):
    auth.login("admin")
    with app.app_context():
        pending_id = db.session.scalar(select(Organisation.id).where(Organisation.status == "pending"))
    refused = client.post(f"/admin/organisations/{pending_id}/reject", data={"reason": ""})
    assert "Give a reason so the organisation knows what to change." in refused.text
    with app.app_context():
        assert db.session.get(Organisation, pending_id).status == "pending"
    client.post(f"/admin/organisations/{pending_id}/reject", data={"reason": "Not a real business address."})
    with app.app_context():
        organisation = db.session.get(Organisation, pending_id)
        assert (organisation.status, organisation.status_reason) == ("rejected", "Not a real business address.")


def test_outbox_is_hidden_when_real_mail_is_configured(client, auth, app):
    auth.login("admin")
    app.config["MAIL_SERVER"] = "smtp.example.org"
    assert client.get("/admin/outbox").status_code == 404


def test_admin_pages_paginate_without_errors_for_bad_page_numbers(client, auth):
    auth.login("admin")
    for page in ("0", "-1", "abc", "999999999999", "2"):
        assert client.get(f"/admin/organisations?page={page}").status_code == 200
