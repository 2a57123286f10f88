"""Every write to an application, and the only code that changes Placement.places_filled.

Views check who may see an application (the `get_for_*` helpers 404 otherwise) and call `apply`,
`transition` or `reflect`. Each write is one transaction that the caller commits; on
ApplicationError the session has already been rolled back, so nothing is half-written.

Capacity (security.md A5): a status change is itself a conditional UPDATE (`WHERE status = :old`),
so two clicks cannot both move an application, and taking a place is one conditional UPDATE
(`places_filled = places_filled + 1 WHERE places_filled < capacity`) checked by its row count,
with the CHECK constraint on placement as the backstop. Both run in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import abort, url_for
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from . import accounts, evidence, mail, vocab, workflow
from .extensions import db
from .models import (
    Application,
    ApplicationEvent,
    Notification,
    ParentalConsent,
    Placement,
    StudentProfile,
    User,
    utcnow,
)

ANSWER_MAX = 1500


class ApplicationError(Exception):
    """A request the workflow refuses, with a message for the person who made it."""


class Conflict(ApplicationError):
    """The application (or its placement) is not in a state that allows this any more: HTTP 409."""


class NoPlaceLeft(Conflict):
    pass


@dataclass(frozen=True)
class Consent:
    given_by: str
    relationship_to_student: str
    given_on: date
    method: str
    risk_findings_shared: bool


@dataclass(frozen=True)
class Feedback:
    text: str
    criteria: frozenset[str]
    hours: float


# --- reading, scoped to who is asking --------------------------------------------------------------


def get_for_student(application_id: int, user: User) -> Application:
    application = db.session.get(Application, application_id)
    if application is None or user.student_profile is None or application.student_profile_id != user.student_profile.id:
        abort(404)
    return application


def get_for_school(application_id: int, user: User) -> Application:
    application = db.session.get(Application, application_id)
    if application is None or application.school_id != user.school_id:
        abort(404)
    return application


def get_for_employer(application_id: int, user: User) -> Application:
    """Only applications to the employer's own placements that the school has passed on."""
    application = db.session.get(Application, application_id)
    if (
        application is None
        or application.placement.organisation_id != user.organisation_id
        # A rejected (or suspended) organisation keeps its account but sees no applicants.
        or not application.placement.organisation.is_approved
        or not workflow.visible_to_employer(application.status, (e.to_status for e in application.events))
    ):
        abort(404)
    return application


def visible_to_employer():
    """SQL for workflow.visible_to_employer: passed on by the school, or withdrawn or cancelled after that."""
    reached = (
        select(ApplicationEvent.id)
        .where(
            ApplicationEvent.application_id == Application.id,
            ApplicationEvent.to_status.in_(sorted(workflow.PASSED_ON)),
        )
        .exists()
    )
    return or_(
        Application.status.in_(sorted(workflow.PASSED_ON)),
        and_(Application.status.in_(sorted(workflow.VISIBLE_TO_EMPLOYER - workflow.PASSED_ON)), reached),
    )


@dataclass(frozen=True)
class ApplicantView:
    """All an employer is told about an applicant (domain.md §6): never surname, email, home postcode
    or SEN codes; access needs only when the student chose to share them with this employer."""

    first_name: str
    school: str
    year_group: int
    answer: str | None
    shared_needs: list[str] | None
    # The student shared needs, but the application has ended: the employer no longer needs them.
    needs_withdrawn: bool = False


def applicant_view(application: Application, viewer: User, *, audit: bool = True) -> ApplicantView:
    """What the employer sees; every showing of shared needs is audited (who, which application, when).

    Shared needs are shown only while the application is open: what the student shared when applying,
    never needs recorded since."""
    student = application.student
    needs = None
    ended = application.status not in workflow.OPEN_STATUSES
    if application.share_needs and not ended:
        keys = filter(None, (application.shared_needs or "").split("|"))
        needs = [vocab.ACCESS_FEATURES[key] for key in keys if key in vocab.ACCESS_FEATURES]
        if audit:
            accounts.audit(viewer, "application.view_shared_needs", application)
    return ApplicantView(
        first_name=student.user.first_name,
        school=student.user.school.name,
        year_group=student.year_group,
        answer=application.answer,
        shared_needs=needs,
        needs_withdrawn=application.share_needs and ended,
    )


def set_sharing(application: Application, share: bool) -> None:
    """The student's choice to share their access needs with this employer, and the needs shared now."""
    features = [n.feature for n in application.student.needs] if share else []
    application.share_needs = bool(features)
    application.shared_needs = "|".join(features) or None


