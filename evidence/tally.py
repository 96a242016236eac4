"""Running counts of live records, kept by SQLite triggers in the writing transaction.

The dashboard, browse and indicator pages count records by type, consent, locality,
indicator and quarter. At 100,000 records those grouped scans take SQLite 0.1–0.35 s each, and
every write made the next page pay for them again. Two small tables hold the same counts
per (type, consent, authority, locality, month) and per (indicator, type, consent, month);
triggers on ``records`` and ``record_indicators`` keep them exact in the same transaction as
the write, so a crash or a rollback can never leave them out of step with the records.
Questions they cannot answer (date ranges, several indicators, deleted records, lists of
ids) still go to the records themselves.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from . import code_tally

RECORD_KEY = "type, consent, authority, locality, month"
INDICATOR_KEY = "code, type, consent, month"

# The derived measures' sums (see derived.py), per record key: a field's total in hundredths
# (integers, so adding and taking away never leaves a rounding residue), and the fund
# decisions whose panel met the 50:50 minimum (families at least as many as practitioners).
SUMMED = ("families", "practitioners", "participants", "amount_gbp")
_BALANCED = (
    "CAST(json_extract({row}.fields, '$.families_on_panel') AS REAL) >= "
    "CAST(json_extract({row}.fields, '$.practitioners_on_panel') AS REAL)"
)


def hundredths(row: str, field: str) -> str:
    """SQL for ``row``'s ``field`` in hundredths (what the tally sums; derived.py too)."""
    return (
        f"CASE WHEN json_valid({row}.fields) THEN CAST(round(coalesce(CAST("
        f"json_extract({row}.fields, '$.{field}') AS REAL), 0) * 100) AS INTEGER) ELSE 0 END"
    )


def _balanced(row: str) -> str:
    return f"CASE WHEN json_valid({row}.fields) AND {_BALANCED.format(row=row)} THEN 1 ELSE 0 END"


def _derived(row: str, delta: int) -> str:
    """Add ``delta`` times ``row``'s counts and sums to the derived tally, if it is live."""
    sums = ", ".join(f"{delta} * {hundredths(row, f)}" for f in SUMMED)
    updates = ", ".join(f"{f} = {f} + excluded.{f}" for f in (*SUMMED, "balanced"))
    return (
        f"INSERT INTO derived_tally ({RECORD_KEY}, n, {', '.join(SUMMED)}, balanced) "
        f"SELECT {row}.type, {row}.consent, coalesce({row}.authority, ''), "
        f"coalesce({row}.locality, ''), substr({row}.date, 1, 7), {delta}, {sums}, "
        f"{delta} * {_balanced(row)} WHERE {row}.deleted_at IS NULL "
        f"ON CONFLICT ({RECORD_KEY}) DO UPDATE SET n = n + excluded.n, {updates};"
    )


def _record(row: str, delta: int) -> str:
    """Add ``delta`` to the record tally of ``row`` (old or new) if that row is live."""
    return (
        f"INSERT INTO record_tally ({RECORD_KEY}, n) SELECT {row}.type, {row}.consent, "
        f"coalesce({row}.authority, ''), coalesce({row}.locality, ''), "
        f"substr({row}.date, 1, 7), {delta} WHERE {row}.deleted_at IS NULL "
        f"ON CONFLICT ({RECORD_KEY}) DO UPDATE SET n = n + excluded.n;"
    )


def _links(row: str, delta: int) -> str:
    """Add ``delta`` to the indicator tally of each of ``row``'s indicator links, if live."""
    return (
        f"INSERT INTO indicator_tally ({INDICATOR_KEY}, n) SELECT code, {row}.type, "
        f"{row}.consent, substr({row}.date, 1, 7), {delta} FROM record_indicators "
        f"WHERE record_id = {row}.id AND {row}.deleted_at IS NULL "
        f"ON CONFLICT ({INDICATOR_KEY}) DO UPDATE SET n = n + excluded.n;"
    )


def _link(row: str, delta: int) -> str:
    """Add ``delta`` to the indicator tally of one link ``row``, if its record is live."""
    return (
        f"INSERT INTO indicator_tally ({INDICATOR_KEY}, n) SELECT {row}.code, r.type, "
        f"r.consent, substr(r.date, 1, 7), {delta} FROM records r "
        f"WHERE r.id = {row}.record_id AND r.deleted_at IS NULL "
        f"ON CONFLICT ({INDICATOR_KEY}) DO UPDATE SET n = n + excluded.n;"
    )


COUNTED = "type, consent, authority, locality, date, deleted_at"
TRIGGERS = {
    "tally_derived_insert": f"AFTER INSERT ON records BEGIN {_derived('new', 1)} END",
    "tally_derived_delete": f"AFTER DELETE ON records BEGIN {_derived('old', -1)} END",
    "tally_derived_update": (
        f"AFTER UPDATE OF {COUNTED}, fields ON records BEGIN "
        f"{_derived('old', -1)} {_derived('new', 1)} END"
    ),
    "tally_record_insert": f"AFTER INSERT ON records BEGIN {_record('new', 1)} END",
    # Purge deletes a record's links first; any left are counted out here.
    "tally_record_delete": (
        f"AFTER DELETE ON records BEGIN {_record('old', -1)} {_links('old', -1)} END"
    ),
    # A change to a counted column moves the record, and its links, between keys.
    "tally_record_update": (
        f"AFTER UPDATE OF {COUNTED} ON records BEGIN "
        f"{_record('old', -1)} {_links('old', -1)} {_record('new', 1)} {_links('new', 1)} END"
    ),
    "tally_link_insert": f"AFTER INSERT ON record_indicators BEGIN {_link('new', 1)} END",
    "tally_link_delete": f"AFTER DELETE ON record_indicators BEGIN {_link('old', -1)} END",
}

