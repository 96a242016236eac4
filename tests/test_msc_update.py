"""Learning updates gain "Most significant change" (#25): per round closed within the period,
each domain's chosen story as the update's audience may see it, the panel (roles outside the
team) and its reasons, in Markdown, HTML and Word, through ``wm2u learning-update``."""

from __future__ import annotations

import io
import json

import pytest
from docx import Document
from lxml import html as lxml_html

from learning import msc
from learning.services import Evidence, initialise
from tests.builders import record_data
from tests.test_hardening_support import ok, wm2u

NAME = "Ailsa Pennycook"
REASONS = f"{NAME} said it herself: the panel saw a whole family finding its voice at school."
SECRET = "the team's own words about this family"
PERIOD = ("2025-04-01", "2025-06-30")


def _story(ev, title, consent="public", people=(), date="2025-05-02", what="Mornings."):
    data = record_data(type="family_story", date=date, consent=consent, title=title,
                       people=list(people), quotes=[],
                       fields={"family": "a family", "what_changed": what})  # fmt: skip
    return ev.create(data, "t").id


def _round(ev, title, panel, chosen, period=PERIOD, close=True, reasons=REASONS):
    body = {"title": title, "period_from": period[0], "period_to": period[1],
            "question": "What was the most significant change?", "level": "Locality",
            "domains": ["Family life"], "panel": panel,
            "candidates": [{"record": chosen, "domain": "family-life"}]}  # fmt: skip
    rid = msc.rounds.create(ev, body, "editor").id
    msc.choices.record(ev, rid, {"choices": [{"domain": "family-life", "record": chosen,
                                              "reasons": reasons, "votes": 5}]}, "editor")  # fmt: skip
    if close:
        msc.rounds.close(ev, rid, "editor")
    return rid


FAMILIES = [
    {"name": "Morag Baxter", "role": "family"},
    {"name": "Ian Reid", "role": "practitioner"},
]
TEAM = [{"name": "Ian Reid", "role": "practitioner"}]


@pytest.fixture
def data(tmp_path):
    data_dir = tmp_path / "instance"
    initialise(data_dir)
    with Evidence(data_dir) as ev:
        school = _story(ev, "Ailsa went back to school", "anonymised", [NAME],
                        what=f"{NAME} went back to school after a year away.")  # fmt: skip
        team = _story(ev, "Team only story", "internal", what=SECRET)
        later = _story(ev, "Summer holidays together", date="2025-08-02")
        ids = {
            "school": school,
            "families": _round(ev, "Lochee panel, spring", FAMILIES, school),
            "team": _round(ev, "Team panel, spring", TEAM, team),
            "open": _round(ev, "Whitfield panel, still open", FAMILIES, school, close=False),
            "summer": _round(ev, "Lochee panel, summer", FAMILIES, later,
                             period=("2025-07-01", "2025-09-30")),
        }  # fmt: skip
    return data_dir, ids


def _update(data_dir, tmp_path, audience, fmt, period=PERIOD, *more):
    out = tmp_path / f"update-{audience}.{fmt}"
    ok(wm2u(data_dir, "learning-update", "--from", period[0], "--to", period[1],
            "--audience", audience, "--format", fmt, "--out", str(out), *more))  # fmt: skip
    if fmt == "docx":
        return "\n".join(p.text for p in Document(io.BytesIO(out.read_bytes())).paragraphs)
    if fmt == "html":
        return lxml_html.fromstring(out.read_text(encoding="utf-8")).text_content()
    return out.read_text(encoding="utf-8")


def _section(text: str) -> str:
    start = text.rindex("Most significant change")  # the section, not the contents' line
    return text[start : text.index("The period in numbers", start)]


@pytest.mark.parametrize("fmt", ["md", "html", "docx"])
def test_an_external_update_shows_closed_rounds_chosen_stories_as_outside_readers_see_them(
    data, tmp_path, fmt
):
    data_dir, _ = data
    text = _update(data_dir, tmp_path, "external", fmt)
    section = _section(text)
    assert "Lochee panel, spring" in section and "Family life" in section
    assert "went back to school after a year away" in section
    assert "the panel saw a whole family finding its voice" in section and "5 votes" in section
    assert "1 family member, 1 practitioner" in section
    assert "Pennycook" not in text and "Morag" not in text and "Ian Reid" not in text
    assert SECRET not in text and "Team panel" not in section  # an internal story: never
    assert "still open" not in section and "summer" not in section  # open; another period


