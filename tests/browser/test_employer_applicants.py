"""Issue 5, the employer's side, end to end in a real browser with CSRF on.

The demo employer follows the applicant count on their dashboard to a placement's applicants, filters
them, opens an applicant who shared their access needs and offers them the one place, puts a second
applicant on the waiting list, and (for a placement that has happened, set up through the real
workflow) confirms a student's attendance with feedback against the meaningful-experience criteria.
The main steps are taken with the keyboard alone; axe-core checks each distinct page and state.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from placements.extensions import db
from placements.models import Application, Placement, StudentNeed, User
from tests.application_helpers import make_application, student_ids
from tests.browser.conftest import check, sign_in, tab_to
from tests.discover_helpers import add_placement

pytestmark = [pytest.mark.browser]

ALL_YEARS = (7, 8, 9, 10, 11, 12, 13)
TITLE = "One seat in the studio"
PAST_TITLE = "Last month's studio day"


def accessible(page, axe, where: str) -> None:
    problems = check(page, axe, where)
    assert not problems, "\n".join(problems)


def _setup(app) -> dict:
    """Two applicants for a one-place placement (the first shares a need), and a confirmed applicant
    to a placement that took place yesterday."""
    placement_id = add_placement(app, TITLE, years=ALL_YEARS, capacity=1)
    past_id = add_placement(app, PAST_TITLE, years=ALL_YEARS, capacity=3)
    sharer, other, attendee = student_ids(app, count=3)
    with app.app_context():
        profile = db.session.get(User, sharer).student_profile
        profile.needs = [StudentNeed(feature="step_free_access", priority="must")]
        db.session.commit()
    ids = {
        "sharer": make_application(app, sharer, placement_id, "with_employer", share_needs=True),
        "other": make_application(app, other, placement_id, "with_employer"),
        "attendee": make_application(app, attendee, past_id, "confirmed"),
    }
    with app.app_context():
        past = db.session.get(Placement, past_id)
        past.start_date = past.end_date = date.today() - timedelta(days=1)
        past.application_deadline = date.today() - timedelta(days=10)
        db.session.commit()
        names = {key: db.session.get(Application, i).student.user.first_name for key, i in ids.items()}
    assert names["sharer"] != names["other"]
    return {"placement_id": placement_id, "ids": ids, "names": names}


def _status(app, application_id: int) -> Application:
    with app.app_context():
        db.session.expire_all()
        application = db.session.get(Application, application_id)
        db.session.expunge(application)
        return application


def test_employer_reviews_offers_waitlists_and_confirms_attendance(server, page, axe):
    setup = _setup(server.app)
    ids, names, placement_id = setup["ids"], setup["names"], setup["placement_id"]
    list_path = f"/employer/applicants/placement/{placement_id}"
    sign_in(page, server, "employer")
    page.goto(server.url + "/employer/")
    accessible(page, axe, "dashboard")

    # 1. The applicant count on the dashboard leads to the placement's applicants (keyboard only).
    tab_to(page, lambda el: el["href"] == list_path, "the applicant count link")
    page.keyboard.press("Enter")
    page.wait_for_url(server.url + list_path)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Applicants for “{TITLE}”")
    main = page.get_by_role("main")
    expect(main).to_contain_text("0 filled, 1 left of 1")
    expect(main.locator("tbody tr")).to_have_count(2)
    expect(main).not_to_contain_text("Step-free access")  # the list never shows needs
    accessible(page, axe, "applicants list")

    # The filter swaps the results in place and keeps the URL shareable.
    page.get_by_label("Show").select_option("offered")
    expect(main).to_contain_text("No applicants are offered a place.")
    page.wait_for_url(f"{server.url}{list_path}?status=offered")
    page.get_by_label("Show").select_option("new")
    expect(main.locator("tbody tr")).to_have_count(2)
    accessible(page, axe, "applicants list, filtered")

    # 2. The applicant who shared a need: the need is shown (and audited); offer the one place.
    main.get_by_role("link", name=names["sharer"], exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{names['sharer']}’s application")
    expect(page.locator("#shared-needs")).to_have_text("Step-free access")
    accessible(page, axe, "applicant who shared needs")
    tab_to(page, lambda el: el["tag"] == "button" and el["text"] == "Offer a place", "the Offer button")
    page.keyboard.press("Enter")
    status = page.locator("#applicant-status")
    expect(status).to_contain_text(f"{names['sharer']} is offered a place.")
    expect(status).to_contain_text("Place offered")
    expect(status).to_contain_text("0 left of 1")
    expect(status).to_be_focused()  # the keyboard user's place survives the swap (app.js, after settling)
    accessible(page, axe, "after the offer")
    assert _status(server.app, ids["sharer"]).status == "offered"

    # 3. The second applicant: the place is taken, so the waiting list it is.
    page.get_by_role("link", name=f"All applicants for “{TITLE}”").click()
    page.get_by_role("main").get_by_role("link", name=names["other"], exact=True).click()
    status = page.locator("#applicant-status")
    expect(status).to_contain_text("The one place is taken. Add them to the waiting list")
    expect(status.get_by_role("button", name="Offer a place")).to_have_count(0)
    expect(page.get_by_role("main")).to_contain_text("has not shared any access needs with you")
    waitlist = status.get_by_role("button", name="Add to the waiting list")
    waitlist.focus()
    page.keyboard.press("Enter")
    # In the swapped section, or (if the key beat htmx to the freshly loaded page) as the page's message.
    expect(page.get_by_role("main")).to_contain_text(f"{names['other']} is on the waiting list.")
    expect(status).to_contain_text("On the waiting list")
    assert _status(server.app, ids["other"]).status == "waitlisted"

    # 4. After a placement: confirm attendance with feedback against the criteria.
    page.goto(f"{server.url}/employer/applicants/{ids['attendee']}")
    confirm = page.get_by_role("link", name="Confirm attendance and give feedback")
    confirm.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Confirm {names['attendee']} attended, and give feedback"
    )
    hours = page.get_by_label("Hours attended")
    expect(hours).to_have_value("6")  # the planned 09:00 to 15:00
    accessible(page, axe, "feedback form")

    # A mistake first: the error summary takes focus and nothing typed is lost.
    page.get_by_label("Your feedback to the student").fill("Asked brilliant questions and finished the brief.")
    task = page.get_by_role("checkbox", name="A task set by the employer, or a piece of work relevant to the workplace")
    task.focus()
    page.keyboard.press("Space")
    expect(task).to_be_checked()
    hours.fill("0")
    page.get_by_role("button", name="Confirm attendance and send feedback").press("Enter")
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("more than 0 and at most 500")
    expect(summary).to_be_focused()
    expect(page.get_by_label("Your feedback to the student")).to_have_value(
        "Asked brilliant questions and finished the brief."
    )
    expect(task).to_be_checked()
    accessible(page, axe, "feedback form with an error")

    page.get_by_label("Hours attended").fill("5.5")
    feedback_criterion = page.get_by_role("checkbox", name="The employer gives the young person feedback on their work")
    feedback_criterion.focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Confirm attendance and send feedback").press("Enter")
    page.wait_for_url(f"{server.url}/employer/applicants/{ids['attendee']}")
    expect(page.locator(".flashes")).to_contain_text("attendance and your feedback are recorded")
    expect(page.locator("#applicant-status")).to_contain_text("Attended and completed")
    expect(page.locator("#applicant-status")).to_contain_text("Asked brilliant questions and finished the brief.")
    accessible(page, axe, "after confirming attendance")
    completed = _status(server.app, ids["attendee"])
    assert completed.status == "completed"
    assert completed.criteria_met_keys == {"employer_task", "employer_feedback"}
    assert completed.hours_attended == 5.5


def test_keyboard_only_decline_with_a_reason(server, page, axe):
    """The decline page's reason field and button, reached and used with the keyboard alone."""
    placement_id = add_placement(server.app, "Keyboard decline", years=ALL_YEARS, capacity=2)
    student = student_ids(server.app, count=4)[3]
    application_id = make_application(server.app, student, placement_id, "with_employer")
    sign_in(page, server, "employer")
    page.goto(f"{server.url}/employer/applicants/{application_id}")
    tab_to(page, lambda el: el["href"] == f"/employer/applicants/{application_id}/reject", "the Decline link")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server.url}/employer/applicants/{application_id}/reject")
    tab_to(page, lambda el: el["id"] == "reason", "the reason field")
    page.keyboard.type("We could take only Year 12 students this time.")
    tab_to(page, lambda el: el["tag"] == "button" and el["text"] == "Decline the application", "the button")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server.url}/employer/applicants/{application_id}")
    expect(page.locator("#applicant-status")).to_contain_text("Not offered a place")
    accessible(page, axe, "after declining")
    with server.app.app_context():
        assert db.session.scalar(select(Application.status).where(Application.id == application_id)) == (
            "declined_by_employer"
        )
