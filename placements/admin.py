"""Platform admin: schools and their careers leaders, employer approval, the development outbox."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select

from . import accounts
from .access import roles
from .extensions import db
from .forms import ConfirmForm, InviteForm, RejectForm, SchoolForm, status
from .models import Organisation, OutboxMessage, School, User, utcnow
from .pagination import paginate

bp = Blueprint("admin", __name__, url_prefix="/admin")
admin_only = roles("admin")


def email_taken(email: str) -> bool:
    return db.session.scalar(select(User.id).where(User.email == email)) is not None


@bp.get("/")
@admin_only
def home():
    pending = list(
        db.session.scalars(
            select(Organisation).where(Organisation.status == "pending").order_by(Organisation.created_at)
        )
    )
    schools = paginate(select(School).order_by(School.name))
    return render_template(
        "admin/home.html", pending=pending, schools=schools, outbox_enabled=not current_app.config.get("MAIL_SERVER")
    )


@bp.route("/schools/new", methods=["GET", "POST"])
@admin_only
def new_school():
    form = SchoolForm()
    if form.validate_on_submit():
        if db.session.scalar(select(School.id).where(School.urn == form.urn.data)):
            form.urn.errors.append("A school with this URN is already on Placements.")
        else:
            location = form.postcode.location
            school = School(
                urn=form.urn.data, name=form.name.data, postcode=location.postcode, lat=location.lat, lon=location.lon
            )
            db.session.add(school)
            db.session.flush()
            accounts.audit(current_user, "school.create", school)
            db.session.commit()
            flash(f"{school.name} has been added. Now invite its careers leader.", "success")
            return redirect(url_for("admin.school", school_id=school.id))
    return render_template("admin/school_form.html", form=form), status(form)


@bp.get("/schools/<int:school_id>")
@admin_only
def school(school_id: int):
    school = db.get_or_404(School, school_id)
    return render_template("admin/school.html", school=school, leaders=_leaders(school), form=InviteForm())


def _leaders(school: School) -> list[User]:
    return list(
        db.session.scalars(
            select(User).where(User.school_id == school.id, User.role == "careers_leader").order_by(User.last_name)
        )
    )


@bp.post("/schools/<int:school_id>/leaders")
@admin_only
def invite_leader(school_id: int):
    school = db.get_or_404(School, school_id)
    form = InviteForm()
    if form.validate_on_submit():
        if email_taken(form.email.data):
            form.email.errors.append("Someone already has a Placements account with this email address.")
        else:
            leader = User(
                email=form.email.data,
                first_name=form.first_name.data,
                last_name=form.last_name.data,
                role="careers_leader",
                school_id=school.id,
            )
            accounts.invite(leader, invited_by="The Placements team")
            accounts.audit(current_user, "careers_leader.invite", leader)
            db.session.commit()
            flash(f"Invitation sent to {leader.email}.", "success")
            return redirect(url_for("admin.school", school_id=school.id))
    return render_template("admin/school.html", school=school, leaders=_leaders(school), form=form), status(form)


@bp.get("/organisations")
@admin_only
def organisations():
    page = paginate(select(Organisation).order_by(Organisation.status.desc(), Organisation.created_at))
    return render_template("admin/organisations.html", page=page)


@bp.get("/organisations/<int:organisation_id>")
@admin_only
def organisation(organisation_id: int):
    organisation = db.get_or_404(Organisation, organisation_id)
    return render_template(
        "admin/organisation.html", organisation=organisation, approve_form=ConfirmForm(), reject_form=RejectForm()
    )


@bp.post("/organisations/<int:organisation_id>/approve")
@admin_only
def approve(organisation_id: int):
    organisation = db.get_or_404(Organisation, organisation_id)
    if ConfirmForm().validate_on_submit():
        organisation.status, organisation.status_reason, organisation.status_changed_at = "approved", None, utcnow()
        accounts.audit(current_user, "organisation.approve", organisation)
        db.session.commit()
        flash(f"{organisation.name} is approved and can now publish placements.", "success")
    return redirect(url_for("admin.organisation", organisation_id=organisation.id))


@bp.post("/organisations/<int:organisation_id>/reject")
@admin_only
def reject(organisation_id: int):
    organisation = db.get_or_404(Organisation, organisation_id)
    form = RejectForm()
    if form.validate_on_submit():
        organisation.status, organisation.status_reason = "rejected", form.reason.data
        organisation.status_changed_at = utcnow()
        accounts.audit(current_user, "organisation.reject", organisation)
        db.session.commit()
        flash(f"{organisation.name} has been rejected.", "success")
        return redirect(url_for("admin.organisation", organisation_id=organisation.id))
    return render_template(
        "admin/organisation.html", organisation=organisation, approve_form=ConfirmForm(), reject_form=form
    ), status(form)


@bp.get("/outbox")
@admin_only
def outbox():
    if current_app.config.get("MAIL_SERVER"):
        abort(404)  # real mail is configured: nothing is kept
    page = paginate(select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()))
    count = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    return render_template("admin/outbox.html", page=page, count=count)
