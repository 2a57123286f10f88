"""Outgoing mail: SMTP when MAIL_SERVER is set, otherwise the development outbox table."""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import insert

from .extensions import db
from .models import OutboxMessage


def send(recipient: str, subject: str, body: str) -> None:
    """Send now over SMTP, or add to the outbox in the caller's transaction."""
    send_many([(recipient, subject, body)])


def send_many(messages: Sequence[tuple[str, str, str]]) -> None:
    """send() for many (recipient, subject, body): one INSERT into the outbox (in the caller's
    transaction), or every message over one SMTP connection."""
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
