"""Most Significant Change pages: /msc (the rounds, the choices over time; editors start a
round) and /msc/ID (a round as the reader may see it; editors change it, record the panel's
choices and close it). Every change goes through the service the API uses; each form posts,
then redirects (a refusal shows the page again with the error beside its field)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from evidence import msc as store_msc
from evidence.model import NotFound, ValidationError
from learning import msc
from learning.http.access import audience, role_required
from learning.http.state import evidence
from learning.msc import browse
from learning.updates.sentences import BALANCE_NOTE, balance_status

from .forms import field_id

bp = Blueprint("msc", __name__)
LINE_KEYS = ("title", "period_from", "period_to", "question", "level", "parent", "state")
CHOICE_KEYS = ("reasons", "votes", "dissent", "told_by", "written_by", "when", "where",
               "read_back")  # fmt: skip
BLANK_PANEL_ROWS = 3
CLOSED_MESSAGE = "This round is closed: nothing in it changes any more."
WORDS = {"field_id": field_id, "balance_status": balance_status, "balance_note": BALANCE_NOTE,
         "roles": store_msc.ROLES}  # fmt: skip


def _round_or_404(round_id: str) -> store_msc.Round:
    """The round if the reader may see it (viewers: closed ones); else the 404 page."""
    try:
        return msc.reading.get(evidence(), round_id, audience())
    except NotFound:
        abort(404)


def _values_of(r: store_msc.Round) -> dict[str, Any]:
    """What the round's form shows for a saved round (domains one a line)."""
    values: dict[str, Any] = {k: getattr(r, k) or "" for k in LINE_KEYS}
    values["domains"] = "\n".join(d["name"] for d in r.domains)
    values["panel"] = [dict(m) for m in r.panel]
    values["candidates"] = [dict(c) for c in r.candidates]
    return values


def _values_from_form() -> dict[str, Any]:
    """The round's form as sent, to show again if the save is refused."""
    form = request.form
    values: dict[str, Any] = {k: form.get(k, "").strip() for k in LINE_KEYS}
    values["domains"] = form.get("domains", "")
    rows = zip(form.getlist("panel.name"), form.getlist("panel.role"), strict=False)
    values["panel"] = [{"name": n.strip(), "role": role} for n, role in rows if n.strip() or role]
    values["candidates"] = [{"record": rid, "domain": form.get(f"domain.{rid}", "")}
                            for rid in form.getlist("candidates")]  # fmt: skip
    return values


def _round_data(values: dict[str, Any], with_candidates: bool) -> dict[str, Any]:
    """The form's values as the API's round (domains typed one a line)."""
    data = {k: v for k, v in values.items() if k != "candidates" or with_candidates}
    data["domains"] = [line.strip() for line in values["domains"].splitlines() if line.strip()]
    return data


def _index(values: dict[str, Any] | None = None, errors: dict[str, str] | None = None):
    ev, reader = evidence(), audience()
    rounds = msc.reading.summaries(ev, reader)
    return render_template(
        "msc/index.html",
        rounds=rounds,
        over_time=browse.over_time(ev, reader),
        parents=rounds if current_user.can("editor") else [],
        values=values or {"state": "open", "panel": [], "domains": ""},
        errors=errors or {},
        blank_rows=BLANK_PANEL_ROWS,
        **WORDS,
    )


@bp.route("/msc")
def index():
    return _index()


@bp.route("/msc", methods=["POST"])
@role_required("editor")
def create():
    values = _values_from_form()
    try:
        r = msc.rounds.create(evidence(), _round_data(values, False), current_user.name)
    except ValidationError as exc:
        return _index(values, exc.errors), 422
    flash(f"The round {r.title} has been started.", "success")
    return redirect(url_for("msc.show", round_id=r.id))


def _show(r: store_msc.Round, status: int = 200, **forms: Any):
    """The round's page; ``forms`` holds a refused form's values and errors."""
    ev, reader = evidence(), audience()
    editing = current_user.can("editor") and r.state != "closed"
    page = render_template(
        "msc/show.html",
        r=r,
        panel=msc.reading.panel_of(r, reader),
        balance=msc.rounds.balance(r.panel),
        candidates=browse.candidates_by_domain(ev, r, reader),
        choices=msc.reading.choices(ev, r, reader),
        above=msc.reading.above(ev, r, reader),
        editing=editing,
        offered=browse.offered(ev, r) if editing else [],
        parents=[p for p in msc.reading.summaries(ev, reader) if p["id"] != r.id],
        values=forms.get("values") or _values_of(r),
        errors=forms.get("errors") or {},
        choice_values=forms.get("choice_values") or {},
        choice_errors=forms.get("choice_errors") or {},
        problem=forms.get("problem", ""),
        blank_rows=BLANK_PANEL_ROWS,
        **WORDS,
    )
    return page, status


@bp.route("/msc/<round_id>")
def show(round_id: str):
    return _show(_round_or_404(round_id))


def _closed(round_id: str):
    """A change sent after the round was closed: said on the round's page (409)."""
    return _show(_round_or_404(round_id), 409, problem=CLOSED_MESSAGE)


@bp.route("/msc/<round_id>/change", methods=["POST"])
@role_required("editor")
def change(round_id: str):
    r = _round_or_404(round_id)
    values = _values_from_form()
    try:
        msc.rounds.change(evidence(), round_id, _round_data(values, True), current_user.name)
    except msc.RoundClosed:
        return _closed(round_id)
    except ValidationError as exc:
        return _show(r, 422, values=values, errors=exc.errors)
    flash("The round has been saved.", "success")
    return redirect(url_for("msc.show", round_id=round_id))


def _choice_from_form() -> dict[str, Any]:
    """One domain's choice as the form sends it (no story: ``record`` empty)."""
    form = request.form
    values = {k: form.get(k, "").strip() for k in ("domain", "record", *CHOICE_KEYS)}
    values["reasons"] = form.get("reasons", "")
    return values


def _choice_data(values: dict[str, Any]) -> dict[str, Any]:
    return {"choices": [{**values, "record": values["record"] or None}]}


@bp.route("/msc/<round_id>/choices", methods=["POST"])
@role_required("editor")
def choose(round_id: str):
    r = _round_or_404(round_id)
    values = _choice_from_form()
    try:
        msc.choices.record(evidence(), round_id, _choice_data(values), current_user.name)
    except msc.RoundClosed:
        return _closed(round_id)
    except ValidationError as exc:
        if values["domain"] not in {d["id"] for d in r.domains}:  # no form to show it beside
            return _show(r, 422, problem="; ".join(f"{k}: {v}" for k, v in exc.errors.items()))
        return _show(r, 422, choice_values=values, choice_errors=exc.errors)
    flash(f"The panel's choice in {r.domain_name(values['domain'])} has been recorded.",
          "success")  # fmt: skip
    return redirect(url_for("msc.show", round_id=round_id))


@bp.route("/msc/<round_id>/close", methods=["POST"])
@role_required("editor")
def close(round_id: str):
    _round_or_404(round_id)
    try:
        msc.rounds.close(evidence(), round_id, current_user.name)
    except msc.RoundClosed:
        return _closed(round_id)
    flash("The round has been closed: its choices are kept as they are.", "success")
    return redirect(url_for("msc.show", round_id=round_id))
