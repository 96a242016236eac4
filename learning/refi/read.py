"""Reading REFI-QDA files other tools write: a project (.qdpx zip, or a bare .qde) or a
codebook (.qdc), read generously and safely.

The kind is read from the content: a zip holding a ``.qde``, or XML whose root is
``Project`` (``urn:QDA-XML:project:1.0``) or ``CodeBook`` (``urn:QDA-XML:codebook:1.0``).
The XML is streamed twice (``lxml.etree.iterparse``): first the users, codes, variables and
notes, then the sources one at a time, so memory holds one source and its selections. Zip
members are read in memory by the name the project gives, never extracted; a zip bomb, a
member whose path leaves the zip and a DTD (entity expansion) are refused or left out.
"""

from __future__ import annotations

import contextlib
import functools
import io
import posixpath
import urllib.parse
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from lxml import etree

from evidence.model import ValidationError

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
MAX_TOTAL_BYTES = 2 * 1024**3  # what a project's members may hold uncompressed, together
MAX_RATIO = 200  # a member larger than RATIO_FROM that compresses more than this is a bomb
RATIO_FROM = 8 * 1024**2
MAX_MEMBER_BYTES = 16 * 1024**2  # one source's text (a record holds 200,000 characters)
ALMOST_EMPTY = 20  # a .txt with fewer characters than this beside a .docx: read the .docx
SOURCE_KINDS = ("TextSource", "PDFSource", "PictureSource", "AudioSource", "VideoSource")
LEFT_OUT_PARTS = ("Cases", "Links", "Sets", "Graphs")
SNIFF_BYTES = 64 * 1024
# The elements each pass looks at (the second frees the first's as it passes them).
HEADER_TAGS = ("CodeBook", "Code", "User", "Variable", "Note", *SOURCE_KINDS, "Case", "Link",
               "Set", "Graph")  # fmt: skip
SOURCE_PASS_TAGS = (*SOURCE_KINDS, "User", "Codes", "Variable", "Note", "Case", "Link", "Set",
                    "Graph")  # fmt: skip
DTD_REFUSED = "declares a DTD (<!DOCTYPE>): a REFI-QDA project has none (entities refused)"


@dataclass
class CodeDef:
    """A code of the file's codebook."""

    guid: str
    name: str
    codable: bool
    colour: str | None
    description: str
    parent: str | None  # the parent code's guid


@dataclass
class Selection:
    """A ``PlainTextSelection``: positions on its source's text, codes and notes by guid."""

    guid: str
    name: str
    start: int | None
    end: int | None
    codes: list[str]
    notes: list[str]
    user: str | None


@dataclass
class Source:
    """A source of the project; ``text`` None when it cannot be read as text (``problem``)."""

    guid: str
    kind: str
    name: str
    text: str | None
    problem: str = ""
    user: str | None = None
    created: str = ""
    variables: dict[str, str] = field(default_factory=dict)
    selections: list[Selection] = field(default_factory=list)
    whole_codes: int = 0  # codes on the whole source (not kept: they have no passage)
    notes: list[str] = field(default_factory=list)
    path: str = ""  # a PDF's, picture's or sound's file in the project
    rich: str = ""  # a TextSource's richTextPath (its Word file)


@dataclass
class Header:
    """What the first pass reads: everything but the sources."""

    kind: str  # project or codebook
    users: dict[str, str] = field(default_factory=dict)  # guid → name
    codes: list[CodeDef] = field(default_factory=list)  # parents before children
    variables: dict[str, str] = field(default_factory=dict)  # guid → name, lower-case
    notes: dict[str, tuple[str, str]] = field(default_factory=dict)  # guid → (name, text)
    left_out: list[str] = field(default_factory=list)


def guid(value: str | None) -> str:
    """A guid as kept here: without braces or spaces, lower-case."""
    return (value or "").strip().strip("{}").strip().lower()


def _local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