def counts_by_placement(placement_ids: list[int]) -> dict[int, int]:
    """{placement id: applications the employer can see}, in one query."""
    if not placement_ids:
        return {}
    rows = db.session.execute(
        select(Application.placement_id, db.func.count())
        .where(
            Application.placement_id.in_(placement_ids),
            visible_to_employer(),
        )
        .group_by(Application.placement_id)
    )
    return dict(rows.all())


# --- writes ------------------------------------------------------------------------------------------


def apply(
    student: User, placement: Placement, *, answer: str | None, share_needs: bool, notify_school: bool = True
) -> Application:
    """The student's application, submitted to their careers leader. Not committed.

    notify_school=False when the school itself is acting (an allocation round's commit)."""
    profile = student.student_profile
    if profile is None or profile.is_leaver:
        raise ApplicationError("Only current students can apply.")
    if not placement.is_open or not placement.organisation.is_approved:
        raise ApplicationError("This placement is not taking applications.")
    if profile.year_group not in placement.year_groups:
        raise ApplicationError(f"This placement is not open to Year {profile.year_group}.")
    if answer and len(answer) > ANSWER_MAX:
        raise ApplicationError(f"Keep your answer to {ANSWER_MAX} characters.")
    application = Application(
        student=profile,
        placement=placement,
        answer=answer or None,
        status="submitted",
    )
    set_sharing(application, share_needs)
    application.events.append(ApplicationEvent(actor_id=student.id, action="submit", to_status="submitted"))
    db.session.add(application)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ApplicationError("You have already applied to this placement.") from None
    if notify_school:
        _notify_school(application, f"{student.first_name} {student.last_name} applied to {placement.title}.")
    return application


def transition(
    application: Application,
    action: str,
    actor: User,
    *,
    note: str | None = None,
    consent: Consent | None = None,
    feedback: Feedback | None = None,
) -> Application:
    """Move the application by `action`, or raise ApplicationError (session rolled back). Not committed."""
    old = application.status
    placement = application.placement
    try:
        new = workflow.next_status(
            old, action, actor.role, needs_consent=workflow.needs_parental_consent(placement.delivery_mode)
        )
        if workflow.ACTIONS[action].needs_note and not (note and note.strip()):
            raise ApplicationError("Write a short reason: the other people involved will read it.")
        if action == "record_consent":
            _check_consent(application, consent)
        if action == "complete":
            _check_feedback(feedback)
        if action == "confirm":
            _check_consent_recorded(application)
    except workflow.IllegalTransition as error:
        raise Conflict(str(error)) from None

    # The conditional status change first: it fails if someone else moved this application meanwhile.
    _move(application, old, new)
    change = workflow.place_change(old, new)
    if change > 0 and not take_place(placement.id):
        db.session.rollback()
        raise NoPlaceLeft("All the places on this placement are taken. You can add this applicant to the waiting list.")
    if change < 0:
        release_place(placement.id)
    if change:
        db.session.expire(placement, ["places_filled"])

    _record(application, actor, action, old, new, note, consent, feedback)
    if workflow.frees_place_for_waitlist(old, new) and placement.status in {"published", "closed"}:
        offer_to_waitlist(placement)
    if new == "completed":  # the employer's feedback becomes GB5/GB6 evidence: nothing is keyed twice
        evidence.record_from_application(application, actor)
    return application


def reflect(application: Application, student: User, text: str) -> None:
    """The student's reflection after a completed placement (meaningful criterion 7). Not committed."""
    if application.status != "completed":
        raise ApplicationError("You can reflect once the employer has confirmed you attended.")
    if not text.strip():
        raise ApplicationError("Write your reflection first.")
    application.reflection = text.strip()
    application.reflected_at = utcnow()
    application.events.append(
        ApplicationEvent(actor_id=student.id, action="reflect", from_status="completed", to_status="completed")
    )
    evidence.record_from_application(application, student)  # the reflection completes the evidence's checklist


