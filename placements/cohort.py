"""A school's allocation round as the inputs of allocation.allocate, and the preview that records them.

Plain Python (no web framework, no database imports): the caller loads the round's students, their choices and the
places, and stores the snapshot this module returns (AllocationRound.allocation). Ids are strings,
as allocate() wants: str(student_profile.id) and str(placement.id).

The snapshot is JSON: everything a preview used, so the result can be reproduced from it and the
recorded seed, explained later exactly as it was, and committed as it was shown:

    {"prefs": {student: [placement, ...]},        the choices, first choice first
     "groups": {student: [prior, priority]},      what the priority rule reads (see below)
     "capacities": {placement: places},           the places each placement could share out
     "closed": {placement: why},                  placements given no places, and why
     "result": {student: placement | None},       the allocation by the rule, then any overrides
     "overrides": {student: override id}}         which students a careers leader moved by hand

The rule reads only whether a student has had a placement and whether they are SEND or disadvantaged
(either is enough), so that is all the snapshot keeps: not which of the two, nor any SEN code.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from geopy.distance import geodesic

from .allocation import Prioritised, allocate, explain, priority_order

# SEN support (K) and an EHC plan (E) count as SEND for the rule (domain.md §5.1).
SEND_CODES: frozenset[str] = frozenset({"K", "E"})
# An application in one of these statuses is a placement the student has had (or is about to have).
PRIOR_PLACEMENT_STATUSES: frozenset[str] = frozenset({"confirmed", "completed"})


@dataclass(frozen=True)
class CohortStudent:
    """A student as the priority rule sees them (allocation.Prioritised)."""

    id: str
    has_prior_placement: bool
    send: bool
    disadvantaged: bool


def cohort_student(
    student_id: str, *, sen_provision: str, disadvantaged: bool, application_statuses: Iterable[str]
) -> CohortStudent:
    """The rule's view of one student, from their SEN code, disadvantage flag and application statuses."""
    return CohortStudent(
        id=student_id,
        has_prior_placement=any(s in PRIOR_PLACEMENT_STATUSES for s in application_statuses),
        send=sen_provision in SEND_CODES,
        disadvantaged=bool(disadvantaged),
    )


@dataclass(frozen=True)
class Inputs:
    """allocate()'s arguments for a round, and the priority order they came from."""

    student_prefs: dict[str, list[str]]
    placement_prefs: dict[str, list[str]]
    capacities: dict[str, int]
    order: list[str]  # every student of the round, highest priority first

    def allocate(self) -> dict[str, str | None]:
        return allocate(self.student_prefs, self.placement_prefs, self.capacities)


def inputs(
    students: Iterable[Prioritised],
    choices: Mapping[str, Sequence[str]],
    capacities: Mapping[str, int],
    seed: int,
    eligible: Mapping[str, Collection[str]] | None = None,
) -> Inputs:
    """allocate()'s inputs for a round.

    Every student of the round takes part (one with no choices is simply unplaced). Each placement
    ranks its eligible students (all of the round's students when ``eligible`` does not name it) in
    one priority order drawn once for the whole round with ``seed``, so a student has the same
    lottery position everywhere. Choices of placements outside the round are dropped.
    """
    order = priority_order(students, seed)
    student_prefs = {sid: [pid for pid in choices.get(sid, ()) if pid in capacities] for sid in order}
    placement_prefs = {}
    for pid in capacities:
        allowed = None if eligible is None or pid not in eligible else set(eligible[pid])
        placement_prefs[pid] = [sid for sid in order if allowed is None or sid in allowed]
    return Inputs(student_prefs, placement_prefs, dict(capacities), order)


# --- the preview snapshot ------------------------------------------------------------------------


def preview(
    students: Iterable[Prioritised],
    choices: Mapping[str, Sequence[str]],
    capacities: Mapping[str, int],
    seed: int,
    closed: Mapping[str, str] | None = None,
) -> dict:
    """Run the allocation and return the snapshot that records it (see the module docstring).

    ``closed``: placements that get no places this time (their capacity should be 0), and why.
    """
    students = list(students)
    found = inputs(students, choices, capacities, seed)
    return {
        "prefs": found.student_prefs,
        "groups": {s.id: [bool(s.has_prior_placement), bool(s.send or s.disadvantaged)] for s in students},
        "capacities": dict(found.capacities),
        "closed": dict(closed or {}),
        "result": found.allocate(),
        "overrides": {},
    }


