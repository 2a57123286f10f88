"""Careers evidence (placements/evidence.py) and the careers record pages, on the real database."""

from __future__ import annotations

import csv
import gc
import io
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from placements import applications, benchmarks, evidence
from placements.evidence import Activity, EvidenceError
from placements.extensions import db
from placements.models import Application, AuditEvent, Evidence, School, StudentProfile, User
from tests.application_helpers import make_application, student_ids
from tests.conftest import AuthActions, give_password
from tests.discover_helpers import HX, add_placement

TODAY = date.today()
THIS_YEAR = benchmarks.academic_year(TODAY)
GB5_ALL = ["purpose_shared", "learning_outcomes", "two_way_interaction", "reflection"]
TALK = Activity(
    activity_type="employer_talk",
    date=TODAY,
    duration_hours=1.5,
    delivery_mode="in_person",
    employer_name="Southwark Digital Studio",
    employer_size_band="small",
    route="digital",
    criteria=frozenset(GB5_ALL + ["employer_task"]),  # a GB6-only key, which an encounter does not keep
)


def leader(urn: str = "999001") -> User:
    return db.session.scalar(
        select(User).join(School, School.id == User.school_id).where(School.urn == urn, User.role == "careers_leader")
    )


def profiles(*, year_group: int | None = None, form: str | None = None, urn: str = "999001") -> list[StudentProfile]:
    school_id = db.session.scalar(select(School.id).where(School.urn == urn))
    return evidence.current_students(school_id, year_group=year_group, form=form)


def audits(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def form_data(**overrides) -> dict:
    data = {
        "activity_type": "employer_talk",
        "date": TODAY.isoformat(),
        "duration_hours": "1.5",
        "delivery_mode": "in_person",
        "employer_name": "Borough Market Bakery",
        "employer_size_band": "micro",
        "route": "catering",
        "criteria": GB5_ALL,
    }
    data.update(overrides)
    return data


def first_form_with_students(app, year_group: int) -> tuple[str, list[int]]:
    """A demo form of that year group with at least two current students: (name, profile ids)."""
    with app.app_context():
        for name in ("A", "B", "C"):
            found = profiles(form=f"{year_group}{name}")
            if len(found) >= 2:
                return f"{year_group}{name}", [p.id for p in found]
    raise AssertionError("no demo form with two students")


# --- evidence.py: the school's records ----------------------------------------------------------------------


def test_record_for_group_makes_one_audited_record_per_present_student(app):
    with app.test_request_context():
        group = profiles(year_group=8)[:3]
        records = evidence.record_for_group(group, TALK, leader())
        db.session.commit()
        rows = db.session.scalars(select(Evidence).order_by(Evidence.id)).all()
        assert [r.student_profile_id for r in rows] == [p.id for p in group]
        first = rows[0]
        assert (first.benchmark, first.source, first.framework_version) == ("GB5", "school", "2024")
        assert first.criteria_met == "learning_outcomes|purpose_shared|reflection|two_way_interaction"
        assert first.school_id == group[0].school_id and first.recorded_by_id == leader().id
        assert all(benchmarks.is_meaningful(r) for r in rows)
        created = audits("evidence.create")
        assert [(a.object_type, a.object_id) for a in created] == [("Evidence", r.id) for r in records]


def test_record_for_group_refuses_nobody_other_schools_and_leavers(app):
    with app.test_request_context():
        with pytest.raises(EvidenceError, match="Tick at least one"):
            evidence.record_for_group([], TALK, leader())
        other = profiles(year_group=8, urn="999002")[:1]
        with pytest.raises(EvidenceError, match="current students of your school"):
            evidence.record_for_group(other, TALK, leader())
        leaver = profiles(year_group=8)[0]
        leaver.left_at = leaver.user.created_at
        with pytest.raises(EvidenceError, match="current students"):
            evidence.record_for_group([leaver], TALK, leader())
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Evidence)) == 0


