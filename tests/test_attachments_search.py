"""Attachments' text searched like the body (#23), through the served app and the CLI, as an
editor and as a viewer: hits name their attachment, snippets come from it, and nothing of a
text hidden outside the team shows through (no match, count, phrase, snippet or score)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import requests

from evidence import accounts
from learning.services import Evidence, initialise
from tests.builders import record_data
from tests.test_hardening_erasure import leftovers
from tests.test_hardening_support import ok, wm2u
from tests.web_helpers import CSRF_META, PASSWORD, make_app, served

PEOPLE = ["Sarah Kerr"]
BODY = "The café met on Tuesday to plan the qvzbeacon walk."


class Site:
    """The served app, a bearer token per role and one public record naming Sarah Kerr."""

    def __init__(self, base: str, data_dir: Path, tokens: dict[str, str], record: str) -> None:
        self.base, self.data_dir, self.tokens, self.record = base, data_dir, tokens, record

    def call(self, role: str, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"}
        return requests.request(method, self.base + path, headers=headers, timeout=60, **kwargs)

    def attach(self, text: str, consent: str, name: str = "notes.txt", record: str = "") -> str:
        answer = self.call("editor", "POST", f"/api/records/{record or self.record}/attachments",
                           files={"file": (name, text.encode())}, data={"consent": consent})  # fmt: skip
        assert answer.status_code == 201, answer.text
        return answer.json()["id"]

    def search(self, role: str, query: str) -> dict:
        answer = self.call(role, "GET", "/api/search", params={"q": query})
        assert answer.status_code == 200, answer.text
        return answer.json()


def _make(data_dir: Path, extra: list[dict] | None = None) -> tuple[dict[str, str], str]:
    initialise(data_dir)
    with Evidence(data_dir) as ev:
        record = ev.create(record_data(
            title="Planning the walk", consent="public", people=PEOPLE, body=BODY,
            quotes=[], fields={}, tags=["walks"], author="GL"), "test").id  # fmt: skip
        for data in extra or []:
            ev.create(record_data(**data), "test")
        tokens = {}
        for role in ("admin", "editor", "viewer"):
            accounts.add_user(ev.store, role, role, PASSWORD)
            tokens[role] = accounts.create_token(ev.store, role)
    return tokens, record


@pytest.fixture
def site(tmp_path):
    data_dir = tmp_path / "instance"
    tokens, record = _make(data_dir)
    with served(make_app(data_dir)) as base:
        yield Site(base, data_dir, tokens, record)


def _ids(found: dict) -> list[str]:
    return [hit["id"] for hit in found["hits"]]


def test_a_word_only_in_a_public_attachment_is_found_there_with_its_snippet(site) -> None:
    attachment = site.attach("Minutes.\nQvzlanterns were lit at the harvest supper.\n", "public")
    for role in ("editor", "viewer"):
        found = site.search(role, "qvzlanterns")
        assert found["total"] == 1 and _ids(found) == [site.record]
        hit = found["hits"][0]
        assert hit["attachment"] == attachment
        assert "<mark>Qvzlanterns</mark> were lit at the harvest supper" in hit["highlight"]
        # Words in the record itself: no attachment, the snippet from the body.
        own = site.search(role, "tuesday")["hits"][0]
        assert own["attachment"] is None and "<mark>Tuesday</mark>" in own["highlight"]
        phrase = site.search(role, '"harvest supper"')
        assert _ids(phrase) == [site.record] and phrase["hits"][0]["attachment"] == attachment

    # The command line answers the same shape.
    cli = json.loads(ok(wm2u(site.data_dir, "search", "qvzlanterns", "--json")).stdout)
    assert [(h["id"], h["attachment"]) for h in cli["hits"]] == [(site.record, attachment)]
    assert all("attachment" in h for h in json.loads(
        ok(wm2u(site.data_dir, "search", "tuesday", "--json")).stdout)["hits"])  # fmt: skip


def test_the_search_page_says_which_attachment_and_links_to_it(site) -> None:
    attachment = site.attach("Qvzlanterns were lit.", "public", name="Harvest minutes.txt")
    browser = requests.Session()
    login_page = browser.get(site.base + "/login", timeout=30).text
    token = CSRF_META.search(login_page).group(1)
    signed = browser.post(site.base + "/login", timeout=30,
                          data={"name": "viewer", "password": PASSWORD, "csrf_token": token})  # fmt: skip
    assert signed.ok
    page = browser.get(site.base + "/search", params={"q": "qvzlanterns"}, timeout=30).text
    link = f'href="/api/attachments/{attachment}/text"'
    assert "in attachment" in page and link in page and "Harvest minutes.txt</a>" in page
    assert "in attachment" not in browser.get(site.base + "/search", params={"q": "tuesday"},
                                              timeout=30).text  # fmt: skip


def test_an_internal_attachment_is_searched_by_the_team_only(site) -> None:
    attachment = site.attach("The qvzmarrow secret plan, never shared.", "internal")
    team = site.search("editor", "qvzmarrow")
    assert _ids(team) == [site.record] and team["hits"][0]["attachment"] == attachment
    assert "<mark>qvzmarrow</mark> secret plan" in team["hits"][0]["highlight"]
    assert _ids(site.search("editor", '"qvzmarrow secret"')) == [site.record]

    for query in ("qvzmarrow", '"qvzmarrow secret"', "qvzmarrow OR qvznothing", "secret plan"):
        found = site.search("viewer", query)
        assert found["total"] == 0 and found["hits"] == [], query
        assert all(counts == {} for counts in found["facets"].values()), query
    # Nor is its word offered as a correction to a viewer (the team gets it).
    assert site.search("viewer", "qvzmarow")["suggestion"] is None
    assert site.search("editor", "qvzmarow")["suggestion"] == "qvzmarrow"
    # A word both in the record and in the hidden text: found, snippet from the record.
    shared = site.attach("Tuesday again, and the qvzmarrow.", "internal", name="b.txt")
    hit = site.search("viewer", "tuesday")["hits"][0]
    assert hit["attachment"] is None and "qvzmarrow" not in hit["highlight"]
    assert shared not in json.dumps(site.search("viewer", "tuesday"))


def test_an_anonymised_attachment_is_searched_as_its_redacted_text(site) -> None:
    text = "Transcript.\nSarah Kerr planted qvzturnips with the children.\n"
    attachment = site.attach(text, "anonymised")
    shown = site.call("viewer", "GET", f"/api/attachments/{attachment}/text").text
    assert shown.startswith("Transcript.\nPerson A planted qvzturnips")

    for query in ("kerr", "sarah", '"sarah kerr"', '"kerr planted"'):
        assert site.search("viewer", query)["total"] == 0, query
        assert _ids(site.search("editor", query)) == [site.record], query
    hit = site.search("viewer", "qvzturnips")["hits"][0]
    assert hit["attachment"] == attachment
    assert "Person A planted <mark>qvzturnips</mark>" in hit["highlight"]
    assert "Kerr" not in json.dumps(site.search("viewer", "qvzturnips"))
    assert (
        "<mark>Person</mark> A planted" in site.search("viewer", "person")["hits"][0]["highlight"]
    )
    team = site.search("editor", "kerr")["hits"][0]
    assert (
        team["attachment"] == attachment and "Sarah <mark>Kerr</mark> planted" in team["highlight"]
    )


def _scores(tmp_path: Path, name: str, hidden: str) -> dict[str, dict[str, float]]:
    """Each role's score per record for ``qvzbeacon`` in a data dir whose record holds an
    internal attachment with ``hidden`` (every other step the same)."""
    data_dir = tmp_path / name
    others = [dict(title=f"Other walk {n}", consent="public", body="qvzbeacon " * n + "hills.",
                   people=[], quotes=[], fields={}) for n in (1, 2, 3)]  # fmt: skip
    tokens, record = _make(data_dir, others)
    with served(make_app(data_dir)) as base:
        site = Site(base, data_dir, tokens, record)
        site.attach(hidden, "internal")
        return {
            role: {h["title"]: h["score"] for h in site.search(role, "qvzbeacon")["hits"]}
            for role in ("viewer", "editor")
        }


def test_a_hidden_attachment_moves_no_score_outside_the_team(tmp_path) -> None:
    repeated = _scores(tmp_path, "repeated", "qvzbeacon " * 60 + "by the loch.")
    without = _scores(tmp_path, "without", "grass " * 60 + "by the loch.")
    assert repeated["viewer"] == without["viewer"]  # term frequency and lengths included
    assert len(repeated["viewer"]) == 4
    walk = "Planning the walk"  # the record holding the attachment: the team's score counts it
    assert repeated["editor"][walk] > without["editor"][walk] == without["viewer"][walk]


def test_soft_delete_and_erasure_take_the_text_out_of_search(site) -> None:
    words = {"Qvzheather", "Qvzburn"}
    soft = site.attach("Qvzheather by the loch.", "public", name="soft.txt")
    assert site.search("editor", "qvzheather")["total"] == 1
    assert site.call("editor", "DELETE", f"/api/attachments/{soft}").status_code == 204
    assert site.search("editor", "qvzheather")["total"] == 0

    erased = site.attach("Qvzheather down to the Qvzburn.", "public", name="erased.txt")
    assert site.search("editor", "qvzburn")["total"] == 1
    for attachment in (soft, erased):
        answer = site.call("admin", "DELETE", f"/api/attachments/{attachment}?purge=1")
        assert answer.status_code == 204
    assert site.search("editor", "qvzburn")["total"] == 0
    assert site.search("editor", "tuesday")["total"] == 1  # the record itself stays
    assert leftovers(site.data_dir, words) == {}


def test_reindex_and_check_see_attachments(tmp_path) -> None:
    data_dir = tmp_path / "instance"
    _, record = _make(data_dir)
    # An attachment the index never heard of (its queue entry lost): check calls it stale.
    conn = sqlite3.connect(data_dir / "wm2u.db")
    with conn:
        conn.execute(
            "INSERT INTO attachments (id, record_id, name, kind, size, sha256, consent, text, "
            "text_chars, note, author, created_at) VALUES ('01ATT', ?, 'late.txt', 'text', 5, "
            "'00', 'public', 'Qvzosprey nested.', 17, NULL, 'GL', '2025-01-01T00:00:00Z')",
            [record],
        )
    conn.close()
    checked = wm2u(data_dir, "check")
    assert checked.returncode == 1 and f"index stale: {record}" in checked.stdout + checked.stderr
    assert json.loads(ok(wm2u(data_dir, "search", "qvzosprey", "--json")).stdout)["total"] == 0
    ok(wm2u(data_dir, "reindex"))
    found = json.loads(ok(wm2u(data_dir, "search", "qvzosprey", "--json")).stdout)
    assert [(h["id"], h["attachment"]) for h in found["hits"]] == [(record, "01ATT")]
    assert f"index stale: {record}" not in (lambda r: r.stdout + r.stderr)(wm2u(data_dir, "check"))


def test_an_index_made_before_attachments_were_searched_still_answers(tmp_path, monkeypatch):
    import search_index.index as index_module
    from search_index.schema import document, make_schema

    def earlier_schema():
        schema = make_schema()
        schema.remove("attext")
        schema.remove("atts")
        return schema

    data_dir = tmp_path / "instance"
    _, record = _make(data_dir)

    def earlier_document(record):
        return index_module.fitted(document(record), earlier_schema())

    with monkeypatch.context() as patch, Evidence(data_dir) as ev:
        patch.setattr(index_module, "make_schema", earlier_schema)
        patch.setattr(index_module, "document", earlier_document)
        ev.reindex()
    for query in ('"qvzbeacon walk"', "qvzbeacon", "qvzbeakon"):
        found = json.loads(ok(wm2u(data_dir, "search", query, "--json")).stdout)
        assert [h["id"] for h in found["hits"]] == [record] or found["suggestion"], query
    checked = wm2u(data_dir, "check")
    assert "earlier version" in checked.stdout + checked.stderr


def test_merges_and_tidy_keep_each_attachment_where_it_was(tmp_path) -> None:
    """Small segments merged by a save (and by tidy) are indexed again from the stored hit:
    the hidden attachment stays the team's alone, the redacted one stays redacted."""
    from evidence.attachments import Attachment
    from evidence.model import Record
    from search_index import SearchIndex

    def record(n: int) -> Record:
        made = [
            Attachment(f"H{n}", f"R{n}", "h.txt", "text", 1, "0", "internal",
                       text=f"qvzhidden{n} plan"),
            Attachment(f"A{n}", f"R{n}", "a.txt", "text", 1, "0", "anonymised",
                       text=f"Sarah Kerr saw qvzshown{n}."),
        ]  # fmt: skip
        return Record(type="family_story", title=f"Story {n}", date="2024-01-01",
                      consent="public", indicators=["SO1.1"], id=f"R{n}", revision=1,
                      people=PEOPLE, body="common words", attachments=made)  # fmt: skip

    index = SearchIndex(tmp_path / "index")
    try:
        for n in range(30):  # one commit each: the tiered merge folds the small segments
            index.add(record(n))
        assert index.tidy()
        for n in (0, 17, 29):
            team = index.search(f"qvzhidden{n}")
            assert [(h.id, h.attachment) for h in team.hits] == [(f"R{n}", f"H{n}")]
            assert index.search(f"qvzhidden{n}", audience="external").total == 0
            shown = index.search(f"qvzshown{n}", audience="external").hits
            assert [(h.id, h.attachment) for h in shown] == [(f"R{n}", f"A{n}")]
            assert "Person A saw" in shown[0].highlight
        assert index.search("kerr", audience="external").total == 0
        assert index.search("kerr").total == 30
        assert index.contents()["R3"] == (1, ("A3", "H3"))
    finally:
        index.close()
