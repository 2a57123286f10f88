"""Share limited placements across a cohort: stable matching with a published priority rule.

Plain Python and numpy, with no web framework or database imports (style.md §3.4, §3.15). Functions take plain values
or duck-typed objects and return plain values; the caller loads the cohort and stores the outcome.

``allocate`` runs student-proposing deferred acceptance with capacities (the hospitals/residents
problem) and returns the student-optimal stable matching: no student can be given a placement they
prefer to their own in any other stable matching. Its inputs, and what happens at the edges:

- ``student_prefs``: every student taking part is a key; the value lists placement ids, most wanted
  first. An empty list takes part and is left unplaced.
- ``placement_prefs``: placement id -> student ids, highest priority first (usually
  ``priority_order`` restricted to the placement's applicants). A placement that is not a key ranks
  nobody, so nobody is placed there.
- ``capacities``: placement id -> number of places (an integer, 0 or more). Capacity 0 places nobody.
- A student and a placement can be matched only if each lists the other. A one-sided entry (a
  student listing a placement that does not rank them, or the other way round) is ignored, not an
  error: it is how a placement declines a student.
- ``ValueError``, with the offending ids in the message, for malformed input: a capacity that is
  negative or not an integer; a placement in either preference mapping with no capacity entry; a
  student in ``placement_prefs`` who is not a key of ``student_prefs``; an id listed twice in one
  preference list.

Every student is a key of the result, mapped to a placement id or ``None``. The work is done on
integer arrays: string ids are converted once on the way in and once on the way out.
"""

from __future__ import annotations

import operator
import random
import secrets
from collections.abc import Iterable, Mapping, Sequence
from itertools import chain
from typing import Literal, Protocol

import numpy as np

__all__ = ["Prioritised", "allocate", "explain", "new_seed", "priority_order", "priority_reasons"]

_EMPTY = np.iinfo(np.int64).max  # the rank held by an empty seat: worse than any real rank


class Prioritised(Protocol):
    """What the priority rule reads from a student (an ORM row or a SimpleNamespace will do)."""

    id: str
    has_prior_placement: bool
    send: bool
    disadvantaged: bool


# --- the priority rule --------------------------------------------------------------------------


def new_seed() -> int:
    """A fresh lottery seed. Record it with the allocation so the order can be reproduced."""
    return secrets.randbits(32)


def priority_order(students: Iterable[Prioritised], seed: int) -> list[str]:
    """Student ids, highest priority first, under the rule a school can read:

    1. students with no prior placement before those who have had one;
    2. then SEND or disadvantaged students (either is enough) before the others;
    3. then a lottery drawn with ``seed``.

    The same students and seed always give the same order, whatever order the students arrive in
    (the lottery shuffles the ids in sorted order). Raises ``ValueError`` if an id appears twice.
    """
    by_id: dict[str, Prioritised] = {}
    for student in students:
        if student.id in by_id:
            raise ValueError(f"student {student.id!r} appears twice in the cohort")
        by_id[student.id] = student
    lottery = sorted(by_id)
    random.Random(seed).shuffle(lottery)
    return sorted(lottery, key=lambda sid: _tier(by_id[sid]))  # sorted() is stable: ties keep the lottery


def priority_reasons(student: Prioritised) -> list[str]:
    """The parts of the rule that raise this student's priority, in the rule's order."""
    reasons = []
    if not student.has_prior_placement:
        reasons.append("no prior placement")
    if student.send:
        reasons.append("SEND")
    if student.disadvantaged:
        reasons.append("disadvantaged")
    return reasons


def _tier(student: Prioritised) -> tuple[bool, bool]:
    """Sort key of the rule's first two steps (False sorts first)."""
    return (bool(student.has_prior_placement), not (student.send or student.disadvantaged))


def _why_ahead(ahead: Prioritised, behind: Prioritised) -> str:
    """The first step of the rule that puts ``ahead`` before ``behind``."""
    if behind.has_prior_placement and not ahead.has_prior_placement:
        return "no prior placement"
    if _tier(ahead) < _tier(behind):
        return "SEND or disadvantaged"
    return "lottery"


# --- allocation ---------------------------------------------------------------------------------


