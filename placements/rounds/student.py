"""Allocation rounds: the students' pages (the `student_rounds` blueprint).

A student ranks the round's placements until it closes, then reads their own result there; their home
page lists the rounds open to them or with their results (allocation_rounds_for, a template global).
"""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from .. import cohort, matching, recommend, search
from ..extensions import db
from ..forms import rank_form
from ..models import AllocationRound, Placement, RoundChoice, StudentProfile
from . import student_bp, student_only
from .operations import choices_of, closed_reason, get_round_for_student, names_of, round_placements


def ordered_for(profile: StudentProfile, placements: list[Placement]):
    """The round's placements in the order the student sees them, and {placement id: reasons}.

    With recommendations switched on, the matcher's order (recommend.py's student, matching.rank)
    comes first and anything it leaves out follows by date, with why; otherwise by date only."""
    if not profile.recommendations_enabled:
        return placements, {}, {}, []
    student = recommend.matcher_student(profile, recommend.origin_of(profile))
    ranked = matching.rank(student, placements, weights=matching.MatchWeights())
    first = [m.placement for m in ranked]
    left_out = [p for p in placements if p not in first]
    reasons = {m.placement.id: m.reasons for m in ranked}
    not_recommended = {p.id: matching.explain_filters(student, p) for p in left_out}
    return first + left_out, reasons, not_recommended, [str(p.id) for p in first]


def distances_for(profile: StudentProfile, placements: list[Placement]) -> dict[int, str]:
    origin = recommend.origin_of(profile)
    if origin is None:
        return {}
    return {
        p.id: search.band((origin.lat, origin.lon), p, origin.label)
        for p in placements
        if p.delivery_mode != "virtual" and p.lat is not None and p.lon is not None
    }


def student_result(allocation_round: AllocationRound, profile: StudentProfile, names: dict[str, str]) -> dict | None:
    """What a student reads after the commit: their outcome in the student wording, and the offer."""
    snapshot = allocation_round.allocation or {}
    sid = str(profile.id)
    if allocation_round.status != "committed" or sid not in snapshot.get("result", {}):
        return None
    placed = snapshot["result"][sid]
    if sid in snapshot["overrides"]:
        # The reason was written for staff: the student is told who decided, and whom to ask.
        lines = [
            f"Your careers leader allocated you a place at {names.get(placed, 'a placement')}."
            if placed
            else "Your careers leader did not allocate you a place in this round. Ask them why if you would like to."
        ]
    else:
        lines = cohort.replay(snapshot, allocation_round.seed).explain(sid, names, audience="student")
    done = snapshot.get("outcome", {}).get(sid, {})
    return {
        "lines": lines,
        "placed": placed,
        "application_id": done.get("application_id"),
        "problem": done.get("problem"),
    }


@student_bp.route("/<int:round_id>", methods=["GET", "POST"])
@student_only
def rank(round_id: int):
    today = date.today()
    allocation_round, profile = get_round_for_student(round_id)
    placements = round_placements(allocation_round)
    ordered, reasons, not_recommended, recommended = ordered_for(profile, placements)
    names = names_of(placements)
    # Only placements that can still share out places are offered; the others are listed with why.
    unavailable = {p.id: why for p in placements if (why := closed_reason(p, allocation_round.year_group, today))}
    options = {str(p.id): names[str(p.id)] for p in ordered if p.id not in unavailable}
    count = min(allocation_round.max_choices, len(options))
    saved = choices_of(allocation_round, profile.id).get(str(profile.id), [])
    form = rank_form(count, options)
    prefilled = False
    if not form.is_submitted():
        start = saved or recommended[:count]
        prefilled = not saved and bool(start)
        for n, pid in enumerate(start[:count], start=1):
            getattr(form, f"choice_{n}").data = pid
    code = 200
    taking = allocation_round.takes_choices_on(today) and count > 0
    if request.method == "POST":
        if not taking:
            code = 409
        elif form.validate_on_submit():
            try:
                db.session.execute(
                    delete(RoundChoice).where(
                        RoundChoice.round_id == allocation_round.id, RoundChoice.student_profile_id == profile.id
                    )
                )
                db.session.add_all(
                    RoundChoice(
                        round_id=allocation_round.id, student_profile_id=profile.id, placement_id=int(pid), rank=n
                    )
                    for n, pid in enumerate(form.choices(), start=1)
                )
                db.session.commit()
            except IntegrityError:
                db.session.rollback()
                flash("Your choices changed in another window a moment ago. Check them and save again.", "info")
                return redirect(url_for("student_rounds.rank", round_id=round_id), 303)
            flash(
                "Your choices are saved. You can change them until the end of "
                f"{allocation_round.closes_on.strftime('%-d %B %Y')}.",
                "success",
            )
            return redirect(url_for("student_rounds.rank", round_id=round_id), 303)
        else:
            code = 422
    return render_template(
        "rounds/rank.html",
        round=allocation_round,
        profile=profile,
        form=form,
        count=count,
        ordered=ordered,
        reasons=reasons,
        not_recommended=not_recommended,
        distances=distances_for(profile, placements),
        saved=[names.get(pid, pid) for pid in saved],
        prefilled=prefilled,
        taking=taking,
        unavailable=unavailable,
        today=today,
        result=student_result(allocation_round, profile, names),
    ), code


def allocation_rounds_for(user) -> list[AllocationRound]:
    """Rounds for a student's home page: open for their choices, or with their results."""
    profile = getattr(user, "student_profile", None)
    if getattr(user, "role", None) != "student" or profile is None or profile.is_leaver:
        return []
    found = db.session.scalars(
        select(AllocationRound)
        .where(
            AllocationRound.school_id == user.school_id,
            AllocationRound.year_group == profile.year_group,
            AllocationRound.status.in_(("open", "previewed", "committed")),
        )
        .order_by(AllocationRound.closes_on.desc(), AllocationRound.id.desc())
        .limit(10)
    )
    today = date.today()
    return [r for r in found if r.status == "committed" or r.takes_choices_on(today)]
