"""The whole project as a REFI-QDA project (.qdpx) for NVivo, ATLAS.ti, MAXQDA or QualCoder.

A zip of ``sources/GUID.txt`` (each record's body as the audience may read it: UTF-8, no
byte-order mark, excerpt positions count on it) and ``project.qde``: the users, the
codebook, our variables, each record as a ``TextSource`` with its excerpts as
``PlainTextSelection``s and its variables' values, and (for the team) memos as ``Notes``.
Streamed: records are read 500 at a time inside one snapshot, each element is written as it
is made, and the parts of ``project.qde`` that must come after the users are kept in files
of the data dir until the users are known, so memory stays flat however big the project.
Outside the team every record and excerpt passes ``evidence.consent``'s ``present`` and
``present_excerpt``, as they do for a viewer.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any
from xml.sax.saxutils import quoteattr

from lxml import etree

from evidence import attachments, coding
from evidence.attachments import Attachment
from evidence.coding import Code, Excerpt
from evidence.consent import AUDIENCES, EXTERNAL, INTERNAL, present, present_excerpt
from evidence.model import Record, ValidationError, utcnow
from evidence.reading import RecordFilter
from learning.coding import codebook

from . import attached, guids
from .codebook import DECLARATION, ORIGIN, codes_element, xml_text

if TYPE_CHECKING:
    from evidence.store import Store
    from learning.services import Evidence

PROJECT_NS = "urn:QDA-XML:project:1.0"
TOOLS = ("nvivo", "atlas", "maxqda", "qualcoder")
BATCH = 500
# Zip entries carry this time, so the same data exported twice differs only in the
# project's creationDateTime.
ENTRY_TIME = (1980, 1, 1, 0, 0, 0)
# Our variables, in the order written: (name, REFI-QDA type, only for the team).
VARIABLES = (("type", "Text", False), ("date", "Date", False), ("authority", "Text", False),
             ("locality", "Text", False), ("consent", "Text", False),
             ("indicators", "Text", False), ("activities", "Text", False),
             ("tags", "Text", False), ("people", "Text", True), ("quotes", "Text", False),
             ("fields", "Text", False), ("id", "Text", True),
             ("tag_list", "Text", False), ("attachment_of", "Text", False),
             # A family's own reading of their story (#24), as numbers a QDA tool can chart.
             ("triad_effort", "Float", False), ("triad_people", "Float", False),
             ("triad_service", "Float", False), ("slider1", "Float", False),
             ("slider2", "Float", False),
             # Who wrote it and whether it waits for an editor: a family's story sent through
             # an invitation and not yet accepted has no indicators, and comes back waiting.
             ("origin", "Text", True), ("status", "Text", True))  # fmt: skip
SIGNIFICATION_VARIABLES = ("triad_effort", "triad_people", "triad_service", "slider1", "slider2")
# ``tags`` is space-separated, as the contract says, which splits a tag holding a space
# ("family support"); ``tag_list`` (JSON) carries them whole for our own import.
VARIABLE_GUIDS = {name: guids.variable_guid(name) for name, _kind, _team in VARIABLES}
_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?$")
_LONE_LF = re.compile(r"(?<!\r)\n")


@dataclass
class ProjectRequest:
    """What a REFI-QDA project export asks for: the audience, the tool, the records."""

    audience: str = INTERNAL
    tool: str | None = None
    filters: RecordFilter = field(default_factory=RecordFilter)

    @classmethod
    def parse(cls, audience: Any, tool: Any, filters: RecordFilter) -> ProjectRequest:
        """Check the audience and the tool (naming ``audience`` or ``for``)."""
        if audience not in AUDIENCES:
            raise ValidationError("audience", f"must be internal or external, not {audience!r}")
        if tool in (None, "", "standard"):
            tool = None
        elif tool not in TOOLS:
            raise ValidationError("for", f"must be one of {', '.join(TOOLS)}, not {tool!r}")
        return cls(audience, tool, filters)


@dataclass
class Written:
    """What an export wrote, for the command's report and the audit."""

    records: int = 0
    selections: int = 0
    notes: int = 0
    detached: int = 0
    attachments: int = 0
    missing_files: int = 0  # attachments whose file is not in the data dir: their text only


