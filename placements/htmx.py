"""The only module that reads HX-* request headers: page or fragment (style.md §3.6)."""

from __future__ import annotations

from flask import Response, make_response, render_template, request

VARY = ("HX-Request", "HX-Boosted", "HX-History-Restore-Request")


def is_partial() -> bool:
    """Will htmx swap this response into part of the page? (htmx 4: HX-Request-Type == "partial")"""
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"  # hx-boost swaps <body>: it needs the page
        and headers.get("HX-History-Restore-Request") != "true"  # so does the back button
    )


def render(page_template: str, fragment_template: str, /, **context) -> Response:
    """The whole page, or only the fragment when htmx will swap it into the page."""
    response = make_response(render_template(fragment_template if is_partial() else page_template, **context))
    response.vary.update(VARY)
    return response


def client_redirect(url: str) -> Response:
    return Response(status=200, headers={"HX-Redirect": url})
