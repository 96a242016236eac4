"""The codebook's pages: /codes (the tree with counts; editors add codes), /codes/ID (a code's
coding summary, its downloads, and editors' forms to change, merge or delete it) and
/codes/agreement (two coders compared; editors). Every change goes through the codebook
service the API uses; each form posts, then redirects (a refusal shows the form again, 422)."""

from __future__ import annotations

import re
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from evidence.coding import CodeInUse
from evidence.consent import AUDIENCES, INTERNAL
from evidence.model import NotFound, ValidationError
from learning.coding import codebook, reports
from learning.coding import summary as coding_summary
from learning.http import documents
from learning.http.access import audience, role_required
from learning.http.state import evidence

bp = Blueprint("codes", __name__)
CODE_KEYS = ("id", "name", "description", "colour", "parent", "codable")
_SEPARATORS = re.compile(r"[\s,]+")
# The coding summary's words, shared with its documents, for the page.
SUMMARY_WORDS = (coding_summary.counts, coding_summary.cell, coding_summary.table_caption,
                 coding_summary.table_note, coding_summary.shared_note,
                 coding_summary.shared_cell, coding_summary.quoting_note,
                 coding_summary.group_heading, coding_summary.left_out,
                 coding_summary.place_heading, coding_summary.swatch, coding_summary.day,
                 coding_summary.audience_note)  # fmt: skip


def _tree(codes: list[dict[str, Any]]) -> dict[str | None, list[dict[str, Any]]]:
    """The codes under each parent (None: the top), in the codebook's order."""
    children: dict[str | None, list[dict[str, Any]]] = {}
    known = {c["id"] for c in codes}
    for code in codes:
        parent = code["parent"] if code["parent"] in known else None
        children.setdefault(parent, []).append(code)
    return children


def _index(values: dict[str, Any] | None = None, errors: dict[str, str] | None = None):
    codes = codebook.codebook(evidence(), audience())
    return render_template(
        "codes/index.html",
        children=_tree(codes),
        codes=codes,
        values=values or {"codable": "true"},
        errors=errors or {},
    )


@bp.route("/codes")
def index():
    return _index()


def _form_code() -> dict[str, Any]:
    """The code as the form sends it (``codable``: "true", or "false" for a folder)."""
    return {key: request.form.get(key, "").strip() for key in CODE_KEYS}


def _as_data(values: dict[str, Any]) -> dict[str, Any]:
    """The form's values as the API's code; an unknown ``codable`` is refused, naming it."""
    if values["codable"] not in ("true", "false"):
        raise ValidationError("codable", "choose a code or a folder")
    return {**values, "codable": values["codable"] == "true"}


@bp.route("/codes", methods=["POST"])
@role_required("editor")
def add():
    values = _form_code()
    try:
        code = codebook.create(evidence(), _as_data(values), current_user.name)
    except ValidationError as exc:
        return _index(values, exc.errors), 422
    flash(f"The code {code['id']} has been added.", "success")
    return redirect(url_for("codes.show", code_id=code["id"]))


def _period() -> tuple[str | None, str | None]:
    return request.args.get("from") or None, request.args.get("to") or None


def _audience() -> str:
    """The reader's audience; an editor may ask for what readers outside the team see."""
    asked = request.args.get("audience")
    if current_user.can("editor") and asked in AUDIENCES:
        return asked
    return audience()


def _code_or_404(code_id: str, known=None) -> dict[str, Any]:
    """The code as the reader may see it (the plan's ids hold dots: SO1.1); else 404."""
    try:
        return codebook.one(evidence(), code_id, audience(), known)
    except NotFound:
        abort(404)


def _show(code_id: str, values=None, errors=None, status: int = 200):
    ev = evidence()
    known = codebook.all_codes(ev)  # read once for the page (five times was a tenth of it)
    code = _code_or_404(code_id, known)
    period, chosen = _period(), _audience()
    period_errors: dict[str, str] = {}
    try:
        summary = reports.code_summary(ev, code_id, period, chosen, current_user.name, known)
    except ValidationError as exc:  # a wrong period in the address: said, and all dates shown
        period_errors = exc.errors
        summary = reports.code_summary(ev, code_id, (None, None), chosen, current_user.name, known)
        status = 400 if status == 200 else status
    team = not codebook.is_plans(known[code_id])
    args = {k: v for k, v in (("from", period[0]), ("to", period[1])) if v and not period_errors}
    if chosen != audience():
        args["audience"] = chosen
    page = render_template(
        "codes/show.html",
        code=code,
        s=summary,
        team=team,
        period={"from": period[0] or "", "to": period[1] or ""},
        period_errors=period_errors,
        audience_chosen=chosen,
        args=args,
        formats=documents.FORMATS,
        codes=list(known.values()),  # the forms' lists: names, no counts
        values=values or {**code, "codable": "true" if code["codable"] else "false"},
        errors=errors or {},
        record_url=_record_url(),
        **{f.__name__: f for f in SUMMARY_WORDS},
    )
    return page, status


