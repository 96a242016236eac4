"""Reading records: by id, filtered lists, and the counts pages ask for again and again."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import tally
from .model import NotFound, Record
from .rows import row_to_record

# Counting queries' rows by (database, query, parameters): (records generation, rows), the
# least recently used let go first (a codebook of 300 codes asks a few thousand queries: when
# 512 were all let go at once, the pages of the busiest codes were counted again and again).
_AGGREGATES: OrderedDict[tuple, tuple[int, list[tuple]]] = OrderedDict()
_AGGREGATES_MAX = 2048
_AGGREGATES_LOCK = threading.Lock()  # the server's threads share it


@dataclass
class RecordFilter:
    """What ``Store.list`` selects; every part is optional."""

    type: str | list[str] | None = None
    indicator: str | list[str] | None = None
    locality: str | list[str] | None = None
    authority: str | None = None
    consent: str | list[str] | None = None
    date_from: str | None = None
    date_to: str | None = None
    objective: str | None = None
    ids: list[str] | None = None
    deleted: bool = False


def _by_quarter(rows: list[tuple]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for month, n in rows:
        counts[tally.quarter(month)] = counts.get(tally.quarter(month), 0) + n
    return list(counts.items())


class Reading:
    """The store's read side (mixed into ``Store``)."""

    conn: sqlite3.Connection
    path: Path
    use_tally = True  # off only to check the tallies against the records themselves

    def get(self, record_id: str, include_deleted: bool = False) -> Record:
        """One record by id; NotFound if absent (or soft-deleted, unless asked for)."""
        row = self.conn.execute("SELECT * FROM records WHERE id = ?", [record_id]).fetchone()
        if row is None:
            raise NotFound(f"record {record_id}")
        record = row_to_record(self._as_dict(row))
        if record.deleted_at and not include_deleted:
            raise NotFound(f"record {record_id}")
        return record

    def holds_records(self) -> bool:
        """Whether any record is stored (soft-deleted ones too: they can be restored)."""
        return self.conn.execute("SELECT 1 FROM records LIMIT 1").fetchone() is not None

    def exists(self, record_id: str) -> bool:
        return (
            self.conn.execute("SELECT 1 FROM records WHERE id = ?", [record_id]).fetchone()
            is not None
        )

    def _as_dict(self, row: tuple) -> dict[str, Any]:
        names = [d[0] for d in self.conn.execute("SELECT * FROM records LIMIT 0").description]
        return dict(zip(names, row, strict=True))

    def _where(self, f: RecordFilter) -> tuple[str, list[Any]]:
        clauses = ["deleted_at IS NOT NULL" if f.deleted else "deleted_at IS NULL"]
        params: list[Any] = []

        def any_of(column: str, value: str | list[str] | None) -> None:
            if value in (None, "", []):
                return
            values = [value] if isinstance(value, str) else list(value)
            clauses.append(f"{column} IN ({', '.join('?' * len(values))})")
            params.extend(values)

        any_of("type", f.type)
        any_of("locality", f.locality)
        any_of("consent", f.consent)
        if f.authority:
            clauses.append("authority = ?")
            params.append(f.authority)
        if f.date_from:
            clauses.append("date >= ?")
            params.append(f.date_from)
        if f.date_to:
            clauses.append("date <= ?")
            params.append(f.date_to)
        if f.indicator not in (None, "", []):
            codes = [f.indicator] if isinstance(f.indicator, str) else list(f.indicator)
            marks = ", ".join("?" * len(codes))
            clauses.append(
                f"id IN (SELECT record_id FROM record_indicators WHERE code IN ({marks}))"
            )
            params.extend(codes)
        if f.objective:
            clauses.append("id IN (SELECT record_id FROM record_indicators WHERE code LIKE ?)")
            params.append(f"{f.objective}.%")
        if f.ids is not None:
            any_of("id", f.ids or ["\x00"])
        return " AND ".join(clauses), params

    def list(
        self,
        filters: RecordFilter | None = None,
        limit: int | None = None,
        offset: int = 0,
        order: str = "date DESC, id DESC",
    ) -> tuple[int, list[Record]]:
        """Matching records (newest first) and how many match in all."""
        where, params = self._where(filters or RecordFilter())
        total = self.count(filters)
        sql = f"SELECT * FROM records WHERE {where} ORDER BY {order}"
        if limit is not None:
            sql += f" LIMIT {int(limit)} OFFSET {int(offset)}"
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return total, [row_to_record(dict(zip(names, r, strict=True))) for r in cursor]

    def iter_records(
        self, filters: RecordFilter | None = None, batch: int = 1000
    ) -> Iterator[Record]:
        """Every matching record, oldest first, without holding them all in memory."""
        where, params = self._where(filters or RecordFilter())
        cursor = self.conn.execute(f"SELECT * FROM records WHERE {where} ORDER BY date, id", params)
        names = [d[0] for d in cursor.description]
        while rows := cursor.fetchmany(batch):
            for r in rows:
                yield row_to_record(dict(zip(names, r, strict=True)))

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """Reads that all see one state of the database (an export's records, excerpts and
        codes agree, however long it takes and whatever is saved meanwhile)."""
        self.conn.execute("BEGIN")
        try:
            yield
        finally:
            self.conn.rollback()

    def count(self, filters: RecordFilter | None = None) -> int:
        tallied = self._tallied(filters, ())
        if tallied is not None:
            return tallied[0][0]
        where, params = self._where(filters or RecordFilter())
        return self._aggregate(f"SELECT count(*) FROM records WHERE {where}", params)[0][0]

    def people_of(self, ids: list[str]) -> dict[str, tuple[str, list[str]]]:
        """(consent, people) of each record among ``ids``, whatever its date or state."""
        wanted = sorted({str(i) for i in ids})
        found: dict[str, tuple[str, list[str]]] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT id, consent, people FROM records WHERE id IN ({marks})", chunk
            )
            for record_id, consent, people in rows.fetchall():
                found[record_id] = (consent, json.loads(people or "[]"))
        return found

    def generation(self) -> int:
        """A number that changes whenever any record changes (in any process)."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'records-generation'")
        found = row.fetchone()
        return int(found[0]) if found else 0

    def _tallied(self, filters: RecordFilter | None, group: tuple[str, ...]) -> list[tuple] | None:
        """Rows of the counts from the running tallies, or None when they cannot answer."""
        planned = tally.plan(filters or RecordFilter(), group) if self.use_tally else None
        return None if planned is None else self._aggregate(*planned)

    def _aggregate(self, sql: str, params: list[Any]) -> list[tuple]:
        """Rows of a counting query, remembered until a record changes.

        Counts over 100,000 records take SQLite a tenth of a second or more; the dashboard,
        browse and indicator pages ask the same ones again and again between writes.
        """
        if self.conn.in_transaction:  # uncommitted rows must never be remembered
            return self.conn.execute(sql, params).fetchall()
        key = (str(self.path), sql, tuple(params))
        generation = self.generation()
        with _AGGREGATES_LOCK:
            cached = _AGGREGATES.get(key)
            if cached is not None and cached[0] == generation:
                _AGGREGATES.move_to_end(key)
                return cached[1]
        rows = self.conn.execute(sql, params).fetchall()
        with _AGGREGATES_LOCK:
            _AGGREGATES[key] = (generation, rows)
            _AGGREGATES.move_to_end(key)
            while len(_AGGREGATES) > _AGGREGATES_MAX:
                _AGGREGATES.popitem(last=False)
        return rows

    def live_revisions(self) -> dict[str, int]:
        """Every live (not deleted) record id and its revision, for checking the index."""
        rows = self.conn.execute("SELECT id, revision FROM records WHERE deleted_at IS NULL")
        return dict(rows.fetchall())

    def counts_by(self, column: str, filters: RecordFilter | None = None) -> dict[str, int]:
        """How many matching records have each value of type, locality, consent or indicator."""
        if column == "quarter":
            rows = self._tallied(filters, ("month",))
            rows = None if rows is None else _by_quarter(rows)
        else:
            rows = self._tallied(filters, ("code" if column == "indicator" else column,))
        if rows is not None:
            return {k: v for k, v in rows if k}
        where, params = self._where(filters or RecordFilter())
        if column == "indicator":
            sql = (
                "SELECT ri.code, count(*) FROM record_indicators ri JOIN records ON "
                f"records.id = ri.record_id WHERE {where} GROUP BY ri.code"
            )
        elif column in ("type", "locality", "consent", "authority"):
            sql = f"SELECT {column}, count(*) FROM records WHERE {where} GROUP BY {column}"
        elif column == "quarter":
            sql = (
                "SELECT substr(date, 1, 4) || '-Q' || ((cast(substr(date, 6, 2) AS int) + 2) / 3)"
                f", count(*) FROM records WHERE {where} GROUP BY 1"
            )
        else:
            raise ValueError(f"cannot count by {column}")
        return {k: v for k, v in self._aggregate(sql, params) if k}

    def facet_counts(
        self, columns: tuple[str, ...], filters: RecordFilter | None = None
    ) -> dict[str, dict[str, int]]:
        """Counts by each of several record columns, from one grouped pass over the records."""
        if not set(columns) <= {"type", "locality", "consent", "authority"}:
            raise ValueError(f"cannot count by {columns}")
        rows = self._tallied(filters, columns)
        if rows is None:
            where, params = self._where(filters or RecordFilter())
            names = ", ".join(columns)
            sql = f"SELECT {names}, count(*) FROM records WHERE {where} GROUP BY {names}"
            rows = self._aggregate(sql, params)
        out: dict[str, dict[str, int]] = {column: {} for column in columns}
        for *values, n in rows:
            for column, value in zip(columns, values, strict=True):
                if value:
                    out[column][value] = out[column].get(value, 0) + n
        return {column: dict(sorted(counts.items())) for column, counts in out.items()}

    def indicator_quarters(self, filters: RecordFilter | None = None) -> dict[tuple[str, str], int]:
        """Evidence counts per (indicator, quarter like 2025-Q2), for the coverage grid."""
        rows = self._tallied(filters, ("code", "month"))
        if rows is not None:
            grid: dict[tuple[str, str], int] = {}
            for code, month, n in rows:
                key = (code, tally.quarter(month))
                grid[key] = grid.get(key, 0) + n
            return grid
        where, params = self._where(filters or RecordFilter())
        sql = (
            "SELECT ri.code, substr(date, 1, 4) || '-Q' || ((cast(substr(date, 6, 2) AS int) + 2)"
            " / 3), count(*) FROM record_indicators ri JOIN records ON records.id = ri.record_id "
            f"WHERE {where} GROUP BY 1, 2"
        )
        return {(c, q): n for c, q, n in self._aggregate(sql, params)}

    def revisions(self, record_id: str) -> list[dict[str, Any]]:
        """Earlier versions of a record, newest first."""
        self.get(record_id, include_deleted=True)
        rows = self.conn.execute(
            "SELECT revision, data, saved_at, saved_by FROM revisions WHERE record_id = ? "
            "ORDER BY revision DESC",
            [record_id],
        ).fetchall()
        return [
            {"revision": rev, "record": json.loads(data), "saved_at": at, "saved_by": by}
            for rev, data, at, by in rows
        ]
