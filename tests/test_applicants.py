"""Employers and their applicants (placements/applicants.py): the list per placement, an applicant's
page, and the employer's actions, through the real views on the real database."""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from placements import applicants, applications, vocab, workflow
from placements.extensions import db
from placements.models import (
    Application,
    ApplicationEvent,
    AuditEvent,
    Notification,
    Placement,
    StudentNeed,
    User,
)
from tests.application_helpers import act, make_application, student_ids
from tests.conftest import give_password
from tests.discover_helpers import HX, add_placement

ALL_YEARS = (7, 8, 9, 10, 11, 12, 13)
TODAY = date.today()
VIEWED_NEEDS = "application.view_shared_needs"


@pytest.fixture
def placement_id(app):
    return add_placement(app, "Studio visit", years=ALL_YEARS, capacity=2)


def _get(app, application_id: int) -> Application:
    with app.app_context():
        application = db.session.get(Application, application_id)
        application.placement  # noqa: B018 (loaded for use after the context ends)
        return application


def _status(app, application_id: int) -> str:
    return _get(app, application_id).status


def _filled(app, placement_id: int) -> int:
    with app.app_context():
        return db.session.get(Placement, placement_id).places_filled


def _audits(app) -> list[AuditEvent]:
    with app.app_context():
        return db.session.scalars(select(AuditEvent).where(AuditEvent.action == VIEWED_NEEDS)).all()


def _employer_id(app, email: str = "employer1@placements.example") -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def _started(app, placement_id: int, days_ago: int = 1) -> None:
    """Move a placement into the past (its dates only), so attendance can be recorded."""
    with app.app_context():
        placement = db.session.get(Placement, placement_id)
        placement.start_date = placement.end_date = TODAY - timedelta(days=days_ago)
        placement.application_deadline = TODAY - timedelta(days=days_ago + 7)
        db.session.commit()


def _student_with_private_details(app, student_id: int) -> dict[str, str]:
    """Give a student needs, SEN, disadvantage, a district and legal names; return what must never show."""
    with app.app_context():
        user = db.session.get(User, student_id)
        profile = user.student_profile
        user.last_name = "Featherstonehaugh"
        profile.needs = [
            StudentNeed(feature="step_free_access", priority="must"),
            StudentNeed(feature="quiet_space", priority="preferred"),
        ]
        profile.sen_provision = "E"
        profile.disadvantaged = True
        profile.home_outcode = "SE15"
        profile.upn = "A123456789012"
        profile.legal_first_name = "Zaraphina"
        profile.legal_last_name = "Legalname"
        db.session.commit()
        return {
            "first_name": user.first_name,
            "school": user.school.name,
            "year": f"Year {profile.year_group}",
            "secrets": [
                user.last_name,
                user.email,
                profile.home_outcode,
                profile.upn,
                profile.legal_first_name,
                profile.legal_last_name,
                vocab.SEN_PROVISION["E"],
                "disadvantaged",
                "Pupil premium",
            ],
        }


def _checked(html: str, value: str) -> bool:
    return re.search(rf'<input[^>]*\bchecked\b[^>]*value="{value}"', html) is not None


def _act_url(application_id: int, action: str) -> str:
    return f"/employer/applicants/{application_id}/{action}"


# --- pure parts -----------------------------------------------------------------------------------------


def test_groups_cover_every_status_an_employer_sees_once():
    groups = [statuses for _, statuses in applicants.GROUPS.values()]
    assert set().union(*groups) == workflow.VISIBLE_TO_EMPLOYER
    assert sum(len(g) for g in groups) == len(workflow.VISIBLE_TO_EMPLOYER)


def test_withdrawn_or_cancelled_is_visible_only_after_the_school_passed_it_on():
    assert workflow.visible_to_employer("withdrawn", ["submitted", "awaiting_consent"]) is False
    assert workflow.visible_to_employer("cancelled", ["submitted", "awaiting_consent", "with_employer"]) is True
    assert workflow.visible_to_employer("offered", []) is True
    assert workflow.visible_to_employer("awaiting_consent", ["with_employer"]) is False


def _placement(start: date, days: int, start_time=time(9), end_time=time(16)):
    return SimpleNamespace(
        start_date=start, end_date=start + timedelta(days=days - 1), start_time=start_time, end_time=end_time
    )


