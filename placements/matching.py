"""Rank placements for one student, with reasons people can read. Plain Python + numpy + geopy.distance.

No web framework, no database and no network here (style.md §3.4, §3.15): callers load the student and
the candidate placements, pass duck-typed objects (ORM rows or `types.SimpleNamespace`) and persist or
render what comes back. Configuration (the weights) arrives as an argument.

Student (duck-typed):
    lat, lon            where travel starts: the school's location or the home postcode *district*
                        centroid, never a live or full-postcode location (domain.md §6, security.md A4 §8, §10);
                        both None when unknown (then only virtual placements are within reach)
    year_group          7..13
    interests           set of route keys (vocab.ROUTES)
    must_needs          set of access-feature keys (vocab.ACCESS_FEATURES): a hard filter
    preferred_needs     set of access-feature keys: a soft score
    travel_radius_km    number >= 0
    location_source     OPTIONAL, "school" (the default when absent) or "home_area": says what lat/lon
                        are, and so whether reasons read "5–10 km from school" or "5–10 km from your area"

Placement (duck-typed): id (ids must be mutually comparable, e.g. all int), lat, lon (None for virtual),
delivery_mode ("in_person" | "virtual" | "hybrid"), route, year_groups (set of int),
adjustment_features (set of keys), places_left (int), is_open (bool), start_date (date or None).

Hard filters: open for applications; places left; year group offered; every must-have need offered;
in-person and hybrid placements known to lie within the travel radius (a virtual one is always in reach).

Soft score, in [0, 1]: the weighted mean (weights from `MatchWeights`) of
    proximity        1 - distance / radius for in-person and hybrid (1 on the doorstep, 0 at the radius);
                     `MatchWeights.virtual_proximity` for virtual (virtual time can add to, not replace,
                     in-person experience: domain.md §1.4);
    interest         1 when the placement's route is one of the student's interests, else 0;
    preferred needs  the share of the student's preferred needs (beyond the must-haves) the placement offers;
                     0 for everyone when the student has none.
Ties are broken by distance (virtual counts as 0 km), then start date (none last), then id, all ascending.

Ranking is profiling of children (domain.md §6, security.md A4 §12): callers switch it on, explain this
logic to the student, and show the results and their reasons only to the student and their school. Reasons
name the student's own needs and interests, so they must never be shown to employers; distances appear
only as bands (`distance_band`), never as an exact figure.

Distances: filtering and ranking use a vectorised haversine on a sphere (`EARTH_RADIUS_KM`); within
about 0.3% of the geodesic in England. The distance in a `Match` and in its reasons is geopy's geodesic,
computed only for the matches returned. So a placement just inside the radius by haversine can read as
the next band up when the radius is a band edge.

Performance: `rank` extracts attributes from every placement on each call; for many students against
the same placements build `CandidateArrays.from_placements(...)` once and call `rank_arrays` (the arrays
are a snapshot: rebuild them when places, status or dates change). See benchmarks/matcher.py.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from operator import attrgetter
from typing import Any

import numpy as np
from geopy.distance import geodesic

from .vocab import ACCESS_FEATURES, ROUTES, YEAR_GROUPS

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius
BOUNDING_BOX_MARGIN = 0.01  # 1% wider than the haversine cap, so it also holds every point by geodesic

DELIVERY_MODES: tuple[str, ...] = ("in_person", "virtual", "hybrid")
_IN_PERSON, _VIRTUAL, _HYBRID = range(3)
_MODE_CODE = {mode: code for code, mode in enumerate(DELIVERY_MODES)}

LOCATION_SOURCES: dict[str, str] = {"school": "from school", "home_area": "from your area"}

# (upper bound exclusive, label): a distance of exactly 2 km reads "2–5 km".
DISTANCE_BANDS: tuple[tuple[float, str], ...] = (
    (2, "Under 2 km"),
    (5, "2–5 km"),
    (10, "5–10 km"),
    (25, "10–25 km"),
)
FURTHEST_BAND = "25 km or more"

_ROUTE_KEYS = tuple(ROUTES)
_ROUTE_INDEX = {key: i for i, key in enumerate(_ROUTE_KEYS)}  # an unknown route gets -1
_FEATURE_KEYS = tuple(ACCESS_FEATURES)
_FEATURE_BIT = {key: 1 << i for i, key in enumerate(_FEATURE_KEYS)}  # 11 features fit in uint16
_YEAR_BIT = {year: 1 << year for year in YEAR_GROUPS}  # bits 7..13 fit in uint16
_NO_START = date.max.toordinal() + 1  # a placement without a start date sorts last


@dataclass(frozen=True)
class MatchWeights:
    """How much each score component counts; configuration, passed in by the caller."""

    distance: float = 1.0
    interest: float = 1.0
    preferred_needs: float = 0.5
    virtual_proximity: float = 0.25  # the proximity of a virtual placement, 0..1 (1 = as good as next door)

    def __post_init__(self) -> None:
        weights = (self.distance, self.interest, self.preferred_needs)
        if not all(math.isfinite(w) and w >= 0 for w in weights) or sum(weights) <= 0:
            raise ValueError("Match weights must be finite, not negative, and at least one above 0.")
        if not 0 <= self.virtual_proximity <= 1:
            raise ValueError("virtual_proximity must be between 0 and 1.")


@dataclass(frozen=True)
class Match:
    placement: Any
    distance_km: float | None  # geodesic, None for virtual; show `distance_band(...)`, not this figure
    score: float
    reasons: tuple[str, ...]


def distance_band(km: float) -> str:
    """'Under 2 km', '2–5 km', '5–10 km', '10–25 km' or '25 km or more'; each band includes its lower edge."""
    if not km >= 0:  # also rejects NaN
        raise ValueError(f"A distance must be 0 km or more, not {km!r}.")
    for upper, label in DISTANCE_BANDS:
        if km < upper:
            return label
    return FURTHEST_BAND


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) in degrees holding every point within radius_km of (lat, lon).

    For a SQL prefilter ahead of `rank`. It is the exact box of the spherical cap, widened by
    BOUNDING_BOX_MARGIN. It does not wrap across the antimeridian: when the cap reaches a pole or crosses
    ±180° the longitude range is the whole world.
    """
    if not radius_km >= 0:
        raise ValueError(f"A radius must be 0 km or more, not {radius_km!r}.")
    angle = radius_km * (1 + BOUNDING_BOX_MARGIN) / EARTH_RADIUS_KM  # radians of arc
    dlat = math.degrees(angle)
    min_lat, max_lat = lat - dlat, lat + dlat
    if min_lat <= -90 or max_lat >= 90 or angle >= math.pi / 2:
        return max(min_lat, -90.0), min(max_lat, 90.0), -180.0, 180.0
    # The widest longitude of a cap of angular radius `angle` centred at latitude φ: asin(sin a / cos φ).
    dlon = math.degrees(math.asin(min(1.0, math.sin(angle) / math.cos(math.radians(lat)))))
    if lon - dlon < -180 or lon + dlon > 180:
        return min_lat, max_lat, -180.0, 180.0
    return min_lat, max_lat, lon - dlon, lon + dlon


