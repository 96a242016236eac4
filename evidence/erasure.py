"""Erasure: a record, its revisions and every trace of its text, gone for good.

Besides the record itself (its excerpts and their memos too), erasure takes its words out of
every text made from records: excerpts' memos, progress ratings' rationales and saved
learning updates (key messages, body, earlier versions), whether or not they link or cite it
(``evidence/passages.py`` says what counts as its words), and its people's names out of those
that linked or cited it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Collection
from dataclasses import replace
from typing import Any

from .attachments import erase_of_record
from .coding import erase_excerpts
from .consent import redact, redact_text
from .model import Record
from .msc import erase_record as erase_msc_record
from .names import erasable, holds_name, replace_names
from .passages import Passages
from .rows import record_to_row
from .stories import forget_story

ERASED = "[erased]"


def _erasable_pieces(versions: list[Record]) -> list[str]:
    """Every piece of text an erased record ever said, as written and as shown redacted."""
    pieces: set[str] = set()
    for version in versions:
        for v in (version, redact(version)):
            pieces.update([v.title, v.body, *v.quotes, *v.people])
            pieces.update(x for x in v.fields.values() if isinstance(x, str))
    return sorted((p for p in pieces if p and len(p) >= 3), key=len, reverse=True)


def _strings(value: Any) -> list[str]:
    """Every string in a field's value (text, or lists and mappings of text)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def erased_words(versions: list[Record], files: Collection[str] = ()) -> Passages:
    """An erased record's own words, every version as written and as shown redacted, and its
    attachments' text (``files``) as written and redacted."""
    people = [p for v in versions for p in v.people]
    texts: list[str] = [t for text in files for t in (text, redact_text(text, people))]
    quotable: list[str] = []
    for version in versions:
        for v in (version, redact(version)):
            quotable += [v.title, *v.quotes]
            texts += [v.title, v.body, *v.quotes, *_strings(v.fields)]
    return Passages(texts, quotable)