def test_placements_are_refused_before_year_10_at_the_activity_date(app):
    placement = Activity(**{**TALK.__dict__, "activity_type": "work_experience_placement", "duration_hours": 30})
    with app.test_request_context():
        with pytest.raises(EvidenceError, match="Year 10 and above"):
            evidence.record_for_group(profiles(year_group=9)[:2], placement, leader())
        # Year 11 now was Year 10 last year, but Year 9 the year before that.
        year11 = profiles(year_group=11)[:1]
        last_year = Activity(**{**placement.__dict__, "date": benchmarks.academic_year_bounds(THIS_YEAR - 1)[0]})
        assert evidence.record_for_group(year11, last_year, leader())
        two_years_ago = Activity(**{**placement.__dict__, "date": benchmarks.academic_year_bounds(THIS_YEAR - 2)[1]})
        with pytest.raises(EvidenceError, match="Year 9"):
            evidence.record_for_group(year11, two_years_ago, leader())


def test_dates_in_the_future_or_before_year_7_are_refused(app):
    with app.test_request_context():
        tomorrow = Activity(**{**TALK.__dict__, "date": TODAY + timedelta(days=1)})
        with pytest.raises(EvidenceError, match="future"):
            evidence.record_for_group(profiles(year_group=8)[:1], tomorrow, leader())
        primary = Activity(**{**TALK.__dict__, "date": benchmarks.academic_year_bounds(THIS_YEAR - 2)[1]})
        with pytest.raises(EvidenceError, match="had not started Year 7"):
            evidence.record_for_group(profiles(year_group=8)[:1], primary, leader())


def test_the_same_activity_twice_for_a_student_is_refused_as_a_double_submit(app):
    with app.test_request_context():
        group = profiles(year_group=8)[:3]
        evidence.record_for_group(group[:1], TALK, leader())
        db.session.commit()
        with pytest.raises(EvidenceError, match=f"already recorded for {group[0].user.full_name}"):
            evidence.record_for_group(group, TALK, leader())
        db.session.rollback()
        another_day = Activity(**{**TALK.__dict__, "date": TODAY - timedelta(days=1)})
        assert len(evidence.record_for_group(group, another_day, leader())) == 3
        assert len(evidence.record_for_group(group[1:], TALK, leader())) == 2


def test_a_part_time_job_is_flagged_as_one(app):
    job = Activity(**{**TALK.__dict__, "activity_type": "part_time_job"})
    with app.test_request_context():
        (record,) = evidence.record_for_group(profiles(year_group=12)[:1], job, leader())
        assert (record.is_part_time_job, record.benchmark) == (True, "GB5")


def test_update_and_delete_are_audited_without_content(app):
    with app.test_request_context():
        (record,) = evidence.record_for_group(profiles(year_group=8)[:1], TALK, leader())
        db.session.commit()
        record_id = record.id
        visit = Activity(**{**TALK.__dict__, "activity_type": "workplace_visit", "duration_hours": 4})
        evidence.update(record, visit, leader())
        db.session.commit()
        assert (record.benchmark, record.duration_hours, record.activity_type) == ("GB6", 4.0, "workplace_visit")
        assert record.criteria_met == "employer_task|learning_outcomes|purpose_shared|reflection|two_way_interaction"
        evidence.delete(record, leader())
        db.session.commit()
        assert db.session.get(Evidence, record_id) is None
        trail = [(a.action, a.object_id, a.actor_id) for a in audits("evidence.update") + audits("evidence.delete")]
        assert trail == [("evidence.update", record_id, leader().id), ("evidence.delete", record_id, leader().id)]


# --- evidence.py: completed placements -------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def no_demo_evidence(app):
    """These tests count records from a known start: without the demo school's recorded activities
    (and their audit rows)."""
    with app.app_context():
        db.session.execute(delete(Evidence))
        db.session.execute(delete(AuditEvent).where(AuditEvent.object_type == "Evidence"))
        db.session.commit()