def haversine_km(lat1: float, lon1: float, lat2: Any, lon2: Any) -> Any:
    """Great-circle distance on a sphere of EARTH_RADIUS_KM; lat2/lon2 may be numpy arrays (degrees)."""
    lat1r, lon1r = math.radians(lat1), math.radians(lon1)
    lat2r, lon2r = np.radians(lat2), np.radians(lon2)
    return _haversine(lat1r, lon1r, math.cos(lat1r), lat2r, lon2r, np.cos(lat2r))


def _haversine(lat1r, lon1r, cos_lat1, lat2r, lon2r, cos_lat2):
    h = np.sin((lat2r - lat1r) * 0.5) ** 2 + cos_lat1 * cos_lat2 * np.sin((lon2r - lon1r) * 0.5) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(h, 1.0)))


@dataclass(frozen=True, eq=False)
class CandidateArrays:
    """Placements as columns, built once and reusable for many students (a snapshot of the attributes)."""

    placements: tuple[Any, ...]
    lat: np.ndarray  # degrees, NaN when unknown
    lon: np.ndarray
    lat_rad: np.ndarray
    lon_rad: np.ndarray
    cos_lat: np.ndarray
    mode: np.ndarray  # int8 index into DELIVERY_MODES
    route: np.ndarray  # int16 index into vocab.ROUTES, -1 when unknown
    year_bits: np.ndarray  # uint16, bit y set when year group y is offered
    feature_bits: np.ndarray  # uint16, bit i set when the i-th vocab.ACCESS_FEATURES key is offered
    places_left: np.ndarray  # int64
    is_open: np.ndarray  # bool
    start: np.ndarray  # int64 date ordinal, or after every date when there is none
    id_rank: np.ndarray  # int64 position of the id in ascending order, for the last tie-break

    def __len__(self) -> int:
        return len(self.placements)

    @classmethod
    def from_placements(cls, placements: Iterable[Any]) -> CandidateArrays:
        items = tuple(placements)
        n = len(items)
        columns = list(zip(*map(_PLACEMENT_FIELDS, items), strict=True)) if n else [()] * 10
        ids, lats, lons, modes, routes, years, features, places, is_open, starts = columns
        mode_codes = [_MODE_CODE.get(mode) for mode in modes]
        if None in mode_codes:
            bad = mode_codes.index(None)
            raise ValueError(f"Placement {ids[bad]!r} has an unknown delivery mode {modes[bad]!r}.")
        lat = np.array(lats, dtype=np.float64)  # None becomes NaN
        lon = np.array(lons, dtype=np.float64)
        lat_rad = np.radians(lat)
        id_rank = np.empty(n, dtype=np.int64)
        id_rank[sorted(range(n), key=ids.__getitem__)] = np.arange(n)
        return cls(
            placements=items,
            lat=lat,
            lon=lon,
            lat_rad=lat_rad,
            lon_rad=np.radians(lon),
            cos_lat=np.cos(lat_rad),
            mode=np.array(mode_codes, dtype=np.int8),
            route=np.array([_ROUTE_INDEX.get(route, -1) for route in routes], dtype=np.int16),
            year_bits=np.array(_bits_of_sets(years, _YEAR_BIT), dtype=np.uint16),
            feature_bits=np.array(_bits_of_sets(features, _FEATURE_BIT), dtype=np.uint16),
            places_left=np.array(places, dtype=np.int64),
            is_open=np.array([bool(flag) for flag in is_open], dtype=bool),
            start=np.array([_NO_START if d is None else d.toordinal() for d in starts], dtype=np.int64),
            id_rank=id_rank,
        )


