"""In-app notifications for every role: the list, marking read, and the unread count in the nav."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from placements.extensions import db
from placements.models import Notification, User, utcnow
from tests.conftest import DEMO_EMAILS
from tests.discover_helpers import add_placement, counted_queries

ROLES = ("student", "careers_leader", "employer", "admin")


def _user_id(app, role_or_email: str) -> int:
    email = DEMO_EMAILS.get(role_or_email, role_or_email)
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def _notify(app, user_id: int, message: str, link: str | None = "/home", *, minutes_ago: int = 0, read=False) -> int:
    with app.app_context():
        at = utcnow() - timedelta(minutes=minutes_ago)
        note = Notification(user_id=user_id, message=message, link=link, at=at, read_at=at if read else None)
        db.session.add(note)
        db.session.commit()
        return note.id


def _read_at(app, notification_id: int):
    with app.app_context():
        return db.session.get(Notification, notification_id).read_at


def _nav(html: str) -> str:
    return html[html.index('<nav aria-label="Main">') : html.index("</nav>")]


@pytest.mark.parametrize("role", ROLES)
def test_every_role_sees_its_unread_count_in_the_nav(client, auth, app, role):
    auth.login(role)
    assert '<a href="/notifications/">Notifications</a>' in _nav(client.get("/home", follow_redirects=True).text)
    me = _user_id(app, role)
    _notify(app, me, "One")
    _notify(app, me, "Two")
    _notify(app, me, "Old news", read=True)
    _notify(app, _user_id(app, "student2@placements.example"), "Someone else's")
    html = client.get("/home", follow_redirects=True).text
    assert '<a href="/notifications/">Notifications (2 unread)</a>' in _nav(html)


def test_the_nav_count_is_one_query(client, auth, app):
    auth.login("careers_leader")
    _notify(app, _user_id(app, "careers_leader"), "Hello")
    with counted_queries(app) as statements:
        html = client.get("/notifications/").text  # the count is used by the nav and the page
    assert "Notifications (1 unread)" in html
    counts = [s for s in statements if "count(" in s.lower() and "FROM notification" in s]
    # One for the nav (shared with the page's own sentence), one for the page's pagination total.
    assert len(counts) == 2, counts
    assert sum("read_at IS NULL" in s for s in counts) == 1


def test_the_list_is_newest_first_marks_unread_and_shows_only_mine(client, auth, app):
    me = _user_id(app, "employer")
    _notify(app, me, "Older and read", minutes_ago=30, read=True)
    _notify(app, me, "Newest, unread", minutes_ago=1)
    _notify(app, me, "Middle, unread", minutes_ago=10)
    _notify(app, _user_id(app, "student"), "For the student only")
    auth.login("employer")
    response = client.get("/notifications/")
    html = response.text
    assert response.status_code == 200
    assert html.index("Newest, unread") < html.index("Middle, unread") < html.index("Older and read")
    assert '<span class="tag tag-pending">Unread</span> <strong>Newest, unread</strong>' in html
    assert '<span class="tag tag-pending">Unread</span> <strong>Middle, unread</strong>' in html
    assert "Unread</span> <strong>Older and read" not in html
    assert "For the student only" not in html
    assert "3 notifications, newest first.\n      2 are unread." in html
    # Looking changes nothing (no state change on GET).
    assert "Notifications (2 unread)" in client.get("/notifications/").text


def test_opening_an_unread_one_marks_it_read_and_follows_its_link(client, auth, app):
    note = _notify(app, _user_id(app, "student"), "Your application moved on.", link="/student/applications/")
    auth.login("student")
    html = client.get("/notifications/").text
    assert f'action="/notifications/{note}/read"' in html
    assert (
        'name="open" value="1" class="button">Open<span class="visually-hidden"> – Your application moved on.' in html
    )
    response = client.post(f"/notifications/{note}/read", data={"open": "1", "page": "1"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/student/applications/"
    assert _read_at(app, note) is not None
    html = client.get("/notifications/").text
    assert '<a href="/student/applications/">Open<span class="visually-hidden"> – Your application moved on.' in html
    assert "Notifications (" not in _nav(html)


def test_mark_as_read_returns_to_the_same_page_of_the_list(client, auth, app):
    note = _notify(app, _user_id(app, "student"), "Hello")
    auth.login("student")
    response = client.post(f"/notifications/{note}/read", data={"page": "3"})
    assert response.status_code == 303 and response.headers["Location"] == "/notifications/?page=3"
    assert _read_at(app, note) is not None
    response = client.post(f"/notifications/{note}/read", data={"page": "nonsense"})  # again: harmless
    assert response.headers["Location"] == "/notifications/"


@pytest.mark.parametrize("link", ["//evil.example/x", "https://evil.example/", "/\\evil.example", None])
def test_a_link_that_leaves_the_site_is_never_followed(client, auth, app, link):
    note = _notify(app, _user_id(app, "student"), "Odd link", link=link)
    auth.login("student")
    assert "Open<span" not in client.get("/notifications/").text
    response = client.post(f"/notifications/{note}/read", data={"open": "1"})
    assert response.status_code == 303 and response.headers["Location"] == "/notifications/"


def test_someone_elses_notification_is_not_found(client, auth, app):
    theirs = _notify(app, _user_id(app, "careers_leader"), "Private to the careers leader")
    auth.login("student")
    assert client.post(f"/notifications/{theirs}/read", data={"open": "1"}).status_code == 404
    assert client.post("/notifications/999999/read").status_code == 404
    assert _read_at(app, theirs) is None


def test_mark_all_as_read_touches_only_mine(client, auth, app):
    mine = [_notify(app, _user_id(app, "student"), f"Mine {n}") for n in range(3)]
    theirs = _notify(app, _user_id(app, "employer"), "Theirs")
    auth.login("student")
    assert "Mark all as read" in client.get("/notifications/").text
    response = client.post("/notifications/read-all")
    assert response.status_code == 303 and response.headers["Location"] == "/notifications/"
    assert all(_read_at(app, n) is not None for n in mine)
    assert _read_at(app, theirs) is None
    html = client.get("/notifications/").text
    assert "All your notifications are marked as read." in html
    assert "Mark all as read" not in html and "You have read them all." in html


def test_no_notifications_yet(client, auth):
    auth.login("admin")
    html = client.get("/notifications/").text
    assert "You have no notifications." in html and "Mark all as read" not in html


def test_the_list_is_paginated(client, auth, app):
    app.config["PAGE_SIZE"] = 2
    me = _user_id(app, "student")
    for n in range(5):
        _notify(app, me, f"Message {n}", minutes_ago=n)
    auth.login("student")
    first = client.get("/notifications/").text
    assert "Message 0" in first and "Message 2" not in first and "Page 1 of 3" in first
    last = client.get("/notifications/?page=3").text
    assert "Message 4" in last and "Message 0" not in last


def test_signed_out_visitors_are_sent_to_sign_in(client, app):
    note = _notify(app, _user_id(app, "student"), "Hello")
    for method, path in [("GET", "/notifications/"), ("POST", f"/notifications/{note}/read")]:
        response = client.open(path, method=method)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert _read_at(app, note) is None


def test_applying_notifies_the_careers_leader_who_opens_it(client, auth, app):
    """End to end through the views: the student applies; the careers leader sees it in their list."""
    placement_id = add_placement(app, "Studio visit", years=(7, 8, 9, 10, 11, 12, 13))
    auth.login("student")
    location = client.post(f"/student/applications/new/{placement_id}", data={"answer": "Hi"}).headers["Location"]
    application_id = int(location.rsplit("/", 1)[1])
    auth.logout()
    auth.login("careers_leader")
    html = client.get("/notifications/").text
    assert "Notifications (1 unread)" in html
    assert "applied to Studio visit." in html
    with app.app_context():
        note = db.session.scalar(select(Notification).where(Notification.user_id == _user_id(app, "careers_leader")))
        assert note.link == f"/school/applications/{application_id}"
    response = client.post(f"/notifications/{note.id}/read", data={"open": "1"})
    assert response.headers["Location"] == f"/school/applications/{application_id}"
