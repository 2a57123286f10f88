"""Issue 6 end to end: a careers leader records an employer talk for a form and sees the dashboard change.

One journey through the UI only, in a real browser with CSRF on: from the "Careers record" link, the
dashboard shows Year 8 with nobody meeting Benchmark 5; the leader picks a form, unticks an absentee,
submits once with the activity missing (the error keeps the absentee unticked), then saves; the
dashboard counts the students who were there, lists the absentee as missing out, and their careers
record says so. axe-core checks every page on the way.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from placements import vocab
from tests.browser.conftest import check, sign_in

pytestmark = [pytest.mark.browser]


def accessible(page, axe, where: str) -> None:
    problems = check(page, axe, where)
    assert not problems, "\n".join(problems)


def year_row(page, year: int):
    """The headline table's row for a year group."""
    return (
        page.locator("table.figures")
        .first.locator("tr")
        .filter(has=page.get_by_role("rowheader", name=f"Year {year}", exact=True))
    )


def test_careers_leader_records_a_group_encounter_and_sees_the_dashboard_change(server, page, axe):
    sign_in(page, server, "careers_leader")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Careers record").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Careers record, ")
    gb5 = year_row(page, 8).locator("td").first
    expect(gb5).to_contain_text(re.compile(r"^0 of \d+ \(0%\)"))
    year8_size = int(re.match(r"0 of (\d+)", gb5.inner_text()).group(1))
    expect(page.locator("svg[role=img] title")).to_contain_text("by year group")
    accessible(page, axe, "dashboard")

    # Step 1: choose the group.
    page.get_by_role("link", name="Record an activity for a group").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record an activity for a group")
    accessible(page, axe, "choose a group")
    page.get_by_label("Year group or form").select_option(label="Form 8A (Year 8)")
    page.get_by_role("button", name="Continue").click()

    # Step 2: everyone is ticked; untick the absentee.
    expect(page.get_by_role("heading", level=1)).to_have_text("Record an activity for Form 8A")
    ticks = page.get_by_role("group", name="Who took part?").get_by_role("checkbox")
    count = ticks.count()
    assert count >= 2
    for i in range(count):
        expect(ticks.nth(i)).to_be_checked()
    accessible(page, axe, "record for a form")
    absentee_label = page.locator("label[for=students-0]").inner_text()
    ticks.nth(0).uncheck()

    # Saved with the activity missing: errors, and the absentee is still unticked.
    page.get_by_role("button", name="Save for the ticked students").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Choose the type of activity.")
    expect(summary).to_contain_text("Enter the employer's name.")
    expect(ticks.nth(0)).not_to_be_checked()
    expect(ticks.nth(1)).to_be_checked()
    accessible(page, axe, "record for a form, with errors")

    page.get_by_label("Type of activity").select_option(label="Employer talk")
    page.get_by_label("Hours each student took part").fill("1.5")
    page.get_by_role("radio", name="In person").check()
    page.get_by_label("Employer or organisation").fill("Borough Market Bakery")
    page.get_by_label("Employer size (optional)").select_option(label="Micro (1–9 people)")
    for key in ("purpose_shared", "learning_outcomes", "two_way_interaction", "reflection"):
        page.get_by_label(vocab.EVIDENCE_CRITERIA[key], exact=True).check()
    page.get_by_role("button", name="Save for the ticked students").click()

    # The dashboard counts everyone who was there, and lists the absentee as missing out.
    present = count - 1
    expect(page.locator(".flashes")).to_contain_text(f"Recorded for {present} student")
    expect(page.locator(".flashes")).to_contain_text("1 absent")
    share = round(100 * present / year8_size)
    expect(year_row(page, 8).locator("td").first).to_contain_text(f"{present} of {year8_size} ({share}%)")
    last, first = absentee_label.split(" (")[0].split(", ")
    missing = page.locator("table").filter(has=page.locator("caption", has_text="Students missing out"))
    absentee_link = missing.get_by_role("link", name=f"{last}, {first}", exact=True)
    expect(absentee_link).to_be_visible()
    accessible(page, axe, "dashboard after recording")

    # The absentee's record says Benchmark 5 is not met yet; a present student's shows the talk.
    absentee_link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Careers record: {first} {last}")
    expect(page.locator(".status-list")).to_contain_text("No meaningful encounter with an employer yet this year.")
    accessible(page, axe, "absentee's record")
    page.get_by_role("link", name="Back to the careers record").click()
    page.get_by_role("link", name=re.compile("^All records for")).click()
    rows = page.locator("tbody tr").filter(has_text="Borough Market Bakery")
    expect(rows).to_have_count(present)
    accessible(page, axe, "records list")
