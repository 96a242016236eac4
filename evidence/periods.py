"""A lean read of a period for summaries: its records without their bodies, and counts.

A learning update for a year reads tens of thousands of records and shows none of their
bodies; it only counts the period before it. Building full records for both took seconds at
100,000 records, so here the period's records come without body, tags, author, revision or
timestamps (left empty), and the previous period is counted in SQL.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import json
import sqlite3
import threading
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from .model import Record

LEAN_COLUMNS = (
    "id, type, title, date, authority, locality, consent, indicators, activities, people, "
    "quotes, fields"
)
_LONG = 2.0**63  # orjson reads a larger integer as a float
_CHUNK = 500  # ids per query, well under SQLite's limit on parameters
_pause_lock = threading.Lock()
_pause = {"count": 0, "resume": False}


@dataclass(frozen=True)
class PeriodCounts:
    """How many records a period holds, in all and per indicator code."""

    total: int = 0
    by_indicator: dict[str, int] = field(default_factory=dict)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cycle collector (for the whole process) while a period is read or summarised.

    A year is tens of thousands of records, each a handful of small lists and dicts in no
    cycle; the collector's repeated passes over them took as long as the work itself. Their
    memory is still freed as they are dropped. Overlapping pauses (the web server's threads)
    share one: the last to end resumes the collector, if it was running when the first began.
    """
    with _pause_lock:
        if not _pause["count"]:
            _pause["resume"] = gc.isenabled()
            gc.disable()
        _pause["count"] += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pause["count"] -= 1
            if not _pause["count"] and _pause["resume"]:
                gc.enable()


def _marks(values: Collection[object]) -> str:
    return ", ".join("?" * len(values))


def _loads(text: str) -> Any:
    """A lean row's JSON, read with orjson (twice as fast over a year's records), or with the
    standard library where orjson reads otherwise: it refuses NaN, and reads an integer past
    64 bits as a float (a field's number is the one place one can be: lists hold text)."""
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
    fields = value[-1] if type(value) is list and value else None
    if type(fields) is dict:
        for v in fields.values():
            if type(v) is float and (v >= _LONG or v <= -_LONG):
                return json.loads(text)
    return value


def _lean(rows: Iterable[tuple]) -> list[Record]:
    """Records from rows of ``LEAN_COLUMNS``."""
    records = []
    for rid, type_, title, date, authority, locality, consent, *lists in rows:
        # One JSON document a row: the per-call cost, not the parsing, dominates.
        indicators, activities, people, quotes, fields = _loads(
            f"[{lists[0] or '[]'},{lists[1] or '[]'},{lists[2] or '[]'},"
            f"{lists[3] or '[]'},{lists[4] or '{}'}]"
        )
        # Positional (the dataclass's order), which is faster than by name, tens of thousands
        # of times: type, title, date, consent, indicators, id, authority, locality, author,
        # activities, tags, people, quotes, body, fields.
        records.append(
            Record(type_, title, date, consent, indicators, rid, authority or "",
                   locality or "", "", activities, [], people, quotes, "", fields)
        )  # fmt: skip
    return records


def period_before(date_from: str, date_to: str) -> tuple[str, str]:
    """The period of the same length that ends the day before ``date_from`` (ISO dates): the
    one a learning update compares with. Near year 1, the first day twice."""
    start, end = dt.date.fromisoformat(date_from[:10]), dt.date.fromisoformat(date_to[:10])
    try:
        last = start - dt.timedelta(days=1)
        return (last - (end - start)).isoformat(), last.isoformat()
    except OverflowError:  # a period near year 1 has no full period before it
        return dt.date.min.isoformat(), dt.date.min.isoformat()


def read_period(
    conn: sqlite3.Connection, date_from: str, date_to: str, consents: Collection[str] = ()
) -> list[Record]:
    """Live records dated ``date_from``..``date_to`` (inclusive), oldest first, lean.

    Lean records have no body, tags, author, revision or timestamps. ``consents``, when
    given, keeps only records of those consent levels.
    """
    sql = f"SELECT {LEAN_COLUMNS} FROM records WHERE deleted_at IS NULL AND date >= ? AND date <= ?"
    params: list[object] = [date_from, date_to]
    if consents:
        sql += f" AND consent IN ({_marks(consents)})"
        params.extend(consents)
    with collector_paused():
        return _lean(conn.execute(sql + " ORDER BY date, id", params).fetchall())


def read_ids(
    conn: sqlite3.Connection, ids: Iterable[str], date_from: str, date_to: str
) -> list[Record]:
    """The live records among ``ids`` dated ``date_from``..``date_to``, oldest first, lean."""
    wanted = sorted(set(ids))
    rows: list[tuple] = []
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        rows += conn.execute(
            f"SELECT {LEAN_COLUMNS} FROM records WHERE id IN ({_marks(chunk)}) "
            "AND deleted_at IS NULL AND date >= ? AND date <= ?",
            [*chunk, date_from, date_to],
        ).fetchall()
    return _lean(sorted(rows, key=lambda row: (row[3], row[0])))


def count_period(
    conn: sqlite3.Connection,
    date_from: str,
    date_to: str,
    consents: Collection[str],
    indicators: Collection[str],
    activities: Collection[str],
    skip_types: Collection[str] = (),
    made_by: str | None = None,
) -> PeriodCounts:
    """Count live records dated ``date_from``..``date_to``, tagged with any of ``indicators``
    or ``activities``, not of ``skip_types`` (and, given ``consents``, of those consent levels;
    given ``made_by``, created by then): in all and per indicator.
    """
    if not (indicators or activities):
        return PeriodCounts()
    where, params = _counted(date_from, date_to, consents, indicators, activities, skip_types)
    if made_by:
        where, params = f"{where} AND created_at <= ?", [*params, made_by]
    sql = (
        f"WITH period AS (SELECT id FROM records WHERE {where}) "
        "SELECT NULL, count(*) FROM period UNION ALL "
        "SELECT code, count(*) FROM record_indicators "
        "WHERE record_id IN (SELECT id FROM period) GROUP BY code"
    )
    rows = conn.execute(sql, params).fetchall()
    total = next(n for code, n in rows if code is None)
    return PeriodCounts(total, {code: n for code, n in rows if code is not None})


def _counted(
    date_from: str,
    date_to: str,
    consents: Collection[str],
    indicators: Collection[str],
    activities: Collection[str],
    skip_types: Collection[str],
) -> tuple[str, list[object]]:
    """The WHERE clause (and its parameters) of ``count_period``."""
    where = "deleted_at IS NULL AND date >= ? AND date <= ?"
    params: list[object] = [date_from, date_to]
    if consents:
        where += f" AND consent IN ({_marks(consents)})"
        params.extend(consents)
    if skip_types:
        where += f" AND type NOT IN ({_marks(skip_types)})"
        params.extend(skip_types)
    tagged = []
    if indicators:
        tagged.append(
            "EXISTS (SELECT 1 FROM record_indicators ri WHERE ri.record_id = records.id "
            f"AND ri.code IN ({_marks(indicators)}))"
        )
        params.extend(indicators)
    if activities:
        tagged.append(
            "EXISTS (SELECT 1 FROM json_each(records.activities) "
            f"WHERE value IN ({_marks(activities)}))"
        )
        params.extend(activities)
    return f"{where} AND ({' OR '.join(tagged)})", params
