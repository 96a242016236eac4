"""Sources that come back as attachments: ours (a source with an ``attachment_of`` variable,
learning/refi/attached.py) go back on their record; another tool's PDF, picture or sound
source becomes a record of its own (titled with the source's name, its type and date from the
file or the options) holding the file.

Every file comes in through ``files.prepare`` (the one door): one it refuses is reported and
left out with its selections. Selections count on the text the file had in the project; the
text kept is the one ``prepare`` reads, so each selection's words are looked for there (in
their place, else the one place they are) and reported when they are gone.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from evidence import attachments as store
from evidence import refi
from evidence.anchoring import anchor_for
from evidence.attachments import Attachment
from evidence.coding import Excerpt
from evidence.consent import narrower
from evidence.model import CONSENT_LEVELS, NotFound, Record, new_id
from evidence.validate import ID_PATTERN

from ..attachments.files import KINDS, Prepared, Refused, prepare
from ..attachments.service import clean_name, max_bytes
from . import read
from .attached import KIND_VARIABLE

if TYPE_CHECKING:
    from .importing import _Sources

FILE_KINDS = {"PDFSource": "PDF", "PictureSource": "picture", "AudioSource": "recording"}


def is_attachment(source: read.Source) -> bool:
    """Whether a source comes back as an attachment: ours, or another tool's file."""
    return KIND_VARIABLE in source.variables or source.kind in FILE_KINDS


def take(sources: _Sources, source: read.Source, label: str) -> None:
    """Bring one such source back as an attachment (reported when left out)."""
    if _known(sources, source):
        sources.report.attachments_present += 1
        sources.report.excerpts_present += len(source.selections)
        return
    data, name = _bytes(sources, source)
    if data is None:
        sources.report.leave_out(f"{label}{_with(source)}: {name}")
        return
    try:
        prepared = _prepared(data, name, as_text=source.kind == "TextSource")
    except Refused as refused:
        sources.report.leave_out(f"{label}{_with(source)}: its file is refused ({refused}): "
                                 "left out")  # fmt: skip
        return
    record = _record(sources, source, label)
    if record is None:
        return
    attachment = _attachment(sources, source, record, name, prepared)
    refi.add_attachment(sources.ev.store, sources.conn, attachment, prepared.data)
    refi.remember(sources.conn, "attachment", [(source.guid, attachment.id)] if source.guid else [])
    excerpts = [e for e in (_excerpt(sources, s, source, label, record, attachment)
                            for s in source.selections) if e is not None]  # fmt: skip
    sources.save_excerpts(excerpts)
    sources.report.attachments += 1


def _with(source: read.Source) -> str:
    return f", with its {len(source.selections)} selection(s)" if source.selections else ""


def _known(sources: _Sources, source: read.Source) -> bool:
    """Whether the source is an attachment here already (imported before, or ours)."""
    if refi.targets(sources.conn, "attachment", [source.guid]) if source.guid else {}:
        return True
    ours = source.variables.get("id", "").strip()
    if ours and ID_PATTERN.fullmatch(ours):
        try:
            store.get(sources.ev.store, ours, include_deleted=True)
        except NotFound:
            return False
        return True
    return False


def _bytes(sources: _Sources, source: read.Source) -> tuple[bytes | None, str]:
    """The file's bytes and the name to keep it by, or None and why."""
    name = clean_name(source.name or f"{source.guid[:8]}")
    if source.kind != "TextSource":
        if not source.path:
            return None, f"a {source.kind} that names no file (no path): left out"
        data, problem = sources.package.member(source.path)
        return (data, name) if data is not None else (None, problem)
    rich = source.rich or _beside(sources, source, name)
    if rich:
        data, _problem = sources.package.member(rich)
        if data is not None:
            return data, name
    if source.text is None:
        return None, source.problem
    return source.text.encode("utf-8"), name


def _beside(sources: _Sources, source: read.Source, name: str) -> str:
    """An OpenDocument original our export writes beside the text (``sources/GUID.odt``)."""
    if name.lower().endswith(".odt") and source.guid:
        return f"internal://{source.guid}.odt"
    return ""