@pytest.fixture
def visit_id(app):
    return add_placement(app, "Studio visit", activity="workplace_visit", years=(7, 8, 9, 10, 11, 12, 13))


def placement_evidence(application_id: int) -> list[Evidence]:
    return list(db.session.scalars(select(Evidence).where(Evidence.application_id == application_id)))


def test_a_completed_placement_becomes_gb6_evidence_once_and_the_reflection_completes_it(app, visit_id):
    (student_id,) = student_ids(app)
    application_id = make_application(app, student_id, visit_id, "completed")
    with app.test_request_context():
        application = db.session.get(Application, application_id)
        (record,) = placement_evidence(application_id)
        placement = application.placement
        assert (record.source, record.benchmark, record.activity_type) == ("placement", "GB6", "workplace_visit")
        assert (record.date, record.duration_hours, record.delivery_mode) == (placement.start_date, 6.5, "in_person")
        assert (record.employer_name, record.employer_size_band, record.route) == (
            "Southwark Digital Studio",
            placement.organisation.size_band,
            "digital",
        )
        assert record.criteria_met == "employer_task"
        assert record.student_profile_id == application.student_profile_id
        applications.reflect(application, application.student.user, "I learned how a studio plans its week.")
        db.session.commit()
        assert [r.id for r in placement_evidence(application_id)] == [record.id]
        assert record.criteria_met == "employer_task|reflection"
        # Idempotent: called again with nothing new, nothing changes and nothing more is audited.
        before = len(audits("evidence.update"))
        assert evidence.record_from_application(application).id == record.id
        db.session.commit()
        assert len(placement_evidence(application_id)) == 1
        assert len(audits("evidence.update")) == before == 1
        assert db.session.scalar(select(func.count()).select_from(Evidence)) == 1


def test_every_criterion_and_the_reflection_make_the_placement_meaningful(app, visit_id):
    (student_id,) = student_ids(app)
    application_id = make_application(app, student_id, visit_id, "completed")
    with app.test_request_context():
        application = db.session.get(Application, application_id)
        application.criteria_met = (
            "employer_feedback|employer_task|learning_outcomes|purpose_shared|range_of_people|two_way_interaction"
        )
        record = evidence.record_from_application(application)
        assert not benchmarks.is_meaningful(record)
        applications.reflect(application, application.student.user, "Useful.")
        assert benchmarks.is_meaningful(record)


def test_an_encounter_placement_becomes_gb5_evidence_with_its_four_criteria(app):
    talk_id = add_placement(app, "Studio talk", activity="employer_talk", years=(7, 8, 9, 10, 11, 12, 13))
    (student_id,) = student_ids(app)
    application_id = make_application(app, student_id, talk_id, "completed")
    with app.test_request_context():
        application = db.session.get(Application, application_id)
        application.criteria_met = "employer_task|purpose_shared|two_way_interaction"
        record = evidence.record_from_application(application)
        assert (record.benchmark, record.criteria_met) == ("GB5", "purpose_shared|two_way_interaction")


def test_only_a_completed_application_gives_evidence(app, visit_id):
    (student_id,) = student_ids(app)
    application_id = make_application(app, student_id, visit_id, "confirmed")
    with app.test_request_context():
        assert evidence.record_from_application(db.session.get(Application, application_id)) is None
        assert placement_evidence(application_id) == []


def test_placement_evidence_is_changed_only_through_its_application_and_outlives_it(app, visit_id):
    (student_id,) = student_ids(app)
    application_id = make_application(app, student_id, visit_id, "completed")
    with app.test_request_context():
        (record,) = placement_evidence(application_id)
        with pytest.raises(EvidenceError, match="completed placement"):
            evidence.update(record, TALK, leader())
        with pytest.raises(EvidenceError, match="completed placement"):
            evidence.delete(record, leader())
        record_id = record.id
        db.session.execute(delete(Application).where(Application.id == application_id))
        db.session.commit()
        db.session.expire_all()
        kept = db.session.get(Evidence, record_id)
        assert (kept.application_id, kept.source, kept.benchmark) == (None, "placement", "GB6")


