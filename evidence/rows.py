"""Records to SQLite rows and back, and the content fingerprint that makes import idempotent."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from .model import Record

JSON_COLUMNS = ("indicators", "activities", "tags", "people", "quotes", "fields")


def content_hash(record: Record) -> str:
    """A fingerprint of what a record says (not its id or timestamps), for idempotent import."""
    data = record.to_dict()
    for key in ("id", "revision", "created_at", "updated_at"):
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
    try:
        return Record(**data)
    except TypeError:  # a column this version does not know
        return Record.from_dict(data)


def record_to_row(record: Record) -> dict[str, Any]:
    row = record.to_dict(include_deleted=True)
    for key in JSON_COLUMNS:
        row[key] = json.dumps(row[key], ensure_ascii=False)
    row["content_hash"] = content_hash(record)
    return row
