"""Students apply, follow their applications and answer offers (placements/applying.py)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from placements.extensions import db
from placements.models import Application, Placement, StudentProfile, User
from tests.application_helpers import act, make_application, student_ids
from tests.conftest import DEMO_EMAILS, give_password
from tests.discover_helpers import add_placement, counted_queries, set_profile

ALL_YEARS = (7, 8, 9, 10, 11, 12, 13)
QUESTION = "What would you most like to find out?"
NOTE_WITHOUT_NEEDS = (
    "Southwark Digital Studio’s staff will see: your first name, your school, your year group, your answer.\n"
    "  They will never see your surname, email, home area or SEN information."
)
NOTE_WITH_NEEDS = (
    "Southwark Digital Studio’s staff will see: your first name, your school, your year group, your answer, "
    "and your access needs: Quiet space, Step-free access.\n"
    "  They will never see your surname, email, home area or SEN information."
)


@pytest.fixture
def placement_id(app):
    placement_id = add_placement(app, "Studio visit", years=ALL_YEARS, capacity=3)
    _set(app, placement_id, applicant_question=QUESTION)
    return placement_id


@pytest.fixture
def student(app, auth):
    """The demo student, with two recorded access needs, signed in."""
    set_profile(app, needs={"step_free_access": "must", "quiet_space": "preferred"})
    auth.login("student")
    return _user_id(app, DEMO_EMAILS["student"])


def _set(app, placement_id: int, **values) -> None:
    with app.app_context():
        placement = db.session.get(Placement, placement_id)
        for key, value in values.items():
            setattr(placement, key, value)
        db.session.commit()


def _user_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def _applications_to(app, placement_id: int) -> list[Application]:
    with app.app_context():
        rows = db.session.scalars(select(Application).where(Application.placement_id == placement_id)).all()
        db.session.expunge_all()
        return rows


def _status(app, application_id: int) -> str:
    with app.app_context():
        return db.session.get(Application, application_id).status


def _apply_url(placement_id: int) -> str:
    return f"/student/applications/new/{placement_id}"


def _main(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


# --- the apply page -------------------------------------------------------------------------------------


def test_apply_page_asks_the_question_and_says_who_sees_what(client, student, placement_id):
    response = client.get(_apply_url(placement_id))
    assert response.status_code == 200
    html = response.text
    assert f'<label for="answer">{QUESTION}</label>' in html
    assert "You can use up to 1,500 characters." in html
    assert "maxlength" not in html  # the server counts, and says so, rather than cutting text short
    assert "Your careers leader sees your whole application." in html
    assert NOTE_WITHOUT_NEEDS in html
    assert '<label for="share_needs">Share my access needs with Southwark Digital Studio</label>' in html
    checkbox = re.search(r"<input[^>]*id=\"share_needs\"[^>]*>", html).group(0)
    assert "checked" not in checkbox  # off by default (ICO Children's Code: sharing off by default)
    assert "they will also see your access needs: Quiet space, Step-free access." in html


def test_a_student_without_recorded_needs_is_not_offered_the_share_box(client, auth, app, placement_id):
    set_profile(app, needs={})
    auth.login("student")
    html = client.get(_apply_url(placement_id)).text
    assert "You have no access needs recorded in" in html
    assert 'name="share_needs"' not in html
    # Even a hand-made request cannot mark an application as sharing needs that do not exist.
    response = client.post(_apply_url(placement_id), data={"answer": "Hello", "share_needs": "y"})
    assert response.status_code == 303
    assert _applications_to(app, placement_id)[0].share_needs is False


def test_applying_sends_it_to_the_school_and_shows_it(client, student, app, placement_id):
    response = client.post(_apply_url(placement_id), data={"answer": "  How apps are made.  ", "share_needs": "y"})
    assert response.status_code == 303
    [application] = _applications_to(app, placement_id)
    assert response.headers["Location"] == f"/student/applications/{application.id}"
    assert (application.status, application.answer, application.share_needs) == (
        "submitted",
        "How apps are made.",
        True,
    )
    page = client.get(response.headers["Location"]).text
    assert "Your application is sent. Your careers leader will check it first." in page
    assert "Waiting for school approval" in page
    assert "Your careers leader will check your application." in page
    assert "Your careers leader sees your whole application. " + NOTE_WITH_NEEDS in page
    assert "<strong>Application sent</strong>: You," in page


def test_sharing_needs_stays_off_unless_ticked(client, student, app, placement_id):
    assert client.post(_apply_url(placement_id), data={"answer": "Yes please"}).status_code == 303
    [application] = _applications_to(app, placement_id)
    assert application.share_needs is False
    page = client.get(f"/student/applications/{application.id}").text
    assert NOTE_WITHOUT_NEEDS in page and "Not shared" in page


def test_a_too_long_answer_is_refused_and_kept(client, student, app, placement_id):
    answer = "word " * 300 + "end"  # 1,503 characters
    response = client.post(_apply_url(placement_id), data={"answer": answer, "share_needs": "y"})
    assert response.status_code == 422
    assert "Keep your answer to 1,500 characters or fewer." in response.text
    assert answer.strip() in response.text
    assert re.search(r'id="share_needs"[^>]*checked', response.text) or re.search(
        r'checked[^>]*id="share_needs"', response.text
    )
    assert _applications_to(app, placement_id) == []


def test_line_breaks_count_as_one_character_each(client, student, app, placement_id):
    # Browsers send CRLF: 15 lines of 99 letters are 1,514 characters as sent, 1,499 as the student sees them.
    answer = ("x" * 99 + "\r\n") * 15
    assert client.post(_apply_url(placement_id), data={"answer": answer}).status_code == 303
    assert _applications_to(app, placement_id)[0].answer == ("x" * 99 + "\n") * 14 + "x" * 99


def test_the_employers_question_needs_an_answer(client, student, app, placement_id):
    response = client.post(_apply_url(placement_id), data={"answer": "   "})
    assert response.status_code == 422
    assert "Answer the employer&#39;s question." in response.text
    assert _applications_to(app, placement_id) == []


def test_without_a_question_the_message_is_optional(client, student, app):
    placement_id = add_placement(app, "Open morning", years=ALL_YEARS)
    html = client.get(_apply_url(placement_id)).text
    assert "Anything you would like the employer to know (optional)" in html
    assert client.post(_apply_url(placement_id), data={"answer": ""}).status_code == 303
    assert _applications_to(app, placement_id)[0].answer is None


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"application_deadline_days": -1}, "This placement is not taking applications."),
        ({"status": "closed"}, "This placement is not taking applications."),
        ({"places_filled": 3}, "This placement is not taking applications."),
        ({"years": (13,)}, "This placement is not open to Year 7."),
    ],
    ids=["deadline-passed", "closed", "full", "wrong-year"],
)
def test_a_placement_the_student_cannot_apply_to_says_why(client, student, app, placement_id, values, message):
    from datetime import date, timedelta

    values = dict(values)
    if "application_deadline_days" in values:
        values["application_deadline"] = date.today() + timedelta(days=values.pop("application_deadline_days"))
    if "years" in values:
        values["year_groups"] = values.pop("years")
    set_profile(app, year_group=7)
    _set(app, placement_id, **values)
    page = client.get(_apply_url(placement_id))
    assert page.status_code == 200
    assert message in page.text and 'name="answer"' not in page.text
    # Sent anyway (the page was open before it closed): the reason, and the answer kept.
    response = client.post(_apply_url(placement_id), data={"answer": "My carefully typed answer"})
    assert response.status_code == 422
    assert message in response.text and "My carefully typed answer" in response.text
    assert _applications_to(app, placement_id) == []


def test_applying_twice_links_to_the_first_application(client, student, app, placement_id):
    first = client.post(_apply_url(placement_id), data={"answer": "First"})
    assert first.status_code == 303
    again = client.post(_apply_url(placement_id), data={"answer": "Second go"})
    assert again.status_code == 422
    assert "You have already applied to this placement." in again.text
    assert f'<a href="{first.headers["Location"]}">See your application</a>' in again.text
    assert "Second go" in again.text
    assert [a.answer for a in _applications_to(app, placement_id)] == ["First"]
    page = client.get(_apply_url(placement_id))
    assert page.status_code == 200 and "You have already applied to this placement." in page.text


@pytest.mark.parametrize("status", ["draft", "cancelled"])
def test_drafts_cancelled_and_unknown_placements_are_not_found(client, student, app, status):
    placement_id = add_placement(app, "Hidden", years=ALL_YEARS, status=status)
    assert client.get(_apply_url(placement_id)).status_code == 404
    assert client.post(_apply_url(placement_id), data={"answer": "x"}).status_code == 404
    assert client.get(_apply_url(999999)).status_code == 404


# --- my applications ------------------------------------------------------------------------------------


def test_my_applications_newest_first_with_status_and_next_step(client, student, app, placement_id):
    second = add_placement(app, "Second visit", years=ALL_YEARS)
    client.post(_apply_url(placement_id), data={"answer": "A"})
    client.post(_apply_url(second), data={"answer": "B"})
    html = _main(client.get("/student/applications/").text)
    titles = re.findall(r'<h2 class="card-title"><a href="/student/applications/\d+">([^<]+)</a>', html)
    assert titles[:2] == ["Second visit", "Studio visit"]
    assert "Behind the scenes: a workplace visit" in titles  # the demo application, with the employer
    assert "The employer is reading your application." in html
    assert "Your careers leader will check your application." in html


def test_my_applications_is_paginated(client, student, app, placement_id):
    app.config["PAGE_SIZE"] = 2
    for title in ("One", "Two"):
        client.post(_apply_url(add_placement(app, title, years=ALL_YEARS)), data={"answer": "x"})
    first = client.get("/student/applications/").text
    assert "Page 1 of 2" in first and 'rel="next"' in first
    second = client.get("/student/applications/?page=2").text
    assert second.count('class="card"') == 1
    assert client.get("/student/applications/?page=banana").status_code == 200


def test_no_applications_yet_points_to_placements(client, app):
    email = "student45@placements.example"
    with app.app_context():
        profile_id = db.session.scalar(select(StudentProfile.id).join(User).where(User.email == email))
        assert not db.session.scalar(select(func.count()).where(Application.student_profile_id == profile_id))
    give_password(app, email)
    from tests.conftest import AuthActions

    AuthActions(client).login(email)
    html = client.get("/student/applications/").text
    assert "You have not applied for a placement yet." in html
    assert 'href="/student/recommendations/"' in html and 'href="/placements/"' in html
    assert "You have not applied for a placement yet." in client.get("/student/").text


def test_the_student_home_summarises_applications(client, student, app, placement_id):
    client.post(_apply_url(placement_id), data={"answer": "x"})
    html = client.get("/student/").text
    assert "Your applications" in html
    assert "Studio visit</a> (Southwark Digital Studio):\n          waiting for school approval." in html
    assert "Your careers leader will check your application." in html


# --- the placement page ---------------------------------------------------------------------------------


def test_the_placement_page_offers_apply_then_links_to_the_application(client, student, app, placement_id):
    html = client.get(f"/placements/{placement_id}").text
    assert f'<a class="button" href="/student/applications/new/{placement_id}">Apply' in html
    location = client.post(_apply_url(placement_id), data={"answer": "x"}).headers["Location"]
    html = client.get(f"/placements/{placement_id}").text
    assert "Apply<" not in html
    assert f'You applied: waiting for school approval. <a href="{location}">See your application</a>' in html


def test_the_placement_page_offers_no_apply_to_others(client, auth, app, placement_id):
    assert "/student/applications/new/" not in client.get(f"/placements/{placement_id}").text
    auth.login("employer")
    assert "/student/applications/new/" not in client.get(f"/placements/{placement_id}").text
    auth.logout()
    set_profile(app, year_group=7)
    _set(app, placement_id, year_groups=(12, 13))
    auth.login("student")
    html = client.get(f"/placements/{placement_id}").text
    assert "/student/applications/new/" not in html and "This placement is not open to Year 7." in html


# --- one application: detail, timeline and actions ------------------------------------------------------


def _make(app, placement_id: int, status: str, **extra) -> int:
    return make_application(app, _user_id(app, DEMO_EMAILS["student"]), placement_id, status, **extra)


def test_the_timeline_names_roles_never_people(client, student, app, placement_id):
    application_id = _make(app, placement_id, "offered")
    with app.app_context():
        staff = db.session.scalars(select(User).where(User.role.in_(("careers_leader", "employer")))).all()
        names = {f"{u.first_name} {u.last_name}" for u in staff}
    html = _main(client.get(f"/student/applications/{application_id}").text)
    for expected in (
        "<strong>Application sent</strong>: You,",
        "<strong>Approved by your school</strong>: Your careers leader,",
        "<strong>Parental consent recorded</strong>: Your careers leader,",
        "<strong>Place offered</strong>: The employer,",
        "You have been offered a place: accept or decline it.",
    ):
        assert expected in html
    assert not [name for name in names if name in html]


def test_a_returned_application_shows_the_comment_and_can_be_sent_again(client, student, app, placement_id):
    application_id = _make(app, placement_id, "returned", share_needs=False)
    url = f"/student/applications/{application_id}"
    html = client.get(url).text
    assert "Your careers leader’s comment" in html and "A reason written in the test." in html
    assert f'href="{url}/resubmit">Change your answer and send it again' in html
    form = client.get(f"{url}/resubmit").text
    assert "I like computers.</textarea>" in form  # the answer as sent, ready to change
    response = client.post(f"{url}/resubmit", data={"answer": "Now with more detail.", "share_needs": "y"})
    assert response.status_code == 303 and response.headers["Location"] == url
    [application] = _applications_to(app, placement_id)
    assert (application.status, application.answer, application.share_needs) == (
        "submitted",
        "Now with more detail.",
        True,
    )
    assert "Your application has been sent to your careers leader again." in client.get(url).text


def test_resubmitting_with_errors_keeps_the_text_and_the_status(client, student, app, placement_id):
    application_id = _make(app, placement_id, "returned")
    url = f"/student/applications/{application_id}/resubmit"
    too_long = "y" * 1501
    response = client.post(url, data={"answer": too_long})
    assert response.status_code == 422
    assert "Keep your answer to 1,500 characters or fewer." in response.text and too_long in response.text
    [application] = _applications_to(app, placement_id)
    assert (application.status, application.answer) == ("returned", "I like computers.")


def test_accepting_an_offer(client, student, app, placement_id):
    application_id = _make(app, placement_id, "offered")
    url = f"/student/applications/{application_id}"
    assert f'<form method="post" action="{url}/accept"' in client.get(url).text
    response = client.post(f"{url}/accept")
    assert response.status_code == 303 and response.headers["Location"] == url
    assert _status(app, application_id) == "accepted"
    html = client.get(url).text
    assert "You accepted the place." in html and "Your careers leader will confirm the arrangements." in html


def test_declining_an_offer_asks_first(client, student, app, placement_id):
    application_id = _make(app, placement_id, "offered")
    url = f"/student/applications/{application_id}"
    assert f'<a href="{url}/decline_offer">Decline the offer</a>' in client.get(url).text
    confirm = client.get(f"{url}/decline_offer")
    assert confirm.status_code == 200 and "Decline the place on Studio visit?" in confirm.text
    assert _status(app, application_id) == "offered"  # asking changes nothing
    assert client.post(f"{url}/decline_offer").status_code == 303
    assert _status(app, application_id) == "declined_by_student"


def test_withdrawing_asks_first_and_a_second_click_is_refused_clearly(client, student, app, placement_id):
    application_id = _make(app, placement_id, "with_employer")
    url = f"/student/applications/{application_id}"
    assert f'<a href="{url}/withdraw">Withdraw your application</a>' in client.get(url).text
    confirm = client.get(f"{url}/withdraw")
    assert "Withdraw your application to Studio visit?" in confirm.text
    assert "We will tell your careers leader and Southwark Digital Studio." in confirm.text
    assert _status(app, application_id) == "with_employer"
    response = client.post(f"{url}/withdraw")
    assert response.status_code == 303
    assert _status(app, application_id) == "withdrawn"
    assert "Your application is withdrawn." in client.get(url).text
    again = client.post(f"{url}/withdraw")  # a double click, or the back button
    assert again.status_code == 409
    assert "Withdraw is not possible: the application is withdrawn by the student." in again.text


@pytest.mark.parametrize(
    ("status", "action", "code"),
    [
        ("with_employer", "accept", 409),
        ("submitted", "decline_offer", 409),
        ("offered", "resubmit", 409),
        ("completed", "withdraw", 409),
        ("submitted", "approve", 404),  # a careers leader's action
        ("offered", "offer", 404),  # an employer's action
        ("submitted", "no-such-action", 404),
    ],
)
def test_actions_the_student_may_not_take_now_are_refused(client, student, app, placement_id, status, action, code):
    application_id = _make(app, placement_id, status)
    for method in ("GET", "POST"):
        response = client.open(f"/student/applications/{application_id}/{action}", method=method)
        assert response.status_code == code, method
    assert _status(app, application_id) == status
    if code == 409:
        assert "is not possible: the application is" in response.text


def test_completed_shows_feedback_and_takes_a_reflection(client, student, app, placement_id):
    application_id = _make(app, placement_id, "completed")
    url = f"/student/applications/{application_id}"
    html = client.get(url).text
    assert "Feedback from Southwark Digital Studio" in html
    assert "Worked hard and asked good questions." in html and "You attended for 6.5 hours." in html
    assert "What your placement included" in html
    assert "Write a short reflection on what you learned." in html
    empty = client.post(f"{url}/reflection", data={"reflection": "  "})
    assert empty.status_code == 422 and "Write your reflection first." in empty.text
    long = client.post(f"{url}/reflection", data={"reflection": "z" * 3001})
    assert long.status_code == 422 and "z" * 3001 in long.text
    saved = client.post(f"{url}/reflection", data={"reflection": "I learned how a studio plans its week."})
    assert saved.status_code == 303
    html = client.get(url).text
    assert "Thank you: your reflection is saved." in html
    assert "I learned how a studio plans its week.</textarea>" in html
    assert "Nothing more to do. Thank you for your reflection." in html
    with app.app_context():
        assert db.session.get(Application, application_id).reflection == "I learned how a studio plans its week."


def test_no_reflection_before_the_placement_is_completed(client, student, app, placement_id):
    application_id = _make(app, placement_id, "confirmed")
    url = f"/student/applications/{application_id}"
    assert "/reflection" not in client.get(url).text
    response = client.post(f"{url}/reflection", data={"reflection": "Too early"})
    assert response.status_code == 409
    assert "You can reflect once the employer has confirmed you attended." in response.text


def test_a_cancelled_application_shows_the_reason(client, student, app, placement_id):
    application_id = _make(app, placement_id, "cancelled")
    html = client.get(f"/student/applications/{application_id}").text
    assert "Why it was cancelled" in html and "A reason written in the test." in html
    assert "What you can do" not in html


def test_a_place_offered_from_the_waiting_list_says_it_was_automatic(client, student, app):
    placement_id = add_placement(app, "Tiny studio", years=ALL_YEARS, capacity=1)
    other = student_ids(app, count=3)[2]
    mine = _make(app, placement_id, "waitlisted")
    holder = make_application(app, other, placement_id, "offered")
    with app.test_request_context():
        act(db.session.get(Application, holder), "withdraw")
        db.session.commit()
    html = client.get(f"/student/applications/{mine}").text
    assert "<strong>Place offered</strong>: Placements, automatically," in html
    assert "<q>A place came free.</q>" in html


# --- access ---------------------------------------------------------------------------------------------


def test_another_students_application_is_not_found(client, auth, app, placement_id):
    other = student_ids(app, count=3)[2]
    application_id = make_application(app, other, placement_id, "offered")
    auth.login("student")
    base = f"/student/applications/{application_id}"
    assert client.get(base).status_code == 404
    for path in ("/accept", "/withdraw", "/decline_offer", "/resubmit"):
        assert client.get(base + path).status_code == 404
        assert client.post(base + path).status_code == 404
    assert client.post(base + "/reflection", data={"reflection": "x"}).status_code == 404
    assert _status(app, application_id) == "offered"
    assert client.get("/student/applications/999999").status_code == 404


@pytest.mark.parametrize("role", ["careers_leader", "employer", "admin"])
def test_staff_cannot_use_the_student_pages(client, auth, app, placement_id, role):
    application_id = _make(app, placement_id, "offered")
    auth.login(role)
    base = "/student/applications"
    for method, path in [
        ("GET", f"{base}/"),
        ("GET", f"{base}/new/{placement_id}"),
        ("POST", f"{base}/new/{placement_id}"),
        ("GET", f"{base}/{application_id}"),
        ("GET", f"{base}/{application_id}/withdraw"),
        ("POST", f"{base}/{application_id}/accept"),
        ("POST", f"{base}/{application_id}/reflection"),
    ]:
        assert client.open(path, method=method).status_code == 403, (method, path)
    assert _status(app, application_id) == "offered"


def test_signed_out_visitors_are_sent_to_sign_in(client, placement_id):
    response = client.get(_apply_url(placement_id))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_student_home_adds_two_small_queries(client, student, app, placement_id):
    """The home page's summary is a COUNT and one joined SELECT, however many applications there are."""
    for title in ("One", "Two", "Three", "Four"):
        client.post(_apply_url(add_placement(app, title, years=ALL_YEARS)), data={"answer": "x"})
    with counted_queries(app) as statements:
        assert client.get("/student/").status_code == 200
    on_applications = [s for s in statements if "FROM application" in s]
    assert len(on_applications) == 2, on_applications