# --- recording for a group through the pages ------------------------------------------------------------------


def test_recording_for_a_form_in_two_steps_without_javascript(app, client, auth):
    name, ids = first_form_with_students(app, 8)
    auth.login("careers_leader")
    picker = client.get("/school/evidence/record")
    assert picker.status_code == 200 and f'value="form:{name}"' in picker.text
    step2 = client.get(f"/school/evidence/record?group=form:{name}")
    assert step2.status_code == 200
    assert all(
        re.search(rf'<input checked id="students-\d+" name="students" type="checkbox" value="{i}">', step2.text)
        for i in ids
    )
    absent, present = ids[0], ids[1:]
    response = client.post(f"/school/evidence/record?group=form:{name}", data=form_data(students=present))
    assert response.status_code == 302 and response.headers["Location"].endswith("/school/evidence/")
    page = client.get(response.headers["Location"])
    assert f"Recorded for {len(present)} student" in page.text and "1 absent" in page.text
    with app.app_context():
        recorded = db.session.scalars(select(Evidence.student_profile_id).order_by(Evidence.student_profile_id)).all()
        assert recorded == sorted(present) and absent not in recorded
    again = client.post(f"/school/evidence/record?group=form:{name}", data=form_data(students=present))
    assert again.status_code == 422 and "is already recorded for" in again.text


def test_the_dashboard_changes_when_a_year_group_is_recorded(app, client, auth):
    auth.login("careers_leader")
    with app.app_context():
        year8 = [p.id for p in profiles(year_group=8)]
    before = client.get("/school/evidence/")
    assert f"0 of {len(year8)} (0%)" in before.text
    client.post("/school/evidence/record?group=year:8", data=form_data(students=year8[1:]))
    after = client.get("/school/evidence/")
    share = round(100 * (len(year8) - 1) / len(year8))
    assert f"{len(year8) - 1} of {len(year8)} ({share}%)" in after.text
    # The absentee is listed as missing out, linked to their record.
    with app.app_context():
        absent = db.session.get(StudentProfile, year8[0])
        link = f"/school/evidence/student/{absent.user_id}"
        assert f'href="{link}">{absent.user.last_name}, {absent.user.first_name}</a>' in after.text


def test_invalid_input_gets_422_and_keeps_what_was_typed(app, client, auth):
    name, ids = first_form_with_students(app, 8)
    auth.login("careers_leader")
    data = form_data(students=ids[:1], employer_name="", duration_hours="two", date="2026-02-30")
    response = client.post(f"/school/evidence/record?group=form:{name}", data=data)
    assert response.status_code == 422
    assert "Enter the employer" in response.text and "Enter the hours as a number" in response.text
    assert "Enter a real date" in response.text and 'value="two"' in response.text
    assert re.search(
        rf'<input checked id="students-\d+" name="students" type="checkbox" value="{ids[0]}">', response.text
    )
    assert re.search(rf'<input id="students-\d+" name="students" type="checkbox" value="{ids[1]}">', response.text)
    nobody = client.post(f"/school/evidence/record?group=form:{name}", data=form_data())
    assert nobody.status_code == 422 and "Tick at least one student" in nobody.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Evidence)) == 0


def test_a_placement_for_year_8_is_refused_with_the_names(app, client, auth):
    name, ids = first_form_with_students(app, 8)
    auth.login("careers_leader")
    data = form_data(students=ids, activity_type="work_experience_placement", duration_hours="30")
    response = client.post(f"/school/evidence/record?group=form:{name}", data=data)
    assert response.status_code == 422 and "Work experience placement is for Year 10 and above" in response.text


