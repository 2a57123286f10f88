"""Account writes with several callers: invitations, one-time links, password changes."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, url_for
from sqlalchemy import insert, select, update

from . import mail
from .extensions import db
from .models import AccountToken, AuditEvent, User, utcnow

SET_PASSWORD = "set_password"  # noqa: S105 (a token purpose, not a password)
RESET_PASSWORD = "reset_password"  # noqa: S105


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, purpose: str) -> str:
    """A new one-time link token; earlier unused tokens of the same purpose stop working."""
    return issue_tokens([user], purpose)[0]


def issue_tokens(users: list, purpose: str) -> list[str]:
    """issue_token for many flushed users with two statements, whatever their number."""
    now = utcnow()
    ids = [user.id for user in users]
    for start in range(0, len(ids), 500):
        db.session.execute(
            update(AccountToken)
            .where(
                AccountToken.user_id.in_(ids[start : start + 500]),
                AccountToken.purpose == purpose,
                AccountToken.used_at.is_(None),
            )
            .values(used_at=now)
        )
    if purpose == SET_PASSWORD:
        lifetime = timedelta(hours=current_app.config["SET_PASSWORD_LINK_HOURS"])
    else:
        lifetime = timedelta(minutes=current_app.config["RESET_PASSWORD_LINK_MINUTES"])
    tokens = [secrets.token_urlsafe(32) for _ in users]
    expires_at = now + lifetime
    db.session.execute(  # the table, not the model: Core's executemany, without the ORM's bulk path
        insert(AccountToken.__table__),
        [
            {"user_id": user_id, "purpose": purpose, "token_hash": _hash(token), "expires_at": expires_at}
            for user_id, token in zip(ids, tokens, strict=True)
        ],
    )
    return tokens


def token_user(token: str) -> AccountToken | None:
    """The unexpired, unused token row for a raw token, or None."""
    row = db.session.scalar(select(AccountToken).where(AccountToken.token_hash == _hash(token)))
    if row is None or row.used_at is not None or row.expires_at < utcnow() or not row.user.active:
        return None
    return row


def use_token(row: AccountToken, password: str) -> User:
    row.used_at = utcnow()
    row.user.set_password(password)
    return row.user


def invite(user: User, *, invited_by: str) -> None:
    """Add the user, then email a set-password link. The caller commits, so both happen or neither."""
    invite_many([user], invited_by=invited_by)


def invite_many(users: list[User], *, invited_by: str) -> None:
    """invite() for many users (every one with an email) in a few statements: a bulk import's path."""
    db.session.add_all(users)
    db.session.flush()
    send_invitations(users, invited_by=invited_by)


def send_invitations(users, *, invited_by: str) -> None:
    """Set-password links for users already in the database (anything with id, email and first_name):
    one statement for the tokens and one for the outbox (or one SMTP connection), whatever their number."""
    hours = current_app.config["SET_PASSWORD_LINK_HOURS"]
    mail.send_many(
        [
            (
                user.email,
                "Set up your Placements account",
                f"Hello {user.first_name},\n\n{invited_by} has made you a Placements account.\n"
                f"Choose your password here (the link works once, for {hours} hours):\n\n"
                f"{url_for('auth.set_password', token=token, _external=True)}\n\n"
                "If you were not expecting this, you can ignore this email.\n",
            )
            for user, token in zip(users, issue_tokens(users, SET_PASSWORD), strict=True)
        ]
    )


def send_reset(user: User) -> None:
    token = issue_token(user, RESET_PASSWORD)
    link = url_for("auth.set_password", token=token, _external=True)
    minutes = current_app.config["RESET_PASSWORD_LINK_MINUTES"]
    mail.send(
        user.email,
        "Reset your Placements password",
        f"Hello {user.first_name},\n\nSomeone asked to reset your Placements password.\n"
        f"Choose a new one here (the link works once, for {minutes} minutes):\n\n{link}\n\n"
        "If it was not you, ignore this email: your password has not changed.\n",
    )


def audit(actor: User | None, action: str, obj) -> None:
    db.session.add(
        AuditEvent(
            actor_id=actor.id if actor is not None else None,
            action=action,
            object_type=type(obj).__name__,
            object_id=getattr(obj, "id", None),
        )
    )
