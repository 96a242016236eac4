"""Records: browse with facets, read, log, edit (refusing stale saves), history, delete."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from evidence.consent import INTERNAL, attachment_file_shown
from evidence.model import CONSENT_LEVELS, Conflict, NotFound, Record, ValidationError
from learning import msc
from learning.attachments import service as attachments
from learning.coding import codebook, excerpts
from learning.framework import RecordType
from learning.http.access import audience, role_required
from learning.http.state import evidence
from learning.stories import telling

from . import coding, forms
from .common import (
    Pagination,
    chosen_filters,
    load_record,
    page_number,
    per_page,
    record_filter,
)
from .history import changed_keys, describe_history

bp = Blueprint("records", __name__)
FACETS = ("type", "indicator", "locality", "consent")


@bp.route("/records")
def browse():
    chosen = chosen_filters()
    deleted = request.args.get("deleted") == "1" and current_user.can("admin")
    page, size = page_number(), per_page()
    ev = evidence()
    total, records = ev.list(
        record_filter(chosen, deleted=deleted), audience(), limit=size, offset=(page - 1) * size
    )
    where = record_filter(chosen, deleted=deleted)
    facets = ev.facet_counts(("type", "locality", "consent"), where, audience())
    facets["indicator"] = ev.counts_by("indicator", where, audience())
    facets = {column: facets[column] for column in FACETS}
    args = {k: v for k, v in request.args.to_dict(flat=False).items() if k != "page"}
    return render_template(
        "records/browse.html",
        records=records,
        facets=facets,
        chosen=chosen,
        deleted=deleted,
        framework=ev.reading_framework,
        pagination=Pagination(page, size, total, "records.browse", args),
        args=args,
    )


def _record_type(name: str | None) -> RecordType | None:
    return evidence().framework.record_types.get(name or "")


@bp.route("/records/new", methods=["GET", "POST"])
@role_required("editor")
def new():
    record_type = _record_type(request.values.get("type"))
    if record_type is None:
        types = [
            t for t in evidence().framework.record_types.values() if t.name != "learning_update"
        ]
        return render_template("records/choose_type.html", types=types)
    if record_type.name == "learning_update":
        return redirect(url_for("learning.new"))
    if request.method != "POST":
        values = forms.blank_values(author=current_user.name)
        return _form("records/form.html", record_type, values)
    values = forms.values_from_form(request.form, record_type)
    try:
        record = evidence().create(forms.record_data(values, record_type), current_user.name)
    except ValidationError as exc:
        return _form("records/form.html", record_type, values, exc.errors), 422
    flash("The record has been saved.", "success")
    return redirect(url_for("records.show", record_id=record.id))


def _form(
    template: str,
    record_type: RecordType,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    **context: Any,
) -> str:
    return render_template(
        template,
        record_type=record_type,
        values=values,
        errors=errors or {},
        framework=evidence().reading_framework,  # the codes of every plan, marked
        **forms.FORM_HELPERS,
        **context,
    )


@bp.route("/records/<record_id>")
def show(record_id: str):
    return _show(load_record(record_id, allow_deleted=True))


def _show(
    record: Record,
    errors: dict[str, str] | None = None,
    values: Any = None,
    change: dict[str, Any] | None = None,
) -> str:
    """The record's page, with its coding (the coding form's errors and values, and a coded
    passage's change form as sent, with its errors)."""
    ev = evidence()
    reader = audience()
    files = [] if record.deleted_at else attachments.of_record(ev, record.id, reader)
    return render_template(
        "records/show.html",
        record=record,
        framework=ev.reading_framework,
        coding=coding.view(ev, record, reader, current_user.can("editor")),
        attachments=[(a, attachment_file_shown(a, reader)) for a in files],
        attachment_passages=coding.attachment_passages(ev, record, reader),
        attachment_codes=codebook.all_codes(ev),
        consent_levels=CONSENT_LEVELS,
        errors=errors or {},
        values=values or {},
        change=change or {},
        # A family's story: its invitation and how to reach them, the team's alone.
        story=telling.kept_apart(ev, record) if reader == INTERNAL else None,
        chosen=msc.chosen_for(ev, record.id, reader),
    )


@bp.route("/records/code-colours.css")
def code_colours():
    """The codebook's colours as a stylesheet (passages are marked in their code's colour)."""
    css = coding.colours_css(codebook.all_codes(evidence()).values())
    return Response(css, mimetype="text/css")


@bp.route("/records/<record_id>/code", methods=["POST"])
@role_required("editor")
def code(record_id: str):
    """Code the checked sentences of the record (the page without JavaScript)."""
    record = load_record(record_id)
    try:
        made = coding.code_sentences(evidence(), record, request.form, current_user.name)
    except ValidationError as exc:
        return _show(record, exc.errors, request.form), 422
    flash(f"{made} passage{'s' if made != 1 else ''} coded.", "success")
    return redirect(url_for("records.show", record_id=record.id, _anchor="coded-passages"))


