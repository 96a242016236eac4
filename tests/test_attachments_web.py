"""Attachments (#23) on the record's page, through the served app with a browser's session:
a plain form attaches a file (CSRF as every form), the page lists files as the reader may
have them (a viewer: no internal one, an anonymised one's text only, a public one's file)."""

from __future__ import annotations

import re

import pytest
import requests

from evidence import accounts
from learning.services import Evidence, initialise
from tests.builders import record_data
from tests.test_attachments_api import TRANSCRIPT
from tests.web_helpers import CSRF_META, PASSWORD, make_app, served

PEOPLE = ["Sarah Kerr", "Tom McKay"]


def _browser(base: str, name: str) -> requests.Session:
    browser = requests.Session()
    page = browser.get(f"{base}/login", timeout=30).text
    form = {"name": name, "password": PASSWORD, "csrf_token": CSRF_META.search(page).group(1)}
    assert browser.post(f"{base}/login", data=form, timeout=30).status_code == 200
    return browser


def _token(browser: requests.Session, url: str) -> str:
    return CSRF_META.search(browser.get(url, timeout=30).text).group(1)


@pytest.fixture
def site(tmp_path):
    data_dir = tmp_path / "instance"
    initialise(data_dir)
    with Evidence(data_dir) as ev:
        ids = {c: ev.create(record_data(consent=c, people=PEOPLE, title=f"Tea ({c})"), "t").id
               for c in ("anonymised", "public")}  # fmt: skip
        for role in ("editor", "viewer"):
            accounts.add_user(ev.store, role, role, PASSWORD)
    with served(make_app(data_dir)) as base:
        yield base, ids, {r: _browser(base, r) for r in ("editor", "viewer")}


def _attach(browser, base, record, name, data, consent="", csrf=True) -> requests.Response:
    page = f"{base}/records/{record}"
    form = {"consent": consent, **({"csrf_token": _token(browser, page)} if csrf else {})}
    files = {"file": (name, data)} if name is not None else {"file": ("", b"")}
    return browser.post(f"{page}/attachments", data=form, files=files, timeout=30,
                        allow_redirects=False)  # fmt: skip


def test_an_editor_attaches_a_file_with_the_pages_form_and_it_is_listed(site) -> None:
    base, ids, browsers = site
    editor = browsers["editor"]
    page = editor.get(f"{base}/records/{ids['anonymised']}", timeout=30).text
    assert 'enctype="multipart/form-data"' in page and 'name="file" type="file"' in page
    sent = _attach(editor, base, ids["anonymised"], "Sarah Kerr interview.txt", TRANSCRIPT.encode())
    assert sent.status_code == 302 and sent.headers["Location"].endswith("#attachments")
    page = editor.get(f"{base}/records/{ids['anonymised']}", timeout=30).text
    assert "Sarah Kerr interview.txt" in page
    link = re.search(r'href="(/api/attachments/[^"]+/file)" download', page).group(1)
    assert editor.get(base + link, timeout=30).content == TRANSCRIPT.encode()

    assert _attach(editor, base, ids["anonymised"], "n.txt", b"x", csrf=False).status_code == 400
    missing = _attach(editor, base, ids["anonymised"], None, b"")
    assert missing.status_code == 422 and "Choose a file to attach" in missing.text
    wider = _attach(editor, base, ids["anonymised"], "n.txt", b"Notes.", consent="public")
    assert wider.status_code == 422 and "no wider than the record" in wider.text
    not_kept = _attach(editor, base, ids["anonymised"], "n.pdf", b"\x00\xff not a pdf")
    assert not_kept.status_code == 422
    page = editor.get(f"{base}/records/{ids['anonymised']}", timeout=30).text
    assert page.count('/file" download') == 1  # the refusals kept nothing


def test_a_viewer_sees_only_what_each_attachments_consent_allows(site) -> None:
    base, ids, browsers = site
    editor, viewer = browsers["editor"], browsers["viewer"]
    _attach(editor, base, ids["anonymised"], "Sarah Kerr interview.txt", TRANSCRIPT.encode())
    _attach(editor, base, ids["anonymised"], "Team minutes.txt", b"Ours.", consent="internal")
    _attach(editor, base, ids["public"], "Public leaflet.txt", b"For everyone.")

    page = viewer.get(f"{base}/records/{ids['anonymised']}", timeout=30).text
    assert "Team minutes" not in page and "Sarah Kerr" not in page
    assert "interview.txt" in page and "(names replaced)" in page
    assert '/file" download' not in page and 'type="file"' not in page
    text_link = re.search(r'href="(/api/attachments/[^"]+/text)"', page).group(1)
    words = viewer.get(base + text_link, timeout=30).text
    assert "Sarah" not in words and "Person A" in words
    public = viewer.get(f"{base}/records/{ids['public']}", timeout=30).text
    link = re.search(r'href="(/api/attachments/[^"]+/file)" download', public).group(1)
    assert viewer.get(base + link, timeout=30).content == b"For everyone."
    refused = _attach(viewer, base, ids["public"], "n.txt", b"Notes.")
    assert refused.status_code == 403
