"""Most Significant Change rounds in the JSON API: editors run rounds, viewers read closed ones
(panel members as roles, stories as consent lets them see them)."""

from __future__ import annotations

from flask import Response, jsonify, url_for
from flask_login import current_user

from learning import msc
from learning.http.access import audience
from learning.http.errors import ApiError, api_error
from learning.http.state import evidence

from .openapi import described
from .routes import bp, json_body

ROUND = ({"type": "object"}, "The round")
ROUNDS = ({"type": "object", "properties": {"rounds": {"type": "array"}}}, "The rounds")
ROUND_BODY = {
    "type": "object",
    "required": ["title", "period_from", "period_to", "question", "level"],
    "properties": {k: {} for k in msc.rounds.ROUND_FIELDS},
}
CHOICES_BODY = {
    "type": "object",
    "required": ["choices"],
    "properties": {"choices": {"type": "array", "items": {"type": "object"}}},
}


def _round(r) -> Response:
    return jsonify(msc.reading.as_dict(evidence(), r, audience()))


@bp.route("/msc/rounds")
@described("Most Significant Change rounds the reader may see", {200: ROUNDS})
def list_msc_rounds():
    return jsonify({"rounds": msc.reading.summaries(evidence(), audience())})


@bp.route("/msc/rounds", methods=["POST"])
@described("Start a round (editor; open unless sent as a draft)", {201: ROUND},
           body=ROUND_BODY, role="editor")  # fmt: skip
def create_msc_round():
    r = msc.rounds.create(evidence(), json_body(), current_user.name)
    response = _round(r)
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_msc_round", round_id=r.id)
    return response


@bp.route("/msc/rounds/<round_id>")
@described("One round as the reader may see it", {200: ROUND})
def get_msc_round(round_id: str):
    return _round(msc.reading.get(evidence(), round_id, audience()))


@bp.route("/msc/rounds/<round_id>", methods=["PUT"])
@described("Change a round that is not closed (editor; 409 once closed)", {200: ROUND},
           body=ROUND_BODY, role="editor", errors=[409])  # fmt: skip
def change_msc_round(round_id: str):
    return _round(msc.rounds.change(evidence(), round_id, json_body(), current_user.name))


@bp.route("/msc/rounds/<round_id>/close", methods=["POST"])
@described("Close a round: it is frozen from now on (editor)", {200: ROUND}, role="editor",
           errors=[409])  # fmt: skip
def close_msc_round(round_id: str):
    return _round(msc.rounds.close(evidence(), round_id, current_user.name))


@bp.route("/msc/rounds/<round_id>/choices", methods=["POST"])
@described("Record the panel's choices, each replacing its domain's (editor; 409 once closed)",
           {200: ROUND}, body=CHOICES_BODY, role="editor", errors=[409])  # fmt: skip
def record_msc_choices(round_id: str):
    return _round(msc.choices.record(evidence(), round_id, json_body(), current_user.name))


@bp.errorhandler(msc.RoundClosed)
def _closed(error: msc.RoundClosed):
    return api_error(ApiError(409, str(error), {"state": "is closed"}))
