"""Families' own stories in the store: invitations, the stories sent, receipts (SQL only).

An invitation's link and a story's receipt are secrets of 256 random bits shown once; only
their SHA-256 is kept (as API tokens are), so a copy of the database opens neither. A story
sent is a ``family_story`` record (``origin`` family, ``status`` submitted) saved with its
``stories`` row and the invitation's use in one transaction; the audit names the invitation,
never the sender.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import sqlite3
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from .consent import narrower
from .model import CONSENT_LEVELS, NotFound, Record, ValidationError, new_id, utcnow

if TYPE_CHECKING:
    from .store import Store

DEFAULT_DAYS = 90  # an invitation's life unless the editor says otherwise
DEFAULT_USES = 1
MAX_USES = 10_000
TELL_PREFIX = "/tell/"
RECEIPT_PREFIX = "/my-story/"


def token_hash(token: str) -> str:
    """The SHA-256 kept for a link's token (256 random bits: one fast hash is enough)."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """A fresh secret for a link: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


@dataclass
class Invitation:
    """An invitation to families to tell their own story (its token is never kept)."""

    id: str
    prompt: str
    authority: str
    locality: str
    indicators: list[str]
    expires: str
    uses: int
    used: int
    revoked: bool
    created_at: str
    link: str | None = None  # only when just made: the link is shown once

    def closed(self, today: str) -> str | None:
        """Why it takes no more stories (``expired``, ``revoked``, ``used up``), or None."""
        if self.revoked:
            return "revoked"
        if self.expires < today:
            return "expired"
        if self.used >= self.uses:
            return "used up"
        return None

    def to_dict(self) -> dict[str, Any]:
        """The invitation as the API shows it (``link`` only when just made)."""
        data = {
            "id": self.id,
            "prompt": self.prompt,
            "authority": self.authority,
            "locality": self.locality,
            "indicators": list(self.indicators),
            "expires": self.expires,
            "uses": self.uses,
            "used": self.used,
            "revoked": self.revoked,
        }
        if self.link is not None:
            data["link"] = self.link
        return data


_INVITATION_COLUMNS = (
    "id, prompt, authority, locality, indicators, expires, uses, used, revoked_at, created_at"
)


def _invitation(row: tuple) -> Invitation:
    id_, prompt, authority, locality, indicators, expires, uses, used, revoked, created = row
    return Invitation(
        id_, prompt, authority, locality, json.loads(indicators), expires, uses, used,
        revoked is not None, created,
    )  # fmt: skip


def create_invitation(store: Store, invitation: Invitation, actor: str = "") -> Invitation:
    """Keep a new invitation; the answer alone carries its link (``/tell/TOKEN``)."""
    token = new_token()
    made = replace(invitation, id=invitation.id or new_id(), used=0, revoked=False,
                   created_at=utcnow(), link=TELL_PREFIX + token)  # fmt: skip
    with store.write() as conn:
        conn.execute(
            "INSERT INTO invitations (id, token_hash, prompt, authority, locality, indicators, "
            "expires, uses, used, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
            [made.id, token_hash(token), made.prompt, made.authority, made.locality,
             json.dumps(made.indicators), made.expires, made.uses, made.created_at, actor],
        )  # fmt: skip
        store._audit(conn, actor, "invite", None, f"invitation {made.id}")
    return made


def list_invitations(store: Store) -> list[Invitation]:
    """Every invitation, newest first (without links: they are never kept)."""
    rows = store.conn.execute(
        f"SELECT {_INVITATION_COLUMNS} FROM invitations ORDER BY created_at DESC, id DESC"
    )
    return [_invitation(row) for row in rows]


def get_invitation(store: Store, invitation_id: str) -> Invitation:
    """One invitation by id; NotFound if there is none."""
    row = store.conn.execute(
        f"SELECT {_INVITATION_COLUMNS} FROM invitations WHERE id = ?", [invitation_id]
    ).fetchone()
    if row is None:
        raise NotFound(f"invitation {invitation_id}")
    return _invitation(row)