def test_planned_hours_counts_weekdays_times_daily_hours():
    monday = date(2027, 3, 1)
    assert monday.weekday() == 0
    assert applicants.planned_hours(_placement(monday, 5)) == 35
    assert applicants.planned_hours(_placement(monday + timedelta(days=4), 4, time(9), time(15))) == 12  # Fri-Mon
    assert applicants.planned_hours(_placement(monday + timedelta(days=5), 1)) == 7  # a Saturday event
    assert applicants.planned_hours(_placement(monday, 1, time(9, 30), time(12))) == 2.5
    assert applicants.planned_hours(_placement(monday, 200)) == 500  # capped as the form is
    assert applicants.planned_hours(_placement(monday, 1, time(15), time(9))) is None


# --- the list per placement ---------------------------------------------------------------------------------


def _mixed(app, placement_id: int) -> dict[str, int]:
    """One application in each of several statuses: {status: application id}."""
    statuses = ["submitted", "awaiting_consent", "with_employer", "waitlisted", "offered"]
    students = student_ids(app, count=len(statuses))
    return {
        s: make_application(app, student, placement_id, s, share_needs=True)
        for s, student in zip(statuses, students, strict=True)
    }


def test_list_shows_passed_on_applicants_with_status_next_step_and_places_left(app, client, auth, placement_id):
    ids = _mixed(app, placement_id)
    auth.login("employer")
    response = client.get(f"/employer/applicants/placement/{placement_id}")
    assert response.status_code == 200
    page = response.text
    for status in ("with_employer", "waitlisted", "offered"):
        application = _get(app, ids[status])
        with app.app_context():
            student = db.session.get(Application, ids[status]).student
            row = page.split(f'<tr id="application-{ids[status]}">')[1].split("</tr>")[0]
            assert student.user.first_name in row
            assert student.user.school.name in row
            assert f"Year {student.year_group}" in row
            assert student.user.last_name not in page and student.user.email not in page
        assert workflow.STATUSES[application.status] in row
        assert workflow.next_step(application.status, "employer") in row
    for status in ("submitted", "awaiting_consent"):
        assert f'id="application-{ids[status]}"' not in page
    assert "1 filled, <strong>1 left</strong> of 2" in page
    assert "3 applicants" in page
    assert "New (1)" in page and "On the waiting list (1)" in page and "Offered a place (1)" in page
    # The list never shows needs, so it writes no audit of them.
    assert "Step-free access" not in page
    assert _audits(app) == []


def test_the_filter_returns_a_fragment_for_htmx_and_a_page_otherwise(app, client, auth, placement_id):
    ids = _mixed(app, placement_id)
    auth.login("employer")
    url = f"/employer/applicants/placement/{placement_id}?status=new"
    fragment = client.get(url, headers=HX)
    assert "<html" not in fragment.text
    assert "HX-Request" in fragment.headers["Vary"]
    assert f'id="application-{ids["with_employer"]}"' in fragment.text
    assert f'id="application-{ids["offered"]}"' not in fragment.text
    page = client.get(url)
    assert "<html" in page.text and '<option value="new" selected>' in page.text
    restored = client.get(url, headers=HX | {"HX-History-Restore-Request": "true"})
    assert "<html" in restored.text


def test_an_unknown_filter_or_page_shows_everything(app, client, auth, placement_id):
    ids = _mixed(app, placement_id)
    auth.login("employer")
    response = client.get(f"/employer/applicants/placement/{placement_id}?status=nonsense&page=-4")
    assert response.status_code == 200
    assert all(f'id="application-{ids[s]}"' in response.text for s in ("with_employer", "waitlisted", "offered"))


def test_the_list_paginates_and_keeps_the_filter(app, client, auth, placement_id):
    app.config["PAGE_SIZE"] = 2
    for student in student_ids(app, count=3):
        make_application(app, student, placement_id, "with_employer")
    auth.login("employer")
    first = client.get(f"/employer/applicants/placement/{placement_id}?status=new")
    assert "Page 1 of 2" in first.text and first.text.count('<tr id="application-') == 2
    assert f"/employer/applicants/placement/{placement_id}?page=2&amp;status=new" in first.text
    second = client.get(f"/employer/applicants/placement/{placement_id}?status=new&page=2")
    assert second.text.count('<tr id="application-') == 1


