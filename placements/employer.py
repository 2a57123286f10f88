"""Employers: self-registration (pending until approved), their safeguarding facts, and their placements.

Every placement lookup is scoped to the signed-in employer's organisation (get_own_placement):
another organisation's placement does not exist here (404).
"""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from . import accounts, applications, geo, htmx, mail, publishing, vocab
from .access import public, roles
from .admin import email_taken
from .extensions import db, limiter
from .forms import CancelForm, ConfirmForm, EmployerRegistrationForm, PlacementForm, SafeguardingForm, status
from .models import Organisation, Placement, User, utcnow
from .pagination import paginate

bp = Blueprint("employer", __name__)
employer_only = roles("employer")

# What each status change is called in the audit log and in messages.
STATUS_VERBS = {"published": "publish", "closed": "close", "cancelled": "cancel"}


@bp.route("/employers/register", methods=["GET", "POST"])
@public
@limiter.limit("10 per hour", methods=["POST"])
def register():
    form = EmployerRegistrationForm()
    if form.validate_on_submit():
        if email_taken(form.email.data):
            # Say no more than a registration that worked would (no account enumeration);
            # the address's owner hears about it instead.
            mail.send(
                form.email.data,
                "Someone tried to register on Placements with your email",
                "Someone tried to register an organisation on Placements with this email address, which "
                "already has an account. If it was you, sign in, or reset your password from the sign-in page.\n",
            )
            db.session.commit()
            return render_template("employer/registered.html", email=form.email.data)
        location = form.postcode.location
        organisation = Organisation(
            name=form.organisation_name.data,
            size_band=form.size_band.data,
            route=form.route.data,
            postcode=location.postcode,
            lat=location.lat,
            lon=location.lon,
        )
        user = User(
            email=form.email.data,
            first_name=form.first_name.data,
            last_name=form.last_name.data,
            role="employer",
            organisation=organisation,
        )
        db.session.add(organisation)
        accounts.invite(user, invited_by="You (or a colleague) registering your organisation")
        db.session.commit()
        return render_template("employer/registered.html", email=form.email.data)
    return render_template("employer/register.html", form=form), status(form)


# --- queries and the one place placement statuses change -------------------------------------------


def get_own_placement(placement_id: int) -> Placement:
    """A placement of the signed-in employer's organisation, or 404."""
    placement = db.session.get(Placement, placement_id)
    if placement is None or placement.organisation_id != current_user.organisation_id:
        abort(404)
    return placement


def change_status(placement: Placement, new_status: str, *, reason: str | None = None) -> dict[str, str]:
    """Move a placement along draft → published → closed | cancelled. Returns the problems that stop
    it ({field: message}); on success the change is made (and audited) but not committed."""
    if not publishing.can_change(placement.status, new_status):
        current = vocab.PLACEMENT_STATUSES[placement.status].lower()
        return {"status": f"This placement is {current}, so it cannot be {new_status} now."}
    if new_status == "published":
        problems = publishing.publish_problems(placement, placement.organisation, date.today())
        if problems:
            return problems
    if new_status == "cancelled":
        placement.cancel_reason = reason
    placement.status = new_status
    placement.status_changed_at = utcnow()
    accounts.audit(current_user, f"placement.{STATUS_VERBS[new_status]}", placement)
    return {}


def _own_placements():
    return (
        select(Placement)
        .where(Placement.organisation_id == current_user.organisation_id)
        .order_by(Placement.created_at.desc(), Placement.id.desc())
    )


def _insurance():
    return publishing.insurance_state(
        current_user.organisation, date.today(), current_app.config.get("INSURANCE_WARNING_DAYS", 30)
    )


@bp.get("/employer/")
@employer_only
def home():
    page = paginate(_own_placements())
    return render_template(
        "employer/home.html",
        organisation=current_user.organisation,
        insurance=_insurance(),
        page=page,
        counts=applications.counts_by_placement([p.id for p in page.items]),
        row_forms=ConfirmForm(),
    )


def _row(placement: Placement) -> str:
    """The dashboard row for one placement: the fragment htmx swaps in after a status change."""
    return render_template(
        "employer/_placement_row.html", placement=placement, counts=applications.counts_by_placement([placement.id])
    )


# --- the organisation's safeguarding facts ------------------------------------------------------------

SAFEGUARDING_FIELDS = (
    "insurance_basis",
    "insurer",
    "insurance_expires_on",
    "risk_assessment_covers_young_people",
    "no_prohibited_tasks_for_children",
    "risk_assessment_reviewed_on",
    "safeguarding_contact_name",
    "safeguarding_contact_role",
    "safeguarding_contact_email",
    "safeguarding_contact_phone",
    "virtual_organisation_accounts",
    "virtual_group_sessions",
    "virtual_no_one_to_one",
)


