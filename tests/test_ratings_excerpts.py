"""Ratings cite coded passages (#21 item 7), through the served app (waitress).

A rating's ``excerpts`` are checked (each a passage of a record not deleted; refused naming
``excerpts`` with nothing saved otherwise); a cited passage's record joins the records behind
it; a viewer sees a passage only where its record is shown, names replaced, on the indicator
page and in the API; erasure of the passage's record takes the cite.
"""

from __future__ import annotations

import html
import re

import pytest
import requests

from evidence import accounts
from learning.services import Evidence, initialise
from tests.builders import record_data
from tests.test_coding import BODY, INSIDE, PEOPLE, Site
from tests.test_hardening_support import ok, wm2u
from tests.web_helpers import CSRF_META, PASSWORD, make_app, served

RATING = {
    "period_from": "2025-01-01",
    "period_to": "2025-03-31",
    "progress": "developing",
    "confidence": "medium",
    "rationale": "Families said the café listened.",
}


@pytest.fixture
def site(tmp_path):
    data_dir = tmp_path / "instance"
    initialise(data_dir)
    with Evidence(data_dir) as ev:
        ids = {}
        for consent in ("internal", "anonymised", "public"):
            ids[consent] = ev.create(record_data(
                title=f"Tea with Sarah Kerr ({consent})", consent=consent, people=PEOPLE,
                body=BODY, quotes=[], fields={}, tags=[]), "test").id  # fmt: skip
        tokens = {}
        for role in ("editor", "viewer", "admin"):
            accounts.add_user(ev.store, role, role, PASSWORD)
            tokens[role] = accounts.create_token(ev.store, role)
    with served(make_app(data_dir)) as base:
        yield Site(base, data_dir, tokens, ids)


def _rate(site: Site, **body) -> requests.Response:
    return site.call("editor", "POST", "/api/indicators/SO1.1/ratings", json={**RATING, **body})


def _browser(site: Site, role: str) -> requests.Session:
    """A person logged in through the login form."""
    session = requests.Session()
    token = CSRF_META.search(session.get(site.base + "/login", timeout=30).text).group(1)
    session.post(site.base + "/login", data={"name": role, "password": PASSWORD,
                                             "csrf_token": token}, timeout=30)  # fmt: skip
    return session


def _page(site: Site, role: str) -> str:
    """The indicator page as ``role`` reads it, its entities decoded."""
    return html.unescape(_browser(site, role).get(site.base + "/indicators/SO1.1").text)


def _ratings(site: Site, role: str) -> list[dict]:
    return site.call(role, "GET", "/api/indicators/SO1.1/ratings").json()["ratings"]


def test_a_rating_cites_passages_and_a_viewer_sees_them_redacted(site) -> None:
    shared = site.code(site.ids["anonymised"], INSIDE, ["SO1.1"])
    kept = site.code(site.ids["internal"], INSIDE, ["SO1.1"])
    made = _rate(site, excerpts=[shared["id"], kept["id"]])
    assert made.status_code == 201, made.text
    # Each passage's record joins the records behind the rating.
    assert made.json()["excerpts"] == [shared["id"], kept["id"]]
    assert set(made.json()["records"]) == {site.ids["anonymised"], site.ids["internal"]}
    # The team reads the passages as written, on the page and in the API.
    page = _page(site, "editor")
    assert f"“{INSIDE}”" in page
    assert "Passages it cites" in page and "Tea with Sarah Kerr (internal)" in page
    # A viewer: the internal record's passage is not there; the other's names are replaced.
    (seen,) = _ratings(site, "viewer")
    assert seen["excerpts"] == [shared["id"]] and seen["records"] == [site.ids["anonymised"]]
    ratings = _page(site, "viewer").split('id="ratings"', 1)[1].split("</ol>")[0]
    passages = re.findall(r"“([^”]*)”", ratings.split("Passages it cites", 1)[1])
    assert passages == ["Person B said the café listened to Person A for the first time."]
    assert "Tom" not in ratings and "McKay" not in ratings and "Sarah" not in ratings
    assert "Tea with Person A Person A" not in ratings and "(internal)" not in ratings


def test_a_cite_is_refused_naming_excerpts_and_nothing_is_saved(site) -> None:
    passage = site.code(site.ids["public"], INSIDE, ["SO1.1"])
    site.call("editor", "DELETE", f"/api/records/{site.ids['public']}")  # soft delete
    for excerpts in ([passage["id"]], ["no-such-excerpt"], ["../x y"], "not a list", [3]):
        answer = _rate(site, excerpts=excerpts)
        assert answer.status_code == 422, answer.text
        assert "excerpts" in answer.json()["error"]["fields"], answer.text
    assert _ratings(site, "editor") == []
    # The web form says the same, with the text as typed.
    assert 'name="excerpts"' in _page(site, "editor")


def test_the_form_ticks_passages_and_erasure_takes_the_cite(site) -> None:
    passage = site.code(site.ids["public"], INSIDE, ["SO1.1"])
    other = site.code(site.ids["anonymised"], "Everyone stayed for tea.", ["SO1.1"])
    session = _browser(site, "editor")
    page = session.get(site.base + "/indicators/SO1.1", timeout=30).text
    assert f'name="recent_excerpts" type="checkbox" value="{passage["id"]}"' in page
    token = CSRF_META.search(page).group(1)
    sent = session.post(site.base + "/indicators/SO1.1/ratings", data={
        **RATING, "consent": "anonymised", "recent_excerpts": [passage["id"]],
        "excerpts": f"{other['id']}\n", "csrf_token": token}, timeout=30)  # fmt: skip
    assert sent.status_code == 200 and "has been saved" in sent.text, sent.text[-2000:]
    (rating,) = _ratings(site, "editor")
    assert rating["excerpts"] == [passage["id"], other["id"]]
    refused = session.post(site.base + "/indicators/SO1.1/ratings", data={
        **RATING, "excerpts": "nope\n", "csrf_token": token}, timeout=30)  # fmt: skip
    assert refused.status_code == 422 and "no excerpt with id nope" in refused.text
    # Erasure of the passage's record takes its cite; the other stays.
    ok(wm2u(site.data_dir, "delete", site.ids["public"], "--purge"))
    (rating,) = _ratings(site, "editor")
    assert rating["excerpts"] == [other["id"]]
    assert site.ids["public"] not in rating["records"]
    with Evidence(site.data_dir) as ev:
        (row,) = ev.store.conn.execute("SELECT excerpts FROM ratings").fetchall()
    assert passage["id"] not in row[0]
