"""The login page and logging out; failed logins are limited (``ratelimit``).

Who the person is and what their role allows is the shared request layer's
(``learning.http.access``): this module only starts and ends a login.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user

from evidence import accounts
from evidence.model import NotFound
from learning.http.access import LoginUser, login_manager
from learning.http.errors import error_response
from learning.http.state import evidence

from .ratelimit import Limit, LoginLimiter

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str:
    """``target`` if it is a path on this site, else the dashboard."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return url_for("framework.dashboard")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target or any(ord(c) < 32 for c in target):
        return url_for("framework.dashboard")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = request.values.get("next", "")
    if current_user.is_authenticated and request.method != "POST":
        return redirect(safe_next(next_url))
    if request.method != "POST":
        return render_template("login.html", next=next_url, errors={}, name="")
    name = request.form.get("name", "").strip()[:64]
    password = request.form.get("password", "")
    address = request.remote_addr or "?"
    store = evidence().store
    # An unknown name may be a password typed in the wrong box: the log must not keep it.
    logged_name = name if _known(store, name) else "(unknown name)"
    limiter: LoginLimiter = current_app.extensions["wm2u-login-limiter"]
    wait = limiter.blocked(name, address)
    if wait:
        store.audit(logged_name, "login-blocked", None, f"from {address}")
        minutes = max(1, round(wait / 60))
        message = f"Too many failed attempts. Try again in {minutes} minute(s)."
        return _refused(429, "too_many_requests", message, next_url, name, int(wait) + 1)
    user = accounts.authenticate(store, name, password) if name and password else None
    if user is None:
        limiter.failed(name, address)
        store.audit(logged_name, "login-failed", None, f"from {address}")
        message = "The name or password is not right. Check them and try again."
        return _refused(401, "unauthorised", message, next_url, name)
    limiter.succeeded(name, address)
    session.clear()  # a fresh session at every login: nothing carried over from before
    login_user(LoginUser(user, accounts.start_session(store, user.id)))
    session["login_at"] = time.time()
    store.audit(user.name, "login", None, f"from {address}")
    return redirect(safe_next(next_url))


def _refused(status: int, code: str, message: str, next_url: str, name: str, retry_after: int = 0):
    """The login form again with ``message``; JSON for a client that asks for JSON."""
    headers = {"Retry-After": str(retry_after)} if retry_after else {}
    if request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json":
        response = error_response(status, code, message)
        response.headers.update(headers)
        return response
    page = render_template("login.html", next=next_url, errors={"name": message}, name=name)
    return page, status, headers


def _known(store, name: str) -> bool:
    try:
        accounts.get_user(store, name)
    except NotFound:
        return False
    return True


@bp.route("/logout", methods=["POST"])
def logout():
    store = evidence().store
    if current_user.session_id:
        accounts.end_session(store, current_user.session_id)
    store.audit(current_user.name, "logout", None, "")
    logout_user()
    session.clear()
    flash("You have logged out.", "success")
    return redirect(url_for("auth.login"))


def init_app(app) -> None:
    """The login page, its limits on failed logins, and where a person is sent to log in."""
    config = app.config
    app.extensions["wm2u-login-limiter"] = LoginLimiter(
        per_person=Limit(config["LOGIN_MAX_FAILURES"], config["LOGIN_WINDOW_SECONDS"]),
        per_name=Limit(config["LOGIN_NAME_MAX_FAILURES"], config["LOGIN_NAME_WINDOW_SECONDS"]),
        per_address=Limit(
            config["LOGIN_ADDRESS_MAX_FAILURES"], config["LOGIN_ADDRESS_WINDOW_SECONDS"]
        ),
    )
    login_manager.login_view = "auth.login"
    app.register_blueprint(bp)
