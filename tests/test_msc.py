"""Most Significant Change rounds (#25) through the served app as editor and viewer, and the
command line: a round runs end to end, reasons are required, closing freezes it, viewers see
roles for names and only what consent lets them, and erasure leaves "a story since erased"."""

from __future__ import annotations

import json

import pytest
import requests

from evidence import accounts
from learning.services import Evidence, initialise
from tests.builders import record_data, story_sent
from tests.test_hardening_support import ok, wm2u
from tests.web_helpers import PASSWORD, make_app, served

PANEL = [{"name": "Morag Baxter", "role": "family"}, {"name": "Ian Reid", "role": "practitioner"},
         {"name": "Fiona Kerr", "role": "practitioner"}]  # fmt: skip
REASONS = "Morag Baxter said it showed the whole family finding its voice at school."


def _story(ev, consent="public", **kw):
    data = record_data(
        **{
            "type": "family_story",
            "date": "2025-05-02",
            "consent": consent,
            "fields": {"family": "a family", "what_changed": "Mornings."},
            **kw,
        }
    )
    return ev.create(data, "t").id


@pytest.fixture
def site(tmp_path):
    data_dir = tmp_path / "instance"
    initialise(data_dir)
    with Evidence(data_dir) as ev:
        ids = {
            "public": _story(ev, title="Breakfast together again", people=[], quotes=[]),
            "anon": _story(
                ev,
                "anonymised",
                title="Ailsa went back to school",
                people=["Ailsa Pennycook"],
                quotes=[],
                body="Ailsa Pennycook went back to school.",
            ),
            "internal": _story(ev, "internal", title="Team only story", people=[], quotes=[]),
        }
        tokens = {}
        for role in ("editor", "viewer"):
            accounts.add_user(ev.store, role, role, PASSWORD)
            tokens[role] = accounts.create_token(ev.store, role)
    with served(make_app(data_dir)) as base:
        yield base, data_dir, ids, tokens


def _api(base, tokens, role, method, path, **kw):
    headers = {"Authorization": f"Bearer {tokens[role]}"}
    return requests.request(method, f"{base}/api{path}", headers=headers, timeout=60, **kw)


def _round(ids, **over):
    body = {"title": "Lochee panel, spring", "period_from": "2025-04-01",
            "period_to": "2025-06-30", "question": "What was the most significant change?",
            "level": "locality", "domains": ["Family life"], "panel": PANEL,
            "candidates": [{"record": ids["public"], "domain": "family-life"},
                           {"record": ids["anon"], "domain": "family-life"}]}  # fmt: skip
    return {**body, **over}


def test_a_round_runs_end_to_end_and_viewers_see_roles_and_consent(site) -> None:
    base, _data_dir, ids, tokens = site
    made = _api(base, tokens, "editor", "POST", "/msc/rounds", json=_round(ids))
    assert made.status_code == 201, made.text
    r = made.json()
    assert r["state"] == "open"
    assert [d["name"] for d in r["domains"]] == ["Family life", "Any other change"]
    assert r["balance"] == {"families": 1, "practitioners": 2, "met": False}
    rid = r["id"]
    # Viewers read closed rounds only.
    assert _api(base, tokens, "viewer", "GET", f"/msc/rounds/{rid}").status_code == 404
    assert _api(base, tokens, "viewer", "POST", "/msc/rounds", json=_round(ids)).status_code == 403
    bare = [{"domain": "family-life", "record": ids["anon"]}]
    refused = _api(base, tokens, "editor", "POST", f"/msc/rounds/{rid}/choices",
                   json={"choices": bare})  # fmt: skip
    assert refused.status_code == 422 and "reasons" in refused.json()["error"]["fields"]
    choice = {**bare[0], "reasons": REASONS + " Ailsa Pennycook said so too.", "votes": 2,
              "told_by": "Ailsa Pennycook", "read_back": True}  # fmt: skip
    done = _api(base, tokens, "editor", "POST", f"/msc/rounds/{rid}/choices",
                json={"choices": [choice]})  # fmt: skip
    assert done.status_code == 200, done.text
    assert done.json()["choices"][0]["read_back"] is True
    closed = _api(base, tokens, "editor", "POST", f"/msc/rounds/{rid}/close")
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    again = _api(base, tokens, "editor", "POST", f"/msc/rounds/{rid}/choices",
                 json={"choices": [choice]})  # fmt: skip
    assert again.status_code == 409
    assert (
        _api(base, tokens, "editor", "PUT", f"/msc/rounds/{rid}", json=_round(ids)).status_code
        == 409
    )
    seen = _api(base, tokens, "viewer", "GET", f"/msc/rounds/{rid}")
    assert seen.status_code == 200
    text = seen.text
    assert "Morag" not in text and "Ian Reid" not in text and "Pennycook" not in text
    assert seen.json()["panel"] == [{"role": "family"}, {"role": "practitioner"},
                                    {"role": "practitioner"}]  # fmt: skip
    assert "a family on the panel said it showed" in seen.json()["choices"][0]["reasons"]
    team = _api(base, tokens, "editor", "GET", f"/msc/rounds/{rid}").json()
    assert "Ailsa Pennycook said so too" in team["choices"][0]["reasons"]