def test_empty_states(app, client, auth, placement_id):
    auth.login("employer")
    assert "No applicants yet." in client.get(f"/employer/applicants/placement/{placement_id}").text
    (student,) = student_ids(app)
    make_application(app, student, placement_id, "with_employer")
    filtered = client.get(f"/employer/applicants/placement/{placement_id}?status=confirmed", headers=HX)
    assert "No applicants are confirmed." in filtered.text
    assert "Show all applicants" in filtered.text


def test_the_dashboard_count_links_to_the_applicants(app, client, auth, placement_id):
    first, second, third = student_ids(app, count=3)
    make_application(app, first, placement_id, "with_employer")
    make_application(app, second, placement_id, "with_employer")
    make_application(app, third, placement_id, "submitted")  # not passed on yet: not counted
    auth.login("employer")
    page = client.get("/employer/").text
    link = f'<a href="/employer/applicants/placement/{placement_id}">2<span class="visually-hidden"> applicants for'
    assert link in page


# --- who may see what -----------------------------------------------------------------------------------


def test_another_organisation_gets_404_everywhere(app, client, auth, placement_id):
    (student,) = student_ids(app)
    application_id = make_application(app, student, placement_id, "with_employer")
    give_password(app, "employer2@placements.example")
    auth.login("employer2@placements.example")
    assert client.get(f"/employer/applicants/placement/{placement_id}").status_code == 404
    assert client.get(f"/employer/applicants/{application_id}").status_code == 404
    assert client.get(_act_url(application_id, "reject")).status_code == 404
    assert client.post(_act_url(application_id, "offer")).status_code == 404
    assert _status(app, application_id) == "with_employer"
    assert _audits(app) == []


@pytest.mark.parametrize("status", ["submitted", "awaiting_consent", "returned", "declined_by_school"])
def test_applications_the_school_has_not_passed_on_are_404(app, client, auth, placement_id, status):
    (student,) = student_ids(app)
    application_id = make_application(app, student, placement_id, status)
    auth.login("employer")
    assert client.get(f"/employer/applicants/{application_id}").status_code == 404
    assert client.post(_act_url(application_id, "offer")).status_code == 404
    assert client.post(_act_url(application_id, "cancel"), data={"reason": "x"}).status_code == 404
    assert _status(app, application_id) == status


def test_malformed_ids_and_unknown_actions_are_404(app, client, auth, placement_id):
    (student,) = student_ids(app)
    application_id = make_application(app, student, placement_id, "with_employer")
    auth.login("employer")
    for url in (
        "/employer/applicants/0",
        "/employer/applicants/abc",
        "/employer/applicants/placement/999999",
        "/employer/applicants/placement/x",
        _act_url(application_id, "nonsense"),
        _act_url(application_id, "approve"),  # a careers leader's action
        _act_url(application_id, "accept"),  # a student's
        _act_url(999999, "offer"),
    ):
        assert client.post(url).status_code in (404, 405), url
        assert client.get(url).status_code == 404, url
    assert _status(app, application_id) == "with_employer"


def test_withdrawn_before_the_school_passed_it_on_never_reaches_the_employer(app, client, auth, placement_id):
    """A fix to applications.py: withdrawn and cancelled are visible statuses, but only for applications
    the school had passed on."""
    early, late = student_ids(app, count=2)
    hidden = make_application(app, early, placement_id, "submitted")
    shown = make_application(app, late, placement_id, "with_employer")
    employer_id = _employer_id(app)
    with app.test_request_context():
        for application_id in (hidden, shown):
            act(db.session.get(Application, application_id), "withdraw")
            db.session.commit()
        links = db.session.scalars(select(Notification.link).where(Notification.user_id == employer_id)).all()
        assert f"/employer/applicants/{shown}" in links
        assert f"/employer/applicants/{hidden}" not in links
        assert applications.counts_by_placement([placement_id]) == {placement_id: 1}
    auth.login("employer")
    assert client.get(f"/employer/applicants/{hidden}").status_code == 404
    assert client.get(f"/employer/applicants/{shown}").status_code == 200
    listing = client.get(f"/employer/applicants/placement/{placement_id}?status=closed").text
    assert f'id="application-{shown}"' in listing and f'id="application-{hidden}"' not in listing


