"""Allocation rounds: the reads and writes behind the careers leader's and the students' pages.

Loading a round for whoever is asking (404 otherwise), the round's students, placements and choices,
and the leader's writes: run_preview records cohort.py's snapshot of allocation.py's matching, and
commit_round makes each offer through applications.allocate_offer, which still guards every place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import abort, current_app, url_for
from flask_login import current_user
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from .. import accounts, applications, cohort, search
from ..allocation import new_seed
from ..extensions import db
from ..models import (
    AllocationRound,
    Application,
    Placement,
    RoundChoice,
    RoundPlacement,
    School,
    StudentProfile,
    User,
    utcnow,
)
from ..pagination import Page, requested_page

MAX_LISTED = 100  # placements listed on the new-round form (the soonest first)


# --- loading, scoped to who is asking ----------------------------------------------------------------


def get_round(round_id: int) -> AllocationRound:
    """A round of the careers leader's own school, or 404."""
    found = db.session.get(AllocationRound, round_id)
    if found is None or found.school_id != current_user.school_id:
        abort(404)
    return found


def get_round_for_student(round_id: int) -> tuple[AllocationRound, StudentProfile]:
    """A round of the student's school and year group that has not been cancelled, or 404."""
    found = db.session.get(AllocationRound, round_id)
    profile = current_user.student_profile
    if (
        found is None
        or profile is None
        or profile.is_leaver
        or found.school_id != current_user.school_id
        or found.year_group != profile.year_group
        or found.status == "cancelled"
    ):
        abort(404)
    return found, profile


def round_students(allocation_round: AllocationRound) -> list[StudentProfile]:
    """The round's students: the school's current students in its year group, by name."""
    return list(
        db.session.scalars(
            select(StudentProfile)
            .join(User, User.id == StudentProfile.user_id)
            .options(joinedload(StudentProfile.user))
            .where(
                User.school_id == allocation_round.school_id,
                User.role == "student",
                StudentProfile.year_group == allocation_round.year_group,
                StudentProfile.left_at.is_(None),
            )
            .order_by(User.last_name, User.first_name, User.id)
        )
    )


def round_placements(allocation_round: AllocationRound) -> list[Placement]:
    return list(
        db.session.scalars(
            select(Placement)
            .join(RoundPlacement, RoundPlacement.placement_id == Placement.id)
            .options(joinedload(Placement.organisation))
            .where(RoundPlacement.round_id == allocation_round.id)
            .order_by(Placement.start_date, Placement.id)
        )
    )


def choices_of(allocation_round: AllocationRound, profile_id: int | None = None) -> dict[str, list[str]]:
    """{student profile id: [placement id, ...]} as strings, first choice first."""
    query = select(RoundChoice.student_profile_id, RoundChoice.placement_id).where(
        RoundChoice.round_id == allocation_round.id
    )
    if profile_id is not None:
        query = query.where(RoundChoice.student_profile_id == profile_id)
    out: dict[str, list[str]] = {}
    for sid, pid in db.session.execute(query.order_by(RoundChoice.student_profile_id, RoundChoice.rank)):
        out.setdefault(str(sid), []).append(str(pid))
    return out


def names_of(placements: list[Placement]) -> dict[str, str]:
    """What staff and students read for each placement: its title and employer."""
    return {str(p.id): f"{p.title} – {p.organisation.name}" for p in placements}


