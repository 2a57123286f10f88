"""Employers: applicants to their own placements."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from . import applications
from .access import roles

bp = Blueprint("applicants", __name__, url_prefix="/employer/applicants")
employer_only = roles("employer")


@bp.get("/<int:application_id>")
@employer_only
def detail(application_id: int):
    application = applications.get_for_employer(application_id, current_user)
    return render_template("applicants/detail.html", application=application)