def _cut(text: str, pieces: list[str], names: list[str], words: Passages) -> str:
    """The text without the erased record's words, any piece it said, nor any form of its
    people's names."""
    text = words.cut(text)  # before the names: a passage is found with its names in it
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
            files = conn.execute("SELECT text FROM attachments WHERE record_id = ?", [record_id])
            words = erased_words(versions, [text for (text,) in files.fetchall() if text])
            # Its excerpts and their memos go with it (and ratings stop citing them); its
            # words leave other excerpts' memos.
            rows = conn.execute("SELECT id FROM excerpts WHERE record_id = ?", [record_id])
            passages = {row[0] for row in rows.fetchall()}
            erase_excerpts(conn, record_id, words)
            # Its attachments' rows and text go, and their files unless another row holds them.
            erase_of_record(conn, self.path.parent, record_id)  # type: ignore[attr-defined]
            conn.execute("DELETE FROM record_indicators WHERE record_id = ?", [record_id])
            conn.execute("DELETE FROM revisions WHERE record_id = ?", [record_id])
            forget_story(conn, record_id)  # its receipt and how to reach the family go too
            conn.execute("DELETE FROM records WHERE id = ?", [record_id])
            people = [p for v in versions for p in v.people]
            self._scrub_ratings(conn, record_id, people, words, passages)
            erase_msc_record(conn, record_id, people, words)
            scrubbed = self._scrub_citations(conn, record_id, versions, people, words, rewrite)
            self._refresh_counting(conn, record)  # type: ignore[attr-defined]
            scrubbed += self._scrub_quoting_updates(conn, words, scrubbed)
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
        words: Passages,
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
                intro = fields["intro"].replace(record_id, ERASED)
                fields["intro"] = _cut(intro, pieces, names, words)
            if isinstance(fields.get("featured"), list):
                fields["featured"] = [i for i in fields["featured"] if i != record_id]
            update = replace(update, title=words.cut(update.title), fields=fields)
            body = update.body
            if rewrite is not None:
                try:
                    body = rewrite(update)
                except Exception:  # noqa: BLE001 - erasure must go ahead; fall back to cutting
                    body = update.body
            body = _cut(body.replace(record_id, ERASED), pieces, names, words)
            self._save_update(conn, replace(update, body=body))
            # Earlier versions of the update quoted the erased record too: they now read
            # as the update does after the erasure.
            for rev, data in conn.execute(
                "SELECT revision, data FROM revisions WHERE record_id = ?", [update_id]
            ).fetchall():
                old = json.loads(data)
                old.update(body=body, fields=fields)
                self._save_revision(conn, update_id, rev, _cut_update(old, words))
            # "purge": the index rewrites the segments holding the update's earlier text.
            self._queue(conn, update_id, "purge")
        conn.execute("DELETE FROM citations WHERE record_id = ?", [record_id])
        return [update_id for (update_id,) in rows]

    def _scrub_quoting_updates(
        self, conn: sqlite3.Connection, words: Passages, done: list[str]
    ) -> list[str]:
        """Cut the erased record's words out of the saved learning updates that do not cite
        it (key messages may quote any record) and out of their earlier versions."""
        changed = []
        rows = conn.execute("SELECT id FROM records WHERE type = 'learning_update'").fetchall()
        for (update_id,) in rows:
            if update_id in done:
                continue
            update = self.get(update_id, include_deleted=True)
            before = update.to_dict()
            cut = _cut_update(before, words)
            if cut != before:
                self._save_update(
                    conn,
                    replace(update, title=cut["title"], body=cut["body"], fields=cut["fields"]),
                )
            earlier = False
            for rev, data in conn.execute(
                "SELECT revision, data FROM revisions WHERE record_id = ?", [update_id]
            ).fetchall():
                old = json.loads(data)
                if (new := _cut_update(old, words)) != old:
                    self._save_revision(conn, update_id, rev, new)
                    earlier = True
            if earlier or cut != before:
                self._queue(conn, update_id, "purge")
                changed.append(update_id)
        return changed

    def _save_update(self, conn: sqlite3.Connection, update: Record) -> None:
        """An update's text rewritten in place (erasure adds no revision)."""
        row = record_to_row(update)
        conn.execute(
            "UPDATE records SET title = ?, body = ?, fields = ?, content_hash = ? WHERE id = ?",
            [row["title"], row["body"], row["fields"], row["content_hash"], update.id],
        )

    def _save_revision(self, conn: sqlite3.Connection, record_id: str, rev: int, data: dict):
        conn.execute(
            "UPDATE revisions SET data = ? WHERE record_id = ? AND revision = ?",
            [json.dumps(data, ensure_ascii=False), record_id, rev],
        )

    def _live_people(self, ids: list[str]) -> list[str]:
        """The people the records ``ids`` list (a name they hold is not only the erased one's)."""
        return [p for _, people in self.people_of(ids).values() for p in people]  # type: ignore[attr-defined]

    def _scrub_ratings(
        self,
        conn: sqlite3.Connection,
        record_id: str,
        people: list[str],
        words: Passages,
        passages: Collection[str] = (),
    ) -> None:
        """Cut an erased record's words out of every rating's rationale; unlink it (and its
        ``passages``, the excerpts erased with it) from the ratings that linked it, and erase
        its people's names there: every form of them (``names.replace_names``), in the
        rationale and the rating's own people, except the names the rating's other records
        hold too."""
        rows = conn.execute(
            "SELECT id, records, rationale, people, excerpts FROM ratings"
        ).fetchall()
        for rating_id, linked, rationale, own, cited in rows:
            ids = json.loads(linked or "[]")
            kept = [i for i in ids if i != record_id]
            cited_before = json.loads(cited or "[]")
            cited_now = [i for i in cited_before if i not in passages]
            new_rationale = words.cut(rationale or "")
            own_people = json.loads(own or "[]")
            if kept != ids:
                names = erasable(people, self._live_people(kept))
                new_rationale = replace_names(new_rationale, names, lambda _person: ERASED)
                own_people = [p for p in own_people if not holds_name(p, names)]
            elif new_rationale == (rationale or "") and cited_now == cited_before:
                continue
            conn.execute(
                "UPDATE ratings SET records = ?, rationale = ?, people = ?, excerpts = ? "
                "WHERE id = ?",
                [
                    json.dumps(kept),
                    new_rationale,
                    json.dumps(own_people, ensure_ascii=False),
                    json.dumps(cited_now),
                    rating_id,
                ],
            )


def _cut_update(data: dict, words: Passages) -> dict:
    """A learning update's JSON (as saved, or an earlier version) without the erased
    record's words in its title, body or key messages."""
    out = dict(data)
    for key in ("title", "body"):
        if isinstance(data.get(key), str):
            out[key] = words.cut(data[key])
    fields = data.get("fields")
    if isinstance(fields, dict) and isinstance(fields.get("intro"), str):
        out["fields"] = {**fields, "intro": words.cut(fields["intro"])}
    return out