def _record_url():
    """A record's address for its id: ``url_for`` once, then the id as the route's converter
    writes it (a code's page links hundreds of records; ``url_for`` was a tenth of it)."""
    marker = "record-id-here"
    base = url_for("records.show", record_id=marker)
    converter = current_app.url_map.converters["default"](current_app.url_map)
    return lambda record_id: base.replace(marker, converter.to_url(record_id))


@bp.route("/codes/<code_id>")
def show(code_id: str):
    return _show(code_id)


def _refused(message: str):
    """A download asked for wrongly: a page naming the field (400)."""
    page = render_template("error.html", code=400, title="Not a summary we can make",
                           message=message)  # fmt: skip
    return page, 400


@bp.route("/codes/<code_id>/summary")
def download(code_id: str):
    """The coding summary as a document (md, html or docx), for the reader's audience."""
    _code_or_404(code_id)
    fmt = request.args.get("format", "md")
    if fmt not in documents.FORMATS:
        return _refused("format: must be md, html or docx")
    ev, chosen = evidence(), _audience()
    try:
        summary = reports.code_summary(ev, code_id, _period(), chosen, current_user.name)
    except ValidationError as exc:
        return _refused("; ".join(f"{k}: {v}" for k, v in exc.errors.items()))
    ev.store.audit(current_user.name, "export", None,
                   f"coding summary of {code_id} as {fmt} ({chosen})")  # fmt: skip
    if fmt == "docx":
        body = coding_summary.render_docx(summary)
    elif fmt == "html":
        body = coding_summary.render_html(summary).encode("utf-8")
    else:
        body = coding_summary.render_markdown(summary).encode("utf-8")
    name = documents.file_name(summary.title, fmt)
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "html":
        headers["Content-Security-Policy"] = documents.DOCUMENT_CSP
    return Response(body, mimetype=documents.FORMATS[fmt][0], headers=headers)


@bp.route("/codes/<code_id>/change", methods=["POST"])
@role_required("editor")
def change(code_id: str):
    _code_or_404(code_id)
    values = {**_form_code(), "id": code_id}
    try:
        codebook.change(evidence(), code_id, _as_data(values), current_user.name)
    except ValidationError as exc:
        return _show(code_id, values, exc.errors, 422)
    flash(f"The code {code_id} has been saved.", "success")
    return redirect(url_for("codes.show", code_id=code_id))


@bp.route("/codes/<code_id>/merge", methods=["POST"])
@role_required("editor")
def merge(code_id: str):
    _code_or_404(code_id)
    into = request.form.get("into", "").strip()
    try:
        merged = codebook.merge(evidence(), code_id, into, current_user.name)
    except ValidationError as exc:
        return _show(code_id, errors=exc.errors, status=422)
    flash(f"{code_id} has been merged into {merged['id']}: its passages moved.", "success")
    return redirect(url_for("codes.show", code_id=merged["id"]))


@bp.route("/codes/<code_id>/delete", methods=["POST"])
@role_required("editor")
def delete(code_id: str):
    _code_or_404(code_id)
    try:
        codebook.delete(evidence(), code_id, current_user.name)
    except ValidationError as exc:
        return _show(code_id, errors=exc.errors, status=422)
    except CodeInUse as exc:
        return _show(code_id, errors={"id": str(exc)}, status=409)
    flash(f"The code {code_id} has been deleted.", "success")
    return redirect(url_for("codes.index"))


def _asked_codes() -> list[str]:
    """The codes typed in the agreement form (separated by spaces or commas)."""
    return [c for value in request.args.getlist("code") for c in _SEPARATORS.split(value) if c]


@bp.route("/codes/agreement")
@role_required("editor")
def agreement():
    """Agreement between two coders (the team's: coders' names and every record)."""
    ev = evidence()
    asked = [c.strip() for c in request.args.getlist("coder")]
    codes = _asked_codes()
    values = {"coder": asked + [""] * (2 - len(asked)), "code": " ".join(codes)}
    found, errors, status = None, {}, 200
    if any(asked):
        try:
            if len(asked) != 2:
                raise ValidationError("coder", "choose two coders")
            found = reports.coders_agreement(ev, asked[0], asked[1], codes)
        except ValidationError as exc:
            errors, status = exc.errors, 422
    rows = found["disagreements"] if found else []
    page = render_template(
        "codes/agreement.html",
        coders=reports.coders(ev),
        values=values,
        errors=errors,
        found=found,
        titles=reports.record_titles(ev, [r["record"] for r in rows]),
        names={c.id: c.name for c in codebook.all_codes(ev).values()},
        internal=INTERNAL,
    )
    return page, status
