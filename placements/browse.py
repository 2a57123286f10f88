"""The public front door: open placements anyone can search without signing in, and their pages.

One shareable URL per view (style.md §3.6): the list is a GET form whose every state is in the query
string; htmx asks for the results fragment on the same URL. Nothing personal is shown: the
organisation's name and the workplace's postcode district, never staff names or contact details.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, selectinload

from . import applying, htmx, search
from .access import public
from .extensions import db
from .models import Organisation, Placement

bp = Blueprint("browse", __name__, url_prefix="/placements")


@bp.get("/")
@public
def index():
    filters, errors = search.parse(request.args)
    page = search.browse(filters, date.today(), current_app.config["PAGE_SIZE"])
    response = htmx.render(
        "browse/index.html",
        "browse/_results.html",
        page=page,
        filters=filters,
        errors=errors,
        sorts=search.SORTS,
        radii=search.RADII_KM,
    )
    if errors:
        response.status_code = 422
    return response


def get_published(placement_id: int) -> Placement:
    """A published placement of an approved organisation, or 404 (drafts and cancelled ones do not exist here)."""
    statement = (
        select(Placement)
        .join(Organisation, Placement.organisation_id == Organisation.id)
        .options(contains_eager(Placement.organisation), selectinload(Placement.adjustments))
        .where(Placement.id == placement_id, Placement.status == "published", Organisation.status == "approved")
    )
    placement = db.session.scalar(statement)
    if placement is None:
        abort(404)
    return placement


@bp.get("/<int:placement_id>")
@public
def detail(placement_id: int):
    placement = get_published(placement_id)
    signed_in_student = current_user.is_authenticated and current_user.role == "student"
    return render_template(
        "browse/detail.html",
        placement=placement,
        district=search.district(placement.postcode),
        mine=applying.my_application_for(placement.id) if signed_in_student else None,
    )
