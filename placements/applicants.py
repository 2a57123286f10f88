"""Employers: the applicants to their own placements, and what the employer does with each one.

An employer sees only applications the school has passed on (applications.visible_to_employer), and
of each applicant only what applications.applicant_view returns: never surname, email, home postcode
or SEN codes (domain.md §6). The list never shows shared access needs; the detail page does, and each
showing is audited. Every change goes through applications.transition.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload
from wtforms import FloatField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError
from wtforms.widgets import NumberInput

from . import applications, htmx, publishing, vocab, workflow
from .access import roles
from .employer import get_own_placement
from .extensions import db
from .forms import ConfirmForm, MultiCheckboxField, _parse_error, _strip, status
from .models import Application, Placement, StudentProfile, User
from .pagination import paginate

bp = Blueprint("applicants", __name__, url_prefix="/employer/applicants")
employer_only = roles("employer")

# The list's filter: every status an employer can see, in the order they deal with them.
GROUPS: dict[str, tuple[str, frozenset[str]]] = {
    "new": ("New", frozenset({"with_employer"})),
    "waitlisted": ("On the waiting list", frozenset({"waitlisted"})),
    "offered": ("Offered a place", frozenset({"offered"})),
    "accepted": ("Accepted", frozenset({"accepted"})),
    "confirmed": ("Confirmed", frozenset({"confirmed"})),
    "finished": ("Attended or did not attend", frozenset({"completed", "no_show"})),
    "closed": (
        "Declined, withdrawn or cancelled",
        frozenset({"declined_by_employer", "declined_by_student", "withdrawn", "cancelled"}),
    ),
}
EMPLOYER_ACTIONS = frozenset(key for key, action in workflow.ACTIONS.items() if "employer" in action.roles)
# Actions with a page of their own: a reason, the feedback, or a confirmation of something final.
PAGE_ACTIONS = frozenset({"reject", "cancel", "complete", "no_show"})
# Attendance can only be recorded once the placement has begun.
AFTER_START = frozenset({"complete", "no_show"})
MAX_HOURS = 500  # as the Application table's CHECK constraint
CRITERIA = {key: label for key, label in vocab.MEANINGFUL_CRITERIA.items() if key != "reflection"}

# The heading, the explanation, the button and the way back of each action's page.
PAGE_TEXT = {
    "reject": (
        "Decline {name}’s application?",
        "They will not be offered a place on “{title}”. We tell them and their careers leader, with your reason.",
        "Decline the application",
        "Go back",
    ),
    "cancel": (
        "Cancel {name}’s application?",
        "This cannot be undone. {place}We tell them and their careers leader, with your reason.",
        "Cancel the application",
        "Keep it",
    ),
    "no_show": (
        "Record that {name} did not attend?",
        "Use this only if they did not come at all. We tell them and their careers leader. This cannot be undone.",
        "Record that they did not attend",
        "Go back",
    ),
    "complete": (
        "Confirm {name} attended, and give feedback",
        "Your feedback is part of their record of meaningful experiences of workplaces.",
        "Confirm attendance and send feedback",
        "Go back",
    ),
}
DONE = {
    "offer": "{name} is offered a place. We have told them and their school.",
    "waitlist": "{name} is on the waiting list. If a place comes free, they are offered it automatically.",
    "reject": "You declined {name}’s application. We have told them and their school, with your reason.",
    "cancel": "{name}’s application is cancelled. We have told them and their school, with your reason.",
    "complete": "Thank you: {name}’s attendance and your feedback are recorded.",
    "no_show": "Recorded: {name} did not attend. We have told their school.",
}


# --- forms ----------------------------------------------------------------------------------------------


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        "Why are you not offering a place?",
        validators=[DataRequired("Give a reason: the student and their school will read it."), Length(max=2000)],
        filters=[_strip],
        description="The student and their careers leader will read this. Kind, specific reasons help them next time.",
    )


class CancelForm(FlaskForm):
    reason = TextAreaField(
        "Why are you cancelling?",
        validators=[DataRequired("Give a reason: the student and their school will read it."), Length(max=2000)],
        filters=[_strip],
        description="The student and their careers leader will read this.",
    )


HoursField = _parse_error(FloatField, "Enter the hours as a number, like 6.5.")


class FeedbackForm(FlaskForm):
    feedback = TextAreaField(
        "Your feedback to the student",
        validators=[
            DataRequired("Give the student some feedback on their work."),
            Length(max=3000, message="Keep your feedback to 3,000 characters."),
        ],
        filters=[_strip],
        description="What they did well and what they could work on. The student and their careers leader read it.",
    )
    criteria = MultiCheckboxField(
        "What the placement included",
        choices=CRITERIA,
        description="Tick each one that happened. The student's reflection afterwards covers the last criterion.",
    )
    hours = HoursField(
        "Hours attended",
        validators=[InputRequired("Enter the hours the student attended.")],
        description="Including breaks. We filled in the hours the placement was planned for.",
        widget=NumberInput(step="any"),
        render_kw={"class": "input-short", "inputmode": "decimal"},
    )

    def validate_hours(self, field) -> None:
        if field.data is not None and not 0 < field.data <= MAX_HOURS:
            raise ValidationError(f"Enter the hours the student attended, more than 0 and at most {MAX_HOURS}.")


FORMS = {"reject": DeclineForm, "cancel": CancelForm, "complete": FeedbackForm}


def planned_hours(placement) -> float | None:
    """The hours the placement was planned to take: its weekdays (every day, if it falls only on a
    weekend) times its daily hours, at most MAX_HOURS; None if its times make no sense."""
    length = (placement.end_date - placement.start_date).days + 1
    days = [placement.start_date + timedelta(days=n) for n in range(max(length, 0))]
    working = [day for day in days if day.weekday() < 5] or days
    hours = len(working) * publishing.hours_between(placement.start_time, placement.end_time)
    return min(hours, MAX_HOURS) if hours > 0 else None


def _form(action: str, application: Application) -> FlaskForm:
    if action != "complete" or request.method == "POST":
        return FORMS.get(action, ConfirmForm)()
    placement = application.placement
    planned = sorted(placement.meaningful_criteria & set(CRITERIA))
    hours = planned_hours(placement)
    if hours is not None and hours == int(hours):
        hours = int(hours)  # shown as 6, not 6.0
    return FeedbackForm(data={"criteria": planned, "hours": hours})


# --- queries --------------------------------------------------------------------------------------------


def _order():
    """New ones first, then each later stage, as GROUPS lists them."""
    rank = {status: n for n, (_, statuses) in enumerate(GROUPS.values()) for status in sorted(statuses)}
    return case(rank, value=Application.status, else_=len(GROUPS))


def _applicants(placement: Placement, group: str):
    query = select(Application).where(Application.placement_id == placement.id, applications.visible_to_employer())
    if group:
        query = query.where(Application.status.in_(sorted(GROUPS[group][1])))
    return query.order_by(_order(), Application.status_changed_at, Application.id).options(
        selectinload(Application.student).selectinload(StudentProfile.user).selectinload(User.school)
    )


def _group_counts(placement: Placement) -> dict[str, int]:
    rows = db.session.execute(
        select(Application.status, func.count())
        .where(Application.placement_id == placement.id, applications.visible_to_employer())
        .group_by(Application.status)
    )
    by_status = dict(rows.all())
    return {key: sum(by_status.get(s, 0) for s in statuses) for key, (_, statuses) in GROUPS.items()}


def _has_started(placement: Placement) -> bool:
    return placement.start_date <= date.today()


def _problem(application: Application, action: str) -> str | None:
    """Why the employer cannot take this action now, or None."""
    chosen = workflow.ACTIONS[action]
    if chosen not in workflow.allowed_actions(application.status, "employer"):
        return f"{chosen.label} is not possible: the application is {workflow.STATUSES[application.status].lower()}."
    if action in AFTER_START and not _has_started(application.placement):
        start = application.placement.start_date
        return f"You can record attendance once the placement has started, on {start.day} {start:%B %Y}."
    return None


# --- pages ------------------------------------------------------------------------------------------------


@bp.before_request
def _approved_organisations_only():
    """A rejected (or suspended) organisation keeps its sign-in but sees no applicants."""
    if current_user.is_authenticated and current_user.role == "employer" and not current_user.organisation.is_approved:
        abort(403)


@bp.get("/placement/<int:placement_id>")
@employer_only
def for_placement(placement_id: int):
    placement = get_own_placement(placement_id)
    group = request.args.get("status", "")
    if group not in GROUPS:
        group = ""
    page = paginate(_applicants(placement, group))
    # Names, schools and year groups only: no needs here, so nothing to audit.
    rows = [(a, applications.applicant_view(a, current_user, audit=False)) for a in page.items]
    return htmx.render(
        "applicants/for_placement.html",
        "applicants/_results.html",
        placement=placement,
        page=page,
        rows=rows,
        group=group,
        groups=GROUPS,
        counts=_group_counts(placement),
        workflow=workflow,
    )


def _status_context(application: Application) -> dict:
    """What the status section shows: where the application is, and what the employer can do."""
    actions = {a.key: a for a in workflow.allowed_actions(application.status, "employer")}
    return {
        "application": application,
        "placement": application.placement,
        "actions": actions,
        "started": _has_started(application.placement),
        "criteria_labels": vocab.MEANINGFUL_CRITERIA,
        "workflow": workflow,
    }


def _detail_page(application: Application, *, error: str | None = None, code: int = 200):
    view = applications.applicant_view(application, current_user)  # audits a showing of shared needs
    db.session.commit()
    return render_template(
        "applicants/detail.html", view=view, error=error, message=None, **_status_context(application)
    ), code


def _status_section(application: Application, *, message: str | None = None, error: str | None = None, code=200):
    return render_template(
        "applicants/_status.html", message=message, error=error, **_status_context(application)
    ), code


@bp.get("/<int:application_id>")
@employer_only
def detail(application_id: int):
    return _detail_page(applications.get_for_employer(application_id, current_user))


def _name(application: Application) -> str:
    return applications.applicant_view(application, current_user, audit=False).first_name


def _refused(application: Application, action: str, problem: str):
    """The action cannot be taken now. Done already (a second click): say so, as a success would."""
    if request.method == "POST" and application.status == workflow.ACTIONS[action].target:
        message = (
            f"Already done: {_name(application)}’s application is {workflow.STATUSES[application.status].lower()}."
        )
        if htmx.is_partial():
            return _status_section(application, message=message)
        flash(message, "info")
        return redirect(url_for(".detail", application_id=application.id), 303)
    if request.method == "GET":
        flash(problem, "info")
        return redirect(url_for(".detail", application_id=application.id))
    if htmx.is_partial():
        return _status_section(application, error=problem, code=409)
    return _detail_page(application, error=problem, code=409)


def _no_place_message(application: Application) -> str:
    if application.status == "waitlisted":
        return (
            "All the places on this placement are taken. They stay on the waiting list and are offered"
            " the next place that comes free."
        )
    return "All the places on this placement are taken. You can add this applicant to the waiting list instead."


@bp.route("/<int:application_id>/<action>", methods=["GET", "POST"])
@employer_only
def act(application_id: int, action: str):
    """GET: the page an action needs (a reason, feedback, or a confirmation); POST: do it."""
    if action not in EMPLOYER_ACTIONS:
        abort(404)
    application = applications.get_for_employer(application_id, current_user)
    problem = _problem(application, action)
    if problem:
        return _refused(application, action, problem)
    if request.method == "GET" and action not in PAGE_ACTIONS:
        return redirect(url_for(".detail", application_id=application.id))
    form = _form(action, application)
    template = "applicants/feedback.html" if action == "complete" else "applicants/confirm.html"
    name = _name(application)
    heading, lead, button, back = PAGE_TEXT.get(action, ("", "", "", ""))
    place = "Their place goes to the first person on the waiting list, if there is one. "
    page = {
        "application": application,
        "placement": application.placement,
        "form": form,
        "action": action,
        "heading": heading.format(name=name),
        "lead": lead.format(
            title=application.placement.title, place=place if application.status in workflow.HOLDS_PLACE else ""
        ),
        "button": button,
        "back": back,
    }
    if request.method == "GET" or not form.validate_on_submit():
        return render_template(template, **page), status(form)

    note = getattr(form, "reason", None)
    feedback = None
    if action == "complete":
        feedback = applications.Feedback(
            text=form.feedback.data, criteria=frozenset(form.criteria.data or ()), hours=form.hours.data
        )
    try:
        applications.transition(application, action, current_user, note=note.data if note else None, feedback=feedback)
    except applications.ApplicationError as error:  # the session is rolled back
        db.session.refresh(application)
        message = _no_place_message(application) if isinstance(error, applications.NoPlaceLeft) else str(error)
        if action in PAGE_ACTIONS:  # keep what they typed
            return render_template(template, **page, error=message), 409
        if htmx.is_partial():
            return _status_section(application, error=message, code=409)
        return _detail_page(application, error=message, code=409)
    db.session.commit()
    message = DONE[action].format(name=name)
    if htmx.is_partial():
        return _status_section(application, message=message)
    flash(message, "success")
    return redirect(url_for(".detail", application_id=application.id), 303)
