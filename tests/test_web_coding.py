"""Coding on a record's page (#21 item 8), through the served app (waitress) and a real login.

Without JavaScript an editor codes checked sentences (a run of them in a paragraph as one
passage), each refusal named by its field with nothing coded, never without the CSRF token;
coded passages are marked in the text with their code's colour and a label naming the codes,
overlapping ones too; a viewer sees them with names replaced, positions on the text shown and
no memo; an editor deletes one from the page. The pure pieces (sentences, the marked text) are
checked with Hypothesis.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence import accounts
from evidence.consent import redact_text
from learning.services import Evidence, initialise
from learning.web.coding import marked_text, sentences
from tests.builders import record_data
from tests.web_helpers import CSRF_META, PASSWORD, make_app, served

PEOPLE = ["Sarah Kerr"]
BODY = (
    "Sarah Kerr came to the café 😀 on Tuesday. She said it was the first time anyone "
    "listened! Everyone stayed for tea.\n\nThe next week Sarah Kerr brought her sister. "
    "They want a group of their own."
)
FIRST, SECOND, THIRD, FOURTH, FIFTH = (
    "Sarah Kerr came to the café 😀 on Tuesday.",
    "She said it was the first time anyone listened!",
    "Everyone stayed for tea.",
    "The next week Sarah Kerr brought her sister.",
    "They want a group of their own.",
)


class Site:
    """The served app, the seeded records and a logged-in session per role."""

    def __init__(self, base: str, data_dir: Path, ids: dict[str, str]) -> None:
        self.base, self.data_dir, self.ids = base, data_dir, ids
        self.sessions: dict[str, requests.Session] = {}

    def as_(self, role: str) -> requests.Session:
        if role not in self.sessions:
            session = requests.Session()
            token = CSRF_META.search(session.get(self.base + "/login", timeout=60).text)
            answer = session.post(self.base + "/login", timeout=60, data={
                "name": role, "password": PASSWORD, "csrf_token": token.group(1)})  # fmt: skip
            assert answer.status_code == 200 and not answer.url.endswith("/login")
            self.sessions[role] = session
        return self.sessions[role]

    def page(self, role: str, record: str) -> str:
        answer = self.as_(role).get(f"{self.base}/records/{record}", timeout=60)
        assert answer.status_code == 200, answer.status_code
        return answer.text

    def api(self, role: str, method: str, path: str, **kwargs) -> requests.Response:
        session = self.as_(role)
        token = CSRF_META.search(session.get(self.base + "/", timeout=60).text).group(1)
        return session.request(method, self.base + path, timeout=60,
                               headers={"X-CSRFToken": token}, **kwargs)  # fmt: skip

    def excerpts(self, record: str) -> list[dict]:
        return self.api("editor", "GET", f"/api/records/{record}/excerpts").json()["excerpts"]

    def code(self, record: str, words: str, codes: list[str], memo: str | None = None) -> dict:
        start = BODY.index(words)
        answer = self.api("editor", "POST", f"/api/records/{record}/excerpts", json={
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
        for consent in ("internal", "anonymised"):
            ids[consent] = ev.create(record_data(
                title=f"Tea at the café ({consent})", consent=consent, people=PEOPLE, body=BODY,
                quotes=[], fields={}, tags=[]), "test").id  # fmt: skip
        for role in ("editor", "viewer"):
            accounts.add_user(ev.store, role, role, PASSWORD)
    with served(make_app(data_dir)) as base:
        yield Site(base, data_dir, ids)


class Marked(HTMLParser):
    """The coding text of a record's page: the text of its runs, where each run says it is,
    the words inside each passage's mark, and the label after each passage."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.text, self.runs_at = "", []
        self.passages: dict[str, str] = {}
        self.labels: dict[str, str] = {}
        self.codes: dict[str, str] = {}
        self.stack: list[tuple[str, dict]] = []
        self.inside = False
        found = re.search(r'<div class="coding-text" id="coding-text".*?</div>', page, re.S)
        assert found, "no coding text on the page"
        self.feed(found.group())

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.stack.append((tag, attrs))
        if tag == "mark":
            self.passages.setdefault(attrs["data-excerpt"], "")
            self.labels.setdefault(attrs["data-excerpt"], "")
            self.codes[attrs["data-excerpt"]] = attrs["data-code"]
        if tag == "span" and "data-at" in attrs:
            self.runs_at.append((int(attrs["data-at"]), len(self.text)))

    def handle_endtag(self, tag):
        self.stack.pop()

    def handle_data(self, data):
        marks = [a["data-excerpt"] for t, a in self.stack if t == "mark"]
        in_run = any("data-at" in a for t, a in self.stack if t == "span")
        in_label = any("passage__label" in a.get("class", "") for t, a in self.stack)
        if in_run:
            self.text += data
            for excerpt in marks:
                self.passages[excerpt] += data
        elif in_label and marks:
            self.labels[marks[-1]] += data


