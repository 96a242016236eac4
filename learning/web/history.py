"""What changed between versions of a record, in words a person can read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from evidence.model import Record

LABELS = {
    "title": "Title",
    "date": "Date",
    "authority": "Local authority",
    "locality": "Locality",
    "author": "Author",
    "consent": "Consent",
    "indicators": "Indicators",
    "activities": "Activities",
    "tags": "Tags",
    "people": "People named",
    "quotes": "Quotes",
    "body": "Text",
    "fields": "Details",
}
# Short values are shown before and after; long ones are only named as changed.
SHOWN = (
    "title",
    "date",
    "authority",
    "locality",
    "author",
    "consent",
    "indicators",
    "activities",
    "tags",
)


@dataclass
class Change:
    key: str
    label: str
    before: str | None = None
    after: str | None = None


@dataclass
class Version:
    revision: int
    saved_at: str
    saved_by: str
    current: bool
    changes: list[Change] = field(default_factory=list)


def changed_keys(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The labels of the keys whose values differ."""
    return [LABELS[k] for k in LABELS if before.get(k) != after.get(k)]


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "(none)"
    return str(value) if value not in (None, "") else "(none)"


def describe(before: dict[str, Any] | None, after: dict[str, Any]) -> list[Change]:
    if before is None:
        return [Change("created", "Created")]
    changes = []
    for key, label in LABELS.items():
        if before.get(key) == after.get(key):
            continue
        if key in SHOWN:
            changes.append(Change(key, label, _text(before.get(key)), _text(after.get(key))))
        else:
            changes.append(Change(key, label))
    return changes


def describe_history(record: Record, revisions: list[dict[str, Any]]) -> list[Version]:
    """Every version, newest first, each with what it changed from the one before."""
    older = sorted(revisions, key=lambda r: r["revision"])
    chain = [(r["revision"], r["record"], r["saved_at"], r["saved_by"]) for r in older]
    chain.append((record.revision, record.to_dict(), record.updated_at, ""))
    versions = []
    for i, (revision, data, saved_at, _by) in enumerate(chain):
        # A revision row's saved_by is who replaced it, i.e. who made the next version.
        made_by = chain[i - 1][3] if i else data.get("author", "")
        before = chain[i - 1][1] if i else None
        versions.append(
            Version(
                revision, saved_at or "", made_by or "", i == len(chain) - 1, describe(before, data)
            )
        )
    return list(reversed(versions))
