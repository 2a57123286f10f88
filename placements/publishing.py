"""Rules for posting placements: what a placement must say, and when it may be published.

PURE (style.md §3.4): stdlib and vocab only, no Flask, no SQLAlchemy. Functions take duck-typed
objects (ORM rows, or SimpleNamespace in tests) and today's date, and return plain values: a
problem is {field name: message for people}, empty when there is none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from . import vocab

MAX_HOURS_PER_DAY = 8  # "no more than a standard 8-hour day" (domain.md §4.3)
MAX_CAPACITY = 500  # a whole year group at a careers fair; anything more is a typo
IN_PERSON_MODES = ("in_person", "hybrid")

# The placement state machine: every status change goes through can_change().
TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"published"}),
    "published": frozenset({"closed", "cancelled"}),
    "closed": frozenset({"cancelled"}),  # closed to applications, yet it can still be called off
    "cancelled": frozenset(),
}


def can_change(current: str, new: str) -> bool:
    return new in TRANSITIONS.get(current, frozenset())


def hours_between(start: time, end: time) -> float:
    day = date(2000, 1, 1)
    return (datetime.combine(day, end) - datetime.combine(day, start)) / timedelta(hours=1)


def _years(years) -> str:
    years = sorted(years)
    return ", ".join(str(y) for y in years)


def placement_problems(p: Any, today: date) -> dict[str, str]:
    """What is wrong with a placement's own details, whatever its status.

    `p` needs activity_type, delivery_mode, postcode, start_date, end_date, start_time, end_time,
    application_deadline, capacity, places_filled and year_groups (a set of ints). A missing (None)
    value is left to the form's "required" message.
    """
    problems: dict[str, str] = {}
    if p.delivery_mode in IN_PERSON_MODES and not p.postcode:
        problems["postcode"] = "Enter the workplace postcode: students need to know where to go."

    start, end, deadline = p.start_date, p.end_date, p.application_deadline
    if start is not None and start <= today:
        problems["start_date"] = "The start date must be in the future."
    if start is not None and end is not None and end < start:
        problems["end_date"] = "The end date must be the same as or after the start date."
    if deadline is not None:
        if deadline < today:
            problems["application_deadline"] = "The application deadline must be today or later."
        elif start is not None and deadline >= start:
            problems["application_deadline"] = "The application deadline must be before the start date."

    if p.start_time is not None and p.end_time is not None:
        hours = hours_between(p.start_time, p.end_time)
        if hours <= 0:
            problems["end_time"] = "The finish time must be after the start time."
        elif hours > MAX_HOURS_PER_DAY:
            problems["end_time"] = (
                f"A day can be at most {MAX_HOURS_PER_DAY} hours, including breaks; this one is {hours:g} hours."
            )

    if p.capacity is not None:
        filled = p.places_filled or 0
        if p.capacity < 1:
            problems["capacity"] = "Offer at least 1 place."
        elif p.capacity > MAX_CAPACITY:
            problems["capacity"] = f"Offer at most {MAX_CAPACITY} places."
        elif p.capacity < filled:
            problems["capacity"] = f"{filled} places are already filled, so offer at least {filled}."

    youngest = vocab.ACTIVITY_MIN_YEAR.get(p.activity_type)
    if youngest is not None and p.year_groups:
        too_young = {y for y in p.year_groups if y < youngest}
        if too_young:
            label = vocab.ACTIVITY_TYPES[p.activity_type]
            if p.activity_type == "work_experience_placement":
                problems["year_groups"] = (
                    f"A work experience placement is open only to Years 10 to 13. Remove Year {_years(too_young)}: "
                    "Years 7 to 9 can come on workplace visits, work shadowing and talks instead."
                )
            else:
                problems["year_groups"] = (
                    f"A {label} is for students in Years {youngest} to 13. Remove Year {_years(too_young)}."
                )
    return problems


def safeguarding_problems(organisation: Any, delivery_mode: str, today: date) -> list[str]:
    """The organisation's safeguarding facts that are missing for this delivery mode, as messages."""
    missing = []
    if delivery_mode in IN_PERSON_MODES:
        insurance = insurance_state(organisation, today).status
        if insurance == "missing":
            missing.append("your employers' liability insurance (or the reason you are exempt)")
        elif insurance == "expired":
            missing.append("your renewed employers' liability insurance (the policy on file has expired)")
        if not (organisation.risk_assessment_covers_young_people and organisation.no_prohibited_tasks_for_children):
            missing.append("confirmation that your risk assessment covers young people")
        elif organisation.risk_assessment_reviewed_on is None:
            missing.append("the date your risk assessment was last reviewed")
    if delivery_mode in ("virtual", "hybrid") and not (
        organisation.virtual_organisation_accounts
        and organisation.virtual_group_sessions
        and organisation.virtual_no_one_to_one
    ):
        missing.append("the three confirmations for safe virtual sessions")
    if not (organisation.safeguarding_contact_name and organisation.safeguarding_contact_email):
        missing.append("a named safeguarding contact")
    return missing


def publish_problems(placement: Any, organisation: Any, today: date) -> dict[str, str]:
    """Everything that stops this placement being published (or staying published after an edit)."""
    problems = placement_problems(placement, today)
    missing = safeguarding_problems(organisation, placement.delivery_mode, today)
    if missing:
        mode = vocab.DELIVERY_MODES.get(placement.delivery_mode, "this").lower()
        problems.setdefault(
            "delivery_mode",
            f"Before you can publish a placement delivered {mode}, add to your safeguarding details: "
            + "; ".join(missing)
            + ".",
        )
    if organisation.status != "approved":
        problems["publish"] = (
            "A Placements admin has not approved your organisation yet. You can save drafts now, and publish "
            "them once you are approved."
        )
    return problems


@dataclass(frozen=True)
class InsuranceState:
    status: str  # "exempt" | "missing" | "expired" | "expiring" | "current"
    days_left: int | None = None
    expires_on: date | None = None


def insurance_state(organisation: Any, today: date, warn_days: int = 30) -> InsuranceState:
    basis = organisation.insurance_basis
    if basis in ("sole_trader", "family_business"):
        return InsuranceState("exempt")
    expires = organisation.insurance_expires_on
    if basis != "insured" or not organisation.insurer or expires is None:
        return InsuranceState("missing")
    days = (expires - today).days
    if days < 0:
        return InsuranceState("expired", days, expires)
    if days <= warn_days:
        return InsuranceState("expiring", days, expires)
    return InsuranceState("current", days, expires)