_PLACEMENT_FIELDS = attrgetter(
    "id",
    "lat",
    "lon",
    "delivery_mode",
    "route",
    "year_groups",
    "adjustment_features",
    "places_left",
    "is_open",
    "start_date",
)


def _bits_of_sets(sets: Iterable[Iterable[Any]], bit: dict[Any, int]) -> list[int]:
    """One bitmask per set; keys missing from `bit` are ignored. Memoised: placements repeat a few sets."""
    memo: dict[frozenset, int] = {}
    out = []
    for values in sets:
        key = frozenset(values)
        bits = memo.get(key)
        if bits is None:
            bits = memo[key] = sum(bit.get(value, 0) for value in key)
        out.append(bits)
    return out


@dataclass(frozen=True)
class _Query:
    """A student, checked and turned into the numbers the filters and scores use."""

    lat: float | None
    lon: float | None
    year_group: int
    radius_km: float
    interest_lookup: np.ndarray  # bool per route index, plus a final False for unknown routes (-1)
    must_bits: int
    preferred_bits: int
    preferred_count: int
    from_label: str


def _feature_bits(keys: Iterable[str], what: str) -> int:
    keys = set(keys)
    unknown = keys - _FEATURE_BIT.keys()
    if unknown:
        raise ValueError(f"Unknown {what}: {', '.join(sorted(unknown))}.")
    return sum(_FEATURE_BIT[k] for k in keys)


