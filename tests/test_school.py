"""Careers leaders add students and search their own school's list (page vs htmx fragment)."""

from __future__ import annotations

from sqlalchemy import func, select

from placements.extensions import db
from placements.models import StudentProfile, User

HX = {"HX-Request": "true"}
ADA = {
    "first_name": "Ada",
    "last_name": "Okafor",
    "email": "ada@school.example",
    "year_group": "9",
    "form_group": "9B",
    "sen_provision": "K",
    "disadvantaged": "y",
}


def test_careers_leader_adds_a_student_with_restricted_fields(client, auth, app):
    auth.login("careers_leader")
    response = client.post("/school/students/new", data=ADA)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).text
    assert "Ada Okafor" in page and "SEN support" in page
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "ada@school.example"))
        assert user.role == "student" and user.password_hash is None
        assert user.school.urn == "999001"
        assert (user.student_profile.year_group, user.student_profile.sen_provision) == (9, "K")
        assert user.student_profile.disadvantaged is True


def test_student_form_errors_keep_what_was_typed_and_write_nothing(client, auth, app):
    auth.login("careers_leader")
    response = client.post("/school/students/new", data=ADA | {"year_group": "14", "email": "nope"})
    assert response.status_code == 422
    assert 'value="Okafor"' in response.text
    assert "Enter an email address like name@example.org." in response.text
    assert "Not a valid choice" in response.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StudentProfile)) == 150


def test_role_and_school_cannot_be_mass_assigned(client, auth, app):
    auth.login("careers_leader")
    client.post("/school/students/new", data=ADA | {"role": "admin", "school_id": "2"})
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "ada@school.example"))
        assert user.role == "student" and user.school.urn == "999001"


def test_search_returns_rows_for_htmx_and_a_page_otherwise(client, auth, app):
    auth.login("careers_leader")
    with app.app_context():
        name = db.session.scalar(select(User.last_name).where(User.email == "student1@placements.example"))
    fragment = client.get(f"/school/?q={name.lower()}", headers=HX)
    assert "<html" not in fragment.text and name in fragment.text
    assert "HX-Request" in fragment.headers["Vary"]
    page = client.get(f"/school/?q={name.lower()}")
    assert "<html" in page.text and name in page.text


def test_history_restore_and_boosted_requests_get_the_full_page(client, auth):
    auth.login("careers_leader")
    restore = client.get("/school/?q=a", headers=HX | {"HX-History-Restore-Request": "true"})
    boosted = client.get("/school/?q=a", headers=HX | {"HX-Boosted": "true"})
    assert "<html" in restore.text and "<html" in boosted.text


def test_year_filter_and_empty_state(client, auth):
    auth.login("careers_leader")
    year_ten = client.get("/school/?year=10", headers=HX).text
    assert "7 students" in year_ten
    nobody = client.get("/school/?q=zzzzzz", headers=HX).text
    assert "0 students" in nobody and "No students match." in nobody


def test_bad_query_strings_do_not_break_the_list(client, auth):
    auth.login("careers_leader")
    for query in ("?page=-3", "?page=x", "?year=abc", "?q=" + "%" * 300, "?q=%27%3B--"):
        assert client.get("/school/" + query).status_code == 200