@bp.route("/employer/safeguarding", methods=["GET", "POST"])
@employer_only
def safeguarding():
    organisation = current_user.organisation
    form = SafeguardingForm(obj=organisation, today=date.today())
    if form.validate_on_submit():
        for name in SAFEGUARDING_FIELDS:  # an allow-list: never populate_obj
            value = getattr(form, name).data
            setattr(organisation, name, (value or None) if isinstance(value, str) else value)
        if organisation.insurance_basis != "insured":
            organisation.insurer = organisation.insurance_expires_on = None
        organisation.safeguarding_updated_at = utcnow()
        accounts.audit(current_user, "organisation.safeguarding", organisation)
        db.session.commit()
        flash("Your safeguarding details are saved. Every placement you publish uses them.", "success")
        return redirect(url_for("employer.home"))
    return render_template("employer/safeguarding.html", form=form, organisation=organisation), status(form)


# --- placements -------------------------------------------------------------------------------------------


def _attach(form: PlacementForm, problems: dict[str, str]) -> None:
    """Show each problem at its field; anything without a field goes on the publish button."""
    for name, message in problems.items():
        field = form._fields.get(name, form.publish)
        field.errors = [*field.errors, message]


def _form_from(placement: Placement) -> PlacementForm:
    """The edit form filled from a saved placement (not from the request)."""
    data = {name: getattr(placement, name) for name in PlacementForm.COPIED} | {
        "postcode": placement.postcode,
        "applicant_question": placement.applicant_question,
        "year_groups": sorted(placement.year_groups),
        "adjustments": sorted(placement.adjustment_features),
        "criteria": sorted(placement.meaningful_criteria),
    }
    return PlacementForm(formdata=None, data=data)


def _save(form: PlacementForm, placement: Placement) -> bool:
    """Validate the submitted details against the rules for the placement's (new) status; when they
    pass, copy the allow-listed fields on and publish if asked. False leaves the problems on the form."""
    if not form.validate_on_submit():
        return False
    values = form.values()
    going_live = bool(form.publish.data) or placement.status == "published"
    candidate = SimpleNamespace(**values, places_filled=placement.places_filled or 0)
    today = date.today()
    if going_live:
        problems = publishing.publish_problems(candidate, current_user.organisation, today)
    else:
        problems = publishing.placement_problems(candidate, today)
    if problems:
        _attach(form, problems)
        return False
    for name, value in values.items():
        setattr(placement, name, value)
    if placement.id is None:
        placement.organisation_id = current_user.organisation_id
        placement.status = "draft"
        db.session.add(placement)
        db.session.flush()
        accounts.audit(current_user, "placement.create", placement)
    else:
        accounts.audit(current_user, "placement.edit", placement)
    if form.publish.data and placement.status == "draft":
        problems = change_status(placement, "published")
        if problems:  # cannot happen: the same rules passed above
            db.session.rollback()
            _attach(form, problems)
            return False
    db.session.commit()
    return True


def _saved_message(placement: Placement) -> str:
    if placement.status == "published":
        return f"“{placement.title}” is published."
    return f"“{placement.title}” is saved as a draft."


@bp.route("/employer/placements/new", methods=["GET", "POST"])
@employer_only
def new_placement():
    form = PlacementForm()
    if request.method == "GET":
        form.route.data = current_user.organisation.route
    placement = Placement(places_filled=0)
    if _save(form, placement):
        flash(_saved_message(placement), "success")
        return redirect(url_for("employer.home"))
    return render_template("employer/placement_form.html", form=form, placement=None, readiness={}), status(form)


def _readiness(placement: Placement) -> dict[str, str]:
    """For a draft: what would stop it being published now."""
    if placement.status != "draft":
        return {}
    return publishing.publish_problems(placement, current_user.organisation, date.today())


@bp.route("/employer/placements/<int:placement_id>/edit", methods=["GET", "POST"])
@employer_only
def edit_placement(placement_id: int):
    placement = get_own_placement(placement_id)
    if placement.status not in ("draft", "published"):
        flash(f"“{placement.title}” is {placement.status}, so it cannot be changed. Duplicate it instead.", "info")
        return redirect(url_for("employer.home"))
    form = PlacementForm() if request.method == "POST" else _form_from(placement)
    if _save(form, placement):
        flash(_saved_message(placement), "success")
        return redirect(url_for("employer.home"))
    return render_template(
        "employer/placement_form.html", form=form, placement=placement, readiness=_readiness(placement)
    ), status(form)


