"""Names outside the team, through the app served by waitress (issue #20, findings 3-5).

A viewer reads anonymised records whose people are written as handles, run together, with
digits glued on, without an apostrophe or with a modifier-letter one: no form reaches the
record page, the API, search (hits, highlights, suggestions), an external learning update or
a rating. A masked name moves no score, and the author filter matches the author as shown.
"""

from __future__ import annotations

import re

import pytest
import requests

from evidence import accounts
from evidence.ratings import add_rating
from learning.services import Evidence, initialise
from tests.builders import record_data
from tests.test_hardening_erasure import leftovers
from tests.test_hardening_support import ok, wm2u
from tests.web_helpers import PASSWORD, make_app, served

PEOPLE = ["Ailsa Pennycook", "Tom McKay", "Siobhan O'Brien"]
# Every way the story writes them; each holds one of FORMS.
SPELLINGS = (
    "#AilsaPennycook, #AilsaP, facebook.com/AilsaPennycook, @TomMcKay, TMcKay, "
    "tommckay82@example.org, the OBrien family, Ailsa\u02bcs and Pennycook\u02bcs words, "
    "Ailsa\u00adPennycook and Ailsa\u2060Pennycook"
)
FORMS = ("ailsa", "pennycook", "mckay", "brien")
QUERIES = ("AilsaPennycook", "tommckay82", "OBrien", "AilsaP", "TMcKay", "Pennycookʼs", "Pennycok")
CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
PLAIN = {"author": "GL", "quotes": [], "tags": [], "fields": {"family": "", "what_changed": ""}}


def _story(ev: Evidence, **data) -> str:
    return ev.create(record_data(date="2025-03-14", **{**PLAIN, **data}), "t").id


