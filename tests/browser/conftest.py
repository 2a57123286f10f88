"""Browser tests: Playwright drives Debian's Chromium against the app served on a loopback port.

The server is real (werkzeug in a thread, CSRF on), with a fresh database of demo data per test
module: a temporary SQLite file by default (the server thread needs its own connections, so not
`sqlite://`), or the PostgreSQL database named by DATABASE_URL, as tests/conftest.py does.
"""

from __future__ import annotations

import os
import shutil
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from werkzeug.serving import make_server

from placements.extensions import db, limiter
from tests.conftest import DATABASE_URI, DEMO_EMAILS, TEST_PASSWORD, make_app, reset_database

CHROMIUM_ARGS = [
    "--no-sandbox",  # root cannot use Chromium's sandbox
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BLOCKING = {"serious", "critical"}  # axe-core impacts that fail a test
MAX_TABS = 40


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    executable = shutil.which("chromium")
    if executable is None:
        message = "Chromium is not installed: apt-get install chromium (bin/test does it as root)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return {**browser_type_launch_args, "executable_path": executable, "args": CHROMIUM_ARGS}


@dataclass
class LiveServer:
    app: Flask
    url: str

    def path(self, url: str) -> str:
        """The path (and query) of a URL on this server."""
        parts = urlsplit(url)
        return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app with CSRF on, served in a thread on a free loopback port, over fresh demo data."""
    uri = DATABASE_URI
    if uri.startswith("sqlite"):
        uri = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'placements.sqlite'}"
    app = make_app(SQLALCHEMY_DATABASE_URI=uri, WTF_CSRF_ENABLED=True, SERVER_NAME=None)
    reset_database(app)
    with app.app_context():
        limiter.reset()
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield LiveServer(app=app, url=f"http://127.0.0.1:{httpd.server_port}")
    httpd.shutdown()
    thread.join(timeout=10)
    httpd.server_close()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def sign_in(page, server: LiveServer, role_or_email: str) -> None:
    """Sign in through the real form as the demo account for a role, or as any account with TEST_PASSWORD."""
    page.goto(server.url + "/login")
    page.get_by_label("Email address").fill(DEMO_EMAILS.get(role_or_email, role_or_email))
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    # hx-boost submits the form by fetch and pushes the URL it was redirected to.
    page.wait_for_url(lambda url: urlsplit(url).path != "/login")


@pytest.fixture(scope="module")
def axe():
    return Axe()


def blocking(violations: list[dict]) -> list[str]:
    """axe-core's serious and critical violations, one line each."""
    lines = []
    for v in violations:
        if v.get("impact") in BLOCKING:
            targets = ", ".join(" ".join(node["target"]) for node in v["nodes"][:5])
            lines.append(f"{v['impact']} {v['id']}: {v['help']} [{targets}] {v['helpUrl']}")
    return lines


def check(page, axe, where: str) -> list[str]:
    """Run axe-core on the page as it is now: its blocking violations, each prefixed with where."""
    return [f"{where}: {line}" for line in blocking(axe.run(page).response["violations"])]


def focused(page) -> dict:
    """What has keyboard focus: tag, text, href (path), id."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            return {tag: el.tagName.toLowerCase(), text: (el.innerText || el.value || "").trim(),
                    href: el.getAttribute("href"), id: el.id, name: el.getAttribute("name")};
        }"""
    )


def tab_to(page, wanted, what: str) -> dict:
    """Press Tab until wanted(focused element) is true."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        element = focused(page)
        if wanted(element):
            return element
    raise AssertionError(f"{what} not reached in {MAX_TABS} presses of Tab")