def test_the_detail_shows_only_what_the_employer_may_see(app, client, auth, placement_id):
    (student,) = student_ids(app, year=10)
    known = _student_with_private_details(app, student)
    application_id = make_application(
        app, student, placement_id, "with_employer", answer="I love design.\nAnd I want to learn.", share_needs=True
    )
    auth.login("employer")
    response = client.get(f"/employer/applicants/{application_id}")
    assert response.status_code == 200
    page = response.text
    for shown in (known["first_name"], known["school"], known["year"], "<p>I love design.</p>", "Step-free access"):
        assert shown in page, shown
    assert "Quiet space" in page
    for secret in known["secrets"]:
        assert secret not in page, secret


def test_each_view_of_shared_needs_is_audited_without_content(app, client, auth, placement_id):
    (student,) = student_ids(app, year=10)
    _student_with_private_details(app, student)
    application_id = make_application(app, student, placement_id, "with_employer", share_needs=True)
    auth.login("employer")
    client.get(f"/employer/applicants/placement/{placement_id}")
    assert _audits(app) == []
    client.get(f"/employer/applicants/{application_id}")
    client.get(f"/employer/applicants/{application_id}")
    audits = _audits(app)
    assert [(a.actor_id, a.object_type, a.object_id) for a in audits] == [
        (_employer_id(app), "Application", application_id)
    ] * 2
    for audit in audits:  # who, what, when; never the needs themselves
        assert not any("Step-free" in str(getattr(audit, column)) for column in ("action", "object_type"))


def test_needs_not_shared_are_not_shown_or_audited(app, client, auth, placement_id):
    (student,) = student_ids(app, year=10)
    _student_with_private_details(app, student)
    application_id = make_application(app, student, placement_id, "with_employer", share_needs=False)
    auth.login("employer")
    page = client.get(f"/employer/applicants/{application_id}").text
    assert "has not shared any access needs with you" in page
    assert "Step-free access" not in page and "Quiet space" not in page
    assert _audits(app) == []


# --- offering, the waiting list, declining ---------------------------------------------------------------


def test_offer_without_javascript_redirects_with_a_message(app, client, auth, placement_id):
    (student,) = student_ids(app)
    application_id = make_application(app, student, placement_id, "with_employer")
    auth.login("employer")
    response = client.post(_act_url(application_id, "offer"))
    assert response.status_code == 303
    assert response.headers["Location"] == f"/employer/applicants/{application_id}"
    assert _status(app, application_id) == "offered"
    assert _filled(app, placement_id) == 1
    page = client.get(response.headers["Location"]).text
    assert "is offered a place. We have told them and their school." in page
    with app.app_context():
        latest = db.session.scalar(
            select(Notification.message).where(Notification.user_id == student).order_by(Notification.id.desc())
        )
        assert latest == "Your application to Studio visit: place offered."


def test_offer_with_htmx_swaps_the_status_section(app, client, auth, placement_id):
    (student,) = student_ids(app)
    application_id = make_application(app, student, placement_id, "with_employer")
    auth.login("employer")
    response = client.post(_act_url(application_id, "offer"), headers=HX)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert response.text.lstrip().startswith('<section id="applicant-status"')
    assert "Place offered" in response.text and "1 left of 2" in response.text
    assert "is offered a place" in response.text


def test_a_double_submitted_offer_takes_one_place(app, client, auth, placement_id):
    (student,) = student_ids(app)
    application_id = make_application(app, student, placement_id, "with_employer")
    auth.login("employer")
    assert client.post(_act_url(application_id, "offer")).status_code == 303
    again = client.post(_act_url(application_id, "offer"))
    assert again.status_code == 303
    assert "Already done" in client.get(again.headers["Location"]).text
    again_htmx = client.post(_act_url(application_id, "offer"), headers=HX)
    assert again_htmx.status_code == 200 and "Already done" in again_htmx.text
    assert _filled(app, placement_id) == 1
    with app.app_context():
        offers = db.session.scalar(
            select(func.count()).where(
                ApplicationEvent.application_id == application_id, ApplicationEvent.action == "offer"
            )
        )
        assert offers == 1


