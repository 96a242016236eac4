"""The evidence store: SQLite through sqlite-utils, the single source of truth.

Every write is one ``BEGIN IMMEDIATE`` transaction that also queues the record for the search
index (``index_queue``), so a crash between the database and the index loses nothing: the
queue is applied later by whoever opens the store next. The store knows nothing of the index.
Reading, erasure and upkeep live in their own modules, mixed into ``Store`` here.
"""

from __future__ import annotations

import contextlib
import functools
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from . import coding, stories
from .citing import Citing, refuse_audience_change, shown_changed
from .erasure import Erasure
from .figures import FigureStore
from .model import Conflict, Record, ValidationError, new_id, utcnow
from .plans import Plans
from .reading import Reading, RecordFilter
from .rows import content_hash, record_to_row
from .schema import MIGRATION_SET, NAMES, migrations
from .upkeep import Upkeep

if TYPE_CHECKING:
    from sqlite_utils import Database

__all__ = ["BUSY_TIMEOUT_S", "Record", "RecordFilter", "Store", "connect", "content_hash"]

BUSY_TIMEOUT_S = 30.0


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


class Store(Reading, Erasure, Citing, FigureStore, Upkeep, Plans):
    """Records, revisions, the index queue, people and the audit log in one SQLite file."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.conn = connect(self.path)
        # Makes a saved learning update again from what its sources allow now (the
        # application's generator; the store knows nothing of it). See citing.py.
        self.remake_update: Callable[[Record], Record] | None = None

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @functools.cached_property
    def db(self) -> Database:
        """sqlite-utils' view of the connection (for the schema's migrations)."""
        from sqlite_utils import Database

        return Database(self.conn)

    def migrate(self) -> None:
        """Create or upgrade the schema; safe to run every start."""
        with self.write():
            pass
        migrations().apply(self.db)

    def pending_migrations(self) -> list[str]:
        """The schema's migrations not yet applied to this database, by name."""
        known = self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlite_migrations'"
        ).fetchone()
        applied = set()
        if known:
            applied = {
                row[0]
                for row in self.conn.execute(
                    "SELECT name FROM _sqlite_migrations WHERE migration_set = ?", [MIGRATION_SET]
                )
            }
        return [name for name in NAMES if name not in applied]

    def upgrade(self) -> None:
        """Apply migrations a newer version added (a read-only check when there are none)."""
        if self.pending_migrations():
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

    # --- writing ---------------------------------------------------------------------------

    def _insert(self, conn: sqlite3.Connection, record: Record) -> None:
        row = record_to_row(record)
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

    def _insert_many(self, conn: sqlite3.Connection, records: list[Record]) -> None:
        """``_insert`` for many new records: one statement a table, each queued once."""
        if not records:
            return
        rows = [record_to_row(record) for record in records]
        names = ", ".join(rows[0])
        conn.executemany(
            f"INSERT INTO records ({names}) VALUES ({', '.join('?' * len(rows[0]))})",
            [list(row.values()) for row in rows],
        )
        conn.executemany(
            "INSERT INTO record_indicators (record_id, code) VALUES (?, ?)",
            [(record.id, code) for record in records for code in record.indicators],
        )
        self._queue_many(conn, [record.id for record in records])

    def _prepare_new(self, record: Record, now: str) -> Record:
        return replace(
            record,
            id=record.id or new_id(),
            revision=1,
            created_at=record.created_at or now,
            updated_at=record.updated_at or now,
            deleted_at=None,
        )

    def add(self, record: Record, actor: str = "", plans: tuple[int, ...] | None = None) -> Record:
        """Save a new record; refused if its id is taken."""
        return self.add_many([record], actor, plans)[0]

    def _same_plans(self, plans: tuple[int, ...] | None) -> None:
        """Inside a write: refuse records judged before a plan was adopted (in any process)."""
        if plans is not None and self.plans_version() != plans:
            raise ValidationError(
                "date",
                "a new plan was put in force while this was being saved; nothing was saved: "
                "save it again to have it judged by the plan of its date",
            )

    def add_many(
        self, records: Iterable[Record], actor: str = "", plans: tuple[int, ...] | None = None
    ) -> list[Record]:
        """Save new records in one transaction: all of them, or none. ``plans``: the
        ``plans_version`` they were judged under (refused if a plan was adopted since)."""
        now = utcnow()
        saved = []
        with self.write() as conn:
            self._same_plans(plans)
            for record in records:
                record = self._prepare_new(record, now)
                if self.exists(record.id):
                    raise ValidationError("id", f"a record with id {record.id} already exists")
                self._insert(conn, record)
                saved.append(record)
            self._audit(conn, actor, "create", None, f"{len(saved)} record(s)")
        return saved

    def import_records(
        self, records: Iterable[Record], actor: str = "", plans: tuple[int, ...] | None = None
    ) -> tuple[list[Record], int]:
        """Add records not already present (same id, or same content); return (added, skipped)."""
        now = utcnow()
        added: list[Record] = []
        skipped = 0
        with self.write() as conn:
            self._same_plans(plans)
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

    def update(
        self,
        record: Record,
        expected_revision: int,
        actor: str = "",
        plans: tuple[int, ...] | None = None,
    ) -> Record:
        """Replace a record's content; Conflict if someone saved since ``expected_revision``."""
        with self.write() as conn:
            self._same_plans(plans)
            current = self.get(record.id)
            if current.revision != expected_revision:
                raise Conflict(record.id, expected_revision, current.revision)
            refuse_audience_change(current, record)
            record = stories.settle(conn, current, record)
            return self._replace(conn, current, replace(record, deleted_at=None), actor)

    def _rewrite(self, conn: sqlite3.Connection, record: Record, actor: str = "") -> Record:
        """Save ``record`` as the next revision of itself, in the caller's transaction, as it
        is (a soft-deleted record stays deleted): an adoption's rewrite to fit a new plan."""
        current = self.get(record.id, include_deleted=True)
        return self._replace(conn, current, replace(record, deleted_at=current.deleted_at), actor)

    def _replace(
        self, conn: sqlite3.Connection, current: Record, record: Record, actor: str
    ) -> Record:
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
        )
        row = record_to_row(updated)
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
        # Its excerpts follow its text in this same write (an edit, an adoption's rewrite).
        coding.reanchor(conn, record.id, current.body, updated.body)
        self._queue(conn, record.id)
        if shown_changed(current, updated):
            self._refresh_citing(conn, record.id, current)
        elif current.body != updated.body and coding.has_excerpts(conn, record.id):
            self._refresh_quoting(conn, record.id)  # an update may quote its passages
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
            current = self.get(record_id)
            conn.execute("UPDATE records SET deleted_at = ? WHERE id = ?", [utcnow(), record_id])
            self._queue(conn, record_id)
            self._refresh_citing(conn, record_id, current)
            self._audit(conn, actor, "delete", record_id, "")

    def restore(self, record_id: str, actor: str = "") -> Record:
        """Undo a soft delete."""
        with self.write() as conn:
            record = self.get(record_id, include_deleted=True)
            if not record.deleted_at:
                raise ValidationError("id", f"record {record_id} is not deleted")
            conn.execute("UPDATE records SET deleted_at = NULL WHERE id = ?", [record_id])
            self._queue(conn, record_id)
            self._refresh_citing(conn, record_id)
            self._audit(conn, actor, "restore", record_id, "")
        return self.get(record_id)
