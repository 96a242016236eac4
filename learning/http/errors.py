"""Every error, as JSON for the API (``{"error": {"code", "message", "fields"}}``) and as a
page otherwise."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

CODES = {
    400: "bad_request",
    401: "unauthorised",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "bad_request",
    422: "invalid",
    429: "too_many_requests",
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


class ApiError(Exception):
    """Raised by a view to answer with an error; the handler turns it into JSON."""

    def __init__(
        self,
        status: int,
        message: str,
        fields: dict[str, str] | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.fields = fields or {}
        self.code = code or CODES.get(status, "error")


def is_api_request() -> bool:
    """Whether the request is for the JSON API (even a path that matches no route)."""
    return request.blueprint == "api" or request.path == "/api" or request.path.startswith("/api/")


def error_response(status: int, code: str, message: str, fields: dict[str, Any] | None = None):
    response = jsonify({"error": {"code": code, "message": message, "fields": fields or {}}})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="wm2u"'
    return response


def api_error(error: ApiError):
    return error_response(error.status, error.code, error.message, error.fields)


def http_error(error: HTTPException):
    status = error.code or 500
    # 415 is answered as 400: the contract's statuses are 400, 401, 403, 404, 409, 413, 422.
    if status == 415:
        status = 400
    message = {
        405: f"{request.method} is not allowed on {request.path}",
        413: "The request is too large",
    }.get(status, error.description or error.name)
    response = error_response(status, CODES.get(status, "error"), message)
    if status == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def error_page(error: HTTPException):
    code = error.code or 500
    if is_api_request():
        return http_error(error)
    title = ERROR_TITLES.get(code, error.name)
    return render_template("error.html", code=code, title=title, error=error), code


def csrf_failed(error: CSRFError):
    if is_api_request():
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
        return error_response(500, "internal", "Something went wrong on the server")
    return render_template("error.html", code=500, title=ERROR_TITLES[500]), 500


def index_damaged(error: Exception):
    """The search index is a cache that is lost or damaged: say so, and how it is mended."""
    message = (
        "Search is unavailable until the search index is rebuilt "
        "(an operator runs `wm2u check --repair`). Browsing records still works."
    )
    if is_api_request():
        return error_response(503, "index_unavailable", message)
    return render_template(
        "error.html", code=503, title="Search is unavailable", message=message
    ), 503


def init_app(app: Flask) -> None:
    from search_index import IndexDamaged

    app.register_error_handler(HTTPException, error_page)
    app.register_error_handler(CSRFError, csrf_failed)
    app.register_error_handler(IndexDamaged, index_damaged)
    app.register_error_handler(500, internal_error)
