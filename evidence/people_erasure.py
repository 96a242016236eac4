"""Erasure of a person: every form of their name replaced by a neutral label, everywhere.

One transaction: records get a new revision without the name and their older revisions are
scrubbed in place; saved learning updates are made again and scrubbed in place (erasure adds
no revision to them); ratings, excerpts (re-anchored, then their words), memos, attachments,
figures' notes and the texts beside the records (``people_texts``: stories' contacts,
invitations, Most Significant Change rounds, codes, the audit's details) are rewritten;
every record touched is queued for a purge of the index.
An attachment whose text named them keeps its scrubbed text, and its file becomes that text
(a text file rewritten; a PDF or a document cannot be, so it is replaced by its text too).
The old files go after the commit; a crash before it changes nothing, a crash after it
leaves only old files and index work, which the next run (or ``check --repair``) finishes.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import anchoring, people_texts
from .attachments import _put_in_place, _remove_unheld, _staged, file_path
from .model import Record
from .names import holds_name, replace_names
from .people import Found, Scope, find

if TYPE_CHECKING:
    from .store import Store

LABEL = "[name erased]"
AUDIT_ACTION = "erase-person"
# Tests set this to a number of seconds to sleep inside the erasure's transaction (to kill
# the process there and show that a crash leaves the name everywhere or nowhere, never half).
PAUSE_ENV = "WM2U_TEST_PERSON_ERASURE_PAUSE"


@dataclass
class PersonErasure:
    """What an erasure of a person changed (or, in a dry run, would change)."""

    items: list[str]  # where each text naming them is
    records: list[str]  # records rewritten (or, with purge, erased whole), by id
    purged: list[str]
    dry_run: bool

    def to_dict(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "items": self.items, "records": self.records,
                "purged": self.purged}  # fmt: skip


def scrub(text: str, names: list[str]) -> str:
    """``text`` with every form of ``names`` replaced by the neutral label."""
    return replace_names(text, names, lambda _person: LABEL) if text else text


def _scrub_value(value: Any, names: list[str]) -> Any:
    if isinstance(value, str):
        return scrub(value, names)
    if isinstance(value, list):
        return [_scrub_value(v, names) for v in value]
    if isinstance(value, dict):
        return {k: _scrub_value(v, names) for k, v in value.items()}
    return value


def scrub_data(data: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """A record's data (as stored, or a revision's) without the name: its people and tags
    that hold it leave the lists, every other text has the label instead."""
    out = dict(data)
    for key in ("title", "body", "author", "quotes", "fields"):
        if key in data:
            out[key] = _scrub_value(data[key], names)
    for key in ("people", "tags"):
        if isinstance(data.get(key), list):
            out[key] = [v for v in data[key] if not holds_name(str(v), names)]
    return out


def erase_person(
    store: Store, name: str, actor: str = "", purge_records: bool = False, dry_run: bool = False
) -> PersonErasure:
    """Erase every form of the person's name from the data dir (see the module's doc)."""
    found = find(store, name)
    purged = found.listing() if purge_records else []
    report = PersonErasure(sorted({m.where for m in found.mentions}), found.records, purged,
                           dry_run)  # fmt: skip
    if dry_run:
        return report
    if not found.mentions:
        _clear_leftovers(store)  # a run killed after its commit left old files: they go now
        return report
    for record_id in purged:  # each erasure is a transaction of its own; a re-run resumes
        store.purge(record_id, actor, rewrite=_rewriter(store))
    if purged:
        found = find(store, name)  # what the erased records' words left elsewhere
    old_files = _rewrite_all(store, found, actor)
    _remove_old_files(store, old_files)
    store.checkpoint()
    return report


def _rewriter(store: Store):
    remake = store.remake_update
    return None if remake is None else (lambda update: remake(update).body)


def _rewrite_all(store: Store, found: Found, actor: str) -> list[str]:
    """Every text naming the person, rewritten in one transaction; the old files' hashes."""
    person = found.scope
    with store.write() as conn:
        kinds = {i: store.get(i, include_deleted=True).type for i in found.records}
        updates = [i for i in found.records if kinds[i] == "learning_update"]
        records = [i for i in found.records if i not in updates]
        # What the records' new revisions and the remade updates show comes first (a saved
        # update shows ratings' rationales and passages); then the records; then what
        # re-anchoring their passages left.
        _rewrite_ratings(conn, person)
        _rewrite_figures(conn, person)
        _rewrite_kept_reasons(conn, person)
        people_texts.rewrite(conn, person, scrub)
        old_files = _rewrite_attachments(store, conn, person)
        _rewrite_excerpts(conn, person)
        for record_id in records:
            _rewrite_record(store, conn, record_id, person, actor)
        for update_id in updates:
            _rewrite_update(store, conn, update_id, person)
        _rewrite_excerpts(conn, person)
        for record_id in found.records:
            store._queue(conn, record_id, "purge")
        detail = f"{len(found.mentions)} text(s) in {len(found.records)} record(s)"
        store._audit(conn, actor, AUDIT_ACTION, None, detail)
        if pause := os.environ.get(PAUSE_ENV):
            print("erasure of a person: inside the transaction", flush=True)
            time.sleep(float(pause))
    return old_files


