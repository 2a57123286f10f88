"""Outgoing mail: SMTP when MAIL_SERVER is set, otherwise the development outbox table."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app

from .extensions import db
from .models import OutboxMessage


def send(recipient: str, subject: str, body: str) -> None:
    """Send now over SMTP, or add to the outbox in the caller's transaction."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        db.session.add(OutboxMessage(recipient=recipient, subject=subject, body=body))
        return
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = recipient
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(config["MAIL_SERVER"], int(config.get("MAIL_PORT", 587)), timeout=10) as smtp:
        if config.get("MAIL_USE_TLS", True):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)
