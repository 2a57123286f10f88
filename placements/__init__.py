"""Placements: work experience for every secondary-school student in England."""

from __future__ import annotations

import os
from datetime import timedelta

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from . import (
    access,
    admin,
    applicants,
    applying,
    auth,
    browse,
    careers_record,
    cli,
    employer,
    errors,
    extensions,
    notifications,
    oversight,
    public,
    recommend,
    rounds,
    school,
    student,
    vocab,
    workflow,
)

DEV_SECRET = "dev-only-not-a-secret"  # noqa: S105 (the value production refuses)


def database_url(url: str | None) -> str | None:
    """Use psycopg 3 for plain postgres:// and postgresql:// URLs."""
    if not url:
        return None
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` capped at the largest INTEGER PostgreSQL stores."""

    def __init__(self, map, fixed_digits=0, min=None, max=2**31 - 1, signed=False) -> None:  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    # Ids in URLs fit the database's 32-bit integers: a longer number is a 404, not an overflow error.
    app.url_map.converters["int"] = DatabaseIdConverter
    env = os.environ
    app.config.from_mapping(
        ENV_NAME=env.get("PLACEMENTS_ENV", "development"),
        SECRET_KEY=env.get("SECRET_KEY", DEV_SECRET),
        SQLALCHEMY_DATABASE_URI=database_url(env.get("DATABASE_URL")) or "sqlite:///placements.sqlite",
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        MAX_CONTENT_LENGTH=10 * 1024 * 1024,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=2),  # idle timeout (the cookie's signed age)
        SESSION_ABSOLUTE_HOURS=12,
        SESSION_COOKIE_SECURE=False,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        RATELIMIT_STORAGE_URI=env.get("RATELIMIT_STORAGE_URI", "memory://"),
        RATELIMIT_HEADERS_ENABLED=True,
        LOGIN_LIMIT_PER_ACCOUNT="5 per minute",
        LOGIN_LIMIT_PER_IP="30 per minute",
        MAIL_SERVER=env.get("MAIL_SERVER"),
        MAIL_PORT=int(env.get("MAIL_PORT", "587")),
        MAIL_USERNAME=env.get("MAIL_USERNAME"),
        MAIL_PASSWORD=env.get("MAIL_PASSWORD"),
        MAIL_FROM=env.get("MAIL_FROM", "placements@localhost"),
        SET_PASSWORD_LINK_HOURS=72,
        RESET_PASSWORD_LINK_MINUTES=30,
        PAGE_SIZE=25,
        ALLOCATION_MAX_CHOICES=5,  # how many placements a student may rank in an allocation round, by default
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.update(test_config)
    if app.config["ENV_NAME"] == "production":
        _harden(app)
    os.makedirs(app.instance_path, exist_ok=True)

    extensions.init_app(app)
    access.init_app(app)
    auth.init_app(app)
    errors.init_app(app)
    for module in (
        public,
        browse,
        auth,
        admin,
        school,
        student,
        recommend,
        employer,
        applying,
        oversight,
        applicants,
        notifications,
        rounds,
        careers_record,
    ):
        app.register_blueprint(module.bp)
    app.register_blueprint(rounds.student_bp)
    app.register_blueprint(careers_record.student_bp)
    cli.init_app(app)

    @app.context_processor
    def _vocabularies() -> dict:
        return {"vocab": vocab, "workflow": workflow}

    return app


def _harden(app: Flask) -> None:
    """Production refuses to start with a missing or development secret."""
    secret = app.config.get("SECRET_KEY") or ""
    if secret == DEV_SECRET or len(secret) < 32:
        raise RuntimeError(
            "SECRET_KEY must be set to a random value of at least 32 characters in production, e.g. "
            "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    app.config.update(
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_NAME="__Host-session",
        PREFERRED_URL_SCHEME="https",
    )
    hops = int(os.environ.get("PROXY_HOPS", "0") or 0)
    if hops:
        # Behind a TLS proxy: trust exactly that many X-Forwarded-* hops, so the rate limiter keys on
        # the real client address and url_for builds https links (ASVS 15.3.4).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    # Emails carry links built from the request's Host header: without a list of our own host names,
    # anyone could send a request that puts their site into another user's email.
    hosts = [h.strip() for h in os.environ.get("TRUSTED_HOSTS", "").split(",") if h.strip()]
    if not hosts:
        raise RuntimeError(
            "TRUSTED_HOSTS must list the host names the app answers to in production, e.g. "
            "TRUSTED_HOSTS=placements.example.org"
        )
    app.config["TRUSTED_HOSTS"] = hosts
