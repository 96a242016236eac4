"""Attachments in the store: their rows (SQL, one transaction each) and their files.

A file lives in the data dir's ``files/`` under its SHA-256 (``files/ab/abcdef…``), written
privately (0600 in 0700 folders) and atomically (a temporary file, fsync, rename). Two
attachments with the same bytes share one file; a file goes when the last row holding it
(soft-deleted ones included) is erased. A file is put in place and taken away while the
write lock is held, so an upload and an erasure of the same bytes cannot cross.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .model import NotFound, new_id, utcnow

if TYPE_CHECKING:
    from .store import Store

FILES_DIR = "files"
STAGING = ".incoming-"  # a file being written; left by a crash, `check --repair` removes it
CHUNK = 1 << 20


@dataclass(frozen=True)
class Attachment:
    """A file a record holds: what it is, its text as kept, and its consent."""

    id: str
    record_id: str
    name: str
    kind: str
    size: int
    sha256: str
    consent: str
    text: str = ""
    text_chars: int = 0
    note: str | None = None
    author: str = ""
    created_at: str = ""
    deleted_at: str | None = None

    def but(self, **changes: Any) -> Attachment:
        return replace(self, **changes)


COLUMNS = tuple(f.name for f in fields(Attachment))
_SELECT = f"SELECT {', '.join(COLUMNS)} FROM attachments"


def files_dir(data_dir: Path) -> Path:
    """The folder holding every attachment's bytes."""
    return Path(data_dir) / FILES_DIR


def file_path(data_dir: Path, sha256: str) -> Path:
    """Where the file with this hash is kept."""
    return files_dir(data_dir) / sha256[:2] / sha256


def _private_dir(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)


@contextlib.contextmanager
def _staged(data_dir: Path, data: bytes) -> Iterator[Path]:
    """The bytes written to a private temporary file beside the files, synced to disk."""
    folder = files_dir(data_dir)
    _private_dir(folder)
    tmp = folder / f"{STAGING}{new_id()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        yield tmp
    finally:
        tmp.unlink(missing_ok=True)


def _put_in_place(tmp: Path, target: Path) -> None:
    _private_dir(target.parent)
    os.replace(tmp, target)
    dir_fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # the rename itself survives a power cut
    finally:
        os.close(dir_fd)


def _row(row: tuple) -> Attachment:
    return Attachment(*row)


def add(store: Store, attachment: Attachment, data: bytes, actor: str = "") -> Attachment:
    """Keep a new attachment of a live record: its file and its row, in one write."""
    data_dir = store.path.parent
    attachment = attachment.but(  # an import keeps an exported attachment's id and time
        id=attachment.id or new_id(),
        created_at=attachment.created_at or utcnow(),
        author=attachment.author or actor,
    )
    with _staged(data_dir, data) as tmp, store.write() as conn:
        store.get(attachment.record_id)  # NotFound for a record gone or soft-deleted meanwhile
        conn.execute(
            f"INSERT INTO attachments ({', '.join(COLUMNS)}) "
            f"VALUES ({', '.join('?' for _ in COLUMNS)})",
            [getattr(attachment, c) for c in COLUMNS],
        )
        target = file_path(data_dir, attachment.sha256)
        if not target.exists():
            _put_in_place(tmp, target)
        store._queue(conn, attachment.record_id)  # its text is searched with the record
        store._audit(conn, actor, "attach", attachment.record_id, f"attachment {attachment.id}")
    return attachment


def of_record(store: Store, record_id: str) -> list[Attachment]:
    """A record's attachments that are not deleted, oldest first."""
    rows = store.conn.execute(
        f"{_SELECT} WHERE record_id = ? AND deleted_at IS NULL ORDER BY created_at, id",
        [record_id],
    )
    return [_row(r) for r in rows.fetchall()]


def of_records(store: Store, record_ids: list[str]) -> dict[str, list[Attachment]]:
    """Each record's attachments that are not deleted, oldest first (for search documents)."""
    found: dict[str, list[Attachment]] = {}
    for start in range(0, len(record_ids), 500):
        chunk = record_ids[start : start + 500]
        rows = store.conn.execute(
            f"{_SELECT} WHERE record_id IN ({', '.join('?' * len(chunk))}) "
            "AND deleted_at IS NULL ORDER BY created_at, id",
            chunk,
        )
        for row in rows.fetchall():
            attachment = _row(row)
            found.setdefault(attachment.record_id, []).append(attachment)
    return found


def live_ids(store: Store) -> dict[str, tuple[str, ...]]:
    """The ids of every record's attachments that are not deleted (what the index holds)."""
    rows = store.conn.execute(
        "SELECT record_id, id FROM attachments WHERE deleted_at IS NULL ORDER BY record_id, id"
    )
    found: dict[str, list[str]] = {}
    for record_id, attachment_id in rows.fetchall():
        found.setdefault(record_id, []).append(attachment_id)
    return {k: tuple(v) for k, v in found.items()}


def get(store: Store, attachment_id: str, include_deleted: bool = False) -> Attachment:
    """One attachment by id; NotFound if absent (or soft-deleted, unless asked for)."""
    row = store.conn.execute(f"{_SELECT} WHERE id = ?", [attachment_id]).fetchone()
    if row is None or (row[COLUMNS.index("deleted_at")] and not include_deleted):
        raise NotFound(f"attachment {attachment_id}")
    return _row(row)


def by_ids(store: Store, attachment_ids: list[str]) -> list[Attachment]:
    """The attachments among ``attachment_ids`` that exist (soft-deleted ones included)."""
    found: list[Attachment] = []
    for i in range(0, len(attachment_ids), 500):
        chunk = attachment_ids[i : i + 500]
        rows = store.conn.execute(
            f"{_SELECT} WHERE id IN ({', '.join('?' * len(chunk))})", chunk
        ).fetchall()
        found += [_row(r) for r in rows]
    return found