def _scrub_revisions(conn: sqlite3.Connection, record_id: str, names: list[str]) -> None:
    rows = conn.execute("SELECT revision, data FROM revisions WHERE record_id = ?", [record_id])
    for rev, data in rows.fetchall():
        old = json.loads(data)
        new = scrub_data(old, names)
        if new != old:
            conn.execute(
                "UPDATE revisions SET data = ? WHERE record_id = ? AND revision = ?",
                [json.dumps(new, ensure_ascii=False), record_id, rev],
            )


def _rewrite_record(
    store: Store, conn: sqlite3.Connection, record_id: str, person: Scope, actor: str
) -> None:
    """A new revision without the name (its excerpts follow: ``Store._replace``); the older
    revisions, the one just kept among them, scrubbed."""
    record = store.get(record_id, include_deleted=True)
    names = person.names_for(record.people)
    data = scrub_data(record.to_dict(), names)
    if data != record.to_dict():
        store._rewrite(conn, Record.from_dict({**record.to_dict(True), **data}), actor)
    _scrub_revisions(conn, record_id, names)


def _rewrite_update(store: Store, conn: sqlite3.Connection, update_id: str, person: Scope):
    """A saved update made again from the scrubbed records, then scrubbed in place."""
    update = store.get(update_id, include_deleted=True)
    if store.remake_update is not None:
        try:
            update = store.remake_update(update)
        except Exception:  # noqa: BLE001 - the erasure goes ahead; scrubbing alone will do
            pass
    names = person.names_for(())
    data = scrub_data(update.to_dict(), names)
    store._save_update(conn, Record.from_dict({**update.to_dict(True), **data}))
    _scrub_revisions(conn, update_id, names)


def _new_file(store: Store, text: str) -> tuple[str, int]:
    """The scrubbed text kept as the attachment's file: its hash and size."""
    data = text.encode("utf-8")
    sha = hashlib.sha256(data).hexdigest()
    target = file_path(store.path.parent, sha)
    if not target.exists():
        with _staged(store.path.parent, data) as tmp:
            _put_in_place(tmp, target)
    return sha, len(data)


def _rewrite_attachments(store: Store, conn: sqlite3.Connection, person: Scope) -> list[str]:
    old = []
    rows = conn.execute(
        "SELECT a.id, a.record_id, a.name, a.kind, a.text, coalesce(a.note, ''), a.sha256, "
        "r.people FROM attachments a JOIN records r ON r.id = a.record_id"
    ).fetchall()
    for attachment_id, record_id, name, kind, text, note, sha, people in rows:
        names = person.names_for(json.loads(people or "[]"))
        new_name, new_text, new_note = (scrub(t, names) for t in (name, text, note))
        if (new_name, new_text, new_note) == (name, text, note):
            continue
        if new_text != text:
            _reanchor_source(conn, record_id, f"attachment:{attachment_id}", text, new_text)
            new_sha, size = _new_file(store, new_text)
            if kind not in ("text", "markdown"):
                kind, new_name = "text", f"{new_name}.txt"
                new_note = (new_note + " " if new_note else "") + (
                    "The file named a person who was erased; it was replaced by its text."
                )
            old.append(sha)
            conn.execute(
                "UPDATE attachments SET sha256 = ?, size = ?, kind = ?, text_chars = ? "
                "WHERE id = ?",
                [new_sha, size, kind, len(new_text), attachment_id],
            )
        conn.execute(
            "UPDATE attachments SET name = ?, text = ?, note = ? WHERE id = ?",
            [new_name, new_text, new_note or None, attachment_id],
        )
    return old


