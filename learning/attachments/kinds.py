"""What kind of file arrived, read from its content (never its name), or why it is refused.

The kinds kept are recognised by their own structure (a Word file is a zip whose parts say
so, an M4A a box tree with a sound track); puremagic only names what is refused, so that the
person who sent it learns what the product saw.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile

import puremagic

# A .docx or .odt is a zip: its declared sizes are read before anything opens it.
MAX_MEMBERS = 2_000  # a long report with pictures has a few hundred parts
MAX_UNPACKED = 200 * 1024 * 1024  # all parts together, as the zip declares them
MAX_RATIO = 100  # unpacked / packed, over the whole zip, past the first few megabytes
RATIO_FROM = 8 * 1024 * 1024

WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
M4A_BRANDS = {b"M4A ", b"M4B ", b"mp42", b"mp41", b"isom", b"iso2", b"dash"}
KEPT = (
    "the product keeps PDF, Word (.docx), OpenDocument text (.odt), plain text, Markdown,"
    " JPEG, PNG, MP3, M4A and WAV files"
)

# A name's extension never decides the kind, but one that claims another family is refused.
FAMILY = {"pdf": "PDF", "docx": "Word", "odt": "OpenDocument", "text": "text",
          "markdown": "text", "jpeg": "picture", "png": "picture", "mp3": "sound",
          "m4a": "sound", "wav": "sound"}  # fmt: skip
NAMED = {**FAMILY, "txt": "text", "md": "text", "jpg": "picture"}

# What browsers take for a page (WHATWG MIME sniffing, "rules for identifying an unknown MIME
# type"), and SVG/XML: served from our origin it could run script, so it is never kept.
_MARKUP = re.compile(
    rb"\s*<(!doctype\s+html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br"
    rb"|p|svg|!--|\?xml)(?:[\s>/]|$)",
    re.IGNORECASE,
)
_TEXT_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


class Refused(ValueError):
    """A file the product will not keep; ``field`` and ``status`` say how to answer."""

    def __init__(self, message: str, field: str = "file", status: int = 422):
        super().__init__(message)
        self.field = field
        self.status = status


def kind_of(data: bytes, name: str) -> str:
    """The kind of ``data`` (a key of ``files.KINDS``), or ``Refused`` naming what it is."""
    if not data:
        raise Refused("file: the file is empty")
    for check in (_pdf, _picture, _sound, _zipped):
        kind = check(data)
        if kind:
            return _as_named(kind, name)
    if decoded(data) is not None:
        return _as_named(_text_kind(data, name), name)
    raise Refused(f"file: {_what(data, name)} is not kept; {KEPT}")


def _as_named(kind: str, name: str) -> str:
    """``kind``, unless the name claims another family of kept file (a ".pdf" that is not one)."""
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    claimed = NAMED.get(extension)
    if claimed and claimed != FAMILY[kind]:
        raise Refused(f"file: {name[:100]!r} is named as a {claimed} file but is not one")
    return kind


def decoded(data: bytes) -> str | None:
    """``data`` as text (UTF-8, or UTF-16 with its BOM; the BOM dropped), or None if binary."""
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            text = data.decode("utf-16")
        else:
            text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    # NUL and the other controls no typed text holds (tab, line ends, form feed and escape may).
    return None if _TEXT_CONTROLS.search(text) else text


def _text_kind(data: bytes, name: str) -> str:
    text = decoded(data) or ""
    head = text.lstrip("\ufeff")[:1024].encode("utf-8", "replace")
    if _MARKUP.match(head):
        raise Refused("file: a web page, SVG or XML file is not kept (it could run in a browser)")
    if head.startswith(b"#!"):
        raise Refused("file: a script (a program) is not kept")
    return "markdown" if name.lower().endswith((".md", ".markdown")) else "text"


def _pdf(data: bytes) -> str | None:
    return "pdf" if data.startswith(b"%PDF-") else None


def _picture(data: bytes) -> str | None:
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    return None


def _sound(data: bytes) -> str | None:
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    if _is_mp3(data):
        return "mp3"
    if data[4:8] == b"ftyp" and data[8:12] in M4A_BRANDS and _tracks(data) == {"soun"}:
        return "m4a"
    return None


def _is_mp3(data: bytes) -> bool:
    """An MPEG audio layer III frame at the start, or after an ID3v2 tag."""
    start = 0
    if data[:3] == b"ID3" and len(data) >= 10 and data[3] in (2, 3, 4):
        size = data[6:10]
        if any(b & 0x80 for b in size):
            return False
        start = 10 + (size[0] << 21 | size[1] << 14 | size[2] << 7 | size[3])
        if data[5] & 0x10:  # a footer follows the tag
            start += 10
    return _mp3_frame(data[start : start + 4])


def _mp3_frame(header: bytes) -> bool:
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return False
    version, layer = (header[1] >> 3) & 3, (header[1] >> 1) & 3
    bitrate, rate = header[2] >> 4, (header[2] >> 2) & 3
    return version != 1 and layer == 1 and bitrate not in (0, 15) and rate != 3


def _boxes(data: bytes, start: int, end: int):
    """(type, body start, body end) of the ISO media boxes between ``start`` and ``end``."""
    while start + 8 <= end:
        size, kind = struct.unpack(">I4s", data[start : start + 8])
        head = 8
        if size == 1 and start + 16 <= end:
            size, head = struct.unpack(">Q", data[start + 8 : start + 16])[0], 16
        elif size == 0:
            size = end - start
        if size < head or start + size > end:
            return
        yield kind, start + head, start + size
        start += size


def _tracks(data: bytes) -> set[str]:
    """The handler types of the tracks of an MP4 file (``soun``, ``vide``...)."""
    found: set[str] = set()
    for kind, lo, hi in _boxes(data, 0, len(data)):
        if kind != b"moov":
            continue
        for trak, t_lo, t_hi in _boxes(data, lo, hi):
            for mdia, m_lo, m_hi in _boxes(data, t_lo, t_hi) if trak == b"trak" else ():
                for hdlr, h_lo, h_hi in _boxes(data, m_lo, m_hi) if mdia == b"mdia" else ():
                    if hdlr == b"hdlr" and h_hi - h_lo >= 12:
                        found.add(data[h_lo + 8 : h_lo + 12].decode("latin-1"))
    return found


def _zipped(data: bytes) -> str | None:
    """``docx`` or ``odt`` for a zip that is one, after its declared sizes are checked."""
    if not data.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            _check_sizes(members, len(data))
            names = {member.filename for member in members}
            if "word/document.xml" in names and "[Content_Types].xml" in names:
                types = archive.read("[Content_Types].xml")  # small: its size was checked
                if WORD_MAIN.encode() in types:
                    return "docx"
            if members and members[0].filename == "mimetype":
                if archive.read(members[0]).strip() == ODT_MIMETYPE and "content.xml" in names:
                    return "odt"
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError) as exc:
        raise Refused("file: a damaged zip file (or Word/OpenDocument file) is not kept") from exc
    raise Refused(f"file: {_zip_what(names)} is not kept; {KEPT}")


def _check_sizes(members: list[zipfile.ZipInfo], packed: int) -> None:
    """Refuse a zip bomb by what the zip declares, before any part is unpacked."""
    if len(members) > MAX_MEMBERS:
        raise Refused(
            f"file: a zip of {len(members):,} parts is not kept (at most {MAX_MEMBERS:,})"
        )
    unpacked = sum(member.file_size for member in members)
    if unpacked > MAX_UNPACKED or (unpacked > RATIO_FROM and unpacked > MAX_RATIO * packed):
        raise Refused(
            f"file: it would unpack to {unpacked / 1024**2:,.0f} MB from {packed / 1024**2:,.1f} MB"
            " (a zip bomb?); it is not kept"
        )


def _zip_what(names: set[str]) -> str:
    if any(name.startswith("xl/") for name in names):
        return "a spreadsheet (.xlsx)"
    if any(name.startswith("ppt/") for name in names):
        return "a presentation (.pptx)"
    if "mimetype" in names:
        return "an OpenDocument file other than text (.ods, .odp...)"
    return "a zip archive"


def _what(data: bytes, name: str) -> str:
    """What the file seems to be, in plain words, for the refusal."""
    if data[:4] in (b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xca\xfe\xba\xbe"):
        return "a program"
    if data[:2] == b"MZ":
        return "a Windows program"
    if data[:4] == b"\xd0\xcf\x11\xe0":
        return "an older Office file (.doc, .xls; save it as .docx or PDF)"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "a GIF picture"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "a WebP picture"
    if data[4:8] == b"ftyp":
        picture = data[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"avif")
        return "a HEIC or AVIF picture" if picture else "a video, or an MP4 without sound"
    try:
        return f"this file ({puremagic.magic_string(data[:65536])[0].name})"
    except (puremagic.PureError, ValueError, IndexError):
        return f"{name[:100]!r}"
