"""Families tell their own stories (#24), through the served app: an editor's invitation and
its flyer's QR code, the form at /tell/TOKEN as a family with no login, what arrives (seen by
editors alone until accepted), the receipt's withdraw and delete, and the limits."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import os
import re
import sqlite3
import subprocess
import sys

import pytest
import requests

from evidence import accounts
from learning.services import DB_NAME, Evidence, initialise
from tests.web_helpers import CSRF_META, PASSWORD, make_app, served

TODAY = dt.date.today().isoformat()
HIDDEN = re.compile(r'name="csrf_token" value="([^"]+)"')
STORY = {
    "title": "Getting the keys",
    "body": "Sarah Kerr and I waited two years for a flat. Now Tom has his own room.",
    "what_changed": "We feel settled.",
    "consent": "anonymised",
    "people": "Sarah Kerr\nTom",
    "triad": "0.6,0.3,0.1",
    "slider1": "0.75",
    "slider2": "not-sure",
    "contact": "07700 900123",
}


class Site:
    """The served app with an editor, a viewer and an admin (tokens and logged-in sessions)."""

    def __init__(self, base: str, tokens: dict[str, str], data_dir) -> None:
        self.base, self.tokens, self.data_dir = base, tokens, data_dir
        self._browsers: dict[str, requests.Session] = {}

    def api(self, role: str, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"}
        return requests.request(method, self.base + path, headers=headers, timeout=60, **kwargs)

    def browser(self, role: str) -> requests.Session:
        if role not in self._browsers:
            session = requests.Session()
            page = session.get(self.base + "/login", timeout=60).text
            form = {"name": role, "password": PASSWORD, "csrf_token": CSRF_META.search(page)[1]}
            assert session.post(self.base + "/login", data=form, timeout=60).status_code == 200
            self._browsers[role] = session
        return self._browsers[role]

    def invite(self, **options) -> dict:
        body = {"prompt": "What changed for your family this year?", "locality": "Lochee",
                "indicators": ["SO1.1"], **options}  # fmt: skip
        answer = self.api("editor", "POST", "/api/invitations", json=body)
        assert answer.status_code == 201, answer.text
        return answer.json()

    def send(self, link: str, family: requests.Session | None = None, **fields):
        """A family opens the link and sends the form (no login)."""
        family = family or requests.Session()
        page = family.get(self.base + link, timeout=60)
        assert page.status_code == 200, page.status_code
        form = {**STORY, **fields, "csrf_token": HIDDEN.search(page.text)[1]}
        form = {k: v for k, v in form.items() if v is not None}
        return family.post(self.base + link, data=form, timeout=60)

    def db(self) -> sqlite3.Connection:
        return sqlite3.connect(self.data_dir / DB_NAME)


@pytest.fixture
def site(tmp_path):
    data_dir = tmp_path / "instance"
    initialise(data_dir)
    tokens = {}
    with Evidence(data_dir) as ev:
        for role in ("editor", "viewer", "admin"):
            accounts.add_user(ev.store, role, role, PASSWORD)
            tokens[role] = accounts.create_token(ev.store, role)
    app = make_app(data_dir, BASE_URL="https://wm2u.example.org", TELL_PER_ADDRESS_HOUR=5)
    with served(app) as base:
        yield Site(base, tokens, data_dir)


def _sent_id(site: Site) -> str:
    with site.db() as conn:
        return conn.execute("SELECT record_id FROM stories ORDER BY sent_at DESC").fetchone()[0]


def test_an_invitations_link_is_shown_once_and_its_flyers_qr_code_reads_back_to_it(site) -> None:
    import zxingcpp
    from PIL import Image

    made = site.invite(uses=3)
    assert re.fullmatch(r"/tell/[A-Za-z0-9_-]{43,}", made["link"])  # 256 random bits
    assert (made["uses"], made["used"], made["revoked"]) == (3, 0, False)
    assert made["expires"] == (dt.date.today() + dt.timedelta(days=90)).isoformat()
    listed = site.api("editor", "GET", "/api/invitations").json()["invitations"]
    assert [i["id"] for i in listed] == [made["id"]] and "link" not in listed[0]
    token = made["link"].rsplit("/", 1)[1]
    with site.db() as conn:  # only the token's hash is kept
        assert token not in repr(conn.execute("SELECT * FROM invitations").fetchall())

    editor = site.browser("editor")
    flyer = f"{site.base}/invitations/{made['id']}/flyer"
    png = editor.get(flyer, params={"token": token, "format": "png"}, timeout=60)
    assert png.headers["Content-Type"] == "image/png"
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
    assert [code.text for code in found] == ["https://wm2u.example.org" + made["link"]]
    page = editor.get(flyer, params={"token": token}, timeout=60)
    assert page.status_code == 200 and made["link"] in page.text
    # The printed flyer's code is an image (no markup trusted as HTML), and it reads back too.
    shown = re.search(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page.text)
    printed = zxingcpp.read_barcodes(Image.open(io.BytesIO(base64.b64decode(shown[1]))))
    assert [code.text for code in printed] == ["https://wm2u.example.org" + made["link"]]
    assert "flyer.css" in page.text  # @page size A5
    assert editor.get(flyer, params={"token": "wrong"}, timeout=60).status_code == 404
    assert site.api("viewer", "GET", "/api/invitations").status_code == 403

    bad = site.api("editor", "POST", "/api/invitations", json={"prompt": "x", "uses": 0})
    assert bad.status_code == 422 and "uses" in bad.json()["error"]["fields"]
    bad = site.api("editor", "POST", "/api/invitations", json={"prompt": "x", "indicators": ["X9"]})
    assert bad.status_code == 422 and "indicators" in bad.json()["error"]["fields"]


def test_a_familys_story_arrives_submitted_and_only_editors_see_it_until_accepted(site) -> None:
    made = site.invite()
    thanks = site.send(made["link"])
    assert thanks.status_code == 200 and "Thank you" in thanks.text
    receipt = re.search(r'href="([^"]*/my-story/[A-Za-z0-9_-]{43,})"', thanks.text)[1]
    story_id = _sent_id(site)

    story = site.api("editor", "GET", f"/api/records/{story_id}").json()
    assert (story["origin"], story["status"], story["consent"]) == ("family", "submitted",
                                                                   "anonymised")  # fmt: skip
    assert (story["date"], story["locality"], story["indicators"]) == (TODAY, "Lochee", ["SO1.1"])
    assert story["body"] == STORY["body"] and story["people"] == ["Sarah Kerr", "Tom"]
    assert story["fields"]["signification"] == {"triad": [0.6, 0.3, 0.1], "slider1": 0.75,
                                                "slider2": None}  # fmt: skip
    assert "07700" not in str(story)  # how to reach them is kept apart
    staff = site.api("editor", "POST", "/api/records", json={
        "type": "event", "title": "Gala", "date": TODAY, "consent": "public",
        "indicators": ["SO1.1"], "fields": {"scope": "local"}}).json()  # fmt: skip
    assert (staff["origin"], staff["status"]) == ("staff", None)

    # A viewer: not the record, the list, search, facets nor counts.
    assert site.api("viewer", "GET", f"/api/records/{story_id}").status_code == 404
    listed = site.api("viewer", "GET", "/api/records?type=family_story").json()
    assert listed["total"] == 0
    found = site.api("viewer", "GET", "/api/search?q=flat").json()
    assert found["total"] == 0 and not found["facets"]["type"].get("family_story")
    assert site.api("editor", "GET", "/api/search?q=flat").json()["total"] == 1
    assert "Getting the keys" not in site.browser("viewer").get(f"{site.base}/records").text
    queue = site.browser("editor").get(f"{site.base}/invitations/queue", timeout=60)
    assert "Getting the keys" in queue.text
    shown_page = site.browser("editor").get(f"{site.base}/records/{story_id}", timeout=60)
    assert "waiting for review" in shown_page.text
    assert "07700 900123" in shown_page.text  # how to reach them: the team's only
    assert site.browser("viewer").get(f"{site.base}/records/{story_id}").status_code == 404

    # Consent may be narrowed, never widened; accepting makes it evidence.
    widened = site.api("editor", "PUT", f"/api/records/{story_id}",
                       json={**story, "consent": "public"})  # fmt: skip
    assert widened.status_code == 422 and "consent" in widened.json()["error"]["fields"]
    accepted = site.api("editor", "PUT", f"/api/records/{story_id}",
                        json={**story, "status": "accepted"})  # fmt: skip
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    shown = site.api("viewer", "GET", f"/api/records/{story_id}").json()
    assert "Sarah Kerr" not in shown["body"] and "Person A" in shown["body"]
    assert site.api("viewer", "GET", "/api/search?q=flat").json()["total"] == 1
    viewers_page = site.browser("viewer").get(f"{site.base}/records/{story_id}", timeout=60)
    assert viewers_page.status_code == 200 and "07700" not in viewers_page.text
    assert receipt.startswith("https://wm2u.example.org/my-story/")
    assert requests.get(site.base + receipt.split(".org", 1)[1], timeout=60).status_code == 200

    with site.db() as conn:  # the audit names the invitation, never who sent it
        audit = conn.execute("SELECT actor, detail FROM audit WHERE action = 'story-sent'")
        assert audit.fetchall() == [("family", f"invitation {made['id']}")]
        everything = repr(conn.execute("SELECT * FROM records").fetchall())
        assert "127.0.0.1" not in everything


def test_a_submitted_story_with_no_indicators_needs_one_to_be_accepted(site) -> None:
    made = site.invite(indicators=[])
    assert site.send(made["link"]).status_code == 200
    story_id = _sent_id(site)
    story = site.api("editor", "GET", f"/api/records/{story_id}").json()
    assert story["indicators"] == []
    refused = site.api("editor", "PUT", f"/api/records/{story_id}",
                       json={**story, "status": "accepted"})  # fmt: skip
    assert refused.status_code == 422 and "indicators" in refused.json()["error"]["fields"]
    accepted = site.api("editor", "PUT", f"/api/records/{story_id}",
                        json={**story, "status": "accepted", "indicators": ["SO2.1"]})  # fmt: skip
    assert accepted.status_code == 200 and accepted.json()["indicators"] == ["SO2.1"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"consent": None}, "consent"),
        ({"triad": "0.6,0.6,0.1"}, "triad"),
        ({"slider1": "2"}, "slider1"),
        ({"body": "x" * 20_001}, "body"),
        ({"body": " "}, "body"),
    ],
)
def test_a_refused_send_answers_422_naming_the_problem_and_keeps_nothing(site, change, field):
    made = site.invite()
    refused = site.send(made["link"], **change)
    assert refused.status_code == 422
    assert f'href="#{field.replace("_", "-")}"' in refused.text  # the error summary links it
    assert 'aria-invalid="true"' in refused.text
    with site.db() as conn:
        assert conn.execute("SELECT count(*) FROM records").fetchone() == (0,)
        assert conn.execute("SELECT used FROM invitations").fetchone() == (0,)


def test_robots_csrf_and_closed_or_unknown_links(site) -> None:
    made = site.invite(uses=1)
    family = requests.Session()
    page = family.get(site.base + made["link"], timeout=60)
    no_csrf = family.post(site.base + made["link"], data=STORY, timeout=60)
    assert no_csrf.status_code == 400
    robot = site.send(made["link"], website="http://spam.example")
    assert robot.status_code == 200 and "/my-story/" not in robot.text
    with site.db() as conn:
        assert conn.execute("SELECT count(*) FROM records").fetchone() == (0,)
    assert page.status_code == 200 and site.send(made["link"]).status_code == 200
    used_up = requests.get(site.base + made["link"], timeout=60)
    assert used_up.status_code == 410 and "closed" in used_up.text
    assert "<script" not in used_up.text

    revoked = site.invite(uses=5)
    assert site.api("editor", "DELETE", f"/api/invitations/{revoked['id']}").status_code == 204
    assert requests.get(site.base + revoked["link"], timeout=60).status_code == 410
    expired = site.invite(expires="2020-01-01")
    assert requests.get(site.base + expired["link"], timeout=60).status_code == 410
    assert requests.get(f"{site.base}/tell/nothing-here", timeout=60).status_code == 404
    assert requests.get(f"{site.base}/my-story/nothing-here", timeout=60).status_code == 404


def test_sends_from_one_address_are_limited_and_page_views_are_not(site) -> None:
    made = site.invite(uses=20)
    family = requests.Session()
    for _ in range(8):
        assert family.get(site.base + made["link"], timeout=60).status_code == 200
    answers = [site.send(made["link"], family).status_code for _ in range(6)]
    assert answers == [200] * 5 + [429]


def test_the_receipt_withdraws_then_deletes_the_story(site) -> None:
    made = site.invite()
    thanks = site.send(made["link"], consent="public")
    receipt = re.search(r'href="[^"]*(/my-story/[A-Za-z0-9_-]+)"', thanks.text)[1]
    story_id = _sent_id(site)
    story = site.api("editor", "GET", f"/api/records/{story_id}").json()
    site.api("editor", "PUT", f"/api/records/{story_id}", json={**story, "status": "accepted"})
    update = site.api("editor", "POST", "/api/learning-updates", json={
        "from": TODAY[:4] + "-01-01", "to": TODAY[:4] + "-12-31", "audience": "external",
        "save": True, "featured": [story_id]}).json()["id"]  # fmt: skip
    assert "Getting the keys" in site.api("viewer", "GET", f"/api/records/{update}").text

    family = requests.Session()
    page = family.get(site.base + receipt, timeout=60)
    assert page.status_code == 200 and STORY["body"] in page.text
    assert "has read it" in page.text and "quoted in" in page.text
    form = {"action": "withdraw", "csrf_token": HIDDEN.search(page.text)[1]}
    withdrawn = family.post(site.base + receipt, data=form, timeout=60)
    assert withdrawn.status_code == 200 and "not to share it" in withdrawn.text
    assert site.api("viewer", "GET", f"/api/records/{story_id}").status_code == 404
    assert "Getting the keys" not in site.api("viewer", "GET", f"/api/records/{update}").text
    story = site.api("editor", "GET", f"/api/records/{story_id}").json()
    assert story["consent"] == "internal"
    again = site.api("editor", "PUT", f"/api/records/{story_id}",
                     json={**story, "consent": "anonymised"})  # fmt: skip
    assert again.status_code == 422 and "consent" in again.json()["error"]["fields"]

    form = {"action": "delete", "csrf_token": HIDDEN.search(withdrawn.text)[1]}
    assert family.post(site.base + receipt, data=form, timeout=60).status_code == 200
    assert site.api("editor", "GET", f"/api/records/{story_id}").status_code == 404
    assert family.get(site.base + receipt, timeout=60).status_code == 404
    with site.db() as conn:
        assert conn.execute("SELECT count(*) FROM story_contacts").fetchone() == (0,)
        assert "07700" not in repr(conn.execute("SELECT * FROM revisions").fetchall())


def _syllables(word: str) -> int:
    groups = re.findall(r"[aeiouy]+", word.lower())
    count = len(groups) - (1 if word.lower().endswith("e") and len(groups) > 1 else 0)
    return max(count, 1)


def flesch(text: str) -> float:
    """Flesch reading ease: 206.835 - 1.015 words/sentence - 84.6 syllables/word."""
    sentences = [s for s in re.split(r"[.?!:]+\s|\n", text) if re.search(r"[A-Za-z]", s)]
    words = re.findall(r"[A-Za-z']+", text)
    syllables = sum(_syllables(w) for w in words)
    return 206.835 - 1.015 * len(words) / len(sentences) - 84.6 * syllables / len(words)


def test_the_form_reads_easily(site) -> None:
    made = site.invite()
    page = requests.get(site.base + made["link"], timeout=60).text
    main = re.search(r"<main.*?</main>", page, re.S)[0]
    text = re.sub(r"<[^>]+>", "\n", main)
    text = "\n".join(line.strip() for line in text.splitlines() if line.strip())
    assert flesch(text) >= 70, flesch(text)  # "fairly easy" or easier


def test_wm2u_invite_prints_the_link_alone(tmp_path) -> None:
    data_dir = tmp_path / "instance"
    initialise(data_dir)
    run = [sys.executable, "-m", "learning", "--data-dir", str(data_dir), "invite"]
    made = subprocess.run([*run, "--prompt", "Tell us", "--locality", "Lochee", "--uses", "2"],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert re.fullmatch(r"/tell/[A-Za-z0-9_-]{43,}\n", made.stdout)
    bad = subprocess.run([*run, "--prompt", "Tell us", "--expires", "soon"],
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert bad.returncode == 1 and "expires" in bad.stderr and "Traceback" not in bad.stderr


def test_the_edit_form_narrows_a_familys_consent_but_never_widens_it(site) -> None:
    made = site.invite()
    site.send(made["link"])
    story_id = _sent_id(site)
    story = site.api("editor", "GET", f"/api/records/{story_id}").json()
    editor = site.browser("editor")
    page = editor.get(f"{site.base}/records/{story_id}/edit", timeout=60).text
    form = {
        "csrf_token": CSRF_META.search(page)[1], "revision": story["revision"],
        "title": story["title"], "date": story["date"], "authority": story["authority"],
        "locality": story["locality"], "body": story["body"], "people": "Sarah Kerr\nTom",
        "indicators": story["indicators"], "fields.what_changed": "We feel settled.",
    }  # fmt: skip
    url = f"{site.base}/records/{story_id}/edit"
    widened = editor.post(url, data={**form, "consent": "public"}, timeout=60)
    assert widened.status_code == 422 and "never widened" in widened.text
    narrowed = editor.post(url, data={**form, "consent": "internal"}, allow_redirects=False)
    assert narrowed.status_code == 302
    saved = site.api("editor", "GET", f"/api/records/{story_id}").json()
    assert (saved["consent"], saved["status"], saved["origin"]) == ("internal", "submitted",
                                                                   "family")  # fmt: skip
    assert saved["fields"]["signification"] == story["fields"]["signification"]  # kept
    first = site.api("editor", "GET", f"/api/records/{story_id}/revisions").json()
    assert STORY["body"] in str(first)  # the family's words as sent: the first revision


def test_a_submitted_story_without_indicators_exports_and_imports_back(site, tmp_path) -> None:
    made = site.invite(indicators=[])
    site.send(made["link"])
    story_id = _sent_id(site)
    story = site.api("editor", "GET", f"/api/records/{story_id}").json()
    staff = site.api("editor", "POST", "/api/records", json={
        "type": "event", "title": "Gala", "date": TODAY, "consent": "public",
        "indicators": ["SO1.1"], "fields": {"scope": "local"}}).json()  # fmt: skip
    sneaky = {**staff, "origin": "family", "status": "submitted", "indicators": []}
    refused = site.api("editor", "PUT", f"/api/records/{staff['id']}", json=sneaky)
    assert refused.status_code == 422 and "indicators" in refused.json()["error"]["fields"]

    other = tmp_path / "other"
    initialise(other)
    exported = tmp_path / "story.json"
    exported.write_text(json.dumps([story]), encoding="utf-8")
    run = [sys.executable, "-m", "learning", "--data-dir", str(other), "import", str(exported)]
    done = subprocess.run(run, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    with Evidence(other) as ev:
        back = ev.get(story_id)
        assert (back.origin, back.status, back.consent) == ("family", "submitted", "anonymised")
        assert ev.list(audience="external")[0] == 0  # still the team's alone


def test_invitations_page_reads_a_periods_stories_back_as_families_signified_them(site) -> None:
    made = site.invite(uses=4)
    site.send(made["link"])  # mostly our own effort; slider1 0.75 (fourth fifth)
    site.send(made["link"], triad="0.1,0.1,0.8", slider1="0")
    site.send(made["link"], triad="not-sure", slider1="not-sure")
    page = site.browser("editor").get(f"{site.base}/invitations", timeout=60).text
    assert "3 stories sent" in page
    triad = re.search(r"What made the difference\? Stories by.*?</table>", page, re.S)[0]
    assert re.findall(r"<td>(\d+)</td>", triad) == ["1", "0", "1", "1"]
    big = re.search(r"a very small change to a very big change.*?</table>", page, re.S)[0]
    assert re.findall(r"<td>(\d+)</td>", big) == ["1", "0", "0", "1", "0", "1"]
    # The picture is an image beside the tables that say the same (no markup put in the page).
    drawn = re.search(r'<img class="chart__image" src="data:image/svg\+xml;base64,([^"]+)"', page)
    assert "What made the difference?" in base64.b64decode(drawn[1]).decode()
    earlier = site.browser("editor").get(f"{site.base}/invitations?from=2020-01-01&to=2020-12-31")
    assert "0 stories sent" in earlier.text and "chart__image" not in earlier.text


def test_the_refi_qda_export_carries_a_storys_signification_as_numbers(site) -> None:
    import zipfile

    made = site.invite()
    site.send(made["link"], consent="public")
    story_id = _sent_id(site)
    story = site.api("editor", "GET", f"/api/records/{story_id}").json()
    site.api("editor", "PUT", f"/api/records/{story_id}", json={**story, "status": "accepted"})
    answer = site.api("editor", "GET", "/api/export.qdpx?audience=internal")
    assert answer.status_code == 200, answer.text[:300]
    qde = zipfile.ZipFile(io.BytesIO(answer.content)).read("project.qde").decode()
    assert re.search(r'name="triad_effort" typeOfVariable="Float"', qde)
    assert "<FloatValue>0.6</FloatValue>" in qde and "<FloatValue>0.75</FloatValue>" in qde


def test_a_bad_send_limit_stops_the_server_naming_the_setting(tmp_path) -> None:
    data_dir = tmp_path / "instance"
    initialise(data_dir)
    run = [sys.executable, "-m", "learning", "--data-dir", str(data_dir), "serve", "--port", "1"]
    env = {**os.environ, "WM2U_TELL_PER_ADDRESS_HOUR": "lots"}
    done = subprocess.run(run, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 1 and "WM2U_TELL_PER_ADDRESS_HOUR" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_receipt_says_where_a_panel_chose_the_story_and_why(site) -> None:
    made = site.invite()
    thanks = site.send(made["link"], consent="public")
    receipt = re.search(r'href="[^"]*(/my-story/[A-Za-z0-9_-]+)"', thanks.text)[1]
    story_id = _sent_id(site)
    story = site.api("editor", "GET", f"/api/records/{story_id}").json()
    site.api("editor", "PUT", f"/api/records/{story_id}", json={**story, "status": "accepted"})
    family = requests.Session()
    assert "most significant change" not in family.get(site.base + receipt, timeout=60).text
    year = TODAY[:4]
    round_ = site.api("editor", "POST", "/api/msc/rounds", json={
        "title": "Lochee panel", "period_from": f"{year}-01-01", "period_to": f"{year}-12-31",
        "question": "What was the most significant change?", "level": "locality",
        "domains": ["Family life"], "panel": [{"name": "Morag", "role": "family"},
                                              {"name": "Ian Reid", "role": "practitioner"}],
        "candidates": [{"record": story_id, "domain": "family-life"}]})  # fmt: skip
    assert round_.status_code == 201, round_.text
    rid = round_.json()["id"]
    chosen = site.api(
        "editor",
        "POST",
        f"/api/msc/rounds/{rid}/choices",
        json={
            "choices": [
                {
                    "domain": "family-life",
                    "record": story_id,
                    "reasons": "It shows a family finding a home through their own persistence.",
                }
            ]
        },
    )
    assert chosen.status_code == 200, chosen.text
    # While the round is open the family is not told; once it is closed they are, and why.
    assert "most significant change" not in family.get(site.base + receipt, timeout=60).text
    assert site.api("editor", "POST", f"/api/msc/rounds/{rid}/close").status_code == 200
    page = family.get(site.base + receipt, timeout=60).text
    assert "Chosen as the most significant change in Family life" in page
    assert "their own persistence" in page and "Morag" not in page