def _sentence_values(page: str) -> dict[str, str]:
    """The sentences offered as checkboxes: their words → the value the form sends."""
    found = re.findall(r'name="sentences" type="checkbox" value="([^"]+)"[^>]*>\s*'
                       r'<label[^>]*>([^<]*)</label>', page)  # fmt: skip
    return {unescape(text): value for value, text in found}


def _form(page: str, **values) -> dict:
    fingerprint = re.search(r'<input type="hidden" name="text" value="([^"]+)">', page).group(1)
    token = CSRF_META.search(page).group(1)
    return {"csrf_token": token, "text": fingerprint, **values}


def test_without_javascript_checked_sentences_are_coded(site) -> None:
    record = site.ids["internal"]
    page = site.page("editor", record)
    offered = _sentence_values(page)
    assert list(offered) == [FIRST, SECOND, THIRD, FOURTH, FIFTH]
    chosen = [offered[SECOND], offered[THIRD], offered[FOURTH]]
    answer = site.as_("editor").post(f"{site.base}/records/{record}/code", timeout=60,
                                     data=_form(page, sentences=chosen, code="SO1.1",
                                                memo="Heard at last"))  # fmt: skip
    assert answer.status_code == 200 and answer.history[0].status_code == 302  # PRG
    assert "2 passages coded." in answer.text
    coded = sorted(site.excerpts(record), key=lambda e: e["start"])
    # The second and third sentences run on: one passage; the fourth is a new paragraph.
    assert [e["text"] for e in coded] == [f"{SECOND} {THIRD}", FOURTH]
    for excerpt in coded:
        assert BODY[excerpt["start"] : excerpt["end"]] == excerpt["text"]
        assert (excerpt["codes"], excerpt["memo"], excerpt["author"]) == (
            ["SO1.1"],
            "Heard at last",
            "editor",
        )
    marked = Marked(answer.text)
    assert marked.text == BODY
    assert sorted(marked.passages.values()) == sorted(e["text"] for e in coded)


@pytest.mark.parametrize(
    "change, field",
    [
        ({"sentences": []}, "sentences"),
        ({"sentences": ["0-3"]}, "sentences"),  # not a sentence of the text
        ({"text": "0" * 16}, "sentences"),  # the text changed since the page was made
        ({"code": ""}, "code"),
        ({"code": "SO1"}, "code"),  # an objective only groups codes
        ({"code": "no-such-code"}, "code"),
        ({"memo": "x" * 20_001}, "memo"),
    ],
)
def test_a_refused_form_names_its_field_and_codes_nothing(site, change, field) -> None:
    record = site.ids["internal"]
    page = site.page("editor", record)
    data = _form(page, sentences=[_sentence_values(page)[FIRST]], code="SO1.1", memo="")
    answer = site.as_("editor").post(f"{site.base}/records/{record}/code", timeout=60,
                                     data={**data, **change})  # fmt: skip
    assert answer.status_code == 422
    summary = re.search(r'<div class="error-summary".*?</div>', answer.text, re.S).group()
    assert re.findall(r'href="#([a-z-]+)"', summary) == [field]
    assert f'id="{field}-error"' in answer.text
    assert site.excerpts(record) == []