def students_of(snapshot: Mapping) -> dict[str, CohortStudent]:
    """The students as the snapshot recorded them, for priority_order and explain(audience="staff")."""
    return {
        sid: CohortStudent(sid, has_prior_placement=prior, send=priority, disadvantaged=priority)
        for sid, (prior, priority) in snapshot["groups"].items()
    }


@dataclass(frozen=True)
class Replayed:
    """A preview rebuilt from its snapshot and seed: the same inputs give the same allocation."""

    inputs: Inputs
    students: dict[str, CohortStudent]
    by_rule: dict[str, str | None]  # the allocation by the rule, before any override

    def explain(self, student_id: str, names: Mapping[str, str], *, audience: str) -> list[str]:
        """Why the rule placed this student where it did (allocation.explain), in the audience's
        wording: only staff wording reads the other students' priority groups. An override is the
        caller's to describe."""
        found = self.inputs
        return explain(
            student_id,
            found.student_prefs,
            found.placement_prefs,
            found.capacities,
            self.by_rule,
            self.students if audience == "staff" else None,
            names,
            audience=audience,  # type: ignore[arg-type]
        )


def replay(snapshot: Mapping, seed: int) -> Replayed:
    """Rebuild the preview's inputs from its snapshot and run the rule again."""
    students = students_of(snapshot)
    found = inputs(students.values(), snapshot["prefs"], snapshot["capacities"], seed)
    return Replayed(found, students, found.allocate())


def priority_label(snapshot: Mapping, student_id: str) -> str:
    """Staff wording of the rule's first two steps for one student."""
    prior, priority = snapshot["groups"][student_id]
    parts = ["Has had a placement" if prior else "No prior placement"]
    if priority:
        parts.append("SEND or disadvantaged")
    return ", ".join(parts)


def room(snapshot: Mapping) -> dict[str, int]:
    """Places still free in the previewed result, per placement."""
    taken: dict[str, int] = {}
    for pid in snapshot["result"].values():
        if pid is not None:
            taken[pid] = taken.get(pid, 0) + 1
    return {pid: cap - taken.get(pid, 0) for pid, cap in snapshot["capacities"].items()}


def with_override(snapshot: Mapping, student_id: str, placement_id: str | None, override_id: int) -> dict:
    """A new snapshot with one student moved by hand (to a placement with room, or to none).

    Raises ValueError, with a message for people, for a student not in the round or a placement
    that is not in it or has no room.
    """
    if student_id not in snapshot["result"]:
        raise ValueError("That student is not in this round.")
    current = snapshot["result"][student_id]
    if placement_id is not None and placement_id != current:
        if placement_id not in snapshot["capacities"]:
            raise ValueError("Choose a placement in this round.")
        if room(snapshot)[placement_id] <= 0:
            raise ValueError("That placement has no places left in this round. Choose another.")
    return {
        **snapshot,
        "result": {**snapshot["result"], student_id: placement_id},
        "overrides": {**snapshot["overrides"], student_id: override_id},
    }


def changed_since(snapshot: Mapping, choices: Mapping[str, Sequence[str]]) -> list[str]:
    """Students whose choices differ from the preview's (or who joined or left the round), sorted."""
    before = {sid: list(pids) for sid, pids in snapshot["prefs"].items()}
    now = {sid: [pid for pid in pids if pid in snapshot["capacities"]] for sid, pids in choices.items()}
    return sorted(sid for sid in before.keys() | now.keys() if before.get(sid) != now.get(sid))


@dataclass(frozen=True)
class Place:
    """Where a placement is: lat and lon None for a virtual one (or one not located yet)."""

    id: str
    lat: float | None
    lon: float | None


def nearest_with_room(
    origin: tuple[float, float] | None, places: Iterable[Place], free: Mapping[str, int], limit: int = 3
) -> list[tuple[str, float | None]]:
    """Up to ``limit`` placements with room, nearest first: (id, geodesic km, or None when it cannot
    be measured: a virtual placement, or no known starting point). Measured ones come first."""
    found = []
    for place in places:
        if free.get(place.id, 0) <= 0:
            continue
        km = None
        if origin is not None and place.lat is not None and place.lon is not None:
            km = geodesic(origin, (place.lat, place.lon)).km
        found.append((place.id, km))
    found.sort(key=lambda pair: (pair[1] is None, pair[1] or 0.0, pair[0]))
    return found[:limit]
