"""Most Significant Change pages (#25) through the served app, without JavaScript: a round is
started, changed, its choices recorded and closed by posting the pages' own forms as a browser
would; bad input is named beside its field and changes nothing; a closed round answers a change
with a clear 409 page; viewers see closed rounds only, panel members as roles, never a story the
team alone may read; a chosen story's page says where, by whom and why it was chosen."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests

from evidence import accounts
from learning.services import Evidence, initialise
from tests.builders import record_data
from tests.test_hardening_support import ok, wm2u
from tests.web_helpers import CSRF_META, PASSWORD, make_app, served

REASONS = "Morag Baxter said it showed Ailsa Pennycook finding her voice at school again."
TEAM_WORDS = "Zebrafinch"  # in the team-only story's title and the reasons given for it


class FormFields(HTMLParser):
    """The fields a browser would send from the first form posting to ``action``."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside, self.done = action, False, False
        self.fields: list[tuple[str, str]] = []
        self._open: tuple[str, str, list[str]] | None = None  # tag, name, text or options

    def handle_starttag(self, tag, attrs) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("action") == self.action and not self.done
        if not self.inside:
            return
        name = a.get("name", "")
        if tag == "input" and name and a.get("type") != "submit":
            if a.get("type") not in ("radio", "checkbox") or "checked" in a:
                self.fields.append((name, a.get("value", "")))
        elif tag in ("textarea", "select") and name:
            self._open = (tag, name, [])
        elif tag == "option" and self._open is not None:
            if "selected" in a or not self._open[2]:
                self._open[2][:] = [a.get("value", "")]

    def handle_data(self, data) -> None:
        if self._open is not None and self._open[0] == "textarea":
            self._open[2].append(data)

    def handle_endtag(self, tag) -> None:
        if tag == "form":
            self.done, self.inside = self.done or self.inside, False
        if tag in ("textarea", "select") and self._open is not None:
            self.fields.append((self._open[1], "".join(self._open[2])))
            self._open = None


def form_of(page: str, action: str, **changes: str | list[str]) -> list[tuple[str, str]]:
    """The form's fields as the page has them, with some fields given new values."""
    parser = FormFields(action)
    parser.feed(page)
    assert parser.fields, f"no form posting to {action}"
    sent = [(k, v) for k, v in parser.fields if k not in changes]
    for name, value in changes.items():
        sent += [(name, v) for v in ([value] if isinstance(value, str) else value)]
    return sent


def visible(page: str) -> str:
    """The page's words as a reader sees them (no markup, no attribute values)."""
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", page).split()))


def assert_accessible(page: str) -> None:
    """Ids are unique, every label and in-page link finds its field, headings skip no level
    (the error summary's heading comes first, as in the GOV.UK pattern the pages follow)."""
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for target in re.findall(r'\sfor="([^"]+)"', page) + re.findall(r'href="#([^"]+)"', page):
        assert target in ids, target
    outline = re.sub(r'<div class="error-summary".*?</div>', "", page, flags=re.S)
    levels = [int(n) for n in re.findall(r"<h([1-6])[\s>]", outline)]
    assert levels[0] == 1 and all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False))


def _story(ev: Evidence, consent: str, title: str, **kw) -> str:
    data = record_data(type="family_story", date="2025-05-02", consent=consent, title=title,
                       quotes=[], fields={"family": "a family", "what_changed": "Mornings."},
                       **kw)  # fmt: skip
    return ev.create(data, "t").id


@pytest.fixture
def site(tmp_path):
    data_dir = tmp_path / "instance"
    initialise(data_dir)
    with Evidence(data_dir) as ev:
        ids = {
            "public": _story(
                ev,
                "public",
                "Breakfast together again",
                people=[],
                body="We ate breakfast together.",
            ),  # fmt: skip
            "anon": _story(
                ev,
                "anonymised",
                "Ailsa went back to school",
                people=["Ailsa Pennycook"],
                body="Ailsa Pennycook went back.",
            ),  # fmt: skip
            "internal": _story(
                ev,
                "internal",
                f"{TEAM_WORDS} team only story",
                people=[],
                body=f"{TEAM_WORDS} words.",
            ),  # fmt: skip
        }
        for role in ("editor", "viewer"):
            accounts.add_user(ev.store, role, role, PASSWORD)
    with served(make_app(data_dir)) as base:
        yield Site(base, ids, data_dir)


