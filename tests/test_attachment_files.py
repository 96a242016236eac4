"""The one door files come in by (``learning/attachments/files.py``): real files made here.

Each kind kept, each kind refused (422 naming ``file``), pictures without their metadata, and
hostile files — zip bombs, a PDF that never ends, a picture of 50,000 × 50,000 pixels, XML
entities — refused or given up by the child process, never by the process that asked.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
import threading
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from learning.attachments import files
from learning.attachments.files import KINDS, MAX_TEXT_CHARS, Refused, prepare
from tests import file_makers as make

ROOT = Path(__file__).resolve().parent.parent


def refused(data: bytes, name: str) -> Refused:
    with pytest.raises(Refused) as caught:
        prepare(data, name)
    assert caught.value.field == "file" and caught.value.status == 422
    assert str(caught.value).startswith("file: ")
    return caught.value


# --- documents: their text, in order ---


def test_a_pdf_is_kept_as_it_came_with_its_pages_text():
    data = make.pdf("Families felt listened to.", "The cafe met every Tuesday in Lochee.")
    kept = prepare(data, "VBLE evaluation.pdf")
    assert (kept.kind, kept.data, kept.note, kept.mime) == ("pdf", data, None, "application/pdf")
    assert kept.text == "Families felt listened to.\n\nThe cafe met every Tuesday in Lochee."


def test_a_word_file_gives_its_paragraphs_and_tables_in_their_order():
    data = make.docx(
        "Summary of the evaluation",
        [["Group", "Families"], ["Lochee cafe", "12"]],
        "What families said next.",
    )
    kept = prepare(data, "report.docx")
    assert kept.kind == "docx" and kept.data == data and kept.note is None
    assert kept.text == (
        "Summary of the evaluation\nGroup\tFamilies\nLochee cafe\t12\nWhat families said next."
    )


def test_an_opendocument_text_gives_its_heading_paragraphs_and_list_in_their_order():
    data = make.odt("Cafe conversation", ["We talked about housing."], ["rent", "repairs"])
    kept = prepare(data, "notes.odt")
    assert kept.kind == "odt" and kept.note is None
    assert kept.text == "Cafe conversation\nWe talked about housing.\nrent\nrepairs"


@pytest.mark.parametrize(
    "data, name, kind, text",
    [
        (
            b"Mum said:\r\nwe were heard.\r\n",
            "transcript.txt",
            "text",
            "Mum said:\nwe were heard.\n",
        ),
        (b"\xef\xbb\xbf# Notes\rline two", "notes.md", "markdown", "# Notes\nline two"),
        ("caf\u00e9 talk\n".encode("utf-16"), "cafe.TXT", "text", "caf\u00e9 talk\n"),
        (b"# Notes\n", "notes.markdown", "markdown", "# Notes\n"),
        (b"# Notes\n", "notes", "text", "# Notes\n"),  # no name says Markdown: text
        (b"tab\there\x1b[0m", "log.txt", "text", "tab\there[0m"),  # the escape dropped
    ],
)
def test_text_is_kept_as_sent_and_read_with_line_ends_as_lf(data, name, kind, text):
    kept = prepare(data, name)
    assert (kept.kind, kept.data, kept.text, kept.note) == (kind, data, text, None)


def test_a_scanned_pdf_is_kept_with_a_note_saying_it_has_no_text_layer():
    data = make.scanned_pdf()
    kept = prepare(data, "scan.pdf")
    assert (kept.kind, kept.data, kept.text) == ("pdf", data, "")
    assert kept.note == "no text layer: a scanned PDF?"


@pytest.mark.parametrize(
    "data, name",
    [
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog broken", "damaged.pdf"),
        (  # a page tree that holds itself: walking it would never end
            make.pdf_with_stream(b"BT (a) Tj ET").replace(b"/Kids [3 0 R]", b"/Kids [2 0 R]"),
            "loop.pdf",
        ),
        (make.rezipped(make.docx("x"), {"word/document.xml": b"<not xml"}), "damaged.docx"),
        (make.rezipped(make.odt("x", [], []), {"content.xml": b"<not xml"}), "damaged.odt"),
    ],
)
def test_a_damaged_document_is_kept_with_a_note_never_an_error(data, name):
    kept = prepare(data, name)
    assert kept.data == data and kept.text == ""
    assert kept.note == "the text could not be read (a damaged file?)"


def test_a_text_past_the_cap_is_cut_and_the_note_says_so():
    data = b"word " * (MAX_TEXT_CHARS // 5 + 10)
    kept = prepare(data, "long.txt")
    assert len(kept.text) == MAX_TEXT_CHARS and kept.data == data
    assert kept.note == "the text was cut at 2,000,000 characters"


# --- pictures lose their metadata; sound is kept as it came ---


def test_a_photo_loses_its_position_camera_and_time_and_still_stands_the_right_way():
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Acme", "PhoneCam 9"  # make, model
    exif[0x0132] = "2024:05:01 10:00:00"  # when it was taken
    exif[0x0112] = 6  # turned: shown rotated a quarter turn
    exif[0x8825] = {1: "N", 2: (56.0, 27.0, 43.0), 3: "W", 4: (2.0, 58.0, 12.0)}  # GPS
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">Acme PhoneCam 9</x:xmpmeta>'
    data = make.picture("JPEG", (60, 40), exif=exif, xmp=xmp, comment=b"Lochee, Acme")
    assert b"Acme" in data and b"2024:05:01" in data
    kept = prepare(data, "flipchart.jpg")
    assert kept.kind == "jpeg" and kept.is_picture
    for trace in (b"Acme", b"PhoneCam", b"2024:05:01", b"Exif", b"adobe:ns:meta", b"Lochee"):
        assert trace not in kept.data
    with Image.open(io.BytesIO(kept.data)) as image:
        assert image.format == "JPEG" and not image.getexif() and "exif" not in image.info
        assert image.size == (40, 60)  # the quarter turn applied to the pixels
        assert image.getpixel((20, 5))[2] > 150  # the blue half is now on top


def test_a_png_loses_its_text_chunks_and_exif_and_keeps_its_pixels():
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Jo Bloggs")
    info.add_text("Location", "12 Lochee Road")
    exif = Image.Exif()
    exif[0x0110] = "PhoneCam 9"
    data = make.picture("PNG", (30, 20), pnginfo=info, exif=exif)
    kept = prepare(data, "chart.png")
    assert kept.kind == "png"
    for trace in (b"Jo Bloggs", b"Lochee", b"PhoneCam", b"tEXt", b"eXIf"):
        assert trace not in kept.data
    with Image.open(io.BytesIO(data)) as before, Image.open(io.BytesIO(kept.data)) as after:
        assert before.tobytes() == after.tobytes()


def test_a_phones_two_picture_jpeg_is_kept_as_a_jpeg():
    from PIL import Image

    first, second = Image.new("RGB", (30, 20), "red"), Image.new("RGB", (30, 20), "blue")
    out = io.BytesIO()
    first.save(out, "MPO", save_all=True, append_images=[second])  # as stereo phone cameras do
    kept = prepare(out.getvalue(), "pair.jpg")
    with Image.open(io.BytesIO(kept.data)) as image:
        assert (kept.kind, image.format, image.size) == ("jpeg", "JPEG", (30, 20))


@pytest.mark.parametrize(
    "data, kind",
    [
        (make.wav(), "wav"),
        (make.mp3(), "mp3"),
        (make.mp3(id3=True), "mp3"),
        (make.mp4(b"M4A "), "m4a"),
        (make.mp4(b"mp42"), "m4a"),
    ],
)
def test_sound_is_kept_byte_for_byte(data, kind):
    kept = prepare(data, "recording")
    assert (kept.kind, kept.data, kept.text, kept.note) == (kind, data, "", None)
    assert kept.is_sound and kept.mime == KINDS[kind][0]


def test_the_name_never_decides_the_kind():
    assert prepare(make.pdf("x"), "photo").kind == "pdf"
    assert prepare(make.docx("x"), "upload.bin").kind == "docx"
    assert prepare(make.picture("PNG"), "a.jpg").kind == "png"  # a picture named as another


# --- refused: 422 naming `file`, whatever the name says ---


def _tar() -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        info = tarfile.TarInfo("notes.txt")
        info.size = 5
        archive.addfile(info, io.BytesIO(b"hello"))
    return out.getvalue()


REFUSED = {
    "ELF program": (Path(sys.executable).resolve().read_bytes()[:4096], "python"),
    "Windows program": (b"MZ\x90\x00\x03" + b"\0" * 200, "setup.exe"),
    "Mach-O program": (b"\xcf\xfa\xed\xfe\x07\x00\x00\x01" + b"\0" * 100, "app"),
    "script": (b"#!/bin/sh\nrm -rf ~\n", "notes.txt"),
    "HTML": (b"<!DOCTYPE html><p>hi", "notes.txt"),
    "HTML after space, capitals": (b"\n  <HTML><body>hi", "notes.md"),
    "HTML with a BOM": (b"\xef\xbb\xbf<script>alert(1)</script>", "notes.txt"),
    "HTML comment": (b"<!-- x --><p>hi", "page.md"),
    "SVG": (b'<svg xmlns="http://www.w3.org/2000/svg"><script>1</script></svg>', "a.png"),
    "XML": (b'<?xml version="1.0"?><a/>', "data.txt"),
    "zip": (make.zipped({"a.txt": b"hello"}), "a.zip"),
    "tar": (_tar(), "a.tar"),
    "gzip": (__import__("gzip").compress(b"hello"), "a.gz"),
    "7z": (b"7z\xbc\xaf\x27\x1c\x00\x04" + b"\0" * 40, "a.7z"),
    "Word 97 .doc": (bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 600, "report.doc"),
    "spreadsheet": (
        make.zipped({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}),
        "figures.xlsx",
    ),
    "OpenDocument spreadsheet": (
        make.zipped(
            {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"}
        ),  # fmt: skip
        "figures.ods",
    ),
    "GIF": (make.picture("GIF"), "a.gif"),
    "WebP": (make.picture("WEBP"), "a.webp"),
    "HEIC": (make.mp4(b"heic", b"pict"), "a.heic"),
    "video": (make.mp4(b"isom", b"vide"), "a.m4a"),
    "a .pdf that is text": (b"Just some words.", "report.pdf"),
    "a .docx that is a PDF": (make.pdf("x"), "report.docx"),
    "a .jpg that is text": (b"hello", "photo.jpg"),
    "random bytes": (bytes(range(256)) * 4, "data"),
    "empty": (b"", "empty.txt"),
    "NUL in text": (b"hello\0world", "a.txt"),
    "a PNG cut short": (make.picture("PNG")[:40], "chart.png"),
}


@pytest.mark.parametrize("what", list(REFUSED))
def test_a_file_of_a_kind_not_kept_is_refused_naming_file(what):
    data, name = REFUSED[what]
    refused(data, name)


def test_the_refusal_says_what_the_file_is():
    assert "a GIF picture" in str(refused(make.picture("GIF"), "a.gif"))
    assert "a program" in str(refused(REFUSED["ELF program"][0], "x"))
    assert "named as a PDF file but is not one" in str(refused(b"words", "report.pdf"))
    assert "spreadsheet" in str(refused(*REFUSED["spreadsheet"]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(min_size=1, max_size=2048), st.sampled_from(["a.pdf", "b.txt", "c.jpg", "d"]))
def test_any_bytes_are_kept_or_refused_never_an_error(data, name):
    try:
        kept = prepare(data, name)
    except Refused as refusal:
        assert refusal.field == "file" and refusal.status == 422
    else:
        assert kept.kind in KINDS and isinstance(kept.text, str)


# --- hostile files ---


def _no_child(*args, **kwargs):
    raise AssertionError("the file was handed to a reader")


@pytest.mark.parametrize("maker", [lambda: make.docx("x"), lambda: make.odt("x", [], [])])
def test_a_zip_bomb_is_refused_by_its_declared_sizes_before_it_is_opened(maker, monkeypatch):
    monkeypatch.setattr(files, "read_apart", _no_child)
    part = "word/document.xml" if b"word/document.xml" in maker() else "content.xml"
    bomb = make.rezipped(maker(), {part: b" " * (30 * 1024 * 1024)})  # 30 MB in ~30 KB
    assert len(bomb) < 100_000
    assert "a zip bomb?" in str(refused(bomb, "report.docx" if "word" in part else "notes.odt"))


def test_a_zip_of_very_many_parts_or_too_much_in_all_is_refused_unopened(monkeypatch):
    monkeypatch.setattr(files, "read_apart", _no_child)
    parts = {f"word/media/{n}.bin": b"" for n in range(2_100)}
    many = make.zipped({"[Content_Types].xml": b"x", "word/document.xml": b"x", **parts})
    assert "2,102 parts" in str(refused(many, "report.docx"))
    # 210 MB declared, little of it repetitive enough to trip the ratio: the total trips.
    big = io.BytesIO()
    with zipfile.ZipFile(big, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("mimetype", b"application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", b"<x/>")
    head = big.getvalue()
    declared = _declare_size(head, "content.xml", 210 * 1024 * 1024)
    assert "unpack to 210 MB" in str(refused(declared, "notes.odt"))


def _declare_size(data: bytes, name: str, size: int) -> bytes:
    """The zip with ``name``'s unpacked size in its central directory set to ``size``: what is
    read before any part is opened. (Declaring less than a part holds gains a bomb's maker
    nothing: zipfile stops at the declared size.)"""
    at = data.index(b"PK\x01\x02")
    while data[at + 46 : at + 46 + len(name)] != name.encode():
        at = data.index(b"PK\x01\x02", at + 4)
    return data[: at + 24] + size.to_bytes(4, "little") + data[at + 28 :]


def test_xml_entities_in_a_word_file_are_not_expanded():
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "lol lol lol lol lol lol lol lol">'
        + b"".join(
            b'<!ENTITY %c "&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;">' % ((c,) + (c - 1,) * 10)
            for c in range(ord("b"), ord("k"))
        )  # fmt: skip
        + b']><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        b"<w:body><w:p><w:r><w:t>Before &j; after</w:t></w:r></w:p></w:body></w:document>"
    )
    for data, name in [
        (make.rezipped(make.docx("x"), {"word/document.xml": laughs}), "laughs.docx"),
        (make.rezipped(make.odt("x", [], []), {"content.xml": laughs}), "laughs.odt"),
    ]:
        started = time.monotonic()
        kept = prepare(data, name)
        assert time.monotonic() - started < 10
        assert (kept.data, kept.text) == (data, "")  # kept, its words not read, never expanded
        assert kept.note == "the text could not be read (a damaged file?)"


@pytest.fixture
def short_limits(monkeypatch):
    """Limits a test can wait for: 2 s and 200 MB."""
    monkeypatch.setenv("WM2U_EXTRACT_TIMEOUT", "2")
    monkeypatch.setenv("WM2U_EXTRACT_MEMORY_MB", "200")


def _children_reading() -> list[str]:
    """Processes this one started that are still reading a file."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            command = (stat.parent / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
        if parent == os.getpid() and b"_reader.py" in command:
            found.append(stat.parent.name)
    return found


