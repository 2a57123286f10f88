"""Issue 5, the student's side, in a real browser with CSRF on.

The demo student finds a placement, applies with the keyboard alone and chooses to share their access
needs, and sees it in My applications with the next step. The school approves it and the employer
offers a place (through the service, as those roles' own journeys test their pages); the student reads
the notification, opens it and accepts. Then they withdraw their other application through the
confirmation page. axe-core checks every page on the way.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from placements.extensions import db
from placements.models import Application, Placement
from tests.application_helpers import act
from tests.browser.conftest import check, sign_in, tab_to
from tests.discover_helpers import add_placement, set_profile

pytestmark = [pytest.mark.browser]

TITLE = "Journey: studio week"
QUESTION = "Which of our projects would you like to see?"
ANSWER = "The accessible game you made for the museum."
DEMO_TITLE = "Behind the scenes: a workplace visit"  # the demo student's application, with the employer


def accessible(page, axe, where: str) -> None:
    problems = check(page, axe, where)
    assert not problems, "\n".join(problems)


@pytest.fixture(scope="module")
def placement_id(server):
    app = server.app
    placement_id = add_placement(app, TITLE, years=(7, 8, 9, 10, 11, 12, 13), start_in=40, deadline_in=20)
    with app.app_context():
        db.session.get(Placement, placement_id).applicant_question = QUESTION
        db.session.commit()
    set_profile(app, needs={"step_free_access": "must"})
    return placement_id


def move(server, application_id: int, *actions: str) -> None:
    """The careers leader's and the employer's steps, through the real workflow."""
    with server.app.test_request_context():
        application = db.session.get(Application, application_id)
        for action in actions:
            act(application, action)
            db.session.commit()
        db.session.remove()


def test_student_applies_accepts_an_offer_and_withdraws_another(server, new_context, axe, placement_id):
    page = new_context().new_page()
    sign_in(page, server, "student")
    main = page.get_by_role("main")

    # 1. Find the placement.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Find a placement").click()
    page.get_by_label("Search words").fill("studio week")
    page.get_by_role("button", name="Show placements").click()
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    accessible(page, axe, "placement page")

    # 2. Apply: first sent empty, then with the keyboard alone, sharing access needs.
    page.get_by_role("link", name=f"Apply for {TITLE}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Apply for {TITLE}")
    expect(main).to_contain_text("Your careers leader sees your whole application.")
    expect(main).to_contain_text(
        "Southwark Digital Studio’s staff will see: your first name, your school, your year group, your answer."
    )
    share = page.get_by_label("Share my access needs with Southwark Digital Studio")
    expect(share).not_to_be_checked()
    accessible(page, axe, "apply form")
    page.get_by_role("button", name="Send my application").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Answer the employer's question.")
    expect(summary).to_be_focused()  # app.js moves focus to the summary for keyboard and screen-reader users
    accessible(page, axe, "apply form with errors")

    tab_to(page, lambda el: el["id"] == "answer", "the answer")
    page.keyboard.type(ANSWER)
    tab_to(page, lambda el: el["id"] == "share_needs", "the share box")
    page.keyboard.press("Space")
    expect(share).to_be_checked()
    tab_to(page, lambda el: el["text"] == "Send my application", "the send button")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Your application to {TITLE}")
    expect(page.locator(".flashes")).to_contain_text("Your application is sent.")
    expect(main).to_contain_text("Waiting for school approval")
    expect(main).to_contain_text("and your access needs: Step-free access.")
    accessible(page, axe, "application after applying")
    application_id = int(server.path(page.url).rsplit("/", 1)[1])

    # 3. My applications: newest first, with what happens next.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My applications").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My applications")
    card = page.locator(".card").first
    expect(card.get_by_role("heading")).to_have_text(TITLE)
    expect(card).to_contain_text("Your careers leader will check your application.")
    accessible(page, axe, "my applications")

    # 4. The school approves and records consent; the employer offers a place.
    move(server, application_id, "approve", "record_consent", "offer")

    # 5. The notification, opened from the list; the offer accepted with the keyboard.
    page.reload()
    nav_link = page.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile(r"^Notifications"))
    expect(nav_link).to_have_text("Notifications (3 unread)")
    nav_link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    expect(main).to_contain_text(f"Your application to {TITLE}: place offered.")
    accessible(page, axe, "notifications")
    page.get_by_role("button", name=f"Open – Your application to {TITLE}: place offered.").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Your application to {TITLE}")
    expect(nav_link).to_have_text("Notifications (2 unread)")
    expect(main).to_contain_text("You have been offered a place: accept or decline it.")
    expect(main).to_contain_text("Place offered: The employer")
    accessible(page, axe, "offered application")
    tab_to(page, lambda el: el["text"] == "Accept the offer", "the accept button")
    page.keyboard.press("Enter")
    expect(page.locator(".flashes")).to_contain_text("You accepted the place.")
    expect(main).to_contain_text("Offer accepted")
    accessible(page, axe, "accepted application")

    # 6. Withdraw the other application, through the confirmation page.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My applications").click()
    page.get_by_role("link", name=DEMO_TITLE).click()
    expect(main).to_contain_text("With the employer")
    page.get_by_role("link", name="Withdraw your application").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Withdraw your application to {DEMO_TITLE}?")
    accessible(page, axe, "withdraw confirmation")
    tab_to(page, lambda el: el["text"] == "Withdraw my application", "the withdraw button")
    page.keyboard.press("Enter")
    expect(page.locator(".flashes")).to_contain_text("Your application is withdrawn.")
    expect(main).to_contain_text("Withdrawn by the student")
    expect(page.get_by_role("link", name="Withdraw your application")).to_have_count(0)
    accessible(page, axe, "withdrawn application")

    with server.app.app_context():
        statuses = dict(
            db.session.execute(select(Application.id, Application.status).where(Application.id == application_id)).all()
        )
        assert statuses == {application_id: "accepted"}
        assert db.session.get(Application, application_id).share_needs is True
        db.session.remove()
