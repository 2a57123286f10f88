"""Every signed-in person's in-app notifications (written by applications.notify).

Viewing the list changes nothing (no state change on GET, security.md 3.5.3). An unread
notification opens through a POST that marks it read and then redirects to its link; a read one is
a plain link. The nav shows the unread count: one COUNT per page, on the (user_id, read_at) index.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select, update

from .access import signed_in
from .extensions import db
from .models import Notification, utcnow
from .numbers import whole_number
from .pagination import paginate

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


def unread_count() -> int:
    """How many unread notifications the signed-in user has; counted at most once per request."""
    if not current_user.is_authenticated:
        return 0
    if "unread_notifications" not in g:
        g.unread_notifications = (
            db.session.scalar(
                select(func.count())
                .select_from(Notification)
                .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
            )
            or 0
        )
    return g.unread_notifications


@bp.app_context_processor
def _unread_count() -> dict:
    # A function, not a number: only pages that show the nav pay for the query.
    return {"unread_notifications": unread_count}


def is_app_path(link: str | None) -> bool:
    """A path inside this app ("/student/applications/3"), never another site ("//evil", "https://...")."""
    return bool(link) and link.startswith("/") and not link.startswith("//") and "\\" not in link


def _own(notification_id: int) -> Notification:
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        abort(404)
    return notification


def _back_to_list():
    """Back to the page of the list the form was on (a bad number is simply dropped)."""
    raw = request.form.get("page", "")
    page = number if (number := whole_number(raw, max_digits=6)) and number > 1 else None
    return redirect(url_for("notifications.index", page=page), 303)


@bp.get("/")
@signed_in
def index():
    page = paginate(
        select(Notification)
        .where(Notification.user_id == current_user.id)
        .order_by(Notification.at.desc(), Notification.id.desc())
    )
    return render_template("notifications/index.html", page=page, is_app_path=is_app_path)


@bp.post("/<int:notification_id>/read")
@signed_in
def read(notification_id: int):
    """Mark one notification read; with open=1, go on to what it is about."""
    notification = _own(notification_id)
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.commit()
    if request.form.get("open") and is_app_path(notification.link):
        return redirect(notification.link, 303)
    return _back_to_list()


@bp.post("/read-all")
@signed_in
def read_all():
    changed = db.session.execute(
        update(Notification)
        .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    ).rowcount
    db.session.commit()
    if changed:
        flash("All your notifications are marked as read.", "success")
    return redirect(url_for("notifications.index"), 303)
