"""The codebook's pages (/codes, /codes/ID, /codes/agreement) through the served app, and
``wm2u codes summary`` and ``wm2u codes agreement`` through the command line (#21 items 5, 6, 8).

Counts and passages follow the reader's consent (a viewer neither counts nor reads a team-only
record's passage, reads names replaced, never a memo); the codebook's forms work without
JavaScript and refuse bad input naming the field, changing nothing; the summary downloads in
three formats; agreement is checked against a case worked by hand, over a text with a
character outside the Basic Multilingual Plane (one code point, four bytes).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest
import requests

from evidence import accounts
from learning.coding import codebook, excerpts
from learning.services import Evidence, initialise
from tests.builders import record_data
from tests.test_hardening_support import ok, wm2u
from tests.web_helpers import CSRF_META, PASSWORD, make_app, served

# 100 code points (the emoji is one; four bytes in UTF-8): the agreement's N.
AGREED_BODY = ("Sarah Kerr 😊 said the group listened. " * 3)[:100]
assert len(AGREED_BODY) == 100
SHARED_BODY = "Sarah Kerr said the café listened to her for the first time. We stayed for tea."
PUBLIC_BODY = "Families said the allotment listened to them. We stayed for tea."
MEMO = "Memo-zebra: the team's own reading"
TEAM_TITLE = "Team-only note about the café"


class Site:
    """The served app, its data dir and the ids of what the fixture made."""

    def __init__(self, base: str, data_dir: Path, ids: dict[str, str]):
        self.base, self.data_dir, self.ids = base, data_dir, ids
        self.sessions: dict[str, requests.Session] = {}

    def as_(self, role: str) -> requests.Session:
        """A browser-like session logged in through the login form."""
        if role not in self.sessions:
            session = requests.Session()
            token = _token(session.get(self.base + "/login", timeout=30).text)
            answer = session.post(self.base + "/login", timeout=30, allow_redirects=False,
                                  data={"name": role, "password": PASSWORD, "csrf_token": token})  # fmt: skip
            assert answer.status_code == 302, answer.text
            self.sessions[role] = session
        return self.sessions[role]

    def get(self, role: str, path: str) -> requests.Response:
        return self.as_(role).get(self.base + path, timeout=60, allow_redirects=False)

    def post(self, role: str, path: str, data: dict) -> requests.Response:
        session = self.as_(role)
        token = _token(session.get(self.base + "/codes", timeout=30).text)
        return session.post(self.base + path, data={**data, "csrf_token": token}, timeout=60,
                            allow_redirects=False)  # fmt: skip


def _token(page: str) -> str:
    match = CSRF_META.search(page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def _code(ev: Evidence, record: str, words: str, codes: list[str], coder: str,
          memo: str | None = None, occurrence: int | None = None) -> None:  # fmt: skip
    passage = excerpts.find_words(ev.store.get(record).body, words, occurrence)
    excerpts.code_passage(ev, record, {**passage, "codes": codes, "memo": memo}, coder)


def _seed(data_dir: Path) -> dict[str, str]:
    """Records at each consent level coded with ``listened``, and a record two coders coded."""
    initialise(data_dir)
    with Evidence(data_dir) as ev:
        for role in ("editor", "viewer"):
            accounts.add_user(ev.store, role, role, PASSWORD)
        make = lambda **kw: ev.create(record_data(quotes=[], tags=[], fields={}, **kw), "t").id  # noqa: E731
        ids = {
            "internal": make(title=TEAM_TITLE, consent="internal", body=SHARED_BODY),
            "anonymised": make(
                title="Tea at the café", consent="anonymised", body=SHARED_BODY, locality="Lochee"
            ),  # fmt: skip
            "public": make(
                title="Allotment tea",
                consent="public",
                people=[],
                body=PUBLIC_BODY,
                authority="Clackmannanshire",
                locality="Alloa",
                date="2025-06-01",
            ),  # fmt: skip
            "agreed": make(title="Two coders read this", consent="internal", body=AGREED_BODY),
            "ann-only": make(title="Only Ann coded this", consent="internal", body=AGREED_BODY),
        }
        codebook.create(ev, {"id": "listened", "name": "Being listened to", "colour": "#1F77B4",
                             "description": "Families say they were heard."})  # fmt: skip
        codebook.create(ev, {"id": "tea", "name": "Staying for tea", "parent": "listened"})
        codebook.create(ev, {"id": "spare", "name": "Spare code"})
        for consent in ("internal", "anonymised"):
            _code(ev, ids[consent], "Sarah Kerr said the café listened", ["listened"], "editor",
                  MEMO)  # fmt: skip
            _code(ev, ids[consent], "We stayed for tea.", ["tea", "SO1.1"], "editor")
        _code(ev, ids["public"], "the allotment listened to them", ["listened"], "editor")
        # Ann codes characters 0–20, Bob 10–30, of a 100-character text (worked below).
        for coder, start in (("ann", 0), ("bob", 10)):
            passage = {"start": start, "end": start + 20, "text": AGREED_BODY[start:start + 20],
                       "codes": ["listened"]}  # fmt: skip
            excerpts.code_passage(ev, ids["agreed"], passage, coder)
        excerpts.code_passage(ev, ids["ann-only"], {"start": 0, "end": 5, "text": AGREED_BODY[:5],
                                                    "codes": ["listened"]}, "ann")  # fmt: skip
    return ids


@pytest.fixture
def site(tmp_path):
    data_dir = tmp_path / "instance"
    ids = _seed(data_dir)
    with served(make_app(data_dir)) as base:
        yield Site(base, data_dir, ids)


def _tree_line(page: str, code_id: str) -> str:
    """The text of a code's line in the tree (its link to its count)."""
    match = re.search(rf'href="/codes/{re.escape(code_id)}">(.*?passages?)</span>', page, re.S)
    assert match, f"{code_id} not in the tree"
    return re.sub(r"<[^>]+>", "", match.group(1))


