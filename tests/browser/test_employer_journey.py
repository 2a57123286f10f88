"""Issue 3 end to end: an employer posts and manages placements, with safeguarding stated once.

One journey through the UI only, in a real browser with CSRF on: a new organisation registers,
takes its set-password link from the development outbox (read by the admin, as a person would),
states its safeguarding details, saves a draft it may not yet publish, is approved by the admin,
publishes an in-person placement, then duplicates it with new dates and publishes the copy from the
dashboard with the keyboard alone. axe-core checks every distinct page on the way.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check, sign_in, tab_to

pytestmark = [pytest.mark.browser]

ORGANISATION = "Borough Market Bakery"
EMAIL = "jo.baker@borough-bakery.example"
PASSWORD = "plum kettle harbour lantern"
TITLE = "Two days in a bakery kitchen"
DRAFT_TITLE = "Bakery open morning"
TODAY = date.today()
START = TODAY + timedelta(days=60)
COPY_START = START + timedelta(days=28)
NOT_APPROVED = (
    "A Placements admin has not approved your organisation yet. You can save drafts now, "
    "and publish them once you are approved."
)


def day(d: date) -> str:
    """A date as the dashboard shows it: 7 Mar 2027."""
    return f"{d.day} {d:%b %Y}"


def accessible(page, axe, where: str) -> None:
    problems = check(page, axe, where)
    assert not problems, "\n".join(problems)


def fill_dates(page, start: date, days: int) -> None:
    page.get_by_label("Start date").fill(start.isoformat())
    page.get_by_label("End date").fill((start + timedelta(days=days - 1)).isoformat())
    page.get_by_label("Application deadline").fill((start - timedelta(days=14)).isoformat())


def fill_placement(page, *, title: str, activity: str, years: tuple[int, ...], adjustments=(), days: int = 1) -> None:
    """The new-placement form: an in-person placement at SE1 7PB starting on START."""
    page.get_by_label("Title").fill(title)
    page.get_by_label("Description").fill("Our bakery under the railway arches: bread, pastry and the shop.")
    page.get_by_label("What the student will do").fill("Bake a batch of loaves and price them for the shop.")
    page.get_by_label("Type of activity").select_option(label=activity)
    page.get_by_role("radio", name="In person").check()
    # The postcode is checked by htmx as the employer leaves the field, and shown normalised.
    page.get_by_label("Workplace postcode").fill("se17pb")
    page.get_by_label("Workplace postcode").blur()
    expect(page.locator("#postcode-field")).to_contain_text("Found SE1 7PB.")
    fill_dates(page, START, days)
    page.get_by_label("Daily start time").fill("09:00")
    page.get_by_label("Daily finish time").fill("15:30")
    page.get_by_label("Number of places").fill("4")
    for year in years:
        page.get_by_label(f"Year {year}", exact=True).check()
    for adjustment in adjustments:
        page.get_by_label(adjustment, exact=True).check()
    page.get_by_label("A task set by the employer").check()


def flash(page):
    return page.locator(".flashes")


def rows(page, title: str):
    return page.locator("tbody tr").filter(has_text=title)


def test_employer_posts_and_manages_placements(server, new_context, axe):
    employer = new_context().new_page()
    admin = new_context().new_page()
    sign_in(admin, server, "admin")

    # 1. Register, take the set-password link from the outbox, choose a password, sign in.
    employer.goto(server.url + "/")
    employer.get_by_role("link", name="Register an organisation").click()
    expect(employer.get_by_role("heading", level=1)).to_have_text("Register your organisation")
    accessible(employer, axe, "registration")
    employer.get_by_label("Organisation name").fill(ORGANISATION)
    employer.get_by_label("Size", exact=True).select_option(label="Small (10–49 people)")
    employer.get_by_label("Main sector").select_option(label="Catering and hospitality")
    employer.get_by_label("Main workplace postcode").fill("se1 7pb")
    employer.get_by_label("Your first name").fill("Jo")
    employer.get_by_label("Your last name").fill("Baker")
    employer.get_by_label("Your work email address").fill(EMAIL)
    employer.get_by_role("button", name="Register", exact=True).click()
    expect(employer.get_by_role("heading", level=1)).to_have_text("Check your email")
    expect(employer.get_by_role("main")).to_contain_text(f"We have sent a link to {EMAIL}")

    admin.get_by_role("link", name="Open the outbox").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Development outbox")
    email = admin.locator("article").filter(has_text=f"To {EMAIL}")
    expect(email.get_by_role("heading")).to_have_text("Set up your Placements account")
    set_password_link = email.get_by_role("link").get_attribute("href")
    assert set_password_link and set_password_link.startswith(server.url + "/password/"), set_password_link

    employer.goto(set_password_link)
    expect(employer.get_by_role("main")).to_contain_text(f"For the account {EMAIL}.")
    employer.get_by_label("New password", exact=True).fill(PASSWORD)
    employer.get_by_label("Type the new password again").fill(PASSWORD)
    employer.get_by_role("button", name="Save password").click()
    expect(flash(employer)).to_contain_text("Your password is set. Sign in with it now.")
    employer.get_by_label("Email address").fill(EMAIL)
    employer.get_by_label("Password", exact=True).fill(PASSWORD)
    employer.get_by_role("main").get_by_role("button", name="Sign in").click()
    employer.wait_for_url(server.url + "/employer/")
    main = employer.get_by_role("main")
    expect(employer.get_by_role("heading", level=1)).to_have_text(ORGANISATION)
    expect(main).to_contain_text("A Placements admin is checking your organisation.")
    expect(main.locator(".summary")).to_contain_text("Awaiting approval")
    expect(main.locator(".summary")).to_contain_text("SE1 7PB")
    expect(employer.locator("#insurance-notice")).to_contain_text("add your safeguarding details")
    expect(main).to_contain_text("You have not posted any placements yet.")
    accessible(employer, axe, "dashboard, pending")

    # 2. Safeguarding, stated once: insurance, risk assessment, a named contact.
    employer.get_by_role("link", name="Add your safeguarding details").first.click()
    expect(employer.get_by_role("heading", level=1)).to_have_text("Safeguarding details")
    accessible(employer, axe, "safeguarding")
    employer.get_by_role("button", name="Save safeguarding details").click()
    summary = employer.locator(".error-summary")
    expect(summary).to_contain_text("Say whether you hold employers' liability insurance or are exempt.")
    expect(summary).to_contain_text("Enter the name of your safeguarding contact.")
    accessible(employer, axe, "safeguarding with errors")
    employer.get_by_label("We hold employers' liability insurance").check()
    employer.get_by_label("Insurer").fill("Hiscox")
    employer.get_by_label("Policy expiry date").fill((TODAY + timedelta(days=300)).isoformat())
    employer.get_by_label("Our risk assessment covers young people").check()
    employer.get_by_label("We will not give children any work").check()
    employer.get_by_label("Date the risk assessment was last reviewed").fill((TODAY - timedelta(days=30)).isoformat())
    employer.get_by_label("Name", exact=True).fill("Sam Patel")
    employer.get_by_label("Role", exact=True).fill("Designated safeguarding lead")
    employer.get_by_label("Email address").fill("sam.patel@borough-bakery.example")
    employer.get_by_role("button", name="Save safeguarding details").click()
    expect(flash(employer)).to_contain_text(
        "Your safeguarding details are saved. Every placement you publish uses them."
    )
    expect(employer.locator("#insurance-notice")).to_have_count(0)
    expect(main.get_by_role("link", name="Check or update your safeguarding details")).to_be_visible()

    # 3. While pending: a draft can be saved, but not published.
    employer.get_by_role("link", name="Post a placement").click()
    expect(employer.get_by_role("heading", level=1)).to_have_text("Post a placement")
    accessible(employer, axe, "new placement")
    fill_placement(employer, title=DRAFT_TITLE, activity="Workplace visit", years=(9,))
    employer.get_by_role("button", name="Publish").click()
    expect(employer.locator(".error-summary")).to_contain_text(NOT_APPROVED)
    expect(employer.locator("#publish-error")).to_contain_text(NOT_APPROVED)
    accessible(employer, axe, "new placement, not approved")
    employer.get_by_role("button", name="Save as draft").click()
    expect(flash(employer)).to_contain_text(f"“{DRAFT_TITLE}” is saved as a draft.")
    expect(rows(employer, DRAFT_TITLE)).to_contain_text("Draft")

    # 4. The admin approves the organisation from the approval queue.
    admin.get_by_role("link", name="Home").click()
    queue = admin.locator("section").filter(has=admin.get_by_role("heading", name="Organisations awaiting approval"))
    expect(queue.get_by_role("listitem").filter(has_text=ORGANISATION)).to_contain_text("safeguarding details given")
    accessible(admin, axe, "admin approval queue")
    queue.get_by_role("link", name=ORGANISATION).click()
    expect(admin.get_by_role("heading", level=1)).to_have_text(ORGANISATION)
    expect(admin.locator("#safeguarding-title + dl")).to_contain_text("Insured by Hiscox")
    expect(admin.get_by_role("main")).to_contain_text("Sam Patel, Designated safeguarding lead")
    accessible(admin, axe, "admin organisation")
    admin.get_by_role("button", name=f"Approve {ORGANISATION}").click()
    expect(flash(admin)).to_contain_text(f"{ORGANISATION} is approved and can now publish placements.")
    admin.get_by_role("link", name="Home").click()
    expect(queue).not_to_contain_text(ORGANISATION)

    employer.reload()
    expect(main.locator(".summary")).to_contain_text("Approved")
    expect(main).not_to_contain_text("A Placements admin is checking your organisation.")

    # 5. Post and publish an in-person work experience placement with adjustments, for Years 10-11.
    employer.get_by_role("link", name="Post a placement").click()
    fill_placement(
        employer,
        title=TITLE,
        activity="Work experience placement",
        years=(9, 10, 11),
        adjustments=("Step-free access", "Quiet space"),
        days=2,
    )
    employer.get_by_role("button", name="Publish").click()
    expect(employer.locator(".error-summary")).to_contain_text(
        "A work experience placement is open only to Years 10 to 13. Remove Year 9"
    )
    accessible(employer, axe, "new placement with errors")
    employer.get_by_label("Year 9", exact=True).uncheck()
    employer.get_by_role("button", name="Publish").click()
    expect(flash(employer)).to_contain_text(f"“{TITLE}” is published.")
    published = rows(employer, TITLE)
    expect(published).to_have_count(1)
    for text in ("Work experience placement · In person · SE1 7PB", "Published", "0 filled, 4 left of 4"):
        expect(published).to_contain_text(text)
    expect(published).to_contain_text(f"{day(START)} to {day(START + timedelta(days=1))}")
    accessible(employer, axe, "dashboard")

    # 6. Duplicate it: the copy keeps the details, takes new dates, and is published from the dashboard.
    published.get_by_role("button", name=f"Duplicate {TITLE}").click()
    expect(employer.get_by_role("heading", level=1)).to_have_text(f"Edit “{TITLE}”")
    expect(flash(employer)).to_contain_text("This is a draft copy. Give it new dates, then save or publish it.")
    for label in ("Year 10", "Year 11", "Step-free access", "Quiet space"):
        expect(employer.get_by_label(label, exact=True)).to_be_checked()
    expect(employer.get_by_label("Year 9", exact=True)).not_to_be_checked()
    expect(employer.get_by_label("Workplace postcode")).to_have_value("SE1 7PB")
    accessible(employer, axe, "edit the copy")
    fill_dates(employer, COPY_START, days=2)
    employer.get_by_role("button", name="Save as draft").click()
    expect(flash(employer)).to_contain_text(f"“{TITLE}” is saved as a draft.")
    copy = rows(employer, TITLE).filter(has_text=day(COPY_START))
    expect(copy).to_contain_text("Draft")

    # Publish the copy with the keyboard alone: Tab to its Publish button, press Enter.
    employer.reload()
    tab_to(
        employer,
        lambda el: el["tag"] == "button" and el["text"].startswith("Publish") and TITLE in el["text"],
        f"the Publish button of the copy of {TITLE}",
    )
    employer.keyboard.press("Enter")
    expect(copy).to_contain_text("Published")  # htmx swapped the row in place
    # Focus stays on the new row (not back at the top of the page), so the next Tab continues in it.
    expect(copy).to_be_focused()
    employer.keyboard.press("Tab")
    expect(copy.get_by_role("link", name=TITLE, exact=True)).to_be_focused()

    employer.reload()
    expect(rows(employer, TITLE)).to_have_count(2)
    for start in (START, COPY_START):
        row = rows(employer, TITLE).filter(has_text=f"{day(start)} to {day(start + timedelta(days=1))}")
        expect(row).to_contain_text("Published")
        expect(row).to_contain_text("0 filled, 4 left of 4")
    expect(rows(employer, DRAFT_TITLE)).to_contain_text("Draft")
    accessible(employer, axe, "dashboard with the copy")
