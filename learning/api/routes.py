"""The JSON API: records, search, the framework and learning updates (see interface.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, g, jsonify, request, url_for
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from werkzeug.exceptions import BadRequest
from wtforms.validators import ValidationError as CSRFValidationError

from evidence.consent import EXTERNAL
from evidence.model import Conflict, NotFound, ValidationError
from evidence.store import RecordFilter
from evidence.validate import ID_PATTERN, whole_number
from learning import reporting, saved_updates
from learning.http import documents
from learning.http.access import audience, require
from learning.http.errors import ApiError, api_error
from learning.http.state import evidence
from learning.progress import rate, ratings_for
from learning.updates import render_markdown
from learning.updates.request import UpdateRequest

from .openapi import described, openapi_document
from .schemas import DATE, DOCUMENT_FORMAT, DOCUMENT_TYPES, FILTERS, PAGE, parameter

bp = Blueprint("api", __name__, url_prefix="/api")
MAX_PER_PAGE = 100
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@bp.before_request
def check_csrf() -> None:
    """Writes with the session cookie must carry the page's CSRF token in X-CSRFToken.

    A bearer token cannot be sent by another site's page, so token requests need no more.
    """
    if request.method in SAFE_METHODS or g.get("auth_via_token"):
        return
    token = request.headers.get("X-CSRFToken") or request.headers.get("X-CSRF-Token")
    try:
        validate_csrf(token)
    except CSRFValidationError as exc:
        raise ApiError(
            400,
            f"CSRF check failed: {exc}. Send the X-CSRFToken header "
            "(or use Authorization: Bearer TOKEN).",
            code="csrf",
        ) from None


def json_body() -> Any:
    """The request's JSON; 400 when it is not JSON or cannot be read."""
    if not request.is_json:
        raise ApiError(400, "Send the body as JSON (Content-Type: application/json)")
    try:
        return request.get_json()
    except BadRequest:
        raise ApiError(400, "The body is not valid JSON") from None
    except RecursionError:
        raise ApiError(400, "The body is nested too deeply") from None


def record_id_or_404(record_id: str) -> str:
    if not ID_PATTERN.match(record_id):
        raise ApiError(404, f"No record {record_id[:64]!r}")
    return record_id


def _int_arg(name: str, default: int, highest: int) -> int:
    value = request.args.get(name)
    if value is None or value == "":
        return default
    number = whole_number(value)
    if number is None or not 1 <= number <= highest:
        raise ApiError(
            400,
            f"{name} must be a whole number from 1 to {highest}",
            {name: f"must be a whole number from 1 to {highest}"},
        )
    return number


def _date_arg(name: str) -> str | None:
    value = request.args.get(name)
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise ApiError(
            400,
            f"{name} must be a date written YYYY-MM-DD",
            {name: "must be a date written YYYY-MM-DD"},
        ) from None


def _codes_arg(name: str, known: Any) -> list[str]:
    values = [v for v in request.args.getlist(name) if v]
    unknown = [v for v in values if v not in known]
    if unknown:
        raise ApiError(
            400,
            f"unknown {name}: {', '.join(unknown)[:200]}",
            {name: f"unknown {name} {', '.join(unknown)[:200]}"},
        )
    return values


def _filters() -> dict[str, Any]:
    known = evidence().plans.codes()  # records of every plan the data dir holds are read
    return {
        "type": _codes_arg("type", known["record_types"]),
        "indicator": _codes_arg("indicator", known["indicators"]),
        "locality": _codes_arg("locality", known["localities"]),
        "from": _date_arg("from"),
        "to": _date_arg("to"),
    }


@bp.route("/framework")
@described(
    "The plan in force today, or on the day given",
    {
        200: (
            {"type": "object"},
            "The plan (framework), with `in_force`: {from, to} (from null for the first plan, "
            "to null for the plan in force)",
        )
    },
    query=[parameter("date", "The plan in force on this day, YYYY-MM-DD (default: today)", DATE)],
    operation_id="getFramework",
)
def framework():
    """The plan in force today, or on ``?date=``."""
    return jsonify(evidence().plan_on(_date_arg("date")).framework_dict())


@bp.route("/frameworks")
@described(
    "Every plan this data dir has held, with the dates each was in force",
    {200: ("PlanList", "The plans, oldest first")},
    operation_id="listFrameworks",
)
def frameworks():
    return jsonify({"plans": [p.to_dict() for p in evidence().plans]})