def invitation_by_token(store: Store, token: str) -> Invitation:
    """The invitation a link's token opens; NotFound for a token no invitation has."""
    row = store.conn.execute(
        f"SELECT {_INVITATION_COLUMNS} FROM invitations WHERE token_hash = ?", [token_hash(token)]
    ).fetchone()
    if row is None:
        raise NotFound("invitation")
    return _invitation(row)


def revoke_invitation(store: Store, invitation_id: str, actor: str = "") -> Invitation:
    """Close an invitation for good (its link answers 410 from now on)."""
    with store.write() as conn:
        found = conn.execute(
            "UPDATE invitations SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?",
            [utcnow(), invitation_id],
        )
        if not found.rowcount:
            raise NotFound(f"invitation {invitation_id}")
        store._audit(conn, actor, "revoke-invitation", None, f"invitation {invitation_id}")
    return get_invitation(store, invitation_id)


class Closed(Exception):
    """The invitation takes no more stories: expired, revoked or used up."""

    def __init__(self, why: str) -> None:
        self.why = why
        super().__init__(f"this invitation is {why}")


@dataclass
class Sent:
    """A story just saved, and the receipt link shown once to the family."""

    record: Record
    receipt: str = field(repr=False)


def save_story(
    store: Store, token: str, record: Record, contact: str, today: str | None = None
) -> Sent:
    """Save a family's story through an invitation, all in one write: the record (submitted,
    with the invitation's place and indicators), its receipt's hash, how to reach them (apart),
    and the invitation's use. Closed if the invitation takes no more; NotFound if unknown."""
    receipt = new_token()
    today = today or dt.date.today().isoformat()
    with store.write() as conn:
        row = conn.execute(
            f"SELECT {_INVITATION_COLUMNS} FROM invitations WHERE token_hash = ?",
            [token_hash(token)],
        ).fetchone()
        if row is None:
            raise NotFound("invitation")
        invitation = _invitation(row)
        if why := invitation.closed(today):
            raise Closed(why)
        now = utcnow()
        story = replace(
            record, id=new_id(), date=today, authority=invitation.authority,
            locality=invitation.locality, indicators=list(invitation.indicators),
            origin="family", status="submitted", revision=1, created_at=now, updated_at=now,
        )  # fmt: skip
        store._insert(conn, story)
        conn.execute(
            "INSERT INTO stories (record_id, invitation_id, consent, receipt_hash, sent_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [story.id, invitation.id, story.consent, token_hash(receipt), now],
        )
        if contact:
            conn.execute(
                "INSERT INTO story_contacts (record_id, contact) VALUES (?, ?)", [story.id, contact]
            )
        conn.execute("UPDATE invitations SET used = used + 1 WHERE id = ?", [invitation.id])
        store._audit(conn, "family", "story-sent", story.id, f"invitation {invitation.id}")
    return Sent(story, RECEIPT_PREFIX + receipt)


def story_by_receipt(store: Store, receipt: str) -> str:
    """The id of the story a receipt's token belongs to; NotFound for an unknown one."""
    row = store.conn.execute(
        "SELECT record_id FROM stories WHERE receipt_hash = ?", [token_hash(receipt)]
    ).fetchone()
    if row is None:
        raise NotFound("receipt")
    return row[0]


def story_facts(store: Store, record_id: str) -> dict[str, Any] | None:
    """What the team keeps beside a family's story: its invitation, the widest consent the
    family allows, when it was sent and how to reach them; None for any other record."""
    row = store.conn.execute(
        "SELECT s.invitation_id, s.consent, s.sent_at, c.contact FROM stories s "
        "LEFT JOIN story_contacts c ON c.record_id = s.record_id WHERE s.record_id = ?",
        [record_id],
    ).fetchone()
    if row is None:
        return None
    return {"invitation": row[0], "consent": row[1], "sent_at": row[2], "contact": row[3] or ""}


