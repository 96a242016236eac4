"""Saved learning updates, through the served app and the command line (issue #20, round 3).

A saved update is made again from one request kept with it (period, audience, objectives, key
messages, featured stories, annex): its record's body, page, API answer and search entry, and
the documents downloaded from it, say the same thing, and never more than its sources allow
today. Its audience decides who may read it.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests

from evidence import accounts
from learning.services import Evidence
from tests.builders import record_data
from tests.test_hardening_support import ok, wm2u
from tests.web_helpers import PASSWORD, make_app, served

pytest_plugins = ["tests.web_fixtures"]

YEAR = {"from": "2025-01-01", "to": "2025-12-31"}
EVIDENCE = re.compile(r"Evidence:\W*(\d+) records? this period; (\d+) in the previous period")
SECTIONS = re.compile(r"^## Objective (SO\d+)", re.M)


class Site:
    """The app served by waitress over a copy of the seeded data dir; a token per role."""

    def __init__(self, base: str, data_dir: Path, tokens: dict[str, str]) -> None:
        self.base, self.data_dir, self.tokens = base, data_dir, tokens
        self._browsers: dict[str, requests.Session] = {}

    def call(self, role: str, method: str, path: str, **kwargs) -> requests.Response:
        """The API with the role's bearer token; a page as the role, logged in."""
        if not path.startswith("/api/"):
            return self.browser(role).request(method, self.base + path, timeout=60, **kwargs)
        headers = {"Authorization": f"Bearer {self.tokens[role]}"}
        return requests.request(method, self.base + path, headers=headers, timeout=60, **kwargs)

    def browser(self, role: str) -> requests.Session:
        """A session logged in through the login form, as a person in a browser."""
        if role not in self._browsers:
            session = requests.Session()
            page = session.get(self.base + "/login", timeout=60).text
            token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
            answer = session.post(self.base + "/login", timeout=60, data={
                "name": role, "password": PASSWORD, "csrf_token": token})  # fmt: skip
            assert answer.status_code == 200 and "/login" not in answer.url, answer.url
            self._browsers[role] = session
        return self._browsers[role]

    def record(self, role: str = "editor", **changes) -> str:
        answer = self.call(role, "POST", "/api/records", json=record_data(**changes))
        assert answer.status_code == 201, answer.text[:500]
        return answer.json()["id"]

    def put(self, record_id: str, **changes) -> requests.Response:
        current = self.call("editor", "GET", f"/api/records/{record_id}").json()
        return self.call("editor", "PUT", f"/api/records/{record_id}", json={**current, **changes})

    def save(self, audience: str, **options) -> str:
        body = {**YEAR, "audience": audience, "save": True, **options}
        answer = self.call("editor", "POST", "/api/learning-updates", json=body)
        assert answer.status_code == 201, answer.text[:500]
        return answer.json()["id"]

    def reads(self, role: str, update_id: str) -> dict[str, str]:
        """What a reader can read of a saved update: its page, API answer and document."""
        page = self.call(role, "GET", f"/records/{update_id}")
        record = self.call(role, "GET", f"/api/records/{update_id}")
        document = self.call(role, "GET", f"/api/learning-updates/{update_id}?format=md")
        assert (page.status_code, record.status_code, document.status_code) == (200, 200, 200)
        return {"page": page.text, "body": record.json()["body"], "document": document.text,
                "fields": record.json()["fields"]}  # fmt: skip

    def found(self, role: str, query: str) -> list[str]:
        answer = self.call(role, "GET", "/api/search", params={"q": query, "per_page": 100})
        assert answer.status_code == 200, answer.text[:300]
        return [hit["id"] for hit in answer.json()["hits"]]


@pytest.fixture
def site(data_copy: Path):
    with Evidence(data_copy) as ev:
        tokens = {role: accounts.create_token(ev.store, role) for role in ("editor", "viewer")}
    app = make_app(data_copy)
    with served(app) as base:
        yield Site(base, data_copy, tokens)


def visible_text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def evidence_line(text: str) -> tuple[int, int]:
    """(this period, previous period) of the first indicator with evidence (SO1.1 here)."""
    found = EVIDENCE.search(visible_text(text))
    assert found, text[:3000]
    return int(found.group(1)), int(found.group(2))


# --- 6: the previous period is counted with the audience's rules now ----------------------


@pytest.mark.parametrize("change", ["internal", "soft-delete", "erase"])
def test_a_saved_external_update_stops_counting_an_earlier_record_now_withheld(site, change):
    earlier = [
        site.record(title=f"Earlier kestrel story {n}", date=f"2024-06-0{n}", people=[])
        for n in (1, 2)
    ]
    update_id = site.save("external")
    before = site.reads("viewer", update_id)
    assert {evidence_line(text) for text in before.values() if isinstance(text, str)} == {(1, 2)}
    if change == "internal":
        assert site.put(earlier[0], consent="internal").status_code == 200
    elif change == "soft-delete":
        assert site.call("editor", "DELETE", f"/api/records/{earlier[0]}").status_code == 204
    else:
        ok(wm2u(site.data_dir, "delete", earlier[0], "--purge"))
    for role in ("viewer", "editor"):
        after = site.reads(role, update_id)
        for where in ("page", "body", "document"):
            assert evidence_line(after[where]) == (1, 1), (role, where)
    # The search entry is the update as it reads now.
    hits = site.call("viewer", "GET", "/api/search", params={"q": "compared"}).json()["hits"]
    [entry] = [" ".join(visible_text(h["highlight"]).split()) for h in hits if h["id"] == update_id]
    assert "compared with 1 in the previous" in entry, entry


