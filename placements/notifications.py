"""Every signed-in person's in-app notifications."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import select

from .access import signed_in
from .models import Notification
from .pagination import paginate

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.get("/")
@signed_in
def index():
    page = paginate(
        select(Notification)
        .where(Notification.user_id == current_user.id)
        .order_by(Notification.at.desc(), Notification.id.desc())
    )
    return render_template("notifications/index.html", page=page)
