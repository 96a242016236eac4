"""The JSON API (``/api/...``): the same records, rules and consent as the pages, as JSON."""

from __future__ import annotations

from flask import Flask

from learning.http.security import csrf

from . import (  # noqa: F401 - their routes join the API blueprint
    attachments,
    codes,
    figures,
    invitations,
    msc,
    refi,
)
from .routes import bp


def init_app(app: Flask) -> None:
    """Register the API blueprint, exempt from form CSRF."""
    # Forms' CSRF does not fit JSON; routes.check_csrf asks session writes for a header instead.
    csrf.exempt(bp)
    app.register_blueprint(bp)