@pytest.mark.parametrize("group", ["year:6", "year:x", "form:", "form:NOPE", "student:999999", "teacher:1", "year"])
def test_an_unknown_group_is_asked_for_again(client, auth, group):
    auth.login("careers_leader")
    response = client.get(f"/school/evidence/record?group={group}")
    assert response.status_code == 422 and "Choose a year group or a form" in response.text


def test_one_student_of_another_school_is_no_group(app, client, auth):
    auth.login("careers_leader")
    with app.app_context():
        other = profiles(year_group=9, urn="999002")[0].user_id
        mine = profiles(year_group=9)[0]
        mine_id, mine_name = mine.user_id, mine.user.full_name
    assert client.get(f"/school/evidence/record?group=student:{other}").status_code == 422
    page = client.get(f"/school/evidence/record?group=student:{mine_id}")
    assert page.status_code == 200 and f"Record an activity for {mine_name}" in page.text


# --- editing and deleting through the pages ----------------------------------------------------------------------


def _one_record(app) -> tuple[int, int]:
    with app.test_request_context():
        (record,) = evidence.record_for_group(profiles(year_group=8)[:1], TALK, leader())
        db.session.commit()
        return record.id, record.student.user_id


def test_edit_and_delete_through_the_pages_with_a_confirmation_step(app, client, auth):
    record_id, user_id = _one_record(app)
    auth.login("careers_leader")
    form = client.get(f"/school/evidence/records/{record_id}/edit")
    assert form.status_code == 200 and 'value="Southwark Digital Studio"' in form.text
    bad = client.post(f"/school/evidence/records/{record_id}/edit", data=form_data(duration_hours="0"))
    assert bad.status_code == 422 and "more than 0" in bad.text
    saved = client.post(f"/school/evidence/records/{record_id}/edit", data=form_data(duration_hours="2"))
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"/school/evidence/student/{user_id}")
    confirm = client.get(f"/school/evidence/records/{record_id}/delete")
    assert confirm.status_code == 200 and "Delete this record" in confirm.text
    with app.app_context():
        assert db.session.get(Evidence, record_id).employer_name == "Borough Market Bakery"
    gone = client.post(f"/school/evidence/records/{record_id}/delete")
    assert gone.status_code == 302
    with app.app_context():
        assert db.session.get(Evidence, record_id) is None
        assert [a.action for a in audits("evidence.update") + audits("evidence.delete")] == [
            "evidence.update",
            "evidence.delete",
        ]
    assert client.get(f"/school/evidence/records/{record_id}/edit").status_code == 404


def test_placement_evidence_has_no_change_links_and_cannot_be_changed(app, client, auth):
    placement_id = add_placement(app, "Studio visit", years=(7, 8, 9, 10, 11, 12, 13))
    (student_id,) = student_ids(app)
    application_id = make_application(app, student_id, placement_id, "completed")
    with app.app_context():
        (record,) = placement_evidence(application_id)
        record_id = record.id
    auth.login("careers_leader")
    page = client.get(f"/school/evidence/student/{student_id}")
    assert "A completed placement" in page.text and f"/records/{record_id}/edit" not in page.text
    assert client.get(f"/school/evidence/records/{record_id}/edit").status_code == 302
    assert client.post(f"/school/evidence/records/{record_id}/delete").status_code == 302
    with app.app_context():
        assert db.session.get(Evidence, record_id) is not None


def test_records_list_is_a_page_and_an_htmx_fragment(app, client, auth):
    _one_record(app)
    auth.login("careers_leader")
    page = client.get(f"/school/evidence/records?year={THIS_YEAR}&year_group=8")
    assert page.status_code == 200 and "<html" in page.text and "1 record" in page.text
    fragment = client.get("/school/evidence/records?year_group=9", headers=HX)
    assert "<html" not in fragment.text and "0 records" in fragment.text and "HX-Request" in fragment.vary
    last_year = client.get(f"/school/evidence/records?year={THIS_YEAR - 1}")
    assert "0 records" in last_year.text


