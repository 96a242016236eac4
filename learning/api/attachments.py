"""Attachments in the JSON API: editors attach files; readers list, download and read them as
their consent allows (an anonymised file's bytes never leave the team; its text does, redacted)."""

from __future__ import annotations

from flask import Response, current_app, jsonify, request, send_file, url_for
from flask_login import current_user

from evidence.validate import ID_PATTERN
from learning.attachments import service
from learning.attachments.files import Refused
from learning.http.access import audience, require
from learning.http.errors import ApiError, api_error
from learning.http.state import evidence

from .openapi import described
from .routes import bp, record_id_or_404
from .schemas import parameter

LIST = ({"type": "object", "properties": {"attachments": {"type": "array", "items": "Attachment"}}},
        "The attachments the reader may see")  # fmt: skip
UPLOAD = {
    "multipart/form-data": {
        "schema": {
            "type": "object",
            "required": ["file"],
            "properties": {
                "file": {"type": "string", "format": "binary"},
                "consent": {"type": "string", "enum": ["internal", "anonymised", "public"]},
            },
        }
    }
}


def _attachment_id_or_404(attachment_id: str) -> str:
    if not ID_PATTERN.match(attachment_id):
        raise ApiError(404, f"No attachment {attachment_id[:64]!r}")
    return attachment_id


def _uploaded() -> tuple[str, bytes]:
    """The form's ``file``: its name and bytes, read no further than the limit allows."""
    upload = request.files.get("file")
    if upload is None:
        message = "send the file as multipart/form-data in a field named file"
        raise ApiError(422, f"file: {message}", {"file": message})
    limit = current_app.config["ATTACHMENT_BYTES"]
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise service.too_large(len(data), limit)
    return upload.filename or "", data


@bp.route("/records/<record_id>/attachments", methods=["POST"])
@described(
    "Attach a file to a record (editor; multipart, field file, optional consent)",
    {201: ("Attachment", "The attachment")},
    body=UPLOAD,
    role="editor",
    errors=[413],
)
def attach_file(record_id: str):
    ev = evidence()
    ev.get(record_id_or_404(record_id))  # 404 for a record that is not there, before any 422
    name, data = _uploaded()
    asked = service.AttachRequest(record_id, name, data, request.form.get("consent"))
    attachment = service.attach(
        ev, asked, current_user.name, current_app.config["ATTACHMENT_BYTES"]
    )
    response = jsonify(service.as_json(attachment))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_attachment", attachment_id=attachment.id)
    return response


@bp.route("/records/<record_id>/attachments")
@described("A record's attachments the reader may see", {200: LIST})
def record_attachments(record_id: str):
    shown = service.of_record(evidence(), record_id_or_404(record_id), audience())
    return jsonify({"attachments": [service.as_json(a) for a in shown]})


@bp.route("/attachments/<attachment_id>")
@described("One attachment", {200: ("Attachment", "The attachment")})
def get_attachment(attachment_id: str):
    shown = service.one(evidence(), _attachment_id_or_404(attachment_id), audience())
    return jsonify(service.as_json(shown))


@bp.route("/attachments/<attachment_id>/file")
@described(
    "The attachment's bytes, as a download (the team, or a public attachment)",
    {200: (("application/octet-stream",), "The file as kept")},
    errors=[403],
)
def attachment_file(attachment_id: str):
    shown, path = service.file(evidence(), _attachment_id_or_404(attachment_id), audience())
    response = send_file(path, mimetype=service.as_json(shown)["type"], conditional=False)
    response.headers.update(service.download_headers(shown))
    return response


@bp.route("/attachments/<attachment_id>/text")
@described(
    "The attachment's text as the reader may see it (what excerpt positions count on)",
    {200: (("text/plain",), "The text, UTF-8")},
)
def attachment_text(attachment_id: str):
    words = service.text(evidence(), _attachment_id_or_404(attachment_id), audience())
    return Response(words, mimetype="text/plain", headers={"X-Content-Type-Options": "nosniff"})


@bp.route("/attachments/<attachment_id>", methods=["DELETE"])
@described(
    "Delete an attachment (editor), or erase it with purge=1 (admin)",
    {204: (None, "Deleted")},
    query=[parameter("purge", "1 to erase for good (admins only)")],
    role="editor",
)
def delete_attachment(attachment_id: str):
    ev = evidence()
    _attachment_id_or_404(attachment_id)
    if request.args.get("purge", "") not in ("", "0", "false"):  # a soft-deleted one too
        require("admin")
        service.erase(ev, attachment_id, current_user.name)
    else:
        service.delete(ev, attachment_id, current_user.name)
    return Response(status=204)


@bp.errorhandler(Refused)
def _refused(error: Refused):
    message = str(error)
    problem = message.split(": ", 1)[1] if message.startswith(f"{error.field}: ") else message
    return api_error(ApiError(error.status, message, {error.field: problem}))


@bp.errorhandler(service.FileWithheld)
def _withheld(error: service.FileWithheld):
    return api_error(ApiError(403, str(error)))
