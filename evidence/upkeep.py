"""The index queue, the audit log and the file's upkeep: checkpoint, integrity, backup."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from . import tally
from .model import utcnow


class Upkeep:
    """The store's queue, audit and maintenance (mixed into ``Store``)."""

    conn: sqlite3.Connection

    def _changed(self, conn: sqlite3.Connection) -> None:
        """Counts cached by generation are stale from this commit on, in every process."""
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('records-generation', '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )

    def _queue(self, conn: sqlite3.Connection, record_id: str, action: str = "sync") -> None:
        self._changed(conn)  # every change to a record passes here, in its transaction
        conn.execute(
            "INSERT INTO index_queue (record_id, action, queued_at) VALUES (?, ?, ?) "
            "ON CONFLICT(record_id) DO UPDATE SET action = "
            "CASE WHEN index_queue.action = 'purge' THEN 'purge' ELSE excluded.action END, "
            "queued_at = excluded.queued_at",
            [record_id, action, utcnow()],
        )

    def _queue_many(self, conn: sqlite3.Connection, ids: Iterable[str]) -> None:
        """``_queue`` for many records at once (a bulk import's batch)."""
        self._changed(conn)
        now = utcnow()
        conn.executemany(
            "INSERT INTO index_queue (record_id, action, queued_at) VALUES (?, 'sync', ?) "
            "ON CONFLICT(record_id) DO UPDATE SET action = "
            "CASE WHEN index_queue.action = 'purge' THEN 'purge' ELSE excluded.action END, "
            "queued_at = excluded.queued_at",
            [(record_id, now) for record_id in dict.fromkeys(ids)],
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
        return problems or tally.differences(self.conn)

    def recount(self) -> None:
        """Count the running tallies afresh from the records (repair)."""
        with self.write() as conn:
            tally.recount(conn)
            self._changed(conn)

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