def test_coding_needs_the_forms_csrf_token_and_an_editor(site) -> None:
    record = site.ids["anonymised"]
    page = site.page("editor", record)
    data = _form(page, sentences=[_sentence_values(page)[FIRST]], code="SO1.1")
    del data["csrf_token"]
    answer = site.as_("editor").post(f"{site.base}/records/{record}/code", data=data, timeout=60)
    assert answer.status_code == 400
    viewer_page = site.page("viewer", record)
    assert 'id="coding-form"' not in viewer_page and 'name="sentences"' not in viewer_page
    data["csrf_token"] = CSRF_META.search(viewer_page).group(1)
    answer = site.as_("viewer").post(f"{site.base}/records/{record}/code", data=data, timeout=60)
    assert answer.status_code == 403
    assert site.excerpts(record) == []


def test_passages_are_marked_with_their_codes_colour_and_a_label(site) -> None:
    made = site.api("editor", "POST", "/api/codes", json={
        "id": "listened-to", "name": "Listened to", "colour": "#1d70b8"})  # fmt: skip
    assert made.status_code == 201
    record = site.ids["internal"]
    outer = site.code(record, f"{SECOND} {THIRD}", ["listened-to", "SO1.1"], memo="Why")
    inner = site.code(record, "first time anyone listened", ["SO1.1"])
    crossing = site.code(record, f"{THIRD}\n\nThe next week", ["listened-to"])
    page = site.page("editor", record)
    marked = Marked(page)
    assert marked.text == BODY
    assert all(at == offset for at, offset in marked.runs_at)
    # Overlapping and crossing passages each keep all their words, and each has its label.
    for excerpt in (outer, inner, crossing):
        assert marked.passages[excerpt["id"]] == excerpt["text"]
    assert "Listened to" in marked.labels[outer["id"]] and "SO1.1" in marked.labels[outer["id"]]
    assert "coded" in marked.labels[inner["id"]] and "SO1.1" in marked.labels[inner["id"]]
    assert marked.codes[crossing["id"]] == "listened-to"
    # The colour comes from a stylesheet of the page's own origin (the CSP allows no inline style).
    link = re.search(r'<link rel="stylesheet" href="(/records/[^"]+\.css)">', page).group(1)
    css = site.as_("editor").get(site.base + link, timeout=60)
    assert css.headers["Content-Type"].startswith("text/css")
    assert '[data-code="listened-to"] { --code-colour: #1D70B8; }' in css.text
    listed = re.search(r'id="coded-passages-list">.*?</ol>', page, re.S).group()
    assert listed.count('class="passage-list__item"') == 3 and "Why" in listed


def test_a_viewer_sees_passages_with_names_replaced_and_no_memo(site) -> None:
    record = site.ids["anonymised"]
    site.code(record, FIRST, ["SO1.1"], memo="MEMO-TEAM-ONLY")
    site.code(record, "Sarah Kerr brought her sister", ["SO1.2"])
    page = site.page("viewer", record)
    assert "Sarah" not in page and "Kerr" not in page and "MEMO-TEAM-ONLY" not in page
    marked = Marked(page)
    shown_body = redact_text(BODY, PEOPLE)
    assert marked.text == shown_body
    shown = site.api("viewer", "GET", f"/api/records/{record}/excerpts").json()["excerpts"]
    for excerpt in shown:  # positions on the text the viewer sees
        assert marked.passages[excerpt["id"]] == shown_body[excerpt["start"] : excerpt["end"]]
    assert "Delete" not in page
    # A record the viewer may not read shows nothing of its passages.
    site.code(site.ids["internal"], FIRST, ["SO1.1"], memo="MEMO-TEAM-ONLY")
    hidden = site.as_("viewer").get(f"{site.base}/records/{site.ids['internal']}", timeout=60)
    assert hidden.status_code == 404 and "MEMO-TEAM-ONLY" not in hidden.text