@pytest.mark.parametrize("headers", [{}, HX])
def test_offering_when_full_is_409_and_changes_nothing(app, client, auth, headers):
    placement_id = add_placement(app, "One place", years=ALL_YEARS, capacity=1)
    first, second = student_ids(app, count=2)
    waiting = make_application(app, second, placement_id, "with_employer")
    make_application(app, first, placement_id, "offered")
    auth.login("employer")
    detail = client.get(f"/employer/applicants/{waiting}").text
    assert "The one place is taken. Add them to the waiting list" in detail and "Offer a place</button>" not in detail
    with app.app_context():
        events_before = db.session.scalar(select(func.count()).select_from(ApplicationEvent))
    response = client.post(_act_url(waiting, "offer"), headers=headers)
    assert response.status_code == 409
    assert "All the places on this placement are taken" in response.text
    assert "Add to the waiting list</button>" in response.text
    assert _status(app, waiting) == "with_employer"
    assert _filled(app, placement_id) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ApplicationEvent)) == events_before


def test_waitlist_then_offer_when_a_place_is_free(app, client, auth, placement_id):
    (student,) = student_ids(app)
    application_id = make_application(app, student, placement_id, "with_employer")
    auth.login("employer")
    response = client.post(_act_url(application_id, "waitlist"), headers=HX)
    assert response.status_code == 200 and "On the waiting list" in response.text
    assert "Offer a place</button>" in response.text
    assert client.post(_act_url(application_id, "offer")).status_code == 303
    assert _status(app, application_id) == "offered"


def test_decline_needs_a_reason_and_keeps_nothing_half_done(app, client, auth, placement_id):
    (student,) = student_ids(app)
    application_id = make_application(app, student, placement_id, "with_employer")
    auth.login("employer")
    detail = client.get(f"/employer/applicants/{application_id}").text
    assert "Decline the application</a>" in detail and "Cancel the application" not in detail
    page = client.get(_act_url(application_id, "reject"))
    assert page.status_code == 200 and "Why are you not offering a place?" in page.text
    empty = client.post(_act_url(application_id, "reject"), data={"reason": "   "})
    assert empty.status_code == 422
    assert "Give a reason: the student and their school will read it." in empty.text
    assert _status(app, application_id) == "with_employer"
    done = client.post(_act_url(application_id, "reject"), data={"reason": "We had many strong applicants."})
    assert done.status_code == 303
    assert _status(app, application_id) == "declined_by_employer"
    with app.app_context():
        event = db.session.scalar(
            select(ApplicationEvent)
            .where(ApplicationEvent.application_id == application_id)
            .order_by(ApplicationEvent.id.desc())
        )
        assert (event.action, event.note) == ("reject", "We had many strong applicants.")


def test_cancel_asks_first_needs_a_reason_and_gives_the_place_to_the_waiting_list(app, client, auth):
    placement_id = add_placement(app, "One place", years=ALL_YEARS, capacity=1)
    first, second = student_ids(app, count=2)
    waiting = make_application(app, second, placement_id, "waitlisted")
    holder = make_application(app, first, placement_id, "offered")
    auth.login("employer")
    detail = client.get(f"/employer/applicants/{holder}").text
    assert "Cancel the application</a>" in detail and "Decline the application" not in detail
    page = client.get(_act_url(holder, "cancel"))
    assert page.status_code == 200
    assert "application?</h1>" in page.text and "Their place goes to the first person on the waiting list" in page.text
    assert "Cancel the application</button>" in page.text and "Keep it</a>" in page.text
    assert client.post(_act_url(holder, "cancel"), data={"reason": ""}).status_code == 422
    assert _status(app, holder) == "offered"
    response = client.post(_act_url(holder, "cancel"), data={"reason": "Our studio is closed that week."})
    assert response.status_code == 303
    assert _get(app, holder).cancel_reason == "Our studio is closed that week."
    assert (_status(app, holder), _status(app, waiting)) == ("cancelled", "offered")
    assert _filled(app, placement_id) == 1


