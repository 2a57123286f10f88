"""The one authorisation mechanism: every endpoint is public or guarded by roles; deny by default.

Views declare access with @public or @roles(...). A before_request hook enforces it for every
endpoint, so an undeclared view is unreachable (404) rather than open.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, abort, current_app, request
from flask_login import current_user

from .extensions import login_manager

F = TypeVar("F", bound=Callable)
PUBLIC = "public"


def public(view: F) -> F:
    view.access = PUBLIC  # type: ignore[attr-defined]
    return view


def roles(*names: str) -> Callable[[F], F]:
    def decorate(view: F) -> F:
        view.access = frozenset(names)  # type: ignore[attr-defined]
        return view

    return decorate


ANY_ROLE = ("student", "careers_leader", "employer", "admin")
signed_in = roles(*ANY_ROLE)


def access_of(app: Flask, endpoint: str):
    if endpoint == "static":
        return PUBLIC
    return getattr(app.view_functions[endpoint], "access", None)


def enforce():
    endpoint = request.endpoint
    if endpoint is None:  # no route matched: routing raises 404/405 itself
        return None
    access = access_of(current_app, endpoint)
    if access is None:
        current_app.logger.error("endpoint %s declares no access rule; denied", endpoint)
        abort(404)
    if access == PUBLIC:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.role not in access:
        current_app.logger.warning("access denied: user %s (%s) to %s", current_user.id, current_user.role, endpoint)
        abort(403)
    return None


def init_app(app: Flask) -> None:
    app.before_request(enforce)
