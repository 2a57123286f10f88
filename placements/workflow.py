"""The application workflow as an explicit state machine. Plain Python: no Flask, no SQLAlchemy.

    submitted ─approve→ awaiting_consent ─record_consent→ with_employer ─offer→ offered ─accept→ accepted
        │  └─return→ returned ─resubmit→ submitted          │  └─waitlist→ waitlisted ─offer→ offered
        └─decline→ declined_by_school                        └─decline→ declined_by_employer
    accepted ─confirm→ confirmed ─complete→ completed | ─no_show→ no_show
    submitted ─allocate→ offered (an allocation round's commit; consent is then recorded before confirm)
    offered ─decline_offer→ declined_by_student;  any open state ─withdraw→ withdrawn | ─cancel→ cancelled

An application holds one of the placement's places from the offer on (security.md A5): the only write
path for places is the atomic conditional UPDATE in applications.py. Parental consent is skipped for
virtual placements (domain.md §4.4).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

STATUSES: dict[str, str] = {
    "submitted": "Waiting for school approval",
    "returned": "Returned to the student for changes",
    "declined_by_school": "Not approved by the school",
    "awaiting_consent": "Waiting for parental consent",
    "with_employer": "With the employer",
    "waitlisted": "On the waiting list",
    "declined_by_employer": "Not offered a place",
    "offered": "Place offered",
    "declined_by_student": "Offer declined",
    "accepted": "Offer accepted",
    "confirmed": "Confirmed",
    "completed": "Attended and completed",
    "no_show": "Did not attend",
    "withdrawn": "Withdrawn by the student",
    "cancelled": "Cancelled",
}

# Still in progress: these can be withdrawn or cancelled.
OPEN_STATUSES: frozenset[str] = frozenset(
    {"submitted", "returned", "awaiting_consent", "with_employer", "waitlisted", "offered", "accepted", "confirmed"}
)
# These hold one of the placement's places.
HOLDS_PLACE: frozenset[str] = frozenset({"offered", "accepted", "confirmed", "completed", "no_show"})
# The employer sees an application only once the school has approved it (and consent is recorded).
VISIBLE_TO_EMPLOYER: frozenset[str] = frozenset(STATUSES) - {
    "submitted",
    "returned",
    "declined_by_school",
    "awaiting_consent",
}
# Withdrawn and cancelled can follow any open state, so they alone do not say whether the school had
# passed the application on; these statuses do.
PASSED_ON: frozenset[str] = VISIBLE_TO_EMPLOYER - {"withdrawn", "cancelled"}


def visible_to_employer(status: str, statuses_reached: Iterable[str]) -> bool:
    """May the employer see this application? `statuses_reached`: every status it has been in. One
    withdrawn or cancelled before the school passed it on never reached the employer (domain.md §6)."""
    if status not in VISIBLE_TO_EMPLOYER:
        return False
    return status in PASSED_ON or any(reached in PASSED_ON for reached in statuses_reached)


@dataclass(frozen=True)
class Action:
    key: str
    label: str
    roles: frozenset[str]
    sources: frozenset[str]
    target: str  # for "approve", the target when no consent is needed is with_employer (see next_status)
    needs_note: bool = False  # a written comment or reason is required


def _action(key, label, roles, sources, target, *, needs_note=False) -> Action:
    return Action(key, label, frozenset(roles), frozenset(sources), target, needs_note)


ACTIONS: dict[str, Action] = {
    a.key: a
    for a in (
        _action("resubmit", "Send again", {"student"}, {"returned"}, "submitted"),
        _action("approve", "Approve", {"careers_leader"}, {"submitted"}, "awaiting_consent"),
        _action("return", "Return for changes", {"careers_leader"}, {"submitted"}, "returned", needs_note=True),
        _action("decline", "Decline", {"careers_leader"}, {"submitted"}, "declined_by_school", needs_note=True),
        _action("record_consent", "Record parental consent", {"careers_leader"}, {"awaiting_consent"}, "with_employer"),
        _action("offer", "Offer a place", {"employer"}, {"with_employer", "waitlisted"}, "offered"),
        _action("waitlist", "Add to the waiting list", {"employer"}, {"with_employer"}, "waitlisted"),
        _action(
            "reject", "Decline", {"employer"}, {"with_employer", "waitlisted"}, "declined_by_employer", needs_note=True
        ),
        _action("accept", "Accept the offer", {"student"}, {"offered"}, "accepted"),
        _action("decline_offer", "Decline the offer", {"student"}, {"offered"}, "declined_by_student"),
        _action("confirm", "Confirm", {"careers_leader"}, {"accepted"}, "confirmed"),
        _action("complete", "Confirm attendance and give feedback", {"employer"}, {"confirmed"}, "completed"),
        _action("no_show", "Did not attend", {"employer"}, {"confirmed"}, "no_show"),
        _action("withdraw", "Withdraw", {"student"}, OPEN_STATUSES, "withdrawn"),
        _action("cancel", "Cancel", {"careers_leader", "employer"}, OPEN_STATUSES, "cancelled", needs_note=True),
        # The school allocating a place in an allocation round is the offer (rounds/operations.py commits it).
        _action("allocate", "Allocate a place in a round", {"careers_leader"}, {"submitted"}, "offered"),
    )
}


# Actions only code takes, never offered as a button on an application: "allocate" happens when a
# careers leader commits an allocation round, for every student of the round at once.
SYSTEM_ACTIONS: frozenset[str] = frozenset({"allocate"})


class IllegalTransition(ValueError):
    """The action is not allowed from the application's current status, or not for this role."""