# --- what each tool counts --------------------------------------------------------------


def placed(text: str, tool: str | None) -> tuple[str, Callable[[int], int]]:
    """The source text as ``tool`` wants it and where a position (code points of ``text``)
    lands in it, as that tool counts: NVivo counts UTF-16 units (an emoji is two), ATLAS.ti
    counts a CRLF as one, MAXQDA reads CRLF line ends; the standard counts code points."""
    if tool == "maxqda" and "\n" in text:
        return _LONE_LF.sub("\r\n", text), lambda p: len(_LONE_LF.sub("\r\n", text[:p]))
    if tool == "nvivo" and not text.isascii() and max(text) > "\uffff":
        return text, lambda p: len(text[:p].encode("utf-16-le")) // 2
    if tool == "atlas" and "\r\n" in text:
        return text, lambda p: p - text.count("\r\n", 0, p)
    return text, lambda p: p


# --- the elements -----------------------------------------------------------------------


def _element(tag: str, text: str | None = None, **attributes: str | None) -> etree._Element:
    element = etree.Element(tag, {k: xml_text(v) for k, v in attributes.items() if v is not None})
    if text is not None:
        element.text = xml_text(text)
    return element


def _when(value: str | None) -> str | None:
    """An xsd:dateTime, or None for a value that is not one (left out)."""
    return value if value and _DATETIME.match(value) else None


def _variables_element(audience: str) -> etree._Element:
    top = etree.Element("Variables")
    for name, kind, team_only in VARIABLES:
        if audience == INTERNAL or not team_only:
            etree.SubElement(top, "Variable", guid=VARIABLE_GUIDS[name], name=name,
                             typeOfVariable=kind)  # fmt: skip
    return top


def _values(record: Record, audience: str) -> Iterator[tuple[str, str]]:
    """(variable, value) of a record as shown, empty values left out."""
    values = {
        "type": record.type, "date": record.date, "authority": record.authority,
        "locality": record.locality, "consent": record.consent,
        "indicators": " ".join(record.indicators), "activities": " ".join(record.activities),
        "tags": " ".join(record.tags), "people": "; ".join(record.people),
        "quotes": json.dumps(record.quotes, ensure_ascii=False) if record.quotes else "",
        "fields": json.dumps(record.fields, ensure_ascii=False, sort_keys=True)
        if record.fields else "",
        "id": record.id,
        "tag_list": json.dumps(record.tags, ensure_ascii=False)
        if any(" " in tag for tag in record.tags) else "",
        "attachment_of": "",  # an attachment's (learning/refi/attached.py)
        "origin": record.origin if record.origin != "staff" else "",
        "status": record.status or "",
        **_signification_values(record),
    }  # fmt: skip
    for name, _kind, team_only in VARIABLES:
        if values[name] and (audience == INTERNAL or not team_only):
            yield name, values[name]


def _signification_values(record: Record) -> dict[str, str]:
    """The triad's three shares and the two sliders as text ("" where "not sure")."""
    found = record.fields.get("signification") or {}
    triad = found.get("triad") or [None, None, None]
    numbers = [*triad, found.get("slider1"), found.get("slider2")]
    return {name: "" if value is None else _decimal(value)
            for name, value in zip(SIGNIFICATION_VARIABLES, numbers, strict=True)}  # fmt: skip


def _decimal(value: float) -> str:
    """A share as xsd:decimal writes it (never 1e-05)."""
    return format(float(value), ".4f").rstrip("0").rstrip(".") or "0"


def _variable_value(name: str, value: str) -> etree._Element:
    element = etree.Element("VariableValue")
    etree.SubElement(element, "VariableRef", targetGUID=VARIABLE_GUIDS[name])
    kind = "DateValue" if name == "date" else "FloatValue" if name in SIGNIFICATION_VARIABLES \
        else "TextValue"  # fmt: skip
    etree.SubElement(element, kind).text = xml_text(value)
    return element