class Site:
    """The served app and a browser-like session per role, logged in through the form."""

    def __init__(self, base: str, ids: dict[str, str], data_dir: Path) -> None:
        self.base, self.ids, self.data_dir, self.sessions = base, ids, data_dir, {}

    def browser(self, role: str) -> requests.Session:
        if role not in self.sessions:
            session = requests.Session()
            page = session.get(self.base + "/login", timeout=30).text
            token = CSRF_META.search(page).group(1)
            answer = session.post(self.base + "/login", allow_redirects=False, timeout=30,
                                  data={"name": role, "password": PASSWORD, "csrf_token": token})  # fmt: skip
            assert answer.status_code == 302
            self.sessions[role] = session
        return self.sessions[role]

    def get(self, role: str, path: str) -> requests.Response:
        return self.browser(role).get(self.base + path, timeout=60, allow_redirects=False)

    def post(self, role: str, path: str, fields: list[tuple[str, str]]) -> requests.Response:
        return self.browser(role).post(self.base + path, data=fields, timeout=60,
                                       allow_redirects=False)  # fmt: skip

    def api(self, role: str, path: str) -> dict:
        answer = self.browser(role).get(f"{self.base}/api{path}", timeout=60)
        assert answer.status_code == 200, answer.text
        return answer.json()


NEW_ROUND = {"title": "Lochee panel, spring", "period_from": "2025-04-01",
             "period_to": "2025-06-30", "question": "What was the most significant change?",
             "domains": "Family life", "level": "locality",
             "panel.name": ["Morag Baxter", "Ian Reid", "Fiona Kerr"],
             "panel.role": ["family", "practitioner", "practitioner"]}  # fmt: skip


def start_round(site: Site, **changes) -> str:
    """A round started through the /msc form; its id."""
    page = site.get("editor", "/msc").text
    answer = site.post("editor", "/msc", form_of(page, "/msc", **{**NEW_ROUND, **changes}))
    assert answer.status_code == 302, visible(answer.text)[:800]
    return answer.headers["Location"].rsplit("/", 1)[1]


def put_forward(site: Site, rid: str, stories: list[str]) -> None:
    """The round's candidates ticked on its change form, each in "Family life"."""
    page = site.get("editor", f"/msc/{rid}").text
    domains = {f"domain.{site.ids[s]}": "family-life" for s in stories}
    fields = form_of(page, f"/msc/{rid}/change", candidates=[site.ids[s] for s in stories],
                     **domains)  # fmt: skip
    answer = site.post("editor", f"/msc/{rid}/change", fields)
    assert answer.status_code == 302, visible(answer.text)[:800]


def test_a_round_runs_end_to_end_through_the_forms_alone(site: Site) -> None:
    rid = start_round(site)
    shown = site.get("editor", f"/msc/{rid}")
    assert shown.status_code == 200
    assert (
        "Morag Baxter" in shown.text and "Not met: fewer families than practitioners" in shown.text
    )
    assert f'href="/msc/{rid}/pack"' in shown.text and f"/msc/{rid}/pack?format=docx" in shown.text
    put_forward(site, rid, ["public", "anon"])
    page = site.get("editor", f"/msc/{rid}").text
    assert "1. Breakfast together again" in page or "Breakfast together again" in page
    assert_accessible(page)
    fields = form_of(page, f"/msc/{rid}/choices")  # the first domain's form: Family life
    assert ("domain", "family-life") in fields
    sent = [(k, v) for k, v in fields if k not in ("record", "reasons", "told_by", "read_back")]
    sent += [("record", site.ids["anon"]), ("reasons", REASONS), ("told_by", "Ailsa Pennycook"),
             ("read_back", "true")]  # fmt: skip
    answer = site.post("editor", f"/msc/{rid}/choices", sent)
    assert answer.status_code == 302, visible(answer.text)[:800]
    page = site.get("editor", f"/msc/{rid}").text
    closing = site.post("editor", f"/msc/{rid}/close", form_of(page, f"/msc/{rid}/close"))
    assert closing.status_code == 302
    round_ = site.api("editor", f"/msc/rounds/{rid}")
    assert round_["state"] == "closed"
    assert [c["record"] for c in round_["candidates"]] == [site.ids["public"], site.ids["anon"]]
    assert round_["choices"][0]["record"] == site.ids["anon"]
    assert round_["choices"][0]["reasons"] == REASONS and round_["choices"][0]["read_back"]
    after = site.get("editor", f"/msc/{rid}").text
    assert "Because " + REASONS in visible(after)
    assert f"/msc/{rid}/choices" not in after  # no forms once closed


