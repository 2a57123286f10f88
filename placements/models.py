"""ORM models: data and small invariants only (no url_for, no current_app).

Datetimes are stored as naive UTC, the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, time

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from .extensions import db
from .vocab import (
    ACCESS_FEATURES,
    ACTIVITY_TYPES,
    BENCHMARK_FRAMEWORKS,
    BENCHMARKS,
    DELIVERY_MODES,
    EVIDENCE_ACTIVITY_TYPES,
    EVIDENCE_SOURCES,
    INSURANCE_BASES,
    PLACEMENT_STATUSES,
    ROLES,
    ROUTES,
    SIZE_BANDS,
    YEAR_GROUPS,
)
from .workflow import CONSENT_METHODS
from .workflow import STATUSES as APPLICATION_STATUSES


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class School(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    urn: Mapped[str] = mapped_column(String(6), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    postcode: Mapped[str] = mapped_column(String(8))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="school")


class Organisation(db.Model):
    """An employer organisation. Pending until a platform admin approves it."""

    __table_args__ = (
        CheckConstraint(_in("status", ("pending", "approved", "rejected")), name="status"),
        CheckConstraint(
            f"insurance_basis IS NULL OR {_in('insurance_basis', INSURANCE_BASES)}", name="insurance_basis"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    size_band: Mapped[str] = mapped_column(String(20))
    route: Mapped[str] = mapped_column(String(30))
    postcode: Mapped[str] = mapped_column(String(8))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    # Safeguarding facts, stated once and reused by every placement (domain.md §4.2, §4.6).
    # Employers' liability insurance, or the legal basis for being exempt (vocab.INSURANCE_BASES).
    insurance_basis: Mapped[str | None] = mapped_column(String(20))
    insurer: Mapped[str | None] = mapped_column(String(200))
    insurance_expires_on: Mapped[date | None] = mapped_column(Date)
    # The risk assessment covers young people, and gives children none of the work Reg 19 MHSWR prohibits.
    risk_assessment_covers_young_people: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    no_prohibited_tasks_for_children: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    risk_assessment_reviewed_on: Mapped[date | None] = mapped_column(Date)
    safeguarding_contact_name: Mapped[str | None] = mapped_column(String(200))
    safeguarding_contact_role: Mapped[str | None] = mapped_column(String(200))
    safeguarding_contact_email: Mapped[str | None] = mapped_column(String(254))
    safeguarding_contact_phone: Mapped[str | None] = mapped_column(String(30))
    # Virtual delivery: organisational accounts only, group sessions, no private one-to-one contact.
    virtual_organisation_accounts: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    virtual_group_sessions: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    virtual_no_one_to_one: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    safeguarding_updated_at: Mapped[datetime | None] = mapped_column(DateTime)

    users: Mapped[list[User]] = relationship(back_populates="organisation")
    placements: Mapped[list[Placement]] = relationship(back_populates="organisation")

    @property
    def is_approved(self) -> bool:
        return self.status == "approved"


class User(db.Model):
    """Every person who signs in. Flask-Login's id is the rotating session_token, not the primary key,
    so logging out, changing the password or disabling the account invalidates every copied cookie."""

    __table_args__ = (
        CheckConstraint(_in("role", ROLES), name="role"),
        CheckConstraint(
            "(role IN ('student', 'careers_leader') AND school_id IS NOT NULL AND organisation_id IS NULL)"
            " OR (role = 'employer' AND organisation_id IS NOT NULL AND school_id IS NULL)"
            " OR (role = 'admin' AND school_id IS NULL AND organisation_id IS NULL)",
            name="tenant",
        ),
        # Students imported from a school's MIS may have no email yet: they cannot sign in until the
        # school adds one (a later import or the student page). Everyone else signs in by email.
        CheckConstraint("email IS NOT NULL OR role = 'student'", name="email"),
        # The target of StudentProfile's (user_id, school_id) foreign key.
        UniqueConstraint("id", "school_id", name="uq_user_id_school_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)

    school: Mapped[School | None] = relationship(back_populates="users")
    organisation: Mapped[Organisation | None] = relationship(back_populates="users")
    student_profile: Mapped[StudentProfile | None] = relationship(
        back_populates="user", uselist=False, cascade="all, delete-orphan"
    )

    # Flask-Login protocol
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return self.session_token

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)
        self.rotate_session_token()

    def check_password(self, password: str) -> bool:
        return self.password_hash is not None and check_password_hash(self.password_hash, password)

    def rotate_session_token(self) -> None:
        self.session_token = new_session_token()


class StudentProfile(db.Model):
    """What a student brings to matching. sen_provision and disadvantaged are restricted fields:
    only the student's own school staff ever see them; employers never do.

    Students imported from the school's MIS carry their UPN (unique within the school, domain.md §6:
    a UPN moves with a pupil, so two schools may both hold it) and their legal names. User.first_name
    and User.last_name hold the preferred names, which the UI shows everywhere. `school_id` is the
    user's school: the one foreign key, (user_id, school_id) -> user (id, school_id), fills it in and
    keeps it equal, so "unique UPN per school" is a plain unique constraint.
    """

    __table_args__ = (
        CheckConstraint("year_group BETWEEN 7 AND 13", name="year_group"),
        CheckConstraint("travel_radius_km BETWEEN 1 AND 100", name="travel_radius"),
        CheckConstraint(_in("sen_provision", ("N", "K", "E")), name="sen_provision"),
        UniqueConstraint("school_id", "upn", name="uq_student_profile_school_id_upn"),
        # The target of Application's (student_profile_id, school_id) foreign key.
        UniqueConstraint("id", "school_id", name="uq_student_profile_id_school_id"),
        ForeignKeyConstraint(
            ["user_id", "school_id"],
            ["user.id", "user.school_id"],
            name="fk_student_profile_user_school",
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, unique=True)
    school_id: Mapped[int] = mapped_column(Integer)
    upn: Mapped[str | None] = mapped_column(String(13))
    legal_first_name: Mapped[str | None] = mapped_column(String(100))
    legal_last_name: Mapped[str | None] = mapped_column(String(100))
    # Set when the school marks the student as a leaver; their account is deactivated at the same time.
    left_at: Mapped[datetime | None] = mapped_column(DateTime)
    year_group: Mapped[int] = mapped_column(Integer)
    form: Mapped[str | None] = mapped_column(String(20))
    travel_radius_km: Mapped[int] = mapped_column(Integer, default=10)
    # A postcode district (outcode), never a full home postcode (Children's code: data minimisation).
    home_outcode: Mapped[str | None] = mapped_column(String(4))
    sen_provision: Mapped[str] = mapped_column(String(1), default="N")
    disadvantaged: Mapped[bool] = mapped_column(Boolean, default=False)
    # Ranking by interests and needs is profiling (Children's code standard 12): off until the student
    # switches it on, having read what it uses; they can switch it off again at any time.
    recommendations_enabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    user: Mapped[User] = relationship(back_populates="student_profile")
    interests: Mapped[list[StudentInterest]] = relationship(
        cascade="all, delete-orphan", order_by="StudentInterest.route"
    )
    needs: Mapped[list[StudentNeed]] = relationship(cascade="all, delete-orphan", order_by="StudentNeed.feature")

    @property
    def is_leaver(self) -> bool:
        return self.left_at is not None

    @property
    def interest_routes(self) -> list[str]:
        return [i.route for i in self.interests]

    def needs_by_priority(self, priority: str) -> list[str]:
        return [n.feature for n in self.needs if n.priority == priority]


class StudentInterest(db.Model):
    __table_args__ = (UniqueConstraint("student_profile_id", "route"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_profile_id: Mapped[int] = mapped_column(ForeignKey("student_profile.id", ondelete="CASCADE"), index=True)
    route: Mapped[str] = mapped_column(String(30))


class StudentNeed(db.Model):
    """An access need from the shared vocabulary (vocab.ACCESS_FEATURES), must-have or preferred."""

    __table_args__ = (
        UniqueConstraint("student_profile_id", "feature"),
        CheckConstraint(_in("priority", ("must", "preferred")), name="priority"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_profile_id: Mapped[int] = mapped_column(ForeignKey("student_profile.id", ondelete="CASCADE"), index=True)
    feature: Mapped[str] = mapped_column(String(40))
    priority: Mapped[str] = mapped_column(String(10))


def year_bit(year: int) -> int:
    """The bit for a year group in Placement.year_groups_mask: bit n is Year n."""
    return 1 << year


class Placement(db.Model):
    """An opportunity an employer posts: an encounter (GB5) or an experience of a workplace (GB6).

    Filter by year group in SQL with Placement.open_to(year). places_filled is only ever changed by
    an atomic conditional UPDATE (security.md A5); the CHECK constraint is the backstop.
    """

    __table_args__ = (
        CheckConstraint(_in("status", PLACEMENT_STATUSES), name="status"),
        CheckConstraint(_in("activity_type", ACTIVITY_TYPES), name="activity_type"),
        CheckConstraint(_in("delivery_mode", DELIVERY_MODES), name="delivery_mode"),
        CheckConstraint("capacity >= 1", name="capacity"),
        CheckConstraint("places_filled >= 0 AND places_filled <= capacity", name="places_filled"),
        CheckConstraint(
            "(delivery_mode = 'virtual' AND postcode IS NULL AND lat IS NULL AND lon IS NULL)"
            " OR (delivery_mode <> 'virtual' AND postcode IS NOT NULL)",
            name="location",
        ),
        CheckConstraint("end_date >= start_date", name="dates"),
        CheckConstraint("status <> 'cancelled' OR cancel_reason IS NOT NULL", name="cancel_reason"),
        Index("ix_placement_lat_lon", "lat", "lon"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)
    task: Mapped[str] = mapped_column(Text)
    activity_type: Mapped[str] = mapped_column(String(40))
    delivery_mode: Mapped[str] = mapped_column(String(10))
    route: Mapped[str] = mapped_column(String(30))
    postcode: Mapped[str | None] = mapped_column(String(8))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    capacity: Mapped[int] = mapped_column(Integer)
    places_filled: Mapped[int] = mapped_column(Integer, default=0)
    application_deadline: Mapped[date] = mapped_column(Date)
    year_groups_mask: Mapped[int] = mapped_column(Integer, default=0)
    applicant_question: Mapped[str | None] = mapped_column(Text)
    # Pipe list of vocab.MEANINGFUL_CRITERIA keys, as in the interop CSV (domain.md §7.4).
    criteria: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(10), default="draft", index=True)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="placements")
    adjustments: Mapped[list[PlacementAdjustment]] = relationship(
        cascade="all, delete-orphan", order_by="PlacementAdjustment.feature"
    )

    @staticmethod
    def open_to(year: int):
        """SQL: the placement takes students in this year group."""
        return Placement.year_groups_mask.op("&")(year_bit(year)) != 0

    @property
    def year_groups(self) -> set[int]:
        mask = self.year_groups_mask or 0
        return {y for y in YEAR_GROUPS if mask & year_bit(y)}

    @year_groups.setter
    def year_groups(self, years) -> None:
        self.year_groups_mask = sum(year_bit(y) for y in set(years) if y in YEAR_GROUPS)

    @property
    def adjustment_features(self) -> set[str]:
        return {a.feature for a in self.adjustments}

    @adjustment_features.setter
    def adjustment_features(self, features) -> None:
        wanted = {f for f in features if f in ACCESS_FEATURES}
        self.adjustments = [a for a in self.adjustments if a.feature in wanted] + [
            PlacementAdjustment(feature=f) for f in sorted(wanted - self.adjustment_features)
        ]

    @property
    def meaningful_criteria(self) -> set[str]:
        return set(filter(None, (self.criteria or "").split("|")))

    @meaningful_criteria.setter
    def meaningful_criteria(self, keys) -> None:
        self.criteria = "|".join(sorted(set(keys)))

    @property
    def places_left(self) -> int:
        return max(0, (self.capacity or 0) - (self.places_filled or 0))

    def is_open_on(self, today: date) -> bool:
        return self.status == "published" and self.application_deadline >= today and self.places_left > 0

    @property
    def is_open(self) -> bool:
        """Taking applications: published, the deadline not passed, places left."""
        return self.is_open_on(date.today())


# The candidate prefilter of search.candidates, answered from the index alone: virtual placements by
# mode, in-person and hybrid ones by mode and a latitude range (the bounding box), then every column the
# open-placement filters and the matcher read, and the id last: SQLite keeps the rowid (the id) in
# every index anyway, PostgreSQL only when asked, and without it a PostgreSQL plan reads the table.
# Measured by benchmarks/recommend_page.py.
Index(
    "ix_placement_reach",
    Placement.delivery_mode,
    Placement.lat,
    Placement.lon,
    Placement.year_groups_mask,
    Placement.status,
    Placement.application_deadline,
    Placement.places_filled,
    Placement.capacity,
    Placement.organisation_id,
    Placement.route,
    Placement.start_date,
    Placement.created_at,
    Placement.id,
)


class PlacementAdjustment(db.Model):
    """An accessibility adjustment a placement offers (vocab.ACCESS_FEATURES, as student needs use)."""

    # The primary key answers "does this placement offer X"; ix_placement_adjustment_feature_placement_id
    # answers "which placements offer X" (a search's access filter, a student's must-haves) from the
    # index alone.
    __table_args__ = (Index("ix_placement_adjustment_feature_placement_id", "feature", "placement_id"),)

    placement_id: Mapped[int] = mapped_column(ForeignKey("placement.id", ondelete="CASCADE"), primary_key=True)
    feature: Mapped[str] = mapped_column(String(40), primary_key=True)


class Application(db.Model):
    """A student's application to a placement (workflow.py has the states and transitions).

    One per student per placement. `school_id` is the student's school, kept equal to the profile's by
    the composite foreign key, so a careers leader's queries filter on one indexed column.
    """

    __table_args__ = (
        UniqueConstraint("student_profile_id", "placement_id", name="uq_application_student_placement"),
        CheckConstraint(_in("status", APPLICATION_STATUSES), name="status"),
        CheckConstraint("answer IS NULL OR length(answer) <= 1500", name="answer_length"),
        CheckConstraint("hours_attended IS NULL OR hours_attended BETWEEN 0 AND 500", name="hours_attended"),
        ForeignKeyConstraint(
            ["student_profile_id", "school_id"],
            ["student_profile.id", "student_profile.school_id"],
            name="fk_application_student_school",
            ondelete="CASCADE",
        ),
        Index("ix_application_school_status", "school_id", "status"),
        Index("ix_application_placement_status", "placement_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_profile_id: Mapped[int] = mapped_column(Integer)
    school_id: Mapped[int] = mapped_column(Integer)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placement.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(24), default="submitted")
    answer: Mapped[str | None] = mapped_column(Text)
    # Off by default: the student chooses to tell this employer their access needs (domain.md §6).
    share_needs: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # What was shared (pipe list of vocab.ACCESS_FEATURES keys), as the student saw it when they applied or
    # sent the application again: a need recorded later is not shared without asking them.
    shared_needs: Mapped[str | None] = mapped_column(String(500))
    # The school's latest comment to the student (returned or declined); employers never see it.
    school_comment: Mapped[str | None] = mapped_column(Text)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    # After the placement: the employer's feedback against the meaningful-experience criteria
    # (pipe list of vocab.MEANINGFUL_CRITERIA keys), and the student's reflection.
    feedback: Mapped[str | None] = mapped_column(Text)
    criteria_met: Mapped[str | None] = mapped_column(String(200))
    hours_attended: Mapped[float | None] = mapped_column(Float)
    reflection: Mapped[str | None] = mapped_column(Text)
    reflected_at: Mapped[datetime | None] = mapped_column(DateTime)
    submitted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    status_changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Orders the waiting list: the first waitlisted is offered the next free place.
    waitlisted_at: Mapped[datetime | None] = mapped_column(DateTime)

    student: Mapped[StudentProfile] = relationship()
    placement: Mapped[Placement] = relationship()
    events: Mapped[list[ApplicationEvent]] = relationship(
        cascade="all, delete-orphan", order_by="ApplicationEvent.id", back_populates="application"
    )
    consents: Mapped[list[ParentalConsent]] = relationship(
        cascade="all, delete-orphan", order_by="ParentalConsent.version"
    )

    @property
    def criteria_met_keys(self) -> set[str]:
        return set(filter(None, (self.criteria_met or "").split("|")))

    @property
    def consent(self) -> ParentalConsent | None:
        return self.consents[-1] if self.consents else None


class ApplicationEvent(db.Model):
    """One step of an application's history: who moved it from what to what, and their comment."""

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    note: Mapped[str | None] = mapped_column(Text)

    application: Mapped[Application] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class ParentalConsent(db.Model):
    """A parent's or carer's consent to one placement (domain.md §4.4), versioned: recording it again
    (say, after the dates change) adds a version and keeps the earlier ones."""

    __table_args__ = (
        UniqueConstraint("application_id", "version"),
        CheckConstraint(_in("method", CONSENT_METHODS), name="method"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    given_by: Mapped[str] = mapped_column(String(200))
    relationship_to_student: Mapped[str] = mapped_column(String(100))
    given_on: Mapped[date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(20))
    # For a child (below school-leaving age): the parents had the risk assessment's key findings and
    # control measures before the placement (domain.md §4.2, MUST).
    risk_findings_shared: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Notification(db.Model):
    """An in-app message to one user. Never carries SEND or health details."""

    __table_args__ = (Index("ix_notification_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    message: Mapped[str] = mapped_column(String(300))
    # A path inside the app ("/student/applications/3"), never an external address.
    link: Mapped[str | None] = mapped_column(String(200))
    read_at: Mapped[datetime | None] = mapped_column(DateTime)


class AccountToken(db.Model):
    """A one-time, expiring link token (set password, reset password). Only its SHA-256 is stored."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    user: Mapped[User] = relationship()


class OutboxMessage(db.Model):
    """Mail that would have been sent, kept for the development outbox when SMTP is not configured."""

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


class AuditEvent(db.Model):
    """Who did what to which object, when. Never the content of personal or SEND data."""

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column(Integer)


class Postcode(db.Model):
    """Offline postcode table (OS Code-Point Open or the ONS Postcode Directory)."""

    postcode: Mapped[str] = mapped_column(String(8), primary_key=True)  # normalised: "SW1A 1AA"
    outcode: Mapped[str] = mapped_column(String(4), index=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)


class Outcode(db.Model):
    """Postcode district centroids: the only location kept for a student's home (data minimisation)."""

    outcode: Mapped[str] = mapped_column(String(4), primary_key=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    postcode_count: Mapped[int] = mapped_column(Integer)


# --- allocation rounds (issue 8) -----------------------------------------------------------------

ROUND_STATUSES: dict[str, str] = {
    "open": "Open for choices",
    "previewed": "Previewed",
    "committed": "Offers made",
    "cancelled": "Cancelled",
}


class AllocationRound(db.Model):
    """A careers leader shares limited places across one year group: students rank the round's
    placements until `closes_on` (inclusive), then the leader previews, adjusts and commits.

    `seed` draws the lottery step of the priority rule; it is recorded and shown, so a preview can be
    reproduced. `allocation` is the last preview's snapshot (cohort.py): the choices, priority groups
    and places it used, the result after any overrides, and after the commit what happened to each
    offer. Only a new preview replaces it.
    """

    __table_args__ = (
        CheckConstraint(_in("status", ROUND_STATUSES), name="status"),
        CheckConstraint("year_group BETWEEN 7 AND 13", name="year_group"),
        CheckConstraint("max_choices BETWEEN 1 AND 20", name="max_choices"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    year_group: Mapped[int] = mapped_column(Integer)
    closes_on: Mapped[date] = mapped_column(Date)
    max_choices: Mapped[int] = mapped_column(Integer, default=5)
    status: Mapped[str] = mapped_column(String(10), default="open")
    seed: Mapped[int | None] = mapped_column(BigInteger)
    allocation: Mapped[dict | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    committed_at: Mapped[datetime | None] = mapped_column(DateTime)

    school: Mapped[School] = relationship()
    created_by: Mapped[User | None] = relationship()
    placements: Mapped[list[RoundPlacement]] = relationship(
        cascade="all, delete-orphan", order_by="RoundPlacement.id", back_populates="round"
    )

    def takes_choices_on(self, today: date) -> bool:
        return self.status in {"open", "previewed"} and today <= self.closes_on


class RoundPlacement(db.Model):
    __table_args__ = (UniqueConstraint("round_id", "placement_id", name="uq_round_placement_round_placement"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("allocation_round.id", ondelete="CASCADE"))
    placement_id: Mapped[int] = mapped_column(ForeignKey("placement.id", ondelete="CASCADE"), index=True)

    round: Mapped[AllocationRound] = relationship(back_populates="placements")
    placement: Mapped[Placement] = relationship()


class RoundChoice(db.Model):
    """One student's choice in a round: rank 1 is their first choice. The composite foreign key keeps
    every choice to a placement of the same round."""

    __table_args__ = (
        UniqueConstraint("round_id", "student_profile_id", "rank", name="uq_round_choice_rank"),
        UniqueConstraint("round_id", "student_profile_id", "placement_id", name="uq_round_choice_placement"),
        CheckConstraint("rank >= 1", name="rank"),
        ForeignKeyConstraint(
            ["round_id", "placement_id"],
            ["round_placement.round_id", "round_placement.placement_id"],
            name="fk_round_choice_round_placement",
            ondelete="CASCADE",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(Integer)
    student_profile_id: Mapped[int] = mapped_column(ForeignKey("student_profile.id", ondelete="CASCADE"), index=True)
    placement_id: Mapped[int] = mapped_column(Integer)
    rank: Mapped[int] = mapped_column(Integer)


class RoundOverride(db.Model):
    """A careers leader's change to one student's previewed allocation, with the written reason.
    placement_id None: the student is left unplaced. Kept even when a new preview replaces the result."""

    __table_args__ = (
        CheckConstraint("length(reason) > 0", name="reason"),
        ForeignKeyConstraint(
            ["round_id", "placement_id"],
            ["round_placement.round_id", "round_placement.placement_id"],
            name="fk_round_override_round_placement",
            ondelete="CASCADE",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("allocation_round.id", ondelete="CASCADE"), index=True)
    student_profile_id: Mapped[int] = mapped_column(ForeignKey("student_profile.id", ondelete="CASCADE"))
    placement_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    by: Mapped[User | None] = relationship()


class Evidence(db.Model):
    """One student's part in a careers activity: a GB5 encounter or a GB6 experience of a workplace
    (domain.md §1.3-§1.5), laid out as the interop CSV's rows (§7.4). Written only by evidence.py.

    Recorded by the school (usually for a whole group at once), or made from a completed placement
    (source "placement": one row per application, kept in step with the employer's feedback and the
    student's reflection). `application_id` is SET NULL when the application goes (say, its placement is
    deleted): the school's record that the student had the experience must outlive the employer's listing.
    Like Application, `school_id` is the student's school, kept equal by the composite foreign key, so the
    dashboard reads one school's rows from the (school_id, date) index. The column names are the ones
    benchmarks.py reads, so rows work there as they are.
    """

    __table_args__ = (
        CheckConstraint(_in("activity_type", EVIDENCE_ACTIVITY_TYPES), name="activity_type"),
        CheckConstraint(_in("delivery_mode", DELIVERY_MODES), name="delivery_mode"),
        CheckConstraint(_in("benchmark", BENCHMARKS), name="benchmark"),
        CheckConstraint(_in("framework_version", BENCHMARK_FRAMEWORKS), name="framework_version"),
        CheckConstraint(_in("source", EVIDENCE_SOURCES), name="source"),
        CheckConstraint(
            f"employer_size_band IS NULL OR {_in('employer_size_band', SIZE_BANDS)}", name="employer_size_band"
        ),
        CheckConstraint(f"route IS NULL OR {_in('route', ROUTES)}", name="route"),
        CheckConstraint("duration_hours > 0 AND duration_hours <= 500", name="duration_hours"),
        CheckConstraint("activity_type <> 'part_time_job' OR is_part_time_job", name="part_time_job"),
        # Only placement evidence is tied to an application (and may outlive it).
        CheckConstraint("application_id IS NULL OR source = 'placement'", name="application_source"),
        ForeignKeyConstraint(
            ["student_profile_id", "school_id"],
            ["student_profile.id", "student_profile.school_id"],
            name="fk_evidence_student_school",
            ondelete="CASCADE",
        ),
        # The dashboard reads every column the rules need for one school from this index alone
        # (evidence.RuleRow); measured by benchmarks/evidence_dashboard.py.
        Index(
            "ix_evidence_rules",
            "school_id",
            "date",
            "student_profile_id",
            "activity_type",
            "duration_hours",
            "delivery_mode",
            "benchmark",
            "criteria_met",
            "framework_version",
            "is_part_time_job",
        ),
        Index("ix_evidence_student_date", "student_profile_id", "date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_profile_id: Mapped[int] = mapped_column(Integer)
    school_id: Mapped[int] = mapped_column(Integer)
    activity_type: Mapped[str] = mapped_column(String(40))
    date: Mapped[date] = mapped_column(Date)
    duration_hours: Mapped[float] = mapped_column(Float)
    delivery_mode: Mapped[str] = mapped_column(String(10))
    employer_name: Mapped[str] = mapped_column(String(200))
    employer_size_band: Mapped[str | None] = mapped_column(String(20))
    route: Mapped[str | None] = mapped_column(String(30))
    benchmark: Mapped[str] = mapped_column(String(3))
    # Pipe list of the benchmark's checklist keys met (vocab.GB5_CRITERIA or vocab.GB6_CRITERIA), as in §7.4.
    criteria_met: Mapped[str] = mapped_column(String(200), default="")
    framework_version: Mapped[str] = mapped_column(String(4))
    is_part_time_job: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    source: Mapped[str] = mapped_column(String(10), default="school")
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id", ondelete="SET NULL"), unique=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    student: Mapped[StudentProfile] = relationship()
    application: Mapped[Application | None] = relationship()
    recorded_by: Mapped[User | None] = relationship()

    @property
    def student_id(self) -> int:
        """The key benchmarks.py groups records by."""
        return self.student_profile_id

    @property
    def criteria_keys(self) -> set[str]:
        return set(filter(None, (self.criteria_met or "").split("|")))

    @property
    def is_linked_to_placement(self) -> bool:
        """Kept in step with its application: changed there, never by hand."""
        return self.application_id is not None