# --- the pass over the records ----------------------------------------------------------


class _Pass:
    """One walk over the records: source texts into the zip, ``Sources`` and ``Notes`` into
    files of their own, the users met on the way remembered."""

    def __init__(self, store: Store, request: ProjectRequest, codes: dict[str, Code],
                 zf: zipfile.ZipFile, sources: IO[bytes], notes: IO[bytes]) -> None:  # fmt: skip
        self.store, self.request, self.codes, self.zf = store, request, codes, zf
        self.sources, self.notes = sources, notes
        self.users: dict[str, str] = {}
        self.written = Written()

    def user(self, name: str) -> str | None:
        """The guid of an author or coder (remembered for ``Users``); None for no name."""
        if not name:
            return None
        if name not in self.users:
            self.users[name] = guids.user_guid(name)
        return self.users[name]

    def record(self, stored: Record, excerpts: list[Excerpt],
               attachments: list[Attachment]) -> None:  # fmt: skip
        """Write one record as its audience may read it (nothing if it may not)."""
        shown = present(stored, self.request.audience)
        if shown is None:
            return
        guid = guids.source_guid(self.store, stored.id)  # the guid it came with, if imported
        text, place = placed(shown.body, self.request.tool)
        self.zf.writestr(_entry(f"sources/{guid}.txt"), text.encode("utf-8"))
        source = _element("TextSource", guid=guid, name=shown.title,
                          plainTextPath=f"internal://{guid}.txt",
                          creatingUser=self.user(shown.author),
                          creationDateTime=_when(stored.created_at),
                          modifiedDateTime=_when(stored.updated_at))  # fmt: skip
        for excerpt in excerpts:
            selection = self.selection(excerpt, stored, place)
            if selection is not None:
                source.append(selection)
        for name, value in _values(shown, self.request.audience):
            source.append(_variable_value(name, value))
        self.sources.write(etree.tostring(source, encoding="utf-8"))
        self.written.records += 1
        attached.write_attachments(self, stored, guid, attachments, excerpts)

    def selection(self, excerpt: Excerpt, record: Record, place: Callable[[int], int],
                  attachment: Attachment | None = None) -> etree._Element | None:  # fmt: skip
        """An excerpt (of the record's body, or of ``attachment``'s text) as a
        PlainTextSelection with its codings (None: not shown, or detached from its words,
        which cannot be a selection)."""
        wanted = f"attachment:{attachment.id}" if attachment is not None else "body"
        if excerpt.source != wanted:  # attachments' passages go with their sources
            return None
        if excerpt.start is None or excerpt.end is None:
            self.written.detached += 1
            return None
        shown = present_excerpt(excerpt.to_dict(), record, self.request.audience, attachment)
        if shown is None:
            return None
        guid = guids.selection_guid(self.store, excerpt.id)
        coder = self.user(shown["author"])
        selection = _element("PlainTextSelection", guid=guid,
                             startPosition=str(place(shown["start"])),
                             endPosition=str(place(shown["end"])), creatingUser=coder,
                             creationDateTime=_when(excerpt.created_at))  # fmt: skip
        for code_id in sorted(excerpt.codes):
            code = self.codes.get(code_id)
            if code is None:
                continue
            coded = etree.SubElement(selection, "Coding",
                                     guid=guids.coding_guid(excerpt.id, code_id))  # fmt: skip
            if coder:
                coded.set("creatingUser", coder)
            etree.SubElement(coded, "CodeRef", targetGUID=code.guid)
        if excerpt.memo and self.request.audience == INTERNAL:  # memos never leave the team
            self.note(excerpt, selection)
        self.written.selections += 1
        return selection

    def note(self, excerpt: Excerpt, selection: etree._Element) -> None:
        """The excerpt's memo as a Note, referred to from its selection."""
        guid = guids.memo_guid(excerpt.id)
        etree.SubElement(selection, "NoteRef", targetGUID=guid)
        note = _element("Note", guid=guid, name="Memo", creatingUser=self.user(excerpt.author),
                        creationDateTime=_when(excerpt.created_at),
                        modifiedDateTime=_when(excerpt.updated_at))  # fmt: skip
        etree.SubElement(note, "PlainTextContent").text = xml_text(excerpt.memo or "")
        self.notes.write(etree.tostring(note, encoding="utf-8"))
        self.written.notes += 1


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ENTRY_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16
    return info


