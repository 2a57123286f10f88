"""Careers records: Gatsby Benchmark 5 and 6 evidence for careers leaders (their own school only), and
each student's own record.

A careers leader records an activity for a whole year group or form at once (pick the group, untick
the absentees, save), edits or deletes the school's records, follows the dashboard for an academic
year (each year group's share meeting GB5, GB6 and the two-week guarantee, by SEN provision and
disadvantage, and who is missing out), downloads the interop CSV and prints the yearly report.
Writes go through evidence.py; the rules are benchmarks.py's.
"""

from __future__ import annotations

import io
from datetime import date

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from . import applications, benchmarks, csv_safety, evidence, htmx, vocab
from .access import roles
from .extensions import db
from .forms import ConfirmForm, EvidenceForm, GroupEvidenceForm, status
from .models import Evidence, StudentProfile, User
from .numbers import whole_number
from .pagination import Page, paginate, requested_page
from .school import get_student

bp = Blueprint("careers_record", __name__, url_prefix="/school/evidence")
student_bp = Blueprint("my_record", __name__, url_prefix="/student")
careers_leader_only = roles("careers_leader")
student_only = roles("student")

YEARS_BACK = 6  # academic years the dashboard offers before the current one


def benchmark_config() -> benchmarks.BenchmarkConfig:
    """The thresholds, from configuration where it sets them (domain.md marks "multiple" as UNCONFIRMED)."""
    config = current_app.config
    default = benchmarks.DEFAULT_CONFIG
    return benchmarks.BenchmarkConfig(
        gb6_by_16=int(config.get("GB6_EXPERIENCES_BY_16", default.gb6_by_16)),
        ks3_target_hours=float(config.get("GUARANTEE_KS3_HOURS", default.ks3_target_hours)),
        ks4_target_hours=float(config.get("GUARANTEE_KS4_HOURS", default.ks4_target_hours)),
    )


def offered_years() -> list[int]:
    current = evidence.current_academic_year()
    return list(range(current, current - YEARS_BACK - 1, -1))


def requested_year() -> int:
    """?year= when it is one of the offered academic years, else the current one."""
    raw = request.args.get("year", "")
    years = offered_years()
    return year if (year := whole_number(raw)) in years else years[0]


def measure_labels(config: benchmarks.BenchmarkConfig, framework: str) -> dict[str, str]:
    by_16 = config.gb6_by_16_for(framework)  # 2024: "multiple"; 2014: one
    return {
        benchmarks.GB5_MET: "GB5: a meaningful encounter this year",
        benchmarks.GB6_BY_16: f"GB6: {by_16} meaningful experience{'' if by_16 == 1 else 's'} by the end of Year 11",
        benchmarks.GB6_BY_18: f"GB6: {config.gb6_by_18} more by the end of Year 13",
        benchmarks.KS3_GUARANTEE: f"Guarantee: {config.ks3_target_hours:g} hours of activities in Years 7 to 9",
        benchmarks.KS4_GUARANTEE: f"Guarantee: {config.ks4_target_hours:g} hours of placements in Years 10 and 11",
    }


# Short names for the list of students missing out.
MISSING_LABELS = {
    benchmarks.GB5_MET: "GB5 this year",
    benchmarks.GB6_BY_16: "GB6 by 16",
    benchmarks.GB6_BY_18: "GB6 by 18",
    benchmarks.KS3_GUARANTEE: "guarantee hours, Years 7 to 9",
    benchmarks.KS4_GUARANTEE: "guarantee hours, Years 10 and 11",
}


def chart_rows(summary: benchmarks.SchoolSummary) -> list[dict]:
    """Per year group with students: its three headline shares (GB5, GB6 due at its stage, guarantee)."""
    rows = []
    for nc, group in summary.year_groups.items():
        tally = group.total
        if not tally.students:
            continue
        gb6 = benchmarks.GB6_BY_18 if nc >= 12 else benchmarks.GB6_BY_16
        guarantee = benchmarks.KS3_GUARANTEE if nc <= 9 else benchmarks.KS4_GUARANTEE if nc <= 11 else None
        bars = []
        for key, short in ((benchmarks.GB5_MET, "GB5"), (gb6, "GB6"), (guarantee, "Guarantee")):
            if key is not None:
                share = tally.share(key) or 0.0
                bars.append(
                    {"key": key, "short": short, "met": tally.met[key], "of": tally.applicable[key], "share": share}
                )
        rows.append({"nc_year": nc, "bars": bars})
    return rows


