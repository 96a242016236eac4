"""Logging in and out, who the current person is, and what their role lets them do.

Sessions are signed cookies that carry the random id of a row in the ``sessions`` table (one
row a login, that is a device). Logging out ends that row only, so the person stays signed in
on their other devices while a copy of the old cookie is refused; disabling a person, changing
their role or their password ends every session they have.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user

from evidence import accounts
from evidence.consent import audience_for_role
from evidence.model import NotFound
from learning.api.errors import error_response, is_api_request

from .ratelimit import Limit, LoginLimiter
from .state import evidence

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
RANK = {"viewer": 1, "editor": 2, "admin": 3}
PUBLIC_ENDPOINTS = {"auth.login", "static"}


class LoginUser(UserMixin):
    """The person making this request, as Flask-Login sees them."""

    def __init__(self, user: accounts.User, session_id: str | None = None) -> None:
        self.user = user
        self.session_id = session_id

    def get_id(self) -> str:
        return f"{self.user.id}:{self.session_id}"

    @property
    def is_active(self) -> bool:
        return not self.user.disabled

    @property
    def name(self) -> str:
        return self.user.name

    @property
    def role(self) -> str:
        return self.user.role

    @property
    def audience(self) -> str:
        return audience_for_role(self.user.role)

    def can(self, role: str) -> bool:
        """Whether this person's role is ``role`` or above it."""
        return RANK.get(self.user.role, 0) >= RANK[role]


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip()


@login_manager.user_loader
def _load_from_session(session_id: str) -> LoginUser | None:
    user_id, _, device = session_id.partition(":")
    login_at = session.get("login_at")
    max_age = current_app.config["SESSION_MAX_AGE_SECONDS"]
    if not isinstance(login_at, (int, float)) or time.time() - login_at > max_age:
        return None
    user = accounts.session_user(evidence().store, device)
    if user is None or str(user.id) != user_id:
        return None
    return LoginUser(user, device)


@login_manager.request_loader
def _load_from_token(req: Any) -> LoginUser | None:
    token = _bearer_token()
    if not token or not is_api_request():  # tokens are for the API; pages use the login form
        return None
    user = accounts.user_for_token(evidence().store, token)
    if user is None:
        return None
    g.auth_via_token = True
    return LoginUser(user)


@login_manager.unauthorized_handler
def _unauthorized():
    if is_api_request():
        return error_response(401, "unauthorised", "Log in, or send Authorization: Bearer TOKEN")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _names_token() -> bool:
    return is_api_request() and _bearer_token() is not None


class TokenRequestsHaveNoSession(SecureCookieSessionInterface):
    """An API request that names a token is judged by the token alone, never by a cookie.

    Such a request neither reads nor writes the session cookie, so Flask-Login goes straight
    to the request loader. (With the cookie read, "strong" session protection gives up on a
    cookie that holds no login, e.g. just a CSRF token, without trying the request loader, and
    a valid token sent alongside it would be refused.)
    """

    def open_session(self, app, request):
        if _names_token():
            return self.session_class()  # empty, and never saved (below)
        return super().open_session(app, request)

    def save_session(self, app, session, response) -> None:
        if _names_token():
            return
        super().save_session(app, session, response)


def login_required_everywhere() -> Any:
    """Before every request: only the login page and static files are open to anyone."""
    if request.endpoint in PUBLIC_ENDPOINTS or current_user.is_authenticated:
        return None
    return current_app.login_manager.unauthorized()


def deny() -> None:
    """Refuse the request (403) and note the refusal in the audit log."""
    record_id = (request.view_args or {}).get("record_id")
    evidence().store.audit(
        current_user.name, "denied", record_id, f"{request.method} {request.path}"[:200]
    )
    abort(403)


def role_required(role: str) -> Callable:
    """Only people with ``role`` or above may use the view."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.can(role):
                deny()
            return view(*args, **kwargs)

        wrapped.required_role = role
        return wrapped

    return decorate


def audience() -> str:
    """The audience the current person reads as (consent decides what it sees)."""
    return audience_for_role(current_user.role if current_user.is_authenticated else None)


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
    login_manager.init_app(app)
    config = app.config
    app.extensions["wm2u-login-limiter"] = LoginLimiter(
        per_person=Limit(config["LOGIN_MAX_FAILURES"], config["LOGIN_WINDOW_SECONDS"]),
        per_name=Limit(config["LOGIN_NAME_MAX_FAILURES"], config["LOGIN_NAME_WINDOW_SECONDS"]),
        per_address=Limit(
            config["LOGIN_ADDRESS_MAX_FAILURES"], config["LOGIN_ADDRESS_WINDOW_SECONDS"]
        ),
    )
    app.session_interface = TokenRequestsHaveNoSession()
    app.before_request(login_required_everywhere)
    app.register_blueprint(bp)
