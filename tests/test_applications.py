"""The application service (placements/applications.py) on the real database."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.exceptions import NotFound

from placements import applications, vocab
from placements.applications import ApplicationError, NoPlaceLeft
from placements.extensions import db
from placements.models import (
    Application,
    AuditEvent,
    Notification,
    Organisation,
    OutboxMessage,
    Placement,
    StudentNeed,
    StudentProfile,
    User,
)
from tests.application_helpers import CONSENT, FEEDBACK, act, make_application, student_ids
from tests.conftest import AuthActions, give_password, make_app, reset_database
from tests.discover_helpers import add_placement

ALL_YEARS = (7, 8, 9, 10, 11, 12, 13)


@pytest.fixture
def placement_id(app):
    return add_placement(app, "Studio visit", years=ALL_YEARS, capacity=2)


def _get(application_id: int) -> Application:
    return db.session.get(Application, application_id)


def _status_counts(placement_id: int) -> dict[str, int]:
    rows = db.session.execute(
        select(Application.status, func.count())
        .where(Application.placement_id == placement_id)
        .group_by(Application.status)
    )
    return dict(rows.all())


def _filled(placement_id: int) -> int:
    db.session.expire_all()
    return db.session.get(Placement, placement_id).places_filled


# --- applying ----------------------------------------------------------------------------------------


def test_apply_submits_to_the_school_and_tells_its_careers_leader(app, placement_id):
    (student_id,) = student_ids(app)
    application_id = make_application(app, student_id, placement_id, answer="Because I love design.")
    with app.app_context():
        application = _get(application_id)
        assert application.status == "submitted"
        assert application.answer == "Because I love design."
        assert application.share_needs is False
        assert application.school_id == application.student.school_id
        assert [e.action for e in application.events] == ["submit"]
        leader = db.session.scalar(select(User).where(User.email == "careers1@placements.example"))
        note = db.session.scalar(select(Notification).where(Notification.user_id == leader.id))
        assert "applied to Studio visit" in note.message
        assert note.link == f"/school/applications/{application_id}"
        assert db.session.scalar(select(func.count()).where(OutboxMessage.recipient == leader.email)) == 1


def test_one_application_per_student_per_placement(app, placement_id):
    (student_id,) = student_ids(app)
    make_application(app, student_id, placement_id)
    with app.test_request_context():
        with pytest.raises(ApplicationError, match="already applied"):
            applications.apply(
                db.session.get(User, student_id),
                db.session.get(Placement, placement_id),
                answer=None,
                share_needs=False,
            )
        assert _status_counts(placement_id) == {"submitted": 1}


@pytest.mark.parametrize(
    ("placement_kwargs", "message"),
    [
        ({"status": "closed"}, "not taking applications"),
        ({"deadline_in": -1, "start_in": 5}, "not taking applications"),
        ({"capacity": 1, "filled": 1}, "not taking applications"),
        ({"years": (12, 13)}, "not open to Year 7"),
    ],
)
def test_apply_refuses_placements_not_open_to_the_student(app, placement_kwargs, message):
    placement_id = add_placement(app, "Closed visit", **({"years": ALL_YEARS} | placement_kwargs))
    (student_id,) = student_ids(app, year=7)
    with app.test_request_context(), pytest.raises(ApplicationError, match=message):
        applications.apply(
            db.session.get(User, student_id),
            db.session.get(Placement, placement_id),
            answer=None,
            share_needs=False,
        )


def test_apply_refuses_long_answers_and_leavers(app, placement_id):
    (student_id,) = student_ids(app)
    with app.test_request_context():
        student = db.session.get(User, student_id)
        placement = db.session.get(Placement, placement_id)
        with pytest.raises(ApplicationError, match="1500 characters"):
            applications.apply(student, placement, answer="x" * 1501, share_needs=False)
        student.student_profile.left_at = date.today()
        with pytest.raises(ApplicationError, match="current students"):
            applications.apply(student, placement, answer="ok", share_needs=False)
        assert _status_counts(placement_id) == {}


# --- the workflow through the service --------------------------------------------------------------------


def test_full_flow_records_every_step(app, placement_id):
    (student_id,) = student_ids(app)
    application_id = make_application(app, student_id, placement_id, "completed")
    with app.app_context():
        application = _get(application_id)
        assert [e.action for e in application.events] == [
            "submit",
            "approve",
            "record_consent",
            "offer",
            "accept",
            "confirm",
            "complete",
        ]
        assert application.feedback == FEEDBACK.text
        assert application.criteria_met_keys == {"employer_task"}
        assert application.hours_attended == 6.5
        assert application.consent.given_by == "Sam Parent"
        assert _filled(placement_id) == 1


def test_virtual_placements_skip_consent(app):
    placement_id = add_placement(app, "Online insight", mode="virtual", years=ALL_YEARS)
    (student_id,) = student_ids(app)
    application_id = make_application(app, student_id, placement_id, "submitted")
    with app.test_request_context():
        application = act(_get(application_id), "approve")
        assert application.status == "with_employer"


def test_illegal_action_is_refused_and_nothing_changes(app, placement_id):
    (student_id,) = student_ids(app)
    application_id = make_application(app, student_id, placement_id, "submitted")
    with app.test_request_context():
        with pytest.raises(ApplicationError, match="not possible"):
            act(_get(application_id), "offer")
        db.session.expire_all()
        assert _get(application_id).status == "submitted"
        assert _filled(placement_id) == 0


def test_reasons_are_required_and_kept(app, placement_id):
    (student_id,) = student_ids(app)
    application_id = make_application(app, student_id, placement_id, "submitted")
    with app.test_request_context():
        with pytest.raises(ApplicationError, match="reason"):
            act(_get(application_id), "return", note="   ")
        application = act(_get(application_id), "return", note="Say more about why.")
        db.session.commit()
        assert application.status == "returned"
        assert application.school_comment == "Say more about why."
        assert application.events[-1].note == "Say more about why."


def test_consent_for_a_child_needs_the_risk_assessment_findings(app, placement_id):
    (student_id,) = student_ids(app, year=9)
    application_id = make_application(app, student_id, placement_id, "awaiting_consent")
    with app.test_request_context():
        with pytest.raises(ApplicationError, match="risk assessment"):
            act(_get(application_id), "record_consent", consent=replace(CONSENT, risk_findings_shared=False))
        with pytest.raises(ApplicationError, match="who gave consent"):
            act(_get(application_id), "record_consent", consent=replace(CONSENT, given_by=" "))
        with pytest.raises(ApplicationError, match="future"):
            act(_get(application_id), "record_consent", consent=replace(CONSENT, given_on=date.today() + timedelta(1)))
        with pytest.raises(ApplicationError, match="how consent"):
            act(_get(application_id), "record_consent", consent=replace(CONSENT, method="telepathy"))
        application = act(_get(application_id), "record_consent")
        db.session.commit()
        assert application.status == "with_employer"
        assert [c.version for c in application.consents] == [1]


def test_consent_for_sixth_formers_needs_no_risk_findings(app, placement_id):
    (student_id,) = student_ids(app, year=12)
    application_id = make_application(app, student_id, placement_id, "awaiting_consent")
    with app.test_request_context():
        application = act(_get(application_id), "record_consent", consent=replace(CONSENT, risk_findings_shared=False))
        assert application.status == "with_employer"


@pytest.mark.parametrize(
    ("feedback", "message"),
    [
        (replace(FEEDBACK, text=""), "feedback"),
        (replace(FEEDBACK, criteria=frozenset({"nonsense"})), "criteria"),
        (replace(FEEDBACK, hours=0), "hours"),
        (replace(FEEDBACK, hours=501), "hours"),
    ],
)
def test_completion_needs_valid_feedback(app, placement_id, feedback, message):
    (student_id,) = student_ids(app)
    application_id = make_application(app, student_id, placement_id, "confirmed")
    with app.test_request_context():
        with pytest.raises(ApplicationError, match=message):
            act(_get(application_id), "complete", feedback=feedback)
        db.session.expire_all()
        assert _get(application_id).status == "confirmed"


def test_reflection_only_after_completion(app, placement_id):
    first, second = student_ids(app, count=2)
    confirmed = make_application(app, first, placement_id, "confirmed")
    completed = make_application(app, second, placement_id, "completed")
    with app.test_request_context():
        with pytest.raises(ApplicationError, match="attended"):
            applications.reflect(_get(confirmed), _get(confirmed).student.user, "Good.")
        with pytest.raises(ApplicationError, match="reflection first"):
            applications.reflect(_get(completed), _get(completed).student.user, "  ")
        applications.reflect(_get(completed), _get(completed).student.user, " I learned to plan. ")
        db.session.commit()
        assert _get(completed).reflection == "I learned to plan."
        assert _get(completed).reflected_at is not None


def test_a_stale_page_cannot_move_an_application_twice(app, placement_id):
    (student_id,) = student_ids(app)
    application_id = make_application(app, student_id, placement_id, "with_employer")
    with app.test_request_context():
        first = _get(application_id)
        act(first, "offer")
        db.session.commit()
        assert _filled(placement_id) == 1
    # A second request that loaded the application before the first committed.
    with app.test_request_context():
        stale = _get(application_id)
        set_committed_value(stale, "status", "with_employer")  # what that request saw
        with pytest.raises(ApplicationError, match="Someone else changed"):
            act(stale, "offer")
        assert _filled(placement_id) == 1


# --- capacity and the waiting list -------------------------------------------------------------------------


def test_offers_stop_at_capacity(app, placement_id):
    ids = [make_application(app, s, placement_id, "with_employer") for s in student_ids(app, count=3)]
    with app.test_request_context():
        act(_get(ids[0]), "offer")
        act(_get(ids[1]), "offer")
        db.session.commit()
        with pytest.raises(NoPlaceLeft, match="waiting list"):
            act(_get(ids[2]), "offer")
        db.session.expire_all()
        assert _get(ids[2]).status == "with_employer"
        assert _filled(placement_id) == 2


def test_withdrawal_offers_the_place_to_the_first_on_the_waiting_list(app, placement_id):
    students = student_ids(app, count=4)
    # Applications close when the places are gone, so the waiting list applies first.
    waiting = [make_application(app, s, placement_id, "waitlisted") for s in students[2:]]
    confirmed = [make_application(app, s, placement_id, "confirmed") for s in students[:2]]
    with app.test_request_context():
        act(_get(confirmed[0]), "withdraw")
        db.session.commit()
        db.session.expire_all()
        assert _get(confirmed[0]).status == "withdrawn"
        assert _get(waiting[0]).status == "offered"
        assert _get(waiting[1]).status == "waitlisted"
        assert _filled(placement_id) == 2
        note = db.session.scalar(
            select(Notification).where(Notification.user_id == students[2]).order_by(Notification.id.desc())
        )
        assert "place came free" in note.message


@pytest.mark.parametrize(("status", "action"), [("offered", "decline_offer"), ("accepted", "cancel")])
def test_other_releases_also_go_to_the_waiting_list(app, placement_id, status, action):
    students = student_ids(app, count=3)
    waiting = make_application(app, students[2], placement_id, "waitlisted")
    holder = make_application(app, students[0], placement_id, status)
    make_application(app, students[1], placement_id, "offered")
    with app.test_request_context():
        act(_get(holder), action)
        db.session.commit()
        db.session.expire_all()
        assert _get(waiting).status == "offered"
        assert _filled(placement_id) == 2


def test_cancelling_a_placement_cancels_its_open_applications(app, placement_id):
    students = student_ids(app, count=3)
    ids = [
        make_application(app, students[0], placement_id, "confirmed"),
        make_application(app, students[1], placement_id, "submitted"),
        make_application(app, students[2], placement_id, "declined_by_school"),
    ]
    with app.test_request_context():
        placement = db.session.get(Placement, placement_id)
        placement.status = "cancelled"
        placement.cancel_reason = "Office flooded"
        employer = db.session.scalar(select(User).where(User.email == "employer1@placements.example"))
        assert applications.cancel_open_applications(placement, employer, "Office flooded") == 2
        db.session.commit()
        db.session.expire_all()
        assert [_get(i).status for i in ids] == ["cancelled", "cancelled", "declined_by_school"]
        assert _get(ids[0]).cancel_reason == "Office flooded"
        assert _filled(placement_id) == 0


# --- what employers see ------------------------------------------------------------------------------------


def _student_with_needs(app) -> int:
    (student_id,) = student_ids(app, year=10)
    with app.app_context():
        profile = db.session.scalar(select(StudentProfile).where(StudentProfile.user_id == student_id))
        profile.needs = [StudentNeed(feature="step_free_access", priority="must")]
        profile.sen_provision = "E"
        db.session.commit()
    return student_id


@pytest.mark.parametrize("share", [True, False])
def test_employer_sees_limited_fields_and_shared_needs_only_by_choice(app, placement_id, share):
    student_id = _student_with_needs(app)
    application_id = make_application(app, student_id, placement_id, "with_employer", share_needs=share)
    with app.test_request_context():
        employer = db.session.scalar(select(User).where(User.email == "employer1@placements.example"))
        application = applications.get_for_employer(application_id, employer)
        view = applications.applicant_view(application, employer)
        db.session.commit()
        student = db.session.get(User, student_id)
        assert view.first_name == student.first_name
        assert view.year_group == 10
        assert view.school == student.school.name
        shown = repr(view)
        assert student.last_name not in shown and student.email not in shown and "'E'" not in shown
        audits = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "application.view_shared_needs")
        ).all()
        if share:
            assert view.shared_needs == ["Step-free access"]
            assert [(a.actor_id, a.object_id) for a in audits] == [(employer.id, application_id)]
        else:
            assert view.shared_needs is None
            assert audits == []


def test_employers_cannot_open_applications_the_school_has_not_passed_on(app, placement_id):
    (student_id,) = student_ids(app)
    application_id = make_application(app, student_id, placement_id, "awaiting_consent")
    with app.test_request_context():
        employer = db.session.scalar(select(User).where(User.email == "employer1@placements.example"))
        other_employer = db.session.scalar(select(User).where(User.email == "employer2@placements.example"))
        with pytest.raises(NotFound):
            applications.get_for_employer(application_id, employer)
        act(_get(application_id), "record_consent")
        db.session.commit()
        assert applications.get_for_employer(application_id, employer).id == application_id
        with pytest.raises(NotFound):
            applications.get_for_employer(application_id, other_employer)
        other_leader = db.session.scalar(select(User).where(User.email == "careers2@placements.example"))
        with pytest.raises(NotFound):
            applications.get_for_school(application_id, other_leader)
        other_student = db.session.get(User, student_ids(app, count=2)[1])
        with pytest.raises(NotFound):
            applications.get_for_student(application_id, other_student)


def test_notifications_never_carry_send_details(app, placement_id):
    student_id = _student_with_needs(app)
    make_application(app, student_id, placement_id, "completed", share_needs=True)
    with app.app_context():
        texts = [n.message for n in db.session.scalars(select(Notification))]
        texts += [m.subject + m.body for m in db.session.scalars(select(OutboxMessage))]
        assert len(texts) > 10
        words = list(vocab.ACCESS_FEATURES.values()) + list(vocab.SEN_PROVISION.values()) + ["SEN", "EHC"]
        for text in texts:
            assert not any(word in text for word in words), text


def test_counts_by_placement_count_only_what_employers_see(app, placement_id):
    students = student_ids(app, count=3)
    make_application(app, students[0], placement_id, "submitted")
    make_application(app, students[1], placement_id, "with_employer")
    make_application(app, students[2], placement_id, "offered")
    with app.app_context():
        assert applications.counts_by_placement([placement_id]) == {placement_id: 2}
        assert applications.counts_by_placement([]) == {}


# --- capacity under concurrency (security.md A5) -----------------------------------------------------------

THREADS = 36
PLACES = 5


def _in_parallel(app, jobs) -> list[str]:
    """Run each job(session-bound callable) in its own thread, app context and database connection,
    released together by a barrier. Returns "ok" or "refused" per job."""
    barrier = threading.Barrier(len(jobs))
    results: list[str] = [""] * len(jobs)

    def run(index, job):
        with app.test_request_context():
            try:
                db.session.connection()  # hold a connection of this thread's own before the start
                barrier.wait()
                job()
                db.session.commit()
                results[index] = "ok"
            except ApplicationError:
                db.session.rollback()
                results[index] = "refused"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(results), results
    return results


def _action_job(application_id: int, action: str):
    return lambda: act(_get(application_id), action)


@pytest.fixture
def busy_app():
    # Enough pooled connections for every thread to hold its own at once.
    app = make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": THREADS + 4, "max_overflow": 0, "pool_timeout": 60})
    reset_database(app)
    return app


def test_simultaneous_offers_and_acceptances_never_exceed_capacity(busy_app):
    app = busy_app
    placement_id = add_placement(app, "Popular studio", years=ALL_YEARS, capacity=PLACES)
    students = [s for urn in ("999001", "999002") for s in student_ids(app, school_urn=urn, count=THREADS // 2)]
    ids = [make_application(app, s, placement_id, "with_employer") for s in students]

    # 36 offers at once for 5 places: exactly 5 succeed.
    results = _in_parallel(app, [_action_job(i, "offer") for i in ids])
    assert results.count("ok") == PLACES
    with app.app_context():
        offered = [i for i in ids if _get(i).status == "offered"]
        assert len(offered) == PLACES and _filled(placement_id) == PLACES
        for i in ids:
            if i not in offered:
                act(_get(i), "waitlist")
        db.session.commit()
        waiting = [i for i in ids if i not in offered]

    # The 5 acceptances race 31 more offers to the waiting list: every offer is refused.
    jobs = [_action_job(i, "accept") for i in offered] + [_action_job(i, "offer") for i in waiting]
    results = _in_parallel(app, jobs)
    assert results[:PLACES] == ["ok"] * PLACES
    assert results[PLACES:] == ["refused"] * len(waiting)
    with app.test_request_context():
        for i in offered:
            act(_get(i), "confirm")
        db.session.commit()
        assert _status_counts(placement_id) == {"confirmed": PLACES, "waitlisted": THREADS - PLACES}
        assert _filled(placement_id) == PLACES

    # Two confirmed students withdraw while the employer offers to the whole waiting list at once:
    # the freed places are taken once each, by the automatic offer or by the employer.
    jobs = [_action_job(i, "withdraw") for i in offered[:2]] + [_action_job(i, "offer") for i in waiting]
    results = _in_parallel(app, jobs)
    assert results[:2] == ["ok", "ok"]
    with app.app_context():
        counts = _status_counts(placement_id)
        assert counts["confirmed"] == PLACES - 2
        assert counts["offered"] == 2
        assert counts["withdrawn"] == 2
        assert counts["waitlisted"] == THREADS - PLACES - 2
        assert _filled(placement_id) == PLACES


def _parallel_posts(app, requests: list[tuple[object, str]]) -> list[int]:
    """POST each (signed-in test client, url) at the same moment from its own thread; the status codes."""
    barrier = threading.Barrier(len(requests))
    codes = [0] * len(requests)

    def run(index, client, url):
        barrier.wait()
        codes[index] = client.post(url).status_code

    threads = [threading.Thread(target=run, args=(i, c, u)) for i, (c, u) in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return codes


def _signed_in_clients(app, who: str, count: int) -> list:
    """`count` test clients sharing one signed-in session (each request still has its own connection)."""
    first = app.test_client()
    assert AuthActions(first).login(who).status_code == 302
    cookie = first.get_cookie("session")
    clients = []
    for _ in range(count):
        client = app.test_client()
        client.set_cookie("session", cookie.value, domain=cookie.domain)
        clients.append(client)
    return clients


def test_simultaneous_offer_and_accept_requests_over_http(busy_app):
    """The same race through the web pages: 36 employer offer requests at once, then acceptances racing
    further offers; exactly 5 students end up confirmed."""
    app = busy_app
    placement_id = add_placement(app, "Popular studio", years=ALL_YEARS, capacity=PLACES)
    students = [s for urn in ("999001", "999002") for s in student_ids(app, school_urn=urn, count=THREADS // 2)]
    ids = [make_application(app, s, placement_id, "with_employer") for s in students]
    employer = _signed_in_clients(app, "employer", THREADS)

    codes = _parallel_posts(app, [(c, f"/employer/applicants/{i}/offer") for c, i in zip(employer, ids, strict=True)])
    assert sorted(codes) == [303] * PLACES + [409] * (THREADS - PLACES)
    with app.app_context():
        offered = [i for i in ids if _get(i).status == "offered"]
        emails = {i: _get(i).student.user.email for i in offered}
    assert len(offered) == PLACES

    accepting = []
    for application_id in offered:
        give_password(app, emails[application_id])
        (client,) = _signed_in_clients(app, emails[application_id], 1)
        accepting.append((client, f"/student/applications/{application_id}/accept"))
    others = [(c, f"/employer/applicants/{i}/offer") for c, i in zip(employer, ids, strict=True) if i not in offered]
    codes = _parallel_posts(app, accepting + others)
    assert codes[:PLACES] == [303] * PLACES
    assert set(codes[PLACES:]) == {409}

    leader = _signed_in_clients(app, "careers_leader", 1)[0]
    give_password(app, "careers2@placements.example")
    second_school = _signed_in_clients(app, "careers2@placements.example", 1)[0]
    for application_id in offered:
        responses = [c.post(f"/school/applications/{application_id}/confirm") for c in (leader, second_school)]
        assert sorted(r.status_code for r in responses) == [303, 404]  # only the student's own school
    with app.app_context():
        assert _status_counts(placement_id) == {"confirmed": PLACES, "with_employer": THREADS - PLACES}
        assert _filled(placement_id) == PLACES


# --- organisations that are no longer approved; what was shared, and for how long ------------------------


def _reject_employer1(app) -> None:
    with app.app_context():
        organisation = db.session.scalar(select(Organisation).where(Organisation.name == "Southwark Digital Studio"))
        organisation.status = "rejected"
        db.session.commit()


def test_a_rejected_organisation_sees_no_applicants_and_gets_no_applications(app, placement_id, client):
    first, second = student_ids(app, count=2)
    application_id = make_application(app, first, placement_id, "with_employer", share_needs=True)
    _reject_employer1(app)
    with app.test_request_context():
        employer = db.session.scalar(select(User).where(User.email == "employer1@placements.example"))
        with pytest.raises(NotFound):
            applications.get_for_employer(application_id, employer)
        with pytest.raises(ApplicationError, match="not taking applications"):
            applications.apply(
                db.session.get(User, second), db.session.get(Placement, placement_id), answer=None, share_needs=False
            )
    AuthActions(client).login("employer")
    assert client.get(f"/employer/applicants/{application_id}").status_code == 403
    assert client.post(f"/employer/applicants/{application_id}/offer").status_code == 403
    assert client.get(f"/employer/applicants/placement/{placement_id}").status_code == 403
    with app.app_context():
        assert db.session.get(Application, application_id).status == "with_employer"


def test_employers_see_the_needs_shared_at_the_time_and_only_while_the_application_is_open(app, placement_id):
    student_id = _student_with_needs(app)
    application_id = make_application(app, student_id, placement_id, "with_employer", share_needs=True)
    with app.app_context():
        profile = db.session.scalar(select(StudentProfile).where(StudentProfile.user_id == student_id))
        profile.needs.append(StudentNeed(feature="quiet_space", priority="preferred"))  # recorded afterwards
        db.session.commit()
    with app.test_request_context():
        employer = db.session.scalar(select(User).where(User.email == "employer1@placements.example"))
        view = applications.applicant_view(_get(application_id), employer)
        assert view.shared_needs == ["Step-free access"]
        act(_get(application_id), "withdraw")
        db.session.commit()
        before = db.session.scalar(select(func.count()).select_from(AuditEvent))
        ended = applications.applicant_view(_get(application_id), employer)
        assert ended.shared_needs is None and ended.needs_withdrawn
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before  # nothing shown