def settle(conn: sqlite3.Connection, current: Record, record: Record) -> Record:
    """An edit of a record, with who wrote it and its status kept as the server's: a family's
    story's consent may be narrowed, never widened past what the family allowed (422 naming
    ``consent``); ``status`` may go from submitted to accepted, with at least one indicator."""
    status = current.status
    if current.origin == "family" and record.status == "accepted":
        status = "accepted"
    settled = replace(record, origin=current.origin, status=status)
    if status != "submitted" and not settled.indicators:
        what = "to accept a story" if current.origin == "family" else "on every record"
        raise ValidationError("indicators", f"at least one indicator is needed {what}")
    if current.origin != "family":
        return settled
    kept = current.fields.get("signification")
    if kept is not None and "signification" not in settled.fields:
        # The family's own reading of their story: an edit form that does not show it keeps it.
        settled = settled.but(fields={**settled.fields, "signification": kept})
    row = conn.execute("SELECT consent FROM stories WHERE record_id = ?", [current.id]).fetchone()
    allowed = row[0] if row else current.consent
    if narrower(settled.consent, allowed) != settled.consent:
        raise ValidationError(
            "consent",
            f"may be narrowed, never widened: the family allowed {allowed} at most",
        )
    return settled


def withdraw_story(store: Store, record_id: str) -> Record:
    """The family takes their story back: it becomes ``internal`` (no editor may widen it
    again), and saved external updates stop showing it, in one write."""
    with store.write() as conn:
        current = store.get(record_id, include_deleted=True)
        conn.execute("UPDATE stories SET consent = 'internal' WHERE record_id = ?", [record_id])
        if current.consent == "internal":
            return current
        return store._replace(conn, current, current.but(consent="internal"), "family")


def forget_story(conn: sqlite3.Connection, record_id: str) -> None:
    """Inside an erasure: the story's receipt and how to reach the family go with it."""
    conn.execute("DELETE FROM story_contacts WHERE record_id = ?", [record_id])
    conn.execute("DELETE FROM stories WHERE record_id = ?", [record_id])


def as_sent(store: Store, record_id: str) -> Record:
    """The story in the family's words as they sent it (its first revision)."""
    row = store.conn.execute(
        "SELECT data FROM revisions WHERE record_id = ? AND revision = 1", [record_id]
    ).fetchone()
    if row is None:
        return store.get(record_id, include_deleted=True)
    return Record.from_dict(json.loads(row[0]))


def quoted_in(store: Store, record_id: str) -> list[str]:
    """The titles of the saved learning updates that cite the story now."""
    # CROSS JOIN: from the story's few citations, not from every live record (SQLite chose the
    # records first: 300 ms at 100,000 records, on a page a family opens).
    rows = store.conn.execute(
        "SELECT r.title FROM citations c CROSS JOIN records r ON r.id = c.update_id "
        "WHERE c.record_id = ? AND r.deleted_at IS NULL AND EXISTS (SELECT 1 FROM "
        "json_each(r.fields, '$.cites') j WHERE j.value = c.record_id) ORDER BY r.date",
        [record_id],
    )
    return [title for (title,) in rows]


def significations(store: Store, date_from: str, date_to: str) -> list[dict[str, Any]]:
    """The signification of every live story families sent in the period (the team's view)."""
    rows = store.conn.execute(
        "SELECT json_extract(fields, '$.signification') FROM records WHERE origin = 'family' "
        "AND deleted_at IS NULL AND date BETWEEN ? AND ? ORDER BY date, id",
        [date_from, date_to],
    )
    return [json.loads(text) for (text,) in rows if text]


def submitted_stories(store: Store, limit: int = 200) -> list[tuple[str, str, str, str]]:
    """The stories waiting for an editor, oldest first: (id, title, date, invitation)."""
    rows = store.conn.execute(
        "SELECT r.id, r.title, r.date, COALESCE(s.invitation_id, '') FROM records r "
        "LEFT JOIN stories s ON s.record_id = r.id WHERE r.status = 'submitted' "
        "AND r.deleted_at IS NULL ORDER BY r.created_at, r.id LIMIT ?",
        [limit],
    )
    return [tuple(row) for row in rows]


def check_consent(value: Any) -> str:
    """A consent level a family chose; refused when none (or an unknown one) was chosen."""
    if value not in CONSENT_LEVELS:
        raise ValidationError("consent", "choose who may read your story")
    return str(value)