def _query(student: Any) -> _Query:
    if student.year_group not in _YEAR_BIT:
        raise ValueError(f"Year group must be one of {YEAR_GROUPS}, not {student.year_group!r}.")
    radius = float(student.travel_radius_km)
    if not (math.isfinite(radius) and radius >= 0):
        raise ValueError(f"Travel radius must be 0 km or more, not {student.travel_radius_km!r}.")
    lat, lon = student.lat, student.lon
    if (lat is None) != (lon is None):
        raise ValueError("A student's lat and lon must both be set or both be None.")
    if lat is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"Not a location: {lat!r}, {lon!r}.")
    source = getattr(student, "location_source", "school")
    if source not in LOCATION_SOURCES:
        raise ValueError(f"location_source must be one of {tuple(LOCATION_SOURCES)}, not {source!r}.")
    interests = set(student.interests)
    unknown = interests - _ROUTE_INDEX.keys()
    if unknown:
        raise ValueError(f"Unknown interests: {', '.join(sorted(unknown))}.")
    lookup = np.zeros(len(_ROUTE_KEYS) + 1, dtype=bool)
    lookup[[_ROUTE_INDEX[r] for r in interests]] = True
    must = _feature_bits(student.must_needs, "must-have needs")
    preferred = _feature_bits(student.preferred_needs, "preferred needs") & ~must
    return _Query(
        lat=None if lat is None else float(lat),
        lon=None if lon is None else float(lon),
        year_group=student.year_group,
        radius_km=radius,
        interest_lookup=lookup,
        must_bits=must,
        preferred_bits=preferred,
        preferred_count=preferred.bit_count(),
        from_label=LOCATION_SOURCES[source],
    )


def _distances(q: _Query, arrays: CandidateArrays, rows: np.ndarray | slice) -> np.ndarray:
    """Haversine km from the student to the given rows; NaN where either location is unknown."""
    if q.lat is None:
        return np.full(len(arrays.lat_rad[rows]), np.nan)
    lat1r, lon1r = math.radians(q.lat), math.radians(q.lon)
    return _haversine(lat1r, lon1r, math.cos(lat1r), arrays.lat_rad[rows], arrays.lon_rad[rows], arrays.cos_lat[rows])