# --- the export and the report -------------------------------------------------------------------------------------


def test_csv_has_the_interop_layout_one_row_per_student_per_activity(app, client, auth):
    with app.test_request_context():
        group = profiles(year_group=9)[:2]
        group[0].upn, group[1].upn = "B123456789012", "A123456789012"
        evidence.record_for_group(group, TALK, leader())
        hostile = Activity(
            **{**TALK.__dict__, "activity_type": "workplace_visit", "employer_name": '=HYPERLINK("http://x.invalid")'}
        )
        evidence.record_for_group(group[:1], hostile, leader())
        other_year = Activity(**{**TALK.__dict__, "date": benchmarks.academic_year_bounds(THIS_YEAR - 1)[1]})
        evidence.record_for_group(group[:1], other_year, leader())
        evidence.record_for_group(profiles(year_group=9, urn="999002")[:1], TALK, leader("999002"))
        db.session.commit()
    auth.login("careers_leader")
    response = client.get("/school/evidence/evidence.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == [
        "upn",
        "academic_year",
        "nc_year",
        "activity_id",
        "activity_date",
        "duration_hours",
        "benchmark",
        "activity_type",
        "delivery_mode",
        "employer_name",
        "employer_size_band",
        "sector_route",
        "meaningful_criteria_met",
        "meaningful",
        "counts_towards_wex_guarantee",
    ]
    body = rows[1:]
    assert [(r[0], r[7]) for r in body] == [
        ("A123456789012", "employer_talk"),
        ("B123456789012", "employer_talk"),
        ("B123456789012", "workplace_visit"),
    ]
    label = benchmarks.academic_year_label(THIS_YEAR)
    assert body[0][1:3] == [label, "9"] and body[0][4:7] == [TODAY.isoformat(), "1.5", "GB5"]
    assert body[0][8:] == [
        "in_person",
        "Southwark Digital Studio",
        "small",
        "digital",
        "learning_outcomes|purpose_shared|reflection|two_way_interaction",
        "Y",
        "N",
    ]
    # The visit is GB6 with only five of the seven: not meaningful, so no guarantee hours either.
    assert body[2][9] == '\'=HYPERLINK("http://x.invalid")' and body[2][13:] == ["N", "N"]
    last_year = list(csv.reader(io.StringIO(client.get(f"/school/evidence/evidence.csv?year={THIS_YEAR - 1}").text)))
    assert [(r[0], r[2]) for r in last_year[1:]] == [("B123456789012", "8")]


def test_csv_marks_guarantee_hours(app, client, auth):
    visit = Activity(
        **{**TALK.__dict__, "activity_type": "workplace_visit", "criteria": frozenset(benchmarks.GB6_CRITERIA)}
    )
    with app.test_request_context():
        evidence.record_for_group(profiles(year_group=8)[:1], visit, leader())
        evidence.record_for_group(profiles(year_group=10)[:1], visit, leader())
        db.session.commit()
    auth.login("careers_leader")
    rows = list(csv.reader(io.StringIO(client.get("/school/evidence/evidence.csv").text)))[1:]
    assert sorted((r[2], r[13], r[14]) for r in rows) == [("10", "Y", "N"), ("8", "Y", "Y")]


def test_the_report_is_printable(app, client, auth):
    _one_record(app)
    auth.login("careers_leader")
    response = client.get(f"/school/evidence/report?year={THIS_YEAR}")
    assert response.status_code == 200
    assert "yearly report" in response.text and "careers_record.css" in response.text
    assert "Year 8: " in response.text and "EHC plan (E)" in response.text and "Disadvantaged" in response.text
    css = (Path(app.static_folder) / "careers_record.css").read_text()
    assert "@media print" in css and ".site-header" in css[css.index("@media print") :]


