"""Helpers for tests of applications: demo students, and applications driven through the real workflow."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from placements import applications
from placements.applications import Consent, Feedback
from placements.extensions import db
from placements.models import Application, Placement, School, StudentProfile, User

CONSENT = Consent(
    given_by="Sam Parent",
    relationship_to_student="Mother",
    given_on=date.today(),
    method="signed_form",
    risk_findings_shared=True,
)
FEEDBACK = Feedback(text="Worked hard and asked good questions.", criteria=frozenset({"employer_task"}), hours=6.5)

# The path to each status, as the actions that reach it from "submitted" (consent is recorded only for
# in-person and hybrid placements).
PATHS = {
    "submitted": [],
    "returned": ["return"],
    "declined_by_school": ["decline"],
    "awaiting_consent": ["approve"],
    "with_employer": ["approve", "record_consent"],
    "waitlisted": ["approve", "record_consent", "waitlist"],
    "declined_by_employer": ["approve", "record_consent", "reject"],
    "offered": ["approve", "record_consent", "offer"],
    "declined_by_student": ["approve", "record_consent", "offer", "decline_offer"],
    "accepted": ["approve", "record_consent", "offer", "accept"],
    "confirmed": ["approve", "record_consent", "offer", "accept", "confirm"],
    "completed": ["approve", "record_consent", "offer", "accept", "confirm", "complete"],
    "no_show": ["approve", "record_consent", "offer", "accept", "confirm", "no_show"],
    "withdrawn": ["withdraw"],
    "cancelled": ["cancel"],
}


def student_ids(app, *, school_urn: str = "999001", year: int | None = None, count: int = 1) -> list[int]:
    """User ids of demo students of one school (optionally one year group), in id order."""
    with app.app_context():
        query = (
            select(User.id)
            .join(StudentProfile, StudentProfile.user_id == User.id)
            .join(School, School.id == User.school_id)
            .where(School.urn == school_urn)
            .order_by(User.id)
        )
        if year is not None:
            query = query.where(StudentProfile.year_group == year)
        ids = list(db.session.scalars(query.limit(count)))
    assert len(ids) == count, f"only {len(ids)} demo students match"
    return ids


def actor_for(application: Application, action: str) -> User:
    """Who performs `action` on this application: its student, a careers leader of the school, or an
    employer user of the placement's organisation."""
    roles = applications.workflow.ACTIONS[action].roles
    if "student" in roles:
        return application.student.user
    if "careers_leader" in roles:
        return db.session.scalar(
            select(User).where(User.school_id == application.school_id, User.role == "careers_leader")
        )
    return db.session.scalar(
        select(User).where(User.organisation_id == application.placement.organisation_id, User.role == "employer")
    )


def act(application: Application, action: str, **extra) -> Application:
    """One workflow action with the usual comment, consent and feedback filled in."""
    if action == "record_consent":
        extra.setdefault("consent", CONSENT)
    if action == "complete":
        extra.setdefault("feedback", FEEDBACK)
    if applications.workflow.ACTIONS[action].needs_note:
        extra.setdefault("note", "A reason written in the test.")
    return applications.transition(application, action, actor_for(application, action), **extra)


def make_application(
    app,
    student_user_id: int,
    placement_id: int,
    status: str = "submitted",
    *,
    answer: str | None = "I like computers.",
    share_needs: bool = False,
) -> int:
    """An application created and moved to `status` through the real workflow; returns its id."""
    with app.test_request_context():
        student = db.session.get(User, student_user_id)
        placement = db.session.get(Placement, placement_id)
        application = applications.apply(student, placement, answer=answer, share_needs=share_needs)
        db.session.commit()
        path = PATHS[status]
        if placement.delivery_mode == "virtual":
            path = [step for step in path if step != "record_consent"]
        for action in path:
            act(application, action)
            db.session.commit()
        assert application.status == status
        return application.id
