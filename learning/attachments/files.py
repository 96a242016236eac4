"""What an arriving file is, made safe to keep, and its text: the one door files come in by.

The interface the rest of the product uses is ``prepare``; the reading of the file (kind from its
content, metadata stripped, text extracted apart from the web process, hostile files given up)
lives behind it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from learning.attachments.apart import read_apart
from learning.attachments.kinds import Refused, decoded, kind_of

__all__ = ["KINDS", "MAX_TEXT_CHARS", "Prepared", "Refused", "prepare"]

MAX_TEXT_CHARS = 2_000_000  # a 1,000-page report; beyond it the text is cut and the note says so
# What a text may not hold (evidence/validate.py's rule for typed text: XML and SQLite cannot
# keep surrogates, U+FFFE, U+FFFF; control characters other than tab and line end are dropped).
_DROPPED = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff\ufffe\uffff]")

# kind -> (MIME type served, extension, text is extracted, picture, sound). Declared once.
KINDS: dict[str, tuple[str, str, bool, bool, bool]] = {
    "pdf": ("application/pdf", "pdf", True, False, False),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
        True,
        False,
        False,
    ),
    "odt": ("application/vnd.oasis.opendocument.text", "odt", True, False, False),
    "text": ("text/plain", "txt", True, False, False),
    "markdown": ("text/markdown", "md", True, False, False),
    "jpeg": ("image/jpeg", "jpg", False, True, False),
    "png": ("image/png", "png", False, True, False),
    "mp3": ("audio/mpeg", "mp3", False, False, True),
    "m4a": ("audio/mp4", "m4a", False, False, True),
    "wav": ("audio/wav", "wav", False, False, True),
}


@dataclass(frozen=True)
class Prepared:
    """A file ready to keep: its kind, its bytes as kept, its text, and why there is none."""

    kind: str
    data: bytes
    text: str
    note: str | None

    @property
    def mime(self) -> str:
        return KINDS[self.kind][0]

    @property
    def is_picture(self) -> bool:
        return KINDS[self.kind][3]

    @property
    def is_sound(self) -> bool:
        return KINDS[self.kind][4]


def prepare(data: bytes, name: str) -> Prepared:
    """The file as it will be kept, or ``Refused``: its kind from its content, a picture
    without metadata, a document's text (read apart from this process, within its limits)."""
    kind = kind_of(data, name)
    if kind in ("text", "markdown"):
        return _with_text(kind, data, decoded(data) or "", None)
    if KINDS[kind][4]:  # sound is kept as it came
        return Prepared(kind, data, "", None)
    answer = read_apart(kind, data, MAX_TEXT_CHARS)
    if KINDS[kind][3]:
        if answer.refused or not answer.payload:
            raise Refused(f"file: {answer.refused or answer.note or 'the picture was not read'}")
        return Prepared(kind, answer.payload, "", None)
    text = answer.payload.decode("utf-8", "surrogatepass")
    return _with_text(kind, data, text, answer.note)


def normalised(text: str) -> str:
    """Text as excerpts count on it: line ends as LF, no BOM, nothing a document cannot hold."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    return _DROPPED.sub("", text.lstrip("\ufeff"))


def _with_text(kind: str, data: bytes, text: str, note: str | None) -> Prepared:
    text = normalised(text)
    if len(text) > MAX_TEXT_CHARS:
        text, note = text[:MAX_TEXT_CHARS], f"the text was cut at {MAX_TEXT_CHARS:,} characters"
    if not text.strip() and not note:
        note = "it holds no text"
    return Prepared(kind, data, text if text.strip() else "", note)
