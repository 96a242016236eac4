"""The child process that opens an arriving file: a document's text, a picture without metadata.

Run as ``python -I _reader.py KIND MEMORY_MB MAX_CHARS`` with the file on stdin; it answers
on stdout with one JSON line (``note``, ``refused``) and then the text (UTF-8) or the picture's
bytes. It caps its own memory first and imports only what the kind needs, so a hostile file
costs this process, never the web server (``apart.py`` kills it after its time).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import sys
import warnings

UNREADABLE = "the text could not be read (a damaged file?)"
MAX_PIXELS = 50_000_000  # 50 megapixels: more than phones take; RGB 150 MB, twice in memory


class Cut(Exception):
    """Enough text has been read."""


class Gatherer:
    """Text gathered up to a cap, then ``Cut``."""

    def __init__(self, cap: int) -> None:
        self.cap, self.parts, self.size = cap, [], 0

    def add(self, text: str) -> None:
        room = self.cap - self.size
        self.parts.append(text[:room])
        self.size += min(len(text), room)
        if len(text) > room:
            raise Cut

    def text(self, sep: str = "\n") -> str:
        return sep.join(self.parts)


def pdf_text(data: bytes, out: Gatherer) -> str | None:
    """A PDF's text, page by page; the note says what could not be read."""
    import logging

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.CRITICAL)  # damaged files are common: no noise
    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted and not reader.decrypt(""):
        return "locked with a password: its text could not be read"
    failed = 0
    for page in reader.pages:
        try:
            out.add(page.extract_text() or "")
        except (Cut, MemoryError):
            raise
        except Exception:  # one damaged page: the others still count
            failed += 1
            out.add("")
    if failed:
        return f"{failed} of {len(reader.pages)} pages could not be read"
    return None


def docx_text(data: bytes, out: Gatherer) -> str | None:
    """A Word file's paragraphs and tables, in their order (a table's cells by tabs)."""
    import docx
    from docx.table import Table

    for block in docx.Document(io.BytesIO(data)).iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                cells = []
                for cell in row.cells:  # a merged cell is given once per column it spans
                    if not cells or cell._tc is not cells[-1]._tc:
                        cells.append(cell)
                out.add("\t".join(cell.text for cell in cells))
        else:
            out.add(block.text)
    return None


def odt_text(data: bytes, out: Gatherer) -> str | None:
    """An OpenDocument text's headings, paragraphs, lists and tables, in their order."""
    from odf import opendocument, teletype
    from odf.namespaces import TEXTNS

    def walk(node) -> None:
        for child in node.childNodes:
            if child.qname in ((TEXTNS, "p"), (TEXTNS, "h")):
                out.add(teletype.extractText(child))
            elif child.nodeType == child.ELEMENT_NODE:
                walk(child)

    said = io.StringIO()
    with contextlib.redirect_stdout(said):  # odfpy prints a part it cannot parse, and goes on
        document = opendocument.load(io.BytesIO(data))
    if "SAX FAILED TO PARSE" in said.getvalue():
        raise ValueError("a part of the file is not well-formed XML")
    walk(document.text)
    return None


def clean_picture(kind: str, data: bytes) -> bytes:
    """The picture's pixels alone, standing the right way: no EXIF, XMP, IPTC or text chunks."""
    from PIL import Image, ImageOps

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    warnings.simplefilter("error", Image.DecompressionBombWarning)  # refuse past the limit
    # The kind read from the content decides what is written: a phone's two-picture JPEG
    # (MPO to Pillow) stays a JPEG, and Pillow may open only what that kind is.
    with Image.open(
        io.BytesIO(data), formats=["JPEG", "MPO"] if kind == "jpeg" else ["PNG"]
    ) as picture:
        picture.load()
        upright = ImageOps.exif_transpose(picture)
    transparency = upright.info.get("transparency") if kind == "png" else None
    upright.info = {}  # what the encoders would otherwise copy over (ICC, EXIF, XMP, text)
    out = io.BytesIO()
    if kind == "jpeg":
        if upright.mode not in ("L", "RGB", "CMYK"):
            upright = upright.convert("RGB")
        upright.save(out, "JPEG", quality=90)
    else:
        extra = {"transparency": transparency} if transparency is not None else {}
        upright.save(out, "PNG", **extra)
    return out.getvalue()


READERS = {"pdf": pdf_text, "docx": docx_text, "odt": odt_text}


def read_document(kind: str, data: bytes, cap: int) -> tuple[dict, bytes]:
    """The header and the text of a document; never an error for a kind the product keeps."""
    out = Gatherer(cap)
    try:
        note = READERS[kind](data, out)
    except Cut:
        note = f"the text was cut at {cap:,} characters"
    except MemoryError:
        return {"note": "given up: reading it needed too much memory"}, b""
    except Exception:
        return {"note": UNREADABLE}, b""
    text = out.text("\n\n" if kind == "pdf" else "\n")
    if not text.strip() and not note:
        note = "no text layer: a scanned PDF?" if kind == "pdf" else "it holds no text"
    return {"note": note}, text.encode("utf-8", "surrogatepass")


def read_picture(kind: str, data: bytes) -> tuple[dict, bytes]:
    """The header and the cleaned picture, or the reason it is refused."""
    try:
        return {}, clean_picture(kind, data)
    except MemoryError:
        return {"refused": "the picture is too big to read"}, b""
    except Exception as exc:
        if type(exc).__name__.startswith("DecompressionBomb"):
            return {"refused": f"the picture is too big (more than {MAX_PIXELS:,} pixels)"}, b""
        return {"refused": "the picture could not be read (damaged or cut short?)"}, b""


def main(argv: list[str]) -> int:
    kind, memory_mb, cap = argv[0], int(argv[1]), int(argv[2])
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    data = sys.stdin.buffer.read()
    answer = os.fdopen(os.dup(1), "wb")
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - a library's prints are not the answer
    header, payload = (
        read_picture(kind, data) if kind in ("jpeg", "png") else read_document(kind, data, cap)
    )
    answer.write(json.dumps(header).encode() + b"\n" + payload)
    answer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
