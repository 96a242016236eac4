"""Passages and the codebook (#21), through the served app (waitress) and the command line.

The codebook's operations (merge, delete while used, moves that would make a cycle), coding a
passage (each refusal naming its field, nothing changed; an indicator the record lacks added as
a new revision), consent (a viewer sees excerpts only where the record is shown, names
replaced with positions on the text shown, no memos, counts to match), a soft-deleted record's
excerpts hidden, edits that keep excerpts attached, ``code:`` in search with a code's children,
and erasure leaving no byte of an erased record's excerpts and memos in the data folder.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from evidence import accounts
from learning.services import Evidence, initialise
from tests.builders import record_data
from tests.test_hardening_erasure import leftovers
from tests.test_hardening_support import ok, wm2u
from tests.web_helpers import PASSWORD, make_app, served

INSIDE = "Tom McKay said the café listened to Sarah for the first time."
BODY = f"Sarah Kerr came on Tuesday. {INSIDE} Everyone stayed for tea."
PEOPLE = ["Sarah Kerr", "Tom McKay"]


class Site:
    """The served app and a bearer token per role."""

    def __init__(self, base: str, data_dir: Path, tokens: dict[str, str], ids: dict[str, str]):
        self.base, self.data_dir, self.tokens, self.ids = base, data_dir, tokens, ids

    def call(self, role: str, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"}
        return requests.request(method, self.base + path, headers=headers, timeout=60, **kwargs)

    def code(self, record: str, words: str, codes: list[str], memo: str | None = None) -> dict:
        """Code ``words`` (their first place in the record's body) as the editor."""
        body = self.call("editor", "GET", f"/api/records/{record}").json()["body"]
        start = body.index(words)
        answer = self.call("editor", "POST", f"/api/records/{record}/excerpts", json={
            "start": start, "end": start + len(words), "text": words, "codes": codes,
            "memo": memo})  # fmt: skip
        assert answer.status_code == 201, answer.text
        return answer.json()


@pytest.fixture
def site(tmp_path):
    data_dir = tmp_path / "instance"
    initialise(data_dir)
    with Evidence(data_dir) as ev:
        ids = {}
        for consent in ("internal", "anonymised", "public"):
            ids[consent] = ev.create(record_data(
                title=f"Tea at the café ({consent})", consent=consent, people=PEOPLE, body=BODY,
                quotes=[], fields={}, tags=[]), "test").id  # fmt: skip
        tokens = {}
        for role in ("editor", "viewer"):
            accounts.add_user(ev.store, role, role, PASSWORD)
            tokens[role] = accounts.create_token(ev.store, role)
    app = make_app(data_dir)
    with served(app) as base:
        yield Site(base, data_dir, tokens, ids)


def _refusal(answer: requests.Response, status: int) -> dict:
    assert answer.status_code == status, answer.text
    return answer.json()["error"]["fields"]


def test_the_codebook_holds_the_plans_codes_and_the_teams(site) -> None:
    codes = {c["id"]: c for c in site.call("viewer", "GET", "/api/codes").json()["codes"]}
    assert codes["SO1"]["codable"] is False and codes["SO1.1"]["parent"] == "SO1"
    assert codes["SO1.1"]["name"].startswith("SO1.1 Families have voice")
    made = site.call("editor", "POST", "/api/codes", json={
        "id": "listened-to", "name": "Listened to", "colour": "#a1b2c3"})  # fmt: skip
    assert made.status_code == 201 and made.json()["colour"] == "#A1B2C3"
    guid = made.json()["guid"]
    for bad, field in ((dict(id="export", name="x"), "id"), (dict(id="listened-to", name="x"), "id"),
                       (dict(id="SO1.1", name="x"), "id"), (dict(id="a b", name="x"), "id"),
                       (dict(id="c", name=""), "name"), (dict(id="c", name="x", colour="red"),
                       "colour"), (dict(id="c", name="x", parent="nope"), "parent")):  # fmt: skip
        assert field in _refusal(site.call("editor", "POST", "/api/codes", json=bad), 422)
    site.call("editor", "POST", "/api/codes", json={"id": "first", "name": "First time",
                                                     "parent": "listened-to"})  # fmt: skip
    # Renamed and moved under an indicator: the guid stays.
    moved = site.call("editor", "PUT", "/api/codes/listened-to", json={
        **made.json(), "name": "Heard", "parent": "SO1.1"})  # fmt: skip
    assert moved.status_code == 200, moved.text
    assert (moved.json()["name"], moved.json()["parent"], moved.json()["guid"]) == (
        "Heard",
        "SO1.1",
        guid,
    )
    # Under its own child: a cycle, refused naming the parent.
    cycle = site.call("editor", "PUT", "/api/codes/listened-to", json={
        **moved.json(), "parent": "first"})  # fmt: skip
    assert "parent" in _refusal(cycle, 422)
    assert "id" in _refusal(site.call("editor", "PUT", "/api/codes/SO1.1", json={
        "name": "mine now"}), 422)  # fmt: skip
    assert (
        site.call("viewer", "POST", "/api/codes", json={"id": "v", "name": "v"}).status_code == 403
    )


def test_delete_is_refused_while_used_and_merge_moves_the_excerpts(site) -> None:
    for code in ("a", "b"):
        site.call("editor", "POST", "/api/codes", json={"id": code, "name": code.upper()})
    excerpt = site.code(site.ids["public"], "Everyone stayed for tea.", ["a", "b"])
    site.code(site.ids["anonymised"], "Everyone stayed for tea.", ["a"])
    refused = site.call("editor", "DELETE", "/api/codes/a")
    assert refused.status_code == 409 and "2 excerpt" in refused.json()["error"]["message"]
    merged = site.call("editor", "POST", "/api/codes/a/merge", json={"into": "b"})
    assert merged.status_code == 200 and merged.json()["excerpts"] == 2
    assert site.call("editor", "GET", "/api/codes/a").status_code == 404
    got = site.call("editor", "GET", f"/api/excerpts/{excerpt['id']}").json()
    assert got["codes"] == ["b"]
    assert "into" in _refusal(site.call("editor", "POST", "/api/codes/b/merge", json={
        "into": "b"}), 422)  # fmt: skip
    with Evidence(site.data_dir) as ev:
        audit = [r for r in ev.store.conn.execute("SELECT action, detail FROM audit")]
    assert ("code-merge", "a into b (2 excerpts)") in audit
    site.call("editor", "POST", "/api/codes", json={"id": "unused", "name": "Unused"})
    assert site.call("editor", "DELETE", "/api/codes/unused").status_code == 204


def test_a_passage_is_checked_and_nothing_is_saved_when_refused(site) -> None:
    record = site.ids["public"]
    start = BODY.index(INSIDE)
    good = {"start": start, "end": start + len(INSIDE), "text": INSIDE, "codes": ["SO1.1"]}
    table = [
        ({"text": INSIDE.upper()}, "text"),
        ({"start": -1}, "start"),
        ({"start": len(BODY) + 1}, "start"),
        ({"end": len(BODY) + 5}, "end"),
        ({"end": start, "text": ""}, "end"),
        ({"start": "3"}, "start"),
        ({"codes": ["no-such-code"]}, "codes"),
        ({"codes": ["SO1"]}, "codes"),
        ({"codes": []}, "codes"),
        ({"source": "attachment:1"}, "source"),
    ]
    for change, field in table:
        answer = site.call("editor", "POST", f"/api/records/{record}/excerpts",
                           json={**good, **change})  # fmt: skip
        fields = _refusal(answer, 422)
        assert field in fields, (change, fields)
        if change.get("codes"):
            assert change["codes"][0] in answer.json()["error"]["message"]
    assert site.call("editor", "GET", f"/api/records/{record}/excerpts").json()["excerpts"] == []
    before = site.call("editor", "GET", f"/api/records/{record}").json()
    # SO2.1 is not among the record's indicators: coding with it adds it, as a new revision.
    excerpt = site.code(record, INSIDE, ["SO2.1"], memo="the café listened")
    assert (excerpt["status"], excerpt["author"], excerpt["text"]) == ("exact", "editor", INSIDE)
    after = site.call("editor", "GET", f"/api/records/{record}").json()
    assert after["indicators"] == [*before["indicators"], "SO2.1"]
    assert after["revision"] == before["revision"] + 1
    assert BODY[excerpt["start"] : excerpt["end"]] == INSIDE


def test_a_viewer_sees_excerpts_as_the_record_with_positions_on_the_text_shown(site) -> None:
    site.call("editor", "POST", "/api/codes", json={"id": "voice", "name": "Voice"})
    excerpts = {c: site.code(site.ids[c], INSIDE, ["voice"], memo="Tom McKay's memo")
                for c in ("internal", "anonymised", "public")}  # fmt: skip
    # The team: every excerpt, words as written, memos.
    team = site.call("editor", "GET", "/api/excerpts?code=voice").json()
    assert team["total"] == 3 and all(e["memo"] for e in team["excerpts"])
    viewer = site.call("viewer", "GET", "/api/excerpts?code=voice").json()
    assert viewer["total"] == 2
    assert {e["record"]["id"] for e in viewer["excerpts"]} == {site.ids["anonymised"],
                                                                 site.ids["public"]}  # fmt: skip
    assert not any("memo" in e for e in viewer["excerpts"])
    codes = {
        c["id"]: c["excerpts"] for c in site.call("viewer", "GET", "/api/codes").json()["codes"]
    }
    assert codes["voice"] == 2
    internal = excerpts["internal"]["id"]
    assert site.call("viewer", "GET", f"/api/excerpts/{internal}").status_code == 404
    path = f"/api/records/{site.ids['internal']}/excerpts"
    assert site.call("viewer", "GET", path).status_code == 404
    # Anonymised: a name before the passage and names inside it are replaced; start and end
    # count on the body the viewer reads.
    shown = site.call("viewer", "GET", f"/api/excerpts/{excerpts['anonymised']['id']}").json()
    body = site.call("viewer", "GET", f"/api/records/{site.ids['anonymised']}").json()["body"]
    assert "Sarah" not in json.dumps(shown) and "McKay" not in json.dumps(shown)
    assert body[shown["start"] : shown["end"]] == shown["text"]
    assert shown["text"] == "Person B said the café listened to Person A for the first time."
    public = site.call("viewer", "GET", f"/api/excerpts/{excerpts['public']['id']}").json()
    assert public["text"] == INSIDE and "memo" not in public
    # Words are found in the text as the reader sees it.
    assert site.call("viewer", "GET", "/api/excerpts?q=mckay").json()["total"] == 1
    assert site.call("editor", "GET", "/api/excerpts?q=MCKAY").json()["total"] == 3


def test_a_soft_deleted_records_excerpts_are_hidden_with_it(site) -> None:
    record = site.ids["public"]
    excerpt = site.code(record, INSIDE, ["SO1.1"])
    assert site.call("editor", "DELETE", f"/api/records/{record}").status_code == 204
    for role in ("editor", "viewer"):
        assert site.call(role, "GET", f"/api/excerpts/{excerpt['id']}").status_code == 404
        assert site.call(role, "GET", "/api/excerpts?code=SO1").json()["total"] == 0
        codes = site.call(role, "GET", "/api/codes").json()["codes"]
        assert {c["id"]: c["excerpts"] for c in codes}["SO1.1"] == 0
    assert site.call("editor", "GET", "/api/search?q=code:SO1.1").json()["total"] == 0


def test_an_edit_keeps_excerpts_attached(site) -> None:
    record = site.ids["public"]
    kept = site.code(record, INSIDE, ["SO1.1"])
    gone = site.code(record, "Everyone stayed for tea.", ["SO1.1"])
    current = site.call("editor", "GET", f"/api/records/{record}").json()
    new_body = "A new first line.\n\n" + BODY.replace(" Everyone stayed for tea.", "")
    saved = site.call("editor", "PUT", f"/api/records/{record}", json={**current, "body": new_body})
    assert saved.status_code == 200, saved.text
    moved = site.call("editor", "GET", f"/api/excerpts/{kept['id']}").json()
    assert moved["status"] == "moved" and new_body[moved["start"] : moved["end"]] == INSIDE
    detached = site.call("editor", "GET", f"/api/excerpts/{gone['id']}").json()
    assert (detached["status"], detached["start"], detached["end"]) == ("detached", None, None)
    assert detached["text"] == "Everyone stayed for tea."


def test_a_passage_edited_out_of_its_record_is_the_teams_alone(site) -> None:
    # A passage naming Tom McKay; the editor then takes him and those words out of the record.
    record = site.ids["anonymised"]
    passage = site.code(record, INSIDE, ["SO1.1"])
    current = site.call("editor", "GET", f"/api/records/{record}").json()
    saved = site.call("editor", "PUT", f"/api/records/{record}", json={
        **current, "body": "Sarah Kerr came on Tuesday.", "people": ["Sarah Kerr"]})  # fmt: skip
    assert saved.status_code == 200, saved.text
    assert site.call("editor", "GET", f"/api/excerpts/{passage['id']}").json()["text"] == INSIDE
    # The viewer reads the record without those words: the passage's old words are not shown.
    assert site.call("viewer", "GET", f"/api/excerpts/{passage['id']}").status_code == 404
    listed = site.call("viewer", "GET", "/api/excerpts", params={"code": "SO1.1"}).json()
    assert listed["total"] == 0 and "McKay" not in json.dumps(listed)
    codes = {c["id"]: c for c in site.call("viewer", "GET", "/api/codes").json()["codes"]}
    assert codes["SO1.1"]["excerpts"] == 0
    page = site.call("viewer", "GET", f"/records/{record}").text
    assert "McKay" not in page and "Tom" not in page


def test_the_coder_filter_matches_the_coder_as_a_reader_is_shown_it(site) -> None:
    record = site.ids["anonymised"]
    current = site.call("editor", "GET", f"/api/records/{record}").json()
    answer = site.call("editor", "POST", f"/api/records/{record}/excerpts", json={
        "start": BODY.index(INSIDE), "end": BODY.index(INSIDE) + len(INSIDE), "text": INSIDE,
        "codes": ["SO1.1"]})  # fmt: skip
    assert answer.status_code == 201 and current
    coder = answer.json()["author"]
    # The coder is named in the record: a viewer is shown a label, and cannot match the name.
    saved = site.call("editor", "PUT", f"/api/records/{record}", json={
        **current, "people": [*PEOPLE, coder]})  # fmt: skip
    assert saved.status_code == 200, saved.text
    by_name = site.call("viewer", "GET", "/api/excerpts", params={"coder": coder}).json()
    assert by_name["total"] == 0
    shown = site.call("viewer", "GET", "/api/excerpts", params={"code": "SO1.1"}).json()
    label = shown["excerpts"][0]["author"]
    assert label != coder
    by_label = site.call("viewer", "GET", "/api/excerpts", params={"coder": label}).json()
    assert by_label["total"] == 1
    assert site.call("editor", "GET", "/api/excerpts", params={"coder": coder}).json()["total"] == 1


def test_code_in_search_finds_a_code_and_its_children(site) -> None:
    site.call("editor", "POST", "/api/codes", json={"id": "support", "name": "Support"})
    site.call("editor", "POST", "/api/codes", json={"id": "tea", "name": "Tea",
                                                     "parent": "support"})  # fmt: skip
    for consent in ("internal", "public"):
        site.code(site.ids[consent], "Everyone stayed for tea.", ["tea"])
    ids = lambda role, q: {h["id"] for h in site.call(role, "GET", "/api/search", params={  # noqa: E731
        "q": q}).json()["hits"]}  # fmt: skip
    assert ids("editor", "code:support") == {site.ids["internal"], site.ids["public"]}
    assert ids("editor", "code:tea") == {site.ids["internal"], site.ids["public"]}
    assert ids("viewer", "code:support") == {site.ids["public"]}
    assert ids("editor", "code:SO1") == set()
    excerpt = site.call("editor", "GET", "/api/excerpts?code=tea").json()["excerpts"][0]
    assert site.call("editor", "DELETE", f"/api/excerpts/{excerpt['id']}").status_code == 204
    assert len(ids("editor", "code:support")) == 1


def test_the_command_line_keeps_the_codebook_and_codes_passages(tmp_path) -> None:
    data_dir = tmp_path / "instance"
    ok(wm2u(data_dir, "init"))
    story = tmp_path / "story.md"
    story.write_text("---\ntype: family_story\ntitle: Tea\ndate: 2025-03-14\nconsent: public\n"
                     "indicators: [SO1.1]\nauthority: Dundee\nlocality: Lochee\n---\n"
                     "We were listened to. Then we were listened to again.\n")  # fmt: skip
    record = ok(wm2u(data_dir, "add", str(story))).stdout.strip()
    ok(wm2u(data_dir, "codes", "add", "heard", "--name", "Heard", "--colour", "#102030"))
    ok(wm2u(data_dir, "codes", "add", "again", "--name", "Again", "--parent", "heard"))
    twice = wm2u(data_dir, "code", record, "--text", "listened to", "--code", "again")
    assert (
        twice.returncode == 1 and "occurrence" in twice.stderr and "Traceback" not in twice.stderr
    )
    excerpt = ok(
        wm2u(
            data_dir,
            "code",
            record,
            "--text",
            "listened to",
            "--occurrence",
            "2",
            "--code",
            "again",
            "--memo",
            "the second time",
            "--coder",
            "GL",
        )
    ).stdout.strip()
    for args, field in ((("code", record, "--text", "nope", "--code", "again"), "text"),
                        (("code", record, "--text", "Then", "--code", "SO1"), "codes"),
                        (("codes", "move", "heard", "--parent", "again"), "parent"),
                        (("codes", "delete", "again"), "1 excerpt")):  # fmt: skip
        refused = wm2u(data_dir, *args)
        assert refused.returncode == 1 and field in refused.stderr, (args, refused.stderr)
    found = json.loads(ok(wm2u(data_dir, "excerpts", "--code", "heard", "--json")).stdout)
    assert found["total"] == 1
    (shown,) = found["excerpts"]
    assert (shown["id"], shown["start"], shown["text"], shown["author"], shown["memo"]) == (
        excerpt,
        34,
        "listened to",
        "GL",
        "the second time",
    )
    ok(wm2u(data_dir, "codes", "rename", "again", "Once more"))
    ok(wm2u(data_dir, "codes", "merge", "again", "--into", "heard"))
    codes = json.loads(ok(wm2u(data_dir, "codes", "list", "--json")).stdout)["codes"]
    assert {c["id"]: c["excerpts"] for c in codes}["heard"] == 1
    assert "again" not in {c["id"] for c in codes}
    # The plan's codes have the same guid in every data dir.
    other = tmp_path / "other"
    ok(wm2u(other, "init"))
    theirs = json.loads(ok(wm2u(other, "codes", "list", "--json")).stdout)["codes"]
    guids = lambda codes: {c["id"]: c["guid"] for c in codes if c["id"].startswith("SO")}  # noqa: E731
    assert guids(codes) == guids(theirs)
    assert ok(wm2u(data_dir, "search", "code:heard")).stdout.startswith(record)


def test_erasure_leaves_no_byte_of_the_records_excerpts_or_memos(tmp_path) -> None:
    data_dir = tmp_path / "instance"
    ok(wm2u(data_dir, "init"))
    secret = ("Qvzmorag grew Qvzparsnips beside the Qvzcanal lock every single Sunday "
              "morning with her two boys")  # fmt: skip
    with Evidence(data_dir) as ev:
        erased = ev.create(record_data(body=f"It began in spring. {secret}.", people=[],
                                       quotes=[], consent="public"), "test").id  # fmt: skip
        kept = ev.create(record_data(body="The café stayed open late.", people=[], quotes=[],
                                     consent="public"), "test").id  # fmt: skip
    from learning.coding import excerpts

    with Evidence(data_dir) as ev:
        start = ev.store.get(erased).body.index(secret)
        excerpts.code_passage(ev, erased, {"start": start, "end": start + len(secret),
                              "text": secret, "codes": ["SO1.1"],
                              "memo": "Qvzmemo: keep an eye on Qvzcanal"}, "GL")  # fmt: skip
        other = excerpts.code_passage(ev, kept, {"start": 0, "end": 9, "text": "The café ",
                                      "codes": ["SO1.1"],
                                      "memo": f"Like the other story: {secret}. Worth a look."},
                                      "GL")  # fmt: skip
    ok(wm2u(data_dir, "delete", erased, "--purge"))
    assert leftovers(data_dir, {"Qvzmorag", "Qvzparsnips", "Qvzcanal", "Qvzmemo"}) == {}
    found = json.loads(ok(wm2u(data_dir, "excerpts", "--json")).stdout)["excerpts"]
    assert [e["id"] for e in found] == [other["id"]]
    assert found[0]["memo"].startswith("Like the other story:")
    assert found[0]["memo"].endswith("Worth a look.")


def test_a_passage_coded_through_the_api_is_searched_at_once_and_check_is_clean(site) -> None:
    """Coding does not wait for the search index: the record's document is queued in the same
    write. The next search applies it first, and `wm2u check` meanwhile calls the queued work
    what it is (All is well, queued), not a fault, even where the coding added an indicator
    to the record (a new revision the index has not seen yet)."""
    record = site.ids["public"]
    answer = site.call("editor", "POST", f"/api/records/{record}/excerpts", json={
        "start": BODY.index(INSIDE), "end": BODY.index(INSIDE) + len(INSIDE), "text": INSIDE,
        "codes": ["SO2.1"]})  # fmt: skip
    assert answer.status_code == 201, answer.text
    assert "SO2.1" in site.call("editor", "GET", f"/api/records/{record}").json()["indicators"]
    checked = wm2u(site.data_dir, "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.startswith("All is well")
    found = site.call("viewer", "GET", "/api/search", params={"q": "code:SO2.1"}).json()
    assert [h["id"] for h in found["hits"]] == [record]
    assert ok(wm2u(site.data_dir, "check")).stdout.startswith("All is well.")