def summary_context(year: int) -> dict:
    config = benchmark_config()
    summary, students = evidence.school_summary(current_user.school_id, year, config)
    return {
        "year": year,
        "years": offered_years(),
        "label": benchmarks.academic_year_label(year),
        "summary": summary,
        "students": students,
        "config": config,
        "measures": measure_labels(config, summary.framework),
        # The measures each year group's table shows (the whole school, key None, shows them all).
        "shown": {
            nc: [m for m in benchmarks.MEASURES if nc in benchmarks.APPLICABLE_YEARS[m]] for nc in vocab.YEAR_GROUPS
        }
        | {None: list(benchmarks.MEASURES)},
        "chart": chart_rows(summary),
        "year_label": benchmarks.academic_year_label,
        "missing_labels": MISSING_LABELS,
    }


# --- the dashboard, the report and the export -----------------------------------------------------------


@bp.get("/")
@careers_leader_only
def dashboard():
    context = summary_context(requested_year())
    missing = context["summary"].missing_out
    size = current_app.config["PAGE_SIZE"]
    pages = max(1, -(-len(missing) // size))
    number = min(requested_page(), pages)
    context["missing"] = Page(missing[(number - 1) * size : number * size], number, pages, len(missing))
    return render_template("careers_record/dashboard.html", **context)


@bp.get("/report")
@careers_leader_only
def report():
    context = summary_context(requested_year())
    return render_template(
        "careers_record/report.html",
        today=date.today(),
        suppress_below=current_app.config.get("REPORT_SMALL_GROUP", 5),
        **context,
    )


@bp.get("/evidence.csv")
@careers_leader_only
def export_csv():
    """The year's evidence in the interop layout (domain.md §7.4), spreadsheet-safe."""
    year = requested_year()
    buffer = io.StringIO(newline="")
    csv_safety.write_rows(buffer, evidence.csv_rows(current_user.school_id, year, benchmark_config()))
    filename = f"careers-evidence-{benchmarks.academic_year_label(year).replace('/', '-')}.csv"
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


# --- recording for a group --------------------------------------------------------------------------------


def parse_group(raw: str) -> tuple[str, str, list[StudentProfile]] | None:
    """ "year:8", "form:8A" or "student:<user id>" -> (the value again, a label, its current students), or
    None when it names no group of this school's current students."""
    kind, _, value = (raw or "").partition(":")
    school_id = current_user.school_id
    if kind == "year" and whole_number(value) in vocab.YEAR_GROUPS:
        return raw, f"Year {value}", evidence.current_students(school_id, year_group=int(value))
    if kind == "form" and value and len(value) <= 20:
        students = evidence.current_students(school_id, form=value)
        return (raw, f"Form {value}", students) if students else None
    if kind == "student" and whole_number(value) is not None:
        students = evidence.current_students(school_id, user_id=int(value))
        return (raw, students[0].user.full_name, students) if students else None
    return None


def activity_from(form: EvidenceForm) -> evidence.Activity:
    return evidence.Activity(
        activity_type=form.activity_type.data,
        date=form.date.data,
        duration_hours=form.duration_hours.data,
        delivery_mode=form.delivery_mode.data,
        employer_name=form.employer_name.data,
        employer_size_band=form.employer_size_band.data or None,
        route=form.route.data or None,
        criteria=frozenset(form.criteria.data or ()),
        is_part_time_job=bool(form.is_part_time_job.data),
    )


@bp.route("/record", methods=["GET", "POST"])
@careers_leader_only
def record():
    """Two steps that work without JavaScript: GET with no group picks one; GET ?group= shows its
    students, all ticked, and the activity's fields; POST saves one record per ticked student."""
    raw = request.args.get("group", "")
    forms = evidence.forms_of(current_user.school_id)
    group = parse_group(raw) if raw else None
    if group is None:
        problem = "Choose a year group or a form." if raw or request.method == "POST" else None
        return render_template(
            "careers_record/pick_group.html", forms=forms, problem=problem, raw=raw
        ), 422 if problem else 200
    raw, label, students = group
    form = GroupEvidenceForm(today=date.today())
    form.students.choices = {
        s.id: f"{s.user.last_name}, {s.user.first_name}" + (f" ({s.form})" if s.form else "") for s in students
    }
    if not form.is_submitted():
        form.students.data = [s.id for s in students]
        form.date.data = date.today()
    if form.validate_on_submit():
        present = [s for s in students if s.id in set(form.students.data)]
        try:
            records = evidence.record_for_group(present, activity_from(form), current_user)
        except evidence.EvidenceError as error:
            db.session.rollback()
            form.activity_type.errors.append(str(error))
        else:
            db.session.commit()
            absent = len(students) - len(records)
            flash(
                f"Recorded for {len(records)} student{'' if len(records) == 1 else 's'} in {label}"
                + (f"; {absent} absent." if absent else "."),
                "success",
            )
            return redirect(url_for("careers_record.dashboard"))
    return render_template(
        "careers_record/record_group.html", form=form, label=label, group=raw, students=students
    ), status(form)


# --- the list of records, and changing one ------------------------------------------------------------------


@bp.get("/records")
@careers_leader_only
def records():
    year = requested_year()
    year_group = request.args.get("year_group", "")
    first_day, last_day = benchmarks.academic_year_bounds(year)
    query = (
        select(Evidence)
        .join(StudentProfile, StudentProfile.id == Evidence.student_profile_id)
        .join(User, User.id == StudentProfile.user_id)
        .where(Evidence.school_id == current_user.school_id, Evidence.date.between(first_day, last_day))
        .options(contains_eager(Evidence.student).contains_eager(StudentProfile.user))
        .order_by(Evidence.date.desc(), User.last_name, User.first_name, Evidence.id)
    )
    shift = evidence.current_academic_year() - year
    if whole_number(year_group) in vocab.YEAR_GROUPS:
        query = query.where(StudentProfile.year_group == int(year_group) + shift)
    page = paginate(query)
    return htmx.render(
        "careers_record/records.html",
        "careers_record/_record_rows.html",
        page=page,
        year=year,
        years=offered_years(),
        year_group=year_group,
        shift=shift,
        year_label=benchmarks.academic_year_label,
    )


def evidence_form_for(record: Evidence) -> EvidenceForm:
    form = EvidenceForm(today=date.today())
    if not form.is_submitted():
        form.activity_type.data = record.activity_type
        form.date.data = record.date
        form.duration_hours.data = record.duration_hours
        form.delivery_mode.data = record.delivery_mode
        form.employer_name.data = record.employer_name
        form.employer_size_band.data = record.employer_size_band or ""
        form.route.data = record.route or ""
        form.criteria.data = sorted(record.criteria_keys)
        form.is_part_time_job.data = record.is_part_time_job
    return form


@bp.route("/records/<int:evidence_id>/edit", methods=["GET", "POST"])
@careers_leader_only
def edit(evidence_id: int):
    record = evidence.get_for_school(evidence_id, current_user)
    student = record.student.user
    if record.is_linked_to_placement:
        flash("This record comes from a completed placement and changes only with it.", "info")
        return redirect(url_for("careers_record.student", user_id=student.id))
    form = evidence_form_for(record)
    if form.validate_on_submit():
        try:
            evidence.update(record, activity_from(form), current_user)
        except evidence.EvidenceError as error:
            db.session.rollback()
            form.activity_type.errors.append(str(error))
        else:
            db.session.commit()
            flash("The record has been changed.", "success")
            return redirect(url_for("careers_record.student", user_id=student.id))
    return render_template("careers_record/edit.html", form=form, record=record, student=student), status(form)


@bp.route("/records/<int:evidence_id>/delete", methods=["GET", "POST"])
@careers_leader_only
def delete(evidence_id: int):
    """A confirmation page, then the POST that deletes."""
    record = evidence.get_for_school(evidence_id, current_user)
    student = record.student.user
    if record.is_linked_to_placement:
        flash("This record comes from a completed placement and changes only with it.", "info")
        return redirect(url_for("careers_record.student", user_id=student.id))
    form = ConfirmForm()
    if form.validate_on_submit():
        evidence.delete(record, current_user)
        db.session.commit()
        flash(f"The record of {student.full_name}'s {_activity_label(record)} has been deleted.", "success")
        return redirect(url_for("careers_record.student", user_id=student.id))
    return render_template("careers_record/confirm_delete.html", form=form, record=record, student=student)


def _activity_label(record: Evidence) -> str:
    return vocab.EVIDENCE_ACTIVITY_TYPES[record.activity_type].lower() + f" on {record.date:%-d %B %Y}"


# --- one student's careers record ---------------------------------------------------------------------------


def record_context(profile: StudentProfile) -> dict:
    config = benchmark_config()
    year = evidence.current_academic_year()
    records = evidence.records_of(profile.id)
    by_year: dict[int, list[Evidence]] = {}
    for item in records:
        by_year.setdefault(benchmarks.academic_year(item.date), []).append(item)
    return {
        "profile": profile,
        "status": evidence.student_status(profile, records, year, config),
        "config": config,
        "label": benchmarks.academic_year_label(year),
        "timeline": [
            (benchmarks.academic_year_label(y), profile.year_group - (year - y), items)
            for y, items in sorted(by_year.items(), reverse=True)
        ],
        "is_meaningful": benchmarks.is_meaningful,
        "criteria_by_benchmark": vocab.CRITERIA_BY_BENCHMARK,
    }


@bp.get("/student/<int:user_id>")
@careers_leader_only
def student(user_id: int):
    user = get_student(user_id)
    return render_template(
        "careers_record/student.html", student=user, staff=True, **record_context(user.student_profile)
    )


@student_bp.get("/record")
@student_only
def my_record():
    profile = applications.student_profile_of(current_user)
    return render_template(
        "careers_record/my_record.html", student=current_user, staff=False, **record_context(profile)
    )