def test_a_change_after_closing_is_a_clear_409_page_and_changes_nothing(site: Site) -> None:
    rid = start_round(site)
    put_forward(site, rid, ["public"])
    page = site.get("editor", f"/msc/{rid}").text
    choice_form = form_of(page, f"/msc/{rid}/choices", record=site.ids["public"],
                          reasons=REASONS)  # fmt: skip
    change_form = form_of(page, f"/msc/{rid}/change", title="Renamed after closing")
    site.post("editor", f"/msc/{rid}/close", form_of(page, f"/msc/{rid}/close"))
    for path, fields in (("choices", choice_form), ("change", change_form), ("close", [])):
        token = [("csrf_token", CSRF_META.search(page).group(1))]
        answer = site.post("editor", f"/msc/{rid}/{path}", fields or token)
        assert answer.status_code == 409, path
        assert "This round is closed: nothing in it changes any more." in answer.text
    round_ = site.api("editor", f"/msc/rounds/{rid}")
    assert round_["title"] == "Lochee panel, spring" and round_["choices"] == []


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"period_from": "someday"}, "period-from", "period_from"),
        ({"title": ""}, "title", "title"),
        ({"panel.role": ["family", "", ""]}, "panel", "member 2's role"),
        ({"period_to": "2025-01-01"}, "period-to", "is before period_from"),
    ],
)
def test_a_bad_new_round_is_named_beside_its_field_and_nothing_is_saved(
    site: Site, changes, field, message
) -> None:
    page = site.get("editor", "/msc").text
    answer = site.post("editor", "/msc", form_of(page, "/msc", **{**NEW_ROUND, **changes}))
    assert answer.status_code == 422
    assert f'id="{field}-error"' in answer.text and f'href="#{field}"' in answer.text
    assert message in visible(answer.text) and "Traceback" not in answer.text
    assert_accessible(answer.text)
    assert "Morag Baxter" in answer.text  # what was typed is shown again
    assert site.api("editor", "/msc/rounds")["rounds"] == []


def test_choices_without_reasons_or_with_a_story_not_put_forward_are_refused(site: Site) -> None:
    rid = start_round(site)
    put_forward(site, rid, ["public"])
    page = site.get("editor", f"/msc/{rid}").text
    short = site.post("editor", f"/msc/{rid}/choices",
                      form_of(page, f"/msc/{rid}/choices", record=site.ids["public"],
                              reasons="Because."))  # fmt: skip
    assert short.status_code == 422
    assert 'id="choice-family-life-reasons-error"' in short.text
    assert "full sentences" in short.text
    assert_accessible(short.text)
    stranger = site.post("editor", f"/msc/{rid}/choices",
                         form_of(page, f"/msc/{rid}/choices", record=site.ids["anon"],
                                 reasons=REASONS, votes="many"))  # fmt: skip
    assert stranger.status_code == 422 and "is not a candidate" in stranger.text
    elsewhere = site.post("editor", f"/msc/{rid}/choices",
                          form_of(page, f"/msc/{rid}/choices", domain="no-such-domain",
                                  reasons=REASONS))  # fmt: skip
    assert elsewhere.status_code == 422
    assert "domain: choice 1: no domain 'no-such-domain' here" in visible(elsewhere.text)
    assert site.api("editor", f"/msc/rounds/{rid}")["choices"] == []


