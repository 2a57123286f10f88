"""Students keep their own profile: interests, travel, access needs (must-have or preferred)."""

from __future__ import annotations

from sqlalchemy import select

from placements.extensions import db
from placements.models import User


def _profile(app):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "student1@placements.example"))
        profile = user.student_profile
        return (
            profile.interest_routes,
            profile.travel_radius_km,
            profile.home_outcode,
            {n.feature: n.priority for n in profile.needs},
        )


def test_student_saves_interests_radius_district_and_needs(client, auth, app):
    auth.login("student")
    response = client.post(
        "/student/profile",
        data={
            "interests": ["digital", "creative"],
            "travel_radius_km": "15",
            "home_outcode": "se15",
            "need_step_free_access": "must",
            "need_quiet_space": "preferred",
            "need_bsl_available": "",
        },
    )
    assert response.status_code == 302
    assert _profile(app) == (
        ["creative", "digital"],
        15,
        "SE15",
        {"step_free_access": "must", "quiet_space": "preferred"},
    )
    home = client.get("/student/").text
    assert "Step-free access (must have)" in home and "Quiet space (preferred)" in home


def test_saving_again_with_an_interest_kept(client, auth, app):
    auth.login("student")
    for interests in (["digital", "creative"], ["digital"], ["digital", "care"]):
        response = client.post("/student/profile", data={"interests": interests, "travel_radius_km": "10"})
        assert response.status_code == 302, interests
        assert _profile(app)[0] == sorted(interests)


def test_a_full_postcode_is_cut_to_its_district(client, auth, app):
    auth.login("student")
    client.post("/student/profile", data={"travel_radius_km": "10", "home_outcode": "SE15 1AA"})
    assert _profile(app)[2] == "SE15"


def test_unknown_district_and_bad_values_are_refused_and_nothing_changes(client, auth, app):
    auth.login("student")
    before = _profile(app)
    response = client.post(
        "/student/profile",
        data={
            "interests": ["digital", "astronaut"],
            "travel_radius_km": "9999",
            "home_outcode": "SE99",
            "need_step_free_access": "maybe",
        },
    )
    assert response.status_code == 422
    assert "We could not find the postcode district SE99." in response.text
    assert "Not a valid choice" in response.text
    assert _profile(app) == before


def test_profile_form_shows_the_saved_answers(client, auth):
    auth.login("student")
    client.post("/student/profile", data={"travel_radius_km": "25", "need_job_coach_welcome": "must"})
    page = client.get("/student/profile").text
    assert '<input checked id="travel_radius_km-4" name="travel_radius_km" required type="radio" value="25">' in page
    assert (
        '<input checked id="need_job_coach_welcome-2" name="need_job_coach_welcome" type="radio" value="must">' in page
    )


def test_student_pages_never_show_restricted_fields(client, auth):
    auth.login("student")
    for path in ("/student/", "/student/profile"):
        text = client.get(path).text
        assert "SEN provision" not in text and "Disadvantaged" not in text