def test_the_teams_update_names_the_panel_and_shows_the_internal_story(data, tmp_path):
    data_dir, _ = data
    section = _section(_update(data_dir, tmp_path, "internal", "md"))
    assert "Morag Baxter (family)" in section and NAME in section
    assert "Team panel, spring" in section and SECRET in section


def test_no_round_closed_in_the_period_no_section(data, tmp_path):
    data_dir, _ = data
    for fmt in ("md", "html", "docx"):
        text = _update(data_dir, tmp_path, "external", fmt, ("2024-01-01", "2024-12-31"))
        assert "Most significant change" not in text


def test_long_reasons_are_shortened_to_keep_the_update_short(tmp_path):
    data_dir = tmp_path / "instance"
    initialise(data_dir)
    with Evidence(data_dir) as ev:
        story = _story(ev, "Breakfast together again")
        _round(ev, "Lochee panel, spring", FAMILIES, story, reasons="It mattered a lot. " * 200)
    section = _section(_update(data_dir, tmp_path, "external", "md"))
    assert "It mattered a lot." in section and len(section) < 1200


@pytest.mark.parametrize("scope", [[], ["--objective", "SO2"]])  # SO2: the story is not in it
def test_a_saved_update_stops_showing_a_chosen_story_later_withdrawn(data, tmp_path, scope):
    data_dir, ids = data
    out = tmp_path / "saved.md"
    saved = ok(wm2u(data_dir, "learning-update", "--from", PERIOD[0], "--to", PERIOD[1],
                    "--audience", "external", "--format", "md", "--out", str(out), "--save",
                    *scope))  # fmt: skip
    update_id = saved.stdout.split()[-1].strip(".")
    shown = json.loads(ok(wm2u(data_dir, "show", update_id, "--json")).stdout)
    assert "went back to school after a year away" in shown["body"]
    with Evidence(data_dir) as ev:
        record = ev.get(ids["school"])
        ev.update(record.id, {**record.to_dict(), "consent": "internal"}, "editor")
    after = json.loads(ok(wm2u(data_dir, "show", update_id, "--json")).stdout)
    assert (
        "went back to school" not in after["body"] and "Lochee panel, spring" not in after["body"]
    )


def test_a_saved_update_shows_no_round_closed_after_it_was_saved(data, tmp_path):
    from evidence import accounts
    from tests.web_helpers import PASSWORD, make_app, served

    data_dir, ids = data
    out = tmp_path / "saved.md"
    saved = ok(wm2u(data_dir, "learning-update", "--from", PERIOD[0], "--to", PERIOD[1],
                    "--audience", "external", "--format", "md", "--out", str(out), "--save"))  # fmt: skip
    update_id = saved.stdout.split()[-1].strip(".")
    with Evidence(data_dir) as ev:
        msc.rounds.close(ev, ids["open"], "editor")  # closed after the update was saved
        accounts.add_user(ev.store, "editor", "editor", PASSWORD)
        token = accounts.create_token(ev.store, "editor")
    fresh = _section(_update(data_dir, tmp_path, "external", "md"))
    assert "Whitfield panel, still open" in fresh  # a new update reports it
    with served(make_app(data_dir)) as base:
        import requests

        document = requests.get(f"{base}/api/learning-updates/{update_id}?format=md",
                                headers={"Authorization": f"Bearer {token}"}, timeout=60)  # fmt: skip
    assert document.status_code == 200
    assert "Lochee panel, spring" in document.text and "Whitfield" not in document.text


def test_an_external_updates_key_messages_never_name_a_chosen_storys_family(data, tmp_path):
    """The chosen story is cited (it need not hold one of the update's indicators): the key
    messages are redacted by its people too."""
    data_dir, _ = data
    intro = tmp_path / "intro.md"
    intro.write_text(f"As {NAME} told the Lochee panel, school matters.\n", encoding="utf-8")
    text = _update(data_dir, tmp_path, "external", "md", PERIOD, "--objective", "SO3",
                   "--intro", str(intro))  # fmt: skip
    assert "told the Lochee panel" in text and "Pennycook" not in text and "Ailsa" not in text
