"""The codebook and excerpts in the JSON API: viewers read, editors code and keep the codebook."""

from __future__ import annotations

from flask import Response, jsonify, request, url_for
from flask_login import current_user

from evidence.coding import CodeInUse
from evidence.model import ValidationError
from learning.coding import codebook, excerpts
from learning.web.auth import audience
from learning.web.state import evidence

from .errors import ApiError, api_error
from .routes import bp, json_body, record_id_or_404, require


def _created(body: dict, location: str) -> Response:
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = location
    return response


@bp.route("/codes")
def list_codes():
    return jsonify({"codes": codebook.codebook(evidence(), audience())})


@bp.route("/codes", methods=["POST"])
def create_code():
    require("editor")
    code = codebook.create(evidence(), json_body(), current_user.name)
    return _created(code, url_for("api.get_code", code_id=code["id"]))


@bp.route("/codes/<code_id>")
def get_code(code_id: str):
    return jsonify(codebook.one(evidence(), code_id, audience()))


@bp.route("/codes/<code_id>", methods=["PUT"])
def change_code(code_id: str):
    require("editor")
    return jsonify(codebook.change(evidence(), code_id, json_body(), current_user.name))


@bp.route("/codes/<code_id>", methods=["DELETE"])
def delete_code(code_id: str):
    require("editor")
    codebook.delete(evidence(), code_id, current_user.name)
    return Response(status=204)


@bp.route("/codes/<code_id>/merge", methods=["POST"])
def merge_code(code_id: str):
    require("editor")
    body = json_body()
    into = body.get("into") if isinstance(body, dict) else None
    return jsonify(codebook.merge(evidence(), code_id, into, current_user.name))


@bp.route("/records/<record_id>/excerpts")
def record_excerpts(record_id: str):
    shown = excerpts.of_record(evidence(), record_id_or_404(record_id), audience())
    return jsonify({"excerpts": shown})


@bp.route("/records/<record_id>/excerpts", methods=["POST"])
def code_passage(record_id: str):
    require("editor")
    ev = evidence()
    ev.get(record_id_or_404(record_id))  # 404 for a record that is not there, before any 422
    excerpt = excerpts.code_passage(ev, record_id, json_body(), current_user.name)
    return _created(excerpt, url_for("api.get_excerpt", excerpt_id=excerpt["id"]))


@bp.route("/excerpts")
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
def get_excerpt(excerpt_id: str):
    return jsonify(excerpts.get(evidence(), excerpt_id, audience()))


@bp.route("/excerpts/<excerpt_id>", methods=["PUT"])
def change_excerpt(excerpt_id: str):
    require("editor")
    ev = evidence()
    excerpts.get(ev, excerpt_id, "internal")  # 404 before any 422
    return jsonify(excerpts.change(ev, excerpt_id, json_body(), current_user.name))


@bp.route("/excerpts/<excerpt_id>", methods=["DELETE"])
def delete_excerpt(excerpt_id: str):
    require("editor")
    excerpts.delete(evidence(), excerpt_id, current_user.name)
    return Response(status=204)


@bp.errorhandler(CodeInUse)
def _in_use(error: CodeInUse):
    fields = {"id": f"is used by {error.count} excerpt(s)"}
    return api_error(ApiError(409, str(error), fields))