def test_viewers_see_closed_rounds_only_with_roles_and_never_the_teams_story(site: Site) -> None:
    draft = start_round(site, title="A draft round", state="draft")
    open_ = start_round(site, title="An open round")
    family = start_round(site)
    put_forward(site, family, ["anon"])
    choice = form_of(site.get("editor", f"/msc/{family}").text, f"/msc/{family}/choices",
                     record=site.ids["anon"], reasons=REASONS)  # fmt: skip
    assert site.post("editor", f"/msc/{family}/choices", choice).status_code == 302
    team = start_round(
        site,
        title="Team panel",
        **{"panel.name": ["Ian Reid", "", ""], "panel.role": ["practitioner", "", ""]},
    )
    put_forward(site, team, ["internal"])
    choice = form_of(site.get("editor", f"/msc/{team}").text, f"/msc/{team}/choices",
                     record=site.ids["internal"], reasons=f"The {TEAM_WORDS} story moved us all.")  # fmt: skip
    assert site.post("editor", f"/msc/{team}/choices", choice).status_code == 302
    for rid in (family, team):
        page = site.get("editor", f"/msc/{rid}").text
        site.post("editor", f"/msc/{rid}/close", form_of(page, f"/msc/{rid}/close"))
    listing = site.get("viewer", "/msc").text
    assert "A draft round" not in listing and "An open round" not in listing
    assert "Team panel" in listing and "New round" not in listing
    for rid in (draft, open_):
        assert site.get("viewer", f"/msc/{rid}").status_code == 404
    pages = [listing] + [site.get("viewer", f"/msc/{rid}").text for rid in (family, team)]
    for page in pages:
        assert_accessible(page)
        assert not {"Morag", "Ian Reid", "Fiona Kerr", "Ailsa"} & set(
            re.findall(r"Morag|Ian Reid|Fiona Kerr|Ailsa", page)
        )
        assert TEAM_WORDS not in page
        assert f"/msc/{family}/choices" not in page and "/pack" not in page
    assert "a family on the panel said it showed" in pages[1]
    shown_by_api = site.api("viewer", f"/msc/rounds/{family}")["choices"][0]["reasons"]
    assert "Because " + shown_by_api in visible(pages[1])  # one reading path: page as API
    assert "The story chosen here is shown to the team alone." in pages[2]
    assert "went back to school" in visible(listing)  # the view over time, names replaced
    assert site.get("viewer", "/msc/NOPE").status_code == 404


def test_a_chosen_storys_page_says_where_by_whom_and_why(site: Site) -> None:
    rid = start_round(site)
    put_forward(site, rid, ["anon"])
    page = site.get("editor", f"/msc/{rid}").text
    fields = form_of(page, f"/msc/{rid}/choices", record=site.ids["anon"], reasons=REASONS)
    assert site.post("editor", f"/msc/{rid}/choices", fields).status_code == 302
    record = f"/records/{site.ids['anon']}"
    assert "Chosen as the most significant change" not in site.get("viewer", record).text
    team = visible(site.get("editor", record).text)
    assert ("Chosen as the most significant change in Family life by Lochee panel, spring "
            "(locality) on ") in team and "because " + REASONS in team  # fmt: skip
    site.post("editor", f"/msc/{rid}/close", form_of(page, f"/msc/{rid}/close"))
    theirs = visible(site.get("viewer", record).text)
    assert "Chosen as the most significant change in Family life" in theirs
    assert "a family on the panel said it showed" in theirs
    assert "Pennycook" not in theirs and "Morag" not in theirs


def test_a_lower_round_shows_what_the_level_above_chose_from_its_choices(site: Site) -> None:
    authority = start_round(site, title="Dundee authority panel", level="authority")
    locality = start_round(site, parent=authority)
    put_forward(site, locality, ["public", "anon"])
    page = site.get("editor", f"/msc/{locality}").text
    fields = form_of(page, f"/msc/{locality}/choices", record=site.ids["public"], reasons=REASONS)
    assert site.post("editor", f"/msc/{locality}/choices", fields).status_code == 302
    above = site.get("editor", f"/msc/{authority}").text
    assert "chosen by Lochee panel, spring" in visible(above)  # offered from the round below
    put_forward(site, authority, ["public"])
    page = site.get("editor", f"/msc/{authority}").text
    why = "The authority panel saw a whole family eating together for the first time."
    fields = form_of(page, f"/msc/{authority}/choices", record=site.ids["public"], reasons=why)
    assert site.post("editor", f"/msc/{authority}/choices", fields).status_code == 302
    lower = visible(site.get("editor", f"/msc/{locality}").text)
    assert "What the level above chose from these choices" in lower
    assert "in Family life by Dundee authority panel (authority)" in lower and why in lower


def test_an_erased_chosen_story_keeps_its_place_on_the_pages_without_its_words(site: Site) -> None:
    rid = start_round(site)
    put_forward(site, rid, ["anon"])
    page = site.get("editor", f"/msc/{rid}").text
    fields = form_of(page, f"/msc/{rid}/choices", record=site.ids["anon"], reasons=REASONS)
    assert site.post("editor", f"/msc/{rid}/choices", fields).status_code == 302
    site.post("editor", f"/msc/{rid}/close", form_of(page, f"/msc/{rid}/close"))
    ok(wm2u(site.data_dir, "delete", site.ids["anon"], "--purge"))
    for role in ("editor", "viewer"):
        shown = site.get(role, f"/msc/{rid}").text
        assert "a story since erased" in visible(shown)
        assert "Pennycook" not in shown and f"/records/{site.ids['anon']}" not in shown
        assert "went back to school" not in site.get(role, "/msc").text