# --- a withdrawal before the school passed it on stays away from the employer (fix in applications.py) ---


@pytest.mark.parametrize("before", ["submitted", "returned", "awaiting_consent"])
def test_withdrawing_before_the_employer_has_it_keeps_it_from_them(client, student, app, placement_id, before):
    from werkzeug.exceptions import NotFound

    from placements import applications
    from placements.models import Notification

    application_id = _make(app, placement_id, before, share_needs=True)
    assert client.post(f"/student/applications/{application_id}/withdraw").status_code == 303
    employer_id = _user_id(app, DEMO_EMAILS["employer"])
    with app.app_context():
        assert not db.session.scalars(select(Notification).where(Notification.user_id == employer_id)).all()
        assert applications.counts_by_placement([placement_id]) == {}
        with pytest.raises(NotFound):
            applications.get_for_employer(application_id, db.session.get(User, employer_id))


def test_withdrawing_after_the_employer_has_it_tells_them(client, student, app, placement_id):
    from placements import applications
    from placements.models import Notification

    application_id = _make(app, placement_id, "with_employer")
    assert client.post(f"/student/applications/{application_id}/withdraw").status_code == 303
    employer_id = _user_id(app, DEMO_EMAILS["employer"])
    with app.app_context():
        messages = db.session.scalars(select(Notification.message).where(Notification.user_id == employer_id)).all()
        assert messages == [
            "An applicant to Studio visit: with the employer.",
            "An applicant to Studio visit: withdrawn by the student.",
        ]
        assert applications.counts_by_placement([placement_id]) == {placement_id: 1}
        employer = db.session.get(User, employer_id)
        assert applications.get_for_employer(application_id, employer).status == "withdrawn"
