"""REFI-QDA exchange in the JSON API: the codebook (.qdc) and the project (.qdpx) as files.

The codebook is read by everyone who reads ``/api/codes``; the project is the team's
(``internal``, editors' default), and a viewer may have it only as readers outside the team
read it (``external``, a viewer's default; asking for ``internal`` is a 403).
"""

from __future__ import annotations

import tempfile

from flask import Response, request, send_file
from flask_login import current_user

from evidence.consent import EXTERNAL, INTERNAL
from evidence.model import ValidationError
from evidence.store import RecordFilter
from learning.http.access import audience
from learning.http.errors import ApiError
from learning.http.state import evidence
from learning.refi import project
from learning.refi.codebook import write_codebook

from .openapi import described
from .routes import _filters, bp
from .schemas import DATES, parameter

QDC = ("application/xml",)
QDPX = ("application/zip",)
PROJECT_QUERY = [
    parameter("audience", "internal (the team's; editors) or external (as a viewer reads it; "
              "a viewer's only choice)", {"type": "string", "enum": ["internal", "external"]}),
    parameter("for", "Positions and line ends as a tool reads them (default: the standard)",
              {"type": "string", "enum": list(project.TOOLS)}),
    parameter("type", "Record type (repeatable)"),
    parameter("indicator", "Indicator code such as SO1.2 (repeatable)"),
    parameter("locality", "Locality (repeatable)"),
    *DATES,
]  # fmt: skip


@bp.route("/codes/export.qdc")
@described("The codebook as a REFI-QDA codebook (.qdc)", {200: (QDC, "The codebook file")})
def export_codebook():
    ev = evidence()
    body = write_codebook(ev)
    ev.store.audit(current_user.name, "export", None, "codebook as REFI-QDA (.qdc)")
    headers = {"Content-Disposition": 'attachment; filename="wm2u-codebook.qdc"'}
    return Response(body, mimetype="application/xml", headers=headers)


def _project_request() -> project.ProjectRequest:
    """The export asked for; a viewer asking for the team's is a 403, a bad value a 400."""
    reader = audience()
    asked = request.args.get("audience") or (INTERNAL if reader == INTERNAL else EXTERNAL)
    if asked == INTERNAL and reader != INTERNAL:
        raise ApiError(403, "Only the team may export internal records: ask for external",
                       {"audience": "must be external for a viewer"})  # fmt: skip
    chosen = _filters()
    filters = RecordFilter(type=chosen["type"], indicator=chosen["indicator"],
                           locality=chosen["locality"], date_from=chosen["from"],
                           date_to=chosen["to"])  # fmt: skip
    try:
        return project.ProjectRequest.parse(asked, request.args.get("for"), filters)
    except ValidationError as exc:  # a bad query, not a bad write
        message = "; ".join(f"{k}: {v}" for k, v in exc.errors.items())
        raise ApiError(400, message, exc.errors) from None


@bp.route("/export.qdpx")
@described(
    "The project as a REFI-QDA project (.qdpx) for NVivo, ATLAS.ti, MAXQDA or QualCoder",
    {200: (QDPX, "The project file")},
    query=PROJECT_QUERY,
    errors=[400, 403],
)
def export_project():
    chosen = _project_request()
    ev = evidence()
    # Written to a file of the data dir first (private, gone when sent): memory stays flat
    # and the database is read in one go, whatever the client's pace.
    file = tempfile.TemporaryFile(dir=ev.data_dir)  # noqa: SIM115 - send_file closes it
    try:
        written = project.write_project(ev, chosen, file)
    except BaseException:
        file.close()
        raise
    ev.store.audit(current_user.name, "export", None, project.audit_line(chosen, written))
    file.seek(0)
    name = f"wm2u-evidence-{chosen.audience}.qdpx"
    response = send_file(file, mimetype="application/zip", as_attachment=True,
                         download_name=name)  # fmt: skip
    response.headers["X-WM2U-Detached-Left-Out"] = str(written.detached)
    return response
