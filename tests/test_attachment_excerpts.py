"""Coding an attachment's text (#23 with #21): ``source: "attachment:ID"`` through the served
app (waitress) and the CLI in a subprocess: positions on the attachment's kept text, refusals
naming ``source`` with nothing saved, consent as the attachment's (a viewer sees a passage only
where the attachment is shown, names replaced, counted on the text it sees), counts, the record
page, ratings, agreement on the attachment's length, and a body edit that leaves them alone."""

from __future__ import annotations

import html
import json

import pytest
import requests

from evidence import accounts
from learning.services import Evidence, initialise
from tests.builders import record_data
from tests.test_hardening_support import ok, wm2u
from tests.web_helpers import CSRF_META, PASSWORD, make_app, served

PEOPLE = ["Sarah Kerr", "Tom McKay"]
TRANSCRIPT = (
    "Café conversation, Lochee.\n"
    "Sarah Kerr said the café listened to Tom McKay at last.\n"
    "Money worries came up twice.\n"
)
PASSAGE = "Sarah Kerr said the café listened to Tom McKay at last."
SHOWN = "Person A said the café listened to Person B at last."


class Site:
    """The served app, a bearer token per role, records and their attachments."""

    def __init__(self, base, data_dir, tokens, ids):
        self.base, self.data_dir, self.tokens, self.ids = base, data_dir, tokens, ids

    def call(self, role: str, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"}
        return requests.request(method, self.base + path, headers=headers, timeout=60, **kwargs)

    def attach(self, record: str, name: str, data: bytes, consent: str | None = None) -> dict:
        form = {"consent": consent} if consent else {}
        answer = self.call("editor", "POST", f"/api/records/{record}/attachments",
                           files={"file": (name, data)}, data=form)  # fmt: skip
        assert answer.status_code == 201, answer.text
        return answer.json()

    def code(self, record: str, attachment: str, words: str, codes=("SO1.1",),
             role: str = "editor", memo: str | None = None) -> requests.Response:  # fmt: skip
        text = self.call("editor", "GET", f"/api/attachments/{attachment}/text").text
        start = text.index(words)
        return self.call(role, "POST", f"/api/records/{record}/excerpts", json={
            "source": f"attachment:{attachment}", "start": start, "end": start + len(words),
            "text": words, "codes": list(codes), "memo": memo})  # fmt: skip

    def page(self, role: str, path: str) -> str:
        session = requests.Session()
        token = CSRF_META.search(session.get(self.base + "/login", timeout=30).text).group(1)
        session.post(self.base + "/login", data={"name": role, "password": PASSWORD,
                                                 "csrf_token": token}, timeout=30)  # fmt: skip
        return html.unescape(session.get(self.base + path, timeout=30).text)


@pytest.fixture
def site(tmp_path):
    data_dir = tmp_path / "instance"
    initialise(data_dir)
    with Evidence(data_dir) as ev:
        ids = {}
        for consent in ("anonymised", "public"):
            ids[consent] = ev.create(record_data(
                title=f"Café conversation ({consent})", consent=consent, people=PEOPLE,
                body="Notes of the café. Money was short.", quotes=[], fields={}, tags=[]),
                "test").id  # fmt: skip
        tokens = {}
        for role in ("admin", "editor", "viewer"):
            accounts.add_user(ev.store, role, role, PASSWORD)
            tokens[role] = accounts.create_token(ev.store, role)
    with served(make_app(data_dir)) as base:
        yield Site(base, data_dir, tokens, ids)


def _excerpts(site: Site, role: str, **query) -> dict:
    answer = site.call(role, "GET", "/api/excerpts", params=query)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _count(site: Site, role: str, code: str = "SO1.1") -> int:
    codes = site.call(role, "GET", "/api/codes").json()["codes"]
    return next(c["excerpts"] for c in codes if c["id"] == code)


def test_a_passage_of_an_attachment_counts_on_its_kept_text(site) -> None:
    record = site.ids["anonymised"]
    kept = site.attach(record, "cafe.txt", TRANSCRIPT.encode())
    made = site.code(record, kept["id"], PASSAGE, memo="Being heard, in her words.")
    assert made.status_code == 201, made.text
    excerpt = made.json()
    assert excerpt["source"] == f"attachment:{kept['id']}" and excerpt["status"] == "exact"
    text = site.call("editor", "GET", f"/api/attachments/{kept['id']}/text").text
    assert text[excerpt["start"] : excerpt["end"]] == PASSAGE == excerpt["text"]
    # The record's body is a different text: the same positions there are other words.
    assert excerpt["start"] == TRANSCRIPT.index(PASSAGE)
    listed = site.call("editor", "GET", f"/api/records/{record}/excerpts").json()["excerpts"]
    assert [e["id"] for e in listed] == [excerpt["id"]]


def test_the_cli_codes_an_attachments_words(site) -> None:
    record = site.ids["public"]
    kept = site.attach(record, "cafe.md", TRANSCRIPT.encode())
    made = ok(wm2u(site.data_dir, "code", record, "--text", "Money worries", "--code", "SO1.1",
                   "--source", f"attachment:{kept['id']}", "--coder", "gl"))  # fmt: skip
    excerpt = site.call("editor", "GET", f"/api/excerpts/{made.stdout.strip()}").json()
    assert excerpt["text"] == "Money worries" and excerpt["author"] == "gl"
    assert excerpt["start"] == TRANSCRIPT.index("Money worries")
    # Words that are in the body, not in the attachment, are not found there.
    refused = wm2u(site.data_dir, "code", record, "--text", "Money was short", "--code",
                   "SO1.1", "--source", f"attachment:{kept['id']}")  # fmt: skip
    assert refused.returncode == 1 and "text" in refused.stderr, refused.stderr
    assert "Traceback" not in refused.stderr
    refused = wm2u(site.data_dir, "code", record, "--text", "Money", "--code", "SO1.1",
                   "--source", "attachment:nope")  # fmt: skip
    assert refused.returncode == 1 and "source" in refused.stderr, refused.stderr


def test_a_passage_on_no_live_attachment_of_the_record_is_refused_naming_source(site) -> None:
    mine, other = site.ids["anonymised"], site.ids["public"]
    theirs = site.attach(other, "other.txt", TRANSCRIPT.encode())
    gone = site.attach(mine, "gone.txt", TRANSCRIPT.encode())
    assert site.call("editor", "DELETE", f"/api/attachments/{gone['id']}").status_code in (200, 204)
    start = TRANSCRIPT.index(PASSAGE)
    for source in (f"attachment:{theirs['id']}", f"attachment:{gone['id']}", "attachment:",
                   "attachment:../x", "file", 3):  # fmt: skip
        answer = site.call("editor", "POST", f"/api/records/{mine}/excerpts", json={
            "source": source, "start": start, "end": start + len(PASSAGE), "text": PASSAGE,
            "codes": ["SO1.1"]})  # fmt: skip
        assert answer.status_code == 422, (source, answer.text)
        assert "source" in answer.json()["error"]["fields"], answer.json()
    assert _excerpts(site, "editor")["total"] == 0


def test_a_viewer_reads_an_attachments_passages_as_it_reads_the_attachment(site) -> None:
    record = site.ids["anonymised"]
    shared = site.attach(record, "cafe.txt", TRANSCRIPT.encode())
    photo_notes = site.attach(record, "notes.txt", TRANSCRIPT.encode(), consent="internal")
    kept = site.code(record, shared["id"], PASSAGE, memo="Sarah Kerr was glad.").json()
    assert site.code(record, photo_notes["id"], PASSAGE).status_code == 201
    # The team sees both, as written, with the memo.
    assert _excerpts(site, "editor", code="SO1.1")["total"] == 2 and _count(site, "editor") == 2
    # A viewer: only the anonymised attachment's passage, names replaced, counted on its text.
    seen = _excerpts(site, "viewer", code="SO1.1")
    assert seen["total"] == 1 and _count(site, "viewer") == 1
    (excerpt,) = seen["excerpts"]
    assert excerpt["id"] == kept["id"] and excerpt["text"] == SHOWN and "memo" not in excerpt
    text = site.call("viewer", "GET", f"/api/attachments/{shared['id']}/text").text
    assert text[excerpt["start"] : excerpt["end"]] == SHOWN
    assert site.call("viewer", "GET", f"/api/excerpts/{kept['id']}").json()["text"] == SHOWN
    hidden = site.call("editor", "GET", f"/api/records/{record}/excerpts").json()["excerpts"]
    other = next(e["id"] for e in hidden if e["id"] != kept["id"])
    assert site.call("viewer", "GET", f"/api/excerpts/{other}").status_code == 404
    assert _excerpts(site, "viewer", q="listened")["total"] == 1
    # The record's page lists each attachment's passages under it, as the reader may see them.
    team_page, viewer_page = (site.page(r, f"/records/{record}") for r in ("editor", "viewer"))
    assert "Coded passages of cafe.txt (1)" in team_page and PASSAGE in team_page
    assert "Coded passages of notes.txt (1)" in team_page and "Sarah Kerr was glad." in team_page
    assert "Coded passages of cafe.txt (1)" in viewer_page and SHOWN in viewer_page
    assert "notes.txt" not in viewer_page and "Sarah" not in viewer_page


def test_soft_deleting_an_attachment_hides_its_passages_and_erasure_takes_them(site) -> None:
    record = site.ids["public"]
    kept = site.attach(record, "cafe.txt", TRANSCRIPT.encode())
    excerpt = site.code(record, kept["id"], PASSAGE, memo="A memo about the café.").json()
    assert _count(site, "editor") == 1 and _count(site, "viewer") == 1
    site.call("editor", "DELETE", f"/api/attachments/{kept['id']}")
    for role in ("editor", "viewer"):
        assert _excerpts(site, role)["total"] == 0 and _count(site, role) == 0
        assert site.call(role, "GET", f"/api/excerpts/{excerpt['id']}").status_code == 404
    purged = site.call("admin", "DELETE", f"/api/attachments/{kept['id']}?purge=1")
    assert purged.status_code in (200, 204), purged.text
    found = b"".join(p.read_bytes() for p in site.data_dir.rglob("*") if p.is_file())
    assert b"A memo about the caf" not in found


def test_editing_the_body_leaves_an_attachments_passages_where_they_are(site) -> None:
    record = site.ids["public"]
    kept = site.attach(record, "cafe.txt", TRANSCRIPT.encode())
    excerpt = site.code(record, kept["id"], PASSAGE).json()
    current = site.call("editor", "GET", f"/api/records/{record}").json()
    current["body"] = "A whole new text: nothing of the transcript is in it."
    assert site.call("editor", "PUT", f"/api/records/{record}", json=current).status_code == 200
    again = site.call("editor", "GET", f"/api/excerpts/{excerpt['id']}").json()
    assert (again["start"], again["end"], again["text"], again["status"]) == (
        excerpt["start"], excerpt["end"], PASSAGE, "exact")  # fmt: skip


def test_a_rating_cites_an_attachments_passage_only_where_it_is_shown(site) -> None:
    record = site.ids["anonymised"]
    shared = site.attach(record, "cafe.txt", TRANSCRIPT.encode())
    kept = site.attach(record, "notes.txt", TRANSCRIPT.encode(), consent="internal")
    cited = [site.code(record, a["id"], PASSAGE).json()["id"] for a in (shared, kept)]
    made = site.call("editor", "POST", "/api/indicators/SO1.1/ratings", json={
        "period_from": "2025-01-01", "period_to": "2025-03-31", "progress": "developing",
        "confidence": "medium", "rationale": "Families said so.", "excerpts": cited})  # fmt: skip
    assert made.status_code == 201, made.text
    (seen,) = site.call("viewer", "GET", "/api/indicators/SO1.1/ratings").json()["ratings"]
    assert seen["excerpts"] == [cited[0]]
    page = site.page("viewer", "/indicators/SO1.1")
    assert SHOWN in page and "Sarah" not in page.split('id="ratings"', 1)[1]


def test_agreement_counts_the_characters_of_the_attachments_text(site) -> None:
    record = site.ids["public"]
    kept = site.attach(record, "cafe.txt", TRANSCRIPT.encode())
    source = f"attachment:{kept['id']}"
    for coder, words in (("ann", "Sarah Kerr said"), ("bob", "Sarah Kerr")):
        ok(wm2u(site.data_dir, "code", record, "--text", words, "--code", "SO1.1",
                "--source", source, "--coder", coder))  # fmt: skip
    answer = ok(wm2u(site.data_dir, "codes", "agreement", "--coder", "ann", "--coder", "bob",
                     "--json"))  # fmt: skip
    result = json.loads(answer.stdout)
    # Hand-computed over the attachment's text (n = its length; the body was not coded):
    # ann codes 15 characters, bob 10 of them; they differ on 5.
    n = len(TRANSCRIPT)
    (measured,) = result["codes"]
    assert result["records"] == 1
    assert measured["agreement"] == round(100 * (n - 5) / n, 2)
    p_o = (n - 5) / n
    p_e = (15 / n) * (10 / n) + ((n - 15) / n) * ((n - 10) / n)
    assert measured["kappa"] == pytest.approx((p_o - p_e) / (1 - p_e), abs=1e-4)
    assert result["disagreements"] == [{"record": record, "code": "SO1.1", "characters": 5}]


def _memo_of(site: Site, excerpt_id: str) -> str:
    return site.call("editor", "GET", f"/api/excerpts/{excerpt_id}").json()["memo"]


def _folder_holds(site: Site, words: bytes) -> bool:
    return any(words in p.read_bytes() for p in site.data_dir.rglob("*") if p.is_file())


def test_erasing_an_attachment_takes_its_words_out_of_other_passages_memos(site) -> None:
    record, other = site.ids["anonymised"], site.ids["public"]
    kept = site.attach(record, "cafe.txt", TRANSCRIPT.encode())
    body = site.call("editor", "GET", f"/api/records/{other}").json()["body"]
    memo = f"Compare the café: {PASSAGE} Worth following up."
    elsewhere = site.call("editor", "POST", f"/api/records/{other}/excerpts", json={
        "start": 0, "end": 5, "text": body[:5], "codes": ["SO1.1"], "memo": memo}).json()  # fmt: skip
    assert site.code(record, kept["id"], PASSAGE).status_code == 201
    purged = site.call("admin", "DELETE", f"/api/attachments/{kept['id']}?purge=1")
    assert purged.status_code in (200, 204), purged.text
    left = _memo_of(site, elsewhere["id"])
    assert "listened to Tom McKay" not in left and "Worth following up." in left
    assert not _folder_holds(site, b"listened to Tom McKay")


def test_erasing_a_record_takes_its_attachments_words_out_of_other_memos(site) -> None:
    record, other = site.ids["anonymised"], site.ids["public"]
    site.attach(record, "cafe.txt", TRANSCRIPT.encode())
    body = site.call("editor", "GET", f"/api/records/{other}").json()["body"]
    memo = f"As the transcript put it: {PASSAGE}"
    elsewhere = site.call("editor", "POST", f"/api/records/{other}/excerpts", json={
        "start": 0, "end": 5, "text": body[:5], "codes": ["SO1.1"], "memo": memo}).json()  # fmt: skip
    ok(wm2u(site.data_dir, "delete", record, "--purge"))
    assert "listened to Tom McKay" not in _memo_of(site, elsewhere["id"])
    assert not _folder_holds(site, b"listened to Tom McKay")


def test_the_coding_summary_for_outside_the_team_quotes_only_shown_attachment_passages(
    site, tmp_path
) -> None:
    record = site.ids["anonymised"]
    shared = site.attach(record, "cafe.txt", TRANSCRIPT.encode())
    kept = site.attach(record, "notes.txt", b"Team notes: Tom McKay's rent arrears are 900.\n",
                       consent="internal")  # fmt: skip
    assert site.code(record, shared["id"], PASSAGE).status_code == 201
    assert site.code(record, kept["id"], "rent arrears are 900").status_code == 201
    out = tmp_path / "summary.md"
    for audience in ("internal", "external"):
        ok(wm2u(site.data_dir, "codes", "summary", "SO1.1", "--audience", audience,
                "--format", "md", "--out", str(out)))  # fmt: skip
        text = out.read_text()
        if audience == "internal":
            assert PASSAGE in text and "rent arrears are 900" in text
        else:
            assert SHOWN in text and "arrears" not in text and "McKay" not in text


def _found(site: Site, role: str, query: str) -> set[str]:
    answer = site.call(role, "GET", "/api/search", params={"q": query})
    assert answer.status_code == 200, answer.text
    return {hit["id"] for hit in answer.json()["hits"]}


def test_code_search_never_tells_a_viewer_what_a_hidden_file_was_coded_with(site) -> None:
    record = site.ids["anonymised"]
    for code in ("shared-theme", "hidden-theme"):
        made = site.call("editor", "POST", "/api/codes", json={"id": code, "name": code})
        assert made.status_code == 201, made.text
    shared = site.attach(record, "cafe.txt", TRANSCRIPT.encode())
    hidden = site.attach(record, "notes.txt", TRANSCRIPT.encode(), consent="internal")
    assert site.code(record, shared["id"], PASSAGE, ["shared-theme"]).status_code == 201
    assert site.code(record, hidden["id"], PASSAGE, ["hidden-theme"]).status_code == 201
    assert _found(site, "viewer", "code:shared-theme") == {record}
    assert _found(site, "viewer", "code:hidden-theme") == set()
    site.call("editor", "DELETE", f"/api/attachments/{shared['id']}")
    assert _found(site, "viewer", "code:shared-theme") == set()
    assert _found(site, "editor", "code:shared-theme") == set()


def test_a_learning_update_quotes_an_attachments_passage_only_where_it_is_shown(
    site, tmp_path
) -> None:
    record = site.ids["anonymised"]
    shared = site.attach(record, "cafe.txt", TRANSCRIPT.encode())
    kept = site.attach(record, "notes.txt", b"Team notes: Tom McKay's rent arrears are 900.\n",
                       consent="internal")  # fmt: skip
    assert site.code(record, shared["id"], PASSAGE).status_code == 201
    assert site.code(record, kept["id"], "rent arrears are 900").status_code == 201
    out = tmp_path / "update.md"
    for audience in ("internal", "external"):
        ok(wm2u(site.data_dir, "learning-update", "--from", "2025-01-01", "--to", "2025-12-31",
                "--audience", audience, "--format", "md", "--out", str(out)))  # fmt: skip
        text = out.read_text()
        if audience == "internal":
            assert PASSAGE in text and "rent arrears are 900" in text
        else:
            assert SHOWN in text and "arrears" not in text and "McKay" not in text