def take_place(placement_id: int) -> bool:
    """Atomically take one place; False when none is left. The only way places_filled goes up."""
    result = db.session.execute(
        update(Placement)
        .where(Placement.id == placement_id, Placement.places_filled < Placement.capacity)
        .values(places_filled=Placement.places_filled + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def release_place(placement_id: int) -> None:
    db.session.execute(
        update(Placement)
        .where(Placement.id == placement_id, Placement.places_filled > 0)
        .values(places_filled=Placement.places_filled - 1)
        .execution_options(synchronize_session=False)
    )


def offer_to_waitlist(placement: Placement) -> Application | None:
    """Offer a free place to the first applicant on the waiting list, if there is one and a place."""
    first = db.session.scalar(
        select(Application)
        .where(Application.placement_id == placement.id, Application.status == "waitlisted")
        .order_by(Application.waitlisted_at, Application.id)
        .limit(1)
    )
    if first is None or not take_place(placement.id):
        return None
    if not _try_move(first, "waitlisted", "offered"):
        release_place(placement.id)
        return None
    first.events.append(
        ApplicationEvent(action="offer", from_status="waitlisted", to_status="offered", note="A place came free.")
    )
    _notify_student(first, f"A place came free on {placement.title}: you have been offered it.")
    return first


def cancel_open_applications(placement: Placement, actor: User, reason: str) -> int:
    """When an employer cancels a placement, every open application to it is cancelled too."""
    open_ones = db.session.scalars(
        select(Application).where(
            Application.placement_id == placement.id, Application.status.in_(workflow.OPEN_STATUSES)
        )
    ).all()
    for application in open_ones:
        transition(application, "cancel", actor, note=reason)
    return len(open_ones)


# --- allocation rounds: the offer comes from the school, consent after it ----------------------------


def allocate_offer(student: User, placement: Placement, actor: User, note: str | None = None) -> Application:
    """Offer `student` the place their school allocated in a round (rounds/operations.py). Not committed.

    The student's choice in the round is their application (`apply`, with every check it makes) and
    the round is the school's approval, so the careers leader's "allocate" moves it straight to
    offered, taking the place by the same atomic conditional UPDATE as any offer. An application the
    student already has to this placement is used if it is still submitted; any other is refused.
    Raises ApplicationError (NoPlaceLeft when the place has gone) with nothing written.
    """
    profile = student.student_profile
    application = None
    if profile is not None:
        application = db.session.scalar(
            select(Application).where(
                Application.student_profile_id == profile.id, Application.placement_id == placement.id
            )
        )
    if application is None:
        application = apply(student, placement, answer=None, share_needs=False, notify_school=False)
    elif application.status != "submitted":
        status = workflow.STATUSES[application.status].lower()
        raise ApplicationError(f"{student.full_name} already has an application to {placement.title} ({status}).")
    try:
        return transition(application, "allocate", actor, note=note)
    except ApplicationError:
        db.session.rollback()  # the application apply() just added goes too
        raise


CONSENT_AFTER_OFFER: frozenset[str] = frozenset({"offered", "accepted"})


def record_consent_for_offer(application: Application, actor: User, consent: Consent) -> Application:
    """Parental consent for an offer that skipped the consent step (an allocation round's): a new
    ParentalConsent version while the place is offered or accepted; the status stays. "confirm"
    refuses in-person and hybrid placements until there is one. Not committed."""
    if actor.role != "careers_leader":
        raise ApplicationError("Only the student's school records parental consent.")
    if application.status not in CONSENT_AFTER_OFFER:
        raise ApplicationError("Consent can be recorded here only while a place is offered or accepted.")
    if not workflow.needs_parental_consent(application.placement.delivery_mode):
        raise ApplicationError("Virtual placements need no parental consent.")
    _check_consent(application, consent)
    _add_consent(application, consent, actor)
    application.events.append(
        ApplicationEvent(
            actor_id=actor.id, action="record_consent", from_status=application.status, to_status=application.status
        )
    )
    return application


def _check_consent_recorded(application: Application) -> None:
    if workflow.needs_parental_consent(application.placement.delivery_mode) and not application.consents:
        raise ApplicationError(
            "Record a parent's or carer's consent before confirming: this placement is in person or hybrid."
        )


def cancel_for_leavers(user_ids: list[int], actor: User) -> int:
    """Cancel the open applications of students who have left the school, freeing their places for the
    waiting lists. Each in its own transaction (committed here), after the import that marked them:
    an application someone else moved meanwhile is left for the careers leader to see."""
    if not user_ids:
        return 0
    ids = db.session.scalars(
        select(Application.id)
        .join(StudentProfile, StudentProfile.id == Application.student_profile_id)
        .where(StudentProfile.user_id.in_(user_ids), Application.status.in_(workflow.OPEN_STATUSES))
    ).all()
    cancelled = 0
    for application_id in ids:
        application = db.session.get(Application, application_id)
        try:
            transition(application, "cancel", actor, note="The student has left the school.")
            db.session.commit()
            cancelled += 1
        except ApplicationError:
            pass  # already rolled back
    return cancelled


# --- internals ------------------------------------------------------------------------------------


def _move(application: Application, old: str, new: str) -> None:
    if not _try_move(application, old, new):
        db.session.rollback()
        raise Conflict("Someone else changed this application a moment ago. Reload the page to see it now.")


def _try_move(application: Application, old: str, new: str) -> bool:
    now = utcnow()
    values = {"status": new, "status_changed_at": now}
    if new == "waitlisted":
        values["waitlisted_at"] = now
    result = db.session.execute(
        update(Application)
        .where(Application.id == application.id, Application.status == old)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    # The UPDATE bypassed the ORM: tell the loaded object without marking it changed.
    for key, value in values.items():
        set_committed_value(application, key, value)
    return True


def _check_consent(application: Application, consent: Consent | None) -> None:
    if consent is None or not consent.given_by.strip() or not consent.relationship_to_student.strip():
        raise ApplicationError("Record who gave consent and their relationship to the student.")
    if consent.method not in workflow.CONSENT_METHODS:
        raise ApplicationError("Choose how consent was given.")
    if consent.given_on > date.today():
        raise ApplicationError("The date consent was given cannot be in the future.")
    placement = application.placement
    year = workflow.year_group_on(application.student.year_group, date.today(), placement.start_date)
    if workflow.is_child_on(year, placement.start_date) and not consent.risk_findings_shared:
        raise ApplicationError(
            "This student is below school-leaving age: confirm that their parents have had the key findings"
            " of the employer's risk assessment."
        )


def _check_feedback(feedback: Feedback | None) -> None:
    if feedback is None or not feedback.text.strip():
        raise ApplicationError("Give the student some feedback on their work.")
    if not feedback.criteria <= set(vocab.MEANINGFUL_CRITERIA):
        raise ApplicationError("Choose criteria from the list.")
    if not 0 < feedback.hours <= 500:
        raise ApplicationError("Enter the hours the student attended, between 0 and 500.")


def _add_consent(application: Application, consent: Consent, actor: User) -> None:
    """The next version of the application's parental consent."""
    application.consents.append(
        ParentalConsent(
            version=len(application.consents) + 1,
            given_by=consent.given_by.strip(),
            relationship_to_student=consent.relationship_to_student.strip(),
            given_on=consent.given_on,
            method=consent.method,
            risk_findings_shared=consent.risk_findings_shared,
            recorded_by_id=actor.id,
        )
    )


def _record(application, actor, action, old, new, note, consent, feedback) -> None:
    note = note.strip() if note else None
    if action in {"return", "decline"}:
        application.school_comment = note
    if new == "cancelled":
        application.cancel_reason = note
    if consent is not None and action == "record_consent":
        _add_consent(application, consent, actor)
    if feedback is not None and action == "complete":
        application.feedback = feedback.text.strip()
        application.criteria_met = "|".join(sorted(feedback.criteria))
        application.hours_attended = feedback.hours
    application.events.append(
        ApplicationEvent(actor_id=actor.id, action=action, from_status=old, to_status=new, note=note)
    )
    title = application.placement.title
    label = workflow.STATUSES[new].lower()
    if actor.role != "student":
        _notify_student(application, f"Your application to {title}: {label}.")
    if actor.role != "careers_leader":
        _notify_school(application, f"An application to {title}: {label}.")
    # Not about an application the employer never saw (withdrawn or cancelled before the school passed it on).
    if (old in workflow.PASSED_ON or new in workflow.PASSED_ON) and actor.role != "employer":
        _notify_employer(application, f"An applicant to {title}: {label}.")


def notify(user: User, message: str, link: str | None) -> None:
    """An in-app notification, and an email when the user has an address. Never SEND details."""
    db.session.add(Notification(user_id=user.id, message=message, link=link))
    if user.email and user.active:
        body = f"Hello {user.first_name},\n\n{message}\n"
        if link:
            body += f"\n{url_for('public.index', _external=True).rstrip('/')}{link}\n"
        mail.send(user.email, "Placements: " + message[:150], body)


def _notify_student(application: Application, message: str) -> None:
    link = url_for("applying.detail", application_id=application.id)
    notify(application.student.user, message, link)


def _notify_school(application: Application, message: str) -> None:
    staff = db.session.scalars(
        select(User).where(User.school_id == application.school_id, User.role == "careers_leader", User.active)
    )
    link = url_for("oversight.detail", application_id=application.id)
    for user in staff:
        notify(user, message, link)


def _notify_employer(application: Application, message: str) -> None:
    staff = db.session.scalars(
        select(User).where(
            User.organisation_id == application.placement.organisation_id, User.role == "employer", User.active
        )
    )
    link = url_for("applicants.detail", application_id=application.id)
    for user in staff:
        notify(user, message, link)


def student_profile_of(user: User) -> StudentProfile:
    if user.student_profile is None:
        abort(404)
    return user.student_profile
