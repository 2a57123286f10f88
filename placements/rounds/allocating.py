"""Allocation rounds: the careers leader previews the allocation, changes it by hand, and commits it.

Previewing runs allocation.py's matching (operations.run_preview); each change by hand is logged with
its reason; the commit makes every offer through the applications workflow (operations.commit_round).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import accounts, cohort, matching, recommend
from ..extensions import db
from ..forms import ConfirmForm, OverrideForm, status
from ..models import AllocationRound, RoundOverride, StudentProfile, User
from . import bp, careers_leader_only
from .operations import (
    commit_round,
    get_round,
    names_of,
    page_of,
    round_placements,
    run_preview,
    stale_students,
)

NEAREST_SHOWN = 3  # placements with room suggested for each unplaced student


@bp.post("/<int:round_id>/preview")
@careers_leader_only
def run(round_id: int):
    allocation_round = get_round(round_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash("That did not work. Use the button on this page to preview the allocation.", "error")
        return redirect(url_for("rounds.detail", round_id=round_id), 303)
    if allocation_round.status not in {"open", "previewed"}:
        flash(f"“{allocation_round.name}” is {allocation_round.status}: it cannot be previewed again.", "info")
        return redirect(url_for("rounds.detail", round_id=round_id), 303)
    redraw = request.form.get("redraw") == "1"
    changes = len((allocation_round.allocation or {}).get("overrides", {}))
    if changes and request.form.get("discard") != "1":
        # A new preview replaces the changes made by hand: ask first.
        return render_template("rounds/confirm_preview.html", round=allocation_round, redraw=redraw, changes=changes)
    run_preview(allocation_round, current_user, redraw=redraw)
    db.session.commit()
    message = "The lottery was drawn again" if redraw else "The allocation is ready to check"
    flash(f"{message} (seed {allocation_round.seed}).", "success")
    return redirect(url_for("rounds.preview", round_id=round_id), 303)


@dataclass
class Row:
    """One student on the preview page."""

    profile: StudentProfile
    sid: str
    choices: list[str]
    placed: str | None
    by_rule: str | None
    override: RoundOverride | None
    why: list[str]
    priority: str
    nearest: list[tuple[str, str]]  # (placement name, distance in words)
    outcome: dict


STAFF_FROM = {"school": "from school", "home_area": "from their postcode district"}


def _nearest(profile: StudentProfile, places: list[cohort.Place], free: dict[str, int], names, placements):
    """The nearest round placements with room for an unplaced student, with honest distances."""
    origin = recommend.origin_of(profile)
    point = (origin.lat, origin.lon) if origin else None
    out = []
    for pid, km in cohort.nearest_with_room(point, places, free, NEAREST_SHOWN):
        placement = placements[pid]
        if placement.delivery_mode == "virtual":
            where = "virtual"
        elif km is None:
            where = "distance not known"
        else:
            where = f"{matching.distance_band(km)} {STAFF_FROM[origin.source]}"
            if km > profile.travel_radius_km:
                where += f", beyond their {profile.travel_radius_km} km travel limit"
        out.append((names[pid], where))
    return out


@bp.get("/<int:round_id>/preview")
@careers_leader_only
def preview(round_id: int):
    allocation_round = get_round(round_id)
    snapshot = allocation_round.allocation
    if snapshot is None:
        flash("Preview the allocation first.", "info")
        return redirect(url_for("rounds.detail", round_id=round_id))
    placements = {str(p.id): p for p in round_placements(allocation_round)}
    names = names_of(list(placements.values()))
    replayed = cohort.replay(snapshot, allocation_round.seed)
    free = cohort.room(snapshot)
    places = [cohort.Place(pid, p.lat, p.lon) for pid, p in placements.items()]
    override_ids = [i for i in snapshot["overrides"].values()]
    overrides = {
        o.id: o for o in db.session.scalars(select(RoundOverride).where(RoundOverride.id.in_(override_ids or [0])))
    }
    profiles = {
        str(p.id): p
        for p in db.session.scalars(
            select(StudentProfile)
            .options(joinedload(StudentProfile.user))
            .where(StudentProfile.id.in_([int(sid) for sid in snapshot["prefs"]] or [0]))
        )
    }
    ordered = sorted(
        (sid for sid in snapshot["prefs"] if sid in profiles),
        key=lambda sid: (profiles[sid].user.last_name, profiles[sid].user.first_name, int(sid)),
    )
    show = request.args.get("show", "")
    if show == "unplaced":
        ordered = [sid for sid in ordered if snapshot["result"][sid] is None]
    elif show == "changed":
        ordered = [sid for sid in ordered if sid in snapshot["overrides"]]
    else:
        show = ""
    page = page_of(ordered)
    rows = []
    outcome = snapshot.get("outcome", {})
    for sid in page.items:
        profile = profiles[sid]
        placed = snapshot["result"][sid]
        rows.append(
            Row(
                profile=profile,
                sid=sid,
                choices=[names.get(pid, "A placement no longer in the round") for pid in snapshot["prefs"][sid]],
                placed=placed,
                by_rule=replayed.by_rule.get(sid),
                override=overrides.get(snapshot["overrides"].get(sid)),
                why=replayed.explain(sid, names, audience="staff"),
                priority=cohort.priority_label(snapshot, sid),
                nearest=_nearest(profile, places, free, names, placements) if placed is None else [],
                outcome=outcome.get(sid, {}),
            )
        )
    page.items = rows
    placed_count = sum(1 for pid in snapshot["result"].values() if pid is not None)
    return render_template(
        "rounds/preview.html",
        round=allocation_round,
        snapshot=snapshot,
        page=page,
        show=show,
        names=names,
        free=free,
        placed_count=placed_count,
        unplaced_count=len(snapshot["result"]) - placed_count,
        stale=stale_students(allocation_round) if allocation_round.status == "previewed" else [],
        form=ConfirmForm(),
    )


def _round_student(allocation_round: AllocationRound, user_id: int) -> StudentProfile:
    """A student of the round's snapshot at the leader's school, or 404."""
    user = db.session.get(User, user_id)
    snapshot = allocation_round.allocation or {}
    if (
        user is None
        or user.school_id != current_user.school_id
        or user.student_profile is None
        or str(user.student_profile.id) not in snapshot.get("result", {})
    ):
        abort(404)
    return user.student_profile


@bp.route("/<int:round_id>/students/<int:user_id>/allocation", methods=["GET", "POST"])
@careers_leader_only
def override(round_id: int, user_id: int):
    allocation_round = get_round(round_id)
    if allocation_round.status != "previewed":
        why = "Offers are made" if allocation_round.status == "committed" else "There is no preview to change"
        flash(f"{why}: allocations in “{allocation_round.name}” cannot be changed now.", "info")
        return redirect(url_for("rounds.detail", round_id=round_id))
    profile = _round_student(allocation_round, user_id)
    sid = str(profile.id)
    snapshot = allocation_round.allocation
    placements = round_placements(allocation_round)
    names = names_of(placements)
    current = snapshot["result"][sid]
    free = cohort.room(snapshot)
    options = {"": "Choose a new allocation"}
    if current is not None:
        options["none"] = "No placement: leave them unplaced"
    for pid, name in names.items():
        if pid != current and free.get(pid, 0) > 0:
            options[pid] = f"{name}: {free[pid]} place{'' if free[pid] == 1 else 's'} left in this round"
    form = OverrideForm()
    form.placement.choices = options
    if form.validate_on_submit():
        chosen = None if form.placement.data == "none" else form.placement.data
        entry = RoundOverride(
            round_id=allocation_round.id,
            student_profile_id=profile.id,
            placement_id=int(chosen) if chosen else None,
            reason=form.reason.data,
            by_id=current_user.id,
        )
        db.session.add(entry)
        db.session.flush()
        try:
            allocation_round.allocation = cohort.with_override(snapshot, sid, chosen, entry.id)
        except ValueError as error:
            db.session.rollback()
            form.placement.errors.append(str(error))
        else:
            accounts.audit(current_user, "round.override", entry)
            db.session.commit()
            where = names[chosen] if chosen else "no placement"
            flash(f"{profile.user.full_name}'s allocation is now {where}. The reason is in the log.", "success")
            return redirect(url_for("rounds.preview", round_id=round_id), 303)
    replayed = cohort.replay(snapshot, allocation_round.seed)
    return render_template(
        "rounds/override.html",
        round=allocation_round,
        profile=profile,
        form=form,
        choices=[names.get(pid, pid) for pid in snapshot["prefs"][sid]],
        current=names.get(current) if current else None,
        why=replayed.explain(sid, names, audience="staff"),
        history=db.session.scalars(
            select(RoundOverride)
            .where(RoundOverride.round_id == allocation_round.id, RoundOverride.student_profile_id == profile.id)
            .order_by(RoundOverride.id)
        ).all(),
        names=names,
    ), status(form)


@bp.route("/<int:round_id>/commit", methods=["GET", "POST"])
@careers_leader_only
def commit(round_id: int):
    allocation_round = get_round(round_id)
    if allocation_round.status != "previewed":
        flash(f"“{allocation_round.name}” has no preview waiting to be committed.", "info")
        return redirect(url_for("rounds.detail", round_id=round_id), 303 if request.method == "POST" else 302)
    form = ConfirmForm()
    stale = stale_students(allocation_round)
    snapshot = allocation_round.allocation
    names = names_of(round_placements(allocation_round))
    if request.method == "POST" and not stale and form.validate_on_submit():
        outcome = commit_round(allocation_round, current_user)
        if outcome is None:
            flash("These offers were already made.", "info")
        elif outcome.problems:
            flash(
                f"{outcome.offered} offer{'' if outcome.offered == 1 else 's'} made. "
                f"{len(outcome.problems)} could not be made: see the list below.",
                "info",
            )
        else:
            flash(f"{outcome.offered} offer{'' if outcome.offered == 1 else 's'} made.", "success")
        return redirect(url_for("rounds.detail", round_id=round_id), 303)
    counts: dict[str, int] = {}
    for pid in snapshot["result"].values():
        if pid is not None:
            counts[pid] = counts.get(pid, 0) + 1
    code = 409 if request.method == "POST" and stale else 200
    return render_template(
        "rounds/commit.html", round=allocation_round, form=form, stale=stale, counts=counts, names=names
    ), code
