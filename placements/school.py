"""Careers leaders: their own school's students, and nobody else's.

Bulk import from the school's MIS: upload (file-level checks) → preview (every row's problems and
what will happen) → commit (re-read and re-checked, all or nothing). Between preview and commit the
file waits in the upload folder under a generated name kept in the signed session; nothing the
browser posts back is trusted as data. Uploads older than an hour are deleted.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import time
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from . import accounts, applications, csv_safety, htmx, onboarding
from .access import roles
from .admin import email_taken
from .extensions import db
from .forms import CommitImportForm, StudentForm, UploadStudentsForm, status
from .models import Application, Placement, StudentProfile, User, utcnow
from .numbers import whole_number
from .pagination import paginate

bp = Blueprint("school", __name__, url_prefix="/school")
staff_only = roles("careers_leader")


def get_student(user_id: int) -> User:
    """A student of the current user's school, or 404 (another school's student does not exist here)."""
    student = db.session.get(User, user_id)
    if student is None or student.role != "student" or student.school_id != current_user.school_id:
        abort(404)
    return student


def search_students(q: str, year: str):
    query = (
        select(User)
        .join(StudentProfile)
        .where(User.school_id == current_user.school_id, User.role == "student")
        .order_by(User.last_name, User.first_name, User.id)
    )
    if q:
        like = f"%{q.lower()}%"
        query = query.where(
            or_(
                db.func.lower(User.first_name).like(like),
                db.func.lower(User.last_name).like(like),
                db.func.lower(User.email).like(like),
            )
        )
    if (year_group := whole_number(year, max_digits=2)) is not None:
        query = query.where(StudentProfile.year_group == year_group)
    return query


@bp.get("/")
@staff_only
def home():
    q = request.args.get("q", "").strip()[:100]
    year = request.args.get("year", "")
    page = paginate(search_students(q, year))
    return htmx.render("school/home.html", "school/_student_rows.html", page=page, q=q, year=year)


@bp.route("/students/new", methods=["GET", "POST"])
@staff_only
def new_student():
    form = StudentForm()
    if form.validate_on_submit():
        if email_taken(form.email.data):
            form.email.errors.append("Someone already has a Placements account with this email address.")
        else:
            student = User(
                email=form.email.data,
                first_name=form.first_name.data,
                last_name=form.last_name.data,
                role="student",
                school_id=current_user.school_id,
                student_profile=StudentProfile(
                    year_group=int(form.year_group.data),
                    form=form.form_group.data or None,
                    sen_provision=form.sen_provision.data,
                    disadvantaged=form.disadvantaged.data,
                ),
            )
            accounts.invite(student, invited_by=f"{current_user.full_name} at {current_user.school.name}")
            accounts.audit(current_user, "student.create", student)
            db.session.commit()
            flash(f"Account made for {student.full_name}. A link to set a password has been emailed.", "success")
            return redirect(url_for("school.student", user_id=student.id))
    return render_template("school/student_form.html", form=form), status(form)


@bp.get("/students/<int:user_id>")
@staff_only
def student(user_id: int):
    student = get_student(user_id)
    student_applications = db.session.scalars(
        select(Application)
        .where(Application.student_profile_id == student.student_profile.id)
        .options(joinedload(Application.placement).joinedload(Placement.organisation))
        .order_by(Application.submitted_at.desc(), Application.id.desc())
    ).all()
    return render_template("school/student.html", student=student, applications=student_applications)


# ---------------------------------------------------------------------------------------------
# Bulk import from the school's MIS

UPLOAD_MAX_AGE_SECONDS = 3600
UPLOAD_ID_RE = re.compile(r"^[0-9a-f]{32}$")
SESSION_KEY = "student_import"
IN_CHUNK = 500  # values per IN (...) list


def upload_folder() -> Path:
    folder = Path(current_app.config.get("UPLOAD_FOLDER") or os.path.join(current_app.instance_path, "uploads"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def sweep_uploads(folder: Path) -> None:
    """Delete uploads older than an hour (previews nobody committed)."""
    cutoff = time.time() - UPLOAD_MAX_AGE_SECONDS
    for path in folder.glob("*.csv"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except FileNotFoundError:
            pass


def pending_upload() -> tuple[str, Path, str] | None:
    """(id, path, original name) of this session's upload while it is still there and fresh."""
    pending = session.get(SESSION_KEY) or {}
    upload_id = pending.get("id", "")
    if not UPLOAD_ID_RE.match(upload_id) or pending.get("school_id") != current_user.school_id:
        return None
    path = upload_folder() / f"{upload_id}.csv"
    if not path.exists() or path.stat().st_mtime < time.time() - UPLOAD_MAX_AGE_SECONDS:
        return None
    return upload_id, path, pending.get("filename", "students.csv")


