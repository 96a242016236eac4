"""Real files end to end (#23): uploaded to the real server (``wm2u serve`` in a process of its
own) and attached by ``wm2u attach`` in another: PDF, Word and OpenDocument give their text
(``text_chars`` and ``/text`` exact), a photo with its position in its EXIF comes back without
it, and every hostile kind is refused or given up within the time limit while the server goes
on answering."""

from __future__ import annotations

import hashlib
import io
import time
from pathlib import Path

import pytest
import requests
from PIL import Image

from evidence import accounts
from learning.services import Evidence, initialise
from tests import file_makers as make
from tests.builders import record_data
from tests.test_hardening_support import PASSWORD, Server, ok, wm2u

PDF_TEXT = "Families felt listened to.\n\nThe cafe met every Tuesday in Lochee."
DOCX_TEXT = "Summary of the evaluation\nGroup\tFamilies\nLochee cafe\t12\nWhat families said next."
ODT_TEXT = "Cafe conversation\nWe talked about housing.\nrent\nrepairs"
TIME_LIMIT = 2  # seconds a file may be read for (WM2U_EXTRACT_TIMEOUT in the server's env)


def documents() -> list[tuple[str, bytes, str, str]]:
    """(name, bytes, kind, text) of a real PDF, Word file and OpenDocument text."""
    return [
        ("VBLE evaluation.pdf", make.pdf(*PDF_TEXT.split("\n\n")), "pdf", PDF_TEXT),
        (
            "report.docx",
            make.docx(
                "Summary of the evaluation",
                [["Group", "Families"], ["Lochee cafe", "12"]],
                "What families said next.",
            ),
            "docx",
            DOCX_TEXT,
        ),  # fmt: skip
        (
            "notes.odt",
            make.odt("Cafe conversation", ["We talked about housing."], ["rent", "repairs"]),
            "odt",
            ODT_TEXT,
        ),  # fmt: skip
    ]


def gps_photo() -> bytes:
    """A JPEG whose EXIF holds where, when and with what camera it was taken."""
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Acme", "PhoneCam 9"
    exif[0x0132] = "2024:05:01 10:00:00"
    exif[0x8825] = {1: "N", 2: (56.0, 27.0, 43.0), 3: "W", 4: (2.0, 58.0, 12.0)}
    return make.picture("JPEG", (60, 40), exif=exif)


class Site:
    """The server in its own process, its data folder and a token per role."""

    def __init__(self, server: Server, tokens: dict[str, str], record: str) -> None:
        self.server, self.tokens, self.record = server, tokens, record

    def call(self, method: str, path: str, role: str = "editor", **kwargs) -> requests.Response:
        return self.server.request(method, path, token=self.tokens[role], **kwargs)

    def upload(self, name: str, data: bytes) -> requests.Response:
        return self.call("POST", f"/api/records/{self.record}/attachments",
                         files={"file": (name, data)})  # fmt: skip

    def answers(self) -> bool:
        """Whether the server still answers another request, promptly."""
        started = time.monotonic()
        answer = self.call("GET", f"/api/records/{self.record}", role="viewer", timeout=10)
        return answer.status_code == 200 and time.monotonic() - started < 5


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("e2e")
    data_dir = folder / "instance"
    initialise(data_dir)
    tokens = {}
    with Evidence(data_dir) as ev:
        for role in ("editor", "viewer"):
            accounts.add_user(ev.store, role, role, PASSWORD)
            tokens[role] = accounts.create_token(ev.store, role)
        record = ev.create(record_data(title="Lochee café evaluation", consent="public",
                                       people=[]), "test").id  # fmt: skip
    with pytest.MonkeyPatch.context() as env:
        env.setenv("WM2U_EXTRACT_TIMEOUT", str(TIME_LIMIT))
        server = Server(data_dir, folder / "server.log", tokens["editor"]).start()
    try:
        yield Site(server, tokens, record)
    finally:
        server.stop()


def test_documents_uploaded_to_the_server_give_their_text_exactly(site) -> None:
    for name, data, kind, text in documents():
        answer = site.upload(name, data)
        assert answer.status_code == 201, (name, answer.text)
        kept = answer.json()
        assert (kept["kind"], kept["text_chars"], kept["note"]) == (kind, len(text), None), name
        assert kept["sha256"] == hashlib.sha256(data).hexdigest()  # documents kept as they came
        read = site.call("GET", f"/api/attachments/{kept['id']}/text")
        assert read.headers["Content-Type"].startswith("text/plain; charset=utf-8")
        assert read.content.decode("utf-8") == text, name
        assert site.call("GET", f"/api/attachments/{kept['id']}/file").content == data


