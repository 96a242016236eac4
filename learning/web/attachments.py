"""A record's files on its page: editors attach one with a plain form (no JavaScript needed)."""

from __future__ import annotations

from flask import current_app, flash, redirect, request, url_for
from flask_login import current_user

from evidence.model import ValidationError
from learning.attachments import service
from learning.attachments.files import Refused
from learning.http.access import role_required
from learning.http.state import evidence

from .common import load_record
from .records import _show, bp


@bp.route("/records/<record_id>/attachments", methods=["POST"])
@role_required("editor")
def attach(record_id: str):
    """Attach the form's file to the record (the page's form, multipart)."""
    record = load_record(record_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _show(record, {"file": "Choose a file to attach."}, request.form), 422
    limit = current_app.config["ATTACHMENT_BYTES"]
    asked = service.AttachRequest(
        record.id, upload.filename, upload.stream.read(limit + 1), request.form.get("consent")
    )
    try:
        service.attach(evidence(), asked, current_user.name, limit)
    except ValidationError as exc:
        return _show(record, exc.errors, request.form), 422
    except Refused as exc:
        message = str(exc).removeprefix(f"{exc.field}: ")
        return _show(record, {exc.field: message}, request.form), exc.status
    flash("The file has been attached.", "success")
    return redirect(url_for("records.show", record_id=record.id, _anchor="attachments"))