TABLES = (
    f"CREATE TABLE IF NOT EXISTS record_tally (type TEXT NOT NULL, consent TEXT NOT NULL, "
    f"authority TEXT NOT NULL, locality TEXT NOT NULL, month TEXT NOT NULL, "
    f"n INTEGER NOT NULL, PRIMARY KEY ({RECORD_KEY}))",
    f"CREATE TABLE IF NOT EXISTS indicator_tally (code TEXT NOT NULL, type TEXT NOT NULL, "
    f"consent TEXT NOT NULL, month TEXT NOT NULL, n INTEGER NOT NULL, "
    f"PRIMARY KEY ({INDICATOR_KEY}))",
    f"CREATE TABLE IF NOT EXISTS derived_tally (type TEXT NOT NULL, consent TEXT NOT NULL, "
    f"authority TEXT NOT NULL, locality TEXT NOT NULL, month TEXT NOT NULL, "
    f"n INTEGER NOT NULL, {', '.join(f + ' INTEGER NOT NULL' for f in SUMMED)}, "
    f"balanced INTEGER NOT NULL, PRIMARY KEY ({RECORD_KEY}))",
)

_FRESH = {
    "record_tally": (
        "SELECT type, consent, coalesce(authority, ''), coalesce(locality, ''), "
        "substr(date, 1, 7), count(*) FROM records WHERE deleted_at IS NULL "
        "GROUP BY 1, 2, 3, 4, 5"
    ),
    "indicator_tally": (
        "SELECT ri.code, r.type, r.consent, substr(r.date, 1, 7), count(*) "
        "FROM record_indicators ri JOIN records r ON r.id = ri.record_id "
        "WHERE r.deleted_at IS NULL GROUP BY 1, 2, 3, 4"
    ),
    "derived_tally": (
        "SELECT r.type, r.consent, coalesce(r.authority, ''), coalesce(r.locality, ''), "
        "substr(r.date, 1, 7), count(*), "
        + ", ".join(f"sum({hundredths('r', f)})" for f in SUMMED)
        + f", sum({_balanced('r')}) FROM records r WHERE r.deleted_at IS NULL "
        "GROUP BY 1, 2, 3, 4, 5"
    ),
}


def _has_code_tally(conn: sqlite3.Connection) -> bool:
    """Whether the schema keeps a code's counts yet (the record tallies come before them)."""
    found = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'code_records'"
    )
    return found.fetchone() is not None


def install(conn: sqlite3.Connection) -> None:
    """Create the tally tables and triggers, and count the records already there."""
    for sql in TABLES:
        conn.execute(sql)
    for name, body in TRIGGERS.items():
        conn.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")
    recount(conn)


def recount(conn: sqlite3.Connection) -> None:
    """Count every tally afresh from the records (inside the caller's transaction)."""
    for table, select in _FRESH.items():
        conn.execute(f"DELETE FROM {table}")
        conn.execute(f"INSERT INTO {table} {select}")
    if _has_code_tally(conn):
        code_tally.recount(conn)


def differences(conn: sqlite3.Connection) -> list[str]:
    """Tallies that disagree with the records (empty when they agree)."""
    problems = []
    for table, select in _FRESH.items():
        kept = conn.execute(f"SELECT * FROM {table} WHERE n != 0").fetchall()
        if sorted(kept) != sorted(conn.execute(select).fetchall()):
            problems.append(f"{table} disagrees with the records (repair recounts it)")
    if _has_code_tally(conn):
        problems += code_tally.differences(conn)
    return problems


def quarter(month: str) -> str:
    """2025-05 → 2025-Q2 (the same labels as the records' own quarter counts)."""
    return f"{month[:4]}-Q{(int(month[5:7]) + 2) // 3}"


def plan(f: Any, group: tuple[str, ...]) -> tuple[str, list[Any]] | None:
    """A query over a tally counting live records like ``f``, by ``group``; None if none can.

    ``group`` names tally columns (``code`` is the indicator, ``month`` the date's month).
    """
    if f.deleted or f.ids is not None or f.objective or f.date_from or f.date_to:
        return None
    codes = [f.indicator] if isinstance(f.indicator, str) else list(f.indicator or [])
    codes = [c for c in codes if c]
    if len(codes) > 1 or (codes and "code" in group):
        return None  # a record linked to several of them would be counted more than once
    by_indicator = bool(codes) or "code" in group
    if by_indicator and (f.locality or f.authority or {"locality", "authority"} & set(group)):
        return None
    clauses, params = ["n != 0"], []
    wanted = {"type": f.type, "consent": f.consent, "locality": f.locality}
    wanted.update(authority=f.authority, code=codes or None)
    for column, value in wanted.items():
        if value in (None, "", []):
            continue
        values = [value] if isinstance(value, str) else list(value)
        clauses.append(f"{column} IN ({', '.join('?' * len(values))})")
        params.extend(values)
    table = "indicator_tally" if by_indicator else "record_tally"
    names = ", ".join(group)
    select = f"{names}, sum(n)" if group else "coalesce(sum(n), 0)"
    sql = f"SELECT {select} FROM {table} WHERE {' AND '.join(clauses)}"
    return (sql + f" GROUP BY {names}" if group else sql), params
