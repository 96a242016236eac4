"""Who is asking, and what their role lets them do: the same rule for pages and the API.

Sessions are signed cookies that carry the random id of a row in the ``sessions`` table (one
row a login, that is a device). Logging out ends that row only, so the person stays signed in
on their other devices while a copy of the old cookie is refused; disabling a person, changing
their role or their password ends every session they have. The API also takes a bearer token.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, abort, current_app, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import LoginManager, UserMixin, current_user

from evidence import accounts
from evidence.consent import audience_for_role

from .errors import error_response, is_api_request
from .state import evidence

login_manager = LoginManager()
RANK = {"viewer": 1, "editor": 2, "admin": 3}


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
    if not login_manager.login_view:  # no login page in this app: nothing to send them to
        abort(401)
    return redirect(url_for(login_manager.login_view, next=request.full_path.rstrip("?")))


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


# Pages a family opens from a link, with no account: the link's secret is their key.
NO_LOGIN = ("tell.tell", "tell.my_story")


def login_required_everywhere() -> Any:
    """Before every request: only the login page, static files and a family's two pages
    (a story's form, its receipt) are open to anyone."""
    endpoint = request.endpoint
    if endpoint is not None and endpoint in ("static", login_manager.login_view, *NO_LOGIN):
        return None  # (an address that matches no route is not open: endpoint is None)
    if current_user.is_authenticated:
        return None
    return current_app.login_manager.unauthorized()


def require(role: str) -> None:
    """Refuse the request (403) unless the person has ``role`` or above; note a refusal."""
    if current_user.can(role):
        return
    record_id = (request.view_args or {}).get("record_id")
    evidence().store.audit(
        current_user.name, "denied", record_id, f"{request.method} {request.path}"[:200]
    )
    abort(403, f"This needs the {role} role (you are {current_user.role})")


def role_required(role: str) -> Callable:
    """Only people with ``role`` or above may use the view."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            require(role)
            return view(*args, **kwargs)

        wrapped.required_role = role
        return wrapped

    return decorate


def audience() -> str:
    """The audience the current person reads as (consent decides what it sees)."""
    return audience_for_role(current_user.role if current_user.is_authenticated else None)


def init_app(app: Flask) -> None:
    """Logins by session or token, and a login needed for everything but the login page."""
    login_manager.init_app(app)
    app.session_interface = TokenRequestsHaveNoSession()
    app.before_request(login_required_everywhere)
