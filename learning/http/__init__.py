"""The request layer that the pages (``learning.web``) and the API (``learning.api``) share.

Each request's ``Evidence`` (``state``), who is asking and what their role allows
(``access``), the headers and CSRF on every answer (``security``), errors as pages or JSON
(``errors``), and learning-update documents (``documents``). Neither ``web`` nor ``api``
imports the other: both import this.
"""

from __future__ import annotations

from flask import Flask

from . import access, errors, security, state


def init_app(app: Flask) -> None:
    """Set up the data dir's pool, logins, security headers, CSRF and error handling."""
    state.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    access.init_app(app)