def test_documents_attached_by_the_cli_give_the_same_text(site, tmp_path) -> None:
    paths = []
    for name, data, _, _ in documents():
        (tmp_path / name).write_bytes(data)
        paths.append(str(tmp_path / name))
    made = ok(wm2u(site.server.data_dir, "attach", site.record, *paths))
    ids = made.stdout.split()
    assert len(ids) == 3, made.stdout
    for attachment_id, (name, _, kind, text) in zip(ids, documents(), strict=True):
        shown = site.call("GET", f"/api/attachments/{attachment_id}").json()
        assert (shown["name"], shown["kind"], shown["text_chars"]) == (name, kind, len(text))
        read = site.call("GET", f"/api/attachments/{attachment_id}/text")
        assert read.content.decode("utf-8") == text


def test_a_photo_comes_back_without_its_position_camera_or_time(site) -> None:
    data = gps_photo()
    assert b"Acme" in data and b"2024:05:01" in data
    answer = site.upload("flipchart.jpg", data)
    assert answer.status_code == 201, answer.text
    kept = answer.json()
    assert kept["consent"] == "internal" and kept["kind"] == "jpeg"  # a picture: the team's
    got = site.call("GET", f"/api/attachments/{kept['id']}/file")
    assert got.headers["Content-Disposition"].startswith("attachment;")
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    for trace in (b"Acme", b"PhoneCam", b"2024:05:01", b"Exif"):
        assert trace not in got.content
    with Image.open(io.BytesIO(got.content)) as image:
        assert image.format == "JPEG" and not image.getexif().get_ifd(0x8825)
    assert kept["sha256"] == hashlib.sha256(got.content).hexdigest() != hashlib.sha256(
        data).hexdigest()  # fmt: skip
    assert kept["size"] == len(got.content)


@pytest.mark.parametrize(
    "name, data, words",
    [
        (
            "bomb.docx",
            make.rezipped(make.docx("x"), {"word/document.xml": b" " * (30 << 20)}),
            "zip bomb",
        ),  # fmt: skip
        (
            "bomb.odt",
            make.rezipped(make.odt("x", [], []), {"content.xml": b" " * (30 << 20)}),
            "zip bomb",
        ),  # fmt: skip
        ("huge.png", make.png_declaring(50_000, 50_000), "pixels"),
        (
            "report.pdf",
            b"<!doctype html><html><body><script>alert(1)</script></body></html>",
            "web page",
        ),  # fmt: skip
    ],
    ids=["zip bomb docx", "zip bomb odt", "50,000 x 50,000 png", "html named .pdf"],
)
def test_a_hostile_file_is_refused_naming_file_and_the_server_answers_on(
    site, name, data, words
) -> None:
    assert len(data) < 200_000
    before = site.call("GET", f"/api/records/{site.record}/attachments").json()["attachments"]
    answer = site.upload(name, data)
    assert answer.status_code == 422, answer.text
    fields = answer.json()["error"]["fields"]
    assert list(fields) == ["file"] and words.lower() in fields["file"].lower(), fields
    after = site.call("GET", f"/api/records/{site.record}/attachments").json()["attachments"]
    assert after == before
    assert site.answers()


def test_a_pdf_that_never_ends_is_kept_with_a_note_within_the_time_limit(site) -> None:
    data = make.pdf_with_stream(b"BT /F1 12 Tf 1 0 0 1 10 10 Tm (a) Tj ET\n" * 200_000)
    started = time.monotonic()
    answer = site.upload("endless.pdf", data)
    took = time.monotonic() - started
    assert answer.status_code == 201, answer.text
    kept = answer.json()
    assert (kept["text_chars"], kept["note"]) == (0, f"given up after {TIME_LIMIT} s")
    assert took < TIME_LIMIT + 5
    assert site.call("GET", f"/api/attachments/{kept['id']}/file").content == data
    assert site.answers()


def test_the_server_log_holds_no_traceback(site) -> None:
    assert "Traceback" not in Path(site.server.log_path).read_text()
