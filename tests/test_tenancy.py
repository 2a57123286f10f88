"""Every object lookup is scoped to the user's school or organisation: another tenant's object is a 404."""

from __future__ import annotations

from sqlalchemy import select

from placements.extensions import db
from placements.models import School, User


def _student_of(app, urn: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(User.id).join(School).where(School.urn == urn, User.role == "student").order_by(User.id)
        )


def test_careers_leader_sees_own_school_student(client, auth, app):
    auth.login("careers_leader")  # careers1 leads Camberwell Park Academy (URN 999001)
    response = client.get(f"/school/students/{_student_of(app, '999001')}")
    assert response.status_code == 200
    assert "Restricted information" in response.text


def test_careers_leader_gets_404_for_another_schools_student(client, auth, app):
    auth.login("careers_leader")
    other = _student_of(app, "999002")
    response = client.get(f"/school/students/{other}")
    assert response.status_code == 404
    with app.app_context():
        name = db.session.get(User, other).last_name
    assert name not in response.text


def test_careers_leader_gets_404_for_a_staff_member_id(client, auth, app):
    auth.login("careers_leader")
    with app.app_context():
        leader_id = db.session.scalar(select(User.id).where(User.email == "careers1@placements.example"))
    assert client.get(f"/school/students/{leader_id}").status_code == 404


def test_student_list_shows_only_own_school(client, auth, app):
    auth.login("careers_leader")
    response = client.get("/school/?q=")
    assert "50 students" in response.text
    with app.app_context():
        other_emails = db.session.scalars(
            select(User.email).join(School).where(School.urn == "999002", User.role == "student")
        ).all()
    page_two = client.get("/school/?page=2").text
    assert not any(email in response.text + page_two for email in other_emails)
