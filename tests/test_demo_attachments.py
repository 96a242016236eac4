"""The demo's attachments (#23 item 8): ``wm2u demo`` (a process of its own) attaches the
evaluation report, a café conversation's transcript and its flipchart photo, and codes a few
passages of their text; through the served app each shows as its consent allows."""

from __future__ import annotations

import io

import pytest
import requests
from PIL import Image

from evidence import accounts
from learning.demo.attachments import PHOTO_NAME, REPORT_NAME, TRANSCRIPT_NAME, flipchart_photo
from learning.demo.report import TITLE
from learning.services import Evidence
from tests.test_hardening_support import ok, wm2u
from tests.web_helpers import make_app, served


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("demo") / "instance"
    ok(wm2u(data_dir, "init"))
    loaded = ok(wm2u(data_dir, "demo"))
    assert "Demo attachments: 3 files attached, 5 passages of them coded." in loaded.stdout
    with Evidence(data_dir) as ev:
        tokens = {role: accounts.create_token(ev.store, role) for role in ("editor", "viewer")}
        held = [r for (r,) in ev.store.conn.execute("SELECT DISTINCT record_id FROM attachments")]
        stories = [r for (r,) in ev.store.conn.execute("SELECT record_id FROM stories")]
    with served(make_app(data_dir)) as base:

        def call(role: str, path: str, **params) -> requests.Response:
            headers = {"Authorization": f"Bearer {tokens[role]}"}
            return requests.get(base + path, headers=headers, params=params, timeout=60)

        call.held = held  # the records holding files (read from the data folder)
        call.stories = stories  # the stories families sent (#24 item 7)
        yield call


def test_the_demo_has_a_dozen_families_stories_seen_as_their_status_allows(demo) -> None:
    stories = [demo("editor", f"/api/records/{i}").json() for i in demo.stories]
    assert len(stories) == 12 and {s["origin"] for s in stories} == {"family"}
    statuses = sorted((s["status"], s["consent"]) for s in stories)
    assert statuses.count(("submitted", "internal")) == 2  # one withdrawn, one the family's
    assert sum(s["status"] == "accepted" for s in stories) == 7
    shown = [i for i in demo.stories if demo("viewer", f"/api/records/{i}").status_code == 200]
    assert len(shown) == 7  # the accepted ones: each may be shared


def _files(call, role: str) -> dict[str, dict]:
    """Every attachment of the demo's records the reader may see, by name, with its record."""
    found = {}
    for record_id in call.held:
        record = call("editor", f"/api/records/{record_id}").json()
        answer = call(role, f"/api/records/{record_id}/attachments")
        for attachment in answer.json()["attachments"] if answer.ok else []:
            found[attachment["name"]] = {**attachment, "of": record}
    return found


def _of_files(call, role: str, record_id: str) -> list[dict]:
    """The coded passages of a record's attachments the reader may see."""
    found = call(role, "/api/excerpts", record=record_id, per_page=100).json()["excerpts"]
    return [e for e in found if e["source"] != "body"]


def test_the_team_sees_the_report_the_transcript_and_the_photo(demo) -> None:
    files = _files(demo, "editor")
    assert set(files) == {REPORT_NAME, TRANSCRIPT_NAME, PHOTO_NAME}
    report, transcript, photo = (files[n] for n in (REPORT_NAME, TRANSCRIPT_NAME, PHOTO_NAME))
    assert report["of"]["type"] == "vble_evaluation" and report["kind"] == "pdf"
    assert " ".join(TITLE.split()) in " ".join(
        demo("editor", f"/api/attachments/{report['id']}/text").text.split()
    )
    assert transcript["of"]["type"] == photo["of"]["type"] == "cafe_conversation"
    assert transcript["record"] == photo["record"] and transcript["kind"] == "markdown"
    people = demo("editor", f"/api/records/{transcript['record']}").json()["people"]
    text = demo("editor", f"/api/attachments/{transcript['id']}/text").text
    assert f"**{people[0]}:**" in text and f"**{people[1]}:**" in text
    assert (photo["kind"], photo["consent"], photo["text_chars"]) == ("jpeg", "internal", 0)
    picture = demo("editor", f"/api/attachments/{photo['id']}/file").content
    with Image.open(io.BytesIO(picture)) as image:
        assert image.size == (900, 640) and image.getpixel((450, 600))[0] > 230  # a pale sheet
    coded = _of_files(demo, "editor", transcript["record"])
    assert {e["source"] for e in coded} == {f"attachment:{transcript['id']}"} and len(coded) == 3
    assert all(text[e["start"] : e["end"]] == e["text"] for e in coded)
    on_report = demo("editor", "/api/excerpts", code="practice-change", per_page=100).json()
    assert f"attachment:{report['id']}" in {e["source"] for e in on_report["excerpts"]}


def test_a_viewer_sees_the_transcript_with_names_replaced_and_never_the_photo(demo) -> None:
    team, seen = _files(demo, "editor"), _files(demo, "viewer")
    assert PHOTO_NAME not in seen and TRANSCRIPT_NAME in seen
    transcript = seen[TRANSCRIPT_NAME]
    people = demo("editor", f"/api/records/{transcript['record']}").json()["people"]
    text = demo("viewer", f"/api/attachments/{transcript['id']}/text").text
    assert "**Person A:**" in text and "**Person B:**" in text
    assert not any(part in text for person in people for part in person.split())
    assert demo("viewer", f"/api/attachments/{transcript['id']}/file").status_code != 200
    photo = team[PHOTO_NAME]["id"]
    assert demo("viewer", f"/api/attachments/{photo}/file").status_code == 404
    passages = _of_files(demo, "viewer", transcript["record"])
    assert "Meeting the other mums has been the best bit" in [p["text"] for p in passages]
    assert len(passages) == 3 and all(text[p["start"] : p["end"]] == p["text"] for p in passages)
    report = seen[REPORT_NAME]  # a public evaluation's report: anyone may download it
    assert report["consent"] == "public"
    assert demo("viewer", f"/api/attachments/{report['id']}/file").content[:5] == b"%PDF-"


def test_the_flipchart_photo_is_the_same_every_time() -> None:
    assert flipchart_photo() == flipchart_photo()
