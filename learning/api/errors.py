"""Every API error is JSON: ``{"error": {"code", "message", "fields"}}``."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
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