def test_the_tree_counts_what_each_reader_may_read(site) -> None:
    editor, viewer = site.get("editor", "/codes"), site.get("viewer", "/codes")
    assert editor.status_code == viewer.status_code == 200
    # listened: three records of each consent, Ann's two and Bob's one; a viewer: two shared.
    assert "6 passages" in _tree_line(editor.text, "listened")
    assert "2 passages" in _tree_line(viewer.text, "listened")
    assert "1 passage" in _tree_line(viewer.text, "tea")
    assert 'fill="#1F77B4"' in editor.text  # the colour swatch
    assert "Folder" in _tree_line(editor.text, "SO1")  # an objective only groups codes
    assert 'href="/codes"' in editor.text and "Codebook" in editor.text  # in the navigation
    assert 'action="/codes"' in editor.text and 'action="/codes"' not in viewer.text


def test_a_viewer_reads_shared_passages_only_names_replaced_and_no_memo(site) -> None:
    page = site.get("viewer", "/codes/listened")
    assert page.status_code == 200
    assert "the allotment listened to them" in page.text
    assert "said the café listened" in page.text  # the anonymised record's passage
    for secret in ("Sarah Kerr", TEAM_TITLE, MEMO, "Memo-zebra", "Only Ann"):
        assert secret not in page.text
    assert "3 passages from 2 records" in page.text  # listened's and its sub-code tea's
    assert site.get("viewer", "/codes/SO1.1").status_code == 200  # the plan's ids hold dots
    assert f'href="/records/{site.ids["anonymised"]}"' in page.text
    assert f'href="/records/{site.ids["internal"]}"' not in page.text
    assert "Change this code" not in page.text
    editor = site.get("editor", "/codes/listened")
    assert TEAM_TITLE in editor.text and "Sarah Kerr" in editor.text
    assert MEMO not in editor.text  # a summary quotes passages, never memos
    # The code × locality table and the codes sharing its passages.
    assert "Lochee" in editor.text and "Alloa" in editor.text
    assert 'href="/codes/SO1.1"' in editor.text


def test_the_period_in_the_address_and_a_wrong_one_named(site) -> None:
    later = site.get("editor", "/codes/listened?from=2025-05-01")
    assert later.status_code == 200
    assert "Allotment tea" in later.text and "Tea at the café" not in later.text
    wrong = site.get("editor", "/codes/listened?from=2025-13-40")
    assert wrong.status_code == 400 and 'id="from-error"' in wrong.text
    assert site.get("editor", "/codes/NOPE").status_code == 404