def soft_delete(store: Store, attachment_id: str, actor: str = "") -> None:
    """Hide an attachment everywhere (its file and text are kept until erasure)."""
    with store.write() as conn:
        attachment = get(store, attachment_id)
        conn.execute(
            "UPDATE attachments SET deleted_at = ? WHERE id = ?", [utcnow(), attachment.id]
        )
        # Its passages leave the counts per code, its text and codes its record's search document.
        store._queue(conn, attachment.record_id)
        store._audit(conn, actor, "delete", attachment.record_id, f"attachment {attachment.id}")


def erase(store: Store, attachment_id: str, actor: str = "") -> None:
    """Erasure: the row, its text, its excerpts (their memos too), its words in other memos
    and (unless another row holds it) its file."""
    from .coding import cut_memos
    from .consent import redact_text
    from .passages import Passages

    with store.write() as conn:
        attachment = get(store, attachment_id, include_deleted=True)
        people = store.get(attachment.record_id, include_deleted=True).people
        # Its words as the team read them and as a viewer did (names replaced).
        words = Passages([attachment.text, redact_text(attachment.text, people)], [])
        source = f"attachment:{attachment.id}"
        conn.execute(
            "DELETE FROM excerpt_codes WHERE excerpt_id IN "
            "(SELECT id FROM excerpts WHERE record_id = ? AND source = ?)",
            [attachment.record_id, source],
        )
        conn.execute(
            "DELETE FROM excerpts WHERE record_id = ? AND source = ?",
            [attachment.record_id, source],
        )
        cut_memos(conn, words)
        conn.execute("DELETE FROM attachments WHERE id = ?", [attachment.id])
        # The hook for the index: a purge rewrites the segments that held the record's
        # documents (its attachments' text among them, once they are searched).
        store._queue(conn, attachment.record_id, "purge")
        store._audit(conn, actor, "erase", attachment.record_id, f"attachment {attachment.id}")
        _remove_unheld(conn, store.path.parent, [attachment.sha256])
    store.checkpoint()


def erase_of_record(conn: sqlite3.Connection, data_dir: Path, record_id: str) -> None:
    """Within a record's erasure: its attachments' rows and the files no other row holds."""
    rows = conn.execute("SELECT sha256 FROM attachments WHERE record_id = ?", [record_id])
    hashes = [sha for (sha,) in rows.fetchall()]
    conn.execute("DELETE FROM attachments WHERE record_id = ?", [record_id])
    _remove_unheld(conn, data_dir, hashes)


def _remove_unheld(conn: sqlite3.Connection, data_dir: Path, hashes: list[str]) -> None:
    for sha in set(hashes):
        held = conn.execute("SELECT 1 FROM attachments WHERE sha256 = ? LIMIT 1", [sha])
        if held.fetchone() is None:
            file_path(data_dir, sha).unlink(missing_ok=True)


def hash_file(path: Path) -> str:
    """The SHA-256 of a file's bytes, read a megabyte at a time."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class FileReport:
    """Files the rows name that are gone or changed, and files no row names."""

    missing: list[str]
    altered: list[str]
    unreferenced: list[str]


def check_files(store: Store) -> FileReport:
    """Compare the files on disk with the rows (every file's hash is read again)."""
    data_dir = store.path.parent
    rows = store.conn.execute("SELECT DISTINCT sha256 FROM attachments").fetchall()
    held = {sha for (sha,) in rows}
    report = FileReport([], [], [])
    for sha in sorted(held):
        path = file_path(data_dir, sha)
        if not path.is_file():
            report.missing.append(f"{FILES_DIR}/{sha[:2]}/{sha}")
        elif hash_file(path) != sha:
            report.altered.append(f"{FILES_DIR}/{sha[:2]}/{sha}")
    root = files_dir(data_dir)
    for path in sorted(p for p in root.rglob("*") if not p.is_dir()) if root.is_dir() else []:
        expected = file_path(data_dir, path.name)
        if path.name not in held or path != expected:
            report.unreferenced.append(str(path.relative_to(data_dir)))
    return report


def remove_unreferenced(store: Store) -> list[str]:
    """Remove the files no row names (left by a crash or an operator); return them."""
    data_dir = store.path.parent
    with store.write() as conn:  # no upload puts a file in place meanwhile
        held = {sha for (sha,) in conn.execute("SELECT DISTINCT sha256 FROM attachments")}
        removed = []
        root = files_dir(data_dir)
        for path in sorted(p for p in root.rglob("*") if not p.is_dir()) if root.is_dir() else []:
            if path.name not in held or path != file_path(data_dir, path.name):
                path.unlink(missing_ok=True)
                removed.append(str(path.relative_to(data_dir)))
    return removed


def copy_files(database: Path, data_dir: Path, target: Path) -> int:
    """Copy the files the database at ``database`` holds into ``target`` (same layout,
    private); a file already there is kept (its name is its hash). Returns the number copied."""
    conn = sqlite3.connect(str(database))
    try:
        known = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'attachments'"
        ).fetchone()
        rows = conn.execute("SELECT DISTINCT sha256 FROM attachments").fetchall() if known else []
    finally:
        conn.close()
    copied = 0
    _private_dir(target)
    for (sha,) in rows:
        source, dest = file_path(data_dir, sha), target / sha[:2] / sha
        if dest.is_file() or not source.is_file():
            continue  # a missing source is `wm2u check`'s to report
        _private_dir(dest.parent)
        tmp = dest.with_name(dest.name + ".part")
        with (
            open(source, "rb") as src,
            open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out,
        ):
            shutil.copyfileobj(src, out, CHUNK)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, dest)
        copied += 1
    return copied
