"""Pages anyone can see without signing in."""

from __future__ import annotations

from flask import Blueprint, render_template

from .access import public

bp = Blueprint("public", __name__)


@bp.get("/")
@public
def index():
    return render_template("public/index.html")


@bp.get("/privacy")
@public
def privacy():
    return render_template("public/privacy.html")


@bp.get("/accessibility")
@public
def accessibility():
    return render_template("public/accessibility.html")
