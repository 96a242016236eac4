"""What an arriving file is, made safe to keep, and its text: the one door files come in by.

The interface the rest of the product uses is ``prepare``; the reading of the file (kind from its
content, metadata stripped, text extracted apart from the web process, hostile files given up)
lives behind it.
"""

from __future__ import annotations

from dataclasses import dataclass

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


class Refused(ValueError):
    """A file the product will not keep; ``field`` and ``status`` say how to answer."""

    def __init__(self, message: str, field: str = "file", status: int = 422):
        super().__init__(message)
        self.field = field
        self.status = status


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
    """The file as it will be kept, or ``Refused``. (A placeholder until the reader lands.)"""
    if data.startswith(b"%PDF-"):
        return Prepared("pdf", data, "", "text not read yet")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Refused(f"file: {name!r} is not a kind of file this product keeps") from exc
    kind = "markdown" if name.lower().endswith((".md", ".markdown")) else "text"
    return Prepared(kind, data, text, None)
