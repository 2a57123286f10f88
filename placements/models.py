"""ORM models: data and small invariants only (no url_for, no current_app).

Datetimes are stored as naive UTC, the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from .extensions import db
from .vocab import ROLES


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

    __table_args__ = (CheckConstraint(_in("status", ("pending", "approved", "rejected")), name="status"),)

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

    users: Mapped[list[User]] = relationship(back_populates="organisation")

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
