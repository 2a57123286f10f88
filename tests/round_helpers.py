"""Helpers for tests of allocation rounds: rounds, choices and previews written straight to the database."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from placements import rounds
from placements.extensions import db
from placements.models import AllocationRound, RoundChoice, RoundPlacement, School, User

SAMPLE_ROUND = "Sample round for page checks"


def make_round(
    app,
    placement_ids,
    *,
    year: int = 10,
    closes_in: int = 14,
    max_choices: int = 5,
    name: str = "Summer placements",
    school_urn: str = "999001",
) -> int:
    with app.app_context():
        options = {"year": year, "closes_in": closes_in, "max_choices": max_choices, "name": name}
        return _make_round(db.session, placement_ids, urn=school_urn, **options)


def _make_round(session, placement_ids, *, year, closes_in, max_choices, name, urn) -> int:
    school = session.scalar(select(School).where(School.urn == urn))
    leader = session.scalar(select(User).where(User.school_id == school.id, User.role == "careers_leader"))
    allocation_round = AllocationRound(
        school_id=school.id,
        name=name,
        year_group=year,
        closes_on=date.today() + timedelta(days=closes_in),
        max_choices=max_choices,
        created_by_id=leader.id,
        placements=[RoundPlacement(placement_id=pid) for pid in placement_ids],
    )
    session.add(allocation_round)
    session.commit()
    return allocation_round.id


def rank(app, round_id: int, student_user_id: int, placement_ids) -> None:
    """A student's choices, first choice first, replacing any they had."""
    with app.app_context():
        profile = db.session.get(User, student_user_id).student_profile
        db.session.execute(
            RoundChoice.__table__.delete().where(
                RoundChoice.round_id == round_id, RoundChoice.student_profile_id == profile.id
            )
        )
        for n, pid in enumerate(placement_ids, start=1):
            db.session.add(RoundChoice(round_id=round_id, student_profile_id=profile.id, placement_id=pid, rank=n))
        db.session.commit()


def preview(app, round_id: int, *, redraw: bool = False) -> dict:
    """Run the round's preview as its careers leader; returns the snapshot."""
    with app.test_request_context():
        allocation_round = db.session.get(AllocationRound, round_id)
        leader = db.session.get(User, allocation_round.created_by_id)
        snapshot = rounds.run_preview(allocation_round, leader, redraw=redraw)
        db.session.commit()
        return snapshot


def sample_round(session) -> int:
    """A previewed Year 7 round at the demo school with the demo student's choices, so that every round
    page renders for the demo careers leader and the demo student (access and axe checks). Idempotent."""
    existing = session.scalar(select(AllocationRound.id).where(AllocationRound.name == SAMPLE_ROUND))
    if existing is not None:
        return existing
    student = session.scalar(select(User).where(User.email == "student1@placements.example"))
    profile = student.student_profile
    school = student.school
    listed = rounds.open_placements_for(school, profile.year_group, 25, date.today())
    placement_ids = [p.id for p, _ in listed][:3]
    round_id = _make_round(
        session, placement_ids, year=profile.year_group, closes_in=14, max_choices=3, name=SAMPLE_ROUND, urn=school.urn
    )
    for n, pid in enumerate(placement_ids[:2], start=1):
        session.add(RoundChoice(round_id=round_id, student_profile_id=profile.id, placement_id=pid, rank=n))
    session.commit()
    allocation_round = session.get(AllocationRound, round_id)
    rounds.run_preview(allocation_round, allocation_round.created_by)
    session.commit()
    return round_id
