"""Headers, cookies, CSRF, body limits and production start-up (security.md A1, A3)."""

from __future__ import annotations

import pytest
from flask import request
from sqlalchemy import func, select

from placements import create_app
from placements.access import public
from placements.extensions import db
from placements.models import School
from tests.conftest import DEMO_EMAILS, TEST_PASSWORD, make_app, reset_database

HX = {"HX-Request": "true"}


@pytest.mark.parametrize("path", ["/", "/login", "/privacy", "/employers/register", "/no-such-page"])
def test_security_headers_on_public_pages(client, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    ("role", "path"),
    [("student", "/student/"), ("careers_leader", "/school/"), ("admin", "/admin/"), ("employer", "/employer/")],
)
def test_signed_in_pages_are_not_stored(client, auth, role, path):
    auth.login(role)
    assert client.get(path).headers["Cache-Control"] == "no-store"


def test_public_pages_may_be_cached(client):
    assert "no-store" not in client.get("/privacy").headers.get("Cache-Control", "")


def test_templates_contain_no_inline_scripts(client):
    html = client.get("/login").text
    assert "<script>" not in html and "onclick=" not in html
    assert 'hx-headers=\'{"X-CSRFToken"' in html


def test_post_without_csrf_token_is_refused_and_writes_nothing():
    app = make_app(WTF_CSRF_ENABLED=True)
    reset_database(app)
    client = app.test_client()
    response = client.post("/employers/register", data={"organisation_name": "Sneaky Ltd"})
    assert response.status_code == 400
    assert "This form has expired" in response.text


def test_htmx_post_with_csrf_header_is_accepted_and_without_it_refused():
    app = make_app(WTF_CSRF_ENABLED=True)
    reset_database(app)
    client = app.test_client()
    page = client.get("/login").text
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    data = {"email": DEMO_EMAILS["admin"], "password": TEST_PASSWORD}
    assert client.post("/login", data=data, headers=HX).status_code == 400
    assert client.post("/login", data=data, headers=HX | {"X-CSRFToken": token}).status_code == 302


def test_oversized_body_is_refused(app, client, auth):
    auth.login("admin")
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/admin/schools/new", data={"name": "x" * 5000, "urn": "123456", "postcode": "SE5 8UH"})
    assert response.status_code == 413
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(School)) == 3


def test_development_cookies_are_http_only_and_same_site(client, auth):
    response = auth.login("admin")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_refuses_to_start_without_a_real_secret(monkeypatch):
    monkeypatch.setenv("PLACEMENTS_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_production_refuses_to_start_without_trusted_hosts(monkeypatch, tmp_path):
    monkeypatch.setenv("PLACEMENTS_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 48)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/prod.sqlite")
    monkeypatch.delenv("TRUSTED_HOSTS", raising=False)
    with pytest.raises(RuntimeError, match="TRUSTED_HOSTS"):
        create_app()
    monkeypatch.setenv("TRUSTED_HOSTS", "placements.example.org")
    app = create_app()
    assert app.test_client().get("/", base_url="https://evil.example").status_code == 400
    assert app.test_client().get("/", base_url="https://placements.example.org").status_code == 200


def test_production_cookies_are_secure_with_host_prefix(monkeypatch, tmp_path):
    monkeypatch.setenv("PLACEMENTS_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 48)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/prod.sqlite")
    monkeypatch.setenv("TRUSTED_HOSTS", "localhost")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-session"
    response = app.test_client().get("/", base_url="https://localhost")
    assert "max-age=31536000; includeSubDomains" in response.headers["Strict-Transport-Security"]
    assert app.test_client().get("/", base_url="http://localhost").status_code in (301, 302)


def test_database_url_uses_psycopg3():
    from placements import database_url

    assert database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url("sqlite:///x.sqlite") == "sqlite:///x.sqlite"


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.text and "Traceback" not in response.text


def test_wrong_method_is_a_405_page(client):
    response = client.get("/logout")
    assert response.status_code == 405
    assert "That did not work" in response.text


def test_behind_a_proxy_the_real_client_address_is_used(monkeypatch, tmp_path):
    monkeypatch.setenv("PLACEMENTS_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 48)
    monkeypatch.setenv("PROXY_HOPS", "1")
    monkeypatch.setenv("TRUSTED_HOSTS", "localhost")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/prod.sqlite")
    app = create_app()
    seen = {}
    app.add_url_rule("/whoami", "whoami", public(lambda: seen.setdefault("ip", request.remote_addr) or "ok"))
    app.test_client().get(
        "/whoami",
        base_url="https://localhost",
        headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"},
    )
    assert seen["ip"] == "203.0.113.9"