def test_an_action_not_possible_now_is_a_clear_409_or_a_redirect(app, client, auth, placement_id):
    (student,) = student_ids(app)
    application_id = make_application(app, student, placement_id, "with_employer")
    auth.login("employer")
    response = client.post(_act_url(application_id, "no_show"))
    assert response.status_code == 409
    assert "Did not attend is not possible: the application is with the employer." in response.text
    page = client.get(_act_url(application_id, "complete"))
    assert page.status_code == 302 and page.headers["Location"] == f"/employer/applicants/{application_id}"
    assert _status(app, application_id) == "with_employer"


# --- after the placement: attendance and feedback ---------------------------------------------------------


def test_attendance_cannot_be_recorded_before_the_placement_starts(app, client, auth, placement_id):
    (student,) = student_ids(app)
    application_id = make_application(app, student, placement_id, "confirmed")
    auth.login("employer")
    detail = client.get(f"/employer/applicants/{application_id}").text
    assert "Once the placement starts on" in detail and "Confirm attendance and give feedback" not in detail
    response = client.post(_act_url(application_id, "no_show"))
    assert response.status_code == 409 and "You can record attendance once the placement has started" in response.text
    assert _status(app, application_id) == "confirmed"


def test_the_feedback_form_starts_from_the_plan(app, client, auth, placement_id):
    with app.app_context():
        db.session.get(Placement, placement_id).meaningful_criteria = {"employer_task", "reflection"}
        db.session.commit()
    (student,) = student_ids(app)
    application_id = make_application(app, student, placement_id, "confirmed")
    _started(app, placement_id)
    auth.login("employer")
    detail = client.get(f"/employer/applicants/{application_id}").text
    assert "Confirm attendance and give feedback</a>" in detail and "They did not attend</a>" in detail
    page = client.get(_act_url(application_id, "complete"))
    assert page.status_code == 200
    assert "<legend>What the placement included</legend>" in page.text
    assert 'value="6"' in page.text  # 09:00 to 15:00 on one day
    assert _checked(page.text, "employer_task")
    assert not _checked(page.text, "purpose_shared")
    assert 'value="reflection"' not in page.text  # the student's reflection covers it


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ("0", "more than 0 and at most 500"),
        ("501", "more than 0 and at most 500"),
        ("nan", "more than 0 and at most 500"),
        ("lots", "Enter the hours as a number, like 6.5."),
        ("", "Enter the hours the student attended."),
    ],
)
def test_feedback_form_errors_are_422_and_keep_what_was_typed(app, client, auth, placement_id, hours, message):
    (student,) = student_ids(app)
    application_id = make_application(app, student, placement_id, "confirmed")
    _started(app, placement_id)
    auth.login("employer")
    data = {"feedback": "Asked brilliant questions.", "criteria": ["two_way_interaction"], "hours": hours}
    response = client.post(_act_url(application_id, "complete"), data=data)
    assert response.status_code == 422
    assert message in response.text and "There is a problem" in response.text
    assert "Asked brilliant questions.</textarea>" in response.text
    assert _checked(response.text, "two_way_interaction")
    assert _status(app, application_id) == "confirmed"


def test_feedback_is_required_and_reflection_is_not_the_employers_to_tick(app, client, auth, placement_id):
    (student,) = student_ids(app)
    application_id = make_application(app, student, placement_id, "confirmed")
    _started(app, placement_id)
    auth.login("employer")
    empty = client.post(_act_url(application_id, "complete"), data={"feedback": " ", "hours": "6"})
    assert empty.status_code == 422 and "Give the student some feedback on their work." in empty.text
    reflection = client.post(
        _act_url(application_id, "complete"), data={"feedback": "Good.", "hours": "6", "criteria": ["reflection"]}
    )
    assert reflection.status_code == 422
    assert _status(app, application_id) == "confirmed"


