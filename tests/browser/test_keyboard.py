"""Keyboard only: the skip link comes first, and a person can sign in without a mouse."""

from __future__ import annotations

import pytest

from tests.browser.conftest import focused, tab_to
from tests.conftest import DEMO_EMAILS, TEST_PASSWORD

pytestmark = [pytest.mark.browser]

HOMES = {"admin": "/admin/", "careers_leader": "/school/", "employer": "/employer/", "student": "/student/"}


def test_skip_link_is_first_and_moves_focus_to_main(server, page):
    page.goto(server.url + "/")
    page.keyboard.press("Tab")
    first = focused(page)
    assert (first["tag"], first["href"]) == ("a", "#main"), first
    assert first["text"] == "Skip to main content"
    box = page.locator(".skip-link").bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0, f"the skip link must show on screen when focused: {box}"
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"
    # The next Tab starts inside main, not back in the header.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.getElementById('main').contains(document.activeElement)")


@pytest.mark.parametrize("role", list(HOMES))
def test_sign_in_with_the_keyboard_only(server, page, role):
    page.goto(server.url + "/")
    tab_to(page, lambda el: el["tag"] == "a" and el["text"] == "Sign in", "the header's Sign in link")
    page.keyboard.press("Enter")
    page.wait_for_url(server.url + "/login")

    tab_to(page, lambda el: el["name"] == "email", "the email field")
    page.keyboard.type(DEMO_EMAILS[role])
    page.keyboard.press("Tab")
    assert focused(page)["name"] == "password"
    page.keyboard.type(TEST_PASSWORD)
    page.keyboard.press("Enter")

    page.wait_for_url(server.url + HOMES[role])
    sign_out = page.get_by_role("button", name="Sign out")
    assert DEMO_EMAILS[role] in sign_out.text_content()
