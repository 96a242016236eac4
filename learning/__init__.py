"""WM2U Evidence: the application (framework, web UI and API, CLI, learning updates).

``create_app`` builds the Flask app: configuration from defaults, then the data dir's
``config.py``, then ``WM2U_*`` environment variables, then the dict the caller passes.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

DEFAULTS: dict[str, Any] = {
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    "SESSION_COOKIE_NAME": "wm2u_session",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,
    "SESSION_PROTECTION": "strong",
    # A login lasts a working day at most, however long the browser stays open.
    "SESSION_MAX_AGE_SECONDS": 12 * 3600,
    # The CSRF token lives as long as the login (a long form must still save).
    "WTF_CSRF_TIME_LIMIT": None,
    # Failed logins (see learning/web/ratelimit.py): per name and address, per name from
    # anywhere (slower), per address whatever the name.
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_WINDOW_SECONDS": 15 * 60,
    "LOGIN_NAME_MAX_FAILURES": 50,
    "LOGIN_NAME_WINDOW_SECONDS": 3600,
    "LOGIN_ADDRESS_MAX_FAILURES": 50,
    "LOGIN_ADDRESS_WINDOW_SECONDS": 15 * 60,
    # How often a background thread applies index work left queued (0 turns it off).
    "INDEX_CATCHUP_SECONDS": 30,
    "PER_PAGE": 20,
    # How many reverse proxies in front of the app add to X-Forwarded-For (0: trust none).
    "TRUSTED_PROXIES": 0,
    "EVIDENCE_POOL_SIZE": 16,
}


def create_app(config: dict[str, Any] | None = None):
    """Build the web UI and JSON API over one data dir."""
    from flask import Flask

    from learning.services import resolve_data_dir

    config = dict(config or {})
    data_dir = resolve_data_dir(config.get("DATA_DIR")).resolve()
    app = Flask(
        __name__,
        instance_path=str(data_dir),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(DEFAULTS)
    app.config.from_pyfile(str(data_dir / "config.py"), silent=True)
    app.config.from_prefixed_env("WM2U")
    app.config.update(config)
    app.config["DATA_DIR"] = str(data_dir)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _persistent_secret_key(data_dir)

    app.config["ATTACHMENT_BYTES"] = _attachment_bytes(app.config.get("MAX_ATTACHMENT_MB"))
    proxies = _trusted_proxies(app.config["TRUSTED_PROXIES"])
    app.config["TRUSTED_PROXIES"] = proxies

    from learning import api, http, web

    http.init_app(app)  # the request layer both share; neither web nor api imports the other
    web.init_app(app)
    api.init_app(app)
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # The client's address is the one the last N proxies saw (login limits, audit log).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies)
    return app


class ConfigError(ValueError):
    """A setting the app cannot start with; the message names it."""


def _trusted_proxies(value: Any) -> int:
    """``TRUSTED_PROXIES`` as a whole number of proxies, 0 or more."""
    from evidence.validate import whole_number  # "²" is a digit to isdigit(), not to int()

    if isinstance(value, str) and whole_number(value) is not None:
        value = whole_number(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(
            "WM2U_TRUSTED_PROXIES (the TRUSTED_PROXIES setting) must be a whole number, 0 or "
            "more: how many reverse proxies in front of the app add to X-Forwarded-For "
            f"(0 trusts none), not {value!r}"
        )
    return value


def _attachment_bytes(value: Any) -> int:
    """The largest attachment in bytes (``MAX_ATTACHMENT_MB``, else the environment, else 25)."""
    from learning.attachments.service import max_bytes

    try:
        return max_bytes(value)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _persistent_secret_key(data_dir: Path) -> str:
    """The data dir's secret key, made once and kept (0600) so logins survive restarts."""
    path = data_dir / "secret_key"
    try:
        key = path.read_text(encoding="ascii").strip()
        if key:
            return key
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    tmp = path.with_name(f"secret_key.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key + "\n")
    try:
        # Two workers starting at once must agree on one key: the first link wins.
        os.link(tmp, path)
    except FileExistsError:
        key = path.read_text(encoding="ascii").strip()
    finally:
        tmp.unlink(missing_ok=True)
    return key
