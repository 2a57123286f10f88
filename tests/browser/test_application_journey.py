"""Issue 5 across the three roles, in a real browser with CSRF on, every step through the pages.

1. The whole flow: a student applies; their careers leader approves and records parental consent; the
   employer offers; the student accepts; the careers leader confirms; after the placement the employer
   confirms attendance with feedback, and the student reflects, which their careers leader then reads.
2. A withdrawal: a confirmed student withdraws, and the place goes to the first student on the waiting
   list automatically, who is told and accepts it.
axe-core checks every page on the way.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from placements.extensions import db
from placements.models import Application, Placement, User
from tests.application_helpers import make_application, student_ids
from tests.browser.conftest import check, sign_in
from tests.conftest import give_password
from tests.discover_helpers import add_placement

pytestmark = [pytest.mark.browser]

ALL_YEARS = (7, 8, 9, 10, 11, 12, 13)


def accessible(page, axe, where: str) -> None:
    problems = check(page, axe, where)
    assert not problems, "\n".join(problems)


def names(server, user_id: int) -> tuple[str, str, str]:
    with server.app.app_context():
        user = db.session.get(User, user_id)
        result = (user.first_name, user.last_name, user.email)
        db.session.remove()
    return result


def status_of(server, application_id: int) -> str:
    with server.app.app_context():
        status = db.session.get(Application, application_id).status
        db.session.remove()
    return status


def test_the_whole_flow_across_three_roles(server, new_context, axe):
    title = "Journey: a day at the design studio"
    placement_id = add_placement(server.app, title, years=ALL_YEARS, capacity=2, start_in=40, deadline_in=20)
    student = new_context().new_page()
    leader = new_context().new_page()
    employer = new_context().new_page()
    sign_in(student, server, "student")
    sign_in(leader, server, "careers_leader")
    sign_in(employer, server, "employer")
    with server.app.app_context():
        me = db.session.scalar(select(User).where(User.email == "student1@placements.example"))
        first, last = me.first_name, me.last_name
        db.session.remove()

    # The student applies.
    student.goto(f"{server.url}/placements/{placement_id}")
    student.get_by_role("link", name=f"Apply for {title}").click()
    accessible(student, axe, "apply form")
    student.get_by_role("button", name="Send my application").click()
    expect(student.get_by_role("heading", level=1)).to_have_text(f"Your application to {title}")
    expect(student.get_by_role("main")).to_contain_text("Waiting for school approval")
    application_id = int(server.path(student.url).rsplit("/", 1)[1])

    # The careers leader finds it waiting, approves it and records consent (a Year 7 student is a child).
    leader.get_by_role("navigation", name="Main").get_by_role("link", name="Applications").click()
    expect(leader.get_by_role("heading", level=1)).to_have_text("Applications")
    accessible(leader, axe, "applications list")
    leader.get_by_role("main").get_by_role("link", name=f"{last}, {first}").first.click()
    expect(leader.get_by_role("heading", level=1)).to_have_text(f"{first} {last}’s application to {title}")
    accessible(leader, axe, "application (submitted)")
    leader.get_by_role("button", name="Approve (then record consent)").click()
    expect(leader.locator(".status-box")).to_contain_text("Waiting for parental consent")
    leader.get_by_label("Name of the parent or carer").fill("Robin Example")
    leader.get_by_label("Their relationship to the student").fill("Father")
    leader.get_by_label("Date consent was given").fill(date.today().isoformat())
    leader.get_by_label("Signed paper form").check()
    leader.get_by_role("button", name="Record consent and send to the employer").click()
    expect(leader.locator(".error-summary")).to_contain_text("risk assessment")  # not yet confirmed for a child
    expect(leader.get_by_label("Name of the parent or carer")).to_have_value("Robin Example")
    accessible(leader, axe, "consent form with a problem")
    leader.get_by_label(re.compile("key findings of the employer")).check()
    leader.get_by_role("button", name="Record consent and send to the employer").click()
    expect(leader.locator(".status-box")).to_contain_text("With the employer")
    expect(leader.get_by_role("main")).to_contain_text("Robin Example (Father)")
    accessible(leader, axe, "application (with the employer)")

    # The employer offers a place.
    employer.goto(f"{server.url}/employer/applicants/placement/{placement_id}")
    accessible(employer, axe, "applicants list")
    employer.get_by_role("main").get_by_role("link", name=first, exact=True).click()
    expect(employer.get_by_role("main")).not_to_contain_text(last)
    employer.get_by_role("button", name="Offer a place").click()
    expect(employer.get_by_role("main")).to_contain_text("Place offered")
    accessible(employer, axe, "applicant (offered)")

    # The student accepts; the careers leader confirms.
    student.reload()
    student.get_by_role("button", name="Accept the offer").click()
    expect(student.get_by_role("main")).to_contain_text("Offer accepted")
    leader.reload()
    leader.get_by_role("button", name="Confirm the arrangements").click()
    expect(leader.locator(".status-box")).to_contain_text("Confirmed")
    assert status_of(server, application_id) == "confirmed"

    # The placement happens (moved into the past here), then attendance, feedback and reflection.
    with server.app.app_context():
        placement = db.session.get(Placement, placement_id)
        placement.start_date = placement.end_date = date.today() - timedelta(days=1)
        placement.application_deadline = date.today() - timedelta(days=10)
        db.session.commit()
        db.session.remove()
    employer.goto(f"{server.url}/employer/applicants/{application_id}")
    employer.get_by_role("link", name="Confirm attendance and give feedback").click()
    employer.get_by_label("Your feedback to the student").fill("Listened well and presented a clear idea.")
    employer.get_by_role("button", name="Confirm attendance and send feedback").click()
    expect(employer.get_by_role("main")).to_contain_text("Attended and completed")
    accessible(employer, axe, "applicant (completed)")

    student.reload()
    expect(student.get_by_role("main")).to_contain_text("Listened well and presented a clear idea.")
    student.get_by_label(re.compile("What did you do and learn")).fill("I learned how designers test ideas.")
    student.get_by_role("button", name="Save my reflection").click()
    expect(student.get_by_role("main")).to_contain_text("I learned how designers test ideas.")
    accessible(student, axe, "application (reflected)")

    leader.reload()
    expect(leader.get_by_role("main")).to_contain_text("I learned how designers test ideas.")
    expect(leader.get_by_role("main")).to_contain_text("Listened well and presented a clear idea.")
    accessible(leader, axe, "application (completed)")
    assert status_of(server, application_id) == "completed"


def test_a_withdrawal_offers_the_place_to_the_waiting_list(server, new_context, axe):
    title = "Journey: one place at the studio"
    placement_id = add_placement(server.app, title, years=ALL_YEARS, capacity=1, start_in=40, deadline_in=20)
    holder_id = student_ids(server.app)[0]  # the demo student
    waiting_id = student_ids(server.app, year=10, count=3)[2]
    # The waiting student applies first: applications close once the one place is taken.
    waiting_application = make_application(server.app, waiting_id, placement_id, "waitlisted")
    held_application = make_application(server.app, holder_id, placement_id, "confirmed")
    waiting_first, _, waiting_email = names(server, waiting_id)
    give_password(server.app, waiting_email)

    # The confirmed student withdraws, through the confirmation page.
    holder = new_context().new_page()
    sign_in(holder, server, "student")
    holder.get_by_role("navigation", name="Main").get_by_role("link", name="My applications").click()
    holder.get_by_role("link", name=title).click()
    holder.get_by_role("link", name="Withdraw your application").click()
    expect(holder.get_by_role("heading", level=1)).to_have_text(f"Withdraw your application to {title}?")
    accessible(holder, axe, "withdraw confirmation")
    holder.get_by_role("button", name="Withdraw my application").click()
    expect(holder.get_by_role("main")).to_contain_text("Withdrawn by the student")
    assert status_of(server, held_application) == "withdrawn"
    assert status_of(server, waiting_application) == "offered"

    # The first student on the waiting list is told, and accepts.
    waiting = new_context().new_page()
    sign_in(waiting, server, waiting_email)
    nav = waiting.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name=re.compile(r"^Notifications \(\d+ unread\)")).click()
    message = f"A place came free on {title}: you have been offered it."
    expect(waiting.get_by_role("main")).to_contain_text(message)
    accessible(waiting, axe, "notifications")
    waiting.get_by_role("button", name=f"Open – {message}").click()
    expect(waiting.get_by_role("heading", level=1)).to_have_text(f"Your application to {title}")
    waiting.get_by_role("button", name="Accept the offer").click()
    expect(waiting.get_by_role("main")).to_contain_text("Offer accepted")
    accessible(waiting, axe, "accepted after the waiting list")

    # The employer sees who holds the place now.
    employer = new_context().new_page()
    sign_in(employer, server, "employer")
    employer.goto(f"{server.url}/employer/applicants/placement/{placement_id}?status=")
    row = employer.get_by_role("row").filter(has_text=waiting_first)
    expect(row).to_contain_text("Offer accepted")
    accessible(employer, axe, "applicants after the withdrawal")
    with server.app.app_context():
        assert db.session.get(Placement, placement_id).places_filled == 1
        db.session.remove()


def test_bulk_approval_from_the_list(server, new_context, axe):
    placement_id = add_placement(server.app, "Journey: bulk visit", years=ALL_YEARS, capacity=10, start_in=40)
    ids = [make_application(server.app, s, placement_id) for s in student_ids(server.app, year=12, count=2)]
    leader = new_context().new_page()
    sign_in(leader, server, "careers_leader")
    leader.goto(f"{server.url}/school/applications/?q=bulk+visit")
    for box in leader.get_by_role("checkbox").all():
        box.check()
    leader.get_by_role("button", name="Approve the selected applications").click()
    expect(leader.locator("#application-results")).to_contain_text("Approved 2 applications.")
    expect(leader.get_by_role("heading", level=1)).to_have_text("Applications")
    accessible(leader, axe, "after bulk approval")
    assert [status_of(server, i) for i in ids] == ["awaiting_consent", "awaiting_consent"]