def allocate(
    student_prefs: Mapping[str, Sequence[str]],
    placement_prefs: Mapping[str, Sequence[str]],
    capacities: Mapping[str, int],
) -> dict[str, str | None]:
    """The student-optimal stable matching: student id -> placement id, or None when unplaced.

    See the module docstring for how one-sided, missing and malformed entries are treated.
    """
    student_ids = list(student_prefs)
    placement_ids = list(capacities)
    cap = np.array([_capacity(pid, c) for pid, c in capacities.items()], dtype=np.int64)
    choice, rank, start, end = _acceptable_proposals(student_prefs, placement_prefs, placement_ids, cap)
    matched = _deferred_acceptance(choice, rank, start, end, cap)
    names: list[str | None] = [*placement_ids, None]  # index -1 reads None
    placed = np.append(choice, -1)[matched]  # -1 stays -1
    return dict(zip(student_ids, map(names.__getitem__, placed.tolist()), strict=True))


def _capacity(placement: str, value: object) -> int:
    try:
        if isinstance(value, bool):
            raise TypeError
        capacity = operator.index(value)  # type: ignore[call-overload]
    except TypeError:
        raise ValueError(f"capacity of placement {placement!r} must be a whole number, got {value!r}") from None
    if capacity < 0:
        raise ValueError(f"capacity of placement {placement!r} must be 0 or more, got {capacity}")
    return capacity


def _to_indices(
    lists: list[Sequence[str]], size: int, index: dict[str, int], owners: list[str], what: str
) -> np.ndarray:
    """The ``size`` ids in ``lists``, flattened, as an array of their integer indices."""
    try:
        return np.fromiter(map(index.__getitem__, chain.from_iterable(lists)), dtype=np.int64, count=size)
    except KeyError as missing:
        owner = next(o for o, ids in zip(owners, lists, strict=True) if missing.args[0] in ids)
        raise ValueError(what.format(owner=owner, id=missing.args[0])) from None


