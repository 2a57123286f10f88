"""A student who needs step-free access finds placements through the browser, and the discover pages
pass axe in the states the page-by-page sweep (test_accessibility.py) does not reach.

The demo has only one step-free placement in reach of the demo student (Year 7 at Camberwell Park
Academy, SE5 8UH), so the journey adds a few of its own straight into the database: step-free ones
at known distances and in different areas of work, and near ones without step-free access that
must never be listed.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from placements import matching, recommend, vocab
from placements.extensions import db
from placements.models import Placement, StudentProfile, User
from tests.browser.conftest import sign_in
from tests.browser.test_accessibility import check
from tests.conftest import DEMO_EMAILS
from tests.discover_helpers import add_placement

pytestmark = [pytest.mark.browser]

RECOMMENDATIONS = "/student/recommendations/"
STEP_FREE = "Step-free access"
DIGITAL = "Digital"
CARE = "Care services"


@pytest.fixture(scope="module")
def journey_placements(server):
    """Placements for Year 7 near SE5 8UH (SE1 7PB about 3 km, SE11 5QY about 2 km, SE1 9SG about 4 km)."""
    app = server.app
    step_free = ("step_free_access",)
    return {
        "app_day": add_placement(
            app, "Journey: app design day", route="digital", years=(7,), features=step_free, start_in=20
        ),
        "care_visit": add_placement(
            app,
            "Journey: care home visit",
            organisation="Kennington Care Partnership",
            route="care",
            postcode="SE11 5QY",
            years=(7, 8),
            features=(*step_free, "quiet_space"),
            start_in=25,
        ),
        "care_office": add_placement(
            app,
            "Journey: care office morning",
            organisation="Kennington Care Partnership",
            route="care",
            postcode="SE11 5QY",
            years=(7,),
            features=step_free,
            start_in=45,
        ),
        "site_tour": add_placement(
            app,
            "Journey: building site tour",
            organisation="Bankside Builders",
            route="construction",
            postcode="SE1 9SG",
            years=(7,),
            features=step_free,
            start_in=30,
        ),
        "online_talk": add_placement(
            app, "Journey: online coding talk", mode="virtual", route="digital", years=(7,), features=step_free
        ),
        # near, for Year 7, but no step-free access: a must-have need leaves them out
        "upstairs": add_placement(
            app, "Journey: upstairs studio", route="digital", years=(7,), features=("quiet_space",), start_in=10
        ),
        "care_upstairs": add_placement(
            app,
            "Journey: care office upstairs",
            organisation="Kennington Care Partnership",
            route="care",
            postcode="SE11 5QY",
            years=(7,),
            start_in=15,
        ),
    }


def expected_ranking(app, route: str | None = None) -> list[str]:
    """Titles in the matcher's order over every published placement, loaded whole (not through the
    page's SQL prefilter), for the demo student as their profile now stands."""
    with app.app_context():
        profile = db.session.scalar(select(StudentProfile).join(User).where(User.email == DEMO_EMAILS["student"]))
        student = recommend.matcher_student(profile, recommend.origin_of(profile))
        placements = db.session.scalars(
            select(Placement).options(selectinload(Placement.adjustments)).where(Placement.status == "published")
        ).all()
        if route:
            placements = [p for p in placements if p.route == route]
        titles = [m.placement.title for m in matching.rank(student, placements)]
        db.session.remove()
    return titles


def listed(page) -> list[str]:
    return page.locator("#results .placement-card h3 a").all_inner_texts()


def reasons_of(page, title: str) -> str:
    card = page.locator("#results .placement-card").filter(has=page.get_by_role("link", name=title, exact=True))
    text = card.locator(".reasons").text_content() or ""
    return " ".join(text.replace("Why this is suggested:", "").split())


@pytest.fixture(scope="module")
def axe():
    return Axe()


