"""Saved learning updates follow their sources: never more than those allow today.

A saved update shows what it showed when it was saved, minus what its sources no longer
allow. When a record an external update cites is made internal, soft-deleted, gains a name
in ``people``, loses a quote (any change to what an update could show of it), the update is
made again from the records it has cited, as they are now, in the same transaction as the
write: its stored Markdown (which its record page, API answer and search entry show), the
records it cites and features (``fields.cites``, ``fields.featured``) and its key messages.
So is one whose previous period held a record whose count changes (made internal,
deleted, moved): the update compares with what its audience may count now. The application
hands the store the generator as ``Store.remake_update``; if it fails, the record's title,
quotes and names are cut out of the update instead, and its id out of the cited and featured,
so the write never leaves an update showing more than it may. A saved external update
follows the data project's figures the same way: a new figure, or a new value, that it may
show is written into it in the same transaction (``_refresh_for_figures``).

The ``citations`` table (kept by triggers from ``fields.cites``) holds every record an update
has cited since it was saved: a record withdrawn and later allowed again is cited again, and
an erasure finds every update that ever quoted a record. An update's audience is fixed:
an internal one stays the team's (``consent.widest_consent``; ``refuse_audience_change``).
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace

from .consent import EXTERNAL, INTERNAL, redact, redact_text, visible
from .model import Record, ValidationError
from .names import VERSION as NAMES_VERSION
from .names import replace_names
from .periods import period_before
from .rows import record_to_row

UNSHOWN = ("body", "revision", "created_at", "updated_at")
COUNTED = ("type", "date", "consent", "indicators", "activities", "deleted_at")
WITHDRAWN = "[withdrawn]"
SAFE_KEY = "saved_updates_safe"
# Raised when what a saved external update may show narrows, so that each data dir makes its
# updates again once. 1: every external update made again from what its sources allow.
# 3 (issue #20): figures that add up (periods, places) withhold more; citations and the
# previous period as they allow now, objectives kept, internal updates internal; and
# whenever the name matcher finds more (its VERSION).
SAFE_VERSION = f"3/names {NAMES_VERSION}"


def shown_changed(before: Record, after: Record) -> bool:
    """Whether a write changes anything a learning update may show of a record (not its body,
    which no update shows)."""
    old, new = before.to_dict(), after.to_dict()
    return any(old.get(k) != new.get(k) for k in old.keys() | new.keys() if k not in UNSHOWN)


def counted_changed(before: Record | None, after: Record | None) -> bool:
    """Whether a write changes how a period's count of evidence counts a record."""
    if before is None or after is None:
        return True
    return any(getattr(before, k) != getattr(after, k) for k in COUNTED)


def refuse_audience_change(current: Record, record: Record) -> None:
    """A saved learning update keeps its audience and its type: the text it holds was made
    for that audience (make a new update for another)."""
    if current.type != "learning_update":
        return
    if record.type != current.type:
        raise ValidationError("type", "a saved learning update stays a learning update")
    if record.fields.get("audience") != current.fields.get("audience"):
        raise ValidationError(
            "fields.audience",
            "a saved learning update keeps the audience it was made for: make a new update "
            "for another audience",
        )


def _cut_sources(body: str, sources: list[Record]) -> str:
    """The fallback: the sources' titles, quotes and names cut out of an update's text."""
    for source in sources:
        for version in (source, redact(source)):
            for piece in sorted({version.title, *version.quotes}, key=len, reverse=True):
                if piece and len(piece) >= 3:
                    body = body.replace(piece, WITHDRAWN)
        body = replace_names(body, source.people, lambda _person: WITHDRAWN)
    return body


def _cut(update: Record, sources: list[Record]) -> Record:
    """The fallback, whole: the sources' words cut out, and the ids of those it may no longer
    show out of the records it cites and features."""
    latest = {s.id: s for s in sources}  # the last version given is the record as it is now
    gone = {i for i, s in latest.items() if s.deleted_at or not visible(s, EXTERNAL)}
    fields = dict(update.fields)
    for key in ("cites", "featured"):
        if isinstance(fields.get(key), list):
            fields[key] = [i for i in fields[key] if i not in gone]
    return update.but(body=_cut_sources(update.body, sources), fields=fields)


