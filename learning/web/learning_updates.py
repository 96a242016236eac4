"""Learning updates: the saved ones, and a form to generate, preview, download and save one."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from evidence.model import ValidationError
from evidence.store import RecordFilter
from learning import reporting, saved_updates
from learning.http import documents
from learning.http.access import audience, role_required
from learning.http.state import evidence
from learning.updates import render_markdown
from learning.updates.request import UpdateRequest

from .common import Pagination, page_number, per_page

bp = Blueprint("learning", __name__)


@bp.route("/learning-updates")
def index():
    page, size = page_number(), per_page()
    total, updates = evidence().list(
        RecordFilter(type="learning_update"), audience(), limit=size, offset=(page - 1) * size
    )
    return render_template(
        "learning/index.html",
        updates=updates,
        pagination=Pagination(page, size, total, "learning.index", {}),
    )


def featured_ids(text: str) -> list[str]:
    """Record ids typed one a line, or parted by commas or spaces."""
    return [part for part in text.replace(",", " ").split() if part]


def last_quarter(today: dt.date | None = None) -> tuple[str, str]:
    """The last whole calendar quarter before today."""
    today = today or dt.date.today()
    this_start = dt.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    end = this_start - dt.timedelta(days=1)
    start = dt.date(end.year, (end.month - 1) // 3 * 3 + 1, 1)
    return start.isoformat(), end.isoformat()


@bp.route("/learning-updates/new", methods=["GET", "POST"])
@role_required("editor")
def new():
    framework = evidence().framework
    if request.method != "POST":
        start, end = last_quarter()
        values = {
            "from": start,
            "to": end,
            "audience": "internal",
            "objectives": [],
            "intro": "",
            "featured": "",
            "annex": True,
        }
        return render_template(
            "learning/new.html", values=values, errors={}, framework=framework, preview=None
        )
    values = {
        "from": request.form.get("from", "").strip(),
        "to": request.form.get("to", "").strip(),
        "audience": request.form.get("audience", ""),
        "objectives": request.form.getlist("objectives"),
        "intro": request.form.get("intro", ""),
        "featured": request.form.get("featured", ""),
        # A checkbox sends nothing when unticked; the form marks that it showed one.
        "annex": request.form.get("annex") == "on" or "annex-shown" not in request.form,
    }
    action = request.form.get("action", "preview")
    ev = evidence()
    try:
        asked = UpdateRequest.parse(
            {**values, "featured": featured_ids(values["featured"])}, prepared_by=current_user.name
        )
        summary = reporting.make(ev, asked)
    except ValidationError as exc:
        return render_template(
            "learning/new.html", values=values, errors=exc.errors, framework=framework, preview=None
        ), 422
    if action == "save":
        record = saved_updates.save(ev, summary, current_user.name)
        flash("The learning update has been saved as a record.", "success")
        return redirect(url_for("records.show", record_id=record.id))
    if action in documents.FORMATS:
        ev.store.audit(
            current_user.name,
            "export",
            None,
            f"learning update {values['from']}..{values['to']} ({values['audience']}) as {action}",
        )
        mimetype, _ = documents.FORMATS[action]
        name = documents.file_name(summary.title, action)
        return Response(
            documents.summary_bytes(summary, action),
            mimetype=mimetype,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return render_template(
        "learning/new.html",
        values=values,
        errors={},
        framework=framework,
        preview=render_markdown(summary),
        summary=summary,
    )
