"""Employers: self-registration (pending until approved) and their own organisation's pages."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from . import accounts, mail
from .access import public, roles
from .admin import email_taken
from .extensions import db, limiter
from .forms import EmployerRegistrationForm, status
from .models import Organisation, User

bp = Blueprint("employer", __name__)
employer_only = roles("employer")


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


@bp.get("/employer/")
@employer_only
def home():
    return render_template("employer/home.html", organisation=current_user.organisation)
