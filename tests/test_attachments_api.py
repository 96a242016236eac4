"""Attachments (#23) through the served app (waitress): upload, list, download, text, consent
as a viewer on every read path, refusals that change nothing, soft delete and erasure."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest
import requests

from evidence import accounts
from learning.services import Evidence, initialise
from tests import file_makers
from tests.builders import record_data
from tests.test_hardening_erasure import leftovers
from tests.web_helpers import PASSWORD, make_app, served

PEOPLE = ["Sarah Kerr", "Tom McKay"]
TRANSCRIPT = "Interview transcript.\nSarah Kerr said the café listened to Tom McKay at last.\n"
LIMIT_MB = 1


def pdf_bytes(words: str) -> bytes:
    """A small real PDF holding ``words`` (made with fpdf2)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.multi_cell(0, 10, words)
    return bytes(pdf.output())


class Site:
    """The served app, a bearer token per role and one record per consent level."""

    def __init__(self, base: str, data_dir: Path, tokens: dict[str, str], ids: dict[str, str]):
        self.base, self.data_dir, self.tokens, self.ids = base, data_dir, tokens, ids

    def call(self, role: str, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"}
        return requests.request(method, self.base + path, headers=headers, timeout=60, **kwargs)

    def attach(self, record: str, name: str, data: bytes, consent: str | None = None,
               role: str = "editor") -> requests.Response:  # fmt: skip
        form = {"consent": consent} if consent is not None else {}
        return self.call(role, "POST", f"/api/records/{record}/attachments",
                         files={"file": (name, data)}, data=form)  # fmt: skip

    def attached(self, record: str, name: str, data: bytes, consent: str | None = None) -> dict:
        answer = self.attach(record, name, data, consent)
        assert answer.status_code == 201, answer.text
        return answer.json()

    def files_kept(self) -> list[Path]:
        root = self.data_dir / "files"
        return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def site(tmp_path):
    data_dir = tmp_path / "instance"
    initialise(data_dir)
    with Evidence(data_dir) as ev:
        ids = {}
        for consent in ("internal", "anonymised", "public"):
            ids[consent] = ev.create(record_data(
                title=f"Tea at the café ({consent})", consent=consent, people=PEOPLE,
                body="Sarah Kerr came on Tuesday.", quotes=[], fields={}, tags=[]),
                "test").id  # fmt: skip
        tokens = {}
        for role in ("admin", "editor", "viewer"):
            accounts.add_user(ev.store, role, role, PASSWORD)
            tokens[role] = accounts.create_token(ev.store, role)
    app = make_app(data_dir, MAX_ATTACHMENT_MB=LIMIT_MB)
    app.config["ATTACHMENT_BYTES"] = LIMIT_MB * 1024 * 1024
    with served(app) as base:
        yield Site(base, data_dir, tokens, ids)


def _refusal(answer: requests.Response, status: int) -> dict:
    assert answer.status_code == status, answer.text
    return answer.json()["error"]["fields"]


def test_a_file_is_kept_privately_by_its_hash_and_served_as_a_download(site) -> None:
    record = site.ids["anonymised"]
    pdf = pdf_bytes("The Columba 1400 evaluation report.")
    made = site.attached(record, 'Évaluation report; "final".pdf', pdf)
    assert set(made) >= {"id", "record", "name", "type", "size", "sha256", "consent",
                         "text_chars", "note"}  # fmt: skip
    assert (made["record"], made["type"], made["size"]) == (record, "application/pdf", len(pdf))
    assert made["sha256"] == hashlib.sha256(pdf).hexdigest()
    assert made["consent"] == "anonymised"  # the record's, by default
    kept = site.data_dir / "files" / made["sha256"][:2] / made["sha256"]
    assert kept.read_bytes() == pdf
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert stat.S_IMODE(kept.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((site.data_dir / "files").stat().st_mode) == 0o700

    got = site.call("editor", "GET", f"/api/attachments/{made['id']}/file")
    assert got.status_code == 200 and got.content == pdf
    assert got.headers["Content-Type"] == "application/pdf"
    disposition = got.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%C3%89valuation%20report%3B%20%22final%22.pdf" in disposition
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in got.headers["Content-Security-Policy"]

    text = site.attached(record, "transcript.txt", TRANSCRIPT.encode())
    assert (text["type"], text["text_chars"], text["note"]) == ("text/plain", len(TRANSCRIPT), None)
    words = site.call("editor", "GET", f"/api/attachments/{text['id']}/text")
    assert words.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert words.text == TRANSCRIPT  # exactly the text excerpt positions count on
    listed = site.call("editor", "GET", f"/api/records/{record}/attachments").json()
    assert [a["id"] for a in listed["attachments"]] == [made["id"], text["id"]]
    assert site.call("editor", "GET", f"/api/attachments/{made['id']}").json() == made


def test_refusals_name_their_field_and_change_nothing(site) -> None:
    record = site.ids["anonymised"]
    path = f"/api/records/{record}/attachments"
    assert "file" in _refusal(site.call("editor", "POST", path, data={"consent": "internal"}), 422)
    wider = site.attach(record, "notes.txt", b"Some notes.", consent="public")
    assert "consent" in _refusal(wider, 422)
    assert "consent" in _refusal(site.attach(record, "n.txt", b"Notes.", consent="secret"), 422)
    not_a_kind = site.attach(record, "report.pdf", b"\x00\x9f\x92\x96 not a PDF at all")
    assert "file" in _refusal(not_a_kind, 422)
    big = b"a" * (LIMIT_MB * 1024 * 1024 + 1)
    assert "file" in _refusal(site.attach(record, "big.txt", big), 413)
    assert _refusal(site.attach(record, "huge.txt", big * 3), 413) is not None  # the body
    assert site.attach("NOPE", "n.txt", b"Notes.").status_code == 404
    assert site.attach(record, "n.txt", b"Notes.", role="viewer").status_code == 403
    listed = site.call("editor", "GET", f"{path}").json()
    assert listed == {"attachments": []}
    assert site.files_kept() == []


def test_consent_no_wider_than_the_record_and_pictures_default_to_internal(site) -> None:
    record = site.ids["public"]
    picture = site.attached(record, "flipchart.png", file_makers.picture("PNG"))
    assert picture["consent"] == "internal" and picture["type"] == "image/png"
    chosen = site.attached(record, "flipchart2.jpg", file_makers.picture("JPEG"), "anonymised")
    assert chosen["consent"] == "anonymised" and chosen["type"] == "image/jpeg"
    assert site.attached(record, "t.txt", b"Text.")["consent"] == "public"
    assert site.attached(record, "u.txt", b"More.", "internal")["consent"] == "internal"


def test_a_viewer_sees_attachments_as_their_consent_allows(site) -> None:
    ids = site.ids
    hidden = site.attached(ids["internal"], "team.txt", TRANSCRIPT.encode())
    team_only = site.attached(ids["anonymised"], "internal.txt", b"Only us.", "internal")
    anonymised = site.attached(ids["anonymised"], "Sarah Kerr interview.txt", TRANSCRIPT.encode())
    public = site.attached(ids["public"], "public.txt", TRANSCRIPT.encode())
    narrowed = site.attached(ids["public"], "anon.txt", TRANSCRIPT.encode(), "anonymised")

    def viewer(path: str) -> requests.Response:
        return site.call("viewer", "GET", path)

    # An internal record's attachments, and an internal attachment: not there at all.
    assert viewer(f"/api/records/{ids['internal']}/attachments").status_code == 404
    for made in (hidden, team_only):
        for tail in ("", "/file", "/text"):
            assert viewer(f"/api/attachments/{made['id']}{tail}").status_code == 404
    # An anonymised one: listed, its name and text redacted, never its bytes.
    listed = viewer(f"/api/records/{ids['anonymised']}/attachments").json()["attachments"]
    assert [a["id"] for a in listed] == [anonymised["id"]]
    shown = listed[0]
    assert "Sarah" not in shown["name"] and shown["name"].endswith("interview.txt")
    assert shown["sha256"] is None
    text = viewer(f"/api/attachments/{anonymised['id']}/text").text
    assert "Sarah" not in text and "Kerr" not in text and "McKay" not in text
    assert "Person A" in text and shown["text_chars"] == len(text)
    assert viewer(f"/api/attachments/{anonymised['id']}/file").status_code == 403
    assert viewer(f"/api/attachments/{narrowed['id']}/file").status_code == 403
    # A public one downloads.
    got = viewer(f"/api/attachments/{public['id']}/file")
    assert got.status_code == 200 and got.content == TRANSCRIPT.encode()
    assert viewer(f"/api/attachments/{public['id']}/text").text == TRANSCRIPT

    # The record narrowed later narrows what its attachments show.
    record = site.call("editor", "GET", f"/api/records/{ids['public']}").json()
    record["consent"] = "anonymised"
    assert site.call("editor", "PUT", f"/api/records/{ids['public']}", json=record).ok
    assert viewer(f"/api/attachments/{public['id']}/file").status_code == 403
    assert viewer(f"/api/attachments/{public['id']}").json()["consent"] == "anonymised"
    assert "Sarah" not in viewer(f"/api/attachments/{public['id']}/text").text

    # A soft-deleted record's attachments are hidden with it, from everyone.
    assert site.call("editor", "DELETE", f"/api/records/{ids['public']}").status_code == 204
    for role in ("viewer", "editor"):
        assert (
            site.call(role, "GET", f"/api/records/{ids['public']}/attachments").status_code == 404
        )
        assert site.call(role, "GET", f"/api/attachments/{public['id']}/file").status_code == 404


def test_soft_delete_hides_and_erasure_removes_file_and_text_unless_held_elsewhere(site) -> None:
    words = "Qvzheather planted Qvzturnips by the Qvzburn"
    data = f"Notes. {words}.\n".encode()
    first = site.attached(site.ids["public"], "notes.txt", data)
    second = site.attached(site.ids["anonymised"], "copy.txt", data)
    assert first["sha256"] == second["sha256"] and len(site.files_kept()) == 1

    assert site.call("editor", "DELETE", f"/api/attachments/{first['id']}").status_code == 204
    assert site.call("editor", "GET", f"/api/attachments/{first['id']}").status_code == 404
    listed = site.call("editor", "GET", f"/api/records/{site.ids['public']}/attachments").json()
    assert listed == {"attachments": []}
    purge = f"/api/attachments/{first['id']}?purge=1"
    assert site.call("editor", "DELETE", purge).status_code == 403
    assert site.call("admin", "DELETE", purge).status_code == 204
    assert len(site.files_kept()) == 1  # the other record still holds the same file
    assert site.call("admin", "DELETE", f"/api/attachments/{second['id']}?purge=1").ok
    assert site.files_kept() == []
    assert leftovers(site.data_dir, {"Qvzheather", "Qvzturnips", "Qvzburn"}) == {}