def test_an_editor_deletes_a_passage_and_sees_one_to_check(site) -> None:
    record = site.ids["internal"]
    kept = site.code(record, FIFTH, ["SO1.1"])
    gone = site.code(record, THIRD, ["SO1.1"], memo="to go")
    page = site.page("editor", record)
    token = CSRF_META.search(page).group(1)
    elsewhere = site.as_("editor").post(
        f"{site.base}/records/{site.ids['anonymised']}/excerpts/{gone['id']}/delete",
        data={"csrf_token": token}, timeout=60)  # fmt: skip
    assert elsewhere.status_code == 404  # not that record's passage
    answer = site.as_("editor").post(f"{site.base}/records/{record}/excerpts/{gone['id']}/delete",
                                     data={"csrf_token": token}, timeout=60)  # fmt: skip
    assert answer.status_code == 200 and "The passage has been deleted" in answer.text
    assert [e["id"] for e in site.excerpts(record)] == [kept["id"]]
    # An edit that takes its words away leaves it detached, flagged for an editor.
    current = site.api("editor", "GET", f"/api/records/{record}").json()
    changed = site.api("editor", "PUT", f"/api/records/{record}", json={
        **current, "body": BODY.replace(FIFTH, "")})  # fmt: skip
    assert changed.status_code == 200, changed.text
    page = site.page("editor", record)
    assert "Check: its words are no longer in the text" in page


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab .!?\n😀é”"), max_size=60))
def test_every_word_is_in_one_sentence_at_its_place(body) -> None:
    found = sentences(body)
    covered = set()
    for sentence in found:
        assert body[sentence.start : sentence.end] == sentence.text
        assert sentence.text == sentence.text.strip() and "\n" not in sentence.text
        covered.update(range(sentence.start, sentence.end))
    assert [s.start for s in found] == sorted(s.start for s in found)
    assert all(i in covered for i, ch in enumerate(body) if not ch.isspace())


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_the_marked_text_holds_every_passage_whole(data) -> None:
    body = data.draw(st.text(alphabet=st.sampled_from("ab <&>\n😀"), min_size=1, max_size=40))
    shown = []
    for n in range(data.draw(st.integers(0, 5))):
        start = data.draw(st.integers(0, len(body) - 1))
        end = data.draw(st.integers(start + 1, len(body)))
        shown.append({"id": f"e{n}", "start": start, "end": end, "codes": ["c"]})
    shown.append({"id": "detached", "start": None, "end": None, "codes": ["c"]})
    marked = Marked(
        f'<div class="coding-text" id="coding-text">{marked_text(body, shown, {})}</div>'
    )
    assert marked.text == body
    for excerpt in shown[:-1]:
        assert marked.passages[excerpt["id"]] == body[excerpt["start"] : excerpt["end"]]
        assert marked.labels[excerpt["id"]].count("c") == 2  # "(coded c)" once
    assert "detached" not in marked.passages


def test_sentences_run_on_past_titles_and_abbreviations(site) -> None:
    body = ("Mrs. Kerr met Dr. Reid at St. Mary's hall, e.g. on Tuesdays. Then tea.\n"
            "Ask Mr.\nLine two.")  # fmt: skip
    made = site.api("editor", "POST", "/api/records", json=record_data(
        body=body, people=PEOPLE, quotes=[], fields={}, tags=[]))  # fmt: skip
    assert made.status_code == 201, made.text
    offered = _sentence_values(site.page("editor", made.json()["id"]))
    # A line break still ends a sentence, whatever comes before it.
    assert list(offered) == ["Mrs. Kerr met Dr. Reid at St. Mary's hall, e.g. on Tuesdays.",
                             "Then tea.", "Ask Mr.", "Line two."]  # fmt: skip


def _change(site: Site, record: str, excerpt: str, **form) -> requests.Response:
    page = site.page("editor", record)
    data = {"csrf_token": CSRF_META.search(page).group(1), **form}
    return site.as_("editor").post(f"{site.base}/records/{record}/excerpts/{excerpt}/change",
                                   data=data, timeout=60)  # fmt: skip


