"""Attachments as the pages, the API and the command line use them: attach, list, read, delete.

A file comes in through ``files.prepare`` (the one door: its kind read from its content, made
safe to keep, its text); consent is checked against its record's; every attachment a reader
gets passes ``evidence.consent.present_attachment``.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from evidence import attachments as store
from evidence.attachments import Attachment
from evidence.consent import INTERNAL, attachment_file_shown, present_attachment
from evidence.model import CONSENT_LEVELS, NotFound, Record, ValidationError

from .files import KINDS, Refused, prepare

if TYPE_CHECKING:
    from learning.services import Evidence

DEFAULT_MAX_MB = 25
LIMIT_SETTING = "WM2U_MAX_ATTACHMENT_MB"
MAX_NAME = 200
_UNSAFE_IN_NAME = re.compile(r"[\x00-\x1f\x7f]")


class FileWithheld(Exception):
    """The reader may see the attachment's text but not its bytes (they cannot be redacted)."""


def max_bytes(setting: Any = None) -> int:
    """The largest file kept, in bytes: ``setting`` (megabytes), else WM2U_MAX_ATTACHMENT_MB,
    else 25; a value that is not a positive number is refused, naming the setting."""
    value = setting if setting is not None else os.environ.get(LIMIT_SETTING, DEFAULT_MAX_MB)
    try:
        megabytes = float(value)
    except (TypeError, ValueError):
        megabytes = 0.0
    if isinstance(value, bool) or not 0 < megabytes <= 10_000:
        raise ValueError(f"{LIMIT_SETTING} must be a number of megabytes above 0, not {value!r}")
    return int(megabytes * 1024 * 1024)


def too_large(size: int, limit: int) -> Refused:
    """The refusal of a file over the limit (413 in the API, exit 1 on the command line)."""
    return Refused(
        f"file: is larger than the limit of {limit / 1024 / 1024:g} MB ({LIMIT_SETTING})",
        "file",
        413,
    )


def clean_name(name: str) -> str:
    """The file's name as kept: its last path part, valid Unicode, no control characters."""
    name = name.encode("utf-8", "replace").decode("utf-8")  # lone surrogates become "?"
    name = _UNSAFE_IN_NAME.sub("", re.split(r"[\\/]", name)[-1]).strip()
    return name[:MAX_NAME] or "file"


@dataclass(frozen=True)
class AttachRequest:
    """A file to attach to a record, as a client sends it."""

    record_id: str
    name: str
    data: bytes
    consent: str | None = None


def _consent(asked: str | None, record: Record, picture_or_sound: bool) -> str:
    """The attachment's consent: as asked (never wider than the record's), else the record's
    (``internal`` for pictures and sound: a face or a voice is harder to hide than a name)."""
    if asked in (None, ""):
        return "internal" if picture_or_sound else record.consent
    if asked not in CONSENT_LEVELS:
        raise ValidationError("consent", f"must be one of {', '.join(CONSENT_LEVELS)}")
    if CONSENT_LEVELS.index(asked) > CONSENT_LEVELS.index(record.consent):
        raise ValidationError(
            "consent", f"may be no wider than the record's ({record.consent}), not {asked}"
        )
    return asked


def ready(ev: Evidence, asked: AttachRequest, limit: int | None = None) -> tuple[Attachment, bytes]:
    """The attachment to keep and its bytes as kept, checked (nothing is stored yet)."""
    record = ev.store.get(asked.record_id)
    limit = max_bytes() if limit is None else limit
    if len(asked.data) > limit:
        raise too_large(len(asked.data), limit)
    name = clean_name(asked.name)
    if asked.consent not in (None, "", *CONSENT_LEVELS):
        raise ValidationError("consent", f"must be one of {', '.join(CONSENT_LEVELS)}")
    prepared = prepare(asked.data, name)
    consent = _consent(asked.consent, record, prepared.is_picture or prepared.is_sound)
    text = prepared.text or ""
    attachment = Attachment(
        id="",
        record_id=record.id,
        name=name,
        kind=prepared.kind,
        size=len(prepared.data),
        sha256=hashlib.sha256(prepared.data).hexdigest(),
        consent=consent,
        text=text,
        text_chars=len(text),
        note=prepared.note,
    )
    return attachment, prepared.data


