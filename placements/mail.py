"""Outgoing mail: SMTP when MAIL_SERVER is set, otherwise the development outbox table.

Either way mail belongs to the caller's transaction: outbox rows are inserted in it, and SMTP messages
wait in the session until it commits (and are dropped if it rolls back), so nobody is told about a
change that did not happen."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Sequence
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import event, insert
from sqlalchemy.orm import Session

from .extensions import db
from .models import OutboxMessage


def send(recipient: str, subject: str, body: str) -> None:
    """Send over SMTP once the caller's transaction commits, or add to the outbox in it."""
    send_many([(recipient, subject, body)])


def send_many(messages: Sequence[tuple[str, str, str]]) -> None:
    """send() for many (recipient, subject, body): one INSERT into the outbox (in the caller's
    transaction), or every message over one SMTP connection after it commits."""
    if not messages:
        return
    # One line, whatever a placement title or name contains: a line break in a header is refused.
    messages = [(recipient, " ".join(subject.split())[:200], body) for recipient, subject, body in messages]
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        # Core, not ORM objects: a bulk import's 2,000 invitations in one executemany.
        db.session.execute(
            insert(OutboxMessage.__table__),
            [{"recipient": recipient, "subject": subject, "body": body} for recipient, subject, body in messages],
        )
        return
    db.session.connection()  # begin the transaction the mail waits on, if nothing else has yet
    pending = db.session.info.setdefault(PENDING, [])
    pending.append((dict(config), list(messages)))


PENDING = "placements.mail.pending"


@event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    for config, messages in session.info.pop(PENDING, []):
        try:
            _smtp_send(config, messages)
        except (OSError, smtplib.SMTPException):
            # The change is saved and the in-app notification stands; the email is lost, and said so.
            logging.getLogger(__name__).exception("could not send %d email(s) over SMTP", len(messages))


@event.listens_for(Session, "after_soft_rollback")
def _drop_after_rollback(session: Session, previous_transaction) -> None:
    # Every rollback() call, even one with no database transaction begun yet.
    session.info.pop(PENDING, None)


def _smtp_send(config: dict, messages: list[tuple[str, str, str]]) -> None:
    with smtplib.SMTP(config["MAIL_SERVER"], int(config.get("MAIL_PORT", 587)), timeout=10) as smtp:
        if config.get("MAIL_USE_TLS", True):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        for recipient, subject, body in messages:
            message = EmailMessage()
            message["From"] = config["MAIL_FROM"]
            message["To"] = recipient
            message["Subject"] = subject
            message.set_content(body)
            smtp.send_message(message)
