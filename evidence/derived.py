"""Derived figures: what the records already count, per authority, locality and quarter.

Never typed in: counted in SQL from the live records of the consent levels a reader may see
(the caller passes them), so a count outside the team uses only records that reader may see.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from typing import Any

from . import tally
from .figures import Figure

SOURCE = "Counted from the WM2U records"
_QUARTER_END = {1: "03-31", 2: "06-30", 3: "09-30", 4: "12-31"}


def derived_figures(
    conn: sqlite3.Connection,
    measure: Any,
    consents: Collection[str],
    authority: str | None = None,
    locality: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    use_tally: bool = True,
) -> list[Figure]:
    """Quarterly figures of a derived ``measure`` (its ``derivation`` says what to count):
    each locality's, and each authority's (its localities and records with no locality).
    Read from the derived tally where it sums the field (``use_tally=False``: from the
    records, as the tests compare)."""
    how = measure.derivation
    if use_tally and (how.field is None or how.field in tally.SUMMED):
        rows = _from_tally(conn, how, consents, authority, date_from, date_to)
    else:
        rows = _from_records(conn, how, consents, authority, date_from, date_to)
    # A field is summed in hundredths (whole numbers, added exactly), divided once, at the
    # end: within the door's limits (evidence/validate.py) that is the nearest float to the
    # exact pounds and pence.
    scale = 100 if how.field is not None and not how.balanced else 1
    totals: dict[tuple[str, str, int], int] = {}
    cells: list[tuple[str, str, str, int, int]] = []
    for auth, loc, year, quarter, amount in rows:
        key = (auth, year, int(quarter))
        totals[key] = totals.get(key, 0) + (amount or 0)
        if loc:
            cells.append((auth, loc, year, int(quarter), amount or 0))
    cells += [(auth, "", year, quarter, amount) for (auth, year, quarter), amount in totals.items()]
    out = []
    for auth, loc, year, quarter, summed in sorted(cells):
        amount = summed / scale
        start = f"{year}-{(quarter - 1) * 3 + 1:02d}-01"
        end = f"{year}-{_QUARTER_END[quarter]}"
        if locality and loc != locality:
            continue
        if (date_from and end < date_from) or (date_to and start > date_to):
            continue
        out.append(Figure(measure.code, auth, loc, start, end, amount, SOURCE, "", 1, derived=True))
    return out


def _first_month(date_from: str) -> str:
    """The first month of ``date_from``'s quarter (whole quarters are counted)."""
    return f"{date_from[:5]}{(int(date_from[5:7]) - 1) // 3 * 3 + 1:02d}"


def _last_day(date_to: str) -> str:
    return f"{date_to[:4]}-{_QUARTER_END[(int(date_to[5:7]) + 2) // 3]}"


def _from_tally(conn, how, consents, authority, date_from, date_to) -> list[tuple]:
    """(authority, locality, year, quarter, amount) from the derived tally (kept by
    triggers: see tally.py), the same as :func:`_from_records` counts."""
    if how.balanced:
        value, live = "sum(balanced)", "balanced > 0"
    elif how.field is None:
        value, live = "sum(n)", "n > 0"
    else:
        value, live = f"sum({how.field})", "n > 0"  # hundredths: divided once, at the end
    sql = (
        f"SELECT authority, locality, substr(month, 1, 4), "
        f"(CAST(substr(month, 6, 2) AS INTEGER) + 2) / 3, {value} FROM derived_tally "
        f"WHERE {live} AND type = ? AND consent IN ({', '.join('?' * len(consents))}) "
        "AND authority != ''"
    )
    params: list[Any] = [how.record_type, *consents]
    if authority:
        sql += " AND authority = ?"
        params.append(authority)
    if date_from:
        sql += " AND month >= ?"
        params.append(_first_month(date_from))
    if date_to:
        sql += " AND month <= ?"
        params.append(_last_day(date_to)[:7])
    return conn.execute(sql + " GROUP BY 1, 2, 3, 4", params).fetchall()


def _from_records(conn, how, consents, authority, date_from, date_to) -> list[tuple]:
    """The same rows counted from the records themselves (a field the tally does not sum)."""
    value = "count(*)" if how.field is None else f"sum({tally.hundredths('records', how.field)})"
    params: list[Any] = []
    sql = (
        f"SELECT authority, coalesce(locality, ''), substr(date, 1, 4), "
        f"(CAST(substr(date, 6, 2) AS INTEGER) + 2) / 3, {value} FROM records "
        f"WHERE deleted_at IS NULL AND type = ? AND consent IN ({', '.join('?' * len(consents))}) "
        "AND coalesce(authority, '') != ''"
    )
    params += [how.record_type, *consents]
    if how.balanced:
        sql += (
            " AND CAST(json_extract(fields, '$.families_on_panel') AS REAL) >= "
            "CAST(json_extract(fields, '$.practitioners_on_panel') AS REAL)"
        )
    if authority:
        sql += " AND authority = ?"
        params.append(authority)
    if date_from:  # whole quarters: from the first day of date_from's quarter
        sql += " AND date >= ?"
        params.append(_first_month(date_from) + "-01")
    if date_to:
        sql += " AND date <= ?"
        params.append(_last_day(date_to))
    return conn.execute(sql + " GROUP BY 1, 2, 3, 4", params).fetchall()
