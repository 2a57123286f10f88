"""Issue 8 end to end: a careers leader opens an allocation round, three students rank its placements,
the leader previews the allocation, moves one student with a written reason and makes the offers; the
students read their results. Through the UI only, in a real browser with CSRF on, axe-core on every
page and error state on the way.

The round's placements are added straight to the database, Year 10 only, so the demo's own do not
appear in it: a studio day with one place (two students want it first), an online brief with two
(the loser of the studio day's lottery and the third student), and a workshop visit nobody chose,
which keeps a place free for the leader's change.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from placements.extensions import db
from placements.models import Application, StudentProfile, User
from tests.application_helpers import student_ids
from tests.browser.conftest import check, sign_in
from tests.conftest import give_password
from tests.discover_helpers import add_placement

pytestmark = [pytest.mark.browser]

EMPLOYER = "Southwark Digital Studio"
STUDIO, ONLINE, WORKSHOP = "Journey: studio day", "Journey: online brief", "Journey: workshop visit"
ROUND = "Year 10 summer placements"
REASON = "Closer to home, and the workshop offers the quiet space they need."


def named(title: str) -> str:
    return f"{title} – {EMPLOYER}"


def accessible(page, axe, where: str) -> None:
    problems = check(page, axe, where)
    assert not problems, "\n".join(problems)


def flash(page):
    return page.locator(".flashes")


@pytest.fixture(scope="module")
def cohort(server):
    app = server.app
    placements = {
        STUDIO: add_placement(app, STUDIO, years=(10,), capacity=1, start_in=40, deadline_in=30),
        ONLINE: add_placement(app, ONLINE, mode="virtual", years=(10,), capacity=2, start_in=41, deadline_in=30),
        WORKSHOP: add_placement(app, WORKSHOP, years=(10,), capacity=1, start_in=42, deadline_in=30),
    }
    ids = student_ids(app, year=10, count=3)
    with app.app_context():
        users = [db.session.get(User, i) for i in ids]
        students = [(u.id, u.email, u.full_name) for u in users]
    for _, email, _ in students:
        give_password(app, email)
    return placements, students


def test_a_round_from_opening_to_offers(server, new_context, axe, cohort):
    placements, students = cohort
    (first_id, first_email, _), (second_id, second_email, _), (third_id, third_email, third_name) = students
    leader = new_context().new_page()
    sign_in(leader, server, "careers_leader")

    # 1. Open a round: the year group first, then its placements; the empty form is refused first.
    leader.get_by_role("link", name="Allocation rounds").click()
    expect(leader.get_by_role("heading", level=1)).to_have_text("Allocation rounds")
    expect(leader.get_by_role("main")).to_contain_text("Your school has not opened a round yet.")
    accessible(leader, axe, "rounds, empty")
    leader.get_by_role("link", name="Open a round").click()
    leader.get_by_label("Year group").select_option("10")
    leader.get_by_role("button", name="Show placements").click()
    expect(leader.get_by_role("heading", level=2, name="2. The round for Year 10")).to_be_visible()
    accessible(leader, axe, "new round")
    leader.get_by_role("button", name="Open the round").click()
    summary = leader.locator(".error-summary")
    expect(summary).to_contain_text("Give the round a name.")
    expect(summary).to_contain_text("Choose at least one placement.")
    accessible(leader, axe, "new round with errors")
    leader.get_by_label("Name of the round").fill(ROUND)
    leader.get_by_label("Choices close on").fill((date.today() + timedelta(days=7)).isoformat())
    leader.get_by_label("How many placements can each student rank?").fill("2")
    for title in (STUDIO, ONLINE, WORKSHOP):
        leader.get_by_label(re.compile(f"^{re.escape(title)} – ")).check()
    leader.get_by_role("button", name="Open the round").click()
    expect(flash(leader)).to_contain_text(f"“{ROUND}” is open.")
    expect(leader.get_by_role("heading", level=1)).to_have_text(ROUND)
    expect(leader.locator(".summary")).to_contain_text("0 of 7")
    round_url = leader.url
    accessible(leader, axe, "round, open")

    # 2. Three students rank placements, each signed in as themselves.
    rankings = {first_email: (STUDIO, ONLINE), second_email: (STUDIO, ONLINE), third_email: (ONLINE,)}
    for n, (email, choices) in enumerate(rankings.items()):
        student = new_context().new_page()
        sign_in(student, server, email)
        student.goto(server.url + "/student/")
        student.get_by_role("link", name=ROUND).click()
        expect(student.get_by_role("heading", level=1)).to_have_text(ROUND)
        if n == 0:
            accessible(student, axe, "student ranking")
            student.get_by_label("1st choice").select_option(label=named(STUDIO))
            student.get_by_label("2nd choice").select_option(label=named(STUDIO))
            student.get_by_role("button", name="Save my choices").click()
            expect(student.locator(".error-summary")).to_contain_text("You already chose")
            expect(student.get_by_label("2nd choice")).to_have_value(str(placements[STUDIO]))
            accessible(student, axe, "student ranking with errors")
        for rank, title in enumerate(choices, start=1):
            student.get_by_label(f"{rank}{'st' if rank == 1 else 'nd'} choice").select_option(label=named(title))
        if len(choices) == 1:
            student.get_by_label("2nd choice").select_option(label="No choice")
        student.get_by_role("button", name="Save my choices").click()
        expect(flash(student)).to_contain_text("Your choices are saved.")
        expect(student.get_by_role("main")).to_contain_text(f"Saved: 1. {named(choices[0])}")
        student.context.close()

    # 3. The leader sees who has ranked, and previews.
    leader.goto(round_url)
    expect(leader.locator(".summary")).to_contain_text("3 of 7")
    leader.get_by_role("button", name="Preview the allocation").click()
    expect(flash(leader)).to_contain_text("The allocation is ready to check (seed ")
    expect(leader.get_by_role("heading", level=1)).to_have_text(f"Preview: {ROUND}")
    seed = leader.locator("#seed").inner_text()
    assert seed.isdigit()
    table = leader.locator("#allocation")
    expect(table).to_contain_text("Placed at their 1st choice")
    expect(table.locator("tr", has_text=third_name)).to_contain_text(named(ONLINE))
    accessible(leader, axe, "preview")

    # 4. Move the third student to the workshop visit: a reason is required, and logged.
    leader.get_by_role("link", name=f"Change {third_name}'s allocation").click()
    expect(leader.get_by_role("heading", level=1)).to_have_text(f"Change {third_name}'s allocation")
    accessible(leader, axe, "override")
    leader.get_by_label("New allocation").select_option(label=f"{named(WORKSHOP)}: 1 place left in this round")
    leader.get_by_role("button", name="Change the allocation").click()
    expect(leader.locator(".error-summary")).to_contain_text("Write the reason for the change")
    accessible(leader, axe, "override with errors")
    leader.get_by_label("Why are you changing it?").fill(REASON)
    leader.get_by_role("button", name="Change the allocation").click()
    expect(flash(leader)).to_contain_text(f"{third_name}'s allocation is now {named(WORKSHOP)}.")
    row = leader.locator("#allocation tr", has_text=third_name)
    expect(row).to_contain_text(REASON)
    expect(row).to_contain_text(named(WORKSHOP))
    expect(leader.locator("#seed")).to_have_text(seed)
    leader.get_by_role("button", name="Draw the lottery again").click()  # would discard the change: asks first
    expect(leader.get_by_role("heading", level=1)).to_have_text("Draw the lottery again?")
    accessible(leader, axe, "confirm a new draw")
    leader.get_by_role("link", name="Keep the preview as it is").click()
    expect(leader.locator("#seed")).to_have_text(seed)
    expect(leader.locator("#allocation tr", has_text=third_name)).to_contain_text(REASON)

    # 5. Commit, after a confirmation step: three offers, through the applications workflow.
    leader.get_by_role("link", name="Make the offers").click()
    expect(leader.get_by_role("heading", level=1)).to_have_text(f"Make the offers for “{ROUND}”?")
    accessible(leader, axe, "commit confirmation")
    leader.get_by_role("button", name="Make 3 offers").click()
    expect(flash(leader)).to_contain_text("3 offers made.")
    expect(leader.locator(".summary")).to_contain_text("Offers made")
    accessible(leader, axe, "round, committed")
    with server.app.app_context():
        offers = dict(
            db.session.execute(
                select(StudentProfile.user_id, Application.placement_id)
                .join(StudentProfile, StudentProfile.id == Application.student_profile_id)
                .where(Application.status == "offered", Application.placement_id.in_(placements.values()))
            ).all()
        )
    assert offers[third_id] == placements[WORKSHOP]
    assert {offers[first_id], offers[second_id]} == {placements[STUDIO], placements[ONLINE]}
    assert len(offers) == 3

    # 6. The students read their results, in their own wording.
    third = new_context().new_page()
    sign_in(third, server, third_email)
    third.goto(server.url + "/student/")
    third.get_by_role("link", name=ROUND).click()
    result = third.locator("#round-result")
    expect(result).to_contain_text(f"Your careers leader allocated you a place at {named(WORKSHOP)}.")
    expect(result).not_to_contain_text(REASON)
    accessible(third, axe, "student result")
    third.get_by_role("link", name="See your offer and accept or decline it").click()
    expect(third.get_by_role("heading", level=1)).to_have_text(f"Your application to {WORKSHOP}")

    first = new_context().new_page()
    sign_in(first, server, first_email)
    first.goto(round_url.replace("/school/rounds/", "/student/rounds/"))
    expect(first.locator("#round-result")).to_contain_text(re.compile(r"You were placed at your (1st|2nd) choice"))
