"""REFI-QDA guids in the store: which guid of an imported project became which record,
excerpt or code here, and the writes of an import, all in the caller's one transaction.

``kind`` is ``source`` (a record), ``attachment``, ``selection`` (an excerpt) or ``code``.
Guids are kept lower-case (other tools write them in either case).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from . import attachments, code_tally
from .coding import Excerpt, insert_excerpts
from .model import Record, utcnow

if TYPE_CHECKING:
    from .store import Store

KINDS = ("source", "selection", "code", "attachment")


def targets(conn: sqlite3.Connection, kind: str, guids: Sequence[str]) -> dict[str, str]:
    """The local id each of ``guids`` (already imported) became, by guid."""
    found: dict[str, str] = {}
    for i in range(0, len(guids), 500):
        chunk = list(guids[i : i + 500])
        rows = conn.execute(
            f"SELECT guid, local_id FROM refi_guids WHERE kind = ? "
            f"AND guid IN ({', '.join('?' * len(chunk))})",
            [kind, *chunk],
        )
        found.update(rows)
    return found


def all_targets(conn: sqlite3.Connection, kind: str) -> dict[str, str]:
    """Every guid of ``kind`` already imported, with the local id it became (read once)."""
    return dict(conn.execute("SELECT guid, local_id FROM refi_guids WHERE kind = ?", [kind]))


def guid_of(conn: sqlite3.Connection, kind: str, local_id: str) -> str | None:
    """The guid a record, excerpt or code came with from another tool, if it came so."""
    row = conn.execute(
        "SELECT guid FROM refi_guids WHERE kind = ? AND local_id = ? ORDER BY guid LIMIT 1",
        [kind, local_id],
    ).fetchone()
    return row[0] if row else None


def remember(conn: sqlite3.Connection, kind: str, pairs: Iterable[tuple[str, str]]) -> None:
    """Keep which guid became which local id (a guid already kept keeps its first)."""
    conn.executemany(
        "INSERT OR IGNORE INTO refi_guids (kind, guid, local_id) VALUES (?, ?, ?)",
        [(kind, guid, local_id) for guid, local_id in pairs],
    )


def add_imported_record(store: Store, conn: sqlite3.Connection, record: Record) -> Record:
    """Save a new record in the caller's transaction (revision 1, queued for the index)."""
    prepared = store._prepare_new(record, utcnow())
    store._insert(conn, prepared)
    return prepared


def add_imported_records(
    store: Store, conn: sqlite3.Connection, records: list[Record], excerpts: list[Excerpt]
) -> list[Record]:
    """Save new records and their excerpts in the caller's transaction, a batch at a time.

    The excerpts go in first, their links counted at once: each record's tallies then count
    its passages in its insert trigger rather than one coded link after another.
    """
    now = utcnow()
    prepared = [store._prepare_new(record, now) for record in records]
    conn.execute("PRAGMA defer_foreign_keys = ON")  # the excerpts name records saved just after
    try:
        with code_tally.links_of_new_records(conn, [record.id for record in prepared]):
            insert_excerpts(store, conn, excerpts)
        store._insert_many(conn, prepared)
    finally:
        conn.execute("PRAGMA defer_foreign_keys = OFF")
    return prepared


def add_attachment(
    store: Store, conn: sqlite3.Connection, attachment: attachments.Attachment, data: bytes
) -> None:
    """Keep an imported attachment in the caller's transaction; its record's search
    document is made again (the attachment's words are found with it)."""
    attachments.insert(conn, store.path.parent, attachment, data)
    store._queue(conn, attachment.record_id)


def add_indicators(store: Store, conn: sqlite3.Connection, record: Record, actor: str) -> None:
    """Save ``record`` (an existing one with indicators its new excerpts added) as its next
    revision, in the caller's transaction."""
    store._rewrite(conn, record, actor)


def excerpt_ids_of(conn: sqlite3.Connection, record_id: str) -> list[str]:
    """Every excerpt of a record, by id."""
    rows = conn.execute("SELECT id FROM excerpts WHERE record_id = ?", [record_id])
    return [row[0] for row in rows]


def code_guids(conn: sqlite3.Connection) -> dict[str, str]:
    """Every team code's id by its guid (lower-case)."""
    return {guid.lower(): code_id for code_id, guid in conn.execute("SELECT id, guid FROM codes")}


def record_ids(conn: sqlite3.Connection) -> Iterable[str]:
    """Every record's id, soft-deleted ones included."""
    return (row[0] for row in conn.execute("SELECT id FROM records"))


def audit(store: Store, conn: sqlite3.Connection, actor: str, detail: str) -> None:
    """The import's line in the audit log, in its transaction."""
    store._audit(conn, actor, "import", None, detail)


@contextlib.contextmanager
def transaction(store: Store, plans: tuple[int, ...]) -> Iterator[sqlite3.Connection]:
    """One write transaction for a whole file: all of it is saved, or nothing; refused if a
    plan was adopted since its records were judged."""
    with store.write() as conn:
        store._same_plans(plans)
        yield conn
