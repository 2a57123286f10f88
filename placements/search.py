"""Finding open placements: the filters people choose, parsed from a query string, and the SQL both
the public list (browse.py) and a student's recommendations (recommend.py) run.

Bad input never raises: `parse` returns the filters it could read plus {field: message for people}
for the rest, and the caller shows the messages next to whatever results the good filters give.

Queries stay constant in number whatever the number of results: candidates come back as light rows
(only the columns the matcher and the sorts need, and a bitmask of the adjustments the matcher reads) in
one query, and the page people see in one query plus one for its adjustments.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select, union_all
from sqlalchemy.orm import joinedload, selectinload

from . import geo, matching, vocab
from .extensions import db
from .models import Organisation, Placement, PlacementAdjustment
from .numbers import whole_number
from .pagination import Page

SORTS: dict[str, str] = {
    "soonest": "Soonest start",
    "closing": "Closing soon",
    "nearest": "Nearest first",
    "newest": "Newest",
}
RADII_KM: tuple[int, ...] = vocab.TRAVEL_RADII_KM
DEFAULT_RADIUS_KM = 10
MAX_QUERY_LENGTH = 100
MAX_PAGE_DIGITS = 6


@dataclass(frozen=True)
class Filters:
    q: str = ""
    route: str = ""
    mode: str = ""
    activity: str = ""
    year: int | None = None
    starts_from: date | None = None
    starts_to: date | None = None
    access: tuple[str, ...] = ()
    postcode: str = ""
    radius_km: int = DEFAULT_RADIUS_KM
    sort: str = "soonest"
    page: int = 1
    location: geo.Location | None = field(default=None, compare=False)  # where `postcode` is

    def args(self, **changes: Any) -> dict[str, Any]:
        """Query-string arguments that give these filters back (defaults left out), for links."""
        f = replace(self, **changes)
        out: dict[str, Any] = {
            "q": f.q,
            "route": f.route,
            "mode": f.mode,
            "activity": f.activity,
            "year": f.year or "",
            "from": f.starts_from.isoformat() if f.starts_from else "",
            "to": f.starts_to.isoformat() if f.starts_to else "",
            "access": list(f.access),
            "postcode": f.postcode,
            "radius": f.radius_km if f.postcode else "",
            "sort": "" if f.sort == "soonest" else f.sort,
        }
        return {key: value for key, value in out.items() if value not in ("", [], None)}

    @property
    def narrowed(self) -> bool:
        """Did the person choose anything beyond the sort order?"""
        return bool(set(self.args()) - {"sort"})


def _one_of(args: Mapping, name: str, choices: Mapping | Sequence, what: str, errors: dict) -> str:
    value = (args.get(name) or "").strip()
    if value and value not in choices:
        errors[name] = f"We do not know the {what} “{value[:30]}”. Choose one from the list."
        return ""
    return value


def _date(args: Mapping, name: str, label: str, errors: dict) -> date | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        if len(raw) != 10:
            raise ValueError
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = f"Enter the {label} as a date, like 2026-07-01."
        return None


def parse(args: Mapping, *, sorts: Mapping[str, str] = SORTS, location: bool = True) -> tuple[Filters, dict[str, str]]:
    """Filters from a query string (a MultiDict), and {argument name: message} for what was wrong.

    With location=False (a student's own page) the year group, postcode and radius are not read: the
    student's profile supplies them.
    """
    errors: dict[str, str] = {}
    q = " ".join((args.get("q") or "").split())
    if len(q) > MAX_QUERY_LENGTH:
        errors["q"] = (
            f"Search words can be at most {MAX_QUERY_LENGTH} characters; we used the first {MAX_QUERY_LENGTH}."
        )
        q = q[:MAX_QUERY_LENGTH]
    route = _one_of(args, "route", vocab.ROUTES, "area of work", errors)
    mode = _one_of(args, "mode", vocab.DELIVERY_MODES, "way of taking part", errors)
    activity = _one_of(args, "activity", vocab.ACTIVITY_TYPES, "kind of activity", errors)
    starts_from = _date(args, "from", "earliest start date", errors)
    starts_to = _date(args, "to", "latest start date", errors)
    if starts_from and starts_to and starts_from > starts_to:
        errors["to"] = "The latest start date must be the same as or after the earliest start date."
        starts_to = None
    getlist = args.getlist if hasattr(args, "getlist") else lambda name: [args[name]] if name in args else []
    access: list[str] = []
    for value in getlist("access"):
        if value in vocab.ACCESS_FEATURES:
            if value not in access:
                access.append(value)
        else:
            errors["access"] = f"We do not know the adjustment “{value[:30]}”. Tick ones from the list."
    access.sort(key=list(vocab.ACCESS_FEATURES).index)

    year, postcode, where, radius = None, "", None, DEFAULT_RADIUS_KM
    if location:
        raw_year = (args.get("year") or "").strip()
        if raw_year:
            if whole_number(raw_year, max_digits=2) in vocab.YEAR_GROUPS:
                year = int(raw_year)
            else:
                errors["year"] = f"Choose a year group from {vocab.YEAR_GROUPS[0]} to {vocab.YEAR_GROUPS[-1]}."
        raw_radius = (args.get("radius") or "").strip()
        if raw_radius:
            if whole_number(raw_radius, max_digits=3) in RADII_KM:
                radius = int(raw_radius)
            else:
                choices = ", ".join(str(km) for km in RADII_KM)
                errors["radius"] = f"Choose a distance from the list ({choices} km); we used {DEFAULT_RADIUS_KM} km."
        raw_postcode = (args.get("postcode") or "").strip()[:20]
        if raw_postcode:
            try:
                where = geo.lookup(raw_postcode)
                postcode = where.postcode
            except geo.PostcodeError as error:
                errors["postcode"] = str(error)

    sort = (args.get("sort") or "").strip() or next(iter(sorts))
    if sort not in sorts:
        errors["sort"] = f"We cannot sort by “{sort[:30]}”. Choose an order from the list."
        sort = next(iter(sorts))

    raw_page = (args.get("page") or "1").strip()
    page = 1
    if (number := whole_number(raw_page, max_digits=MAX_PAGE_DIGITS)) is not None:
        page = max(1, number)
    else:
        errors["page"] = "Page numbers are whole numbers, like 2. Here is the first page."

    filters = Filters(
        q=q,
        route=route,
        mode=mode,
        activity=activity,
        year=year,
        starts_from=starts_from,
        starts_to=starts_to,
        access=tuple(access),
        postcode=postcode,
        radius_km=radius,
        sort=sort,
        page=page,
        location=where,
    )
    return filters, errors


# --- SQL ---------------------------------------------------------------------------------------------


def _organisations(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    # A subquery, not a join: a join lets SQLite drive the query from the organisation table.
    return Placement.organisation_id.in_(select(Organisation.id).where(*conditions))


def open_conditions(today: date) -> list[ColumnElement[bool]]:
    """Published by an approved organisation, the deadline not passed, places left."""
    return [
        Placement.status == "published",
        Placement.application_deadline >= today,
        Placement.places_filled < Placement.capacity,
        _organisations(Organisation.status == "approved"),
    ]


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def offers_all(features: Iterable[str]) -> list[ColumnElement[bool]]:
    """The placement offers every one of these adjustments: one EXISTS on the primary key per feature."""
    return [
        exists().where(PlacementAdjustment.placement_id == Placement.id, PlacementAdjustment.feature == feature)
        for feature in sorted(set(features))
    ]


def reach(lat: float, lon: float, radius_km: float) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """The two ways a placement can be in reach, each a range of ix_placement_reach: virtual, or in
    person or hybrid inside the bounding box of the travel circle (the exact distance is checked after)."""
    min_lat, max_lat, min_lon, max_lon = matching.bounding_box(lat, lon, radius_km)
    return (
        Placement.delivery_mode == "virtual",
        and_(
            Placement.delivery_mode.in_(("in_person", "hybrid")),
            Placement.lat.between(min_lat, max_lat),
            Placement.lon.between(min_lon, max_lon),
        ),
    )


def filter_conditions(f: Filters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if f.q:
        like = _like(f.q)
        columns = (Placement.title, Placement.description, Placement.task)
        conditions.append(
            or_(
                *(func.lower(column).like(like, escape="\\") for column in columns),
                _organisations(func.lower(Organisation.name).like(like, escape="\\")),
            )
        )
    if f.route:
        conditions.append(Placement.route == f.route)
    if f.mode:
        conditions.append(Placement.delivery_mode == f.mode)
    if f.activity:
        conditions.append(Placement.activity_type == f.activity)
    if f.year:
        conditions.append(Placement.open_to(f.year))
    if f.starts_from:
        conditions.append(Placement.start_date >= f.starts_from)
    if f.starts_to:
        conditions.append(Placement.start_date <= f.starts_to)
    conditions.extend(offers_all(f.access))
    return conditions


ORDER_BY = {
    "soonest": (Placement.start_date, Placement.id),
    "closing": (Placement.application_deadline, Placement.start_date, Placement.id),
    "newest": (Placement.created_at.desc(), Placement.id.desc()),
}


def load_page(ids: Sequence[int]) -> list[Placement]:
    """Full rows for one page, in the order given: one query, plus one for their adjustments."""
    if not ids:
        return []
    statement = (
        select(Placement)
        # joinedload's LEFT JOIN keeps placement (by primary key) driving the query; an inner join let
        # SQLite start from organisation and walk every placement
        .options(joinedload(Placement.organisation), selectinload(Placement.adjustments))
        .where(Placement.id.in_(ids))
    )
    by_id = {p.id: p for p in db.session.scalars(statement).unique()}
    return [by_id[i] for i in ids if i in by_id]


class Candidate:
    """A light placement row: what the matcher and the sorts read, and nothing else."""

    __slots__ = (
        "id",
        "lat",
        "lon",
        "delivery_mode",
        "route",
        "year_groups",
        "adjustment_features",
        "places_left",
        "start_date",
        "application_deadline",
        "created_at",
    )
    is_open = True  # the SQL kept only open placements

    def __init__(self, row, year_groups: frozenset[int], features: frozenset[str]) -> None:
        (self.id, self.lat, self.lon, self.delivery_mode, self.route, _mask, capacity, filled) = row[:8]
        self.start_date, self.application_deadline, self.created_at = row[8:11]
        self.places_left = capacity - filled
        self.year_groups = year_groups
        self.adjustment_features = features


CANDIDATE_COLUMNS = (
    Placement.id,
    Placement.lat,
    Placement.lon,
    Placement.delivery_mode,
    Placement.route,
    Placement.year_groups_mask,
    Placement.capacity,
    Placement.places_filled,
    Placement.start_date,
    Placement.application_deadline,
    Placement.created_at,
)


def candidates(
    conditions: Sequence[ColumnElement[bool]],
    *,
    branches: Sequence[ColumnElement[bool]] = (),
    required: Iterable[str] = (),
    features: Iterable[str] = (),
) -> list[Candidate]:
    """Light rows, one per placement meeting the conditions, in one query.

    branches: alternatives (like `reach`'s), run as one UNION ALL of a SELECT per branch, so each walks
    its own range of ix_placement_reach from the index alone (an OR of them made SQLite look up every
    matching row in the table: MULTI-INDEX OR). They must not overlap.
    required: adjustments every placement must offer (one EXISTS each); they are in every row's
    adjustment_features without being fetched.
    features: other adjustments the matcher reads: one column, the bitmask of those a placement offers,
    from a correlated subquery on placement_adjustment's primary key. It runs only for the rows that
    pass every other condition, where an EXISTS column per feature let PostgreSQL hash every
    placement's row for that feature (a hashed SubPlan) whatever the number of candidates.

    The rows come back through the session's connection as plain Core rows: through Session.execute
    the ORM would build each row itself, which took longer than the query for a few thousand rows.
    There is nothing to flush first: the callers only read.
    """
    required = sorted(set(required))
    features = sorted(set(features) - set(required))
    columns: list[ColumnElement[Any]] = list(CANDIDATE_COLUMNS)
    if features:
        bits = {feature: 1 << i for i, feature in enumerate(features)}
        columns.append(
            select(func.sum(case(bits, value=PlacementAdjustment.feature)))
            .where(PlacementAdjustment.placement_id == Placement.id, PlacementAdjustment.feature.in_(features))
            .scalar_subquery()
            .label("offered")
        )
    where = [*conditions, *offers_all(required)]
    selects = [select(*columns).where(*where, branch) for branch in branches] or [select(*columns).where(*where)]
    statement = selects[0] if len(selects) == 1 else union_all(*selects)
    rows = db.session.connection().execute(statement).all()
    base = frozenset(required)
    width = len(CANDIDATE_COLUMNS)
    years: dict[int, frozenset[int]] = {}
    sets: dict[int, frozenset[str]] = {}
    out = []
    for row in rows:
        mask = row[5] or 0
        year_groups = years.get(mask)
        if year_groups is None:
            year_groups = years[mask] = frozenset(y for y in vocab.YEAR_GROUPS if mask >> y & 1)
        offered = (row[width] or 0) if features else 0  # SUM of no rows is NULL
        got = sets.get(offered)
        if got is None:
            got = sets[offered] = base | {f for i, f in enumerate(features) if offered >> i & 1}
        out.append(Candidate(row, year_groups, got))
    return out


def haversine_km(lat: float, lon: float, items: Sequence[Candidate]) -> np.ndarray:
    """Distances on the matcher's sphere; NaN for virtual placements (no location)."""
    lats = np.array([c.lat for c in items], dtype=np.float64)
    lons = np.array([c.lon for c in items], dtype=np.float64)
    return matching.haversine_km(lat, lon, lats, lons) if items else np.empty(0)


def within(
    origin: tuple[float, float] | None, radius_km: float, items: list[Candidate]
) -> list[tuple[Candidate, float]]:
    """(candidate, haversine km or NaN for virtual) for those in reach: virtual, or within the radius."""
    if origin is None:
        return [(c, math.nan) for c in items if c.delivery_mode == "virtual"]
    km = haversine_km(origin[0], origin[1], items)
    virtual = np.array([c.delivery_mode == "virtual" for c in items], dtype=bool)
    keep = virtual | (km <= radius_km)  # NaN (a workplace not located yet) compares False
    return [(c, float(d)) for c, d, k in zip(items, km.tolist(), keep.tolist(), strict=True) if k]


def _sort_key(sort: str):
    if sort == "closing":
        return lambda pair: (pair[0].application_deadline, pair[0].start_date, pair[0].id)
    if sort == "newest":
        return lambda pair: (-pair[0].created_at.timestamp(), -pair[0].id)
    if sort == "nearest":  # virtual ones (no travel, NaN) after every located one
        return lambda pair: (math.isnan(pair[1]), 0 if math.isnan(pair[1]) else pair[1], pair[0].start_date, pair[0].id)
    return lambda pair: (pair[0].start_date, pair[0].id)


def sort_in_reach(pairs: list[tuple[Candidate, float]], sort: str) -> list[tuple[Candidate, float]]:
    return sorted(pairs, key=_sort_key(sort))


@dataclass
class ResultPage(Page):
    """One page of results: placements (full rows) with what to show beside each."""

    size: int = 25
    notes: list[str] = field(default_factory=list)
    distances: dict[int, str] = field(default_factory=dict)  # placement id -> "2–5 km from SE5 8UH"
    reasons: dict[int, tuple[str, ...]] = field(default_factory=dict)

    @property
    def first(self) -> int:
        return (self.number - 1) * self.size + 1


def clamp(requested: int, total: int, size: int, notes: list[str]) -> tuple[int, int]:
    """(page number, pages): a page past the end shows the last page, and says so."""
    pages = max(1, -(-total // size))
    if requested > pages:
        notes.append(
            f"There {'is only 1 page' if pages == 1 else f'are only {pages} pages'} of results, "
            f"so here is page {pages}."
        )
        return pages, pages
    return requested, pages


def band(origin: tuple[float, float], placement: Placement, label: str) -> str:
    """The distance people read: a band of geopy's geodesic, never an exact figure."""
    return f"{matching.distance_band(geo.distance_km(origin, (placement.lat, placement.lon)))} {label}"


def browse(f: Filters, today: date, size: int) -> ResultPage:
    """The public list: SQL sorts and pages when there is no postcode; with one, the box prefilter in
    SQL, then the exact distance, the sort and the page in Python."""
    notes: list[str] = []
    sort = f.sort
    if sort == "nearest" and f.location is None:
        notes.append("Enter a postcode to sort by distance. These are sorted by soonest start.")
        sort = "soonest"
    conditions = open_conditions(today) + filter_conditions(f)
    if f.location is None:
        where = and_(*conditions)
        total = db.session.scalar(select(func.count(Placement.id)).where(where)) or 0
        number, pages = clamp(f.page, total, size, notes)
        ids = list(
            db.session.scalars(
                select(Placement.id).where(where).order_by(*ORDER_BY[sort]).limit(size).offset((number - 1) * size)
            )
        )
        return ResultPage(load_page(ids), number, pages, total, size, notes)
    origin = (f.location.lat, f.location.lon)
    found = candidates(conditions, branches=reach(*origin, f.radius_km))
    pairs = sort_in_reach(within(origin, f.radius_km, found), sort)
    number, pages = clamp(f.page, len(pairs), size, notes)
    shown = pairs[(number - 1) * size : number * size]
    items = load_page([c.id for c, _ in shown])
    label = f"from {f.postcode}"
    distances = {p.id: band(origin, p, label) for p in items if p.lat is not None and p.lon is not None}
    return ResultPage(items, number, pages, len(pairs), size, notes, distances)


def district(postcode: str | None) -> str:
    """'SE1 7PB' -> 'SE1': the public sees the workplace's postcode district."""
    return (postcode or "").split(" ")[0]
