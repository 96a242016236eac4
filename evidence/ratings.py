"""Progress ratings: an editor's judgement of an indicator for a period, with its evidence."""

from __future__ import annotations

import json
from typing import Any

from .coding import get_excerpt
from .model import NotFound, ValidationError, utcnow
from .store import Store
from .validate import ID_PATTERN, MAX_BODY, _Problem, clean_date, clean_list, clean_text

PROGRESS_LEVELS = ("emerging", "developing", "established")
CONFIDENCE_LEVELS = ("low", "medium", "high")
CONSENT_LEVELS = ("internal", "anonymised", "public")
DEFAULT_CONSENT = "anonymised"
_KEYS = (
    "indicator",
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


def validate_rating(data: Any, framework: Any, store: Store) -> dict[str, Any]:
    """Check a rating; every problem named by its field."""
    if not isinstance(data, dict):
        raise ValidationError("rating", "must be a mapping of keys to values")
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    for key in data:
        if key not in _KEYS:
            errors[str(key)[:60]] = "is not a rating key"
    if data.get("indicator") not in framework.indicators:
        errors["indicator"] = f"unknown indicator code {str(data.get('indicator'))[:20]!r}"
    else:
        out["indicator"] = data["indicator"]
    for key in ("period_from", "period_to"):
        try:
            out[key] = clean_date(data.get(key))
        except _Problem as problem:
            errors[key] = str(problem)
    if not errors.keys() & {"period_from", "period_to"} and out["period_from"] > out["period_to"]:
        errors["period_to"] = "must be on or after period_from"
    for key, levels in (("progress", PROGRESS_LEVELS), ("confidence", CONFIDENCE_LEVELS)):
        if data.get(key) not in levels:
            errors[key] = f"must be one of {', '.join(levels)}"
        else:
            out[key] = data[key]
    try:
        out["rationale"] = clean_text(data.get("rationale"), MAX_BODY, multiline=True)
        if not out["rationale"]:
            errors["rationale"] = "is required: say why"
    except _Problem as problem:
        errors["rationale"] = str(problem)
    try:
        out["records"] = clean_list(data.get("records"), 64)
        missing = [r for r in out["records"] if not store.exists(r)]
        if missing:
            errors["records"] = f"no record with id {', '.join(missing[:5])}"
    except _Problem as problem:
        errors["records"] = str(problem)
    _cited_passages(data.get("excerpts"), store, out, errors)
    consent = data.get("consent")
    if consent in (None, ""):
        out["consent"] = DEFAULT_CONSENT
    elif consent not in CONSENT_LEVELS:
        errors["consent"] = f"must be one of {', '.join(CONSENT_LEVELS)}"
    else:
        out["consent"] = consent
    try:
        out["people"] = clean_list(data.get("people"))
    except _Problem as problem:
        errors["people"] = str(problem)
    if errors:
        raise ValidationError(errors)
    return out


def _cited_passages(value: Any, store: Store, out: dict[str, Any], errors: dict[str, str]) -> None:
    """Check the excerpts a rating cites: each a live record's passage. Their records join
    ``records`` (a passage is evidence of its record), so consent and erasure follow them."""
    try:
        out["excerpts"] = clean_list(value, 64)
    except _Problem as problem:
        errors["excerpts"] = str(problem)
        return
    problems, records = [], []
    for excerpt_id in out["excerpts"]:
        try:
            if not ID_PATTERN.match(excerpt_id):
                raise NotFound(excerpt_id)
            record = store.get(get_excerpt(store, excerpt_id).record)
        except NotFound:  # no such excerpt, or its record is soft-deleted
            problems.append(f"no excerpt with id {excerpt_id[:64]} (of a record not deleted)")
            continue
        records.append(record.id)
    if problems:
        errors["excerpts"] = "; ".join(problems[:5])
    elif "records" in out:
        out["records"] = list(dict.fromkeys([*out["records"], *records]))


def add_rating(store: Store, framework: Any, data: Any, actor: str) -> dict[str, Any]:
    """Record a progress rating; returns it as stored."""
    rating = validate_rating(data, framework, store)
    rating.update(rated_by=actor, rated_at=utcnow())
    with store.write() as conn:
        row = {
            **rating,
            "records": json.dumps(rating["records"]),
            "people": json.dumps(rating["people"], ensure_ascii=False),
            "excerpts": json.dumps(rating["excerpts"]),
        }
        cursor = conn.execute(
            f"INSERT INTO ratings ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
            list(row.values()),
        )
        store._audit(conn, actor, "rating", None, f"{rating['indicator']} {rating['progress']}")
    return {"id": cursor.lastrowid, **rating}


def list_ratings(store: Store, indicator: str | None = None) -> list[dict[str, Any]]:
    """Ratings, oldest period first (optionally for one indicator)."""
    sql = "SELECT * FROM ratings"
    params: list[Any] = []
    if indicator:
        sql += " WHERE indicator = ?"
        params.append(indicator)
    cursor = store.conn.execute(sql + " ORDER BY period_to, id", params)
    names = [d[0] for d in cursor.description]
    ratings = []
    for row in cursor.fetchall():
        rating = dict(zip(names, row, strict=True))
        rating["records"] = json.loads(rating["records"] or "[]")
        rating["people"] = json.loads(rating.get("people") or "[]")
        rating["excerpts"] = json.loads(rating.get("excerpts") or "[]")
        rating["consent"] = rating.get("consent") or "internal"
        ratings.append(rating)
    return ratings


def linked_people(store: Store, ratings: list[dict[str, Any]]) -> dict[str, tuple[str, list[str]]]:
    """(consent, people) of every record the ratings link, whatever its date or state.

    A rating's rationale may name anyone in the records it links, so redacting it needs
    them all: soft-deleted records and records of any period included.
    """
    return store.people_of([str(i) for r in ratings for i in r.get("records") or []])