@bp.post("/employer/placements/<int:placement_id>/publish")
@employer_only
def publish_placement(placement_id: int):
    placement = get_own_placement(placement_id)
    problems = change_status(placement, "published")
    if not problems:
        db.session.commit()
        if htmx.is_partial():
            return _row(placement)
        flash(_saved_message(placement), "success")
        return redirect(url_for("employer.home"))
    if "status" in problems:
        flash(problems["status"], "info")
        return redirect(url_for("employer.home"))
    edit = url_for("employer.edit_placement", placement_id=placement.id)
    if htmx.is_partial():  # the row has no room for the reasons: show them on the edit page
        return htmx.client_redirect(edit)
    form = _form_from(placement)
    _attach(form, problems)
    return render_template("employer/placement_form.html", form=form, placement=placement, readiness={}), 422


@bp.route("/employer/placements/<int:placement_id>/close", methods=["GET", "POST"])
@employer_only
def close_placement(placement_id: int):
    """GET asks for confirmation (the no-JavaScript path); POST closes it to new applications."""
    placement = get_own_placement(placement_id)
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        problems = change_status(placement, "closed")
        if not problems:
            db.session.commit()
        if htmx.is_partial():
            return _row(placement)
        flash(problems.get("status") or f"“{placement.title}” is closed to new applications.", "info")
        return redirect(url_for("employer.home"))
    return render_template("employer/confirm_close.html", placement=placement, form=form), status(form)


@bp.route("/employer/placements/<int:placement_id>/cancel", methods=["GET", "POST"])
@employer_only
def cancel_placement(placement_id: int):
    """Cancelling needs a reason, kept to tell applicants and their schools."""
    placement = get_own_placement(placement_id)
    if not publishing.can_change(placement.status, "cancelled"):
        flash(f"“{placement.title}” is {placement.status}, so it cannot be cancelled.", "info")
        return redirect(url_for("employer.home"))
    form = CancelForm()
    if form.validate_on_submit():
        change_status(placement, "cancelled", reason=form.reason.data)
        # In the same transaction, after the status change: a place freed here must not go to the waiting list.
        try:
            cancelled = applications.cancel_open_applications(placement, current_user, form.reason.data)
        except applications.ApplicationError as error:  # rolled back: the placement is not cancelled either
            current_app.logger.info("cancelling placement %s: %s", placement_id, error)
            form.reason.errors = [
                *form.reason.errors,
                "An application to this placement changed a moment ago, so nothing was cancelled. Try again.",
            ]
            return render_template("employer/confirm_cancel.html", placement=placement, form=form), 409
        db.session.commit()
        told = f" We have told the {cancelled} students who applied, and their schools." if cancelled else ""
        if cancelled == 1:
            told = " We have told the student who applied, and their school."
        flash(f"“{placement.title}” is cancelled.{told}", "success")
        return redirect(url_for("employer.home"))
    return render_template("employer/confirm_cancel.html", placement=placement, form=form), status(form)


@bp.post("/employer/placements/<int:placement_id>/duplicate")
@employer_only
def duplicate_placement(placement_id: int):
    """A draft copy with the same details, for the employer to give new dates."""
    original = get_own_placement(placement_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    copy = Placement(
        organisation_id=original.organisation_id,
        status="draft",
        places_filled=0,
        **{name: getattr(original, name) for name in (*PlacementForm.COPIED, "postcode", "lat", "lon")},
        applicant_question=original.applicant_question,
        year_groups_mask=original.year_groups_mask,
        criteria=original.criteria,
    )
    copy.adjustment_features = original.adjustment_features
    db.session.add(copy)
    db.session.flush()
    accounts.audit(current_user, "placement.duplicate", copy)
    db.session.commit()
    flash("This is a draft copy. Give it new dates, then save or publish it.", "success")
    return redirect(url_for("employer.edit_placement", placement_id=copy.id))


@bp.post("/employer/postcode-check")
@employer_only
def postcode_check():
    """Fragment: the workplace postcode field, checked against our postcode tables as the employer
    leaves it. POST, so the postcode stays out of URLs and logs (security.md 14.2.1)."""
    form = PlacementForm()
    found = None
    if form.delivery_mode.data != "virtual" and form.postcode.data:
        try:
            found = geo.lookup(form.postcode.data)
            form.postcode.data = found.postcode
        except geo.PostcodeError as error:
            form.postcode.errors = [str(error)]
    return render_template("employer/_postcode_field.html", form=form, found=found)
