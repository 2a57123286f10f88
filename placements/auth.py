"""Sign in and out, one-time password links, password reset without account enumeration."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from . import accounts, htmx
from .access import public, signed_in
from .extensions import db, limiter, login_manager
from .forms import ChangePasswordForm, ForgotPasswordForm, LoginForm, NewPasswordForm, status
from .models import User, utcnow

bp = Blueprint("auth", __name__)

HOME_ENDPOINTS = {
    "student": "student.home",
    "careers_leader": "school.home",
    "employer": "employer.home",
    "admin": "admin.home",
}
# Compared against when no account matches, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password-but-as-slow-as-one")


def home_url(user: User) -> str:
    return url_for(HOME_ENDPOINTS[user.role])


@login_manager.user_loader
def load_user(session_token: str) -> User | None:
    user = db.session.scalar(select(User).where(User.session_token == session_token))
    return user if user is not None and user.active else None


@login_manager.unauthorized_handler
def unauthorized():
    url = url_for("auth.login", next=request.full_path if request.method == "GET" else None)
    if htmx.is_partial():
        return htmx.client_redirect(url)
    flash("Please sign in to see that page.", "info")
    return redirect(url)


def _login_account_key() -> str:
    return "login:" + (request.form.get("email") or "").strip().lower()


def _login_failed(response) -> bool:
    return response.status_code != 302


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"], deduct_when=_login_failed)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    key_func=_login_account_key,
    methods=["POST"],
    deduct_when=_login_failed,
)
def login():
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.email == form.email.data))
        if user is None or user.password_hash is None:
            check_password_hash(_DUMMY_HASH, form.password.data)
            user = None
        elif not user.check_password(form.password.data) or not user.active:
            user = None
        if user is None:
            current_app.logger.info("login failed for an account from %s", request.remote_addr)
            form.password.errors.append("The email address or password is not right.")
            return render_template("auth/login.html", form=form), 422
        session.clear()  # a new session on login (ASVS 7.2.4)
        login_user(user)
        session.permanent = True
        session["login_at"] = time.time()
        user.last_login_at = utcnow()
        db.session.commit()
        current_app.logger.info("login succeeded for user %s", user.id)
        return redirect(_safe_next(request.args.get("next")) or home_url(user))
    return render_template("auth/login.html", form=form), status(form)


@bp.post("/logout")
@signed_in
def logout():
    # Rotating the token makes every copy of the old session cookie worthless (ASVS 7.4.1).
    current_user.rotate_session_token()
    db.session.commit()
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    response = redirect(url_for("auth.login"))
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response


@bp.route("/password/<token>", methods=["GET", "POST"])
@public
def set_password(token: str):
    row = accounts.token_user(token)
    if row is None:
        return render_template("auth/link_expired.html"), 404
    form = NewPasswordForm(email=row.user.email)
    if form.validate_on_submit():
        accounts.use_token(row, form.password.data)
        db.session.commit()
        if current_user.is_authenticated:
            logout_user()
        session.clear()
        flash("Your password is set. Sign in with it now.", "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", form=form, user=row.user), status(form)


@bp.route("/forgot-password", methods=["GET", "POST"])
@public
@limiter.limit("5 per minute", methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.email == form.email.data))
        if user is not None and user.active:
            accounts.send_reset(user)
            db.session.commit()
        # The same answer whether or not the account exists (no account enumeration).
        return render_template("auth/reset_sent.html", email=form.email.data)
    return render_template("auth/forgot_password.html", form=form), status(form)


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
def change_password():
    form = ChangePasswordForm(email=current_user.email)
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append("Your current password is not right.")
        else:
            user = current_user._get_current_object()
            user.set_password(form.password.data)  # rotates the session token: other sessions end
            db.session.commit()
            login_user(user)
            session["login_at"] = time.time()
            flash("Your password has been changed. Other devices have been signed out.", "success")
            return redirect(home_url(current_user))
    return render_template("auth/change_password.html", form=form), status(form)


@bp.get("/home")
@signed_in
def home():
    return redirect(home_url(current_user))


def _enforce_absolute_timeout():
    login_at = session.get("login_at")
    if login_at is None or not current_user.is_authenticated:
        return None
    if time.time() - login_at > current_app.config["SESSION_ABSOLUTE_HOURS"] * 3600:
        logout_user()
        session.clear()
        flash("You were signed out after a long session. Please sign in again.", "info")
    return None


def _no_store(response):
    if current_user.is_authenticated:
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    # First of the before_request hooks, so an expired session reaches the access check signed out.
    app.before_request_funcs.setdefault(None, []).insert(0, _enforce_absolute_timeout)
    app.after_request(_no_store)