def allowed_actions(status: str, role: str) -> list[Action]:
    """What this role may do to an application in this status, in the order the UI offers them."""
    return [a for a in ACTIONS.values() if status in a.sources and role in a.roles and a.key not in SYSTEM_ACTIONS]


def next_status(status: str, action: str, role: str, *, needs_consent: bool = True) -> str:
    """The status after `action`, or IllegalTransition. Approving skips consent when none is needed."""
    try:
        chosen = ACTIONS[action]
    except KeyError:
        raise IllegalTransition(f"There is no action called {action!r}.") from None
    if role not in chosen.roles:
        raise IllegalTransition(f"{chosen.label} is not something a {role.replace('_', ' ')} can do.")
    if status not in chosen.sources:
        raise IllegalTransition(f"{chosen.label} is not possible: the application is {STATUSES[status].lower()}.")
    if action == "approve" and not needs_consent:
        return "with_employer"
    return chosen.target


def place_change(old: str, new: str) -> int:
    """+1 when the application takes a place, -1 when it gives one back, else 0."""
    return int(new in HOLDS_PLACE) - int(old in HOLDS_PLACE)


def frees_place_for_waitlist(old: str, new: str) -> bool:
    """A place given back before the placement happened goes to the waiting list."""
    return place_change(old, new) < 0 and new in {"withdrawn", "cancelled", "declined_by_student"}


# --- ages and consent (domain.md §4.1, §4.4, §7.2) -----------------------------------------------------


def academic_year_start(on: date) -> int:
    """The calendar year in which the academic year containing `on` began (1 September)."""
    return on.year if on.month >= 9 else on.year - 1


def year_group_on(year_group_now: int, today: date, on: date) -> int:
    """The year group a student in `year_group_now` today will be in on `on`."""
    return year_group_now + academic_year_start(on) - academic_year_start(today)


def last_friday_of_june(year: int) -> date:
    day = date(year, 6, 30)
    return day - timedelta(days=(day.weekday() - 4) % 7)


def is_child_on(year_group: int, on: date) -> bool:
    """Below the minimum school leaving age on `on`: pupils reach it on the last Friday in June of
    Year 11 (domain.md §4.1). `year_group` is the student's year group on that date."""
    if year_group <= 10:
        return True
    if year_group >= 12:
        return False
    return on <= last_friday_of_june(academic_year_start(on) + 1)


def needs_parental_consent(delivery_mode: str) -> bool:
    """In-person and hybrid placements of under-18s need a parent's consent (domain.md §4.4). Schools
    record no date of birth here, so every student is treated as under 18."""
    return delivery_mode in {"in_person", "hybrid"}


CONSENT_METHODS: dict[str, str] = {
    "signed_form": "Signed paper form",
    "online_form": "Online form",
    "email": "Email",
    "phone": "Phone call (noted)",
    "in_person": "In person (noted)",
}


def next_step(status: str, role: str) -> str:
    """One plain sentence: what happens next, from this role's point of view."""
    student = {
        "submitted": "Your careers leader will check your application.",
        "returned": "Read your careers leader's comment, change your answer and send it again.",
        "awaiting_consent": "Your school is collecting a parent's or carer's consent.",
        "with_employer": "The employer is reading your application.",
        "waitlisted": "If a place comes free you will be offered it automatically.",
        "offered": "You have been offered a place: accept or decline it.",
        "accepted": "Your careers leader will confirm the arrangements.",
        "confirmed": "You're going! Check the dates and times.",
        "completed": "Write a short reflection on what you learned.",
    }
    staff = {
        "submitted": "Approve, return with a comment, or decline.",
        "awaiting_consent": "Record a parent's or carer's consent.",
        "with_employer": "Waiting for the employer.",
        "waitlisted": "Waiting for a place to come free.",
        "offered": "Waiting for the student to accept.",
        "accepted": "Confirm the arrangements.",
        "confirmed": "Waiting for the placement to happen.",
    }
    employer = {
        "with_employer": "Offer a place, add to the waiting list, or decline.",
        "waitlisted": "Offer a place when one is free, or decline.",
        "offered": "Waiting for the student to accept.",
        "accepted": "Waiting for the school to confirm.",
        "confirmed": "After the placement: confirm attendance and give feedback.",
    }
    table = {"student": student, "careers_leader": staff, "employer": employer}.get(role, {})
    return table.get(status, "Nothing more to do.")
