"""Employer pages: employers only, and only their own organisation's placements (others' are 404)."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from placements.extensions import db
from placements.models import Organisation, Placement, User
from tests import conftest

TODAY = date.today()
OWN_PAGES = ["/employer/", "/employer/safeguarding", "/employer/placements/new"]
PLACEMENT_GETS = ["/edit", "/close", "/cancel"]
PLACEMENT_POSTS = ["/edit", "/publish", "/close", "/cancel", "/duplicate"]


def placement_of(app, organisation: str, status: str) -> int:
    with app.app_context():
        return db.session.scalars(
            select(Placement.id)
            .join(Organisation)
            .where(Organisation.name == organisation, Placement.status == status)
            .order_by(Placement.id)
        ).first()


def snapshot(app, placement_id: int) -> tuple:
    with app.app_context():
        p = db.session.get(Placement, placement_id)
        return (p.title, p.status, p.capacity, p.cancel_reason, p.start_date)


def count(app) -> int:
    with app.app_context():
        return len(db.session.scalars(select(Placement.id)).all())


@pytest.mark.parametrize("role", ["student", "careers_leader", "admin"])
@pytest.mark.parametrize("path", OWN_PAGES)
def test_other_roles_are_refused(client, auth, role, path):
    auth.login(role)
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("role", ["student", "careers_leader", "admin"])
def test_other_roles_cannot_act_on_placements(app, client, auth, role):
    published = placement_of(app, "Southwark Digital Studio", "published")
    auth.login(role)
    for suffix in PLACEMENT_POSTS:
        assert client.post(f"/employer/placements/{published}{suffix}", data={"reason": "x"}).status_code == 403
    assert client.post("/employer/postcode-check", data={"postcode": "SE1 7PB"}).status_code == 403
    assert snapshot(app, published)[1] == "published"


@pytest.mark.parametrize("path", [*OWN_PAGES, "/employer/placements/1/edit", "/employer/placements/1/cancel"])
def test_anonymous_users_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_anonymous_htmx_gets_a_client_redirect(client):
    response = client.post("/employer/placements/1/close", headers={"HX-Request": "true"})
    assert response.headers["HX-Redirect"].startswith("/login")


def test_employer_cannot_see_or_change_another_organisations_placements(app, client, auth):
    theirs = [placement_of(app, "Bankside Builders", s) for s in ("published", "draft")]
    before = [snapshot(app, p) for p in theirs]
    total = count(app)
    auth.login("employer")  # Southwark Digital Studio
    for placement_id in theirs:
        for suffix in PLACEMENT_GETS:
            assert client.get(f"/employer/placements/{placement_id}{suffix}").status_code == 404
        for suffix in PLACEMENT_POSTS:
            response = client.post(
                f"/employer/placements/{placement_id}{suffix}",
                data={"reason": "mine now", "title": "Hijacked", "publish": "Publish"},
            )
            assert response.status_code == 404
    assert [snapshot(app, p) for p in theirs] == before
    assert count(app) == total
    assert "Bankside" not in client.get("/employer/").text


def test_safeguarding_changes_only_the_employers_own_organisation(app, client, auth):
    auth.login("employer")
    response = client.post(
        "/employer/safeguarding",
        data={
            "insurance_basis": "sole_trader",
            "risk_assessment_covers_young_people": "y",
            "no_prohibited_tasks_for_children": "y",
            "risk_assessment_reviewed_on": TODAY.isoformat(),
            "safeguarding_contact_name": "Kim Ode",
            "safeguarding_contact_role": "Director",
            "safeguarding_contact_email": "kim@example.org",
            "status": "approved",  # not a field: ignored
            "name": "Renamed",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        organisations = {o.name: o for o in db.session.scalars(select(Organisation))}
        assert "Renamed" not in organisations
        mine = organisations["Southwark Digital Studio"]
        assert (mine.insurance_basis, mine.insurer, mine.insurance_expires_on) == ("sole_trader", None, None)
        assert mine.safeguarding_contact_name == "Kim Ode"
        assert organisations["Bankside Builders"].safeguarding_contact_name != "Kim Ode"


def test_a_placement_cannot_be_moved_to_another_organisation_nor_given_places(app, client, auth):
    draft = placement_of(app, "Southwark Digital Studio", "draft")
    auth.login("employer")
    with app.app_context():
        other = db.session.scalar(select(Organisation.id).where(Organisation.name == "Bankside Builders"))
    start = TODAY + timedelta(days=50)
    client.post(
        f"/employer/placements/{draft}/edit",
        data={
            "title": "Moved?", "description": "d", "task": "t", "activity_type": "workplace_visit",
            "delivery_mode": "virtual", "route": "digital", "start_date": start.isoformat(),
            "end_date": start.isoformat(), "start_time": "10:00", "end_time": "12:00",
            "application_deadline": (start - timedelta(days=5)).isoformat(), "capacity": "3",
            "year_groups": ["8"], "organisation_id": str(other), "places_filled": "3", "status": "published",
            "save": "Save as draft",
        },
    )  # fmt: skip
    with app.app_context():
        placement = db.session.get(Placement, draft)
        assert placement.title == "Moved?"
        assert placement.organisation.name == "Southwark Digital Studio"
        assert (placement.places_filled, placement.status) == (0, "draft")


def test_pending_employer_sees_only_own_organisation(app, client, auth):
    with app.app_context():
        db.session.scalar(
            select(User).where(User.email == "employer4@placements.example")
        ).password_hash = conftest.test_password_hash()
        db.session.commit()
    auth.login("employer4@placements.example")
    page = client.get("/employer/")
    assert "Greenwich Riverside Kitchen" in page.text and "is checking your organisation" in page.text
    studio_placement = placement_of(app, "Southwark Digital Studio", "draft")
    assert client.get(f"/employer/placements/{studio_placement}/edit").status_code == 404
