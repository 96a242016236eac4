"""A record's attachments as sources of their own in a REFI-QDA project.

Each live attachment the audience may see (``evidence.consent.present_attachment``) follows
its record: a text, Markdown, Word or OpenDocument file as a ``TextSource`` of its kept text
(``internal://GUID.txt``; a Word file's original beside it as ``richTextPath``, an
OpenDocument file's as ``sources/GUID.odt``, which only our import reads), a PDF as a
``PDFSource`` (``path="internal://GUID.pdf"``) whose ``Representation`` holds its text and
passages, a picture as a ``PictureSource``, sound as an ``AudioSource``. Its variables
``attachment_of`` (its record's source guid) and, for the team, ``id`` bring it back to its
record on import. Outside the team an ``anonymised`` one goes only as its redacted text (a
``TextSource``, never the file) and one with no text not at all.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from lxml import etree

from evidence import attachments as files
from evidence.attachments import Attachment
from evidence.coding import Excerpt
from evidence.consent import INTERNAL, attachment_file_shown, present_attachment
from evidence.model import Record

from . import guids, project

if TYPE_CHECKING:
    from .project import _Pass

TEXT_KINDS = ("text", "markdown", "docx", "odt")
# kind → (source element, extension of the file in the zip); text kinds are TextSources.
FILE_SOURCES = {"pdf": ("PDFSource", "pdf"), "jpeg": ("PictureSource", "jpg"),
                "png": ("PictureSource", "png"), "mp3": ("AudioSource", "mp3"),
                "m4a": ("AudioSource", "m4a"), "wav": ("AudioSource", "wav")}  # fmt: skip
KIND_VARIABLE = "attachment_of"


def write_attachments(walk: _Pass, record: Record, record_guid: str,
                      attachments: list[Attachment], excerpts: list[Excerpt]) -> None:  # fmt: skip
    """Each of a record's attachments its audience may see, as a source after its record's."""
    by_source: dict[str, list[Excerpt]] = {}
    for excerpt in excerpts:
        by_source.setdefault(excerpt.source, []).append(excerpt)
    for attachment in attachments:
        shown = present_attachment(attachment, record, walk.request.audience)
        if shown is None:
            continue
        passages = by_source.get(f"attachment:{attachment.id}", [])
        source = _source(walk, record, attachment, shown, passages)
        if source is None:
            continue
        _variables(walk, source, shown, record_guid)
        walk.sources.write(etree.tostring(source, encoding="utf-8"))
        walk.written.attachments += 1


def _source(walk: _Pass, record: Record, stored: Attachment, shown: Attachment,
            passages: list[Excerpt]) -> etree._Element | None:  # fmt: skip
    """The attachment's source element (its files written into the zip), or None when the
    audience may see neither its file nor any text."""
    guid = guids.attachment_source_guid(walk.store, stored.id)
    with_file = attachment_file_shown(shown, walk.request.audience)
    if with_file and not _path(walk, stored).is_file():  # `wm2u check` reports it too
        walk.written.missing_files += 1
        with_file = False
    attributes = {"guid": guid, "name": shown.name, "creatingUser": walk.user(stored.author),
                  "creationDateTime": project._when(stored.created_at)}  # fmt: skip
    if stored.kind in TEXT_KINDS or not with_file:
        if not shown.text and not with_file:  # nothing the audience may read
            return None
        source = project._element("TextSource", **attributes)
        _text(walk, source, guid, record, stored, shown, passages)
        if with_file and stored.kind == "docx":
            source.set("richTextPath", f"internal://{guid}.docx")
            _copy(walk, stored, f"{guid}.docx")
        elif with_file and stored.kind == "odt":
            _copy(walk, stored, f"{guid}.odt")
        return source
    tag, extension = FILE_SOURCES[stored.kind]
    source = project._element(tag, **attributes, path=f"internal://{guid}.{extension}")
    _copy(walk, stored, f"{guid}.{extension}")
    if tag == "PDFSource" and shown.text:
        representation = project._element("Representation",
                                  guid=guids.representation_guid(stored.id))  # fmt: skip
        _text(walk, representation, representation.get("guid"), record, stored, shown, passages)
        source.append(representation)
    return source


def _text(walk: _Pass, element: etree._Element, guid: str, record: Record, stored: Attachment,
          shown: Attachment, passages: list[Excerpt]) -> None:  # fmt: skip
    """The attachment's text as shown into ``sources/GUID.txt`` and its passages as
    selections of ``element``, counted on that text."""
    text, place = project.placed(shown.text, walk.request.tool)
    walk.zf.writestr(project._entry(f"sources/{guid}.txt"), text.encode("utf-8"))
    element.set("plainTextPath", f"internal://{guid}.txt")
    for excerpt in passages:
        selection = walk.selection(excerpt, record, place, stored)
        if selection is not None:
            element.append(selection)


def _copy(walk: _Pass, attachment: Attachment, name: str) -> None:
    """The attachment's bytes into the zip, streamed from the data dir."""
    with (
        _path(walk, attachment).open("rb") as data,
        walk.zf.open(project._entry(f"sources/{name}"), "w") as out,
    ):
        shutil.copyfileobj(data, out, 1 << 20)


def _path(walk: _Pass, attachment: Attachment) -> Path:
    return files.file_path(walk.store.path.parent, attachment.sha256)


def _variables(walk: _Pass, source: etree._Element, shown: Attachment, record_guid: str) -> None:
    values = [("consent", shown.consent), (KIND_VARIABLE, record_guid)]
    if walk.request.audience == INTERNAL:
        values.append(("id", shown.id))
    for name, value in values:
        source.append(project._variable_value(name, value))
