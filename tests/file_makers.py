"""Real files made in the tests (no tests here): documents, pictures, sound, and hostile kinds."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib


def pdf(*pages: str) -> bytes:
    """A PDF (fpdf2) with one page of text per argument."""
    from fpdf import FPDF

    doc = FPDF()
    doc.set_font("helvetica", size=12)
    for text in pages:
        doc.add_page()
        doc.multi_cell(0, 8, text)
    return bytes(doc.output())


def scanned_pdf() -> bytes:
    """A PDF whose only page is a picture: no text layer, as a scanner makes."""
    from fpdf import FPDF
    from PIL import Image

    doc = FPDF()
    doc.add_page()
    doc.image(Image.new("L", (200, 100), 200), x=10, y=10, w=100)
    return bytes(doc.output())


def pdf_with_stream(content: bytes) -> bytes:
    """A one-page PDF written by hand whose page draws ``content`` (Flate-compressed)."""
    stream = zlib.compress(content, 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def docx(*blocks) -> bytes:
    """A Word file (python-docx): a string is a paragraph, a list of rows is a table."""
    import docx as python_docx

    document = python_docx.Document()
    for block in blocks:
        if isinstance(block, str):
            document.add_paragraph(block)
        else:
            table = document.add_table(rows=len(block), cols=len(block[0]))
            for r, row in enumerate(block):
                for c, text in enumerate(row):
                    table.cell(r, c).text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def odt(heading: str, paragraphs: list[str], items: list[str]) -> bytes:
    """An OpenDocument text (odfpy): a heading, paragraphs and a list."""
    from odf.opendocument import OpenDocumentText
    from odf.text import H, List, ListItem, P

    document = OpenDocumentText()
    document.text.addElement(H(outlinelevel=1, text=heading))
    for text in paragraphs:
        document.text.addElement(P(text=text))
    listing = List()
    for text in items:
        item = ListItem()
        item.addElement(P(text=text))
        listing.addElement(item)
    document.text.addElement(listing)
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


def rezipped(data: bytes, replace: dict[str, bytes]) -> bytes:
    """The zip ``data`` with some parts' contents replaced (order and first part kept)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = replace.get(info.filename, src.read(info))
            dst.writestr(info, body, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def zipped(parts: dict[str, bytes]) -> bytes:
    """A zip of ``parts`` (deflated), in order."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in parts.items():
            archive.writestr(name, body)
    return out.getvalue()


def picture(kind: str = "JPEG", size=(60, 40), **save) -> bytes:
    """A picture (Pillow) of a flipchart's colours."""
    from PIL import Image

    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((20, 20, 180), (0, 0, size[0] // 2, size[1]))
    out = io.BytesIO()
    image.save(out, kind, **save)
    return out.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header declares ``width`` × ``height`` pixels, with one tiny row of data."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + chunk(b"IEND", b""))  # fmt: skip


def wav(seconds: float = 0.1) -> bytes:
    """A WAV file (the ``wave`` module) of silence."""
    import wave

    out = io.BytesIO()
    with wave.open(out, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(8000)
        sound.writeframes(b"\0\0" * int(8000 * seconds))
    return out.getvalue()


def mp3(frames: int = 4, id3: bool = False) -> bytes:
    """MPEG-1 layer III frames written by hand: header FF FB 90 00 (128 kbit/s, 44.1 kHz, no
    padding) is a 417-byte frame; zero side information and data decode as silence."""
    frame = b"\xff\xfb\x90\x00" + b"\0" * 413
    tag = b"ID3\x04\x00\x00\x00\x00\x00\x0a" + b"\0" * 10 if id3 else b""  # 10 bytes of padding
    return tag + frame * frames


def box(kind: bytes, body: bytes) -> bytes:
    """One ISO media box."""
    return struct.pack(">I", 8 + len(body)) + kind + body


def mp4(brand: bytes = b"M4A ", handler: bytes = b"soun") -> bytes:
    """The boxes an M4A is known by, written by hand: ``ftyp``, then ``moov`` with one track
    whose handler (``hdlr``) says what it holds, then the media (``mdat``). Not playable: it
    carries just the structure the kind is read from."""
    hdlr = box(b"hdlr", b"\0" * 8 + handler + b"\0" * 12 + b"sound\0")
    moov = box(b"moov", box(b"trak", box(b"mdia", hdlr)))
    return box(b"ftyp", brand + b"\0\0\0\0" + brand + b"isom") + moov + box(b"mdat", b"\0" * 64)
