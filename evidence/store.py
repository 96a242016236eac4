"""The evidence store: SQLite through sqlite-utils, the single source of truth.

Every write is one ``BEGIN IMMEDIATE`` transaction that also queues the record for the search
index (``index_queue``), so a crash between the database and the index loses nothing: the
queue is applied later by whoever opens the store next. The store knows nothing of the index.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from .consent import redact
from .model import Conflict, NotFound, Record, ValidationError, new_id, utcnow
from .schema import migrations

# Counting queries' rows by (database, query, parameters): (records generation, rows).
_AGGREGATES: dict[tuple, tuple[int, list[tuple]]] = {}
_AGGREGATES_MAX = 512
JSON_COLUMNS = ("indicators", "activities", "tags", "people", "quotes", "fields")
BUSY_TIMEOUT_S = 30.0


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


def connect(path: str | Path) -> sqlite3.Connection:
    """A connection with WAL, a busy timeout, foreign keys and secure delete on."""
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    # Erasure must leave no trace of deleted text in the database pages.
    conn.execute("PRAGMA secure_delete = ON")
    return conn


def content_hash(record: Record) -> str:
    """A fingerprint of what a record says (not its id or timestamps), for idempotent import."""
    data = record.to_dict()
    for key in ("id", "revision", "created_at", "updated_at"):
        data.pop(key, None)
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _erasable_pieces(versions: list[Record]) -> list[str]:
    """Every piece of text an erased record ever said, as written and as shown redacted."""
    pieces: set[str] = set()
    for version in versions:
        for v in (version, redact(version)):
            pieces.update([v.title, v.body, *v.quotes, *v.people])
            pieces.update(x for x in v.fields.values() if isinstance(x, str))
    return sorted((p for p in pieces if p and len(p) >= 3), key=len, reverse=True)


def _cut(text: str, pieces: list[str]) -> str:
    for piece in pieces:
        text = text.replace(piece, "[erased]")
    return text


def _row_to_record(row: dict[str, Any]) -> Record:
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


def _record_to_row(record: Record) -> dict[str, Any]:
    row = record.to_dict(include_deleted=True)
    for key in JSON_COLUMNS:
        row[key] = json.dumps(row[key], ensure_ascii=False)
    row["content_hash"] = content_hash(record)
    return row


class Store:
    """Records, revisions, the index queue, people and the audit log in one SQLite file."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.conn = connect(self.path)
        self.db = Database(self.conn)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def migrate(self) -> None:
        """Create or upgrade the schema; safe to run every start."""
        with self.write():
            pass
        migrations.apply(self.db)

    def upgrade(self) -> None:
        """Apply migrations a newer version added (a read-only check when there are none)."""
        if migrations.pending(self.db):
            self.migrate()

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taking the write lock up front (no upgrade deadlocks)."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.rollback()
            raise
        else:
            self.conn.commit()

    # --- meta ------------------------------------------------------------------------------

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        with self.write() as conn:
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [key, value],
            )

    # --- reading ---------------------------------------------------------------------------

    def get(self, record_id: str, include_deleted: bool = False) -> Record:
        """One record by id; NotFound if absent (or soft-deleted, unless asked for)."""
        row = self.conn.execute("SELECT * FROM records WHERE id = ?", [record_id]).fetchone()
        if row is None:
            raise NotFound(f"record {record_id}")
        record = _row_to_record(self._as_dict(row))
        if record.deleted_at and not include_deleted:
            raise NotFound(f"record {record_id}")
        return record

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
        total = self._aggregate(f"SELECT count(*) FROM records WHERE {where}", params)[0][0]
        sql = f"SELECT * FROM records WHERE {where} ORDER BY {order}"
        if limit is not None:
            sql += f" LIMIT {int(limit)} OFFSET {int(offset)}"
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return total, [_row_to_record(dict(zip(names, r, strict=True))) for r in cursor]

    def iter_records(
        self, filters: RecordFilter | None = None, batch: int = 1000
    ) -> Iterator[Record]:
        """Every matching record, oldest first, without holding them all in memory."""
        where, params = self._where(filters or RecordFilter())
        cursor = self.conn.execute(f"SELECT * FROM records WHERE {where} ORDER BY date, id", params)
        names = [d[0] for d in cursor.description]
        while rows := cursor.fetchmany(batch):
            for r in rows:
                yield _row_to_record(dict(zip(names, r, strict=True)))

    def count(self, filters: RecordFilter | None = None) -> int:
        where, params = self._where(filters or RecordFilter())
        return self._aggregate(f"SELECT count(*) FROM records WHERE {where}", params)[0][0]

    def generation(self) -> int:
        """A number that changes whenever any record changes (in any process)."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'records-generation'")
        found = row.fetchone()
        return int(found[0]) if found else 0

    def _aggregate(self, sql: str, params: list[Any]) -> list[tuple]:
        """Rows of a counting query, remembered until a record changes.

        Counts over 100,000 records take SQLite a tenth of a second or more; the dashboard,
        browse and indicator pages ask the same ones again and again between writes.
        """
        if self.conn.in_transaction:  # uncommitted rows must never be remembered
            return self.conn.execute(sql, params).fetchall()
        key = (str(self.path), sql, tuple(params))
        generation = self.generation()
        cached = _AGGREGATES.get(key)
        if cached is not None and cached[0] == generation:
            return cached[1]
        rows = self.conn.execute(sql, params).fetchall()
        if len(_AGGREGATES) >= _AGGREGATES_MAX:
            _AGGREGATES.clear()
        _AGGREGATES[key] = (generation, rows)
        return rows

    def live_revisions(self) -> dict[str, int]:
        """Every live (not deleted) record id and its revision, for checking the index."""
        rows = self.conn.execute("SELECT id, revision FROM records WHERE deleted_at IS NULL")
        return dict(rows.fetchall())

    def counts_by(self, column: str, filters: RecordFilter | None = None) -> dict[str, int]:
        """How many matching records have each value of type, locality, consent or indicator."""
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
        where, params = self._where(filters or RecordFilter())
        names = ", ".join(columns)
        sql = f"SELECT {names}, count(*) FROM records WHERE {where} GROUP BY {names}"
        out: dict[str, dict[str, int]] = {column: {} for column in columns}
        for *values, n in self._aggregate(sql, params):
            for column, value in zip(columns, values, strict=True):
                if value:
                    out[column][value] = out[column].get(value, 0) + n
        return {column: dict(sorted(counts.items())) for column, counts in out.items()}

    def indicator_quarters(self, filters: RecordFilter | None = None) -> dict[tuple[str, str], int]:
        """Evidence counts per (indicator, quarter like 2025-Q2), for the coverage grid."""
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

    # --- writing ---------------------------------------------------------------------------

    def _queue(self, conn: sqlite3.Connection, record_id: str, action: str = "sync") -> None:
        # Every change to a record passes here, in its transaction: counts cached by
        # generation are stale from this commit on, in every process.
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('records-generation', '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )
        conn.execute(
            "INSERT INTO index_queue (record_id, action, queued_at) VALUES (?, ?, ?) "
            "ON CONFLICT(record_id) DO UPDATE SET action = "
            "CASE WHEN index_queue.action = 'purge' THEN 'purge' ELSE excluded.action END, "
            "queued_at = excluded.queued_at",
            [record_id, action, utcnow()],
        )

    def _insert(self, conn: sqlite3.Connection, record: Record) -> None:
        row = _record_to_row(record)
        names = ", ".join(row)
        conn.execute(
            f"INSERT INTO records ({names}) VALUES ({', '.join('?' * len(row))})",
            list(row.values()),
        )
        conn.executemany(
            "INSERT INTO record_indicators (record_id, code) VALUES (?, ?)",
            [(record.id, code) for code in record.indicators],
        )
        self._queue(conn, record.id)

    def _prepare_new(self, record: Record, now: str) -> Record:
        return replace(
            record,
            id=record.id or new_id(),
            revision=1,
            created_at=record.created_at or now,
            updated_at=record.updated_at or now,
            deleted_at=None,
        )

    def add(self, record: Record, actor: str = "") -> Record:
        """Save a new record; refused if its id is taken."""
        return self.add_many([record], actor)[0]

    def add_many(self, records: Iterable[Record], actor: str = "") -> list[Record]:
        """Save new records in one transaction: all of them, or none."""
        now = utcnow()
        saved = []
        with self.write() as conn:
            for record in records:
                record = self._prepare_new(record, now)
                if self.exists(record.id):
                    raise ValidationError("id", f"a record with id {record.id} already exists")
                self._insert(conn, record)
                saved.append(record)
            self._audit(conn, actor, "create", None, f"{len(saved)} record(s)")
        return saved

    def import_records(
        self, records: Iterable[Record], actor: str = ""
    ) -> tuple[list[Record], int]:
        """Add records not already present (same id, or same content); return (added, skipped)."""
        now = utcnow()
        added: list[Record] = []
        skipped = 0
        with self.write() as conn:
            for record in records:
                if record.id and self.exists(record.id):
                    skipped += 1
                    continue
                if (
                    not record.id
                    and conn.execute(
                        "SELECT 1 FROM records WHERE content_hash = ?", [content_hash(record)]
                    ).fetchone()
                ):
                    skipped += 1
                    continue
                # An exported record keeps its revision and timestamps.
                prepared = replace(self._prepare_new(record, now), revision=max(record.revision, 1))
                self._insert(conn, prepared)
                added.append(prepared)
            if added:
                self._audit(conn, actor, "import", None, f"{len(added)} record(s)")
        return added, skipped

    def update(self, record: Record, expected_revision: int, actor: str = "") -> Record:
        """Replace a record's content; Conflict if someone saved since ``expected_revision``."""
        with self.write() as conn:
            current = self.get(record.id)
            if current.revision != expected_revision:
                raise Conflict(record.id, expected_revision, current.revision)
            conn.execute(
                "INSERT INTO revisions (record_id, revision, data, saved_at, saved_by) "
                "VALUES (?, ?, ?, ?, ?)",
                [
                    current.id,
                    current.revision,
                    json.dumps(current.to_dict(), ensure_ascii=False),
                    current.updated_at,
                    actor,
                ],
            )
            updated = replace(
                record,
                revision=current.revision + 1,
                created_at=current.created_at,
                updated_at=utcnow(),
                deleted_at=None,
            )
            row = _record_to_row(updated)
            sets = ", ".join(f"{k} = ?" for k in row if k != "id")
            conn.execute(
                f"UPDATE records SET {sets} WHERE id = ?",
                [v for k, v in row.items() if k != "id"] + [record.id],
            )
            conn.execute("DELETE FROM record_indicators WHERE record_id = ?", [record.id])
            conn.executemany(
                "INSERT INTO record_indicators (record_id, code) VALUES (?, ?)",
                [(record.id, code) for code in updated.indicators],
            )
            self._queue(conn, record.id)
            if current.consent != updated.consent:
                self._audit(
                    conn,
                    actor,
                    "consent-change",
                    record.id,
                    f"{current.consent} -> {updated.consent}",
                )
            self._audit(conn, actor, "update", record.id, f"revision {updated.revision}")
        return updated

    def soft_delete(self, record_id: str, actor: str = "") -> None:
        """Hide a record everywhere; ``restore`` brings it back."""
        with self.write() as conn:
            self.get(record_id)
            conn.execute("UPDATE records SET deleted_at = ? WHERE id = ?", [utcnow(), record_id])
            self._queue(conn, record_id)
            self._audit(conn, actor, "delete", record_id, "")

    def restore(self, record_id: str, actor: str = "") -> Record:
        """Undo a soft delete."""
        with self.write() as conn:
            record = self.get(record_id, include_deleted=True)
            if not record.deleted_at:
                raise ValidationError("id", f"record {record_id} is not deleted")
            conn.execute("UPDATE records SET deleted_at = NULL WHERE id = ?", [record_id])
            self._queue(conn, record_id)
            self._audit(conn, actor, "restore", record_id, "")
        return self.get(record_id)

    def purge(
        self,
        record_id: str,
        actor: str = "",
        rewrite: Callable[[Record], str] | None = None,
    ) -> list[str]:
        """Erase a record and its revisions, and its text from learning updates citing it.

        ``rewrite(update)`` regenerates a citing learning update's body without the erased
        record (the store cannot: it knows nothing of the generator); without it, or if it
        fails, every version's text is cut out of the body. Returns the scrubbed updates' ids.
        """
        with self.write() as conn:
            record = self.get(record_id, include_deleted=True)
            versions = [record, *self._earlier_versions(conn, record_id)]
            conn.execute("DELETE FROM record_indicators WHERE record_id = ?", [record_id])
            conn.execute("DELETE FROM revisions WHERE record_id = ?", [record_id])
            conn.execute("DELETE FROM records WHERE id = ?", [record_id])
            self._scrub_ratings(conn, record_id, [p for v in versions for p in v.people])
            scrubbed = self._scrub_citations(conn, record_id, versions, rewrite)
            self._queue(conn, record_id, "purge")
            self._audit(conn, actor, "erase", record_id, "")
        self.checkpoint()
        return scrubbed

    def _earlier_versions(self, conn: sqlite3.Connection, record_id: str) -> list[Record]:
        rows = conn.execute("SELECT data FROM revisions WHERE record_id = ?", [record_id])
        return [Record.from_dict(json.loads(data)) for (data,) in rows.fetchall()]

    def _scrub_citations(
        self,
        conn: sqlite3.Connection,
        record_id: str,
        versions: list[Record],
        rewrite: Callable[[Record], str] | None,
    ) -> list[str]:
        """Remove an erased record's id and text from every learning update that cites it."""
        pieces = _erasable_pieces(versions)
        rows = conn.execute(
            "SELECT id FROM records WHERE type = 'learning_update' AND fields LIKE ?",
            [f"%{record_id}%"],
        ).fetchall()
        for (update_id,) in rows:
            update = self.get(update_id, include_deleted=True)
            fields = dict(update.fields)
            fields["cites"] = [c for c in fields.get("cites", []) if c != record_id]
            update = replace(update, fields=fields)
            body = update.body
            if rewrite is not None:
                try:
                    body = rewrite(update)
                except Exception:  # noqa: BLE001 - erasure must go ahead; fall back to cutting
                    body = update.body
            body = _cut(body.replace(record_id, "[erased]"), pieces)
            row = _record_to_row(replace(update, body=body))
            conn.execute(
                "UPDATE records SET body = ?, fields = ?, content_hash = ? WHERE id = ?",
                [row["body"], row["fields"], row["content_hash"], update_id],
            )
            # Earlier versions of the update quoted the erased record too: they now read
            # as the update does after the erasure.
            for rev, data in conn.execute(
                "SELECT revision, data FROM revisions WHERE record_id = ?", [update_id]
            ).fetchall():
                old = json.loads(data)
                old.update(body=body, fields=fields)
                conn.execute(
                    "UPDATE revisions SET data = ? WHERE record_id = ? AND revision = ?",
                    [json.dumps(old, ensure_ascii=False), update_id, rev],
                )
            self._queue(conn, update_id)
        return [update_id for (update_id,) in rows]

    def _scrub_ratings(self, conn: sqlite3.Connection, record_id: str, people: list[str]) -> None:
        """Unlink an erased record from progress ratings, and erase its people's names there."""
        names = sorted({p for p in people if len(p) >= 2}, key=len, reverse=True)
        rows = conn.execute(
            "SELECT id, records, rationale FROM ratings WHERE records LIKE ?", [f"%{record_id}%"]
        ).fetchall()
        for rating_id, linked, rationale in rows:
            kept = [i for i in json.loads(linked or "[]") if i != record_id]
            for name in names:
                rationale = rationale.replace(name, "[erased]")
            conn.execute(
                "UPDATE ratings SET records = ?, rationale = ? WHERE id = ?",
                [json.dumps(kept), rationale, rating_id],
            )

    def checkpoint(self) -> None:
        """Fold the WAL into the database and truncate it (erasure leaves no copy behind)."""
        for _ in range(50):
            busy, _, _ = self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if not busy:
                return
            time.sleep(0.1)

    # --- the index queue -------------------------------------------------------------------

    def pending(self, limit: int = 500) -> list[tuple[str, str]]:
        """Index work still to do: (record id, action), oldest first."""
        return self.conn.execute(
            "SELECT record_id, action FROM index_queue ORDER BY queued_at LIMIT ?", [limit]
        ).fetchall()

    def pending_count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM index_queue").fetchone()[0]

    def done(self, items: list[tuple[str, str]], queued_before: str) -> None:
        """Forget index work that was applied (unless the record was queued again since)."""
        with self.write() as conn:
            conn.executemany(
                "DELETE FROM index_queue WHERE record_id = ? AND action = ? AND queued_at <= ?",
                [(rid, action, queued_before) for rid, action in items],
            )

    def queue_all(self, ids: Iterable[str], action: str = "sync") -> None:
        """Queue records for the index (used by repair)."""
        with self.write() as conn:
            for record_id in ids:
                self._queue(conn, record_id, action)

    # --- audit -----------------------------------------------------------------------------

    def _audit(self, conn, actor: str, action: str, record_id: str | None, detail: str) -> None:
        conn.execute(
            "INSERT INTO audit (at, actor, action, record_id, detail) VALUES (?, ?, ?, ?, ?)",
            [utcnow(), actor or "", action, record_id, detail],
        )

    def audit(
        self, actor: str, action: str, record_id: str | None = None, detail: str = ""
    ) -> None:
        """Append one line to the audit log: who, what, which record — never its text."""
        with self.write() as conn:
            self._audit(conn, actor, action, record_id, detail)

    def audit_log(self, limit: int = 100, offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
        total = self.conn.execute("SELECT count(*) FROM audit").fetchone()[0]
        rows = self.conn.execute(
            "SELECT at, actor, action, record_id, detail FROM audit ORDER BY id DESC "
            "LIMIT ? OFFSET ?",
            [limit, offset],
        ).fetchall()
        keys = ("at", "actor", "action", "record_id", "detail")
        return total, [dict(zip(keys, r, strict=True)) for r in rows]

    # --- maintenance -----------------------------------------------------------------------

    def integrity(self) -> list[str]:
        """Problems SQLite finds in the file (empty when healthy)."""
        rows = self.conn.execute("PRAGMA integrity_check").fetchall()
        problems = [r[0] for r in rows if r[0] != "ok"]
        problems += [
            f"foreign key: {r}" for r in self.conn.execute("PRAGMA foreign_key_check").fetchall()
        ]
        return problems

    def backup(self, target: str | Path) -> None:
        """A consistent copy of the database, taken while others keep writing."""
        target = Path(target)
        tmp = target.with_name(target.name + ".part")
        tmp.unlink(missing_ok=True)
        dest = sqlite3.connect(str(tmp))
        try:
            with dest:
                self.conn.backup(dest)
            dest.execute("PRAGMA journal_mode = DELETE")
        finally:
            dest.close()
        tmp.replace(target)
