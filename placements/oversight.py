"""Careers leaders: every application of their school."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from . import applications
from .access import roles

bp = Blueprint("oversight", __name__, url_prefix="/school/applications")
careers_leader_only = roles("careers_leader")


@bp.get("/<int:application_id>")
@careers_leader_only
def detail(application_id: int):
    application = applications.get_for_school(application_id, current_user)
    return render_template("oversight/detail.html", application=application)
