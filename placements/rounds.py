"""Allocation rounds: a careers leader shares limited places fairly across one year group (issue 8).

The leader opens a round (a year group, some open placements, a closing date); each student ranks up
to N of its placements until it closes; the leader previews the allocation (allocation.py's stable
matching under the published priority rule, with the lottery seed recorded and shown), moves
individual students by hand with a written reason, and commits: every offer is made through the
applications workflow (applications.allocate_offer), which still guards each place. Students then
read their own result. Views are thin: cohort.py builds the inputs and the snapshot, allocation.py
decides, applications.py writes the offers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from . import accounts, applications, cohort, matching, recommend, search
from .access import roles
from .allocation import new_seed
from .extensions import db
from .forms import ConfirmForm, OverrideForm, RoundForm, rank_form, status
from .models import (
    ROUND_STATUSES,
    AllocationRound,
    Application,
    Placement,
    RoundChoice,
    RoundOverride,
    RoundPlacement,
    School,
    StudentProfile,
    User,
    utcnow,
)
from .pagination import Page, paginate, requested_page

bp = Blueprint("rounds", __name__, url_prefix="/school/rounds")
student_bp = Blueprint("student_rounds", __name__, url_prefix="/student/rounds")
careers_leader_only = roles("careers_leader")
student_only = roles("student")


@bp.context_processor
@student_bp.context_processor
def _statuses() -> dict:
    return {"round_statuses": ROUND_STATUSES}


DEFAULT_RADIUS_KM = 25  # how far from school the new-round form looks for placements, unless changed
MAX_LISTED = 100  # placements listed on the new-round form (the soonest first)
NEAREST_SHOWN = 3  # placements with room suggested for each unplaced student


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


def _page(items: list) -> Page:
    size = current_app.config["PAGE_SIZE"]
    pages = max(1, -(-len(items) // size))
    number = min(requested_page(), pages)
    return Page(items[(number - 1) * size : number * size], number, pages, len(items))


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


# --- careers leaders ------------------------------------------------------------------------------------


@bp.get("/")
@careers_leader_only
def index():
    page = paginate(
        select(AllocationRound)
        .where(AllocationRound.school_id == current_user.school_id)
        .order_by(AllocationRound.created_at.desc(), AllocationRound.id.desc())
    )
    return render_template("rounds/index.html", page=page)


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


def _placement_label(placement: Placement, where: str) -> str:
    places = f"{placement.places_left} place{'' if placement.places_left == 1 else 's'} left"
    return (
        f"{placement.title} – {placement.organisation.name}: {places}, starts "
        f"{placement.start_date.strftime('%-d %b %Y')}, applications close "
        f"{placement.application_deadline.strftime('%-d %b %Y')}, {where}"
    )


def _year_and_radius() -> tuple[int | None, int]:
    raw_year, raw_radius = request.args.get("year_group", ""), request.args.get("within", "")
    year = int(raw_year) if raw_year.isdigit() and len(raw_year) <= 2 and int(raw_year) in range(7, 14) else None
    radius = DEFAULT_RADIUS_KM
    if raw_radius.isdigit() and len(raw_radius) <= 3 and int(raw_radius) in search.RADII_KM:
        radius = int(raw_radius)
    return year, radius


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
        page=_page(shown),
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
    page = _page(ordered)
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


# --- students -----------------------------------------------------------------------------------------


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


@student_bp.app_template_global()
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
