"""Students: their own profile and nothing else."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from . import applying
from .access import roles
from .extensions import db
from .forms import ProfileForm, status
from .models import StudentInterest, StudentNeed
from .rounds.student import allocation_rounds_for

bp = Blueprint("student", __name__, url_prefix="/student")
student_only = roles("student")


@bp.get("/")
@student_only
def home():
    recent, total = applying.my_recent_applications(3)
    return render_template(
        "student/home.html",
        profile=current_user.student_profile,
        recent=recent,
        total=total,
        rounds=allocation_rounds_for(current_user),
    )


@bp.route("/profile", methods=["GET", "POST"])
@student_only
def profile():
    profile = current_user.student_profile
    form = ProfileForm()
    if not form.is_submitted():
        form.interests.data = profile.interest_routes
        form.travel_radius_km.data = str(profile.travel_radius_km)
        form.home_outcode.data = profile.home_outcode or ""
        for need in profile.needs:
            getattr(form, f"need_{need.feature}").data = need.priority
    if form.validate_on_submit():
        # keep the rows of interests kept: new rows for them would be inserted before the old ones are
        # deleted, and break the unique (student, route) constraint
        interests = {interest.route: interest for interest in profile.interests}
        profile.interests = [interests.get(route) or StudentInterest(route=route) for route in form.interests.data]
        profile.travel_radius_km = int(form.travel_radius_km.data)
        profile.home_outcode = form.home_outcode.data or None
        existing = {need.feature: need for need in profile.needs}
        chosen = form.needs()
        profile.needs = [
            existing.get(feature) or StudentNeed(feature=feature, priority=priority)
            for feature, priority in chosen.items()
        ]
        for need in profile.needs:
            need.priority = chosen[need.feature]
        db.session.commit()
        flash("Your profile has been saved.", "success")
        return redirect(url_for("student.home"))
    return render_template("student/profile.html", form=form), status(form)