class Package:
    """A REFI-QDA file opened for reading: a zip (members by name) or a bare XML file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.zip: zipfile.ZipFile | None = None
        self.members: dict[str, zipfile.ZipInfo] = {}
        self.left_out: list[str] = []
        self.qde: zipfile.ZipInfo | None = None
        try:
            with path.open("rb") as handle:
                magic = handle.read(4)
        except OSError as exc:
            raise ValidationError(str(path), f"cannot be read: {exc.strerror}") from None
        if magic.startswith(b"PK"):
            self._open_zip()

    def _open_zip(self) -> None:
        try:
            self.zip = zipfile.ZipFile(self.path)
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, OSError) as exc:
            raise ValidationError(str(self.path), f"is a damaged zip file ({exc})") from None
        total = sum(info.file_size for info in infos)
        if total > MAX_TOTAL_BYTES:
            raise ValidationError(
                str(self.path),
                f"would unpack to {total / 1024**3:.1f} GB (at most "
                f"{MAX_TOTAL_BYTES // 1024**3} GB): refused as a possible zip bomb",
            )
        for info in infos:
            if info.is_dir():
                continue
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > RATIO_FROM and ratio > MAX_RATIO:
                raise ValidationError(
                    str(self.path),
                    f"member {info.filename[:200]!r} unpacks {ratio:.0f} times its size: "
                    "refused as a possible zip bomb",
                )
            if not _safe_name(info.filename):
                self.left_out.append(
                    f"zip entry {info.filename[:200]!r}: its path leaves the project (not read)"
                )
                continue
            self.members[info.filename] = info
        qdes = [name for name in self.members if name.lower().endswith(".qde")]
        if not qdes:
            raise ValidationError(
                str(self.path), "is a zip file but holds no .qde project: not a REFI-QDA project"
            )
        # project.qde as the standard names it; another tool's <anything>.qde otherwise.
        qdes.sort(key=lambda n: (n.lower() != "project.qde", n.count("/"), n))
        self.qde = self.members[qdes[0]]
        for other in qdes[1:]:
            self.left_out.append(f"zip entry {other[:200]!r}: a second .qde (read {qdes[0]!r})")

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()

    @contextlib.contextmanager
    def xml(self) -> Iterator[IO[bytes]]:
        """The project's (or codebook's) XML as a stream, read afresh."""
        if self.zip is not None and self.qde is not None:
            with self.zip.open(self.qde) as stream:
                yield stream
        else:
            with self.path.open("rb") as stream:
                yield stream

    def member(self, reference: str) -> tuple[bytes | None, str]:
        """The bytes of the member a source's path names, or None and why."""
        if self.zip is None:
            return None, f"names a file ({reference[:200]!r}) but the project is not a zip"
        name = self._find(reference)
        if name is None:
            return None, f"its file {reference[:200]!r} is not in the project"
        info = self.members[name]
        if info.file_size > MAX_MEMBER_BYTES:
            return None, f"its file {name[:200]!r} is larger than {MAX_MEMBER_BYTES // 2**20} MB"
        try:
            with self.zip.open(info) as stream:
                return stream.read(MAX_MEMBER_BYTES + 1)[:MAX_MEMBER_BYTES], ""
        except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError) as exc:
            return None, f"its file {name[:200]!r} cannot be read ({exc})"

    def _find(self, reference: str) -> str | None:
        """The member a source's path names, as other tools write it: ``internal://x.txt``,
        ``x.txt``, ``sources/x.txt``, another case, backslashes, an absolute path's name."""
        path = urllib.parse.unquote(reference.strip())
        for scheme in ("internal://", "relative://", "file:///", "file://"):
            if path.lower().startswith(scheme):
                path = path[len(scheme) :]
        path = path.replace("\\", "/").lstrip("/")
        for candidate in (path, f"sources/{path}"):
            if candidate in self.members:
                return candidate
            if candidate.lower() in self._lower:
                return self._lower[candidate.lower()]
        named = self._by_base.get(posixpath.basename(path).lower(), [])
        return named[0] if len(named) == 1 else None

    @functools.cached_property
    def _lower(self) -> dict[str, str]:
        return {name.lower(): name for name in self.members}

    @functools.cached_property
    def _by_base(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for name in self.members:
            found.setdefault(posixpath.basename(name).lower(), []).append(name)
        return found


def _safe_name(name: str) -> bool:
    """Whether a zip entry's path stays inside the zip (no ``..``, not absolute)."""
    path = name.replace("\\", "/")
    if path.startswith("/") or (len(path) > 1 and path[1] == ":"):
        return False
    return ".." not in path.split("/")


def _events(
    stream: IO[bytes], where: str, events: tuple[str, ...], tags: tuple[str, ...]
) -> Iterator[tuple[str, etree._Element]]:
    """iterparse without entities, network or huge trees; a DTD (whose entities could expand
    a few lines into gigabytes) is refused, as is a root other than a REFI-QDA one."""
    head = stream.read(SNIFF_BYTES)
    if b"<!doctype" in head.lower():
        raise ValidationError(where, DTD_REFUSED)
    # Only the events and elements asked for (in any namespace): a selection's parts are
    # read with their source, and an event for each would be most of a pass's work.
    parser = etree.iterparse(_Rejoined(head, stream), events=events,
                             tag=[f"{{*}}{tag}" for tag in tags],
                             resolve_entities=False, no_network=True, huge_tree=False,
                             load_dtd=False, dtd_validation=False, remove_comments=True,
                             remove_pis=True)  # fmt: skip
    first = True
    try:
        for event, element in parser:
            if first:
                first = False
                _check_root(element.getroottree().getroot(), where)
            yield event, element
    except etree.XMLSyntaxError as exc:
        raise ValidationError(where, f"is not well-formed XML ({exc.msg})") from None
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ValidationError(where, f"cannot be read to its end ({exc})") from None
    if first:
        if parser.root is not None:  # none of the elements asked for: its root says why
            _check_root(parser.root, where)
        raise ValidationError(where, "is empty: not a REFI-QDA project")


class _Rejoined(io.RawIOBase):
    """A stream whose first bytes were read to look at: those bytes, then the rest."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self.head, self.rest = head, rest

    def read(self, size: int = -1) -> bytes:
        if self.head:
            out, self.head = (self.head, b"") if size < 0 else (self.head[:size], self.head[size:])
            return out
        return self.rest.read(size)


def _check_root(root: etree._Element, where: str) -> None:
    info = root.getroottree().docinfo
    if info.internalDTD is not None or info.externalDTD is not None or info.doctype:
        raise ValidationError(where, DTD_REFUSED)
    tag = etree.QName(root)
    if (tag.namespace, tag.localname) not in (
        (PROJECT_NS, "Project"),
        (CODEBOOK_NS, "CodeBook"),
    ):
        raise ValidationError(
            where,
            f"is XML whose root is {tag.localname!r} in namespace {tag.namespace!r}: not a "
            f"REFI-QDA project ({PROJECT_NS} Project) or codebook ({CODEBOOK_NS} CodeBook)",
        )


def _free(element: etree._Element) -> None:
    """Drop a read element and the siblings before it (iterparse keeps them otherwise)."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def read_header(package: Package) -> Header:
    """The first pass: users, codes, variables and notes (every source skipped over)."""
    header = Header(kind="project", left_out=list(package.left_out))
    codes: list[tuple[int, CodeDef]] = []
    order: dict[str, int] = {}
    counts = dict.fromkeys(LEFT_OUT_PARTS, 0)
    with package.xml() as stream:
        for event, el in _events(stream, str(package.path), ("start", "end"), HEADER_TAGS):
            name = _local(el.tag)
            if event == "start":
                if name == "CodeBook" and el.getparent() is None:
                    header.kind = "codebook"
                if name == "Code":
                    order.setdefault(guid(el.get("guid")), len(order))
                continue
            parent = _local(el.getparent().tag) if el.getparent() is not None else ""
            if name == "User":
                header.users[guid(el.get("guid"))] = (el.get("name") or el.get("id") or "").strip()
            elif name == "Code":
                codes.append((order.get(guid(el.get("guid")), 0), _code(el, parent)))
            elif name == "Variable" and parent == "Variables":
                header.variables[guid(el.get("guid"))] = (el.get("name") or "").strip().lower()
            elif name == "Note" and parent == "Notes":
                header.notes[guid(el.get("guid"))] = _note(package, el)
                _free(el)
            elif name in SOURCE_KINDS and parent == "Sources":
                _free(el)
            elif parent in LEFT_OUT_PARTS and name in ("Case", "Link", "Set", "Graph"):
                counts[parent] += 1
                _free(el)
    header.codes = [code for _, code in sorted(codes, key=lambda pair: pair[0])]
    for part, count in counts.items():
        if count:
            header.left_out.append(f"{part}: {count} left out (no counterpart here)")
    return header


def _code(el: etree._Element, parent: str) -> CodeDef:
    colour = (el.get("color") or "").strip() or None
    description = ""
    for child in el:
        if _local(child.tag) == "Description":
            description = (child.text or "").strip()
    codable = (el.get("isCodable") or "true").strip().lower() not in ("false", "0")
    parent_guid = guid(el.getparent().get("guid")) if parent == "Code" else None
    return CodeDef(guid(el.get("guid")), (el.get("name") or "").strip(), codable, colour,
                   description, parent_guid)  # fmt: skip


def _note(package: Package, el: etree._Element) -> tuple[str, str]:
    text, _problem = _text_of(package, el)
    return (el.get("name") or "").strip(), (text or "").strip()


def iter_sources(package: Package, header: Header) -> Iterator[Source]:
    """The second pass: each source of the project, one at a time."""
    with package.xml() as stream:
        for _event, el in _events(stream, str(package.path), ("end",), SOURCE_PASS_TAGS):
            parent = el.getparent()
            if parent is None or parent.getparent() is None:
                continue
            if _local(el.tag) in SOURCE_KINDS and _local(parent.tag) == "Sources":
                yield _source(package, header, el)
                _free(el)
            elif parent.getparent().getparent() is None:  # a note, a user, a set: read already
                _free(el)


def _source(package: Package, header: Header, el: etree._Element) -> Source:
    kind = _local(el.tag)
    source = Source(guid(el.get("guid")), kind, (el.get("name") or "").strip(), None,
                    user=guid(el.get("creatingUser")) or None,
                    created=(el.get("creationDateTime") or "").strip())  # fmt: skip
    source.path = (el.get("path") or "").strip()
    source.rich = (el.get("richTextPath") or "").strip()
    text_of = el if kind == "TextSource" else None
    for child in el:
        name = _local(child.tag)
        if name == "VariableValue":
            _variable(header, child, source.variables)
        elif name == "PlainTextSelection":
            source.selections.append(_selection(child))
        elif name == "Coding":
            source.whole_codes += 1
        elif name == "NoteRef":
            source.notes.append(guid(child.get("targetGUID")))
        elif name == "Representation" and kind == "PDFSource":  # the PDF's text
            text_of = child
            source.selections += [_selection(c) for c in child
                                  if _local(c.tag) == "PlainTextSelection"]  # fmt: skip
    if text_of is None:
        source.problem = f"a {kind} is not text"
        return source
    source.text, source.problem = _text_of(package, text_of)
    return source


def _variable(header: Header, el: etree._Element, into: dict[str, str]) -> None:
    name, value = "", None
    for child in el:
        local = _local(child.tag)
        if local == "VariableRef":
            name = header.variables.get(guid(child.get("targetGUID")), "")
        elif local.endswith("Value"):
            value = child.text or ""
    if name and value is not None:
        into[name] = value


def _selection(el: etree._Element) -> Selection:
    codes, notes = [], []
    for child in el.iter():
        local = _local(child.tag)
        if local == "CodeRef":
            codes.append(guid(child.get("targetGUID")))
        elif local == "NoteRef":
            notes.append(guid(child.get("targetGUID")))
    return Selection(guid(el.get("guid")), el.get("name") or "", _integer(el.get("startPosition")),
                     _integer(el.get("endPosition")), codes, notes,
                     guid(el.get("creatingUser")) or None)  # fmt: skip


def _integer(value: str | None) -> int | None:
    try:
        return int((value or "").strip())
    except ValueError:
        return None


def _text_of(package: Package, el: etree._Element) -> tuple[str | None, str]:
    """A source's (or note's) plain text: inline, or from its file in the zip; a ``.docx``
    beside an (almost) empty ``.txt`` is read instead. Or None and why."""
    text, problem = None, "it has no text (neither PlainTextContent nor plainTextPath)"
    for child in el:
        if _local(child.tag) == "PlainTextContent":
            text, problem = child.text or "", ""
    path = (el.get("plainTextPath") or "").strip()
    if text is None and path:
        text, problem = _decoded(*package.member(path))
    rich = (el.get("richTextPath") or "").strip()
    if rich.lower().endswith(".docx") and (text is None or len(text.strip()) < ALMOST_EMPTY):
        docx_text, docx_problem = _docx_text(*package.member(rich))
        if docx_text is not None and len(docx_text.strip()) > len((text or "").strip()):
            return docx_text, ""
        problem = problem or docx_problem
    return text, problem


def _decoded(data: bytes | None, problem: str) -> tuple[str | None, str]:
    if data is None:
        return None, problem
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), ""
        except UnicodeDecodeError:
            return None, "its text file is not valid UTF-16"
    try:
        # A byte-order mark is not part of the text: positions count from after it.
        return data.decode("utf-8-sig"), ""
    except UnicodeDecodeError:
        return None, "its text file is not UTF-8"


def _docx_text(data: bytes | None, problem: str) -> tuple[str | None, str]:
    """The paragraphs of a Word file, one a line; a bomb inside it is refused."""
    if data is None:
        return None, problem
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as inner:
            if sum(i.file_size for i in inner.infolist()) > 4 * MAX_MEMBER_BYTES:
                return None, "its Word file unpacks too large (refused as a possible zip bomb)"
        import docx

        document = docx.Document(io.BytesIO(data))
        return "\n".join(p.text for p in document.paragraphs), ""
    except Exception as exc:  # noqa: BLE001 - a damaged Word file is reported, never fatal
        return None, f"its Word file cannot be read ({type(exc).__name__})"
