"""Every write to careers evidence (Gatsby Benchmarks 5 and 6), and the school-scoped reads of it.

Writes: `record_for_group`, `update` and `delete` for what the school records, and
`record_from_application` for a completed placement (called by applications.py, so nothing is keyed
twice). Each is part of the caller's transaction and the caller commits; on EvidenceError nothing has
been added or changed. Creating, changing and deleting a record is audited (who, which record, when),
never its content.

The rules (what counts, per student and year) are in benchmarks.py; this module fetches the few
columns they read in one query per table and hands them over.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

from flask import abort
from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager

from . import accounts, benchmarks, vocab
from .extensions import db
from .models import Application, Evidence, StudentProfile, User

EMPLOYER_NAME_MAX = 200
HOURS_MAX = 500.0


class EvidenceError(Exception):
    """A record the rules refuse, with a message for the careers leader."""


@dataclass(frozen=True)
class Activity:
    """What happened, as the careers leader enters it: the same for every student of a group."""

    activity_type: str
    date: date
    duration_hours: float
    delivery_mode: str
    employer_name: str
    employer_size_band: str | None = None
    route: str | None = None
    criteria: frozenset[str] = frozenset()
    is_part_time_job: bool = False


# --- years ---------------------------------------------------------------------------------------------


def current_academic_year(today: date | None = None) -> int:
    return benchmarks.academic_year(today or date.today())


def year_group_on(year_group_now: int, when: date, today: date | None = None) -> int:
    """The year group a student in `year_group_now` (this academic year) was in on `when`."""
    return benchmarks.nc_year_at(year_group_now, current_academic_year(today), when)


# --- writes ----------------------------------------------------------------------------------------------


def record_for_group(students: Sequence[StudentProfile], activity: Activity, actor: User) -> list[Evidence]:
    """One record per student who took part (the absentees already left out), all or nothing."""
    if not students:
        raise EvidenceError("Tick at least one student who took part.")
    for profile in students:
        if profile.school_id != actor.school_id or profile.is_leaver:
            raise EvidenceError("Choose current students of your school.")
    _check(activity, students)
    values = _values(activity)
    _refuse_duplicates(students, values)
    records = [
        Evidence(student=profile, school_id=profile.school_id, source="school", recorded_by_id=actor.id, **values)
        for profile in students
    ]
    db.session.add_all(records)
    db.session.flush()
    for record in records:
        accounts.audit(actor, "evidence.create", record)
    return records


def update(evidence: Evidence, activity: Activity, actor: User) -> None:
    """Change what the school recorded. Placement evidence changes only with its application."""
    _refuse_if_linked(evidence)
    _check(activity, [evidence.student])
    for key, value in _values(activity).items():
        setattr(evidence, key, value)
    accounts.audit(actor, "evidence.update", evidence)


def delete(evidence: Evidence, actor: User) -> None:
    _refuse_if_linked(evidence)
    accounts.audit(actor, "evidence.delete", evidence)  # the id stays in the audit trail; the content goes
    db.session.delete(evidence)


def record_from_application(application: Application, actor: User | None = None) -> Evidence | None:
    """The evidence a completed placement gives, made or brought up to date (idempotent: one record per
    application, keyed on application_id). None for an application that is not completed.

    GB6 for an experience of a workplace, GB5 for an encounter: the placement's type, mode, route and
    start date, the organisation's name and size, the hours the employer confirmed, and the criteria
    the employer ticked with "reflection" once the student has reflected (each benchmark's own list).
    """
    if application.status != "completed" or not application.hours_attended:
        return None
    placement = application.placement
    organisation = placement.organisation
    benchmark = vocab.EVIDENCE_BENCHMARK[placement.activity_type]
    criteria = set(application.criteria_met_keys)
    if application.reflection:
        criteria.add("reflection")
    values = {
        "activity_type": placement.activity_type,
        "date": placement.start_date,
        "duration_hours": application.hours_attended,
        "delivery_mode": placement.delivery_mode,
        "employer_name": organisation.name[:EMPLOYER_NAME_MAX],
        "employer_size_band": organisation.size_band if organisation.size_band in vocab.SIZE_BANDS else None,
        "route": placement.route if placement.route in vocab.ROUTES else None,
        "benchmark": benchmark,
        "criteria_met": _pipe(criteria & set(vocab.CRITERIA_BY_BENCHMARK[benchmark])),
        "framework_version": benchmarks.framework_for_year(benchmarks.academic_year(placement.start_date)),
        "is_part_time_job": False,
    }
    evidence = db.session.scalar(select(Evidence).where(Evidence.application_id == application.id))
    if evidence is None:
        evidence = Evidence(
            application_id=application.id,
            student_profile_id=application.student_profile_id,
            school_id=application.school_id,
            source="placement",
            recorded_by_id=actor.id if actor is not None else None,
            **values,
        )
        db.session.add(evidence)
        db.session.flush()
        accounts.audit(actor, "evidence.create", evidence)
    elif any(getattr(evidence, key) != value for key, value in values.items()):
        for key, value in values.items():
            setattr(evidence, key, value)
        accounts.audit(actor, "evidence.update", evidence)
    return evidence


def _refuse_duplicates(students: Sequence[StudentProfile], values: dict) -> None:
    """The same activity on the same day with the same employer, for a student who has it already, is a
    form sent twice (a double click, the back button): say so rather than count it twice."""
    ids = [profile.id for profile in students]
    already = set(
        db.session.scalars(
            select(Evidence.student_profile_id).where(
                Evidence.student_profile_id.in_(ids),
                Evidence.date == values["date"],
                Evidence.activity_type == values["activity_type"],
                Evidence.employer_name == values["employer_name"],
            )
        )
    )
    if already:
        names = [profile.user.full_name for profile in students if profile.id in already]
        listed = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        raise EvidenceError(
            f"This activity with {values['employer_name']} on that date is already recorded for {listed}."
            " Untick them, or change the existing records from their careers record."
        )


def _refuse_if_linked(evidence: Evidence) -> None:
    if evidence.is_linked_to_placement:
        raise EvidenceError(
            "This record comes from a completed placement: it changes with the employer's feedback and the"
            " student's reflection, not by hand."
        )


def _check(activity: Activity, students: Sequence[StudentProfile], today: date | None = None) -> None:
    """The rules a school's record must meet; the form checks most of them first, in the user's words."""
    today = today or date.today()
    if activity.activity_type not in vocab.EVIDENCE_ACTIVITY_TYPES:
        raise EvidenceError("Choose the type of activity from the list.")
    if activity.delivery_mode not in vocab.DELIVERY_MODES:
        raise EvidenceError("Choose how the activity was delivered.")
    name = (activity.employer_name or "").strip()
    if not name or len(name) > EMPLOYER_NAME_MAX:
        raise EvidenceError(f"Enter the employer's name (at most {EMPLOYER_NAME_MAX} characters).")
    if activity.employer_size_band not in (None, *vocab.SIZE_BANDS):
        raise EvidenceError("Choose the employer's size from the list.")
    if activity.route not in (None, *vocab.ROUTES):
        raise EvidenceError("Choose the sector from the list.")
    if not 0 < activity.duration_hours <= HOURS_MAX:
        raise EvidenceError(f"Enter the hours: more than 0 and at most {HOURS_MAX:g}.")
    if activity.date > today:
        raise EvidenceError("The date cannot be in the future: record an activity once it has happened.")
    if not activity.criteria <= set(vocab.GB6_CRITERIA):
        raise EvidenceError("Choose criteria from the list.")
    min_year = vocab.ACTIVITY_MIN_YEAR.get(activity.activity_type, 7)
    too_young = []
    for profile in students:
        year = year_group_on(profile.year_group, activity.date, today)
        if year < min_year:
            too_young.append(f"{profile.user.full_name} (Year {year})" if year >= 7 else profile.user.full_name)
    if too_young:
        label = vocab.EVIDENCE_ACTIVITY_TYPES[activity.activity_type]
        names = ", ".join(too_young[:5]) + (f" and {len(too_young) - 5} more" if len(too_young) > 5 else "")
        if min_year > 7:
            raise EvidenceError(
                f"{label} is for Year {min_year} and above. On that date these students were not: {names}."
            )
        raise EvidenceError(f"On that date these students had not started Year 7: {names}. Check the date.")


def _values(activity: Activity) -> dict:
    benchmark = vocab.EVIDENCE_BENCHMARK[activity.activity_type]
    return {
        "activity_type": activity.activity_type,
        "date": activity.date,
        "duration_hours": float(activity.duration_hours),
        "delivery_mode": activity.delivery_mode,
        "employer_name": activity.employer_name.strip(),
        "employer_size_band": activity.employer_size_band or None,
        "route": activity.route or None,
        "benchmark": benchmark,
        # Only the benchmark's own checklist is kept: a GB6 key on an encounter means nothing.
        "criteria_met": _pipe(set(activity.criteria) & set(vocab.CRITERIA_BY_BENCHMARK[benchmark])),
        # Judged by the definition in force on the day (domain.md §1.1): 2024 from September 2025.
        "framework_version": benchmarks.framework_for_year(benchmarks.academic_year(activity.date)),
        "is_part_time_job": activity.is_part_time_job or activity.activity_type == benchmarks.PART_TIME_JOB,
    }


def _pipe(keys: set[str]) -> str:
    return "|".join(sorted(keys))


# --- reads, scoped to one school --------------------------------------------------------------------------


def get_for_school(evidence_id: int, user: User) -> Evidence:
    evidence = db.session.get(Evidence, evidence_id)
    if evidence is None or evidence.school_id != user.school_id:
        abort(404)
    return evidence


def current_students(
    school_id: int, *, year_group: int | None = None, form: str | None = None, user_id: int | None = None
) -> list[StudentProfile]:
    """A school's current students (not leavers), by name, optionally one year group, form or student."""
    query = (
        select(StudentProfile)
        .join(User, User.id == StudentProfile.user_id)
        .options(contains_eager(StudentProfile.user))
        .where(StudentProfile.school_id == school_id, StudentProfile.left_at.is_(None))
        .order_by(User.last_name, User.first_name, User.id)
    )
    if year_group is not None:
        query = query.where(StudentProfile.year_group == year_group)
    if form is not None:
        query = query.where(StudentProfile.form == form)
    if user_id is not None:
        query = query.where(StudentProfile.user_id == user_id)
    return list(db.session.scalars(query))


def forms_of(school_id: int) -> list[tuple[int, str]]:
    """(year group, form) of every form with current students, in year then name order."""
    rows = db.session.execute(
        select(StudentProfile.year_group, StudentProfile.form)
        .where(
            StudentProfile.school_id == school_id,
            StudentProfile.left_at.is_(None),
            StudentProfile.form.is_not(None),
            StudentProfile.form != "",
        )
        .distinct()
    )
    return sorted(((year, name) for year, name in rows), key=lambda row: (row[0], row[1].lower()))


def records_of(profile_id: int) -> list[Evidence]:
    """One student's records, newest first."""
    return list(
        db.session.scalars(
            select(Evidence)
            .where(Evidence.student_profile_id == profile_id)
            .order_by(Evidence.date.desc(), Evidence.id.desc())
        )
    )


@dataclass(frozen=True)
class CohortStudent:
    """A student as the dashboard needs them: benchmarks.py's Student plus a name to list them by."""

    id: int  # the student profile
    user_id: int
    first_name: str
    last_name: str
    form: str | None
    nc_year: int  # their year group in the assessed academic year
    sen_provision: str
    disadvantaged: bool
    on_roll_from: date | None = None  # not recorded: evidence from before a student joined counts anyway

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


def cohort(school_id: int, year: int, today: date | None = None) -> list[CohortStudent]:
    """The school's students in academic `year`, with their year group then: everyone on roll at its end
    (for the current year, everyone not a leaver). Students outside Years 7-13 then are left for
    benchmarks.school_summary to drop."""
    last_day = benchmarks.academic_year_bounds(year)[1]
    shift = current_academic_year(today) - year
    rows = db.session.execute(
        select(
            StudentProfile.id,
            StudentProfile.user_id,
            User.first_name,
            User.last_name,
            StudentProfile.form,
            StudentProfile.year_group,
            StudentProfile.sen_provision,
            StudentProfile.disadvantaged,
        )
        .join(User, User.id == StudentProfile.user_id)
        .where(
            StudentProfile.school_id == school_id,
            or_(
                StudentProfile.left_at.is_(None),
                StudentProfile.left_at >= datetime.combine(last_day + timedelta(days=1), datetime.min.time()),
            ),
        )
    )
    return [
        CohortStudent(pid, uid, first, last, form, year_group - shift, sen, bool(disadvantaged))
        for pid, uid, first, last, form, year_group, sen, disadvantaged in rows
    ]


class RuleRow(NamedTuple):
    """One record as benchmarks.py reads it (criteria_met stays a pipe list). A named tuple, because the
    rules read about ten attributes of each of a school's tens of thousands of records, and a named
    tuple's attributes are several times faster to read than a SQLAlchemy Row's."""

    student_id: int
    activity_type: str
    date: date
    duration_hours: float
    delivery_mode: str
    benchmark: str
    criteria_met: str
    framework_version: str
    is_part_time_job: bool


# RuleRow's columns, in its order: all in ix_evidence_rules, so the dashboard reads only that index.
_RULE_COLUMNS = (
    Evidence.student_profile_id.label("student_id"),
    Evidence.activity_type,
    Evidence.date,
    Evidence.duration_hours,
    Evidence.delivery_mode,
    Evidence.benchmark,
    Evidence.criteria_met,
    Evidence.framework_version,
    Evidence.is_part_time_job,
)


def rule_rows(school_id: int, year: int) -> list[RuleRow]:
    """Every record of the school that can count in academic `year`, as RuleRows, in one query: those up
    to the year's end, less earlier ones that count toward neither GB6 nor the guarantee
    (benchmarks.counts_before_the_year), read from the ix_evidence_rules index alone."""
    first_day, last_day = benchmarks.academic_year_bounds(year)
    query = select(*_RULE_COLUMNS).where(
        Evidence.school_id == school_id,
        Evidence.date <= last_day,
        or_(
            Evidence.date >= first_day,
            Evidence.benchmark.in_(benchmarks.PAST_BENCHMARKS),
            Evidence.activity_type.in_(benchmarks.GUARANTEE_TYPES),
        ),
    )
    return list(map(RuleRow._make, db.session.execute(query)))


def school_summary(
    school_id: int, year: int, config: benchmarks.BenchmarkConfig, today: date | None = None
) -> tuple[benchmarks.SchoolSummary, dict[int, CohortStudent]]:
    """The dashboard's figures: two queries (the students, their records) and the pure rules. Also the
    students by id. Measured by benchmarks/evidence_dashboard.py."""
    with _collector_paused():
        students = cohort(school_id, year, today)
        summary = benchmarks.school_summary(students, rule_rows(school_id, year), year, config)
    return summary, {s.id: s for s in students}


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Hold off Python's cyclic garbage collector while a school's records are summarised. The tens of
    thousands of objects alive until the summary is done (and freed by reference counting afterwards)
    set off a full collection of the whole process about every other request, which doubled the
    dashboard's CPU time (benchmarks/README.md). Collection resumes, as before, on the way out."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def student_status(
    profile: StudentProfile, records: Sequence[Evidence], year: int, config: benchmarks.BenchmarkConfig
) -> benchmarks.StudentBenchmarkStatus | None:
    """One student's standing in academic `year`, or None when they were not in Years 7-13 then."""
    nc_year = profile.year_group - (current_academic_year() - year)
    if nc_year not in benchmarks.YEAR_GROUPS:
        return None
    student = CohortStudent(
        profile.id, profile.user_id, "", "", profile.form, nc_year, profile.sen_provision, profile.disadvantaged
    )
    return benchmarks.student_status(student, records, year, config)


