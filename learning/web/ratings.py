"""Progress ratings on the indicator page: the list every reader sees, the form editors use.

The form's fields are the rating's JSON keys. Records behind a rating are chosen by ticking
the indicator's recent records (``recent``) or by pasting ids one a line (``records``);
coded passages to cite by ticking the indicator's recent passages (``recent_excerpts``) or
by pasting excerpt ids (``excerpts``); a cited passage's record joins the records behind it.
A refused save shows the page again with the text as typed.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from evidence.consent import INTERNAL
from evidence.model import NotFound, Record, ValidationError
from evidence.store import RecordFilter
from learning.coding import excerpts
from learning.coding.excerpts import ExcerptQuery
from learning.http.access import audience, role_required
from learning.http.state import evidence
from learning.progress import (
    CONFIDENCE_LEVELS,
    CONSENT_LEVELS,
    PROGRESS_LEVELS,
    ShownRating,
    rate,
    ratings_for,
)

from .common import evidence_types
from .forms import field_id, lines
from .learning_updates import last_quarter

bp = Blueprint("ratings", __name__)
RECENT_TO_TICK = 10
TEXT_KEYS = (
    "period_from",
    "period_to",
    "progress",
    "confidence",
    "rationale",
    "records",
    "consent",
    "people",
    "excerpts",
)
LABELS = {
    "period_from": "Period from",
    "period_to": "Period to",
    "progress": "Progress",
    "confidence": "Confidence in the evidence",
    "rationale": "Why",
    "records": "Records behind the rating",
    "consent": "Who may read this rating",
    "people": "People named in the rationale",
    "excerpts": "Coded passages behind the rating",
    "indicator": "Indicator",
}
PROGRESS_HINTS = {
    "emerging": "Early signs; the change is starting.",
    "developing": "The change is happening in more places or more often.",
    "established": "The change is part of how things are done.",
}
CONFIDENCE_HINTS = {
    "low": "A few records, or from one place or one voice.",
    "medium": "Several records that agree, from more than one place or voice.",
    "high": "Many records, consistent, from families and practitioners alike.",
}
CONSENT_HINTS = {
    "internal": "The team only: never shown to viewers or in external learning updates.",
    "anonymised": "May be shared outside the team with every name replaced.",
    "public": "May be shared as written (names from non-public linked records are still replaced).",
}


def blank_values() -> dict[str, Any]:
    """The form as it first shows: the last whole quarter, nothing chosen."""
    start, end = last_quarter()
    values: dict[str, Any] = dict.fromkeys(TEXT_KEYS, "")
    values.update(
        period_from=start, period_to=end, recent=[], recent_excerpts=[], consent="anonymised"
    )
    return values


def values_from_form(form: MultiDict) -> dict[str, Any]:
    """The form as it was sent, to show again if the save is refused."""
    values: dict[str, Any] = {key: form.get(key, "") for key in TEXT_KEYS}
    values["recent"] = form.getlist("recent")
    values["recent_excerpts"] = form.getlist("recent_excerpts")
    return values


def rating_data(values: dict[str, Any]) -> dict[str, Any]:
    """The rating (the API's shape) the form describes; ticked records first, then pasted."""
    chosen = [v.strip() for v in values["recent"] if v.strip()] + lines(values["records"])
    data = {
        key: values[key].strip()
        for key in TEXT_KEYS
        if key not in ("records", "rationale", "people", "excerpts")
    }
    data["rationale"] = values["rationale"]
    data["records"] = list(dict.fromkeys(chosen))
    data["people"] = lines(values["people"])
    ticked = [v.strip() for v in values.get("recent_excerpts") or [] if v.strip()]
    data["excerpts"] = list(dict.fromkeys(ticked + lines(values["excerpts"])))
    return {k: v for k, v in data.items() if v not in ("", None)}


def recent_records(code: str) -> list[Record]:
    """The indicator's newest records, for ticking (editors see every consent level)."""
    _, records = evidence().list(
        RecordFilter(indicator=code, type=evidence_types()), INTERNAL, limit=RECENT_TO_TICK
    )
    return records


def recent_passages(code: str) -> list[dict[str, Any]]:
    """The newest passages coded with the indicator, with their records, for ticking."""
    asked = ExcerptQuery(code=code, per_page=RECENT_TO_TICK)
    return excerpts.find(evidence(), asked, INTERNAL)["excerpts"]


def page_context(
    code: str,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    recent: list[Record] | None = None,
) -> dict[str, Any]:
    """What the indicator page needs to show the ratings and, for editors, the form.

    ``recent`` is the page's first page of records, when it has it (saves a query).
    """
    context: dict[str, Any] = {
        "ratings": shown_ratings(code),
        "rating_form": None,
    }
    if current_user.can("editor"):
        context["rating_form"] = {
            "values": values or blank_values(),
            "errors": errors or {},
            "recent": (recent or [])[:RECENT_TO_TICK]
            if recent is not None
            else recent_records(code),
            "passages": recent_passages(code),
            "labels": LABELS,
            "progress_options": [(p, p.capitalize(), PROGRESS_HINTS[p]) for p in PROGRESS_LEVELS],
            "confidence_options": [
                (c, c.capitalize(), CONFIDENCE_HINTS[c]) for c in CONFIDENCE_LEVELS
            ],
            "consent_options": [(c, c.capitalize(), CONSENT_HINTS[c]) for c in CONSENT_LEVELS],
        }
        context["field_id"] = field_id
    return context


def shown_ratings(code: str) -> list[ShownRating]:
    return ratings_for(evidence().store, code, audience())


@bp.route("/indicators/<code>/ratings", methods=["POST"])
@role_required("editor")
def add(code: str):
    from .coverage import render_indicator

    ev = evidence()
    if code not in ev.reading_framework.indicators:  # an indicator of any plan held
        abort(404)
    values = values_from_form(request.form)
    data = rating_data(values)
    try:
        rate(ev.store, ev.rating_framework(data), code, data, current_user.name)
    except ValidationError as exc:
        return render_indicator(code, values, exc.errors), 422
    except NotFound:
        abort(404)
    flash("The progress rating has been saved.", "success")
    return redirect(url_for("framework.indicator", code=code, _anchor="ratings"))