def test_a_year_before_september_2025_is_judged_on_the_2014_benchmarks(client, auth):
    auth.login("careers_leader")
    page = client.get("/school/evidence/?year=2024")
    expected = "2014" if 2024 in range(THIS_YEAR - 6, THIS_YEAR + 1) else "2024"
    assert f"({expected} Gatsby Benchmarks)" in page.text
    if expected == "2014":
        assert "GB6: 1 meaningful experience by the end of Year 11" in page.text


def test_an_unknown_year_shows_the_current_one(client, auth):
    auth.login("careers_leader")
    for year in ("1999", "abc", str(THIS_YEAR + 1), ""):
        response = client.get(f"/school/evidence/?year={year}")
        assert response.status_code == 200
        assert f"Careers record, {benchmarks.academic_year_label(THIS_YEAR)}" in response.text


def test_the_dashboard_breaks_down_by_sen_and_disadvantage_with_a_chart(app, client, auth):
    with app.test_request_context():
        year8 = profiles(year_group=8)
        for profile, code in zip(year8, ("E", "K", "N", "N"), strict=False):
            profile.sen_provision, profile.disadvantaged = code, code == "E"
        evidence.record_for_group(year8[:1], TALK, leader())
        db.session.commit()
    auth.login("careers_leader")
    page = client.get("/school/evidence/").text
    assert '<svg viewBox="0 0 640' in page and 'role="img"' in page and '<title id="chart-title">' in page
    year8_table = page[page.index("<caption>Year 8: ") :]
    year8_table = year8_table[: year8_table.index("</table>")]
    assert re.search(r"EHC plan \(E\)</th><td>\d+</td><td>1 of \d+ \(\d+%\)", year8_table)
    assert re.search(r"SEN support \(K\)</th><td>\d+</td><td>0 of \d+ \(0%\)", year8_table)


# --- the student's own record, and access ----------------------------------------------------------------------------


def test_a_student_sees_their_own_timeline_and_nobody_elses(app, client, auth):
    with app.test_request_context():
        me = db.session.scalar(select(User).where(User.email == "student1@placements.example"))
        classmate = [p for p in profiles(year_group=me.student_profile.year_group) if p.user_id != me.id][0]
        evidence.record_for_group([me.student_profile], TALK, leader())
        other = Activity(**{**TALK.__dict__, "employer_name": "Someone Else Ltd"})
        evidence.record_for_group([classmate], other, leader())
        db.session.commit()
    auth.login("student")
    page = client.get("/student/record")
    assert page.status_code == 200
    assert "Southwark Digital Studio" in page.text and "Someone Else Ltd" not in page.text
    assert "Meaningful" in page.text and "/records/" not in page.text  # no links to change anything
    assert "SEN" not in page.text


def test_the_staff_view_of_a_student_shows_their_status(app, client, auth):
    record_id, user_id = _one_record(app)
    auth.login("careers_leader")
    page = client.get(f"/school/evidence/student/{user_id}")
    assert page.status_code == 200
    assert "1 meaningful encounter with employers this year" in page.text
    assert f"/school/evidence/records/{record_id}/edit" in page.text


def test_careers_leaders_get_404_for_another_schools_records_and_students(app, client, auth):
    record_id, user_id = _one_record(app)
    give_password(app, "careers2@placements.example")
    auth.login("careers2@placements.example")
    assert client.get(f"/school/evidence/student/{user_id}").status_code == 404
    assert client.get(f"/school/evidence/records/{record_id}/edit").status_code == 404
    assert client.post(f"/school/evidence/records/{record_id}/edit", data=form_data()).status_code == 404
    assert client.get(f"/school/evidence/records/{record_id}/delete").status_code == 404
    assert client.post(f"/school/evidence/records/{record_id}/delete").status_code == 404
    assert "0 records" in client.get(f"/school/evidence/records?year={THIS_YEAR}").text
    rows = list(csv.reader(io.StringIO(client.get("/school/evidence/evidence.csv").text)))
    assert len(rows) == 1  # the header only
    with app.app_context():
        assert db.session.get(Evidence, record_id) is not None


