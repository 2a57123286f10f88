"""A student's "Recommended for you" page: their own recommendations, and the switch that turns them on.

Ranking by interests and access needs is profiling of a child (security.md A4 §12, domain.md §6), so
it is OFF until the student switches it on on this page, next to a plain explanation of what the
ranking uses. Off, the page is a plain list of open placements for their year group within their
travel distance, sorted by date or distance. Either way, distances are bands from the school or from
the student's postcode district, never a home location, and employers never see any of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_login import current_user

from . import htmx, matching, search
from .access import roles
from .extensions import db
from .forms import RecommendationSwitchForm
from .models import AuditEvent, Outcode, Placement, StudentProfile

bp = Blueprint("recommend", __name__, url_prefix="/student/recommendations")
student_only = roles("student")

BEST = {"best": "Best match first"}
RANKED_SORTS = BEST | search.SORTS


@dataclass(frozen=True)
class Origin:
    lat: float
    lon: float
    source: str  # matching.LOCATION_SOURCES key: "school" or "home_area"

    @property
    def label(self) -> str:
        return matching.LOCATION_SOURCES[self.source]


def origin_of(profile: StudentProfile) -> Origin | None:
    """Where travel starts: the home postcode district's centroid if recorded, else the school."""
    if profile.home_outcode:
        district = db.session.get(Outcode, profile.home_outcode)
        if district is not None:
            return Origin(district.lat, district.lon, "home_area")
    school = profile.user.school
    if school is not None and school.lat is not None and school.lon is not None:
        return Origin(school.lat, school.lon, "school")
    return None


def matcher_student(profile: StudentProfile, origin: Origin | None) -> SimpleNamespace:
    must = set(profile.needs_by_priority("must"))
    return SimpleNamespace(
        lat=origin.lat if origin else None,
        lon=origin.lon if origin else None,
        location_source=origin.source if origin else "school",
        year_group=profile.year_group,
        interests=set(profile.interest_routes),
        must_needs=must,
        preferred_needs=set(profile.needs_by_priority("preferred")) - must,
        travel_radius_km=profile.travel_radius_km,
    )


def recommendations(
    profile: StudentProfile, f: search.Filters, today: date, size: int, *, weights: matching.MatchWeights
) -> search.ResultPage:
    """One page for this student. Ranked (best first, with reasons) when they switched it on."""
    notes: list[str] = []
    origin = origin_of(profile)
    student = matcher_student(profile, origin)
    ranked = profile.recommendations_enabled
    sort = f.sort
    if origin is None:
        notes.append("We do not know where your school is yet, so only virtual placements are listed.")
        sort = "soonest" if sort == "nearest" else sort
    conditions = search.open_conditions(today) + search.filter_conditions(f)
    conditions.append(Placement.open_to(profile.year_group))
    required: set[str] = set()
    features: set[str] = set()
    if ranked:  # the matcher reads the must-haves (all offered, by the SQL) and the preferred needs
        required, features = student.must_needs, student.preferred_needs
    if origin is None:
        conditions.append(Placement.delivery_mode == "virtual")
        branches: tuple = ()
    else:
        branches = search.reach(origin.lat, origin.lon, profile.travel_radius_km)
    rows = search.candidates(conditions, branches=branches, required=required, features=features)
    point = (origin.lat, origin.lon) if origin else None
    in_reach = search.within(point, profile.travel_radius_km, rows)
    number, pages = search.clamp(f.page, len(in_reach), size, notes)
    reasons: dict[int, tuple[str, ...]] = {}
    if ranked and sort == "best":
        arrays = matching.CandidateArrays.from_placements([c for c, _ in in_reach])
        top = matching.rank_arrays(student, arrays, weights=weights, limit=number * size)
        shown = top[(number - 1) * size :]
        ids = [m.placement.id for m in shown]
        reasons = {m.placement.id: m.reasons for m in shown}
    else:
        page_rows = search.sort_in_reach(in_reach, "soonest" if sort == "best" else sort)
        page_rows = page_rows[(number - 1) * size : number * size]
        ids = [c.id for c, _ in page_rows]
        if ranked:  # the reasons for just this page, from the same matcher
            reasons = {m.placement.id: m.reasons for m in matching.rank(student, [c for c, _ in page_rows])}
    items = search.load_page(ids)
    distances = {}
    if origin is not None:
        distances = {
            p.id: search.band((origin.lat, origin.lon), p, origin.label)
            for p in items
            if p.id not in reasons and p.lat is not None and p.lon is not None and p.delivery_mode != "virtual"
        }
    return search.ResultPage(items, number, pages, len(in_reach), size, notes, distances, reasons)


@bp.get("/")
@student_only
def index():
    profile = current_user.student_profile
    sorts = RANKED_SORTS if profile.recommendations_enabled else search.SORTS
    filters, errors = search.parse(request.args, sorts=sorts, location=False)
    page = recommendations(
        profile, filters, date.today(), current_app.config["PAGE_SIZE"], weights=matching.MatchWeights()
    )
    response = htmx.render(
        "student/recommendations.html",
        "student/_recommendations.html",
        page=page,
        filters=filters,
        errors=errors,
        sorts=sorts,
        profile=profile,
        origin=origin_of(profile),
        switch=RecommendationSwitchForm(),
    )
    if errors:
        response.status_code = 422
    return response


@bp.post("/switch")
@student_only
def switch():
    form = RecommendationSwitchForm()
    if not form.validate_on_submit():
        flash("That did not work. Use the button on this page to switch recommendations on or off.", "error")
        return redirect(url_for("recommend.index"), 303)
    profile = current_user.student_profile
    profile.recommendations_enabled = form.enabled.data == "on"
    action = "recommendations.on" if profile.recommendations_enabled else "recommendations.off"
    db.session.add(
        AuditEvent(actor_id=current_user.id, action=action, object_type="student_profile", object_id=profile.id)
    )
    db.session.commit()
    if profile.recommendations_enabled:
        flash("Recommendations are on. You can switch them off at any time on this page.", "success")
    else:
        flash("Recommendations are off. Placements are now listed by date or distance only.", "success")
    return redirect(url_for("recommend.index"), 303)