def test_confirming_attendance_records_feedback_criteria_and_hours(app, client, auth, placement_id):
    (student,) = student_ids(app)
    application_id = make_application(app, student, placement_id, "confirmed")
    _started(app, placement_id)
    auth.login("employer")
    data = {
        "feedback": "Asked brilliant questions and finished the brief.",
        "criteria": ["employer_task", "employer_feedback"],
        "hours": "5.5",
    }
    response = client.post(_act_url(application_id, "complete"), data=data)
    assert response.status_code == 303
    application = _get(app, application_id)
    assert application.status == "completed"
    assert application.feedback == "Asked brilliant questions and finished the brief."
    assert application.criteria_met_keys == {"employer_task", "employer_feedback"}
    assert application.hours_attended == 5.5
    page = client.get(response.headers["Location"]).text
    assert "attendance and your feedback are recorded" in page
    assert "Asked brilliant questions and finished the brief." in page and "5.5" in page
    assert client.post(_act_url(application_id, "complete"), data=data).status_code == 303  # a second click
    assert _get(app, application_id).hours_attended == 5.5


def test_did_not_attend_asks_first(app, client, auth, placement_id):
    (student,) = student_ids(app)
    application_id = make_application(app, student, placement_id, "confirmed")
    _started(app, placement_id)
    auth.login("employer")
    page = client.get(_act_url(application_id, "no_show"))
    assert page.status_code == 200 and "did not attend?</h1>" in page.text
    assert _status(app, application_id) == "confirmed"
    assert client.post(_act_url(application_id, "no_show")).status_code == 303
    assert _status(app, application_id) == "no_show"
    assert _filled(app, placement_id) == 1  # the place was used


# --- cancelling the placement -----------------------------------------------------------------------------


def test_cancelling_a_placement_cancels_every_open_application_and_tells_them(app, client, auth, placement_id):
    students = student_ids(app, count=5)
    ids = {
        status: make_application(app, student, placement_id, status)
        for status, student in zip(
            ["offered", "with_employer", "submitted", "declined_by_school", "waitlisted"], students, strict=True
        )
    }
    with app.app_context():
        notes_before = db.session.scalar(select(func.count()).select_from(Notification))
    auth.login("employer")
    response = client.post(f"/employer/placements/{placement_id}/cancel", data={"reason": "Our office is moving."})
    assert response.status_code == 302
    assert "We have told the 4 students who applied, and their schools." in client.get("/employer/").text
    statuses = {status: _get(app, i).status for status, i in ids.items()}
    assert statuses == {
        "offered": "cancelled",
        "with_employer": "cancelled",
        "submitted": "cancelled",
        "declined_by_school": "declined_by_school",
        "waitlisted": "cancelled",  # not offered the place the cancelled offer freed
    }
    assert _get(app, ids["offered"]).cancel_reason == "Our office is moving."
    assert _filled(app, placement_id) == 0
    with app.app_context():
        placement = db.session.get(Placement, placement_id)
        assert (placement.status, placement.cancel_reason) == ("cancelled", "Our office is moving.")
        for status in ("offered", "with_employer", "submitted", "waitlisted"):
            application = db.session.get(Application, ids[status])
            messages = db.session.scalars(
                select(Notification.message).where(Notification.user_id == application.student.user_id)
            ).all()
            assert any("Studio visit: cancelled" in m for m in messages), (status, messages)
            assert not any("offered it" in m for m in messages)
        leader = db.session.scalar(select(User).where(User.email == "careers1@placements.example"))
        school_links = db.session.scalars(select(Notification.link).where(Notification.user_id == leader.id)).all()
        assert all(f"/school/applications/{ids[s]}" in school_links for s in ("offered", "submitted"))
        assert db.session.scalar(select(func.count()).select_from(Notification)) > notes_before


def test_cancelling_a_placement_without_applications_says_nothing_about_them(app, client, auth, placement_id):
    auth.login("employer")
    client.post(f"/employer/placements/{placement_id}/cancel", data={"reason": "Our office is moving."})
    page = client.get("/employer/").text
    assert "“Studio visit” is cancelled." in page and "We have told" not in page


def test_the_employer_list_only_counts_what_it_shows(app, placement_id):
    """counts_by_placement and the list share one visibility rule."""
    students = student_ids(app, count=3)
    make_application(app, students[0], placement_id, "with_employer")
    cancelled_early = make_application(app, students[1], placement_id, "submitted")
    with app.test_request_context():
        applications.transition(
            db.session.get(Application, cancelled_early),
            "cancel",
            db.session.scalar(select(User).where(User.email == "careers1@placements.example")),
            note="Clash with exams.",
        )
        db.session.commit()
        assert applications.counts_by_placement([placement_id]) == {placement_id: 1}
