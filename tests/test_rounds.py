"""Allocation rounds (issue 8): the pure helper (placements/cohort.py), the careers leader's and the
students' pages (placements/rounds/), and offers made through the applications workflow."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace as NS

import pytest
from sqlalchemy import func, select, update

from placements import applications, cohort, rounds
from placements.allocation import allocate, priority_order
from placements.applications import ApplicationError
from placements.extensions import db
from placements.models import (
    AllocationRound,
    Application,
    AuditEvent,
    Notification,
    ParentalConsent,
    Placement,
    RoundChoice,
    RoundOverride,
    StudentInterest,
    StudentProfile,
    User,
)
from tests.application_helpers import CONSENT, act, make_application, student_ids
from tests.conftest import AuthActions, give_password
from tests.discover_helpers import add_placement
from tests.round_helpers import make_round, preview, rank

# --- the pure helper: cohort.py --------------------------------------------------------------------------


def _s(sid, prior=False, send=False, disadvantaged=False):
    return cohort.CohortStudent(sid, has_prior_placement=prior, send=send, disadvantaged=disadvantaged)


def test_cohort_student_reads_the_rule_from_school_records():
    plain = cohort.cohort_student("1", sen_provision="N", disadvantaged=False, application_statuses=["submitted"])
    assert (plain.has_prior_placement, plain.send, plain.disadvantaged) == (False, False, False)
    for code in ("K", "E"):
        assert cohort.cohort_student("2", sen_provision=code, disadvantaged=False, application_statuses=[]).send
    for status in ("confirmed", "completed"):
        prior = cohort.cohort_student("3", sen_provision="N", disadvantaged=True, application_statuses=[status])
        assert prior.has_prior_placement and prior.disadvantaged
    for status in ("offered", "accepted", "withdrawn", "no_show"):
        other = cohort.cohort_student("4", sen_provision="N", disadvantaged=False, application_statuses=[status])
        assert not other.has_prior_placement


def test_inputs_rank_each_placement_by_one_priority_order_for_the_round():
    students = [_s("a", prior=True), _s("b"), _s("c", send=True), _s("d", disadvantaged=True), _s("e")]
    choices = {"a": ["p", "q"], "c": ["q", "elsewhere"], "e": ["p"]}
    found = cohort.inputs(students, choices, {"p": 1, "q": 2}, seed=7, eligible={"q": {"a", "c"}})
    assert found.order == priority_order(students, 7)
    assert found.order[-1] == "a"  # a prior placement puts a student last
    assert set(found.order[:2]) == {"c", "d"}  # then SEND or disadvantaged, before the lottery
    assert found.placement_prefs["p"] == found.order  # not named in eligible: every student of the round
    assert found.placement_prefs["q"] == [sid for sid in found.order if sid in {"a", "c"}]
    assert found.student_prefs == {sid: choices.get(sid, []) for sid in found.order} | {"c": ["q"]}
    assert found.allocate() == allocate(found.student_prefs, found.placement_prefs, found.capacities)


def test_a_snapshot_replays_to_the_same_allocation_and_keeps_only_the_rules_groups():
    students = [_s(str(i), prior=i % 4 == 0, send=i % 3 == 0, disadvantaged=i % 5 == 0) for i in range(12)]
    choices = {str(i): [["p", "q", "r"][(i + k) % 3] for k in range(2)] for i in range(12)}
    snapshot = cohort.preview(students, choices, {"p": 2, "q": 1, "r": 3}, seed=99, closed={"s": "Closed."})
    replayed = cohort.replay(snapshot, 99)
    assert replayed.by_rule == snapshot["result"]
    assert replayed.inputs.order == priority_order(students, 99)
    assert snapshot["groups"]["3"] == [False, True] and snapshot["groups"]["4"] == [True, False]
    assert snapshot["closed"] == {"s": "Closed."}
    assert cohort.priority_label(snapshot, "0") == "Has had a placement, SEND or disadvantaged"
    assert cohort.priority_label(snapshot, "1") == "No prior placement"
    assert cohort.replay(snapshot, 100).inputs.order != replayed.inputs.order  # another seed, another draw


def test_overrides_change_one_student_and_respect_room():
    snapshot = cohort.preview([_s("a"), _s("b")], {"a": ["p"], "b": ["p"]}, {"p": 1, "q": 1}, seed=1)
    placed = next(sid for sid, pid in snapshot["result"].items() if pid == "p")
    unplaced = "b" if placed == "a" else "a"
    assert cohort.room(snapshot) == {"p": 0, "q": 1}
    with pytest.raises(ValueError, match="no places left"):
        cohort.with_override(snapshot, unplaced, "p", 1)
    with pytest.raises(ValueError, match="in this round"):
        cohort.with_override(snapshot, unplaced, "x", 1)
    with pytest.raises(ValueError, match="not in this round"):
        cohort.with_override(snapshot, "z", "q", 1)
    moved = cohort.with_override(snapshot, unplaced, "q", 5)
    assert moved["result"][unplaced] == "q" and moved["overrides"] == {unplaced: 5}
    assert snapshot["overrides"] == {}  # the original is not changed
    emptied = cohort.with_override(moved, placed, None, 6)
    assert cohort.room(emptied) == {"p": 1, "q": 0}


def test_changed_since_spots_new_choices_and_students():
    snapshot = cohort.preview([_s("a"), _s("b")], {"a": ["p"]}, {"p": 1}, seed=1)
    assert cohort.changed_since(snapshot, {"a": ["p"], "b": []}) == []
    assert cohort.changed_since(snapshot, {"a": [], "b": []}) == ["a"]
    assert cohort.changed_since(snapshot, {"a": ["p"], "b": [], "c": []}) == ["c"]


def test_nearest_with_room_measures_what_it_can_and_says_so():
    places = [
        cohort.Place("far", 51.60, -0.10),
        cohort.Place("near", 51.48, -0.09),
        cohort.Place("online", None, None),
        cohort.Place("full", 51.47, -0.09),
    ]
    free = {"far": 1, "near": 2, "online": 5, "full": 0}
    found = cohort.nearest_with_room((51.474, -0.093), places, free, limit=3)
    assert [pid for pid, _ in found] == ["near", "far", "online"]
    assert found[0][1] < found[1][1] and found[2][1] is None
    assert [pid for pid, km in cohort.nearest_with_room(None, places, free)] == ["far", "near", "online"]
    assert all(km is None for _, km in cohort.nearest_with_room(None, places, free))


def test_the_helper_is_plain_python():
    source = Path(cohort.__file__).read_text()
    assert "flask" not in source.lower() and "sqlalchemy" not in source.lower()


# --- fixtures -------------------------------------------------------------------------------------------


@pytest.fixture
def world(app):
    """Three Year 10 placements of the demo employer near the demo school, four Year 10 students, a round."""
    small = add_placement(app, "Studio day", capacity=1, years=(10,), deadline_in=20)
    big = add_placement(app, "Design week", capacity=2, years=(10,), start_in=40, deadline_in=20)
    online = add_placement(app, "Online brief", mode="virtual", capacity=3, years=(10,), deadline_in=20)
    students = student_ids(app, year=10, count=4)
    round_id = make_round(app, [small, big, online], year=10)
    return NS(app=app, small=small, big=big, online=online, students=students, round_id=round_id)


def _email(app, user_id: int) -> str:
    with app.app_context():
        return db.session.get(User, user_id).email


def _as_student(app, user_id: int):
    email = _email(app, user_id)
    give_password(app, email)
    client = app.test_client()
    assert AuthActions(client).login(email).status_code == 302
    return client


def _leader(app):
    client = app.test_client()
    AuthActions(client).login("careers_leader")
    return client


def _round(app, round_id: int) -> AllocationRound:
    db.session.expire_all()
    return db.session.get(AllocationRound, round_id)


def _profile_id(app, user_id: int) -> str:
    with app.app_context():
        return str(db.session.get(User, user_id).student_profile.id)


def _filled(placement_id: int) -> int:
    db.session.expire_all()
    return db.session.get(Placement, placement_id).places_filled


# --- who may see what -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["", "/preview", "/commit", "/cancel"])
def test_another_schools_round_does_not_exist_for_a_careers_leader(world, path):
    other = make_round(world.app, [world.online], year=10, school_urn="999002")
    preview(world.app, other)
    client = _leader(world.app)
    assert client.get(f"/school/rounds/{other}{path}").status_code == 404
    assert client.post(f"/school/rounds/{other}{path}").status_code in (404, 405)
    assert client.get(f"/school/rounds/{world.round_id}{path}").status_code in (200, 302)


def test_another_schools_round_cannot_be_previewed_or_changed(world):
    other = make_round(world.app, [world.online], year=10, school_urn="999002")
    (their_student,) = student_ids(world.app, school_urn="999002", year=10)
    rank(world.app, other, their_student, [world.online])
    preview(world.app, other)
    client = _leader(world.app)
    assert client.post(f"/school/rounds/{other}/preview").status_code == 404
    override = f"/school/rounds/{other}/students/{their_student}/allocation"
    assert client.post(override, data={"placement": "none", "reason": "x"}).status_code == 404
    with world.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RoundOverride)) == 0
        assert _round(world.app, other).status == "previewed"


def test_students_see_only_rounds_of_their_school_and_year(world):
    (year9,) = student_ids(world.app, year=9)
    (elsewhere,) = student_ids(world.app, school_urn="999002", year=10)
    path = f"/student/rounds/{world.round_id}"
    assert _as_student(world.app, world.students[0]).get(path).status_code == 200
    assert _as_student(world.app, year9).get(path).status_code == 404
    assert _as_student(world.app, year9).post(path, data={"choice_1": str(world.small)}).status_code == 404
    assert _as_student(world.app, elsewhere).get(path).status_code == 404
    assert _as_student(world.app, world.students[0]).get("/student/rounds/99999").status_code == 404
    assert _leader(world.app).get(path).status_code == 403


def test_a_cancelled_round_disappears_for_students(world):
    client = _leader(world.app)
    page = client.get(f"/school/rounds/{world.round_id}/cancel")
    assert "Cancel the round" in page.text
    assert client.post(f"/school/rounds/{world.round_id}/cancel").status_code == 303
    with world.app.app_context():
        assert _round(world.app, world.round_id).status == "cancelled"
    assert _as_student(world.app, world.students[0]).get(f"/student/rounds/{world.round_id}").status_code == 404
    assert client.post(f"/school/rounds/{world.round_id}/preview").status_code == 303
    with world.app.app_context():
        assert _round(world.app, world.round_id).status == "cancelled"


# --- opening a round --------------------------------------------------------------------------------------


def test_the_new_round_form_lists_open_placements_for_the_year(world):
    client = _leader(world.app)
    first = client.get("/school/rounds/new")
    assert first.status_code == 200 and "Choose a year group to see the placements" in first.text
    listed = client.get("/school/rounds/new?year_group=10&within=25")
    assert "Studio day" in listed.text and "Online brief" in listed.text
    assert "1 place left" in listed.text
    assert 'value="5"' in listed.text  # ALLOCATION_MAX_CHOICES
    year7 = client.get("/school/rounds/new?year_group=7")
    assert "Studio day" not in year7.text


def test_opening_a_round_is_validated_and_keeps_what_was_typed(world):
    client = _leader(world.app)
    url = "/school/rounds/new?year_group=10&within=25"
    empty = client.post(url, data={"name": "", "max_choices": "5"})
    assert empty.status_code == 422
    for message in ("Give the round a name.", "Enter the date choices close.", "Choose at least one placement."):
        assert message in empty.text
    past = client.post(
        url,
        data={
            "name": "Summer term",
            "closes_on": (date.today() - timedelta(days=1)).isoformat(),
            "max_choices": "11",
            "placements": [str(world.small)],
        },
    )
    assert past.status_code == 422
    assert "The closing date must be in the future." in past.text
    assert "Enter a number from 1 to 10." in past.text
    assert 'value="Summer term"' in past.text
    ticked = re.search(rf'<input[^>]*value="{world.small}"[^>]*>', past.text).group(0)
    assert "checked" in ticked
    late = client.post(
        url,
        data={
            "name": "Summer term",
            "closes_on": (date.today() + timedelta(days=30)).isoformat(),
            "max_choices": "3",
            "placements": [str(world.small)],
        },
    )
    assert late.status_code == 422 and "stops taking applications on" in late.text
    unknown = client.post(
        url,
        data={
            "name": "Summer term",
            "closes_on": (date.today() + timedelta(days=5)).isoformat(),
            "max_choices": "3",
            "placements": ["999999"],
        },
    )
    assert unknown.status_code == 422 and "no longer open to this year group" in unknown.text
    no_year = client.post("/school/rounds/new", data={"name": "Summer term"})
    assert no_year.status_code == 422
    with world.app.app_context():
        assert db.session.scalar(select(func.count()).where(AllocationRound.name == "Summer term")) == 0


def test_opening_a_round(world):
    client = _leader(world.app)
    response = client.post(
        "/school/rounds/new?year_group=10&within=25",
        data={
            "name": "Summer term",
            "closes_on": (date.today() + timedelta(days=7)).isoformat(),
            "max_choices": "2",
            "placements": [str(world.small), str(world.online)],
        },
    )
    assert response.status_code == 303
    with world.app.app_context():
        created = db.session.scalar(select(AllocationRound).where(AllocationRound.name == "Summer term"))
        assert (created.year_group, created.max_choices, created.status, created.seed) == (10, 2, "open", None)
        assert sorted(rp.placement_id for rp in created.placements) == sorted([world.small, world.online])
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "round.open")).object_id == created.id
    page = client.get(response.headers["Location"])
    assert "Summer term" in page.text and "0 of 7" in page.text and "Not ranked yet" in page.text
    listing = client.get("/school/rounds/")
    assert "Summer term" in listing.text and "Open for choices" in listing.text


# --- students rank -----------------------------------------------------------------------------------------


def _choices(app, round_id: int, user_id: int) -> list[int]:
    with app.app_context():
        profile = db.session.get(User, user_id).student_profile
        return list(
            db.session.scalars(
                select(RoundChoice.placement_id)
                .where(RoundChoice.round_id == round_id, RoundChoice.student_profile_id == profile.id)
                .order_by(RoundChoice.rank)
            )
        )


def test_a_student_ranks_placements_without_javascript(world):
    client = _as_student(world.app, world.students[0])
    path = f"/student/rounds/{world.round_id}"
    page = client.get(path)
    assert page.status_code == 200
    for n in ("1st", "2nd", "3rd"):
        assert f">{n} choice</label>" in page.text
    assert ">4th choice</label>" not in page.text  # three placements in the round, so three choices
    saved = client.post(path, data={"choice_1": str(world.online), "choice_2": "", "choice_3": str(world.small)})
    assert saved.status_code == 303
    assert _choices(world.app, world.round_id, world.students[0]) == [world.online, world.small]
    again = client.post(path, data={"choice_1": str(world.big)})
    assert again.status_code == 303
    assert _choices(world.app, world.round_id, world.students[0]) == [world.big]
    shown = client.get(path)
    assert "Saved: 1. Design week" in shown.text
    home = client.get("/student/")
    assert f'href="/student/rounds/{world.round_id}"' in home.text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"choice_1": "SMALL", "choice_2": "SMALL"}, "You already chose"),
        ({"choice_1": "", "choice_2": ""}, "Choose at least your 1st choice."),
        ({"choice_1": "abc"}, "Choose a placement from the list."),
        ({"choice_1": "999999"}, "Choose a placement from the list."),
    ],
)
def test_bad_rankings_are_refused_and_kept(world, data, message):
    data = {k: str(world.small) if v == "SMALL" else v for k, v in data.items()}
    client = _as_student(world.app, world.students[0])
    response = client.post(f"/student/rounds/{world.round_id}", data=data)
    assert response.status_code == 422
    assert message in response.text
    assert 'class="error-summary"' in response.text
    if data.get("choice_2"):
        assert response.text.count(f'<option selected value="{world.small}">') == 2
    assert _choices(world.app, world.round_id, world.students[0]) == []


def test_ranking_after_the_round_closes_is_refused(world):
    client = _as_student(world.app, world.students[0])
    path = f"/student/rounds/{world.round_id}"
    with world.app.app_context():
        _round(world.app, world.round_id).closes_on = date.today() - timedelta(days=1)
        db.session.commit()
    page = client.get(path)
    assert page.status_code == 200 and "Choices for this round closed" in page.text
    assert "Save my choices" not in page.text
    refused = client.post(path, data={"choice_1": str(world.small)})
    assert refused.status_code == 409
    assert _choices(world.app, world.round_id, world.students[0]) == []
    assert f'href="/student/rounds/{world.round_id}"' not in client.get("/student/").text


def test_the_closing_day_itself_still_takes_choices(world):
    with world.app.app_context():
        _round(world.app, world.round_id).closes_on = date.today()
        db.session.commit()
    client = _as_student(world.app, world.students[0])
    assert client.post(f"/student/rounds/{world.round_id}", data={"choice_1": str(world.small)}).status_code == 303


def test_a_placement_that_closed_is_listed_but_cannot_be_chosen(world):
    with world.app.app_context():
        db.session.get(Placement, world.small).status = "closed"
        db.session.commit()
    client = _as_student(world.app, world.students[0])
    path = f"/student/rounds/{world.round_id}"
    page = client.get(path).text
    assert "Not available any more:</strong> It is no longer published." in page
    assert f'value="{world.small}"' not in page and ">3rd choice</label>" not in page
    refused = client.post(path, data={"choice_1": str(world.small)})
    assert refused.status_code == 422 and "Choose a placement from the list." in refused.text
    with world.app.app_context():
        for pid in (world.big, world.online):
            db.session.get(Placement, pid).status = "closed"
        db.session.commit()
    none_left = client.get(path)
    assert "None of this round's placements can take students any more." in none_left.text
    assert client.post(path, data={"choice_1": str(world.big)}).status_code == 409


def test_choices_start_from_recommendations_when_switched_on(world):
    digital = add_placement(world.app, "Coding club", route="digital", years=(10,), start_in=50, deadline_in=20)
    building = add_placement(world.app, "Site visit", route="construction", years=(10,), start_in=20, deadline_in=15)
    round_id = make_round(world.app, [building, digital], year=10, closes_in=10)
    student = world.students[1]
    with world.app.app_context():
        profile = db.session.get(User, student).student_profile
        profile.interests = []
        db.session.flush()
        profile.interests = [StudentInterest(route="digital")]
        profile.needs = []
        profile.travel_radius_km = 25
        profile.recommendations_enabled = False
        db.session.commit()
    client = _as_student(world.app, student)
    off = client.get(f"/student/rounds/{round_id}").text
    assert off.index("Site visit") < off.index("Coding club")  # by date
    assert "<option selected" not in off
    with world.app.app_context():
        db.session.get(User, student).student_profile.recommendations_enabled = True
        db.session.commit()
    on = client.get(f"/student/rounds/{round_id}").text
    main = on[on.index("<h2>The placements in this round") :]
    assert main.index("Coding club") < main.index("Site visit")  # their interest first
    assert (
        f'<select id="choice_1" name="choice_1"><option value="">No choice</option><option selected value="{digital}">'
        in on
    )
    assert "We have filled these in from your recommendations" in on
    assert _choices(world.app, round_id, student) == []  # nothing saved until they save


# --- preview ------------------------------------------------------------------------------------------------


def test_preview_records_the_seed_and_reproduces_the_allocation(world):
    a, b, c, d = world.students
    rank(world.app, world.round_id, a, [world.small, world.big])
    rank(world.app, world.round_id, b, [world.small, world.online])
    rank(world.app, world.round_id, c, [world.small])
    rank(world.app, world.round_id, d, [world.big, world.small])
    client = _leader(world.app)
    assert client.post(f"/school/rounds/{world.round_id}/preview").status_code == 303
    with world.app.app_context():
        first = _round(world.app, world.round_id)
        seed, snapshot = first.seed, first.allocation
        assert first.status == "previewed" and seed is not None
        # Reproduce it from the database with the recorded seed, outside the view.
        profiles = db.session.scalars(
            select(StudentProfile).join(User).where(User.school_id == first.school_id, StudentProfile.year_group == 10)
        ).all()
        students = [
            cohort.cohort_student(
                str(p.id), sen_provision=p.sen_provision, disadvantaged=p.disadvantaged, application_statuses=[]
            )
            for p in profiles
        ]
        choices = rounds.choices_of(first)
        capacities = {str(world.small): 1, str(world.big): 2, str(world.online): 3}
        assert cohort.inputs(students, choices, capacities, seed).allocate() == snapshot["result"]
        assert sum(1 for pid in snapshot["result"].values() if pid == str(world.small)) == 1
    page = client.get(f"/school/rounds/{world.round_id}/preview")
    assert page.status_code == 200 and str(seed) in page.text
    assert "Placed at their 1st choice" in page.text
    assert client.post(f"/school/rounds/{world.round_id}/preview").status_code == 303
    with world.app.app_context():
        again = _round(world.app, world.round_id)
        assert again.seed == seed and again.allocation["result"] == snapshot["result"]
    assert client.post(f"/school/rounds/{world.round_id}/preview", data={"redraw": "1"}).status_code == 303
    with world.app.app_context():
        redrawn = _round(world.app, world.round_id)
        assert redrawn.seed != seed  # a fresh 32-bit draw
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "AllocationRound"))
        assert list(actions) == ["round.preview", "round.preview", "round.redraw"]


def test_the_rule_puts_students_without_a_placement_first_and_says_why(world):
    a, b, *_ = world.students
    elsewhere = add_placement(world.app, "Earlier visit", years=(10,))
    make_application(world.app, a, elsewhere, "confirmed")
    for student in (a, b):
        rank(world.app, world.round_id, student, [world.small])
    for _ in range(3):  # whatever the lottery, the student with no prior placement gets the one place
        snapshot = preview(world.app, world.round_id, redraw=True)
        assert snapshot["result"][_profile_id(world.app, b)] == str(world.small)
        assert snapshot["result"][_profile_id(world.app, a)] is None
    page = _leader(world.app).get(f"/school/rounds/{world.round_id}/preview?show=unplaced").text
    assert "was full with students of higher priority: no prior placement." in page
    assert "Has had a placement" in page
    assert "Nearest placements in the round with room:" in page
    assert "Online brief – Southwark Digital Studio: virtual" in page
    assert "2–5 km from" in page or "Under 2 km from" in page


def test_a_placement_that_closed_gets_no_places(world):
    rank(world.app, world.round_id, world.students[0], [world.small])
    with world.app.app_context():
        db.session.get(Placement, world.small).status = "closed"
        db.session.commit()
    snapshot = preview(world.app, world.round_id)
    assert snapshot["capacities"][str(world.small)] == 0
    assert snapshot["closed"][str(world.small)] == "It is no longer published."
    page = _leader(world.app).get(f"/school/rounds/{world.round_id}/preview").text
    assert "No places: It is no longer published." in page
    assert "has no places." in page


def test_a_preview_goes_stale_when_choices_change(world):
    rank(world.app, world.round_id, world.students[0], [world.small])
    preview(world.app, world.round_id)
    client = _as_student(world.app, world.students[0])
    assert client.post(f"/student/rounds/{world.round_id}", data={"choice_1": str(world.big)}).status_code == 303
    leader = _leader(world.app)
    assert "changed their choices" in leader.get(f"/school/rounds/{world.round_id}/preview").text
    refused = leader.post(f"/school/rounds/{world.round_id}/commit")
    assert refused.status_code == 409 and "The preview is out of date" in refused.text
    with world.app.app_context():
        assert _round(world.app, world.round_id).status == "previewed"
        assert (
            db.session.scalar(
                select(func.count()).select_from(Application).where(Application.placement_id == world.big)
            )
            == 0
        )


# --- overrides ------------------------------------------------------------------------------------------------


def test_an_override_needs_a_reason_and_is_logged(world):
    a, b, *_ = world.students
    rank(world.app, world.round_id, a, [world.small])
    rank(world.app, world.round_id, b, [world.small])
    snapshot = preview(world.app, world.round_id)
    sid_a = _profile_id(world.app, a)
    target_user = a if snapshot["result"][sid_a] is None else b
    sid = _profile_id(world.app, target_user)
    client = _leader(world.app)
    url = f"/school/rounds/{world.round_id}/students/{target_user}/allocation"
    form = client.get(url)
    assert form.status_code == 200
    assert "Studio day" not in form.text.split('id="placement"')[1].split("</select>")[0]  # full: not offered
    missing = client.post(url, data={"placement": str(world.big), "reason": "  "})
    assert missing.status_code == 422 and "Write the reason for the change" in missing.text
    assert f'<option selected value="{world.big}">' in missing.text
    full = client.post(url, data={"placement": str(world.small), "reason": "Wants it."})
    assert full.status_code == 422 and "Choose an allocation from the list." in full.text
    with world.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RoundOverride)) == 0
        assert _round(world.app, world.round_id).allocation["result"][sid] is None
    reason = "Needs a placement near the bus route home."
    done = client.post(url, data={"placement": str(world.big), "reason": reason})
    assert done.status_code == 303
    with world.app.app_context():
        entry = db.session.scalar(select(RoundOverride))
        assert (entry.placement_id, entry.reason, entry.student_profile_id) == (world.big, reason, int(sid))
        assert entry.by.email == "careers1@placements.example"
        audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "round.override"))
        assert (audit.object_type, audit.object_id) == ("RoundOverride", entry.id)
        snapshot = _round(world.app, world.round_id).allocation
        assert snapshot["result"][sid] == str(world.big) and snapshot["overrides"] == {sid: entry.id}
    page = client.get(f"/school/rounds/{world.round_id}/preview?show=changed").text
    assert reason in page and "Changed by" in page
    unplace = client.post(url, data={"placement": "none", "reason": "Parent asked us to wait a term."})
    assert unplace.status_code == 303
    with world.app.app_context():
        assert _round(world.app, world.round_id).allocation["result"][sid] is None
        assert db.session.scalar(select(func.count()).select_from(RoundOverride)) == 2
    history = client.get(url).text
    assert reason in history and "Parent asked us to wait a term." in history


def test_a_new_preview_asks_before_discarding_overrides(world):
    rank(world.app, world.round_id, world.students[0], [world.small])
    preview(world.app, world.round_id)
    client = _leader(world.app)
    url = f"/school/rounds/{world.round_id}/students/{world.students[0]}/allocation"
    assert client.post(url, data={"placement": "none", "reason": "Waiting for a medical review."}).status_code == 303
    asked = client.post(f"/school/rounds/{world.round_id}/preview", data={"redraw": "1"})
    assert asked.status_code == 200 and "Draw again and discard the changes" in asked.text
    with world.app.app_context():
        kept = _round(world.app, world.round_id)
        seed, snapshot = kept.seed, kept.allocation
        assert len(snapshot["overrides"]) == 1
    done = client.post(f"/school/rounds/{world.round_id}/preview", data={"redraw": "1", "discard": "1"})
    assert done.status_code == 303
    with world.app.app_context():
        fresh = _round(world.app, world.round_id)
        assert fresh.seed != seed and fresh.allocation["overrides"] == {}
        assert fresh.allocation["result"][_profile_id(world.app, world.students[0])] == str(world.small)
        assert db.session.scalar(select(func.count()).select_from(RoundOverride)) == 1  # the log stays


def test_overrides_only_for_students_of_the_round_and_only_while_previewed(world):
    (year9,) = student_ids(world.app, year=9)
    client = _leader(world.app)
    before = client.get(f"/school/rounds/{world.round_id}/students/{world.students[0]}/allocation")
    assert before.status_code == 302  # nothing to change before a preview
    preview(world.app, world.round_id)
    assert client.get(f"/school/rounds/{world.round_id}/students/{year9}/allocation").status_code == 404
    assert client.get(f"/school/rounds/{world.round_id}/students/999999/allocation").status_code == 404


# --- commit ----------------------------------------------------------------------------------------------------


def _offers(round_id: int) -> set[tuple[str, str]]:
    rows = db.session.execute(
        select(Application.student_profile_id, Application.placement_id).where(Application.status == "offered")
    )
    return {(str(s), str(p)) for s, p in rows}


def test_commit_makes_exactly_the_previewed_offers(world):
    a, b, c, d = world.students
    rank(world.app, world.round_id, a, [world.small, world.big])
    rank(world.app, world.round_id, b, [world.small, world.online])
    rank(world.app, world.round_id, c, [world.big])
    client = _leader(world.app)
    client.post(f"/school/rounds/{world.round_id}/preview")
    with world.app.app_context():
        snapshot = _round(world.app, world.round_id).allocation
        before = _offers(world.round_id)
    confirm = client.get(f"/school/rounds/{world.round_id}/commit")
    assert confirm.status_code == 200 and "Make 3 offers" in confirm.text
    done = client.post(f"/school/rounds/{world.round_id}/commit")
    assert done.status_code == 303
    with world.app.app_context():
        expected = {(sid, pid) for sid, pid in snapshot["result"].items() if pid is not None}
        assert len(expected) == 3
        assert _offers(world.round_id) - before == expected
        committed = _round(world.app, world.round_id)
        assert committed.status == "committed" and committed.committed_at is not None
        for pid in (world.small, world.big, world.online):
            assert _filled(pid) == sum(1 for _, p in expected if p == str(pid))
        offers = db.session.scalars(select(Application).where(Application.status == "offered")).all()
        for application in offers:
            if (str(application.student_profile_id), str(application.placement_id)) in expected:
                assert [e.action for e in application.events] == ["submit", "allocate"]
        # The student placed hears from the workflow; the school is not told its own students "applied".
        assert db.session.scalar(select(func.count()).where(Notification.message.like("%applied to%"))) == 0
        unplaced_d = db.session.get(User, d)
        assert db.session.scalar(select(func.count()).where(Notification.user_id == unplaced_d.id)) == 0
    page = client.get(f"/school/rounds/{world.round_id}")
    assert "3 offers made" in page.text
    twice = client.post(f"/school/rounds/{world.round_id}/commit")
    assert twice.status_code == 303
    with world.app.app_context():
        assert len(_offers(world.round_id) - before) == 3


def test_a_place_gone_since_the_preview_is_reported_not_overbooked(world):
    a, b, *_ = world.students
    rank(world.app, world.round_id, a, [world.small])
    rank(world.app, world.round_id, b, [world.big])
    preview(world.app, world.round_id)
    (outsider,) = student_ids(world.app, year=10, school_urn="999002")
    make_application(world.app, outsider, world.small, "offered")  # takes the only place meanwhile
    client = _leader(world.app)
    done = client.post(f"/school/rounds/{world.round_id}/commit")
    assert done.status_code == 303
    with world.app.app_context():
        assert _filled(world.small) == 1  # the outsider's, and no more
        assert _filled(world.big) == 1
        outcome = _round(world.app, world.round_id).allocation["outcome"]
        assert "filled up after the preview" in outcome[_profile_id(world.app, a)]["problem"]
        assert "application_id" in outcome[_profile_id(world.app, b)]
        student_a = db.session.get(User, a)
        assert db.session.scalar(select(func.count()).where(Notification.user_id == student_a.id)) == 1
    page = client.get(f"/school/rounds/{world.round_id}").text
    assert "1 offer made" in page and "Offers that could not be made" in page
    assert "filled up after the preview" in page


def test_existing_applications_are_reused_when_submitted_and_reported_otherwise(world):
    a, b, *_ = world.students
    submitted = make_application(world.app, a, world.big, "submitted")
    make_application(world.app, b, world.online, "withdrawn")
    rank(world.app, world.round_id, a, [world.big])
    rank(world.app, world.round_id, b, [world.online])
    preview(world.app, world.round_id)
    assert _leader(world.app).post(f"/school/rounds/{world.round_id}/commit").status_code == 303
    with world.app.app_context():
        assert db.session.get(Application, submitted).status == "offered"
        assert db.session.scalar(select(func.count()).where(Application.placement_id == world.big)) == 1
        problem = _round(world.app, world.round_id).allocation["outcome"][_profile_id(world.app, b)]["problem"]
        assert "already has an application to Online brief (withdrawn by the student)" in problem
        assert _filled(world.online) == 0


def test_students_read_their_own_result_after_the_commit(world):
    a, b, c, _ = world.students
    rank(world.app, world.round_id, a, [world.small])
    rank(world.app, world.round_id, b, [world.small, world.big])
    rank(world.app, world.round_id, c, [world.online])
    snapshot = preview(world.app, world.round_id)
    placed_small = next(u for u in (a, b) if snapshot["result"][_profile_id(world.app, u)] == str(world.small))
    loser = b if placed_small == a else a
    leader = _leader(world.app)
    reason = "Moved for a reason the student must not read."
    leader.post(
        f"/school/rounds/{world.round_id}/students/{c}/allocation", data={"placement": "none", "reason": reason}
    )
    before = _as_student(world.app, placed_small).get(f"/student/rounds/{world.round_id}").text
    assert "Your result" not in before
    leader.post(f"/school/rounds/{world.round_id}/commit")
    mine = _as_student(world.app, placed_small).get(f"/student/rounds/{world.round_id}").text
    assert "You were placed at your 1st choice (Studio day – Southwark Digital Studio)." in mine
    assert "See your offer and accept or decline it" in mine
    theirs = html.unescape(_as_student(world.app, loser).get(f"/student/rounds/{world.round_id}").text)
    assert "was full: all its places went to students ranked ahead of you under the school's published rules" in theirs
    assert "SEND" not in theirs and "disadvantaged" not in theirs.split("How the places are shared out")[0]
    moved = _as_student(world.app, c).get(f"/student/rounds/{world.round_id}").text
    assert "Your careers leader did not allocate you a place in this round." in moved
    assert reason not in moved
    with world.app.app_context():
        assert (
            db.session.scalar(
                select(func.count()).where(Notification.user_id == c, Notification.message.like("The results of%"))
            )
            == 1
        )


# --- the workflow: allocate, consent after the offer, confirm -------------------------------------------


def _leader_user() -> User:
    return db.session.scalar(select(User).where(User.email == "careers1@placements.example"))


def test_allocate_offer_takes_a_place_and_skips_nothing_else(world):
    with world.app.test_request_context():
        student = db.session.get(User, world.students[0])
        placement = db.session.get(Placement, world.small)
        application = applications.allocate_offer(student, placement, _leader_user(), note="Round")
        db.session.commit()
        assert application.status == "offered" and _filled(world.small) == 1
        other = db.session.get(User, world.students[1])
        with pytest.raises(ApplicationError, match="not taking applications"):
            applications.allocate_offer(other, db.session.get(Placement, world.small), _leader_user())
        (year9,) = student_ids(world.app, year=9)
        with pytest.raises(ApplicationError, match="not open to Year 9"):
            applications.allocate_offer(
                db.session.get(User, year9), db.session.get(Placement, world.big), _leader_user()
            )
        with pytest.raises(ApplicationError, match="not something a student can do"):
            applications.allocate_offer(other, db.session.get(Placement, world.big), other)
        db.session.commit()
        assert db.session.scalar(select(func.count()).where(Application.placement_id == world.big)) == 0
        with pytest.raises(ApplicationError, match="not something a student can do"):
            applications.transition(
                applications.apply(other, db.session.get(Placement, world.big), answer=None, share_needs=False),
                "allocate",
                other,
            )


def test_allocate_guards_capacity_at_the_update(world):
    with world.app.test_request_context():
        first = db.session.get(User, world.students[0])
        application = applications.apply(first, db.session.get(Placement, world.small), answer=None, share_needs=False)
        db.session.commit()
        db.session.execute(update(Placement).where(Placement.id == world.small).values(places_filled=1))
        db.session.commit()
        with pytest.raises(applications.NoPlaceLeft):
            applications.transition(db.session.get(Application, application.id), "allocate", _leader_user())
        assert db.session.get(Application, application.id).status == "submitted"
        assert _filled(world.small) == 1


def test_consent_after_an_allocated_offer_then_confirm(world):
    with world.app.test_request_context():
        application = applications.allocate_offer(
            db.session.get(User, world.students[0]), db.session.get(Placement, world.big), _leader_user()
        )
        db.session.commit()
        act(application, "accept")
        db.session.commit()
        with pytest.raises(ApplicationError, match="consent before confirming"):
            act(application, "confirm")
        assert db.session.get(Application, application.id).status == "accepted"
        student = db.session.get(User, world.students[0])
        with pytest.raises(ApplicationError, match="Only the student's school"):
            applications.record_consent_for_offer(application, student, CONSENT)
        applications.record_consent_for_offer(application, _leader_user(), CONSENT)
        db.session.commit()
        assert application.status == "accepted" and [c.version for c in application.consents] == [1]
        applications.record_consent_for_offer(application, _leader_user(), CONSENT)  # a new version
        db.session.commit()
        assert [c.version for c in application.consents] == [1, 2]
        act(application, "confirm")
        db.session.commit()
        assert application.status == "confirmed"
        with pytest.raises(ApplicationError, match="offered or accepted"):
            applications.record_consent_for_offer(application, _leader_user(), CONSENT)
        assert db.session.scalar(select(func.count()).where(ParentalConsent.application_id == application.id)) == 2


def test_virtual_allocations_need_no_consent(world):
    with world.app.test_request_context():
        application = applications.allocate_offer(
            db.session.get(User, world.students[0]), db.session.get(Placement, world.online), _leader_user()
        )
        act(application, "accept")
        with pytest.raises(ApplicationError, match="Virtual placements need no parental consent"):
            applications.record_consent_for_offer(application, _leader_user(), CONSENT)
        act(application, "confirm")
        assert application.status == "confirmed"
