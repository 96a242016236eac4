"""Headers on every answer, and CSRF on every form (API writes: see ``api.routes.check_csrf``)."""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_wtf.csrf import CSRFProtect

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


def add_headers(response):
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.endpoint != "static":
        # Pages and API answers carry evidence about families: never keep them in a cache.
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response


# The routes that take a file: their bodies may be as large as an attachment may be.
UPLOADS = {"api.attach_file", "records.attach"}
UPLOAD_SLACK = 1024 * 1024  # the multipart framing and the form's other fields


def allow_uploads() -> None:
    """Let a file through where one is taken (the limit is checked again on its bytes);
    the body is still read no further than the limit (werkzeug stops the stream there)."""
    if request.endpoint in UPLOADS:
        request.max_content_length = current_app.config["ATTACHMENT_BYTES"] + UPLOAD_SLACK


def init_app(app: Flask) -> None:
    app.before_request(allow_uploads)  # before CSRF, which reads the form
    csrf.init_app(app)
    app.after_request(add_headers)
