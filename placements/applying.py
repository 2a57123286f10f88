"""Students: their applications."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from . import applications
from .access import roles

bp = Blueprint("applying", __name__, url_prefix="/student/applications")
student_only = roles("student")


@bp.get("/<int:application_id>")
@student_only
def detail(application_id: int):
    application = applications.get_for_student(application_id, current_user)
    return render_template("applying/detail.html", application=application)