def page_of(items: list) -> Page:
    """One page of a list already in memory (a round's students), at the page asked for."""
    size = current_app.config["PAGE_SIZE"]
    pages = max(1, -(-len(items) // size))
    number = min(requested_page(), pages)
    return Page(items[(number - 1) * size : number * size], number, pages, len(items))


def open_placements_for(school: School, year_group: int, radius_km: int, today: date) -> list[tuple[Placement, str]]:
    """Open placements for a year group within reach of the school (virtual ones always), soonest
    first, with a distance band for each located one. The same SQL as the public search."""
    conditions = [*search.open_conditions(today), Placement.open_to(year_group)]
    origin = (school.lat, school.lon) if school.lat is not None and school.lon is not None else None
    if origin is None:
        conditions.append(Placement.delivery_mode == "virtual")
        rows = search.candidates(conditions)
    else:
        rows = search.candidates(conditions, branches=search.reach(*origin, radius_km))
    in_reach = search.sort_in_reach(search.within(origin, radius_km, rows), "soonest")[:MAX_LISTED]
    placements = search.load_page([c.id for c, _ in in_reach])
    out = []
    for p in placements:
        where = "virtual"
        if origin is not None and p.lat is not None and p.lon is not None:
            where = search.band(origin, p, "from school")
        out.append((p, where))
    return out


# --- the leader's writes ------------------------------------------------------------------------------


def closed_reason(placement: Placement, year_group: int, today: date) -> str | None:
    """Why a round placement can share out no places today, or None when it can."""
    if placement.status != "published" or not placement.organisation.is_approved:
        return "It is no longer published."
    if placement.application_deadline < today:
        return "Its application deadline has passed."
    if year_group not in placement.year_groups:
        return f"It is no longer open to Year {year_group}."
    if placement.places_left <= 0:
        return "It has no places left."
    return None


def run_preview(allocation_round: AllocationRound, actor: User, *, redraw: bool = False) -> dict:
    """Allocate the round as it stands and record the snapshot (cohort.py). The lottery seed is drawn
    the first time and kept, so a new preview reproduces the draw; `redraw` draws a new one. Any
    earlier overrides are discarded (their log stays). Not committed."""
    today = date.today()
    profiles = round_students(allocation_round)
    ids = [p.id for p in profiles]
    prior: set[int] = set()
    if ids:
        prior = set(
            db.session.scalars(
                select(Application.student_profile_id).where(
                    Application.student_profile_id.in_(ids),
                    Application.status.in_(cohort.PRIOR_PLACEMENT_STATUSES),
                )
            )
        )
    students = [
        cohort.CohortStudent(
            str(p.id),
            has_prior_placement=p.id in prior,
            send=p.sen_provision in cohort.SEND_CODES,
            disadvantaged=bool(p.disadvantaged),
        )
        for p in profiles
    ]
    capacities, closed = {}, {}
    for placement in round_placements(allocation_round):
        why = closed_reason(placement, allocation_round.year_group, today)
        capacities[str(placement.id)] = 0 if why else placement.places_left
        if why:
            closed[str(placement.id)] = why
    if allocation_round.seed is None or redraw:
        allocation_round.seed = new_seed()
    snapshot = cohort.preview(students, choices_of(allocation_round), capacities, allocation_round.seed, closed)
    allocation_round.allocation = snapshot | {"at": utcnow().isoformat(timespec="seconds")}
    allocation_round.status = "previewed"
    accounts.audit(actor, "round.redraw" if redraw else "round.preview", allocation_round)
    return allocation_round.allocation


def stale_students(allocation_round: AllocationRound) -> list[str]:
    """Students whose choices changed after the preview, or who joined or left the round since."""
    current = {str(p.id): [] for p in round_students(allocation_round)}
    current.update({sid: pids for sid, pids in choices_of(allocation_round).items() if sid in current})
    return cohort.changed_since(allocation_round.allocation, current)


@dataclass(frozen=True)
class Outcome:
    offered: int
    problems: list[tuple[str, str]]  # (student name, what went wrong)


def commit_round(allocation_round: AllocationRound, actor: User) -> Outcome | None:
    """Make the previewed offers, highest priority first, each in its own transaction so that one
    place gone meanwhile does not undo the others: it is reported, never overbooked. Returns None
    when the round was no longer previewed (a second click, or another leader got there first)."""
    claimed = db.session.execute(
        update(AllocationRound)
        .where(AllocationRound.id == allocation_round.id, AllocationRound.status == "previewed")
        .values(status="committed", committed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        return None
    round_id, name, year = allocation_round.id, allocation_round.name, allocation_round.year_group
    snapshot = allocation_round.allocation
    accounts.audit(actor, "round.commit", allocation_round)
    db.session.commit()

    order = cohort.replay(snapshot, allocation_round.seed).inputs.order
    result = snapshot["result"]
    outcome: dict[str, dict] = {}
    note = f"Allocated in the round “{name}”."
    for sid in order:
        pid = result.get(sid)
        if pid is None:
            continue
        profile = db.session.get(StudentProfile, int(sid))
        placement = db.session.get(Placement, int(pid))
        if profile is None or placement is None:
            outcome[sid] = {"problem": "The student or the placement no longer exists."}
            continue
        try:
            application = applications.allocate_offer(profile.user, placement, actor, note=note)
            application_id = application.id
            db.session.commit()
            outcome[sid] = {"application_id": application_id}
        except applications.ApplicationError as error:
            db.session.rollback()  # usually done already; never let half an offer reach the next commit
            outcome[sid] = {"problem": _offer_problem(int(pid), year, error)}

    allocation_round = db.session.get(AllocationRound, round_id)
    allocation_round.allocation = {**allocation_round.allocation, "outcome": outcome}
    link = url_for("student_rounds.rank", round_id=round_id)
    for sid in snapshot["prefs"]:
        if sid not in outcome or "problem" in outcome[sid]:  # an offer is notified by the workflow
            profile = db.session.get(StudentProfile, int(sid))
            if profile is not None and snapshot["prefs"][sid]:
                applications.notify(profile.user, f"The results of “{name}” are ready.", link)
    db.session.commit()
    problems = []
    for sid, done in outcome.items():
        if "problem" in done:
            profile = db.session.get(StudentProfile, int(sid))
            problems.append((profile.user.full_name if profile else "A student", done["problem"]))
    return Outcome(sum(1 for done in outcome.values() if "application_id" in done), problems)


def _offer_problem(placement_id: int, year_group: int, error: applications.ApplicationError) -> str:
    """Why an offer was not made, in the careers leader's terms (the session was rolled back)."""
    placement = db.session.get(Placement, placement_id)
    why = closed_reason(placement, year_group, date.today())
    if isinstance(error, applications.NoPlaceLeft) or why == "It has no places left.":
        return f"No place was left on {placement.title}: it filled up after the preview."
    if why:
        return f"{placement.title}: {why}"
    return str(error)
