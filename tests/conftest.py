"""Shared fixtures. Every test gets a fresh schema with the demo data, on SQLite by default or on
the PostgreSQL named by DATABASE_URL (as .ci/run does)."""

from __future__ import annotations

import functools
import os
import re
import tempfile

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.security import generate_password_hash

from placements import create_app, database_url, geo, seed
from placements.extensions import db

TEST_PASSWORD = "correct horse battery staple"
# A file, not memory: browser tests and concurrency tests reach it from other threads and connections.
DATABASE_URI = database_url(os.environ.get("DATABASE_URL")) or (
    f"sqlite:///{tempfile.gettempdir()}/placements-test-{os.getpid()}.sqlite"
)
STATIC_TABLES = ("postcode", "outcode")  # reference data: loaded once per run, never changed by tests
_postcode_rows: list[dict] = []
_schema_ready: set[str] = set()


@event.listens_for(Engine, "connect")
def _fast_sqlite(dbapi_connection, connection_record) -> None:
    # Tests need no durability across power cuts: skip SQLite's fsyncs, which dominate a test's time.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.execute("PRAGMA synchronous=OFF")


def make_app(**overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test",
        "WTF_CSRF_ENABLED": False,
        "SQLALCHEMY_DATABASE_URI": DATABASE_URI,
        "SERVER_NAME": "localhost",
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    config.update(overrides)
    app = create_app(config)
    _apps.append(app)
    return app


_apps: list = []


@pytest.fixture(autouse=True)
def _close_connections():
    """Close every connection a test's apps opened (PostgreSQL warns about connections left open)."""
    yield
    while _apps:
        app = _apps.pop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def demo_postcode_rows() -> list[dict]:
    """Real Code-Point Open rows for the demo's districts, read once per test run."""
    if not _postcode_rows:
        wanted = set(seed.OUTCODES)
        areas = {geo.area(o) for o in wanted}
        for path in geo.codepoint_files():
            if path.name.split(".")[0].upper() in areas:
                _postcode_rows.extend(geo.read_codepoint(path, wanted))
    return _postcode_rows


@functools.cache
def test_password_hash() -> str:
    """scrypt costs 0.2 s a hash: compute the demo accounts' hash once per run."""
    return generate_password_hash(TEST_PASSWORD)


def reset_database(app) -> None:
    """Empty schema, the demo districts' real postcodes, the demo data, known demo passwords."""
    with app.app_context():
        uri = app.config["SQLALCHEMY_DATABASE_URI"]
        if uri not in _schema_ready:
            db.drop_all()
            db.create_all()
            geo.replace_postcodes(demo_postcode_rows())
            _schema_ready.add(uri)
        else:
            for table in reversed(db.metadata.sorted_tables):
                if table.name not in STATIC_TABLES:
                    db.session.execute(table.delete())
            db.session.commit()
            if geo.postcode_count() != len(demo_postcode_rows()):  # a geo test loaded other postcodes
                geo.replace_postcodes(demo_postcode_rows())
        seed.demo(db.session)
        for user in seed.demo_accounts(db.session).values():
            user.password_hash = test_password_hash()
        db.session.commit()
        db.session.remove()


@pytest.fixture
def app():
    app = make_app()
    reset_database(app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def give_password(app, email: str) -> None:
    """Let a demo account other than the four main ones sign in with TEST_PASSWORD."""
    from placements.models import User

    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == email))
        user.password_hash = test_password_hash()
        db.session.commit()


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, role_or_email: str = "admin", password: str = TEST_PASSWORD):
        email = DEMO_EMAILS.get(role_or_email, role_or_email)
        return self.client.post("/login", data={"email": email, "password": password})

    def logout(self):
        return self.client.post("/logout")


DEMO_EMAILS = {
    "admin": seed.DEMO_ADMIN_EMAIL,
    "careers_leader": "careers1@placements.example",
    "employer": "employer1@placements.example",
    "student": "student1@placements.example",
}


@pytest.fixture
def auth(client):
    return AuthActions(client)


def link_from_outbox(body: str) -> str:
    """The path of the one-time link in an email body."""
    match = re.search(r"https?://[^/\s]+(/password/\S+)", body)
    assert match, body
    return match.group(1)