def test_reasons_comparing_stories_never_name_another_candidates_family_outside_the_team(
    site,
) -> None:
    base, data_dir, ids, tokens = site
    rid = _api(base, tokens, "editor", "POST", "/msc/rounds", json=_round(ids)).json()["id"]
    choice = {"domain": "family-life", "record": ids["public"],
              "reasons": "Closer to home than Ailsa Pennycook's story, which moved us too.",
              "dissent": "Ailsa's story mattered more to two of us."}  # fmt: skip
    done = _api(base, tokens, "editor", "POST", f"/msc/rounds/{rid}/choices",
                json={"choices": [choice]})  # fmt: skip
    assert done.status_code == 200, done.text
    _api(base, tokens, "editor", "POST", f"/msc/rounds/{rid}/close")
    seen = _api(base, tokens, "viewer", "GET", f"/msc/rounds/{rid}").json()
    assert "Ailsa" not in json.dumps(seen) and "Pennycook" not in json.dumps(seen)
    assert "Closer to home than" in seen["choices"][0]["reasons"]
    page = _api(base, tokens, "viewer", "GET", f"/records/{ids['public']}")
    assert page.status_code == 200
    with Evidence(data_dir) as ev:
        from learning.msc import reading

        feedback = reading.chosen_for(ev, ids["public"], "external")
    assert feedback and "Ailsa" not in feedback[0].sentence()
    team = _api(base, tokens, "editor", "GET", f"/msc/rounds/{rid}").json()
    assert "Ailsa Pennycook's story" in team["choices"][0]["reasons"]


def test_an_internal_story_cannot_go_before_a_panel_with_families(site) -> None:
    base, _data_dir, ids, tokens = site
    body = _round(ids, candidates=[{"record": ids["internal"], "domain": "family-life"}])
    refused = _api(base, tokens, "editor", "POST", "/msc/rounds", json=body)
    assert refused.status_code == 422
    assert ids["internal"] in refused.json()["error"]["fields"]["candidates"]
    team_only = {**body, "panel": [{"name": "Ian Reid", "role": "practitioner"}]}
    assert _api(base, tokens, "editor", "POST", "/msc/rounds", json=team_only).status_code == 201
    bad = _api(
        base,
        tokens,
        "editor",
        "POST",
        "/msc/rounds",
        json={**body, "period_from": "someday", "panel": [{"name": "X", "role": "boss"}]},
    )
    assert bad.status_code == 422
    assert {"period_from", "panel"} <= set(bad.json()["error"]["fields"])
    assert _api(base, tokens, "editor", "GET", "/msc/rounds").json()["rounds"][0]["balance"]


def test_the_command_line_lists_and_shows_rounds(site) -> None:
    base, data_dir, ids, tokens = site
    rid = _api(base, tokens, "editor", "POST", "/msc/rounds", json=_round(ids)).json()["id"]
    listed = json.loads(ok(wm2u(data_dir, "msc", "list", "--json")).stdout)
    assert [r["id"] for r in listed["rounds"]] == [rid]
    shown = json.loads(ok(wm2u(data_dir, "msc", "show", rid, "--json")).stdout)
    assert shown["panel"][0]["name"] == "Morag Baxter"
    missing = wm2u(data_dir, "msc", "show", "NOPE")
    assert (
        missing.returncode == 1 and "NOPE" in missing.stderr and "Traceback" not in missing.stderr
    )


def test_an_erased_chosen_story_leaves_its_place_and_its_words_leave_the_reasons(site) -> None:
    base, data_dir, ids, tokens = site
    rid = _api(base, tokens, "editor", "POST", "/msc/rounds", json=_round(ids)).json()["id"]
    choice = {"domain": "family-life", "record": ids["anon"],
              "reasons": "Ailsa Pennycook went back to school, and the panel saw hope in it."}  # fmt: skip
    _api(base, tokens, "editor", "POST", f"/msc/rounds/{rid}/choices", json={"choices": [choice]})
    ok(wm2u(data_dir, "delete", ids["anon"], "--purge"))
    after = json.loads(ok(wm2u(data_dir, "msc", "show", rid, "--json")).stdout)
    chosen = after["choices"][0]
    assert chosen["title"] == "a story since erased" and chosen["erased"] is True
    assert "Pennycook" not in json.dumps(after) and "went back to school" not in chosen["reasons"]


