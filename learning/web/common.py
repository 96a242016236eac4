"""Small helpers the page blueprints share: query parameters, pagination, record lookup."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from flask import abort, current_app, request, url_for
from flask_login import current_user

from evidence.consent import visible_consents
from evidence.model import NotFound, Record
from evidence.store import RecordFilter
from evidence.validate import ID_PATTERN, whole_number
from learning.http.access import audience
from learning.http.state import evidence

FILTER_KEYS = ("type", "indicator", "locality", "consent", "from", "to")
MAX_PAGE = 10_000


@dataclass
class Pagination:
    """Which page of how many, with the links GOV.UK's pagination pattern needs."""

    page: int
    per_page: int
    total: int
    endpoint: str
    args: dict[str, Any]

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def first_item(self) -> int:
        return 0 if not self.total else (self.page - 1) * self.per_page + 1

    @property
    def last_item(self) -> int:
        return min(self.total, self.page * self.per_page)

    def url(self, page: int) -> str:
        return url_for(self.endpoint, **{**self.args, "page": page})

    def numbers(self) -> list[int | None]:
        """Page numbers to show, with None for a gap (1 … 4 5 6 … 20)."""
        wanted = {1, self.pages, self.page - 1, self.page, self.page + 1}
        shown = sorted(p for p in wanted if 1 <= p <= self.pages)
        out: list[int | None] = []
        for p in shown:
            if out and p - out[-1] > 1:  # type: ignore[operator]
                out.append(None)
            out.append(p)
        return out


def page_number() -> int:
    """The ``page`` query parameter (1 when absent or not a sensible number)."""
    number = whole_number(request.args.get("page", "1"))
    return min(number, MAX_PAGE) if number is not None and number >= 1 else 1


def iso_date(value: str | None) -> str | None:
    """A YYYY-MM-DD date from a query parameter, or None when it is not one."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        return None


def chosen_filters() -> dict[str, Any]:
    """The browse filters in the query string that make sense (others are ignored); the
    codes and places of every plan the data dir holds make sense."""
    framework = evidence().reading_framework
    args = request.args
    allowed = {
        "type": set(framework.record_types),
        "indicator": set(framework.indicators),
        "locality": set(framework.localities()),
        "consent": set(visible_consents(audience())),
    }
    chosen: dict[str, Any] = {}
    for key, known in allowed.items():
        values = [v for v in args.getlist(key) if v in known]
        if values:
            chosen[key] = values
    for key in ("from", "to"):
        if iso_date(args.get(key)):
            chosen[key] = iso_date(args.get(key))
    return chosen


def record_filter(chosen: dict[str, Any], **extra: Any) -> RecordFilter:
    """A store filter for the chosen values, limited to what the reader may see."""
    return RecordFilter(
        type=chosen.get("type"),
        indicator=chosen.get("indicator"),
        locality=chosen.get("locality"),
        consent=chosen.get("consent") or list(visible_consents(audience())),
        date_from=chosen.get("from"),
        date_to=chosen.get("to"),
        **extra,
    )


def per_page() -> int:
    return int(current_app.config["PER_PAGE"])


def load_record(record_id: str, allow_deleted: bool = False) -> Record:
    """The record as the current person may see it; 404 when they may not see it at all."""
    if not ID_PATTERN.match(record_id):
        abort(404)
    try:
        return evidence().get(record_id, audience())
    except NotFound:
        pass
    if allow_deleted and current_user.can("admin"):
        try:
            return evidence().store.get(record_id, include_deleted=True)
        except NotFound:
            pass
    abort(404)


def evidence_types() -> list[str]:
    """Record types that count as evidence (a learning update reports on evidence; it is none)."""
    return [name for name in evidence().framework.record_types if name != "learning_update"]


def type_label(record_type: str) -> str:
    spec = evidence().reading_framework.record_types.get(record_type)
    return spec.label if spec else record_type


def init_app(app) -> None:
    from .forms import field_id

    @app.context_processor
    def _helpers() -> dict[str, Any]:
        return {"type_label": type_label, "field_id": field_id}