@bp.route("/openapi.json")
@described("This description", {200: ({"type": "object"}, "OpenAPI 3 document")})
def openapi():
    return jsonify(openapi_document())


@bp.route("/records")
@described(
    "Records you may see, newest first",
    {200: ("RecordList", "One page of records")},
    query=FILTERS,
)
def list_records():
    chosen = _filters()
    page = _int_arg("page", 1, 10**6)
    per_page = _int_arg("per_page", 20, MAX_PER_PAGE)
    filters = RecordFilter(
        type=chosen["type"],
        indicator=chosen["indicator"],
        locality=chosen["locality"],
        date_from=chosen["from"],
        date_to=chosen["to"],
    )
    total, records = evidence().list(
        filters, audience(), limit=per_page, offset=(page - 1) * per_page
    )
    return jsonify(
        {
            "total": total,
            "page": page,
            "per_page": per_page,
            "records": [r.to_dict() for r in records],
        }
    )


@bp.route("/records", methods=["POST"])
@described(
    "Log a new record (editor)", {201: ("Record", "The record")}, body="Record", role="editor"
)
def create_record():
    require("editor")
    data = json_body()
    if isinstance(data, dict) and not data.get("author"):
        data = {**data, "author": current_user.name}
    record = evidence().create(data, current_user.name)
    response = jsonify(record.to_dict())
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_record", record_id=record.id)
    return response


@bp.route("/records/<record_id>")
@described("One record", {200: ("Record", "The record")})
def get_record(record_id: str):
    return jsonify(evidence().get(record_id_or_404(record_id), audience()).to_dict())


@bp.route("/records/<record_id>", methods=["PUT"])
@described(
    "Replace a record, sending the revision you read (editor)",
    {200: ("Record", "The record")},
    body="Record",
    role="editor",
    errors=[409],
)
def replace_record(record_id: str):
    require("editor")
    ev = evidence()
    ev.get(record_id_or_404(record_id))  # 404 for a record that is not there, before any 422
    data = json_body()
    return jsonify(ev.update(record_id, data, current_user.name).to_dict())


@bp.route("/records/<record_id>", methods=["DELETE"])
@described(
    "Delete (restorable), or erase with purge=1 (admin)",
    {204: (None, "Deleted")},
    query=[parameter("purge", "1 to erase for good (admins only)")],
    role="editor",
)
def delete_record(record_id: str):
    require("editor")
    record_id_or_404(record_id)
    purge = request.args.get("purge", "") not in ("", "0", "false")
    if purge:
        require("admin")
        evidence().purge(record_id, current_user.name)
    else:
        evidence().delete(record_id, current_user.name)
    return Response(status=204)


@bp.route("/records/<record_id>/revisions")
@described(
    "Earlier versions of a record, newest first (editor)",
    {200: ({"type": "object"}, "Revisions")},
    role="editor",
    operation_id="listRevisions",
)
def revisions(record_id: str):
    require("editor")
    ev = evidence()
    record = ev.get(record_id_or_404(record_id))
    return jsonify(
        {"id": record.id, "revision": record.revision, "revisions": ev.store.revisions(record.id)}
    )


@bp.route("/search")
@described(
    "Full-text search over the records you may see",
    {200: ("SearchResults", "One page of hits")},
    query=[
        parameter("q", 'Words, "phrases", AND/OR/NOT, field:value'),
        *FILTERS,
        parameter("sort", "relevance or date", {"type": "string", "enum": ["relevance", "date"]}),
    ],
)
def search():
    chosen = {k: v for k, v in _filters().items() if v}
    page = _int_arg("page", 1, 10**4)
    per_page = _int_arg("per_page", 20, MAX_PER_PAGE)
    sort = request.args.get("sort") or "relevance"
    if sort not in ("relevance", "date"):
        raise ApiError(400, "sort must be relevance or date", {"sort": "must be relevance or date"})
    query = request.args.get("q", "")[:500]
    results = evidence().search(
        query, chosen, page=page, per_page=per_page, audience=audience(), sort=sort
    )
    return jsonify(results.to_dict())


def _indicator_or_404(code: str) -> str:
    if code not in evidence().reading_framework.indicators:  # an indicator of any plan held
        raise ApiError(404, f"No indicator {code[:20]!r}")
    return code


@bp.route("/indicators/<code>/ratings")
@described("An indicator's progress ratings, newest first", {200: ("RatingList", "The ratings")})
def list_ratings(code: str):
    shown = ratings_for(evidence().store, _indicator_or_404(code), audience())
    return jsonify({"indicator": code, "ratings": [r.to_dict() for r in shown]})


