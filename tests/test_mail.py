"""Outgoing mail: the development outbox without MAIL_SERVER, SMTP with it (a stand-in server here)."""

from __future__ import annotations

from sqlalchemy import func, select

from placements import mail
from placements.extensions import db
from placements.models import OutboxMessage

MESSAGES = [(f"person{n}@example.org", f"Subject {n}", f"Body {n}\n") for n in range(3)]


class FakeSMTP:
    """Records what smtplib.SMTP would have done."""

    connections: list[FakeSMTP] = []

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.address, self.calls, self.sent = (host, port), [], []
        FakeSMTP.connections.append(self)

    def __enter__(self) -> FakeSMTP:
        return self

    def __exit__(self, *exc) -> None:
        self.calls.append("quit")

    def starttls(self) -> None:
        self.calls.append("starttls")

    def login(self, user: str, password: str) -> None:
        self.calls.append(f"login {user}")

    def send_message(self, message) -> None:
        self.sent.append((message["From"], message["To"], message["Subject"], message.get_content()))


def outbox_count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def test_without_a_mail_server_messages_go_to_the_outbox_in_the_callers_transaction(app):
    with app.test_request_context():
        before = outbox_count()
        mail.send_many(MESSAGES)
        mail.send(*MESSAGES[0])
        mail.send_many([])
        assert outbox_count() == before + 4
        db.session.rollback()
        assert outbox_count() == before
        mail.send_many(MESSAGES)
        db.session.commit()
        rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(3)).all()
    assert sorted((m.recipient, m.subject, m.body) for m in rows) == MESSAGES
    assert all(m.created_at is not None for m in rows)


def test_with_a_mail_server_many_messages_share_one_connection(app, monkeypatch):
    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    FakeSMTP.connections = []
    app.config.update(MAIL_SERVER="smtp.example.org", MAIL_PORT=2525, MAIL_USERNAME="placements", MAIL_PASSWORD="pw")
    with app.test_request_context():
        before = outbox_count()
        mail.send_many(MESSAGES)
        mail.send_many([])
        mail.send(*MESSAGES[0])
        assert outbox_count() == before
        assert FakeSMTP.connections == []  # nothing leaves before the transaction commits
        db.session.commit()
    first, second = FakeSMTP.connections
    assert first.address == ("smtp.example.org", 2525)
    assert first.calls == second.calls == ["starttls", "login placements", "quit"]
    sender = app.config["MAIL_FROM"]
    assert first.sent == [(sender, to, subject, body) for to, subject, body in MESSAGES]
    assert second.sent == [(sender, *MESSAGES[0])]


def test_a_line_break_in_a_subject_never_reaches_the_header(app, monkeypatch):
    """A placement title is part of notification subjects: an employer's line break must neither inject a
    header nor make every email about the placement fail."""
    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    FakeSMTP.connections = []
    app.config.update(MAIL_SERVER="smtp.example.org")
    with app.test_request_context():
        mail.send("person@example.org", "Meet the team\r\nBcc: someone@evil.example", "Body\n")
        db.session.commit()
    (connection,) = FakeSMTP.connections
    (sent,) = connection.sent
    assert sent[2] == "Meet the team Bcc: someone@evil.example"


def test_mail_of_a_rolled_back_transaction_is_never_sent(app, monkeypatch):
    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    FakeSMTP.connections = []
    app.config.update(MAIL_SERVER="smtp.example.org")
    with app.test_request_context():
        mail.send(*MESSAGES[0])
        db.session.rollback()
        db.session.commit()
        assert FakeSMTP.connections == []
        mail.send(*MESSAGES[1])
        db.session.commit()
    (connection,) = FakeSMTP.connections
    assert [to for _, to, _, _ in connection.sent] == [MESSAGES[1][0]]


def test_a_failing_mail_server_does_not_undo_the_change(app, monkeypatch, caplog):
    class DownSMTP(FakeSMTP):
        def starttls(self) -> None:
            raise mail.smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr(mail.smtplib, "SMTP", DownSMTP)
    app.config.update(MAIL_SERVER="smtp.example.org")
    with app.test_request_context():
        before = outbox_count()
        db.session.add(OutboxMessage(recipient="kept@example.org", subject="kept", body="a row saved with it"))
        mail.send(*MESSAGES[0])
        db.session.commit()
        assert outbox_count() == before + 1
    assert "could not send 1 email(s)" in caplog.text
