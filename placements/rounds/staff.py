"""Allocation rounds: the careers leader's pages for opening, following and cancelling a round.

The preview, changes by hand and the commit are in allocating.py; the reads and writes in operations.py.
"""

from __future__ import annotations

from datetime import date

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from .. import accounts, search
from ..extensions import db
from ..forms import ConfirmForm, RoundForm, status
from ..models import AllocationRound, Placement, RoundPlacement
from ..numbers import whole_number
from ..pagination import paginate
from . import bp, careers_leader_only
from .operations import (
    MAX_LISTED,
    choices_of,
    get_round,
    open_placements_for,
    page_of,
    round_placements,
    round_students,
    stale_students,
)

DEFAULT_RADIUS_KM = 25  # how far from school the new-round form looks for placements, unless changed


@bp.get("/")
@careers_leader_only
def index():
    page = paginate(
        select(AllocationRound)
        .where(AllocationRound.school_id == current_user.school_id)
        .order_by(AllocationRound.created_at.desc(), AllocationRound.id.desc())
    )
    return render_template("rounds/index.html", page=page)


def _placement_label(placement: Placement, where: str) -> str:
    places = f"{placement.places_left} place{'' if placement.places_left == 1 else 's'} left"
    return (
        f"{placement.title} – {placement.organisation.name}: {places}, starts "
        f"{placement.start_date.strftime('%-d %b %Y')}, applications close "
        f"{placement.application_deadline.strftime('%-d %b %Y')}, {where}"
    )


def _year_and_radius() -> tuple[int | None, int]:
    raw_year, raw_radius = request.args.get("year_group", ""), request.args.get("within", "")
    year = whole_number(raw_year, max_digits=2)
    radius = whole_number(raw_radius, max_digits=3)
    return (year if year in range(7, 14) else None), (radius if radius in search.RADII_KM else DEFAULT_RADIUS_KM)


@bp.route("/new", methods=["GET", "POST"])
@careers_leader_only
def new():
    """Step 1 (a GET form) picks the year group and how far to look; step 2 names the round, sets the
    closing date and ticks its placements. Both on one page, so either works without JavaScript."""
    today = date.today()
    year, radius = _year_and_radius()
    listed = open_placements_for(current_user.school, year, radius, today) if year else []
    by_id = {p.id: p for p, _ in listed}
    form = RoundForm(today=today, placements_by_id=by_id)
    form.placements.choices = {p.id: _placement_label(p, where) for p, where in listed}
    form.placements.description = (
        f"Open placements for Year {year}: virtual ones, and those within {radius} km of your school, soonest "
        f"first (at most {MAX_LISTED})."
    )
    if request.method == "GET":
        form.max_choices.data = current_app.config["ALLOCATION_MAX_CHOICES"]
    if year is not None and form.validate_on_submit():
        allocation_round = AllocationRound(
            school_id=current_user.school_id,
            name=form.name.data,
            year_group=year,
            closes_on=form.closes_on.data,
            max_choices=form.max_choices.data,
            status="open",
            created_by_id=current_user.id,
            placements=[RoundPlacement(placement_id=pid) for pid in dict.fromkeys(form.placements.data)],
        )
        db.session.add(allocation_round)
        db.session.flush()
        accounts.audit(current_user, "round.open", allocation_round)
        db.session.commit()
        flash(
            f"“{allocation_round.name}” is open. Year {year} students can rank its placements until the end of "
            f"{allocation_round.closes_on.strftime('%-d %B %Y')}.",
            "success",
        )
        return redirect(url_for("rounds.detail", round_id=allocation_round.id), 303)
    code = status(form) if year is not None else (422 if request.method == "POST" else 200)
    return (
        render_template("rounds/new.html", form=form, year=year, radius=radius, radii=search.RADII_KM, listed=listed),
        code,
    )


@bp.get("/<int:round_id>")
@careers_leader_only
def detail(round_id: int):
    allocation_round = get_round(round_id)
    profiles = round_students(allocation_round)
    counts = {int(sid): len(pids) for sid, pids in choices_of(allocation_round).items()}
    show = request.args.get("show", "")
    shown = profiles
    if show == "ranked":
        shown = [p for p in profiles if counts.get(p.id)]
    elif show == "not_ranked":
        shown = [p for p in profiles if not counts.get(p.id)]
    else:
        show = ""
    snapshot = allocation_round.allocation or {}
    outcome = snapshot.get("outcome", {})
    offered = sum(1 for done in outcome.values() if "application_id" in done)
    problems = [
        (profile, outcome[str(profile.id)]["problem"])
        for profile in profiles
        if "problem" in outcome.get(str(profile.id), {})
    ]
    return render_template(
        "rounds/detail.html",
        round=allocation_round,
        placements=round_placements(allocation_round),
        page=page_of(shown),
        counts=counts,
        ranked=sum(1 for p in profiles if counts.get(p.id)),
        total=len(profiles),
        show=show,
        offered=offered,
        problems=problems,
        stale=stale_students(allocation_round) if allocation_round.status == "previewed" else [],
        today=date.today(),
        form=ConfirmForm(),
    )


@bp.route("/<int:round_id>/cancel", methods=["GET", "POST"])
@careers_leader_only
def cancel(round_id: int):
    allocation_round = get_round(round_id)
    if allocation_round.status not in {"open", "previewed"}:
        flash(f"“{allocation_round.name}” cannot be cancelled now.", "info")
        return redirect(url_for("rounds.detail", round_id=round_id), 303 if request.method == "POST" else 302)
    form = ConfirmForm()
    if form.validate_on_submit():
        allocation_round.status = "cancelled"
        accounts.audit(current_user, "round.cancel", allocation_round)
        db.session.commit()
        flash(f"“{allocation_round.name}” is cancelled. No offers were made.", "success")
        return redirect(url_for("rounds.index"), 303)
    return render_template("rounds/cancel.html", round=allocation_round, form=form)