@bp.route("/indicators/<code>/ratings", methods=["POST"])
@described(
    "Rate an indicator's progress for a period (editor)",
    {201: ("Rating", "The rating as saved")},
    body="RatingInput",
    role="editor",
)
def create_rating(code: str):
    require("editor")
    ev = evidence()
    data = json_body()
    code = _indicator_or_404(code)
    rating = rate(ev.store, ev.rating_framework(data), code, data, current_user.name)
    response = jsonify(rating.to_dict())
    response.status_code = 201
    response.headers["Location"] = url_for("api.list_ratings", code=code)
    return response


@bp.route("/learning-updates")
@described(
    "Saved learning updates you may read",
    {200: ("RecordList", "One page of learning updates")},
    query=PAGE,
)
def list_learning_updates():
    page = _int_arg("page", 1, 10**6)
    per_page = _int_arg("per_page", 20, MAX_PER_PAGE)
    total, updates = evidence().list(
        RecordFilter(type="learning_update"),
        audience(),
        limit=per_page,
        offset=(page - 1) * per_page,
    )
    return jsonify(
        {
            "total": total,
            "page": page,
            "per_page": per_page,
            "records": [r.to_dict() for r in updates],
        }
    )


@bp.route("/learning-updates", methods=["POST"])
@described(
    "Generate a learning update, and save it if asked (editor)",
    {
        201: (
            {
                "type": "object",
                "properties": {"id": {"type": "string"}, "markdown": {"type": "string"}},
            },
            "The document",
        )
    },
    body="LearningUpdateRequest",
    role="editor",
)
def create_learning_update():
    require("editor")
    body = json_body()
    save = body.pop("save", False) if isinstance(body, dict) else False
    if not isinstance(save, bool):
        raise ApiError(422, "save must be true or false", {"save": "must be true or false"})
    asked = UpdateRequest.parse(body, prepared_by=current_user.name)
    ev = evidence()
    summary = reporting.make(ev, asked)
    answer: dict[str, Any] = {"markdown": render_markdown(summary)}
    location = None
    if save:
        answer["id"] = saved_updates.save(ev, summary, current_user.name).id
        location = url_for("api.get_learning_update", record_id=answer["id"])
    response = jsonify(answer)
    if location:
        response.headers["Location"] = location
    response.status_code = 201
    return response


@bp.route("/learning-updates/<record_id>")
@described(
    "A saved learning update as a document",
    {200: (DOCUMENT_TYPES, "The document")},
    query=[DOCUMENT_FORMAT],
)
def get_learning_update(record_id: str):
    fmt = request.args.get("format", "md")
    if fmt not in documents.FORMATS:
        raise ApiError(
            400, "format must be md, html or docx", {"format": "must be md, html or docx"}
        )
    ev = evidence()
    reader = audience()
    update = ev.get(record_id_or_404(record_id), reader)
    if update.type != "learning_update":
        raise ApiError(404, f"No learning update {record_id}")
    summary = saved_updates.document(ev, update, reader)
    ev.store.audit(
        current_user.name,
        "export",
        update.id,
        f"learning update as {fmt}" + (" (external)" if reader == EXTERNAL else ""),
    )
    mimetype, _ = documents.FORMATS[fmt]
    name = documents.file_name(update.title, fmt)
    disposition = "inline" if fmt != "docx" else "attachment"
    headers = {"Content-Disposition": f'{disposition}; filename="{name}"'}
    if fmt == "html":
        headers["Content-Security-Policy"] = documents.DOCUMENT_CSP
    return Response(documents.summary_bytes(summary, fmt), mimetype=mimetype, headers=headers)


@bp.errorhandler(ApiError)
def _api_error(error: ApiError):
    return api_error(error)


@bp.errorhandler(ValidationError)
def _invalid(error: ValidationError):
    return api_error(ApiError(422, "Not valid: " + str(error)[:500], error.errors))


@bp.errorhandler(NotFound)
def _missing(error: NotFound):
    return api_error(ApiError(404, f"No {error.what}"))


@bp.errorhandler(Conflict)
def _conflict(error: Conflict):
    problem = (
        f"is {error.expected}, but the record is now at revision {error.current}; "
        "fetch it again and reapply your change"
    )
    return api_error(ApiError(409, str(error), {"revision": problem}))
