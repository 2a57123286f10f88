"""The careers leader's applications: the list, bulk approval, and every action on one application."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from placements import applications
from placements.extensions import db
from placements.models import Application, AuditEvent, Notification, Placement, StudentNeed, StudentProfile, User
from tests.application_helpers import make_application, student_ids
from tests.discover_helpers import HX, add_placement

ALL_YEARS = (7, 8, 9, 10, 11, 12, 13)


@pytest.fixture
def leader(auth):
    auth.login("careers_leader")
    return auth.client


@pytest.fixture
def placement_id(app):
    return add_placement(app, "Design studio visit", years=ALL_YEARS, capacity=3)


def _status(app, application_id: int) -> str:
    with app.app_context():
        return db.session.get(Application, application_id).status


def test_the_list_shows_what_waits_for_the_careers_leader(app, leader, placement_id):
    first, second = student_ids(app, count=2)
    waiting = make_application(app, first, placement_id, "submitted")
    passed_on = make_application(app, second, placement_id, "with_employer")
    page = leader.get("/school/applications/")
    assert page.status_code == 200
    assert f"/school/applications/{waiting}" in page.text
    assert f'href="/school/applications/{passed_on}"' not in page.text  # not waiting for the school
    every = leader.get("/school/applications/?status=")
    assert f"/school/applications/{passed_on}" in every.text
    assert "By status and year group" in page.text


def test_the_list_never_shows_another_schools_applications(app, leader, placement_id):
    (other_student,) = student_ids(app, school_urn="999002")
    other = make_application(app, other_student, placement_id, "submitted")
    page = leader.get("/school/applications/?status=")
    assert f"/school/applications/{other}" not in page.text
    assert leader.get(f"/school/applications/{other}").status_code == 404
    assert leader.post(f"/school/applications/{other}/approve").status_code == 404
    assert _status(app, other) == "submitted"


def test_filters_and_the_htmx_fragment(app, leader, placement_id):
    (year9,) = student_ids(app, year=9)
    (year10,) = student_ids(app, year=10)
    a9 = make_application(app, year9, placement_id)
    a10 = make_application(app, year10, placement_id)
    page = leader.get("/school/applications/?status=submitted&year=9")
    assert f"/school/applications/{a9}" in page.text and f"/school/applications/{a10}" not in page.text
    fragment = leader.get("/school/applications/?status=submitted&year=10", headers=HX)
    assert "<html" not in fragment.text
    assert f"/school/applications/{a10}" in fragment.text and f"/school/applications/{a9}" not in fragment.text
    assert "HX-Request" in fragment.headers["Vary"]
    with app.app_context():
        name = db.session.get(User, year9).last_name
    searched = leader.get(f"/school/applications/?status=&q={name}")
    assert f"/school/applications/{a9}" in searched.text


@pytest.mark.parametrize("query", ["?status=nonsense", "?year=99", "?year=abc&page=-3", "?q=" + "x" * 500])
def test_bad_filters_fall_back_quietly(leader, query):
    assert leader.get("/school/applications/" + query).status_code == 200


def test_empty_state(app, leader):
    with app.app_context():
        for application in db.session.scalars(select(Application)):
            db.session.delete(application)
        db.session.commit()
    page = leader.get("/school/applications/")
    assert "No applications yet" in page.text
    assert "Nothing is waiting for you" in page.text


def test_bulk_approve(app, leader, placement_id):
    students = student_ids(app, count=3)
    (other_school_student,) = student_ids(app, school_urn="999002")
    ticked = [make_application(app, s, placement_id) for s in students[:2]]
    left = make_application(app, students[2], placement_id)
    other = make_application(app, other_school_student, placement_id)
    response = leader.post(
        "/school/applications/approve", data={"application_id": [*map(str, ticked), str(other), "junk"]}
    )
    assert response.status_code == 303
    assert [_status(app, i) for i in ticked] == ["awaiting_consent", "awaiting_consent"]
    assert _status(app, left) == "submitted"
    assert _status(app, other) == "submitted"
    page = leader.get(response.headers["Location"])
    assert "Approved 2 applications." in page.text


def test_bulk_approve_reports_what_it_could_not_do_in_the_fragment(app, leader, placement_id):
    first, second = student_ids(app, count=2)
    fresh = make_application(app, first, placement_id)
    returned = make_application(app, second, placement_id, "returned")
    response = leader.post(
        "/school/applications/approve?status=", data={"application_id": [str(fresh), str(returned)]}, headers=HX
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "Approved 1 application." in response.text
    assert "not possible" in response.text
    assert _status(app, fresh) == "awaiting_consent"


def test_approve_then_record_consent_passes_it_to_the_employer(app, leader, placement_id):
    (student_id,) = student_ids(app, year=10)
    application_id = make_application(app, student_id, placement_id)
    url = f"/school/applications/{application_id}"
    assert "Approve" in leader.get(url).text
    assert leader.post(f"{url}/approve").status_code == 303
    assert _status(app, application_id) == "awaiting_consent"
    page = leader.get(url)
    assert "Record parental consent" in page.text
    assert "below school-leaving age" in page.text

    typed = {
        "consent-given_by": "Alex Example",
        "consent-relationship_to_student": "Father",
        "consent-given_on": date.today().isoformat(),
        "consent-method": "signed_form",
    }
    refused = leader.post(f"{url}/record_consent", data=typed)  # risk findings not confirmed for a child
    assert refused.status_code == 422
    assert "risk assessment" in refused.text
    assert 'value="Alex Example"' in refused.text and 'value="Father"' in refused.text
    assert _status(app, application_id) == "awaiting_consent"

    missing = leader.post(f"{url}/record_consent", data={"consent-given_on": "31/02/2027"})
    assert missing.status_code == 422
    assert "Enter the name of the parent or carer" in missing.text
    assert "Enter a real date" in missing.text

    done = leader.post(f"{url}/record_consent", data=typed | {"consent-risk_findings_shared": "y"})
    assert done.status_code == 303
    assert _status(app, application_id) == "with_employer"
    with app.app_context():
        employer = db.session.scalar(select(User).where(User.email == "employer1@placements.example"))
        assert db.session.scalar(select(Notification).where(Notification.user_id == employer.id))
        assert "Alex Example (Father)" in leader.get(url).text


def test_future_consent_date_is_refused(app, leader, placement_id):
    (student_id,) = student_ids(app, year=12)
    application_id = make_application(app, student_id, placement_id, "awaiting_consent")
    response = leader.post(
        f"/school/applications/{application_id}/record_consent",
        data={
            "consent-given_by": "Alex Example",
            "consent-relationship_to_student": "Carer",
            "consent-given_on": (date.today() + timedelta(days=3)).isoformat(),
            "consent-method": "email",
        },
    )
    assert response.status_code == 422
    assert "cannot be in the future" in response.text
    assert 'value="Alex Example"' in response.text


@pytest.mark.parametrize("action", ["return", "decline"])
def test_return_and_decline_need_a_comment(app, leader, placement_id, action):
    (student_id,) = student_ids(app)
    application_id = make_application(app, student_id, placement_id)
    url = f"/school/applications/{application_id}/{action}"
    empty = leader.post(url, data={f"{action}-note": "  "})
    assert empty.status_code == 422
    assert "Write a short comment" in empty.text
    assert _status(app, application_id) == "submitted"
    assert leader.post(url, data={f"{action}-note": "Tell us more."}).status_code == 303
    with app.app_context():
        application = db.session.get(Application, application_id)
        assert application.status == {"return": "returned", "decline": "declined_by_school"}[action]
        assert application.school_comment == "Tell us more."


def test_confirm_after_the_student_accepts(app, leader, placement_id):
    (student_id,) = student_ids(app)
    application_id = make_application(app, student_id, placement_id, "accepted")
    assert "Confirm the arrangements" in leader.get(f"/school/applications/{application_id}").text
    assert leader.post(f"/school/applications/{application_id}/confirm").status_code == 303
    assert _status(app, application_id) == "confirmed"


def test_cancel_has_a_confirmation_step_and_needs_a_reason(app, leader, placement_id):
    first, second = student_ids(app, count=2)
    waiting = make_application(app, second, placement_id, "waitlisted")
    application_id = make_application(app, first, placement_id, "confirmed")
    confirm = leader.get(f"/school/applications/{application_id}/cancel")
    assert confirm.status_code == 200
    assert "waiting list" in confirm.text and "cannot be undone" in confirm.text
    no_reason = leader.post(f"/school/applications/{application_id}/cancel", data={"cancel-note": ""})
    assert no_reason.status_code == 422
    assert _status(app, application_id) == "confirmed"
    done = leader.post(f"/school/applications/{application_id}/cancel", data={"cancel-note": "Illness"})
    assert done.status_code == 303
    assert _status(app, application_id) == "cancelled"
    assert _status(app, waiting) == "offered"


def test_illegal_and_unknown_actions_are_refused_without_errors(app, leader, placement_id):
    (student_id,) = student_ids(app)
    application_id = make_application(app, student_id, placement_id)
    illegal = leader.post(f"/school/applications/{application_id}/confirm")
    assert illegal.status_code == 409
    assert "not possible" in illegal.text
    assert leader.post(f"/school/applications/{application_id}/offer").status_code == 404
    assert leader.post(f"/school/applications/{application_id}/teleport").status_code == 404
    assert leader.get("/school/applications/999999").status_code == 404
    assert _status(app, application_id) == "submitted"


def test_a_double_click_approves_once(app, leader, placement_id):
    (student_id,) = student_ids(app)
    application_id = make_application(app, student_id, placement_id)
    assert leader.post(f"/school/applications/{application_id}/approve").status_code == 303
    again = leader.post(f"/school/applications/{application_id}/approve")
    assert again.status_code == 409
    with app.app_context():
        application = db.session.get(Application, application_id)
        assert [e.action for e in application.events] == ["submit", "approve"]


def test_the_detail_shows_the_history_and_safeguarding_facts(app, leader, placement_id):
    (student_id,) = student_ids(app)
    application_id = make_application(app, student_id, placement_id, "returned")
    page = leader.get(f"/school/applications/{application_id}")
    assert "History" in page.text
    assert "A reason written in the test." in page.text
    assert "Risk assessment" in page.text and "Safeguarding contact" in page.text


def test_the_student_page_lists_their_applications(app, leader, placement_id):
    (student_id,) = student_ids(app)
    application_id = make_application(app, student_id, placement_id, "returned")
    page = leader.get(f"/school/students/{student_id}")
    assert f"/school/applications/{application_id}" in page.text
    assert "Returned to the student for changes" in page.text


def test_consent_after_an_allocated_offer_then_confirm(app, leader, placement_id):
    (student_id,) = student_ids(app, year=12)
    with app.test_request_context():
        leader_user = db.session.scalar(select(User).where(User.email == "careers1@placements.example"))
        application = applications.allocate_offer(
            db.session.get(User, student_id), db.session.get(Placement, placement_id), leader_user, "Round 1"
        )
        db.session.commit()
        application_id = application.id
        applications.transition(application, "accept", application.student.user)
        db.session.commit()
    url = f"/school/applications/{application_id}"
    assert "Record parental consent" in leader.get(url).text
    refused = leader.post(f"{url}/confirm")
    assert refused.status_code in (409, 422)
    assert _status(app, application_id) == "accepted"
    typed = {
        "consent-given_by": "Alex Example",
        "consent-relationship_to_student": "Carer",
        "consent-given_on": date.today().isoformat(),
        "consent-method": "email",
    }
    assert leader.post(f"{url}/record_consent", data=typed).status_code == 303
    assert _status(app, application_id) == "accepted"
    assert leader.post(f"{url}/confirm").status_code == 303
    assert _status(app, application_id) == "confirmed"


def test_viewing_a_students_access_needs_is_audited(app, leader, placement_id):
    (student_id,) = student_ids(app)
    application_id = make_application(app, student_id, placement_id)
    leader.get(f"/school/applications/{application_id}")
    with app.app_context():
        audits = select(AuditEvent).where(AuditEvent.action == "application.view_needs")
        assert db.session.scalars(audits).all() == []  # nothing to show, nothing audited
        profile = db.session.scalar(select(StudentProfile).where(StudentProfile.user_id == student_id))
        profile.needs = [StudentNeed(feature="quiet_space", priority="must")]
        db.session.commit()
    assert "Quiet space" in leader.get(f"/school/applications/{application_id}").text
    with app.app_context():
        (audit,) = db.session.scalars(audits).all()
        assert (audit.object_type, audit.object_id) == ("Application", application_id)
