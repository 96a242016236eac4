"""The JSON API (``/api/...``): the same records, rules and consent as the pages, as JSON.

Kept free of imports at the top so that ``learning.api.errors`` can be used by the pages.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the API blueprint, its JSON errors, and exempt it from form CSRF."""
    from learning.web.security import csrf

    from . import codes, figures  # noqa: F401 - their routes join the API blueprint
    from .routes import bp

    # Forms' CSRF does not fit JSON; routes.check_csrf asks session writes for a header instead.
    csrf.exempt(bp)
    app.register_blueprint(bp)