def test_a_record_logged_later_in_the_previous_period_changes_no_saved_update(site):
    site.record(title="Earlier kestrel story", date="2024-06-01", people=[])
    update_id = site.save("external")
    site.record(title="A story logged late", date="2024-06-02", people=[])
    after = site.reads("viewer", update_id)
    assert {evidence_line(after[w]) for w in ("page", "body", "document")} == {(1, 1)}


# --- 7: withdrawn records are neither cited nor linked -----------------------------------


def test_a_withdrawn_record_leaves_a_saved_updates_citations_and_links(site, seed):
    kept, withdrawn, deleted = (
        site.record(title=f"Ptarmigan story {n}", date=f"2025-04-0{n}", people=[])
        for n in (1, 2, 3)
    )
    update_id = site.save("external", featured=[withdrawn, deleted])
    saved = site.reads("viewer", update_id)["fields"]
    assert {kept, withdrawn, deleted, seed.anonymised} <= set(saved["cites"])
    assert saved["featured"] == [withdrawn, deleted]
    assert site.put(withdrawn, consent="internal").status_code == 200
    assert site.call("editor", "DELETE", f"/api/records/{deleted}").status_code == 204
    for role in ("viewer", "editor"):
        read = site.reads(role, update_id)
        assert kept in read["fields"]["cites"], role
        assert "featured" not in read["fields"], role
        for gone in (withdrawn, deleted):
            assert gone not in read["fields"]["cites"], role
            assert f"/records/{gone}" not in read["page"], role
    # A record restored is cited again: the update shows what its sources allow now.
    ok(wm2u(site.data_dir, "restore", deleted))
    assert deleted in site.reads("viewer", update_id)["fields"]["cites"]


# --- 9: an update's audience decides who may read it --------------------------------------


def test_an_internal_update_stays_the_teams_whatever_its_consent(site):
    update_id = site.save("internal")
    assert site.call("viewer", "GET", f"/api/records/{update_id}").status_code == 404
    wider = site.put(update_id, consent="anonymised")
    assert wider.status_code == 422 and "consent" in wider.json()["error"]["fields"]
    current = site.call("editor", "GET", f"/api/records/{update_id}").json()
    republished = site.put(
        update_id, consent="anonymised", fields={**current["fields"], "audience": "external"}
    )
    assert republished.status_code == 422, republished.text[:300]
    assert "fields.audience" in republished.json()["error"]["fields"]
    assert site.call("editor", "GET", f"/api/records/{update_id}").json()["revision"] == 1
    for path in (f"/api/records/{update_id}", f"/api/learning-updates/{update_id}",
                 f"/records/{update_id}"):  # fmt: skip
        assert site.call("viewer", "GET", path).status_code == 404, path
    listed = site.call("viewer", "GET", "/api/learning-updates").json()
    assert update_id not in [r["id"] for r in listed["records"]]
    assert update_id not in site.found("viewer", "Zebrafinch")
    assert update_id in site.found("editor", "Zebrafinch")