def test_the_summary_downloads_in_three_formats_for_the_readers_audience(site) -> None:
    md = site.get("viewer", "/codes/listened/summary?format=md")
    assert md.status_code == 200 and md.headers["Content-Type"].startswith("text/markdown")
    assert md.text.startswith("# Coding summary: Being listened to")
    assert "attachment" in md.headers["Content-Disposition"]
    for secret in ("Sarah Kerr", TEAM_TITLE, MEMO):
        assert secret not in md.text
    html = site.get("viewer", "/codes/listened/summary?format=html&from=2025-05-01")
    assert html.text.startswith("<!DOCTYPE html>") and "Tea at the café" not in html.text
    docx = site.get("editor", "/codes/listened/summary?format=docx")
    with zipfile.ZipFile(io.BytesIO(docx.content)) as document:
        xml = document.read("word/document.xml").decode("utf-8")
    assert TEAM_TITLE in xml and MEMO not in xml
    # An editor may ask for what readers outside the team see.
    external = site.get("editor", "/codes/listened/summary?format=md&audience=external")
    assert TEAM_TITLE not in external.text and "Sarah Kerr" not in external.text
    pdf = site.get("viewer", "/codes/listened/summary?format=pdf")
    assert pdf.status_code == 400 and "format: must be md, html or docx" in pdf.text
    soon = site.get("viewer", "/codes/listened/summary?format=md&to=soon")
    assert soon.status_code == 400 and "to: must be a date" in soon.text


def _codes(site) -> dict[str, dict]:
    session = site.as_("editor")
    return {c["id"]: c for c in session.get(site.base + "/api/codes", timeout=30).json()["codes"]}


def test_the_codebook_forms_work_without_javascript_and_name_the_field(site) -> None:
    before = _codes(site)
    for data, field in (({"id": "a b", "name": "x", "codable": "true"}, "id"),
                        ({"id": "ok", "name": "", "codable": "true"}, "name"),
                        ({"id": "ok", "name": "x", "colour": "red", "codable": "true"}, "colour"),
                        ({"id": "ok", "name": "x", "parent": "nope", "codable": "true"}, "parent"),
                        ({"id": "ok", "name": "x", "codable": "maybe"}, "codable")):  # fmt: skip
        refused = site.post("editor", "/codes", data)
        assert refused.status_code == 422, (data, refused.status_code)
        assert f'id="{field}-error"' in refused.text and "There is a problem" in refused.text
    assert _codes(site) == before  # nothing saved
    added = site.post("editor", "/codes", {"id": "heard", "name": "Heard", "colour": "#a1b2c3",
                                           "parent": "listened", "codable": "false"})  # fmt: skip
    assert added.status_code == 302 and added.headers["Location"].endswith("/codes/heard")
    code = _codes(site)["heard"]
    assert (code["colour"], code["parent"], code["codable"]) == ("#A1B2C3", "listened", False)
    # Change: a refusal names the field and saves nothing; then renamed and moved.
    changed = {"name": "Heard at last", "description": "", "colour": "blue", "parent": "",
               "codable": "true"}  # fmt: skip
    assert 'id="colour-error"' in site.post("editor", "/codes/heard/change", changed).text
    assert _codes(site)["heard"]["name"] == "Heard"
    cycle = {**changed, "colour": "", "parent": "heard"}
    assert site.post("editor", "/codes/listened/change", {**cycle, "name": "L"}).status_code == 422
    assert site.post("editor", "/codes/heard/change", {**changed, "colour": ""}).status_code == 302
    assert _codes(site)["heard"]["name"] == "Heard at last"
    assert site.post("editor", "/codes/SO1.1/change", changed).status_code == 422  # the plan's
    # Merge and delete: refusals name the field (the count while used), then they work.
    bad_merge = site.post("editor", "/codes/tea/merge", {"into": "nope"})
    assert bad_merge.status_code == 422 and 'id="into-error"' in bad_merge.text
    in_use = site.post("editor", "/codes/tea/delete", {})
    assert in_use.status_code == 409 and "used by 2 excerpt" in in_use.text
    assert site.post("editor", "/codes/tea/merge", {"into": "spare"}).status_code == 302
    assert "tea" not in _codes(site) and _codes(site)["spare"]["excerpts"] == 2
    assert site.post("editor", "/codes/heard/delete", {}).status_code == 302
    assert "heard" not in _codes(site)
    # Viewers keep no codebook.
    for path in ("/codes", "/codes/spare/change", "/codes/spare/merge", "/codes/spare/delete"):
        assert (
            site.post("viewer", path, {"id": "v", "name": "v", "into": "listened"}).status_code
            == 403
        )


