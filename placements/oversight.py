"""Careers leaders: every application of their own school, and nobody else's.

The list is one shareable URL (filters in the query string) with a page and an htmx fragment; each
action on one application posts to its own endpoint and works without JavaScript (303 back to the
application). Every write goes through applications.py.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload
from wtforms import BooleanField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from . import accounts, applications, htmx, vocab, workflow
from .access import roles
from .applications import ApplicationError, Conflict, Consent
from .extensions import db
from .forms import ConfirmForm, PeopleDateField, _strip
from .models import Application, Organisation, Placement, StudentProfile, User
from .numbers import whole_number
from .pagination import paginate

bp = Blueprint("oversight", __name__, url_prefix="/school/applications")
staff_only = roles("careers_leader")

# What the list shows first: the applications waiting for the careers leader.
NEEDS_ACTION = ("submitted", "awaiting_consent", "accepted")
STATUS_FILTERS: dict[str, str] = {"action": "Waiting for you", "": "All statuses"} | workflow.STATUSES
STAFF_ACTIONS = ("approve", "return", "decline", "record_consent", "confirm", "cancel")


class NoteForm(FlaskForm):
    note = TextAreaField(
        "Comment",
        validators=[DataRequired("Write a short comment: the student will read it."), Length(max=2000)],
        filters=[_strip],
    )


class ConsentForm(FlaskForm):
    given_by = StringField(
        "Name of the parent or carer",
        validators=[InputRequired("Enter the name of the parent or carer who gave consent."), Length(max=200)],
        filters=[_strip],
        render_kw={"autocomplete": "off"},
    )
    relationship_to_student = StringField(
        "Their relationship to the student",
        validators=[InputRequired("Enter their relationship to the student, like Mother."), Length(max=100)],
        filters=[_strip],
        description="For example: Mother, Father, Carer, Guardian.",
    )
    given_on = PeopleDateField(
        "Date consent was given", validators=[InputRequired("Enter the date consent was given.")]
    )
    method = RadioField(
        "How consent was given",
        choices=workflow.CONSENT_METHODS,
        validators=[InputRequired("Choose how consent was given.")],
    )
    risk_findings_shared = BooleanField(
        "The parents have had the key findings of the employer's risk assessment and its control measures",
        description="Required for students below school-leaving age (up to the last Friday in June of Year 11).",
    )

    def consent(self) -> Consent:
        return Consent(
            given_by=self.given_by.data,
            relationship_to_student=self.relationship_to_student.data,
            given_on=self.given_on.data,
            method=self.method.data,
            risk_findings_shared=bool(self.risk_findings_shared.data),
        )


# --- the list ------------------------------------------------------------------------------------------


def _filters() -> dict[str, str]:
    args = request.args
    status = args.get("status", "action")
    year = args.get("year", "")
    return {
        "status": status if status in STATUS_FILTERS else "action",
        "year": year if whole_number(year) in vocab.YEAR_GROUPS else "",
        "q": args.get("q", "").strip()[:100],
    }


def _school_applications(filters: dict[str, str]):
    query = (
        select(Application)
        .join(StudentProfile, StudentProfile.id == Application.student_profile_id)
        .join(User, User.id == StudentProfile.user_id)
        .join(Placement, Placement.id == Application.placement_id)
        .join(Organisation, Organisation.id == Placement.organisation_id)
        .where(Application.school_id == current_user.school_id)
        .options(
            joinedload(Application.student).joinedload(StudentProfile.user),
            joinedload(Application.placement).joinedload(Placement.organisation),
        )
        .order_by(Application.status_changed_at.desc(), Application.id.desc())
    )
    if filters["status"] == "action":
        query = query.where(Application.status.in_(NEEDS_ACTION))
    elif filters["status"]:
        query = query.where(Application.status == filters["status"])
    if filters["year"]:
        query = query.where(StudentProfile.year_group == int(filters["year"]))
    if filters["q"]:
        like = f"%{filters['q'].lower()}%"
        query = query.where(
            or_(
                func.lower(User.first_name).like(like),
                func.lower(User.last_name).like(like),
                func.lower(Placement.title).like(like),
                func.lower(Organisation.name).like(like),
            )
        )
    return query


def status_by_year() -> tuple[list[tuple[str, dict[int, int], int]], dict[int, int]]:
    """Rows of (status, {year group: count}, total) for the school, and the column totals: one query."""
    rows = db.session.execute(
        select(Application.status, StudentProfile.year_group, func.count())
        .join(StudentProfile, StudentProfile.id == Application.student_profile_id)
        .where(Application.school_id == current_user.school_id)
        .group_by(Application.status, StudentProfile.year_group)
    ).all()
    cells: dict[str, dict[int, int]] = {}
    for status, year, count in rows:
        cells.setdefault(status, {})[year] = count
    table = [(s, cells[s], sum(cells[s].values())) for s in workflow.STATUSES if s in cells]
    totals = {y: sum(c.get(y, 0) for c in cells.values()) for y in vocab.YEAR_GROUPS}
    return table, totals


def _list_context(message: str | None = None, problems: list[str] | None = None) -> dict:
    filters = _filters()
    table, totals = status_by_year()
    return {
        "page": paginate(_school_applications(filters)),
        "filters": filters,
        "status_filters": STATUS_FILTERS,
        "table": table,
        "totals": totals,
        "form": ConfirmForm(),
        "message": message,
        "problems": problems or [],
    }


@bp.get("/")
@staff_only
def index():
    return htmx.render("oversight/index.html", "oversight/_results.html", **_list_context())


@bp.post("/approve")
@staff_only
def bulk_approve():
    """Approve every ticked application that is waiting for approval; report the ones that could not be."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("oversight.index"), 303)
    ids = [i for i in map(whole_number, request.form.getlist("application_id")[:500]) if i is not None]
    approved, problems = 0, []
    for application_id in ids:
        application = db.session.get(Application, application_id)
        if application is None or application.school_id != current_user.school_id:
            continue  # not this school's: as if it did not exist
        name = application.student.user.full_name
        try:
            applications.transition(application, "approve", current_user)
            db.session.commit()
            approved += 1
        except ApplicationError as error:
            problems.append(f"{name}: {error}")
    message = (
        f"Approved {approved} application{'' if approved == 1 else 's'}." if ids else "Tick at least one application."
    )
    if htmx.is_partial():
        return htmx.render("oversight/index.html", "oversight/_results.html", **_list_context(message, problems))
    flash(message, "success" if approved else "error")
    for problem in problems:
        flash(problem, "error")
    return redirect(url_for("oversight.index", **_filters()), 303)


