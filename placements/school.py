"""Careers leaders: their own school's students, and nobody else's."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import or_, select

from . import accounts, htmx
from .access import roles
from .admin import email_taken
from .extensions import db
from .forms import StudentForm, status
from .models import StudentProfile, User
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
    if year.isdigit():
        query = query.where(StudentProfile.year_group == int(year))
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
    return render_template("school/student.html", student=get_student(user_id))
