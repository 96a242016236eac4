"""The codebook and excerpts in the JSON API: viewers read, editors code and keep the codebook."""

from __future__ import annotations

from flask import Response, jsonify, request, url_for
from flask_login import current_user

from evidence.coding import CodeInUse
from evidence.model import ValidationError
from learning.coding import codebook, excerpts
from learning.http.access import audience
from learning.http.errors import ApiError, api_error
from learning.http.state import evidence

from .openapi import described
from .routes import bp, json_body, record_id_or_404
from .schemas import DATES, PAGE, parameter

CODES = ({"type": "object", "properties": {"codes": {"type": "array", "items": "Code"}}},
         "The codebook")  # fmt: skip
EXCERPTS = ({"type": "object", "properties": {"excerpts": {"type": "array", "items": "Excerpt"}}},
            "The excerpts")  # fmt: skip
FINDING = [
    parameter("code", "A code (and the codes under it)"),
    parameter("indicator", "The record's indicator (repeatable)"),
    parameter("record", "A record's id"),
    parameter("locality", "Locality (repeatable)"),
    *DATES,
    parameter("q", "Words within the excerpt's text (as the reader sees it)"),
    parameter("coder", "The coder's user name"),
    parameter("status", "exact, moved, changed or detached"),
    *PAGE,
]


def _created(body: dict, location: str) -> Response:
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = location
    return response


@bp.route("/codes")
@described("The codebook: the plan's codes and the team's, with counts", {200: CODES})
def list_codes():
    return jsonify({"codes": codebook.codebook(evidence(), audience())})


@bp.route("/codes", methods=["POST"])
@described("Add a code (editor)", {201: ("Code", "The code")}, body="Code", role="editor")
def create_code():
    code = codebook.create(evidence(), json_body(), current_user.name)
    return _created(code, url_for("api.get_code", code_id=code["id"]))


@bp.route("/codes/<code_id>")
@described("One code", {200: ("Code", "The code")})
def get_code(code_id: str):
    return jsonify(codebook.one(evidence(), code_id, audience()))


@bp.route("/codes/<code_id>", methods=["PUT"])
@described(
    "Rename, describe, recolour or move a team code (editor)",
    {200: ("Code", "The code")},
    body="Code",
    role="editor",
)
def change_code(code_id: str):
    return jsonify(codebook.change(evidence(), code_id, json_body(), current_user.name))


@bp.route("/codes/<code_id>", methods=["DELETE"])
@described(
    "Delete a team code no excerpt uses (editor; 409 with the count while used)",
    {204: (None, "Deleted")},
    role="editor",
    errors=[409, 422],
)
def delete_code(code_id: str):
    codebook.delete(evidence(), code_id, current_user.name)
    return Response(status=204)


@bp.route("/codes/<code_id>/merge", methods=["POST"])
@described(
    "Merge a team code into another: its excerpts move (editor; audited)",
    {200: ("Code", "The code merged into")},
    role="editor",
    body={"type": "object", "required": ["into"], "properties": {"into": {"type": "string"}}},
)
def merge_code(code_id: str):
    body = json_body()
    into = body.get("into") if isinstance(body, dict) else None
    return jsonify(codebook.merge(evidence(), code_id, into, current_user.name))


@bp.route("/records/<record_id>/excerpts")
@described("A record's excerpts as the reader may see them", {200: EXCERPTS})
def record_excerpts(record_id: str):
    shown = excerpts.of_record(evidence(), record_id_or_404(record_id), audience())
    return jsonify({"excerpts": shown})


@bp.route("/records/<record_id>/excerpts", methods=["POST"])
@described(
    "Code a passage of the record's body (editor)",
    {201: ("Excerpt", "The excerpt")},
    body="Excerpt",
    role="editor",
)
def code_passage(record_id: str):
    ev = evidence()
    ev.get(record_id_or_404(record_id))  # 404 for a record that is not there, before any 422
    excerpt = excerpts.code_passage(ev, record_id, json_body(), current_user.name)
    return _created(excerpt, url_for("api.get_excerpt", excerpt_id=excerpt["id"]))


@bp.route("/excerpts")
@described(
    "Excerpts the reader may see, newest records first",
    {200: ("ExcerptPage", "One page of excerpts")},
    query=FINDING,
)
def list_excerpts():
    args = {k: request.args.getlist(k) for k in request.args}
    args = {k: v if k in ("indicator", "locality") else v[0] for k, v in args.items()}
    try:
        query = excerpts.ExcerptQuery.parse(args)
        return jsonify(excerpts.find(evidence(), query, audience()))
    except ValidationError as exc:  # a bad query (an unknown code too), not a bad write
        message = "; ".join(f"{k}: {v}" for k, v in exc.errors.items())
        raise ApiError(400, message, exc.errors) from None


@bp.route("/excerpts/<excerpt_id>")
@described("One excerpt", {200: ("Excerpt", "The excerpt")})
def get_excerpt(excerpt_id: str):
    return jsonify(excerpts.get(evidence(), excerpt_id, audience()))


@bp.route("/excerpts/<excerpt_id>", methods=["PUT"])
@described(
    "Change an excerpt's codes, memo or passage (editor)",
    {200: ("Excerpt", "The excerpt")},
    body="Excerpt",
    role="editor",
)
def change_excerpt(excerpt_id: str):
    ev = evidence()
    excerpts.get(ev, excerpt_id, "internal")  # 404 before any 422
    return jsonify(excerpts.change(ev, excerpt_id, json_body(), current_user.name))


@bp.route("/excerpts/<excerpt_id>", methods=["DELETE"])
@described("Delete an excerpt and its memo (editor)", {204: (None, "Deleted")}, role="editor")
def delete_excerpt(excerpt_id: str):
    excerpts.delete(evidence(), excerpt_id, current_user.name)
    return Response(status=204)


@bp.errorhandler(CodeInUse)
def _in_use(error: CodeInUse):
    fields = {"id": f"is used by {error.count} excerpt(s)"}
    return api_error(ApiError(409, str(error), fields))
