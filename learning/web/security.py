"""Headers on every answer, CSRF on every form, and the error pages."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from learning.api.errors import is_api_request

csrf = CSRFProtect()

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}
ERROR_TITLES = {
    400: "The request could not be understood",
    403: "You do not have permission to see this",
    404: "Page not found",
    405: "That cannot be done here",
    413: "That is too large to send",
    429: "Too many attempts",
    500: "Sorry, something went wrong",
}


def add_headers(response):
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.endpoint != "static":
        # Pages and API answers carry evidence about families: never keep them in a cache.
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response


def error_page(error: HTTPException):
    code = error.code or 500
    if is_api_request():
        from learning.api.errors import http_error

        return http_error(error)
    title = ERROR_TITLES.get(code, error.name)
    return render_template("error.html", code=code, title=title, error=error), code


def csrf_failed(error: CSRFError):
    if is_api_request():
        from learning.api.errors import error_response

        return error_response(400, "csrf", error.description)
    message = (
        "The form had expired or was sent from somewhere else. "
        "Go back, reload the page and try again."
    )
    return render_template(
        "error.html", code=400, title="The form could not be sent", message=message
    ), 400


def internal_error(error: Exception):
    if is_api_request():
        from learning.api.errors import error_response

        return error_response(500, "internal", "Something went wrong on the server")
    return render_template("error.html", code=500, title=ERROR_TITLES[500]), 500


def index_damaged(error: Exception):
    """The search index is a cache that is lost or damaged: say so, and how it is mended."""
    message = (
        "Search is unavailable until the search index is rebuilt "
        "(an operator runs `wm2u check --repair`). Browsing records still works."
    )
    if is_api_request():
        from learning.api.errors import error_response

        return error_response(503, "index_unavailable", message)
    return render_template(
        "error.html", code=503, title="Search is unavailable", message=message
    ), 503


def init_app(app: Flask) -> None:
    from search_index import IndexDamaged

    csrf.init_app(app)
    app.after_request(add_headers)
    app.register_error_handler(HTTPException, error_page)
    app.register_error_handler(CSRFError, csrf_failed)
    app.register_error_handler(IndexDamaged, index_damaged)
    app.register_error_handler(500, internal_error)