def existing_students(school_id: int) -> list[onboarding.ExistingStudent]:
    rows = db.session.execute(
        select(User.id, User.email, User.first_name, User.last_name, StudentProfile)
        .join(StudentProfile, StudentProfile.user_id == User.id)
        .where(User.school_id == school_id, User.role == "student")
    )
    return [
        onboarding.ExistingStudent(
            user_id=user_id,
            upn=profile.upn,
            email=email,
            is_leaver=profile.is_leaver,
            name=f"{first} {last}",
            values={
                "first_name": first,
                "last_name": last,
                "legal_first_name": profile.legal_first_name,
                "legal_last_name": profile.legal_last_name,
                "year_group": profile.year_group,
                "form": profile.form,
                "sen_provision": profile.sen_provision,
                "disadvantaged": profile.disadvantaged,
            },
        )
        for user_id, email, first, last, profile in rows
    ]


def email_owners(emails: list[str]) -> dict[str, int]:
    """{email: user id} for the emails some account already uses (any school, any role)."""
    owners: dict[str, int] = {}
    for chunk in onboarding.chunks(sorted(set(emails)), IN_CHUNK):
        owners.update(
            {
                email: user_id
                for email, user_id in db.session.execute(select(User.email, User.id).where(User.email.in_(chunk)))
            }
        )
    return owners


def plan_import(data: bytes, filename: str) -> onboarding.Plan:
    """Read and check the file against this school's students. Raises onboarding.FileProblem."""
    max_rows = current_app.config.get("STUDENT_IMPORT_MAX_ROWS", onboarding.MAX_STUDENT_ROWS)
    rows = onboarding.read_students(data, filename, max_rows=max_rows)
    school_id = current_user.school_id
    return onboarding.plan_students(
        rows, existing_students(school_id), email_owners([row.email for row in rows if row.email])
    )


def apply_import(plan: onboarding.Plan, *, mark_leavers: bool) -> dict[str, int]:
    """Write a checked plan in the caller's transaction: new students, updates, and (if asked) leavers."""
    school_id = current_user.school_id
    now = utcnow()
    new_rows = [row for row in plan.rows if row.action == "new"]
    invites: list = []
    if new_rows:
        # Core statements on the tables, each one executemany for every new student (SQLAlchemy's
        # insertmanyvalues sends them as multi-row INSERTs): ORM objects, or the ORM's bulk path,
        # took longer to build than the database took to store them.
        users = [
            {"email": r.email, "first_name": r.first_name, "last_name": r.last_name, "role": "student",
             "school_id": school_id}
            for r in new_rows
        ]  # fmt: skip
        table = User.__table__
        created = db.session.execute(
            insert(table).returning(table.c.id, table.c.email, table.c.first_name, sort_by_parameter_order=True), users
        ).all()
        profiles = []
        for row, user in zip(new_rows, created, strict=True):
            values = row.values
            del values["first_name"], values["last_name"]
            profiles.append({"user_id": user.id, "school_id": school_id, "upn": row.upn, **values})
        db.session.execute(insert(StudentProfile.__table__), profiles)
        invites += [user for user in created if user.email]
    updates = {row.user_id: row for row in plan.rows if row.action == "update"}
    for profile in _profiles(school_id, list(updates)):
        row = updates[profile.user_id]
        user = profile.user
        profile.school_id, profile.upn = school_id, row.upn
        values = row.values
        user.first_name, user.last_name = values.pop("first_name"), values.pop("last_name")
        for key, value in values.items():
            setattr(profile, key, value)
        if profile.left_at is not None:
            profile.left_at, user.active = None, True
        if row.email and row.email != user.email:
            user.email = row.email
            if user.password_hash is None:
                invites.append(user)  # a new address for an account still waiting for its password
    leavers = [s.user_id for s in plan.absent] if mark_leavers else []
    for profile in _profiles(school_id, leavers):
        profile.left_at = now
        profile.user.active = False
        profile.user.rotate_session_token()  # ends any session the leaver still has
    if invites:
        accounts.send_invitations(invites, invited_by=f"{current_user.full_name} at {current_user.school.name}")
    accounts.audit(current_user, "students.import", current_user.school)
    db.session.flush()
    return {
        "new": plan.count("new"),
        "updated": plan.count("update"),
        "unchanged": plan.count("unchanged"),
        "leavers": len(leavers),
        "invited": len(invites),
        "without_email": sum(1 for row in new_rows if not row.email),
    }


def _profiles(school_id: int, user_ids: list[int]) -> list[StudentProfile]:
    """These users' profiles, loaded with the users, and only if they are this school's students."""
    profiles: list[StudentProfile] = []
    for chunk in onboarding.chunks(user_ids, IN_CHUNK):
        profiles += db.session.scalars(
            select(StudentProfile)
            .join(StudentProfile.user)
            .options(joinedload(StudentProfile.user))
            .where(User.school_id == school_id, User.role == "student", StudentProfile.user_id.in_(chunk))
        )
    return profiles


