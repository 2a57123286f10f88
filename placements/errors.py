"""Generic error pages: a clear message, no stack trace, and a rolled-back transaction."""

from __future__ import annotations

from flask import Flask, current_app, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from . import htmx
from .extensions import db

MESSAGES = {
    400: ("Something was wrong with that request", "Go back, check what you entered and try again."),
    403: ("You cannot see that page", "Your account does not give access to it."),
    404: ("Page not found", "Check the address, or go back to your home page."),
    405: ("That did not work", "This page cannot be used that way."),
    413: ("That upload is too large", "Files can be at most 10 MB."),
    429: ("Too many attempts", "Wait a minute, then try again."),
    500: ("Sorry, something went wrong", "Nothing was saved. Try again in a moment."),
}


def render_error(code: int, detail: str | None = None):
    title, hint = MESSAGES.get(code, MESSAGES[400])
    response = make_response(render_template("errors/error.html", code=code, title=title, hint=detail or hint), code)
    if htmx.is_partial():
        # An error page replaces the whole page, not the fragment the request was aiming at.
        response.headers.update({"HX-Retarget": "body", "HX-Reswap": "innerHTML"})
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        current_app.logger.warning("CSRF failure on %s %s: %s", request.method, request.path, error.description)
        return render_error(
            400, "This form has expired or was not sent from Placements. Reload the page and try again."
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        if isinstance(error, SecurityError):
            # A Host not in TRUSTED_HOSTS: no URLs can be built for it, so no page either.
            return make_response("Unknown host.", 400, {"Content-Type": "text/plain; charset=utf-8"})
        if error.code == 429:
            current_app.logger.warning("rate limit hit on %s from %s", request.path, request.remote_addr)
        return render_error(error.code)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        db.session.rollback()
        current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
        if current_app.testing or current_app.config.get("PROPAGATE_EXCEPTIONS"):
            raise error
        return render_error(InternalServerError.code)
