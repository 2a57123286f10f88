"""Students: applying to placements, following their applications, and answering offers.

Every write goes through applications.py (apply, transition, reflect), which holds the rules; this
module checks whose application it is, shows ApplicationError's message on the page (422 for a form,
409 for a state conflict) and keeps whatever the student typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload
from wtforms import BooleanField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from . import applications, search, vocab, workflow
from .access import roles
from .applications import ANSWER_MAX, ApplicationError
from .extensions import db
from .forms import ConfirmForm
from .models import Application, ApplicationEvent, Organisation, Placement, StudentProfile
from .pagination import paginate

bp = Blueprint("applying", __name__, url_prefix="/student/applications")
student_only = roles("student")

REFLECTION_MAX = 3000
# Steps the student cannot take back: each has a confirmation page before the POST.
CONFIRM_FIRST = frozenset({"withdraw", "decline_offer"})
DONE = {
    "resubmit": "Your application has been sent to your careers leader again.",
    "accept": "You accepted the place. Your careers leader will confirm the arrangements.",
    "decline_offer": "You declined the offer. The place can now go to someone else.",
    "withdraw": "Your application is withdrawn.",
}
# What the timeline calls each ApplicationEvent.action, from the student's side.
EVENT_LABELS = {
    "submit": "Application sent",
    "resubmit": "Application sent again",
    "approve": "Approved by your school",
    "return": "Returned to you for changes",
    "decline": "Not approved by your school",
    "record_consent": "Parental consent recorded",
    "offer": "Place offered",
    "waitlist": "Added to the waiting list",
    "reject": "Not offered a place",
    "accept": "Offer accepted",
    "decline_offer": "Offer declined",
    "confirm": "Arrangements confirmed",
    "complete": "Attendance confirmed",
    "no_show": "Recorded as not attending",
    "withdraw": "Application withdrawn",
    "cancel": "Application cancelled",
    "reflect": "Reflection written",
}
# Who did it, never by name: students see roles only.
ACTOR_ROLES = {"careers_leader": "Your careers leader", "employer": "The employer"}
STATUS_TAGS = {
    "offered": "approved",
    "accepted": "approved",
    "confirmed": "approved",
    "completed": "approved",
    "declined_by_school": "rejected",
    "declined_by_employer": "rejected",
    "declined_by_student": "rejected",
    "withdrawn": "rejected",
    "cancelled": "rejected",
    "no_show": "rejected",
}


# --- forms --------------------------------------------------------------------------------------------


def _clean_text(value):
    # Browsers send a textarea's line breaks as CRLF: count each as the one character the student sees.
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


class AnswerForm(FlaskForm):
    """The answer to the employer's question and the choice to share access needs (off by default)."""

    answer = TextAreaField(
        validators=[Length(max=ANSWER_MAX, message=f"Keep your answer to {ANSWER_MAX:,} characters or fewer.")],
        filters=[_clean_text],
        description=f"You can use up to {ANSWER_MAX:,} characters.",
        # No maxlength: the browser would cut a pasted answer short without saying so; the server says so.
        render_kw={"maxlength": False},
    )
    share_needs = BooleanField(default=False)

    def __init__(self, *args, placement: Placement, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._question = placement.applicant_question
        self.answer.label.text = self._question or "Anything you would like the employer to know (optional)"
        self.share_needs.label.text = f"Share my access needs with {placement.organisation.name}"

    def validate_answer(self, field) -> None:
        if self._question and not field.data:
            raise ValidationError("Answer the employer's question.")


class ReflectionForm(FlaskForm):
    reflection = TextAreaField(
        "What did you do and learn, and what would you like to find out next?",
        validators=[
            DataRequired("Write your reflection first."),
            Length(max=REFLECTION_MAX, message=f"Keep your reflection to {REFLECTION_MAX:,} characters or fewer."),
        ],
        filters=[_clean_text],
        description=f"A few sentences are enough, up to {REFLECTION_MAX:,} characters. Your careers leader reads it.",
        render_kw={"maxlength": False},
    )


# --- loading ------------------------------------------------------------------------------------------


def _profile() -> StudentProfile:
    return applications.student_profile_of(current_user)


def _placement(placement_id: int) -> Placement:
    """A placement students can see (published, or closed to new applications) of an approved
    organisation; drafts, cancelled ones and anything else 404."""
    placement = db.session.scalar(
        select(Placement)
        .join(Organisation, Placement.organisation_id == Organisation.id)
        .options(contains_eager(Placement.organisation))
        .where(
            Placement.id == placement_id,
            Placement.status.in_(("published", "closed")),
            Organisation.status == "approved",
        )
    )
    if placement is None:
        abort(404)
    return placement


def _existing(profile_id: int, placement_id: int) -> Application | None:
    return db.session.scalar(
        select(Application).where(
            Application.student_profile_id == profile_id, Application.placement_id == placement_id
        )
    )


def need_labels(profile: StudentProfile) -> list[str]:
    """The student's recorded access needs as an employer would be shown them (applications.applicant_view)."""
    return [vocab.ACCESS_FEATURES[n.feature] for n in profile.needs if n.feature in vocab.ACCESS_FEATURES]


def _obstacle(profile: StudentProfile, placement: Placement) -> str | None:
    """Why the form would be refused, in apply()'s words, so the page says so before anything is typed.
    applications.apply stays the authority and checks again when the form is sent."""
    if not placement.is_open:
        return "This placement is not taking applications."
    if profile.year_group not in placement.year_groups:
        return f"This placement is not open to Year {profile.year_group}."
    return None


# --- summaries for other pages (the student's home, a placement's page) --------------------------------


@dataclass(frozen=True)
class Summary:
    id: int
    title: str
    organisation: str
    status: str
    status_label: str
    next_step: str


def _summary(application: Application) -> Summary:
    return Summary(
        id=application.id,
        title=application.placement.title,
        organisation=application.placement.organisation.name,
        status=application.status,
        status_label=workflow.STATUSES[application.status],
        next_step=workflow.next_step(application.status, "student"),
    )


def my_recent_applications(limit: int = 3) -> tuple[list[Summary], int]:
    """The signed-in student's latest applications and how many they have, for their home page."""
    profile = current_user.student_profile if current_user.is_authenticated else None
    if profile is None:
        return [], 0
    total = db.session.scalar(
        select(func.count()).select_from(Application).where(Application.student_profile_id == profile.id)
    )
    recent = db.session.scalars(
        _mine(profile).options(joinedload(Application.placement).joinedload(Placement.organisation)).limit(limit)
    )
    return [_summary(a) for a in recent], total or 0


def my_application_for(placement_id: int) -> Summary | None:
    """The signed-in student's application to this placement, if they have one (for its page)."""
    profile = current_user.student_profile if current_user.is_authenticated else None
    if profile is None:
        return None
    application = _existing(profile.id, placement_id)
    return _summary(application) if application else None


def _mine(profile: StudentProfile):
    return (
        select(Application)
        .where(Application.student_profile_id == profile.id)
        .order_by(Application.submitted_at.desc(), Application.id.desc())
    )


# --- pages --------------------------------------------------------------------------------------------


@bp.get("/")
@student_only
def index():
    page = paginate(_mine(_profile()).options(joinedload(Application.placement).joinedload(Placement.organisation)))
    return render_template("applying/index.html", page=page, workflow=workflow, tags=STATUS_TAGS)


@bp.route("/new/<int:placement_id>", methods=["GET", "POST"])
@student_only
def new(placement_id: int):
    profile = _profile()
    placement = _placement(placement_id)
    profile_id = profile.id
    needs = need_labels(profile)
    form = AnswerForm(placement=placement)
    existing = _existing(profile_id, placement.id)
    problem = None
    if request.method == "GET":
        problem = "You have already applied to this placement." if existing else _obstacle(profile, placement)
    elif form.validate_on_submit():
        try:
            application = applications.apply(
                current_user,
                placement,
                answer=form.answer.data or None,
                share_needs=bool(needs) and form.share_needs.data,  # nothing to share: never "shared"
            )
            db.session.commit()
        except ApplicationError as error:  # the session is rolled back; the form keeps what was typed
            problem = str(error)
            existing = _existing(profile_id, placement_id)
        else:
            flash("Your application is sent. Your careers leader will check it first.", "success")
            return redirect(url_for("applying.detail", application_id=application.id), 303)
    code = 422 if request.method == "POST" and (problem or form.errors) else 200
    return render_template(
        "applying/new.html",
        placement=placement,
        form=form,
        needs=needs,
        problem=problem,
        existing=existing,
        district=search.district(placement.postcode),
    ), code


@bp.get("/<int:application_id>")
@student_only
def detail(application_id: int):
    return _detail_page(applications.get_for_student(application_id, current_user))


def _timeline(application: Application) -> list[dict]:
    """What happened, oldest first: a label, who (by role only), when, and any note left with it."""
    events = db.session.scalars(
        select(ApplicationEvent)
        .where(ApplicationEvent.application_id == application.id)
        .options(selectinload(ApplicationEvent.actor))
        .order_by(ApplicationEvent.id)
    )
    student_user_id = application.student.user_id
    entries = []
    for event in events:
        actor = event.actor
        if actor is None:
            who = "Placements, automatically"
        elif actor.id == student_user_id:
            who = "You"
        else:
            who = ACTOR_ROLES.get(actor.role, "Placements")
        label = EVENT_LABELS.get(event.action) or workflow.STATUSES.get(event.to_status, event.to_status)
        entries.append({"label": label, "who": who, "at": event.at, "note": event.note})
    return entries


def _detail_page(application: Application, *, problem: str | None = None, reflection_form=None, code: int = 200):
    if reflection_form is None and application.status == "completed":
        reflection_form = ReflectionForm(formdata=None, data={"reflection": application.reflection or ""})
    placement = application.placement
    return render_template(
        "applying/detail.html",
        application=application,
        placement=placement,
        timeline=_timeline(application),
        actions=workflow.allowed_actions(application.status, "student"),
        confirm_first=CONFIRM_FIRST,
        needs=need_labels(application.student),
        problem=problem,
        reflection_form=reflection_form,
        workflow=workflow,
        tags=STATUS_TAGS,
        district=search.district(placement.postcode),
        today=date.today(),
    ), code


@bp.route("/<int:application_id>/<action>", methods=["GET", "POST"])
@student_only
def act(application_id: int, action: str):
    """GET: the confirmation page (or, for resubmit, the form to change the answer); POST: do it."""
    application = applications.get_for_student(application_id, current_user)
    chosen = workflow.ACTIONS.get(action)
    if chosen is None or "student" not in chosen.roles:
        abort(404)
    try:
        workflow.next_status(application.status, action, "student")
    except workflow.IllegalTransition as error:
        return _detail_page(application, problem=str(error), code=409)
    if action == "resubmit":
        return _resubmit(application)
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            applications.transition(application, action, current_user)
            db.session.commit()
        except ApplicationError as error:  # e.g. changed by someone else a moment ago
            return _detail_page(application, problem=str(error), code=409)
        flash(DONE[action], "success")
        return redirect(url_for("applying.detail", application_id=application.id), 303)
    return render_template(
        "applying/confirm.html", application=application, placement=application.placement, action=chosen, form=form
    )


def _resubmit(application: Application):
    placement = application.placement
    needs = need_labels(application.student)
    form = AnswerForm(placement=placement)
    if request.method == "GET":
        form.answer.data = application.answer or ""
        form.share_needs.data = application.share_needs
    problem = None
    if request.method == "POST" and form.validate_on_submit():
        application.answer = form.answer.data or None
        applications.set_sharing(application, bool(needs) and form.share_needs.data)
        try:
            applications.transition(application, "resubmit", current_user)
            db.session.commit()
        except ApplicationError as error:  # rolled back, the new answer with it; the form keeps it
            problem = str(error)
        else:
            flash(DONE["resubmit"], "success")
            return redirect(url_for("applying.detail", application_id=application.id), 303)
    code = 409 if problem else 422 if form.errors else 200
    return render_template(
        "applying/resubmit.html",
        application=application,
        placement=placement,
        form=form,
        needs=needs,
        problem=problem,
        district=search.district(placement.postcode),
    ), code


@bp.post("/<int:application_id>/reflection")
@student_only
def reflection(application_id: int):
    application = applications.get_for_student(application_id, current_user)
    form = ReflectionForm()
    if not form.validate_on_submit():
        return _detail_page(application, reflection_form=form, code=422)
    try:
        applications.reflect(application, current_user, form.reflection.data)
        db.session.commit()
    except ApplicationError as error:
        db.session.rollback()
        return _detail_page(application, problem=str(error), reflection_form=form, code=409)
    flash("Thank you: your reflection is saved.", "success")
    return redirect(url_for("applying.detail", application_id=application.id), 303)