@bp.route("/students/import", methods=["GET", "POST"])
@staff_only
def import_students():
    form = UploadStudentsForm()
    if form.validate_on_submit():
        upload = form.file.data
        with upload.stream as stream:  # spooled to a temporary file past 500 kB: close it now
            data = stream.read()
        filename = (upload.filename or "").strip()
        try:
            onboarding.read_students(
                data, filename, max_rows=current_app.config.get("STUDENT_IMPORT_MAX_ROWS", onboarding.MAX_STUDENT_ROWS)
            )
        except onboarding.FileProblem as problem:
            form.file.errors.append(str(problem))
        else:
            folder = upload_folder()
            sweep_uploads(folder)
            previous = pending_upload()
            if previous:
                previous[1].unlink(missing_ok=True)
            upload_id = secrets.token_hex(16)
            (folder / f"{upload_id}.csv").write_bytes(data)
            session[SESSION_KEY] = {"id": upload_id, "school_id": current_user.school_id, "filename": filename[:100]}
            return redirect(url_for("school.preview_import"))
    return render_template("school/import.html", form=form), status(form)


@bp.get("/students/import/preview")
@staff_only
def preview_import():
    pending = pending_upload()
    if pending is None:
        flash("That upload has expired. Upload the file again.", "info")
        return redirect(url_for("school.import_students"))
    upload_id, path, filename = pending
    try:
        plan = plan_import(path.read_bytes(), filename)
    except onboarding.FileProblem as problem:  # only if the rules changed since the upload
        flash(str(problem), "info")
        return redirect(url_for("school.import_students"))
    form = CommitImportForm(upload_id=upload_id)
    return render_template("school/import_preview.html", plan=plan, form=form, filename=filename)


@bp.post("/students/import/commit")
@staff_only
def commit_import():
    pending = pending_upload()
    form = CommitImportForm()
    if pending is None or form.upload_id.data != pending[0]:
        flash("That upload has expired or was replaced by another. Upload the file again.", "info")
        return redirect(url_for("school.import_students"))
    upload_id, path, filename = pending
    try:
        plan = plan_import(path.read_bytes(), filename)  # checked again: the database may have changed
    except onboarding.FileProblem as problem:
        flash(str(problem), "info")
        return redirect(url_for("school.import_students"))
    if not form.validate() or not plan.ok:
        return render_template("school/import_preview.html", plan=plan, form=form, filename=filename), 422
    try:
        done = apply_import(plan, mark_leavers=form.leavers.data == "leave")
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        current_app.logger.warning("student import for school %s hit a constraint; rolled back", current_user.school_id)
        flash("Someone changed these students while you were importing. Nothing was saved: try again.", "info")
        return redirect(url_for("school.preview_import"))
    path.unlink(missing_ok=True)
    session.pop(SESSION_KEY, None)
    if form.leavers.data == "leave":
        done["applications_cancelled"] = applications.cancel_for_leavers([s.user_id for s in plan.absent], current_user)
    current_app.logger.info("student import for school %s: %s", current_user.school_id, done)
    flash(
        f"Imported: {done['new']} new, {done['updated']} updated, {done['unchanged']} unchanged, "
        f"{done['leavers']} marked as leavers. {done['invited']} set-password emails sent; "
        f"{done['without_email']} new students have no email yet and cannot sign in until you add one."
        + (
            f" {done['applications_cancelled']} open applications of leavers were cancelled."
            if done.get("applications_cancelled")
            else ""
        ),
        "success",
    )
    return redirect(url_for("school.home"))


@bp.get("/students/import/template.csv")
@staff_only
def import_template():
    return _csv_response([onboarding.TEMPLATE_HEADER], "students-template.csv")


@bp.get("/students.csv")
@staff_only
def export_students():
    """This school's students as spreadsheet-safe CSV (formula-like cells neutralised)."""
    query = (
        select(User, StudentProfile)
        .join(StudentProfile, StudentProfile.user_id == User.id)
        .where(User.school_id == current_user.school_id, User.role == "student")
        .order_by(User.last_name, User.first_name, User.id)
    )
    header = [*onboarding.TEMPLATE_HEADER, "Left"]
    rows = (
        [
            p.upn,
            p.legal_first_name,
            p.legal_last_name,
            u.first_name,
            u.last_name,
            p.year_group,
            p.form,
            p.sen_provision,
            "Y" if p.disadvantaged else "N",
            u.email,
            p.left_at.date() if p.left_at else None,
        ]
        for u, p in db.session.execute(query)
    )
    return _csv_response([header, *rows], "students.csv")


def _csv_response(rows, filename: str) -> Response:
    buffer = io.StringIO(newline="")
    csv_safety.write_rows(buffer, rows)
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
