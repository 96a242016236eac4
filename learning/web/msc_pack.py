"""The panel pack of a Most Significant Change round: ``/msc/ID/pack`` (HTML to print) and
``?format=docx`` (Word). Editors print any round's; viewers, as they read closed rounds only,
a closed round's (its text is as readers outside the team see it, whoever prints it)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user

from evidence.model import NotFound
from learning.http import documents
from learning.http.access import audience
from learning.http.state import evidence
from learning.msc import pack

bp = Blueprint("msc_pack", __name__)


@bp.route("/msc/<round_id>/pack")
def show(round_id: str):
    fmt = request.args.get("format") or "html"
    if fmt not in pack.FORMATS:
        page = render_template("error.html", code=400, title="Not a panel pack we can make",
                               message="format: must be html or docx")  # fmt: skip
        return page, 400
    ev = evidence()
    try:
        made = pack.make(ev, round_id, audience())
    except NotFound:
        abort(404)
    ev.store.audit(current_user.name, "export", None, f"panel pack of round {round_id} as {fmt}")
    headers = {"Content-Security-Policy": documents.DOCUMENT_CSP}
    if fmt == "docx":
        name = pack.file_name(made, fmt)
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(pack.render(made, fmt), mimetype=pack.FORMATS[fmt], headers=headers)