def test_erasing_a_story_cuts_its_familys_names_from_every_choice_of_the_rounds_holding_it(
    site,
) -> None:
    """Reasons naming another candidate's family are redacted outside the team by that
    candidate's people; erasing that candidate must cut the names from the reasons, not
    leave them to be shown (its people are gone with it)."""
    base, data_dir, ids, tokens = site
    rid = _api(base, tokens, "editor", "POST", "/msc/rounds", json=_round(ids)).json()["id"]
    choice = {"domain": "family-life", "record": ids["public"],
              "reasons": "Closer to home than Ailsa Pennycook's story."}  # fmt: skip
    _api(base, tokens, "editor", "POST", f"/msc/rounds/{rid}/choices", json={"choices": [choice]})
    _api(base, tokens, "editor", "POST", f"/msc/rounds/{rid}/close")
    with Evidence(data_dir) as ev:
        ev.purge(ids["anon"], actor="admin")
    for role in ("viewer", "editor"):
        seen = _api(base, tokens, role, "GET", f"/msc/rounds/{rid}").json()
        assert "Pennycook" not in json.dumps(seen), role
        assert "Closer to home than" in seen["choices"][0]["reasons"]


def test_a_story_waiting_for_an_editor_keeps_its_familys_names_out_of_the_reasons(site) -> None:
    base, data_dir, ids, tokens = site
    waiting = story_sent(data_dir, {"body": "Jamie Stewart started school again.",
                                    "title": "School again", "consent": "public",
                                    "people": "Jamie Stewart"})  # fmt: skip
    with Evidence(data_dir) as ev:
        day = ev.store.get(waiting).date
        chosen = _story(ev, date=day, title="Breakfast again", people=[], quotes=[])
    body = _round(ids, panel=[{"name": "Ian Reid", "role": "practitioner"}],
                  period_from=day, period_to=day,
                  candidates=[{"record": chosen, "domain": "family-life"},
                              {"record": waiting, "domain": "family-life"}])  # fmt: skip
    made = _api(base, tokens, "editor", "POST", "/msc/rounds", json=body)
    assert made.status_code == 201, made.text
    rid = made.json()["id"]
    choice = {"domain": "family-life", "record": chosen,
              "reasons": "We also talked about Jamie Stewart's story."}  # fmt: skip
    _api(base, tokens, "editor", "POST", f"/msc/rounds/{rid}/choices", json={"choices": [choice]})
    _api(base, tokens, "editor", "POST", f"/msc/rounds/{rid}/close")
    seen = _api(base, tokens, "viewer", "GET", f"/msc/rounds/{rid}").json()
    assert "Jamie" not in json.dumps(seen) and "We also talked about" in json.dumps(seen)


def test_erasing_a_person_named_in_a_domain_leaves_no_form_of_the_name_in_its_id(site) -> None:
    """A domain's id is made from its name: erasure of a person gives the domain an id made
    from its scrubbed name, and the round's candidates and choices follow it."""
    base, data_dir, ids, tokens = site
    body = _round(ids, domains=["Ailsa Pennycook's family"],
                  candidates=[{"record": ids["public"], "domain": "ailsa-pennycook-s-family"}])  # fmt: skip
    made = _api(base, tokens, "editor", "POST", "/msc/rounds", json=body)
    assert made.status_code == 201, made.text
    rid = made.json()["id"]
    choice = {"domain": "ailsa-pennycook-s-family", "record": ids["public"],
              "reasons": "It was the family's own change."}  # fmt: skip
    assert _api(base, tokens, "editor", "POST", f"/msc/rounds/{rid}/choices",
                json={"choices": [choice]}).status_code == 200  # fmt: skip
    ok(wm2u(data_dir, "person", "erase", "Ailsa Pennycook"))
    shown = json.loads(ok(wm2u(data_dir, "msc", "show", rid, "--json")).stdout)
    assert "pennycook" not in json.dumps(shown).lower()
    [domain] = [d for d in shown["domains"] if d["id"] != "any-other-change"]
    assert shown["candidates"] == [{"record": ids["public"], "domain": domain["id"]}]
    assert [(c["domain"], c["reasons"]) for c in shown["choices"]] == [
        (domain["id"], "It was the family's own change.")
    ]