def test_agreement_page_for_editors_against_a_case_worked_by_hand(site) -> None:
    assert site.get("viewer", "/codes/agreement").status_code == 403
    form = site.get("editor", "/codes/agreement")
    assert form.status_code == 200 and '<option value="ann"' in form.text
    page = site.get("editor", "/codes/agreement?coder=ann&coder=bob")
    assert page.status_code == 200
    # N = 100 characters, Ann 20, Bob 20, both 10: agreed 80, chance (20·20 + 80·80)/100² =
    # 0.68, kappa (0.80 − 0.68) / (1 − 0.68) = 0.375.
    assert "80.0%" in page.text and "0.375" in page.text
    assert "Two coders read this" in page.text and "Only Ann" not in page.text
    refused = site.get("editor", "/codes/agreement?coder=ann&coder=zed")
    assert refused.status_code == 422 and 'id="coder-error"' in refused.text
    assert site.get("editor", "/codes/agreement?coder=ann&coder=bob&code=nope").status_code == 422


def test_codes_agreement_json_on_the_command_line(tmp_path) -> None:
    data_dir = tmp_path / "instance"
    ids = _seed(data_dir)
    found = json.loads(ok(wm2u(data_dir, "codes", "agreement", "--coder", "ann", "--coder",
                               "bob", "--json")).stdout)  # fmt: skip
    assert found == {
        "coders": ["ann", "bob"],
        "records": 1,
        "codes": [{"code": "listened", "agreement": 80.0, "kappa": 0.375}],
        "disagreements": [{"record": ids["agreed"], "code": "listened", "characters": 20}],
    }
    asked = json.loads(ok(wm2u(data_dir, "codes", "agreement", "--coder", "ann", "--coder", "bob",
                               "--code", "tea", "--json")).stdout)  # fmt: skip
    assert asked["codes"] == [{"code": "tea", "agreement": 100.0, "kappa": None}]
    table = ok(wm2u(data_dir, "codes", "agreement", "--coder", "ann", "--coder", "bob")).stdout
    assert "listened\t80\t0.375" in table
    for args, field in ((["--coder", "ann"], "coder"), (["--coder", "ann", "--coder", "ann"],
                        "coder"), (["--coder", "ann", "--coder", "zed"], "coder"),
                        (["--coder", "ann", "--coder", "bob", "--code", "nope"], "code")):  # fmt: skip
        refused = wm2u(data_dir, "codes", "agreement", *args)
        assert refused.returncode == 1 and f"{field}:" in refused.stderr, refused.stderr
        assert "Traceback" not in refused.stderr


def test_codes_summary_on_the_command_line(tmp_path) -> None:
    data_dir = tmp_path / "instance"
    _seed(data_dir)
    out = tmp_path / "listened.md"
    ok(wm2u(data_dir, "codes", "summary", "listened", "--audience", "external", "--out", str(out)))
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Coding summary: Being listened to")
    assert "the allotment listened to them" in text
    for secret in ("Sarah Kerr", TEAM_TITLE, MEMO):
        assert secret not in text
    docx = tmp_path / "listened.docx"  # the format from the name
    ok(wm2u(data_dir, "codes", "summary", "listened", "--from", "2025-01-01", "--to",
            "2025-12-31", "--out", str(docx)))  # fmt: skip
    assert zipfile.is_zipfile(docx)
    html = tmp_path / "listened.html"
    ok(wm2u(data_dir, "codes", "summary", "tea", "--format", "html", "--out", str(html)))
    assert html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    for args, words in ((["listened", "--from", "2025-13-01"], "from:"),
                        (["listened", "--from", "2025-06-01", "--to", "2025-01-01"], "to:"),
                        (["NOPE"], "code NOPE"),
                        (["listened", "--audience", "everyone"], "--audience")):  # fmt: skip
        wrong = tmp_path / "wrong.md"
        refused = wm2u(data_dir, "codes", "summary", *args, "--out", str(wrong))
        assert refused.returncode != 0 and words in refused.stderr, refused.stderr
        assert "Traceback" not in refused.stderr and not wrong.exists()