def _batches(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    batch: list[Record] = []
    for record in records:
        batch.append(record)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def write_project(ev: Evidence, request: ProjectRequest, out: IO[bytes]) -> Written:
    """Write the records ``request`` selects, as its audience may read them, as a REFI-QDA
    project (a .qdpx zip) to ``out``."""
    filters = request.filters
    with (
        ev.store.snapshot(),
        tempfile.TemporaryFile(dir=ev.data_dir) as sources,
        tempfile.TemporaryFile(dir=ev.data_dir) as notes,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf,
    ):
        codes = codebook.all_codes(ev)
        walk = _Pass(ev.store, request, codes, zf, sources, notes)
        for batch in _batches(ev.store.iter_records(filters), BATCH):
            ids = [r.id for r in batch]
            excerpts = coding.excerpts_of_records(ev.store, ids)
            held = attachments.of_records(ev.store, ids)
            for record in batch:
                walk.record(record, excerpts[record.id], held.get(record.id, []))
        with zf.open(_entry("project.qde"), "w", force_zip64=True) as qde:
            _write_qde(qde, walk, list(codes.values()), sources, notes)
    return walk.written


def _write_qde(qde: IO[bytes], walk: _Pass, codes: list[Code], sources: IO[bytes],
               notes: IO[bytes]) -> None:  # fmt: skip
    """``project.qde``: the head, users, codebook and variables, then the sources and notes
    the pass kept aside."""
    audience = walk.request.audience
    name = "WM2U Evidence" + (" (for readers outside the team)" if audience == EXTERNAL else "")
    head = (f'<Project xmlns="{PROJECT_NS}" name={quoteattr(name)} origin={quoteattr(ORIGIN)} '
            f'creationDateTime="{utcnow()}">\n')  # fmt: skip
    qde.write((DECLARATION + head).encode("utf-8"))
    if walk.users:
        users = etree.Element("Users")
        for user_name, guid in sorted(walk.users.items()):
            etree.SubElement(users, "User", guid=guid, name=xml_text(user_name))
        qde.write(etree.tostring(users, encoding="utf-8") + b"\n")
    if codes:
        book = etree.Element("CodeBook")
        book.append(codes_element(codes))
        qde.write(etree.tostring(book, encoding="utf-8") + b"\n")
    qde.write(etree.tostring(_variables_element(audience), encoding="utf-8") + b"\n")
    for tag, part, count in (("Sources", sources, walk.written.records),
                             ("Notes", notes, walk.written.notes)):  # fmt: skip
        if count:  # an empty <Sources/> or <Notes/> is not valid
            qde.write(f"<{tag}>".encode())
            part.seek(0)
            shutil.copyfileobj(part, qde, 1 << 20)
            qde.write(f"</{tag}>\n".encode())
    description = _element("Description", _description(audience))
    qde.write(etree.tostring(description, encoding="utf-8") + b"\n</Project>\n")


def audit_line(request: ProjectRequest, written: Written) -> str:
    """What the audit says of an export: its audience, tool and size, never its text."""
    tool = f" for {request.tool}" if request.tool else ""
    return (f"{written.records} record(s) as REFI-QDA (.qdpx, {request.audience}{tool}), "
            f"{written.attachments} attachment(s), {written.selections} excerpt(s), "
            f"{written.notes} memo(s)")  # fmt: skip


def _description(audience: str) -> str:
    if audience == EXTERNAL:
        return ("Exported from WM2U Evidence for readers outside the team: records shared "
                "with consent only, names replaced, no memos.")  # fmt: skip
    return "Exported from WM2U Evidence for the team: every record, with memos."