# --- one application -----------------------------------------------------------------------------------


def _detail(application: Application, *, forms: dict | None = None, error: str | None = None, code: int = 200):
    placement = application.placement
    forms = forms or {}
    year_then = workflow.year_group_on(application.student.year_group, date.today(), placement.start_date)
    context = {
        "application": application,
        "student": application.student.user,
        "placement": placement,
        "organisation": placement.organisation,
        "actions": [a.key for a in workflow.allowed_actions(application.status, "careers_leader")],
        "next_step": workflow.next_step(application.status, "careers_leader"),
        "needs_consent": workflow.needs_parental_consent(placement.delivery_mode),
        # An allocation round's offer skipped the consent step: it is recorded before "confirm".
        "consent_after_offer": application.status in applications.CONSENT_AFTER_OFFER
        and workflow.needs_parental_consent(placement.delivery_mode),
        "is_child": workflow.is_child_on(year_then, placement.start_date),
        "note_forms": {key: forms.get(key) or NoteForm(prefix=key) for key in ("return", "decline", "cancel")},
        "consent_form": forms.get("record_consent") or ConsentForm(prefix="consent"),
        "button_form": ConfirmForm(),
        "error": error,
    }
    return render_template("oversight/detail.html", **context), code


@bp.get("/<int:application_id>")
@staff_only
def detail(application_id: int):
    application = applications.get_for_school(application_id, current_user)
    if application.student.needs:
        # Access needs are special-category data: every showing is audited, as employers' are.
        accounts.audit(current_user, "application.view_needs", application)
        db.session.commit()
    return _detail(application)


@bp.get("/<int:application_id>/cancel")
@staff_only
def confirm_cancel(application_id: int):
    """The confirmation step before cancelling: what happens, and the reason to give."""
    application = applications.get_for_school(application_id, current_user)
    return render_template("oversight/confirm_cancel.html", application=application, form=NoteForm(prefix="cancel"))


@bp.post("/<int:application_id>/<action>")
@staff_only
def act(application_id: int, action: str):
    application = applications.get_for_school(application_id, current_user)
    if action not in STAFF_ACTIONS:
        return _detail(application, error="That is not something you can do to an application.", code=404)
    kwargs, form = {}, None
    if action in ("return", "decline", "cancel"):
        form = NoteForm(prefix=action)
        if not form.validate_on_submit():
            if action == "cancel":
                return render_template("oversight/confirm_cancel.html", application=application, form=form), 422
            return _detail(application, forms={action: form}, code=422)
        kwargs["note"] = form.note.data
    elif action == "record_consent":
        form = ConsentForm(prefix="consent")
        if not form.validate_on_submit():
            return _detail(application, forms={action: form}, code=422)
        kwargs["consent"] = form.consent()
    elif not ConfirmForm().validate_on_submit():
        return _detail(application, error="The form had expired. Please try again.", code=400)
    try:
        if action == "record_consent" and application.status in applications.CONSENT_AFTER_OFFER:
            applications.record_consent_for_offer(application, current_user, kwargs["consent"])
        else:
            applications.transition(application, action, current_user, **kwargs)
    except ApplicationError as error:
        # Rolled back: reload what is there now, and show the problem with what was typed.
        application = applications.get_for_school(application_id, current_user)
        return _detail(application, forms={action: form} if form else None, error=str(error), code=_code(error))
    db.session.commit()
    flash(f"{workflow.ACTIONS[action].label}: done. The application is now {_label(application)}.", "success")
    return redirect(url_for("oversight.detail", application_id=application.id), 303)


def _code(error: ApplicationError) -> int:
    return 409 if isinstance(error, Conflict) else 422


def _label(application: Application) -> str:
    return workflow.STATUSES[application.status].lower()