@pytest.mark.parametrize("role", ["student", "employer", "admin"])
@pytest.mark.parametrize(
    "path", ["/school/evidence/", "/school/evidence/evidence.csv", "/school/evidence/report", "/school/evidence/record"]
)
def test_only_careers_leaders_reach_the_school_pages(client, auth, role, path):
    auth.login(role)
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("role", ["careers_leader", "employer", "admin"])
def test_only_students_have_a_my_record_page(client, auth, role):
    auth.login(role)
    assert client.get("/student/record").status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client):
    for path in ("/school/evidence/", "/student/record", "/school/evidence/evidence.csv"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_deleting_a_student_deletes_their_evidence(app):
    with app.test_request_context():
        (record,) = evidence.record_for_group(profiles(year_group=8)[:1], TALK, leader())
        db.session.commit()
        record_id, user = record.id, record.student.user
        db.session.delete(user)
        db.session.commit()
        assert db.session.get(Evidence, record_id) is None


def test_two_sessions_cannot_make_two_records_for_one_application(app):
    """The unique application_id is the backstop behind record_from_application's upsert."""
    placement_id = add_placement(app, "Studio visit", years=(7, 8, 9, 10, 11, 12, 13))
    (student_id,) = student_ids(app)
    application_id = make_application(app, student_id, placement_id, "completed")
    with app.test_request_context():
        (record,) = placement_evidence(application_id)
        copy = Evidence(**{c.name: getattr(record, c.name) for c in Evidence.__table__.columns if c.name not in {"id"}})
        db.session.add(copy)
        with pytest.raises(Exception, match="(?i)unique"):
            db.session.flush()
        db.session.rollback()


@pytest.mark.parametrize("enabled", [True, False])
def test_the_dashboard_leaves_the_garbage_collector_as_it_found_it(client, auth, enabled):
    """The summary pauses the collector (evidence._collector_paused); it must come back as it was."""
    auth.login("careers_leader")
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        assert client.get("/school/evidence/").status_code == 200
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_the_number_of_experiences_by_16_is_configuration(app, client, auth):
    visit = Activity(
        **{**TALK.__dict__, "activity_type": "workplace_visit", "criteria": frozenset(benchmarks.GB6_CRITERIA)}
    )
    with app.test_request_context():
        (record,) = evidence.record_for_group(profiles(year_group=11)[:1], visit, leader())
        db.session.commit()
        user_id = record.student.user_id
    auth.login("careers_leader")
    page = client.get(f"/school/evidence/student/{user_id}").text
    assert "1 of 2 meaningful experiences of workplaces" in page
    app.config["GB6_EXPERIENCES_BY_16"] = 1
    page = client.get(f"/school/evidence/student/{user_id}").text
    assert "1 of 1 meaningful experience of workplaces" in page
    assert "GB6: 1 meaningful experience by the end of Year 11" in client.get("/school/evidence/").text


def test_the_printable_report_hides_small_groups_that_could_identify_a_child(app, client):
    with app.app_context():
        school_id = db.session.scalar(select(School.id).where(School.urn == "999001"))
        ehc_plans = db.session.scalar(
            select(func.count()).where(StudentProfile.school_id == school_id, StudentProfile.sen_provision == "E")
        )
    assert 0 < ehc_plans < 5  # the demo school's EHC plans: a small group
    AuthActions(client).login("careers_leader")
    report = client.get("/school/evidence/report").text
    row = re.search(r"EHC plan \(E\)</th><td>([^<]*)</td>", report)
    assert row and row.group(1) == "fewer than 5"
    dashboard = client.get("/school/evidence/").text
    assert re.search(rf"EHC plan \(E\)</th><td>{ehc_plans}</td>", dashboard)  # staff-only page: the figures
    app.config["REPORT_SMALL_GROUP"] = 0
    assert re.search(rf"EHC plan \(E\)</th><td>{ehc_plans}</td>", client.get("/school/evidence/report").text)
