"""Erasure: a record, its revisions and every trace of its text, gone for good."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import replace

from .consent import redact
from .model import Record
from .names import erasable, holds_name, replace_names
from .rows import record_to_row

ERASED = "[erased]"


def _erasable_pieces(versions: list[Record]) -> list[str]:
    """Every piece of text an erased record ever said, as written and as shown redacted."""
    pieces: set[str] = set()
    for version in versions:
        for v in (version, redact(version)):
            pieces.update([v.title, v.body, *v.quotes, *v.people])
            pieces.update(x for x in v.fields.values() if isinstance(x, str))
    return sorted((p for p in pieces if p and len(p) >= 3), key=len, reverse=True)


def _cut(text: str, pieces: list[str], names: list[str]) -> str:
    """The text without any piece an erased record said, nor any form of its people's names."""
    for piece in pieces:
        text = text.replace(piece, ERASED)
    return replace_names(text, names, lambda _person: ERASED)


class Erasure:
    """The store's erasure (mixed into ``Store``)."""

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
            people = [p for v in versions for p in v.people]
            self._scrub_ratings(conn, record_id, people)
            scrubbed = self._scrub_citations(conn, record_id, versions, people, rewrite)
            self._refresh_counting(conn, record)  # type: ignore[attr-defined]
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
        people: list[str],
        rewrite: Callable[[Record], str] | None,
    ) -> list[str]:
        """Remove an erased record's id and text from every learning update that cites it."""
        pieces = _erasable_pieces(versions)
        erased_people = [p for v in versions for p in v.people]
        # Every update that ever cited it (citations), or names it in its fields.
        rows = conn.execute(
            "SELECT id FROM records WHERE type = 'learning_update' AND (fields LIKE ? "
            "OR id IN (SELECT update_id FROM citations WHERE record_id = ?))",
            [f"%{record_id}%", record_id],
        ).fetchall()
        for (update_id,) in rows:
            update = self.get(update_id, include_deleted=True)
            fields = dict(update.fields)
            fields["cites"] = [c for c in fields.get("cites", []) if c != record_id]
            kept = self._live_people(fields["cites"])
            names = erasable(erased_people, kept)
            # The editor's key messages and featured stories: the erased record cut out too.
            if isinstance(fields.get("intro"), str):
                fields["intro"] = _cut(fields["intro"].replace(record_id, ERASED), pieces, names)
            if isinstance(fields.get("featured"), list):
                fields["featured"] = [i for i in fields["featured"] if i != record_id]
            update = replace(update, fields=fields)
            body = update.body
            if rewrite is not None:
                try:
                    body = rewrite(update)
                except Exception:  # noqa: BLE001 - erasure must go ahead; fall back to cutting
                    body = update.body
            body = _cut(body.replace(record_id, ERASED), pieces, names)
            row = record_to_row(replace(update, body=body))
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
            # "purge": the index rewrites the segments holding the update's earlier text.
            self._queue(conn, update_id, "purge")
        conn.execute("DELETE FROM citations WHERE record_id = ?", [record_id])
        return [update_id for (update_id,) in rows]

    def _live_people(self, ids: list[str]) -> list[str]:
        """The people the records ``ids`` list (a name they hold is not only the erased one's)."""
        return [p for _, people in self.people_of(ids).values() for p in people]  # type: ignore[attr-defined]

    def _scrub_ratings(self, conn: sqlite3.Connection, record_id: str, people: list[str]) -> None:
        """Unlink an erased record from progress ratings, and erase its people's names there:
        every form of them (``names.replace_names``), in the rationale and the rating's own
        people, except the names the rating's other records hold too."""
        rows = conn.execute(
            "SELECT id, records, rationale, people FROM ratings WHERE records LIKE ?",
            [f"%{record_id}%"],
        ).fetchall()
        for rating_id, linked, rationale, own in rows:
            kept = [i for i in json.loads(linked or "[]") if i != record_id]
            names = erasable(people, self._live_people(kept))
            rationale = replace_names(rationale or "", names, lambda _person: ERASED)
            own_people = [p for p in json.loads(own or "[]") if not holds_name(p, names)]
            conn.execute(
                "UPDATE ratings SET records = ?, rationale = ?, people = ? WHERE id = ?",
                [
                    json.dumps(kept),
                    rationale,
                    json.dumps(own_people, ensure_ascii=False),
                    rating_id,
                ],
            )
