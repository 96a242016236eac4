"""Attachments in exports and imports: beside the records, a folder holding ``attachments.json``
(each attachment's row: id, record, name, kind, sha256, consent, text, note, …) and the files
under ``files/ab/abcdef…``. An import keeps the ids, hashes and texts, skips what is already
there (so it can be run again), and lets no file in that the door (``files.prepare``) refuses.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evidence import attachments as store
from evidence.attachments import Attachment
from evidence.model import CONSENT_LEVELS, NotFound, ValidationError
from evidence.validate import ID_PATTERN

from .files import KINDS, Refused, prepare

if TYPE_CHECKING:
    from learning.services import Evidence

MANIFEST = "attachments.json"
EXPORTED = ("id", "record_id", "name", "kind", "size", "sha256", "consent", "text",
            "text_chars", "note", "author", "created_at")  # fmt: skip


def folder_for(out: Path, fmt: str) -> Path:
    """Where an export's attachments go: inside a Markdown folder, beside a JSON file."""
    return out / "attachments" if fmt == "md" else out.with_name(out.name + ".attachments")


def export_to(ev: Evidence, folder: Path) -> int:
    """Write every attachment that is not deleted (of records not deleted) and its file."""
    rows = ev.store.conn.execute(
        "SELECT a.id FROM attachments a JOIN records r ON r.id = a.record_id "
        "WHERE a.deleted_at IS NULL AND r.deleted_at IS NULL ORDER BY a.created_at, a.id"
    ).fetchall()
    kept = [store.get(ev.store, attachment_id) for (attachment_id,) in rows]
    if not kept:
        return 0
    (folder / store.FILES_DIR).mkdir(parents=True, exist_ok=True)
    for attachment in kept:
        source = store.file_path(ev.data_dir, attachment.sha256)
        target = folder / store.FILES_DIR / attachment.sha256[:2] / attachment.sha256
        target.parent.mkdir(exist_ok=True)
        if not target.exists():
            shutil.copyfile(source, target)
    items = [{k: getattr(a, k) for k in EXPORTED} for a in kept]
    (folder / MANIFEST).write_text(
        json.dumps({"attachments": items}, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return len(kept)


def import_from(ev: Evidence, folder: Path, actor: str) -> tuple[int, int]:
    """Bring back an export's attachments whose records are here; (added, already present)."""
    manifest = folder / MANIFEST
    if not manifest.is_file():
        return 0, 0
    try:
        items = json.loads(manifest.read_text(encoding="utf-8"))["attachments"]
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise ValidationError(str(manifest), "is not an export's list of attachments") from None
    added = skipped = 0
    for index, item in enumerate(items if isinstance(items, list) else [None], 1):
        attachment = _attachment(item, f"{manifest}#{index}")
        try:
            store.get(ev.store, attachment.id, include_deleted=True)
            skipped += 1
            continue
        except NotFound:
            pass
        data = _file(folder, attachment, f"{manifest}#{index}")
        store.add(ev.store, attachment, data, actor)
        added += 1
    if added:
        ev.sync_index(wait=30.0, batch=5000)  # their records searched with their text
    return added, skipped


def _attachment(item: Any, source: str) -> Attachment:
    if not isinstance(item, dict):
        raise ValidationError(source, "must be an attachment object")
    try:
        values = {k: item[k] for k in EXPORTED}
    except KeyError as exc:
        raise ValidationError(source, f"has no {exc.args[0]}") from None
    if not all(isinstance(values[k], str) for k in ("id", "record_id", "name", "sha256", "text")):
        raise ValidationError(source, "id, record_id, name, sha256 and text must be text")
    if not ID_PATTERN.match(values["id"]) or values["kind"] not in KINDS:
        raise ValidationError(source, "has an id or a kind this product does not keep")
    if values["consent"] not in CONSENT_LEVELS:
        raise ValidationError(source, f"consent must be one of {', '.join(CONSENT_LEVELS)}")
    values["text_chars"] = len(values["text"])
    fields = {f.name for f in dataclasses.fields(Attachment)}
    return Attachment(**{k: v for k, v in values.items() if k in fields})


def _file(folder: Path, attachment: Attachment, source: str) -> bytes:
    """The exported file's bytes, checked against its hash and passed through the door."""
    path = folder / store.FILES_DIR / attachment.sha256[:2] / attachment.sha256
    try:
        data = path.read_bytes()
    except OSError:
        raise ValidationError(source, f"file {path} is missing") from None
    if hashlib.sha256(data).hexdigest() != attachment.sha256:
        raise ValidationError(source, f"file {path} does not have its sha256")
    try:
        kind = prepare(data, attachment.name).kind
    except Refused as exc:
        raise ValidationError(source, str(exc)) from None
    if kind != attachment.kind:
        raise ValidationError(source, f"file {path} is {kind}, not {attachment.kind}")
    return data
