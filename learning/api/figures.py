"""The data project's figures in the JSON API: measures, figures, and adding figures."""

from __future__ import annotations

from flask import jsonify, request, url_for
from flask_login import current_user

from evidence.model import ValidationError
from learning import data_project
from learning.http.access import audience, require
from learning.http.errors import ApiError
from learning.http.state import evidence

from .openapi import described
from .routes import MAX_PER_PAGE, _int_arg, bp, json_body
from .schemas import DATES, PAGE, parameter


@bp.route("/measures")
@described(
    "Every measure of the plan with its latest figure per place",
    {
        200: (
            {"type": "object", "properties": {"measures": {"type": "array", "items": "Measure"}}},
            "The measures",
        )
    },
)
def list_measures():
    """Every measure with its latest figure per place (small counts withheld outside the team)."""
    return jsonify({"measures": data_project.measures(evidence(), audience())})


@bp.route("/figures")
@described(
    "Figures whose period overlaps from..to (small counts suppressed outside the team)",
    {200: ("FigureList", "One page of figures")},
    query=[
        parameter("measure", "Measure code"),
        parameter("authority", "Authority, or Scotland"),
        parameter("locality", "Locality"),
        *DATES,
        *PAGE,
    ],
)
def list_figures():
    page = _int_arg("page", 1, 10**6)
    per_page = _int_arg("per_page", 50, MAX_PER_PAGE)
    args = request.args
    try:
        dates = [data_project.parse_date(args.get(k), k) for k in ("from", "to")]
    except ValidationError as exc:
        raise ApiError(400, "; ".join(f"{k} {v}" for k, v in exc.errors.items()),
                       exc.errors) from None  # fmt: skip
    filters = dict(authority=args.get("authority") or None, locality=args.get("locality") or None,
                   date_from=dates[0], date_to=dates[1])  # fmt: skip
    if args.get("measure"):
        shown = data_project.figures(evidence(), audience(), args["measure"], **filters)
    else:
        shown = data_project.all_figures(evidence(), audience(), **filters)
    chunk = shown[(page - 1) * per_page : page * per_page]
    return jsonify({
        "total": len(shown), "page": page, "per_page": per_page,
        "figures": [s.to_dict() for s in chunk],
    })  # fmt: skip


@bp.route("/figures", methods=["POST"])
@described(
    "Add or correct figures (editor): one figure or a list, all or none",
    {
        201: (
            {"type": "object", "properties": {"figures": {"type": "array", "items": "Figure"}}},
            "The figures as saved",
        )
    },
    body={"oneOf": ["Figure", {"type": "array", "items": "Figure"}]},
    role="editor",
)
def add_figures():
    """One figure or a list, saved all or none (editors)."""
    require("editor")
    saved = data_project.save(evidence(), json_body(), current_user.name)
    response = jsonify({"figures": [f.to_dict() for f in saved]})
    response.status_code = 201
    response.headers["Location"] = url_for("api.list_figures")
    return response
