"""People's rights (admins only): who is named, subject access, erasure of a person, retention.

A person's name travels in POSTed forms only, never in an address (addresses end up in logs).
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from evidence.model import NotFound, ValidationError
from learning import rights
from learning.http.access import role_required
from learning.http.state import evidence

bp = Blueprint("people", __name__, url_prefix="/admin")


def _request(**options: bool) -> rights.PersonRequest:
    return rights.PersonRequest(request.form.get("name", ""), current_user.name, **options)


def _people_page(errors: dict[str, str] | None = None, name: str = "", status: int = 200):
    everyone = rights.people(evidence())
    page = render_template("people/list.html", people=everyone, errors=errors or {}, name=name)
    return page, status


@bp.route("/people", methods=["GET"])
@role_required("admin")
def people():
    return _people_page()


@bp.route("/people/preview", methods=["POST"])
@role_required("admin")
def preview():
    """What a subject access export will hold, before downloading it."""
    try:
        access = rights.subject_access(evidence(), _request())
    except ValidationError as exc:
        return _people_page(exc.errors, request.form.get("name", ""), 422)
    return render_template("people/preview.html", access=access)


@bp.route("/people/export", methods=["POST"])
@role_required("admin")
def export():
    try:
        access = rights.subject_access(evidence(), _request())
    except ValidationError as exc:
        return _people_page(exc.errors, request.form.get("name", ""), 422)
    body = rights.export_zip(evidence(), access)
    headers = {"Content-Disposition": 'attachment; filename="subject-access.zip"'}
    return Response(body, mimetype="application/zip", headers=headers)


@bp.route("/people/erase", methods=["POST"])
@role_required("admin")
def erase():
    """First the dry run and a box to tick; with the box ticked, the erasure."""
    purge = request.form.get("purge_records") == "yes"
    confirmed = request.form.get("confirm") == "erase"
    try:
        done = rights.erase(evidence(), _request(dry_run=not confirmed, purge_records=purge))
    except ValidationError as exc:
        return _people_page(exc.errors, request.form.get("name", ""), 422)
    if not confirmed:
        return render_template("people/erase.html", done=done, name=request.form["name"],
                               purge=purge)  # fmt: skip
    flash(f"Erased: {len(done.items)} text(s) in {len(done.records)} record(s).", "success")
    return redirect(url_for("people.people"))


def _retention_page(errors: dict[str, str] | None = None, status: int = 200):
    try:
        years, due = rights.due_for_review(evidence())
        problem = ""
    except ValueError as exc:
        years, due, problem = 0, [], str(exc)
    page = render_template("people/retention.html", problem=problem, due=due, years=years,
                           errors=errors or {})  # fmt: skip
    return page, status


@bp.route("/retention", methods=["GET"])
@role_required("admin")
def retention():
    return _retention_page()


@bp.route("/retention/<record_id>/keep", methods=["POST"])
@role_required("admin")
def keep(record_id: str):
    until, reason = request.form.get("until", ""), request.form.get("reason", "")
    try:
        rights.keep(evidence(), record_id, until, reason, current_user.name)
    except ValidationError as exc:
        return _retention_page(exc.errors, 422)
    except NotFound:
        abort(404)
    flash(f"Kept {record_id} until {until}.", "success")
    return redirect(url_for("people.retention"))