def keep(ev: Evidence, attachment: Attachment, data: bytes, actor: str) -> Attachment:
    """Store an attachment made ready (its text searched with its record); as the team sees it."""
    kept = store.add(ev.store, attachment, data, actor)
    ev.sync_index()
    return kept


def attach(ev: Evidence, asked: AttachRequest, actor: str, limit: int | None = None) -> Attachment:
    """Keep a file on a record; the attachment as the team sees it."""
    return keep(ev, *ready(ev, asked, limit), actor)


def _record(ev: Evidence, record_id: str) -> Record:
    return ev.store.get(record_id, include_deleted=True)


def of_record(ev: Evidence, record_id: str, audience: str) -> list[Attachment]:
    """A record's attachments as ``audience`` may see them; NotFound with the record."""
    record = _record(ev, record_id)
    if ev.get(record_id, audience) is None:  # NotFound for a record the reader may not see
        raise NotFound(f"record {record_id}")
    shown = (present_attachment(a, record, audience) for a in store.of_record(ev.store, record.id))
    return [a for a in shown if a is not None]


def one(ev: Evidence, attachment_id: str, audience: str) -> Attachment:
    """One attachment as ``audience`` may see it; NotFound where it may not see it at all."""
    attachment = store.get(ev.store, attachment_id)
    shown = present_attachment(attachment, _record(ev, attachment.record_id), audience)
    if shown is None:
        raise NotFound(f"attachment {attachment_id}")
    return shown


def file(ev: Evidence, attachment_id: str, audience: str) -> tuple[Attachment, Path]:
    """The attachment and the path of its bytes; FileWithheld where only its text is shown."""
    shown = one(ev, attachment_id, audience)
    if not attachment_file_shown(shown, audience):
        raise FileWithheld(
            f"attachment {attachment_id} is anonymised: outside the team only its text is shown"
        )
    path = store.file_path(ev.data_dir, shown.sha256)
    if not path.is_file():
        raise NotFound(f"file of attachment {attachment_id} (`wm2u check` reports it)")
    return shown, path


def text(ev: Evidence, attachment_id: str, audience: str) -> str:
    """The attachment's text as the reader may see it (what excerpt positions count on)."""
    return one(ev, attachment_id, audience).text


def delete(ev: Evidence, attachment_id: str, actor: str) -> None:
    """Soft delete: hidden everywhere (search included); the file and text are kept until
    erasure."""
    store.soft_delete(ev.store, attachment_id, actor)
    ev.sync_index()  # its text and its passages' codes leave its record's search document


def erase(ev: Evidence, attachment_id: str, actor: str) -> None:
    """Erasure: its row, text, excerpts, index entries and (unless held elsewhere) file."""
    store.erase(ev.store, attachment_id, actor)
    ev.sync_index(wait=30.0)


def as_json(attachment: Attachment) -> dict[str, Any]:
    """The attachment's API shape (``type`` is the MIME type of the bytes kept)."""
    return {
        "id": attachment.id,
        "record": attachment.record_id,
        "name": attachment.name,
        "type": KINDS[attachment.kind][0] if attachment.kind in KINDS else None,
        "kind": attachment.kind,
        "size": attachment.size,
        "sha256": attachment.sha256 or None,
        "consent": attachment.consent,
        "text_chars": attachment.text_chars,
        "note": attachment.note,
        "created_at": attachment.created_at,
    }


def download_headers(attachment: Attachment) -> dict[str, str]:
    """Headers that make a browser save the file, never show it (any name, RFC 6266/5987)."""
    fallback = unicodedata.normalize("NFKD", attachment.name).encode("ascii", "ignore").decode()
    fallback = re.sub(r"[^A-Za-z0-9._ -]", "_", fallback).strip() or "attachment"
    encoded = quote(attachment.name, safe="")
    return {
        "Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox; default-src 'none'",
    }


__all__ = ["INTERNAL", "AttachRequest", "FileWithheld", "Refused", "attach", "as_json"]