# --- the interop CSV (domain.md §7.4) ---------------------------------------------------------------------

CSV_HEADER = (
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
)


def csv_rows(school_id: int, year: int, config: benchmarks.BenchmarkConfig) -> Iterator[list]:
    """The header, then one row per student per activity dated in academic `year`, by UPN then date.

    Text cells are raw here: write them with csv_safety, which neutralises formula-like cells. A student
    with no UPN yet (added by hand, not imported) has an empty upn cell rather than no rows.
    """
    first_day, last_day = benchmarks.academic_year_bounds(year)
    label = benchmarks.academic_year_label(year)
    shift = current_academic_year() - year
    query = (
        select(Evidence, StudentProfile.upn, StudentProfile.year_group)
        .join(StudentProfile, StudentProfile.id == Evidence.student_profile_id)
        .where(Evidence.school_id == school_id, Evidence.date >= first_day, Evidence.date <= last_day)
        .order_by(StudentProfile.upn.asc().nulls_last(), Evidence.student_profile_id, Evidence.date, Evidence.id)
    )
    yield list(CSV_HEADER)
    for record, upn, year_group in db.session.execute(query):
        nc_year = year_group - shift
        meaningful = benchmarks.is_meaningful(record)
        stage = benchmarks.guarantee_stage(record, nc_year, config)
        yield [
            upn,
            label,
            nc_year,
            record.id,
            record.date,
            record.duration_hours,
            record.benchmark,
            record.activity_type,
            record.delivery_mode,
            record.employer_name,
            record.employer_size_band,
            record.route,
            record.criteria_met,
            "Y" if meaningful else "N",
            "Y" if stage else "N",
        ]