def _prepared(data: bytes, name: str, as_text: bool) -> Prepared:
    """The file through the door; a text source whose name claims another kind (a Word file
    that came as its text alone) is kept as text, named so."""
    if len(data) > max_bytes():
        raise Refused(f"it is larger than {max_bytes() // 2**20} MB")
    try:
        return prepare(data, name)
    except Refused:
        if not as_text or name.lower().endswith((".txt", ".md")):
            raise
        return prepare(data, name + ".txt")


def _record(sources: _Sources, source: read.Source, label: str) -> Record | None:
    """The record the attachment goes on: ours by ``attachment_of``, else one made for it."""
    if KIND_VARIABLE not in source.variables:
        return sources.record_for_file(source, label, FILE_KINDS[source.kind])
    record_id = sources.known(read.guid(source.variables[KIND_VARIABLE]))
    try:
        return sources.ev.store.get(record_id or "", include_deleted=True)
    except NotFound:
        sources.report.leave_out(f"{label}{_with(source)}: its record "
                                 f"({source.variables[KIND_VARIABLE][:40]}) is not here: "
                                 "left out")  # fmt: skip
        return None


def _attachment(sources: _Sources, source: read.Source, record: Record, name: str,
                prepared: Prepared) -> Attachment:  # fmt: skip
    """The attachment to keep: its id (ours, if free), consent no wider than its record's."""
    wanted = source.variables.get("id", "").strip()
    asked = source.variables.get("consent", "").strip().lower()
    sound_or_picture = KINDS[prepared.kind][3] or KINDS[prepared.kind][4]
    consent = asked if asked in CONSENT_LEVELS else (
        "internal" if sound_or_picture else record.consent)  # fmt: skip
    return Attachment(
        id=wanted if wanted and ID_PATTERN.fullmatch(wanted) else new_id(),
        record_id=record.id, name=name, kind=prepared.kind, size=len(prepared.data),
        sha256=hashlib.sha256(prepared.data).hexdigest(),
        consent=narrower(consent, record.consent), text=prepared.text,
        text_chars=len(prepared.text), note=prepared.note,
        author=sources.header.users.get(source.user or "") or "import",
        created_at=read_time(source.created),
    )  # fmt: skip


def read_time(value: str) -> str:
    """A source's creationDateTime as kept (ours end in Z), else empty (now is used)."""
    return value if value.endswith("Z") and len(value) >= 20 else ""


def _excerpt(sources: _Sources, sel: read.Selection, source: read.Source, label: str,
             record: Record, attachment: Attachment) -> tuple[str, Excerpt] | None:  # fmt: skip
    """A selection as a passage of the attachment's kept text: its words in their place,
    else the one place they are in the kept text; reported when they are gone."""
    where = f"selection {sel.guid or 'without guid'} of {label}"
    given, kept = source.text or "", attachment.text
    if sel.start is None or sel.end is None or not 0 <= sel.start < sel.end <= len(given):
        sources.report.leave_out(f"{where}: from {sel.start} to {sel.end} is not a passage of "
                                 f"its source's {len(given)} characters: left out")  # fmt: skip
        return None
    words = given[sel.start : sel.end].replace("\r\n", "\n")
    start = sel.start if kept[sel.start : sel.start + len(words)] == words else kept.find(words)
    if start < 0 or not words.strip() or (start != sel.start and kept.count(words) > 1):
        sources.report.leave_out(f"{where}: its words are not in the file's text as read "
                                 "here: left out")  # fmt: skip
        return None
    codes = sources.codes_of(sel, where)
    if not codes:
        return None
    anchor = anchor_for(kept, start, start + len(words))
    excerpt = Excerpt(new_id(), record.id, anchor.text, codes, f"attachment:{attachment.id}",
                      anchor.start, anchor.end, anchor.prefix, anchor.suffix, "exact",
                      sources.memo(sel, where), sources.coder(sel))  # fmt: skip
    return sel.guid, excerpt