def test_a_pdf_that_never_ends_is_given_up_at_the_time_limit_and_kept(short_limits):
    # 200,000 drawing operators in a 20 KB file: pypdf takes about 15 s to read them here.
    data = make.pdf_with_stream(b"BT /F1 12 Tf 1 0 0 1 10 10 Tm (a) Tj ET\n" * 200_000)
    assert len(data) < 50_000
    started = time.monotonic()
    kept = prepare(data, "endless.pdf")
    assert time.monotonic() - started < 5
    assert (kept.kind, kept.data, kept.text, kept.note) == ("pdf", data, "", "given up after 2 s")
    assert _children_reading() == []  # the reader was killed, not left running


def test_a_typo_in_the_limits_falls_back_to_the_defaults(monkeypatch):
    monkeypatch.setenv("WM2U_EXTRACT_TIMEOUT", "soon")
    monkeypatch.setenv("WM2U_EXTRACT_MEMORY_MB", "-1")
    assert prepare(make.pdf("Still read."), "a.pdf").text == "Still read."


def test_at_most_two_files_are_read_at_once(monkeypatch):
    """Four uploads at once start two readers (at most 1 GB), then the others in turn."""
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setenv("WM2U_EXTRACT_TIMEOUT", "1")
    data = make.pdf_with_stream(b"BT /F1 12 Tf (a) Tj ET\n" * 200_000)
    most, stop = 0, threading.Event()

    def watch() -> None:
        nonlocal most
        while not stop.is_set():
            most = max(most, len(_children_reading()))
            time.sleep(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    started = time.monotonic()
    with ThreadPoolExecutor(4) as pool:
        notes = [kept.note for kept in pool.map(lambda _: prepare(data, "a.pdf"), range(4))]
    stop.set()
    watcher.join()
    assert notes == ["given up after 1 s"] * 4
    assert most == 2 and time.monotonic() - started >= 2


def test_a_document_past_the_memory_limit_is_kept_with_a_note(monkeypatch):
    monkeypatch.setenv("WM2U_EXTRACT_MEMORY_MB", "100")
    data = make.pdf_with_stream(b"0" * (70 * 1024 * 1024))  # 70 KB that unpack to 70 MB
    kept = prepare(data, "heavy.pdf")
    assert (kept.kind, kept.data, kept.text) == ("pdf", data, "")
    assert kept.note == "given up: reading it needed too much memory"


@pytest.mark.parametrize(
    "data",
    [make.png_declaring(50_000, 50_000), make.png_declaring(8_000, 7_000)],
    ids=["50,000 x 50,000", "56 megapixels"],
)
def test_a_picture_of_too_many_pixels_is_refused(data):
    assert "pixels" in str(refused(data, "huge.png"))


def test_a_jpeg_declaring_50000_by_50000_pixels_is_refused():
    data = bytearray(make.picture("JPEG", (16, 16)))
    sof = data.index(b"\xff\xc0")  # the frame header: height and width at +5 and +7
    data[sof + 5 : sof + 9] = (50_000).to_bytes(2, "big") * 2
    assert "pixels" in str(refused(bytes(data), "huge.jpg"))


def test_a_jpeg_cut_short_is_refused():
    data = make.picture("JPEG", (400, 300), quality=95)
    assert "cut short" in str(refused(data[: len(data) // 2], "photo.jpg"))


def test_a_picture_past_the_memory_limit_is_refused(monkeypatch):
    monkeypatch.setenv("WM2U_EXTRACT_MEMORY_MB", "120")
    data = make.picture("PNG", (6_000, 6_000))  # 108 MB of pixels, twice while turned
    refusal = refused(data, "big.png")
    assert "too big" in str(refusal) or "given up" in str(refusal)


PARENT = """
import sys, time
sys.path.insert(0, {root!r})
from learning.attachments.files import prepare
from tests import file_makers as make
def peak():
    return int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1])
data = make.picture("PNG", (6_000, 6_000))
before, started = peak(), time.monotonic()
kept = prepare(data, "big.png")
print(peak() - before, time.monotonic() - started, kept.kind, len(kept.data))
"""


def test_the_process_that_asks_is_unharmed_by_a_heavy_picture():
    """Reading a 36-megapixel picture (108 MB of pixels) costs the asking process nothing."""
    done = subprocess.run(
        [sys.executable, "-c", PARENT.format(root=str(ROOT))],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    grew_kb, seconds, kind, size = done.stdout.split()
    assert kind == "png" and int(size) > 0
    assert int(grew_kb) < 30_000  # it would grow by 108 MB or more if read in this process
    assert float(seconds) < 30