class _Form(HTMLParser):
    """The fields a browser would send from a page's record form, as it stands."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._open: tuple[str, list[str]] | None = None  # a textarea or select being read
        self._selected = ""

    def handle_starttag(self, tag, attrs) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name", "")
        if tag == "input" and name:
            if a.get("type") not in ("radio", "checkbox") or "checked" in a:
                self.fields.append((name, a.get("value", "")))
        elif tag in ("textarea", "select") and name:
            self._open, self._selected = (name, []), ""
        elif tag == "option" and self._open is not None:
            if "selected" in a or not self._selected:
                self._selected = a.get("value", "")

    def handle_data(self, data) -> None:
        if self._open is not None:
            self._open[1].append(data)

    def handle_endtag(self, tag) -> None:
        if tag in ("textarea", "select") and self._open is not None:
            name, text = self._open
            self.fields.append((name, html.unescape("".join(text)) if tag == "textarea"
                                else self._selected))  # fmt: skip
            self._open = None


def test_an_internal_update_is_refused_a_wider_consent_on_its_edit_form(site):
    update_id = site.save("internal")
    browser = site.browser("editor")
    form = _Form()
    form.feed(browser.get(f"{site.base}/records/{update_id}/edit").text)
    sent = [(k, v) for k, v in form.fields if k != "consent"] + [("consent", "anonymised")]
    answer = browser.post(f"{site.base}/records/{update_id}/edit", data=sent)
    assert answer.status_code == 422, answer.text[:500]
    assert "team" in visible_text(answer.text)
    assert site.call("viewer", "GET", f"/api/records/{update_id}").status_code == 404


def test_an_internal_update_an_earlier_version_widened_is_the_teams_again(data_copy: Path):
    with Evidence(data_copy) as ev:
        tokens = {role: accounts.create_token(ev.store, role) for role in ("editor", "viewer")}
        update = ev.learning_update(
            YEAR["from"], YEAR["to"], "internal", save=True, actor="editor"
        ).record
    # As an earlier version let an editor leave it, in the database file itself.
    import sqlite3

    db = sqlite3.connect(data_copy / "wm2u.db")
    with db:
        db.execute("UPDATE records SET consent = 'anonymised' WHERE id = ?", [update.id])
    db.close()
    with served(make_app(data_copy)) as base:
        site = Site(base, data_copy, tokens)
        for path in (f"/api/records/{update.id}", f"/api/learning-updates/{update.id}"):
            assert site.call("viewer", "GET", path).status_code == 404, path
        assert update.id not in site.found("viewer", "Zebrafinch")
        assert site.call("editor", "GET", f"/api/records/{update.id}").status_code == 200


# --- 13: a saved update keeps the objectives it was made for -------------------------------


@pytest.mark.parametrize("objectives", [[], ["SO2", "SO3"]])
def test_a_saved_update_keeps_its_objectives_when_made_again(site, tmp_path, objectives):
    cited = site.record(
        title="Osprey story", date="2025-04-01", indicators=["SO2.1"], activities=[], people=[]
    )
    args = [f"--objective={code}" for code in objectives]
    made = ok(wm2u(site.data_dir, "learning-update", "--from", YEAR["from"], "--to", YEAR["to"],
                   "--audience", "external", *args, "--format", "md",
                   "--out", str(tmp_path / "update.md"), "--save"))  # fmt: skip
    update_id = made.stdout.strip()
    wanted = objectives or ["SO1", "SO2", "SO3", "SO4"]
    read = site.reads("viewer", update_id)
    for where in ("body", "document"):
        assert SECTIONS.findall(read[where]) == wanted, where
    assert read["fields"]["objectives"] == wanted
    assert SECTIONS.findall((tmp_path / "update.md").read_text(encoding="utf-8")) == wanted
    # A change to a record it cites makes it again: with the same objectives.
    assert site.put(cited, title="Osprey story, renamed").status_code == 200
    again = site.reads("viewer", update_id)
    assert "renamed" in again["body"]
    for where in ("body", "document"):
        assert SECTIONS.findall(again[where]) == wanted, where
    assert again["body"] == again["document"]


# --- erasure still reaches a record an update no longer cites ------------------------------


def test_erasing_a_record_withdrawn_from_a_saved_update_leaves_no_byte_behind(tmp_path):
    from tests.test_hardening_erasure import leftovers, secrets_of, versions

    data_dir = tmp_path / "instance"
    ok(wm2u(data_dir, "init"))
    story = versions("qzw")[0]
    with Evidence(data_dir) as ev:
        record = ev.create(story, "t")
        update = ev.learning_update(YEAR["from"], YEAR["to"], "external", save=True, actor="t")
        assert "qzwalphatitle" in ev.store.get(update.record.id).body
        ev.update(record.id, {**ev.store.get(record.id).to_dict(), "consent": "internal"}, "t")
        assert "qzwalphatitle" not in ev.store.get(update.record.id).body
    assert leftovers(data_dir, secrets_of([story]))
    ok(wm2u(data_dir, "delete", record.id, "--purge"))
    assert leftovers(data_dir, secrets_of([story])) == {}


# --- one request, read alike by every front door -----------------------------------------


@pytest.mark.parametrize(
    ("args", "body", "key"),
    [
        (["--from", "2025-06-30", "--to", "2025-01-01"],
         {"from": "2025-06-30", "to": "2025-01-01"}, "to"),
        (["--from", "2025-01-01", "--to", "2025-12-31", "--objective", "SO9"],
         {**YEAR, "objectives": ["SO9"]}, "objectives"),
        (["--from", "2025-01-01", "--to", "2025-12-31", "--featured", "no-such-record"],
         {**YEAR, "featured": ["no-such-record"]}, "featured"),
    ],
)  # fmt: skip
def test_the_command_line_and_the_api_refuse_a_bad_request_alike(site, tmp_path, args, body, key):
    out = tmp_path / "update.md"
    refused = wm2u(site.data_dir, "learning-update", *args, "--format", "md", "--out", str(out),
                   "--save")  # fmt: skip
    answer = site.call("editor", "POST", "/api/learning-updates", json={**body, "save": True})
    assert answer.status_code == 422, answer.text[:300]
    problem = answer.json()["error"]["fields"][key]
    assert refused.returncode == 1 and f"{key}: {problem}" in refused.stderr, refused.stderr
    assert not out.exists()
    assert site.call("editor", "GET", "/api/learning-updates").json()["total"] == 0