def _acceptable_proposals(
    student_prefs: Mapping[str, Sequence[str]],
    placement_prefs: Mapping[str, Sequence[str]],
    placement_ids: list[str],
    cap: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each student's mutually acceptable placements, in the student's order, as flat arrays.

    Student ``s`` proposes, in order, to ``choice[start[s]:end[s]]``; ``rank`` holds the student's
    position in that placement's own list (lower is better).
    """
    student_ids = list(student_prefs)
    n_students, n_placements = len(student_ids), len(placement_ids)
    student_index = dict(zip(student_ids, range(n_students), strict=True))
    placement_index = dict(zip(placement_ids, range(n_placements), strict=True))

    # Placements' lists, keyed by placement * n_students + student.
    ranking = list(placement_prefs)
    ranked = list(placement_prefs.values())
    for pid in ranking:
        if pid not in placement_index:
            raise ValueError(f"placement {pid!r} ranks students but has no capacity entry")
    lengths = np.fromiter(map(len, ranked), dtype=np.int64, count=len(ranked))
    unknown = "placement {owner!r} ranks unknown student {id!r}"
    ranked_student = _to_indices(ranked, int(lengths.sum()), student_index, ranking, unknown)
    ranker = np.repeat(np.array([placement_index[p] for p in ranking], dtype=np.int64), lengths)
    rank_in_list = np.arange(ranked_student.size) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    pair = ranker * n_students + ranked_student
    order = np.argsort(pair)
    pair, rank_in_list = pair[order], rank_in_list[order]
    if pair.size and (dup := np.flatnonzero(pair[1:] == pair[:-1])).size:
        p, s = divmod(int(pair[dup[0]]), n_students)
        raise ValueError(f"placement {placement_ids[p]!r} ranks student {student_ids[s]!r} twice")

    # Students' lists, looked up in the placements' lists.
    wanted = list(student_prefs.values())
    lengths = np.fromiter(map(len, wanted), dtype=np.int64, count=n_students)
    unknown = "student {owner!r} lists placement {id!r}, which has no capacity entry"
    choice = _to_indices(wanted, int(lengths.sum()), placement_index, student_ids, unknown)
    chooser = np.repeat(np.arange(n_students, dtype=np.int64), lengths)
    proposal = choice * n_students + chooser
    by_pair = np.argsort(proposal)
    proposal = proposal[by_pair]  # sorted, so that searchsorted walks memory in order
    if (dup := np.flatnonzero(proposal[1:] == proposal[:-1])).size:
        p, s = divmod(int(proposal[dup[0]]), n_students)
        raise ValueError(f"student {student_ids[s]!r} lists placement {placement_ids[p]!r} twice")
    found = np.minimum(np.searchsorted(pair, proposal), max(pair.size - 1, 0))
    acceptable = np.zeros(choice.size, dtype=bool)
    rank = np.zeros(choice.size, dtype=np.int64)
    if pair.size:
        acceptable[by_pair] = pair[found] == proposal
        rank[by_pair] = rank_in_list[found]
    acceptable &= cap[choice] > 0

    choice, rank, chooser = choice[acceptable], rank[acceptable], chooser[acceptable]
    counts = np.bincount(chooser, minlength=n_students)
    end = np.cumsum(counts)
    return choice, rank, end - counts, end


def _ragged_arange(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``concatenate([arange(a, a + n) for a, n in zip(starts, counts)])`` without the loop."""
    offsets = np.cumsum(counts) - counts
    return np.arange(int(counts.sum()), dtype=np.int64) + np.repeat(starts - offsets, counts)


def _deferred_acceptance(
    choice: np.ndarray, rank: np.ndarray, start: np.ndarray, end: np.ndarray, cap: np.ndarray
) -> np.ndarray:
    """Student-proposing deferred acceptance, one round of simultaneous proposals at a time.

    Each round every free student proposes to their next acceptable placement; each placement that
    received proposals keeps its best ``cap`` candidates among its holders and proposers, and rejects
    the rest, who move down their lists. The order in which proposals are made does not change the
    outcome (Gale and Shapley), so rounds give the same student-optimal matching as one-at-a-time.

    Returns, per student, the index into ``choice`` of the placement they hold, or -1.
    """
    seat_start = np.cumsum(cap) - cap  # placement p's seats are seat_start[p] : seat_start[p] + cap[p]
    held_rank = np.full(int(cap.sum()), _EMPTY, dtype=np.int64)
    held_student = np.zeros(int(cap.sum()), dtype=np.int64)
    span = int(rank.max()) + 2 if rank.size else 1  # sort key: placement * span + rank
    touched_mask = np.zeros(cap.size, dtype=bool)
    nxt = start.copy()  # a held student's nxt points at the placement holding them
    free = np.flatnonzero(start < end)
    while free.size:
        at = nxt[free]
        proposed_to = choice[at]
        touched_mask[proposed_to] = True
        touched = np.flatnonzero(touched_mask)
        touched_mask[touched] = False
        seats = _ragged_arange(seat_start[touched], cap[touched])
        occupied = held_rank[seats] != _EMPTY
        seats = seats[occupied]
        holder_at = np.repeat(touched, cap[touched])[occupied]

        key = np.concatenate((holder_at * span + held_rank[seats], proposed_to * span + rank[at]))
        student = np.concatenate((held_student[seats], free))
        order = np.argsort(key)
        key, student = key[order], student[order]
        placement, cand_rank = np.divmod(key, span)
        group_start = np.flatnonzero(np.r_[True, placement[1:] != placement[:-1]])
        position = np.arange(key.size) - np.repeat(group_start, np.diff(np.r_[group_start, key.size]))
        kept = position < cap[placement]

        held_rank[seats] = _EMPTY
        seat = seat_start[placement[kept]] + position[kept]
        held_rank[seat] = cand_rank[kept]
        held_student[seat] = student[kept]
        rejected = student[~kept]
        nxt[rejected] += 1
        free = rejected[nxt[rejected] < end[rejected]]
    return np.where(nxt < end, nxt, -1)


# --- explanations -------------------------------------------------------------------------------


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# One wording per audience. A student reads only about their own choices and the published rule,
# never another student's priority step or identity: on a one-place placement, "a student with
# higher priority: SEND" would tell them a named classmate's SEND status. Staff may see the step.
_WORDING = {
    "student": {
        "none listed": "You did not list any placements, so you were not placed.",
        "choice": "Your {nth} choice ({name})",
        "placed": "You were placed at your {nth} choice ({name}).",
        "no places": "{choice} has no places.",
        "not ranked": "{choice} did not include you among its candidates.",
        "room": "{choice} still had a place: this allocation may be out of date.",
        "full": "{choice} was full: all its places went to students ranked ahead of you under the school's "
        "published rules.",
        "unplaced": "You were not placed: none of your choices had a place for you.",
    },
    "staff": {
        "none listed": "They did not list any placements, so they were not placed.",
        "choice": "Their {nth} choice ({name})",
        "placed": "Placed at their {nth} choice ({name}).",
        "no places": "{choice} has no places.",
        "not ranked": "{choice} did not include them among its candidates.",
        "room": "{choice} still had a place: this allocation may be out of date.",
        "full": "{choice} was full with students of higher priority: {because}.",
        "unplaced": "Not placed: none of their choices had a place for them.",
    },
}


def explain(
    student_id: str,
    student_prefs: Mapping[str, Sequence[str]],
    placement_prefs: Mapping[str, Sequence[str]],
    capacities: Mapping[str, int],
    result: Mapping[str, str | None],
    students: Mapping[str, Prioritised] | None = None,
    names: Mapping[str, str] | None = None,
    *,
    audience: Literal["student", "staff"],
) -> list[str]:
    """Why ``student_id`` was placed where they were, or not at all, one sentence per choice.

    Takes the inputs and result of ``allocate``. Each choice the student ranked above their outcome
    gets a reason; the last sentence states the outcome. ``names`` maps placement ids to what the
    reader sees (default: the id). Scans ``result`` once, so it suits one student or a school's
    list, not a national cohort.

    ``audience`` chooses the wording, and there is no default: each caller decides who reads it.

    - ``"student"``, addressed to the student: a full choice is explained by the school's published
      rules alone, so nothing about the students placed there (who they are, or which step of the
      rule put them ahead) can be read from it. It takes no ``students``: passing them is a
      ``ValueError``, so the cohort's SEND and disadvantage flags never reach this wording.
    - ``"staff"``, about the student: with ``students`` (id -> the object given to
      ``priority_order``), a full choice names the step of the rule that decided it, comparing the
      student with the lowest-priority student placed there; without it, the placement's own
      ranking is cited.
    """
    if audience not in _WORDING:
        raise ValueError(f"audience must be 'student' or 'staff', got {audience!r}")
    if audience == "student" and students is not None:
        raise ValueError("the student wording does not use other students' priority: pass students only for staff")
    say = _WORDING[audience]
    choices = list(student_prefs[student_id])
    outcome = result.get(student_id)
    if not choices:
        return [say["none listed"]]
    label = (names or {}).get
    placed_at: dict[str, list[str]] = {pid: [] for pid in choices}
    for sid, pid in result.items():
        if pid in placed_at:
            placed_at[pid].append(sid)

    lines = []
    for n, pid in enumerate(choices, start=1):
        where = {"nth": _ordinal(n), "name": label(pid, pid)}
        if pid == outcome:
            lines.append(say["placed"].format(**where))
            return lines
        choice = say["choice"].format(**where)
        ranking = list(placement_prefs.get(pid, ()))
        if capacities.get(pid, 0) == 0:
            lines.append(say["no places"].format(choice=choice))
        elif student_id not in ranking:
            lines.append(say["not ranked"].format(choice=choice))
        elif len(placed_at[pid]) < capacities[pid]:
            lines.append(say["room"].format(choice=choice))
        elif audience == "student":
            lines.append(say["full"].format(choice=choice))
        else:
            because = _because(ranking, placed_at[pid], student_id, students)
            lines.append(say["full"].format(choice=choice, because=because))
    lines.append(say["unplaced"])
    return lines


def _because(ranking: list[str], placed: list[str], student_id: str, students: Mapping[str, Prioritised] | None) -> str:
    if students is None:
        return "the placement ranked them higher"
    position = {sid: i for i, sid in enumerate(ranking)}
    last_in = max(placed, key=lambda sid: position.get(sid, len(ranking)))
    return _why_ahead(students[last_in], students[student_id])