def _reanchor_source(
    conn: sqlite3.Connection, record_id: str, source: str, old: str, new: str
) -> None:
    rows = conn.execute(
        'SELECT id, start, "end", text, prefix, suffix, status FROM excerpts '
        "WHERE record_id = ? AND source = ? ORDER BY id",
        [record_id, source],
    ).fetchall()
    if not rows:
        return
    anchors = [anchoring.Anchor(*row[1:]) for row in rows]
    for (excerpt_id, *_), a in zip(rows, anchoring.reanchor_all(old, new, anchors), strict=True):
        conn.execute(
            'UPDATE excerpts SET start = ?, "end" = ?, text = ?, prefix = ?, suffix = ?, '
            "status = ? WHERE id = ?",
            [a.start, a.end, a.text, a.prefix, a.suffix, a.status, excerpt_id],
        )


def _rewrite_excerpts(conn: sqlite3.Connection, person: Scope) -> None:
    """Whatever re-anchoring left of the name (a detached passage keeps its words; context
    and memos are not re-anchored) gets the label."""
    rows = conn.execute(
        "SELECT e.id, e.text, e.prefix, e.suffix, e.memo, r.people FROM excerpts e "
        "JOIN records r ON r.id = e.record_id"
    ).fetchall()
    for excerpt_id, text, prefix, suffix, memo, people in rows:
        names = person.names_for(json.loads(people or "[]"))
        new = [scrub(t, names) if t else t for t in (text, prefix, suffix, memo)]
        if new != [text, prefix, suffix, memo]:
            conn.execute(
                "UPDATE excerpts SET text = ?, prefix = ?, suffix = ?, memo = ? WHERE id = ?",
                [*new, excerpt_id],
            )


def _rewrite_ratings(conn: sqlite3.Connection, person: Scope) -> None:
    rows = conn.execute("SELECT id, rationale, people FROM ratings").fetchall()
    for rating_id, rationale, people in rows:
        listed = json.loads(people or "[]")
        names = person.names_for(listed)
        kept = [p for p in listed if not holds_name(str(p), names)]
        new = scrub(rationale or "", names)
        if new != (rationale or "") or kept != listed:
            conn.execute(
                "UPDATE ratings SET rationale = ?, people = ? WHERE id = ?",
                [new, json.dumps(kept, ensure_ascii=False), rating_id],
            )


def _rewrite_figures(conn: sqlite3.Connection, person: Scope) -> None:
    names = person.names_for(())
    for table, key in (("figures", "id"), ("figure_revisions", "rowid")):
        for column in ("note", "source"):
            rows = conn.execute(f"SELECT {key}, {column} FROM {table} WHERE {column} != ''")
            for row_id, text in rows.fetchall():
                if (new := scrub(text, names)) != text:
                    conn.execute(f"UPDATE {table} SET {column} = ? WHERE {key} = ?", [new, row_id])


def _rewrite_kept_reasons(conn: sqlite3.Connection, person: Scope) -> None:
    """Why a record was kept past the retention period: an admin may have named them."""
    rows = conn.execute(
        "SELECT k.record_id, k.reason, r.people FROM retention_kept k "
        "JOIN records r ON r.id = k.record_id"
    ).fetchall()
    for record_id, reason, people in rows:
        new = scrub(reason, person.names_for(json.loads(people or "[]")))
        if new != reason:
            conn.execute(
                "UPDATE retention_kept SET reason = ? WHERE record_id = ?", [new, record_id]
            )


def _remove_old_files(store: Store, hashes: list[str]) -> None:
    """After the commit: the files that held the name, unless a row still holds them."""
    with store.write() as conn:
        _remove_unheld(conn, store.path.parent, hashes)
    _clear_leftovers(store)


def _clear_leftovers(store: Store) -> None:
    """Files no row holds (an earlier run killed after its commit left them): removed."""
    from .attachments import remove_unreferenced

    remove_unreferenced(store)