def _stock(ev: Evidence) -> dict[str, str]:
    ids = {}
    for name in ("Fairweather", "Macallister"):  # two stories differing only in who is named
        ids[name] = _story(ev, title="A garden story", people=[f"Morven {name}"],
                           body=f"Morven {name} spoke about the lupinorra garden.")  # fmt: skip
    ids["public"] = _story(ev, title="Cycling club", consent="public", people=[],
                           body="The fairweather cyclists rode out together.")  # fmt: skip
    ids["author"] = _story(ev, title="Notes from the club", people=["Morven Balfour"],
                           author="Morven Balfour", body="A calm morning at the club.")  # fmt: skip
    ids["spelt"] = _story(
        ev, title="#AilsaPennycook at the quinceberry café", people=PEOPLE,
        body=f"At the quinceberry café: {SPELLINGS}.", quotes=[f"We were heard. {SPELLINGS}"],
        fields={"family": "the OBrien family", "what_changed": f"Confidence. {SPELLINGS}"},
    )  # fmt: skip
    add_rating(ev.store, ev.framework, {
        "indicator": "SO1.1", "period_from": "2025-01-01", "period_to": "2025-06-30",
        "progress": "developing", "confidence": "medium", "records": [ids["spelt"]],
        "rationale": f"The quinceberry café story: {SPELLINGS}.",
    }, "t")  # fmt: skip
    update = ev.learning_update("2025-01-01", "2025-06-30", "external", save=True, actor="t")
    ids["update"] = update.record.id
    ev.sync_index(wait=10)
    return ids


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The stocked data dir served by waitress: (base address, ids, tokens by role)."""
    data_dir = tmp_path_factory.mktemp("names") / "instance"
    initialise(data_dir)
    with Evidence(data_dir) as ev:
        for role in ("editor", "viewer"):
            accounts.add_user(ev.store, role, role, PASSWORD)
        tokens = {role: accounts.create_token(ev.store, role) for role in ("editor", "viewer")}
        ids = _stock(ev)
    app = make_app(data_dir)
    with served(app) as base:
        yield base, ids, tokens


def _api(site, role: str, path: str, **params):
    base, _, tokens = site
    answer = requests.get(base + path, params=params, timeout=30,
                          headers={"Authorization": f"Bearer {tokens[role]}"})  # fmt: skip
    assert answer.status_code == 200, (path, answer.text[:500])
    return answer


def _viewer_browser(site) -> requests.Session:
    base = site[0]
    browser = requests.Session()
    token = CSRF.search(browser.get(base + "/login", timeout=30).text).group(1)
    answer = browser.post(base + "/login", timeout=30, allow_redirects=False,
                          data={"name": "viewer", "password": PASSWORD, "csrf_token": token})  # fmt: skip
    assert answer.status_code == 302
    return browser


def _no_form(text: str, where: str) -> None:
    low = text.casefold()
    left = [form for form in FORMS if form in low]
    assert not left, (where, left)


def _scores(site, role: str, query: str) -> list[tuple[str, float]]:
    found = _api(site, role, "/api/search", q=query).json()["hits"]
    return [(hit["id"], hit["score"]) for hit in found]


def test_a_masked_name_moves_no_score_for_a_viewer(site) -> None:
    """Finding 3: the story naming Fairweather must not score higher for a viewer who adds
    ``fairweather`` to the query; an editor still finds and ranks by it."""
    ids = site[1]
    pair = {ids["Fairweather"], ids["Macallister"]}
    alone = [h for h in _scores(site, "viewer", "lupinorra") if h[0] in pair]
    both = [h for h in _scores(site, "viewer", "lupinorra OR fairweather") if h[0] in pair]
    assert len(alone) == 2 and alone[0][1] == alone[1][1]
    assert both == alone, "the masked name changed the viewer's scores or order"
    staff = dict(_scores(site, "editor", "lupinorra OR fairweather"))
    assert staff[ids["Fairweather"]] > staff[ids["Macallister"]]
    # The word's statistics leave the masked name out too: for a viewer "fairweather" is in
    # one record of those they may read, so it weighs more than for the team, who see two.
    viewer = _scores(site, "viewer", "fairweather")
    assert [h[0] for h in viewer] == [ids["public"]]
    staff = dict(_scores(site, "editor", "fairweather"))
    assert set(staff) == {ids["public"], ids["Fairweather"]}
    assert viewer[0][1] > staff[ids["public"]]


def test_the_author_filter_matches_the_author_as_a_viewer_is_shown_it(site) -> None:
    """Finding 4: a hidden author is "Person A" to a viewer, in the record and in filters."""
    ids = site[1]
    shown = _api(site, "viewer", f"/api/records/{ids['author']}").json()
    assert shown["author"] == "Person A"
    hidden = _api(site, "viewer", "/api/search", q='author:"Morven Balfour"').json()
    assert hidden["total"] == 0, hidden
    as_shown = _api(site, "viewer", "/api/search", q='author:"Person A"').json()
    assert ids["author"] in {h["id"] for h in as_shown["hits"]}
    staff = _api(site, "editor", "/api/search", q='author:"Morven Balfour"').json()
    assert [h["id"] for h in staff["hits"]] == [ids["author"]]
    page = _viewer_browser(site).get(site[0] + "/search", params={"q": 'author:"Morven Balfour"'})
    assert "No records found" in page.text


def test_no_spelling_of_a_name_reaches_a_viewer(site) -> None:
    """Finding 5: the record page and API, search, the external update and the rating."""
    base, ids = site[0], site[1]
    browser = _viewer_browser(site)
    page = browser.get(f"{base}/records/{ids['spelt']}", timeout=30)
    assert page.status_code == 200 and "Person A" in page.text
    _no_form(page.text, "record page")
    _no_form(_api(site, "viewer", f"/api/records/{ids['spelt']}").text, "record API")
    for query in QUERIES:
        answer = _api(site, "viewer", "/api/search", q=query).json()
        assert answer["total"] == 0, query
        _no_form(str(answer["suggestion"]), f"suggestion for {query}")
        found = browser.get(base + "/search", params={"q": query}, timeout=30).text
        assert "No records found" in found, query
        after_form = found.split('class="search-form"', 1)[1].split("</form>", 1)[1]
        _no_form(after_form, f"search page for {query}")
    hits = _api(site, "viewer", "/api/search", q="quinceberry").json()
    assert ids["spelt"] in {h["id"] for h in hits["hits"]}
    _no_form(str(hits), "search hits and highlights")
    update = ids["update"]
    for path in (f"/api/records/{update}", f"/api/learning-updates/{update}?format=md"):
        text = _api(site, "viewer", path).text
        assert "quinceberry" in text.casefold(), path  # the story is in the update
        _no_form(text, path)
    _no_form(browser.get(f"{base}/records/{update}", timeout=30).text, "update page")
    ratings = _api(site, "viewer", "/api/indicators/SO1.1/ratings").text
    assert "quinceberry" in ratings
    _no_form(ratings, "ratings")
    # The team reads them as written.
    staff = _api(site, "editor", "/api/search", q="AilsaPennycook").json()
    assert [h["id"] for h in staff["hits"]] == [ids["spelt"]]


@pytest.mark.slow
def test_erasure_leaves_no_spelling_of_the_names_behind(tmp_path) -> None:
    """``wm2u delete --purge`` scrubs the run-together and handle forms from the rating and
    the citing update too, and nothing of them is left in the data folder."""
    data_dir = tmp_path / "instance"
    ok(wm2u(data_dir, "init"))
    with Evidence(data_dir) as ev:
        ids = _stock(ev)
    assert leftovers(data_dir, {"ailsapennycook", "tommckay82"})  # the probe sees them
    ok(wm2u(data_dir, "delete", ids["spelt"], "--purge"))
    left = leftovers(data_dir, {"ailsapennycook", "tommckay82", "ailsap", "pennycook\u02bcs",
                                "ailsa\u00adpennycook", "obrien"})  # fmt: skip
    assert left == {}


def test_what_an_earlier_matcher_stored_is_made_again_on_upgrade(tmp_path) -> None:
    """The index entry and the saved external update an earlier matcher made (which missed
    the handle forms) are made again the first time the data dir is opened after it."""
    data_dir = tmp_path / "instance"
    initialise(data_dir)
    with Evidence(data_dir) as ev:
        accounts.add_user(ev.store, "viewer", "viewer", PASSWORD)
        token = accounts.create_token(ev.store, "viewer")
        story = ev.store.get(_story(ev, title="Thanks to #AilsaPennycook", people=PEOPLE,
                                    body="See facebook.com/AilsaPennycook for the quinceberry."))  # fmt: skip
        update = ev.learning_update("2025-01-01", "2025-06-30", "external", save=True, actor="t")
        ev.sync_index(wait=10)
        # As an earlier version left them: the handle unmasked in the index (its matcher
        # found no name in the story), shown in the update, and the data dir made safe.
        old = ev.store.get(update.record.id)
        old = old.but(body=old.body + "\n\nThanks to #AilsaPennycook.")
        conn = ev.store.conn
        conn.execute("UPDATE records SET body = ? WHERE id = ?", [old.body, old.id])
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'saved_updates_safe'")
        conn.commit()
        assert ev.index.apply([story.but(people=[]), old], [], wait=10)
    with served(make_app(data_dir)) as base:
        headers = {"Authorization": f"Bearer {token}"}
        found = requests.get(f"{base}/api/search", params={"q": "AilsaPennycook"},
                             headers=headers, timeout=30).json()  # fmt: skip
        assert found["total"] == 0, found
        shown = requests.get(f"{base}/api/records/{old.id}", headers=headers, timeout=30)
        assert "Thanks to \\\\#Person A" in shown.text  # the story, as a viewer may read it
        _no_form(shown.text, "the saved update")
        hits = requests.get(f"{base}/api/search", params={"q": "quinceberry"},
                            headers=headers, timeout=30).json()  # fmt: skip
        assert story.id in {h["id"] for h in hits["hits"]}
        _no_form(str(hits), "the index's stored text")