def test_step_free_student_gets_ranked_step_free_placements_then_narrows_by_route(
    server, page, axe, journey_placements
):
    sign_in(page, server, "student")

    # The profile, as the student fills it in: Digital only, 10 km from school, step-free a must.
    page.get_by_role("link", name="My profile").click()
    expect(page.get_by_role("heading", name="Your profile")).to_be_visible()
    interests = page.get_by_role("group", name="Which areas of work interest you?")
    for box in interests.get_by_role("checkbox").all():
        box.uncheck()
    interests.get_by_label(DIGITAL, exact=True).check()
    page.get_by_role("group", name="How far can you travel to a placement?").get_by_label("Up to 10 km").check()
    page.get_by_label("Your postcode district (optional)").fill("")
    for label in vocab.ACCESS_FEATURES.values():
        page.get_by_role("group", name=label, exact=True).get_by_label("Not needed").check()
    page.get_by_role("group", name=STEP_FREE, exact=True).get_by_label("Must have").check()
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Your profile has been saved.")).to_be_visible()
    expect(page.get_by_text(f"{STEP_FREE} (must have)")).to_be_visible()

    # Off by default: the plain list still shows the near placements without step-free access.
    page.get_by_role("link", name="For you").click()
    expect(page.get_by_role("heading", name="Recommendations are off")).to_be_visible()
    assert "Journey: upstairs studio" in listed(page)
    problems = check(page, axe, "recommendations switched off")
    assert not problems, "\n".join(problems)

    page.get_by_role("button", name="Switch recommendations on").click()
    expect(page.get_by_role("heading", name="Recommendations are on")).to_be_visible()
    expect(page.get_by_role("heading", name="Recommended for you", level=1)).to_be_visible()

    shown = listed(page)
    ranking = expected_ranking(server.app)
    assert shown == ranking, "the page's order is the matcher's over every placement"
    assert shown[0] == "Journey: app design day"  # Digital, about 3 km, starts soonest of the two there
    assert "Journey: upstairs studio" not in shown and "Journey: care office upstairs" not in shown
    assert {
        "Journey: care home visit",
        "Journey: care office morning",
        "Journey: building site tour",
        "Journey: online coding talk",
        "Behind the scenes: a workplace visit",  # the demo's own step-free placement nearby
    } <= set(shown)
    expect(page.locator("#results .result-count")).to_have_text(f"{len(shown)} placements for you")
    assert reasons_of(page, shown[0]) == f"2–5 km from school · Matches your interest in {DIGITAL} · {STEP_FREE}"
    assert reasons_of(page, "Journey: online coding talk") == (
        f"Virtual: no travel · Matches your interest in {DIGITAL} · {STEP_FREE}"
    )
    assert reasons_of(page, "Journey: care home visit") == f"2–5 km from school · {STEP_FREE}"
    for title in shown:
        assert reasons_of(page, title).endswith(STEP_FREE), title

    problems = check(page, axe, "recommendations with results")
    assert not problems, "\n".join(problems)

    # Every listed placement's own page says it offers step-free access.
    links = {title: page.get_by_role("link", name=title, exact=True).get_attribute("href") for title in shown}
    detail = page.context.new_page()
    for title, href in links.items():
        detail.goto(server.url + href)
        expect(detail.get_by_role("heading", name=title, level=1)).to_be_visible()
        offered = detail.locator("dt:text-is('Adjustments offered') + dd").inner_text()
        assert STEP_FREE in offered, f"{title}: {offered}"
    detail.close()

    # Narrow by area of work: htmx swaps the results in place and the URL follows.
    page.evaluate("() => { window.journeyMarker = 'still the same page'; }")
    with page.expect_request(lambda r: "route=care" in r.url and r.headers.get("hx-request") == "true"):
        page.get_by_label("Area of work").select_option(label=CARE)
    page.wait_for_url(re.compile(r"[?&]route=care\b"))
    care = expected_ranking(server.app, route="care")
    assert care == ["Journey: care home visit", "Journey: care office morning"]
    expect(page.locator("#results .placement-card h3 a")).to_have_text(care)
    expect(page.locator("#results .result-count")).to_have_text("2 placements for you")
    assert page.evaluate("() => window.journeyMarker") == "still the same page", "a full page load, not htmx"
    assert parse_qs(urlsplit(page.url).query)["route"] == ["care"]
    assert reasons_of(page, care[0]) == f"2–5 km from school · {STEP_FREE}"

    # The URL is shareable: loading it afresh gives the same narrowed list.
    page.goto(page.url)
    assert listed(page) == care
    expect(page.get_by_label("Area of work")).to_have_value("care")

    # Switched off again, the list is plain once more (and still passes axe).
    page.get_by_role("button", name="Switch recommendations off").click()
    expect(page.get_by_role("heading", name="Recommendations are off")).to_be_visible()
    problems = check(page, axe, "recommendations switched off again")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("query", "status", "shows"),
    [
        (
            "route=digital&access=step_free_access&postcode=SE5+8UH&radius=10&sort=nearest",
            200,
            "within 10 km of SE5 8UH",
        ),
        ("route=digital&postcode=ZZ99+9ZZ&year=99", 422, "There is a problem with the filters"),
    ],
    ids=["filters-applied", "bad-input"],
)
def test_public_browse_has_no_serious_axe_violations(server, page, axe, journey_placements, query, status, shows):
    response = page.goto(f"{server.url}/placements/?{query}")
    assert response is not None and response.status == status
    expect(page.get_by_text(shows)).to_be_visible()
    if status == 200:
        assert listed(page), "filters that match something"
    problems = check(page, axe, f"/placements/?{query}")
    assert not problems, "\n".join(problems)