def _eligible_rows(q: _Query, arrays: CandidateArrays) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the placements passing every hard filter, and their haversine km (NaN for virtual)."""
    must = np.uint16(q.must_bits)
    ok = arrays.is_open & (arrays.places_left > 0)
    ok &= (arrays.year_bits & np.uint16(_YEAR_BIT[q.year_group])) != 0
    if q.must_bits:
        ok &= (arrays.feature_bits & must) == must
    in_reach = arrays.mode == _VIRTUAL
    if q.lat is not None:  # a cheap box first (it holds the whole radius), so few rows need the haversine
        min_lat, max_lat, min_lon, max_lon = bounding_box(q.lat, q.lon, q.radius_km)
        in_reach |= (
            (arrays.lat >= min_lat) & (arrays.lat <= max_lat) & (arrays.lon >= min_lon) & (arrays.lon <= max_lon)
        )
    rows = np.flatnonzero(ok & in_reach)
    km = np.full(rows.size, np.nan)
    travel = np.flatnonzero(arrays.mode[rows] != _VIRTUAL)
    km[travel] = _distances(q, arrays, rows[travel])
    keep = np.isnan(km)  # virtual: unknown locations never got past the box
    keep[travel] = km[travel] <= q.radius_km
    return rows[keep], km[keep]


def _scores(q: _Query, arrays: CandidateArrays, rows: np.ndarray, km: np.ndarray, w: MatchWeights) -> np.ndarray:
    virtual = arrays.mode[rows] == _VIRTUAL
    radius = q.radius_km if q.radius_km > 0 else 1.0  # with radius 0 only 0 km is in reach
    proximity = np.where(virtual, w.virtual_proximity, np.clip(1.0 - np.nan_to_num(km) / radius, 0.0, 1.0))
    score = w.distance * proximity
    if w.interest:
        score += w.interest * q.interest_lookup[arrays.route[rows]]
    if w.preferred_needs and q.preferred_count:
        met = np.bitwise_count(arrays.feature_bits[rows] & np.uint16(q.preferred_bits))
        score += w.preferred_needs * (met / q.preferred_count)
    return score / (w.distance + w.interest + w.preferred_needs)


def _geodesic_km(q: _Query, arrays: CandidateArrays, row: int, measure: Callable[..., float]) -> float:
    """The distance people read: geopy's geodesic on the WGS84 ellipsoid.

    `measure` is one `geodesic().measure` per call of rank: reusing the instance keeps its ellipsoid
    set up, about 30% cheaper than `geodesic(a, b).km` for each pair, with the same result.
    """
    return measure((q.lat, q.lon), (float(arrays.lat[row]), float(arrays.lon[row])))


def _reasons(q: _Query, arrays: CandidateArrays, row: int, km: float | None) -> tuple[str, ...]:
    reasons = []
    mode = arrays.mode[row]
    if mode == _VIRTUAL:
        reasons.append("Virtual: no travel")
    else:
        reasons.append(f"{distance_band(km)} {q.from_label}")
        if mode == _HYBRID:
            reasons.append("Hybrid: partly online")
    route = int(arrays.route[row])
    if route >= 0 and q.interest_lookup[route]:
        reasons.append(f"Matches your interest in {ROUTES[_ROUTE_KEYS[route]]}")
    met = int(arrays.feature_bits[row]) & (q.must_bits | q.preferred_bits)
    reasons.extend(ACCESS_FEATURES[key] for key in _FEATURE_KEYS if met & _FEATURE_BIT[key])
    return tuple(reasons)


def rank_arrays(
    student: Any, arrays: CandidateArrays, *, weights: MatchWeights = MatchWeights(), limit: int | None = None
) -> list[Match]:
    """The placements passing every hard filter, best first, at most `limit` of them."""
    if limit is not None and limit < 0:
        raise ValueError("limit must be None or 0 or more.")
    q = _query(student)
    if limit == 0:
        return []
    rows, km = _eligible_rows(q, arrays)
    score = _scores(q, arrays, rows, km, weights)
    if limit is not None and limit < rows.size:
        # Keep every row scoring at least the limit-th best, ties included, then sort only those.
        threshold = np.partition(score, rows.size - limit)[rows.size - limit]
        keep = score >= threshold
        rows, km, score = rows[keep], km[keep], score[keep]
    travel_km = np.nan_to_num(km)  # virtual counts as 0 km
    order = np.lexsort((arrays.id_rank[rows], arrays.start[rows], travel_km, -score))[:limit]
    matches = []
    measure = geodesic().measure
    for i in order.tolist():
        row = int(rows[i])
        p = arrays.placements[row]
        readable_km = None if arrays.mode[row] == _VIRTUAL else _geodesic_km(q, arrays, row, measure)
        matches.append(Match(p, readable_km, float(score[i]), _reasons(q, arrays, row, readable_km)))
    return matches


def rank(
    student: Any, placements: Iterable[Any], *, weights: MatchWeights = MatchWeights(), limit: int | None = None
) -> list[Match]:
    """Rank placements (duck-typed objects) for a student; see the module docstring for the rules."""
    return rank_arrays(student, CandidateArrays.from_placements(placements), weights=weights, limit=limit)


def explain_filters(student: Any, placement: Any) -> list[str]:
    """Why `rank` leaves this placement out, in plain language; an empty list when it is in.

    Uses the same arrays and distance formula as `rank`, so the two always agree.
    """
    q = _query(student)
    arrays = CandidateArrays.from_placements([placement])
    why = []
    if not arrays.is_open[0]:
        why.append("Not open for applications")
    if arrays.places_left[0] <= 0:
        why.append("No places left")
    if not arrays.year_bits[0] & _YEAR_BIT[q.year_group]:
        why.append(f"Not offered to Year {q.year_group}")
    missing = q.must_bits & ~int(arrays.feature_bits[0])
    why.extend(f"Does not offer: {ACCESS_FEATURES[key]}" for key in _FEATURE_KEYS if missing & _FEATURE_BIT[key])
    if arrays.mode[0] != _VIRTUAL:
        if math.isnan(arrays.lat[0]) or math.isnan(arrays.lon[0]):
            why.append("Workplace location not known yet")
        elif q.lat is None:
            why.append("No starting point for travel set")
        else:
            km = float(_distances(q, arrays, slice(None))[0])
            if not km <= q.radius_km:
                readable = distance_band(_geodesic_km(q, arrays, 0, geodesic().measure))
                why.append(f"Beyond your {q.radius_km:g} km travel limit ({readable} {q.from_label})")
    return why