def _own_excerpt(ev: Any, record: Record, excerpt_id: str) -> None:
    """404 unless ``excerpt_id`` is one of the record's coded passages."""
    try:
        if excerpts.get(ev, excerpt_id, INTERNAL)["record"] != record.id:
            abort(404)
    except NotFound:
        abort(404)


@bp.route("/records/<record_id>/excerpts/<excerpt_id>/change", methods=["POST"])
@role_required("editor")
def change_excerpt(record_id: str, excerpt_id: str):
    """Change a coded passage's codes and memo (the page without JavaScript), as
    ``PUT /api/excerpts/ID`` does; its words stay where they are."""
    record = load_record(record_id)
    ev = evidence()
    _own_excerpt(ev, record, excerpt_id)
    data = {"codes": request.form.getlist("codes"), "memo": request.form.get("memo", "")}
    try:
        excerpts.change(ev, excerpt_id, data, current_user.name)
    except ValidationError as exc:
        change = {"excerpt": excerpt_id, "errors": exc.errors, **data}
        return _show(record, change=change), 422
    flash("The passage's codes and memo have been saved.", "success")
    return redirect(url_for("records.show", record_id=record.id, _anchor=f"excerpt-{excerpt_id}"))


@bp.route("/records/<record_id>/excerpts/<excerpt_id>/delete", methods=["POST"])
@role_required("editor")
def delete_excerpt(record_id: str, excerpt_id: str):
    """Delete one of the record's coded passages, and its memo."""
    record = load_record(record_id)
    ev = evidence()
    _own_excerpt(ev, record, excerpt_id)
    excerpts.delete(ev, excerpt_id, current_user.name)
    flash("The passage has been deleted, with its memo.", "success")
    return redirect(url_for("records.show", record_id=record.id, _anchor="coded-passages"))


@bp.route("/records/<record_id>/edit", methods=["GET", "POST"])
@role_required("editor")
def edit(record_id: str):
    record = load_record(record_id)
    record_type = _record_type(record.type)
    if record_type is None:
        abort(404)
    if request.method != "POST":
        return _form(
            "records/form.html",
            record_type,
            forms.values_from_record(record, record_type),
            record=record,
        )
    values = forms.values_from_form(request.form, record_type)
    data = forms.record_data(values, record_type)
    try:
        evidence().update(record.id, data, current_user.name)
    except ValidationError as exc:
        return _form("records/form.html", record_type, values, exc.errors, record=record), 422
    except Conflict as exc:
        return _conflict(record_type, values, exc), 409
    except NotFound:
        abort(404)
    flash("Your changes have been saved.", "success")
    return redirect(url_for("records.show", record_id=record.id))


def _conflict(record_type: RecordType, values: dict[str, Any], exc: Conflict) -> str:
    """The form again, with the person's text kept and what the other save changed."""
    ev = evidence()
    current = ev.get(exc.record_id, INTERNAL)
    started = next(
        (r["record"] for r in ev.store.revisions(exc.record_id) if r["revision"] == exc.expected),
        None,
    )
    changed = changed_keys(started, current.to_dict()) if started else []
    # Saving again is a deliberate choice made after seeing the other version.
    values = {**values, "revision": str(current.revision)}
    return _form(
        "records/form.html",
        record_type,
        values,
        {"revision": "Someone else saved this record while you were editing it."},
        record=current,
        conflict={"current": current, "changed": changed, "expected": exc.expected},
    )


@bp.route("/records/<record_id>/history")
@role_required("editor")
def history(record_id: str):
    record = load_record(record_id, allow_deleted=True)
    versions = describe_history(record, evidence().store.revisions(record.id))
    return render_template("records/history.html", record=record, versions=versions)


@bp.route("/records/<record_id>/delete", methods=["POST"])
@role_required("editor")
def delete(record_id: str):
    record = load_record(record_id)
    evidence().delete(record.id, current_user.name)
    # No record text in the flash: the session cookie is signed, not encrypted.
    flash("The record has been deleted. An admin can restore it.", "success")
    return redirect(url_for("records.browse"))


@bp.route("/records/<record_id>/restore", methods=["POST"])
@role_required("admin")
def restore(record_id: str):
    record = load_record(record_id, allow_deleted=True)
    if not record.deleted_at:
        flash("That record is not deleted.", "info")
    else:
        evidence().restore(record.id, current_user.name)
        flash("The record has been restored.", "success")
    return redirect(url_for("records.show", record_id=record.id))


@bp.route("/records/<record_id>/erase", methods=["GET", "POST"])
@role_required("admin")
def erase(record_id: str):
    record: Record = load_record(record_id, allow_deleted=True)
    if request.method == "POST":
        if request.form.get("confirm") == "erase":
            evidence().purge(record.id, current_user.name)
            flash("The record has been erased. Nothing of it is left.", "success")
            return redirect(url_for("records.browse"))
        errors = {"confirm": "Tick the box to confirm that the record should be erased."}
        return render_template("records/erase.html", record=record, errors=errors), 422
    return render_template("records/erase.html", record=record, errors={})
