"""Saved learning updates follow their sources: never more than those allow today.

A saved update shows what it showed when it was saved, minus what its sources no longer
allow. When a record an external update cites is made internal, soft-deleted, gains a name
in ``people``, loses a quote (any change to what an update could show of it), the update's
stored Markdown - which its record page, API answer and search entry show - is made again
from the records it cites, as they are now, in the same transaction as the write. The
application hands the store the generator as ``Store.rewrite_update``; if it fails, the
record's title, quotes and names are cut out of the update instead, so the write never
leaves an update showing more than it may. A saved external update follows the data
project's figures the same way: a new figure, or a new value, that it may show is written
into it in the same transaction (``_refresh_for_figures``).
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace

from .consent import redact, redact_text
from .model import Record
from .names import VERSION as NAMES_VERSION
from .names import replace_names
from .rows import record_to_row

UNSHOWN = ("body", "revision", "created_at", "updated_at")
WITHDRAWN = "[withdrawn]"
SAFE_KEY = "saved_updates_safe"
# Raised when what a saved external update may show narrows, so that each data dir makes
# its updates again once: 2, figures that add up (periods, places) withhold more (issue #20);
# and whenever the name matcher finds more (its VERSION).
SAFE_VERSION = f"2/names {NAMES_VERSION}"


def shown_changed(before: Record, after: Record) -> bool:
    """Whether a write changes anything a learning update may show of a record (not its body,
    which no update shows)."""
    old, new = before.to_dict(), after.to_dict()
    return any(old.get(k) != new.get(k) for k in old.keys() | new.keys() if k not in UNSHOWN)


def _cut_sources(body: str, sources: list[Record]) -> str:
    """The fallback: the sources' titles, quotes and names cut out of an update's text."""
    for source in sources:
        for version in (source, redact(source)):
            for piece in sorted({version.title, *version.quotes}, key=len, reverse=True):
                if piece and len(piece) >= 3:
                    body = body.replace(piece, WITHDRAWN)
        body = replace_names(body, source.people, lambda _person: WITHDRAWN)
    return body


class Citing:
    """Bringing external learning updates into line with the records they cite (a mixin)."""

    def _citing_external(self, conn: sqlite3.Connection, record_id: str | None) -> list[str]:
        sql = (
            "SELECT r.id FROM records r WHERE r.type = 'learning_update' "
            "AND json_extract(r.fields, '$.audience') = 'external'"
        )
        params: list[str] = []
        if record_id is not None:
            sql += " AND r.id IN (SELECT update_id FROM citations WHERE record_id = ?)"
            params.append(record_id)
        return [row[0] for row in conn.execute(sql, params).fetchall()]

    def _refresh_citing(
        self, conn: sqlite3.Connection, record_id: str, *versions: Record
    ) -> list[str]:
        """Make every external update citing ``record_id`` again; return the ids changed.
        ``versions``: the record as it was before the write (for the fallback's cuts)."""
        changed = []
        for update_id in self._citing_external(conn, record_id):
            if self._refresh_update(conn, update_id, [*versions, self._source(record_id)]):
                changed.append(update_id)
        return changed

    def _refresh_for_figures(self, conn: sqlite3.Connection, first_day: str) -> list[str]:
        """Make again every external update whose period ends on or after ``first_day`` (the
        first day of a figure that is new or changed value: one it may show, or that decides
        what it withholds); return the ids changed. If the generator fails, the update keeps
        its text: figures are not a record's words, and there is nothing of theirs to cut."""
        changed = []
        for update_id in self._citing_external(conn, None):
            update = self.get(update_id, include_deleted=True)  # type: ignore[attr-defined]
            if str(update.fields.get("period_to") or update.date) < first_day:
                continue
            if self._refresh_update(conn, update_id, []):
                changed.append(update_id)
        return changed

    def _source(self, record_id: str) -> Record | None:
        try:
            return self.get(record_id, include_deleted=True)  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - gone: nothing of it to cut
            return None

    def _refresh_update(
        self, conn: sqlite3.Connection, update_id: str, sources: list[Record | None]
    ) -> bool:
        update = self.get(update_id, include_deleted=True)  # type: ignore[attr-defined]
        body = None
        if self.rewrite_update is not None:  # type: ignore[attr-defined]
            try:
                body = self.rewrite_update(update)  # type: ignore[attr-defined]
            except Exception:  # noqa: BLE001 - the write goes ahead; cut instead
                body = None
        if body is None:
            body = _cut_sources(update.body, [s for s in sources if s is not None])
        # The key messages, kept with the update, lose the names its sources now list.
        fields = update.fields
        intro = fields.get("intro")
        if isinstance(intro, str) and intro:
            people = [p for s in sources if s is not None for p in s.people]
            fields = {**fields, "intro": redact_text(intro, people)}
        if body == update.body and fields == update.fields:
            return False
        row = record_to_row(replace(update, body=body, fields=fields))
        conn.execute(
            "UPDATE records SET body = ?, fields = ?, content_hash = ? WHERE id = ?",
            [row["body"], row["fields"], row["content_hash"], update_id],
        )
        self._queue(conn, update_id)  # type: ignore[attr-defined]
        return True

    def make_saved_updates_safe(self) -> int:
        """Once per data dir and name matcher (on upgrade): every external update made again
        from what its sources allow now, and every anonymised record naming people queued
        for the index (its masked names and redacted copy made by the matcher again).
        Changes no record's revision. Returns how many updates changed."""
        if self.get_meta(SAFE_KEY) == SAFE_VERSION:  # type: ignore[attr-defined]
            return 0
        with self.write() as conn:  # type: ignore[attr-defined]
            row = conn.execute("SELECT value FROM meta WHERE key = ?", [SAFE_KEY]).fetchone()
            if row and row[0] == SAFE_VERSION:
                return 0
            changed = sum(
                self._refresh_update(conn, update_id, [])
                for update_id in self._citing_external(conn, None)
            )
            named = conn.execute(
                "SELECT id FROM records WHERE consent = 'anonymised' "
                "AND people IS NOT NULL AND people NOT IN ('', '[]')"
            ).fetchall()
            for (record_id,) in named:
                self._queue(conn, record_id)  # type: ignore[attr-defined]
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [SAFE_KEY, SAFE_VERSION],
            )
        return changed