class Citing:
    """Bringing external learning updates into line with the records they cite (a mixin)."""

    def citations_of(self, update_id: str) -> list[str]:
        """Every record a saved update has cited since it was saved (``fields.cites``: those
        it cites now)."""
        rows = self.conn.execute(  # type: ignore[attr-defined]
            "SELECT record_id FROM citations WHERE update_id = ?", [update_id]
        ).fetchall()
        return [row[0] for row in rows]

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

    def _counting_external(self, conn: sqlite3.Connection, versions: list[Record]) -> list[str]:
        """The external updates whose previous period holds one of ``versions`` (a record
        before and after a write), saved once that record was made: those that count it."""
        counted = [v for v in versions if v.type != "learning_update" and v.date]
        if not counted:
            return []
        rows = conn.execute(
            "SELECT id, json_extract(fields, '$.period_from'), "
            "json_extract(fields, '$.period_to'), date, created_at "
            "FROM records WHERE type = 'learning_update' "
            "AND json_extract(fields, '$.audience') = 'external'"
        ).fetchall()
        found = []
        for update_id, start, end, day, saved in rows:
            try:
                first, last = period_before(str(start or day), str(end or day))
            except ValueError:  # an update with a broken period counts nothing
                continue
            if any(first <= v.date[:10] <= last and v.created_at <= saved for v in counted):
                found.append(update_id)
        return found

    def _refresh_citing(
        self, conn: sqlite3.Connection, record_id: str, *versions: Record
    ) -> list[str]:
        """Make again every external update citing ``record_id``, or counting it in its
        previous period; return the ids changed. ``versions``: the record as it was before
        the write (for the fallback's cuts)."""
        now = self._source(record_id)
        sources = [*versions, now]
        updates = self._citing_external(conn, record_id)
        if counted_changed(versions[0] if versions else None, now):
            updates += self._counting_external(conn, [s for s in sources if s is not None])
        changed = []
        for update_id in dict.fromkeys(updates):
            if update_id != record_id and self._refresh_update(conn, update_id, sources):
                changed.append(update_id)
        return changed

    def _refresh_quoting(self, conn: sqlite3.Connection, record_id: str) -> list[str]:
        """Make again every external update citing ``record_id`` after a change to its coded
        passages or its text (an update may quote its passages); return the ids changed."""
        now = self._source(record_id)
        sources = [now] if now is not None else []
        return [
            update_id
            for update_id in self._citing_external(conn, record_id)
            if update_id != record_id and self._refresh_update(conn, update_id, sources)
        ]

    def _refresh_counting(self, conn: sqlite3.Connection, erased: Record) -> list[str]:
        """Make again every external update whose previous period counted an erased record."""
        return [
            update_id
            for update_id in self._counting_external(conn, [erased])
            if self._refresh_update(conn, update_id, [])
        ]

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
        """Make one saved update again (``sources``: the records whose write calls for it, as
        they were and are); store it in place if it changed (no new revision: it is the same
        update, showing less). Returns whether it changed."""
        update = self.get(update_id, include_deleted=True)  # type: ignore[attr-defined]
        known = [s for s in sources if s is not None]
        # The key messages lose the names its sources list now, cited or not any more.
        asked = update
        intro = update.fields.get("intro")
        people = [p for s in known for p in s.people]
        if isinstance(intro, str) and intro and people:
            asked = update.but(fields={**update.fields, "intro": redact_text(intro, people)})
        remade = None
        if self.remake_update is not None:  # type: ignore[attr-defined]
            try:
                remade = self.remake_update(asked)  # type: ignore[attr-defined]
            except Exception:  # noqa: BLE001 - the write goes ahead; cut instead
                remade = None
        if remade is None:
            remade = _cut(asked, known)
        if remade.body == update.body and remade.fields == update.fields:
            return False
        row = record_to_row(replace(update, body=remade.body, fields=remade.fields))
        conn.execute(
            "UPDATE records SET body = ?, fields = ?, content_hash = ? WHERE id = ?",
            [row["body"], row["fields"], row["content_hash"], update_id],
        )
        self._queue(conn, update_id)  # type: ignore[attr-defined]
        return True

    def _keep_internal_updates_internal(self, conn: sqlite3.Connection) -> int:
        """Internal updates an earlier version let an editor share wider made the team's
        again (in place, audited); returns how many."""
        rows = conn.execute(
            "SELECT id FROM records WHERE type = 'learning_update' AND consent != ? "
            "AND coalesce(json_extract(fields, '$.audience'), '') != ?",
            [INTERNAL, EXTERNAL],
        ).fetchall()
        for (update_id,) in rows:
            update = self.get(update_id, include_deleted=True)  # type: ignore[attr-defined]
            row = record_to_row(replace(update, consent=INTERNAL))
            conn.execute(
                "UPDATE records SET consent = ?, content_hash = ? WHERE id = ?",
                [INTERNAL, row["content_hash"], update_id],
            )
            self._queue(conn, update_id)  # type: ignore[attr-defined]
            detail = f"{update.consent} -> {INTERNAL}: an internal update is the team's"
            self._audit(conn, "upgrade", "consent-change", update_id, detail)  # type: ignore[attr-defined]
        return len(rows)

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
            changed = self._keep_internal_updates_internal(conn)
            changed += sum(
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
