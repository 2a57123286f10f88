"""A student's own recommendations: off by default, the switch, ranking with reasons, filters, access."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from placements import geo, search
from placements.extensions import db
from placements.models import AuditEvent, StudentProfile, User
from tests.conftest import DEMO_EMAILS, AuthActions, give_password, make_app, reset_database
from tests.discover_helpers import HX, add_placement, clear_placements, counted_queries, set_profile, titles

URL = "/student/recommendations/"


@pytest.fixture
def known(app):
    clear_placements(app)
    set_profile(
        app,
        year_group=10,
        travel_radius_km=10,
        home_outcode=None,
        interests=["digital"],
        needs={"step_free_access": "must", "quiet_space": "preferred"},
        recommendations_enabled=False,
    )
    return {
        # SE11 5QY is about 2 km from the school (SE5 8UH), SE1 7PB about 3 km
        "near_care": add_placement(
            app,
            "Care home visit",
            organisation="Kennington Care Partnership",
            route="care",
            postcode="SE11 5QY",
            features=("step_free_access",),
            start_in=50,
        ),
        "digital": add_placement(
            app, "Web design day", route="digital", features=("step_free_access", "quiet_space"), start_in=40
        ),
        "no_step_free": add_placement(app, "Upstairs studio", route="digital", features=("quiet_space",), start_in=20),
        "online": add_placement(
            app,
            "Online engineering talk",
            organisation="Ardwick Engineering Works",
            mode="virtual",
            route="engineering",
            features=("step_free_access",),
            start_in=30,
        ),
        "far": add_placement(
            app,
            "Legal week in Leeds",
            organisation="Park Square Legal and Finance",
            route="legal_finance",
            postcode="LS1 4DY",
            features=("step_free_access",),
            start_in=10,
        ),
        "other_year": add_placement(
            app, "Sixth-form only", route="digital", years=(12,), features=("step_free_access",)
        ),
    }


def switch(client, enabled: str):
    return client.post("/student/recommendations/switch", data={"enabled": enabled})


def profile_flag(app, email=DEMO_EMAILS["student"]) -> bool:
    with app.app_context():
        return db.session.scalar(select(StudentProfile.recommendations_enabled).join(User).where(User.email == email))


def test_recommendations_are_off_by_default_and_explained(app, client, auth, known):
    with app.app_context():
        assert db.session.scalar(select(StudentProfile.recommendations_enabled).limit(1)) is False
    auth.login("student")
    response = client.get(URL)
    assert response.status_code == 200
    assert "Recommendations are off" in response.text
    assert "Switch recommendations on" in response.text
    assert "Employers never see your recommendations" in response.text
    # off: a plain list by date within the travel radius, for their year group; no interest or needs ranking
    assert titles(response.text) == ["Upstairs studio", "Online engineering talk", "Web design day", "Care home visit"]
    assert "Matches your interest" not in response.text
    assert "km from school" in response.text


def test_switching_on_ranks_by_fit_with_reasons_and_leaves_out_missing_must_haves(app, client, auth, known):
    auth.login("student")
    response = switch(client, "on")
    assert response.status_code == 303 and response.headers["Location"].endswith(URL)
    assert profile_flag(app) is True
    page = client.get(URL)
    assert "Recommendations are on" in page.text and "Switch recommendations off" in page.text
    shown = titles(page.text)
    # must-have step-free access: "Upstairs studio" is gone; Leeds is too far; Year 12 only is not for Year 10
    assert shown == ["Web design day", "Care home visit", "Online engineering talk"]
    assert "2–5 km from school · Matches your interest in Digital · Step-free access · Quiet space" in page.text
    assert "Virtual: no travel · Step-free access" in page.text
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "student_profile"))
        assert list(actions) == ["recommendations.on"]


def test_switching_off_again(app, client, auth, known):
    set_profile(app, recommendations_enabled=True)
    auth.login("student")
    assert switch(client, "off").status_code == 303
    assert profile_flag(app) is False
    assert "Recommendations are off" in client.get(URL).text


def test_a_bad_switch_value_changes_nothing(app, client, auth, known):
    auth.login("student")
    assert switch(client, "maybe").status_code == 303
    assert profile_flag(app) is False


def test_the_switch_needs_a_csrf_token():
    app = make_app(WTF_CSRF_ENABLED=True)
    reset_database(app)
    client = app.test_client()
    login_page = client.get("/login").text
    import re

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page) or re.search(
        r'name="csrf_token" value="([^"]+)"', login_page
    )
    client.post(
        "/login",
        data={
            "email": DEMO_EMAILS["student"],
            "password": "correct horse battery staple",
            "csrf_token": token.group(1),
        },
    )
    response = client.post("/student/recommendations/switch", data={"enabled": "on"}, headers=HX)
    assert response.status_code == 400
    assert profile_flag(app) is False
    with app.app_context():
        db.engine.dispose()


def test_home_district_is_the_starting_point_when_recorded(app, client, auth, known):
    set_profile(app, home_outcode="SE15", recommendations_enabled=True)
    auth.login("student")
    text = client.get(URL).text
    assert "from your area" in text and "km from school" not in text
    assert "SE15" not in text.split('id="results"')[1]  # bands only: no location is printed with results


def test_same_filters_as_browse(app, client, auth, known):
    set_profile(app, recommendations_enabled=True)
    auth.login("student")
    assert titles(client.get(URL + "?route=care").text) == ["Care home visit"]
    assert titles(client.get(URL + "?mode=virtual").text) == ["Online engineering talk"]
    assert titles(client.get(URL + "?q=web").text) == ["Web design day"]
    assert titles(client.get(URL + "?access=quiet_space").text) == ["Web design day"]
    assert titles(client.get(URL + "?sort=soonest").text) == [
        "Online engineering talk",
        "Web design day",
        "Care home visit",
    ]
    nearest = client.get(URL + "?sort=nearest").text
    assert titles(nearest) == ["Care home visit", "Web design day", "Online engineering talk"]
    assert "Matches your interest in Digital" in nearest  # reasons on every order


def test_page_vs_fragment(app, client, auth, known):
    auth.login("student")
    assert "<html" in client.get(URL).text
    fragment = client.get(URL + "?route=care", headers=HX)
    assert "<html" not in fragment.text and "HX-Request" in fragment.headers["Vary"]
    restore = client.get(URL + "?route=care", headers=HX | {"HX-History-Restore-Request": "true"})
    assert "<html" in restore.text


@pytest.mark.parametrize(
    "query", ["page=x", "route=nope", "sort=cheapest", "access=teleporter", "from=31-12-2026", "q=" + "a" * 300]
)
def test_bad_input_gets_a_clear_message(app, client, auth, known, query):
    auth.login("student")
    response = client.get(URL + "?" + query)
    assert response.status_code == 422
    assert 'role="alert"' in response.text


def test_the_best_match_order_is_only_offered_when_switched_on(app, client, auth, known):
    auth.login("student")
    response = client.get(URL + "?sort=best")
    assert response.status_code == 422
    assert "We cannot sort by" in response.text


@pytest.mark.parametrize("role", ["employer", "careers_leader", "admin"])
def test_recommendations_are_for_students_only(client, auth, role):
    auth.login(role)
    assert client.get(URL).status_code == 403
    assert client.post("/student/recommendations/switch", data={"enabled": "on"}).status_code == 403


def test_signed_out_people_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_student_only_ever_sees_their_own_recommendations(app, client, known):
    other = "student2@placements.example"
    give_password(app, other)
    set_profile(app, recommendations_enabled=True)
    set_profile(
        app,
        email=other,
        year_group=12,
        travel_radius_km=10,
        home_outcode=None,
        interests=["care"],
        needs={},
        recommendations_enabled=True,
    )
    AuthActions(client).login(other)
    with app.app_context():
        first_id = db.session.scalar(select(User.id).where(User.email == DEMO_EMAILS["student"]))
    for url in (URL, f"{URL}?user_id={first_id}", f"{URL}?student={first_id}"):
        response = client.get(url)
        assert response.status_code in (200, 422)
        assert titles(response.text) == ["Sixth-form only"]  # student2 is in Year 12
        assert "Matches your interest in Digital" not in response.text


def test_switching_only_changes_your_own_profile(app, client, known):
    other = "student2@placements.example"
    give_password(app, other)
    AuthActions(client).login(other)
    switch(client, "on")
    assert profile_flag(app, other) is True
    assert profile_flag(app) is False


def test_queries_per_page_do_not_grow_with_the_number_of_candidates(app, client, auth):
    clear_placements(app)
    set_profile(
        app,
        year_group=10,
        travel_radius_km=10,
        home_outcode="SE11",
        interests=["digital"],
        needs={"step_free_access": "must", "quiet_space": "preferred"},
        recommendations_enabled=True,
    )
    auth.login("student")

    def count(url):
        with counted_queries(app) as statements:
            response = client.get(url)
        assert response.status_code == 200
        return len(statements), response

    urls = [URL, URL + "?sort=soonest", URL + "?access=quiet_space"]
    for n in range(5):
        add_placement(app, f"Placement {n}", features=("step_free_access", "quiet_space"), start_in=20 + n)
    few = {url: count(url) for url in urls}
    for n in range(5, 50):
        add_placement(app, f"Placement {n}", features=("step_free_access", "quiet_space"), start_in=20 + n)
    many = {url: count(url) for url in urls}
    for url in urls:
        assert len(titles(few[url][1].text)) == 5 and len(titles(many[url][1].text)) == 25
        assert "50 placements for you" in many[url][1].text
        assert few[url][0] == many[url][0], url
    set_profile(app, recommendations_enabled=False)
    off_few = count(URL)[0]
    for n in range(50, 60):
        add_placement(app, f"Placement {n}", start_in=20 + n)
    assert count(URL)[0] == off_few


def test_candidates_carry_exactly_the_adjustments_the_matcher_reads(app):
    """Each must-have is offered by every candidate; of the preferred ones, exactly those each offers."""
    clear_placements(app)
    preferred = ("quiet_space", "bsl_available", "pre_visit_offered")
    offers = {
        "None of them": ("step_free_access", "accessible_toilet"),
        "The first": ("step_free_access", "quiet_space"),
        "The last two": ("step_free_access", "bsl_available", "pre_visit_offered", "job_coach_welcome"),
        "All of them": ("step_free_access", *preferred),
        "Not step-free": preferred,
    }
    ids = {add_placement(app, title, features=features): title for title, features in offers.items()}
    ids[add_placement(app, "Online", mode="virtual", features=("step_free_access", "bsl_available"))] = "Online"
    offers["Online"] = ("step_free_access", "bsl_available")
    ids[add_placement(app, "In Leeds", postcode="LS1 4DY", features=preferred)] = "In Leeds"
    with app.test_request_context():
        school = geo.lookup("SE5 8UH")
        rows = search.candidates(
            search.open_conditions(date.today()),
            branches=search.reach(school.lat, school.lon, 10),
            required={"step_free_access"},
            features={"step_free_access", *preferred},  # a must-have is not also fetched as preferred
        )
        everywhere = search.candidates(search.open_conditions(date.today()), features=preferred)
    got = {ids[c.id]: c.adjustment_features for c in rows}
    read = {"step_free_access", *preferred}
    assert got == {title: read & set(f) for title, f in offers.items() if title != "Not step-free"}
    offers["In Leeds"] = preferred
    assert {ids[c.id]: c.adjustment_features for c in everywhere} == {
        title: set(preferred) & set(f) for title, f in offers.items()
    }
