"""Records to SQLite rows and back, and the content fingerprint that makes import idempotent."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from .consent import held_consent
from .model import Record

JSON_COLUMNS = ("indicators", "activities", "tags", "people", "quotes", "fields")


def content_hash(record: Record) -> str:
    """A fingerprint of what a record says (not its id or timestamps), for idempotent import."""
    data = record.to_dict()
    # origin and status too: records hashed before they existed import back as the same.
    for key in ("id", "revision", "created_at", "updated_at", "origin", "status"):
        data.pop(key, None)
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def row_to_record(row: dict[str, Any]) -> Record:
    data = dict(row)
    # One JSON document for the six JSON columns: a year of evidence is ~50,000 rows, and
    # json.loads' per-call cost, not the parsing, dominated reading them.
    joined = ",".join(data.pop(k) or ("{}" if k == "fields" else "[]") for k in JSON_COLUMNS)
    data.update(zip(JSON_COLUMNS, json.loads(f"[{joined}]"), strict=True))
    for key in ("authority", "locality", "author", "body"):
        data[key] = data.get(key) or ""
    data.pop("content_hash", None)
    chosen = data.pop("consent_chosen", None)
    if chosen and data.get("status") == "submitted":
        data["consent"] = chosen  # the column says internal until an editor accepts it
    data["origin"] = data.get("origin") or "staff"
    try:
        return Record(**data)
    except TypeError:  # a column this version does not know
        return Record.from_dict(data)


def record_to_row(record: Record) -> dict[str, Any]:
    row = record.to_dict(include_deleted=True)
    for key in JSON_COLUMNS:
        row[key] = json.dumps(row[key], ensure_ascii=False)
    row["content_hash"] = content_hash(record)
    # A submitted story is held back as internal in the column every count, list and query
    # filters on (the one rule outside the team); the consent the team reads is kept beside it.
    row["consent_chosen"] = record.consent if record.origin == "family" else None
    row["consent"] = held_consent(record)
    return row