def test_without_javascript_an_editor_changes_a_passages_codes_and_memo(site) -> None:
    record = site.ids["internal"]
    coded = site.code(record, SECOND, ["SO1.1"], memo="First thoughts")
    page = site.page("editor", record)
    assert f'action="/records/{record}/excerpts/{coded["id"]}/change"' in page
    assert "SO1.2" not in re.search(r'id="record-indicators">.*?</dd>', page, re.S).group()
    answer = _change(site, record, coded["id"], codes=["SO1.1", "SO1.2"], memo="Heard at last")
    assert answer.status_code == 200 and answer.history[0].status_code == 302  # PRG
    [saved] = site.excerpts(record)
    assert (saved["codes"], saved["memo"], saved["text"]) == (
        ["SO1.1", "SO1.2"],
        "Heard at last",
        SECOND,
    )
    # The indicator the passage added to the record is on the page it comes back to.
    indicators = re.search(r'id="record-indicators">.*?</dd>', answer.text, re.S).group()
    assert "SO1.2" in indicators
    # A refusal names its field on the passage's own form, and changes nothing.
    for form, field in (({"codes": [], "memo": "x"}, "codes"),
                        ({"codes": ["SO1"], "memo": "x"}, "codes"),
                        ({"codes": ["SO1.1"], "memo": "x" * 20_001}, "memo")):  # fmt: skip
        refused = _change(site, record, coded["id"], **form)
        assert refused.status_code == 422
        assert f'id="{field}-{coded["id"]}-error"' in refused.text
        assert site.excerpts(record) == [saved]
    elsewhere = _change(site, site.ids["anonymised"], coded["id"], codes=["SO1.1"])
    assert elsewhere.status_code == 404  # not that record's passage
    viewer = site.as_("viewer")
    token = CSRF_META.search(viewer.get(f"{site.base}/", timeout=60).text).group(1)
    denied = viewer.post(f"{site.base}/records/{site.ids['anonymised']}/excerpts/"
                         f"{coded['id']}/change", data={"csrf_token": token, "codes": ["SO1.1"]},
                         timeout=60)  # fmt: skip
    assert denied.status_code == 403 and site.excerpts(record) == [saved]


def test_without_javascript_an_editor_recodes_and_deletes_a_detached_passage(site) -> None:
    record = site.ids["internal"]
    coded = site.code(record, FIFTH, ["SO1.1"], memo="Before the edit")
    current = site.api("editor", "GET", f"/api/records/{record}").json()
    changed = site.api("editor", "PUT", f"/api/records/{record}", json={
        **current, "body": BODY.replace(FIFTH, "")})  # fmt: skip
    assert changed.status_code == 200, changed.text
    assert site.excerpts(record)[0]["status"] == "detached"
    answer = _change(site, record, coded["id"], codes=["SO1.2"], memo="")
    assert answer.status_code == 200, answer.text
    [saved] = site.excerpts(record)
    assert (saved["codes"], saved["memo"], saved["status"], saved["text"]) == (
        ["SO1.2"], None, "detached", FIFTH)  # fmt: skip
    token = CSRF_META.search(answer.text).group(1)
    deleted = site.as_("editor").post(
        f"{site.base}/records/{record}/excerpts/{coded['id']}/delete",
        data={"csrf_token": token}, timeout=60)  # fmt: skip
    assert deleted.status_code == 200 and site.excerpts(record) == []


def test_coding_with_script_swaps_in_the_fresh_indicators(site) -> None:
    """coding.js reads the page again after coding and swaps these parts in: each must be on
    the page, the record's indicators among them (coding may add one)."""
    script = (Path(__file__).resolve().parents[1] / "static" / "coding.js").read_text()
    swapped = re.search(r'\[("record-indicators"[^\]]*)\]\.forEach', script)
    assert swapped, "coding.js does not refresh the record's indicators"
    page = site.page("editor", site.ids["internal"])
    for part in re.findall(r'"([a-z-]+)"', swapped.group(1)):
        assert f'id="{part}"' in page, part
