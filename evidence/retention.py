"""Retention: records older than the retention period, waiting for an admin's review.

A record is due when its ``date`` is more than the period before today, unless an admin kept
it, with a reason, until a date that has not come yet. Erasing a due record is the record's
erasure (``Store.purge``); keeping it is a row of ``retention_kept``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .model import NotFound, ValidationError, utcnow

if TYPE_CHECKING:
    from .store import Store

DEFAULT_YEARS = 7
MAX_REASON = 500


@dataclass(frozen=True)
class Due:
    """A record past the retention period, and whether (and why) it was kept before."""

    id: str
    title: str
    date: str
    kept_until: str | None
    reason: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "date": self.date,
                "kept_until": self.kept_until, "reason": self.reason}  # fmt: skip


def cutoff(years: int, today: dt.date) -> str:
    """The date before which a record is past the period (29 February falls to the 28th)."""
    try:
        return today.replace(year=today.year - years).isoformat()
    except ValueError:
        return today.replace(year=today.year - years, day=28).isoformat()


def _where(years: int, today: dt.date) -> tuple[str, list[Any]]:
    return (
        "FROM records r LEFT JOIN retention_kept k ON k.record_id = r.id "
        "WHERE r.date < ? AND r.type != 'learning_update' "
        "AND (k.kept_until IS NULL OR k.kept_until <= ?)",
        [cutoff(years, today), today.isoformat()],
    )


def due(store: Store, years: int, today: dt.date, limit: int = 10_000) -> list[Due]:
    """The records past the period and not kept beyond today, oldest first."""
    where, params = _where(years, today)
    rows = store.conn.execute(
        f"SELECT r.id, r.title, r.date, k.kept_until, k.reason {where} "
        "ORDER BY r.date, r.id LIMIT ?",
        [*params, limit],
    )
    return [Due(*row) for row in rows]


def count_due(store: Store, years: int, today: dt.date) -> int:
    """How many records wait for review."""
    where, params = _where(years, today)
    return store.conn.execute(f"SELECT count(*) {where}", params).fetchone()[0]


def keep(
    store: Store, record_id: str, until: str, reason: str, today: dt.date, actor: str = ""
) -> None:
    """Keep a record past the period until ``until`` (a later date), for ``reason``."""
    errors = {}
    try:
        day = dt.date.fromisoformat(until)
        if day <= today:
            errors["until"] = "must be a date after today (when to look again)"
    except (TypeError, ValueError):
        errors["until"] = "must be a date, YYYY-MM-DD"
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = "is required (why the record is kept)"
    elif len(reason) > MAX_REASON:
        errors["reason"] = f"is longer than {MAX_REASON} characters"
    if errors:
        raise ValidationError(errors)
    with store.write() as conn:
        if not conn.execute("SELECT 1 FROM records WHERE id = ?", [record_id]).fetchone():
            raise NotFound(f"record {record_id}")
        conn.execute(
            "INSERT INTO retention_kept (record_id, kept_until, reason, kept_by, kept_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(record_id) DO UPDATE SET "
            "kept_until = excluded.kept_until, reason = excluded.reason, "
            "kept_by = excluded.kept_by, kept_at = excluded.kept_at",
            [record_id, until, reason, actor, utcnow()],
        )
        store._audit(conn, actor, "retention-keep", record_id, f"until {until}")
