"""Record pages: log through the form, refuse with errors, edit, stale saves, history, delete."""

from __future__ import annotations

import re

from evidence.consent import INTERNAL
from learning.http.state import evidence
from tests.web_helpers import csrf_token

pytest_plugins = ["tests.web_fixtures"]

STORY = {
    "title": "Kite festival in Lochee",
    "date": "2025-06-07",
    "consent": "anonymised",
    "indicators": ["SO1.3", "SO2.1"],
    "activities": ["SO1-A"],
    "body": "Moira Black said the **kite festival** made her feel welcome.",
    "people": "Moira Black\n\n",
    "quotes": "It was the first time I felt welcome.\nWe want another one.",
    "tags": "Outdoors\nsummer",
    "locality": "Lochee",
    "author": "GL",
    "fields.family": "the Black family",
    "fields.what_changed": "They came to the next café.",
}


def post(client, path: str, data: dict):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, "/")})


def saved(app, record_id: str):
    with app.app_context():
        return evidence().get(record_id, INTERNAL)


def test_log_a_family_story_through_the_form(app, as_role) -> None:
    editor = as_role("editor")
    response = post(editor, "/records/new?type=family_story", STORY)
    assert response.status_code == 302
    record_id = response.headers["Location"].rsplit("/", 1)[1]
    record = saved(app, record_id)
    assert record.indicators == ["SO1.3", "SO2.1"] and record.authority == "Dundee"
    assert record.people == ["Moira Black"] and record.tags == ["outdoors", "summer"]
    assert record.quotes == ["It was the first time I felt welcome.", "We want another one."]
    assert record.fields == {
        "family": "the Black family",
        "what_changed": "They came to the next café.",
    }
    page = editor.get(f"/records/{record_id}").get_data(as_text=True)
    assert "<strong>kite festival</strong>" in page and "The record has been saved." in page


def test_typed_fields_are_converted(app, as_role) -> None:
    editor = as_role("editor")
    data = {
        "title": "Café in Alloa",
        "date": "2025-02-01",
        "consent": "internal",
        "indicators": ["SO1.1"],
        "locality": "Alloa",
        "fields.venue": "Hall",
        "fields.families": "12",
        "fields.practitioners": "3",
        "fields.themes": "food\nhousing",
        "fields.actions": "Ask about buses",
    }
    response = post(editor, "/records/new?type=cafe_conversation", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    record = saved(app, response.headers["Location"].rsplit("/", 1)[1])
    assert record.fields["families"] == 12 and record.fields["themes"] == ["food", "housing"]


def test_a_refused_form_keeps_the_text_and_says_what_is_wrong(as_role) -> None:
    editor = as_role("editor")
    data = {
        **STORY,
        "date": "2025-02-30",
        "indicators": [],
        "locality": "Alloa",
        "authority": "Dundee",
        "title": "Kept <text> & all",
    }
    response = post(editor, "/records/new?type=family_story", data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert 'href="#date"' in page and 'href="#indicators"' in page and 'href="#locality"' in page
    assert 'id="date-error"' in page and "2025-02-30 is not a date on the calendar" in page
    assert 'value="Kept &lt;text&gt; &amp; all"' in page
    assert "Moira Black said the **kite festival**" in page
    assert "<title>Error: " in page


def test_cafe_form_errors_sit_beside_typed_fields(as_role) -> None:
    editor = as_role("editor")
    data = {
        "title": "Café",
        "date": "2025-02-01",
        "consent": "public",
        "indicators": ["SO1.1"],
        "fields.families": "a dozen",
        "fields.practitioners": "-1",
    }
    page = post(editor, "/records/new?type=cafe_conversation", data).get_data(as_text=True)
    assert 'id="fields-families-error"' in page and "must be a whole number" in page
    assert 'id="fields-practitioners-error"' in page and "must be at least 0" in page
    assert 'value="a dozen"' in page


def test_choosing_a_type(as_role) -> None:
    editor = as_role("editor")
    page = editor.get("/records/new").get_data(as_text=True)
    assert "Café conversation" in page and "/records/new?type=cafe_conversation" in page
    assert (
        editor.get("/records/new?type=learning_update").headers["Location"]
        == "/learning-updates/new"
    )


def _edit_form(client, record_id: str) -> dict:
    page = client.get(f"/records/{record_id}/edit").get_data(as_text=True)
    revision = re.search(r'name="revision" value="(\d+)"', page).group(1)
    title = re.search(r'id="title" name="title" type="text" value="([^"]*)"', page).group(1)
    return {"revision": revision, "title": title}


def test_edit_and_a_stale_save_is_refused_with_the_text_kept(app, as_role, seed) -> None:
    first, second = as_role("editor"), as_role("admin")
    base = {
        "date": "2025-05-02",
        "consent": "public",
        "indicators": ["SO1.2"],
        "locality": "Tullibody",
        "fields.venue": "Tullibody hall",
    }
    started = _edit_form(first, seed.public)
    assert started["revision"] == "1"
    ok = post(
        second,
        f"/records/{seed.public}/edit",
        {**base, "revision": "1", "title": "Allotment café (second)"},
    )
    assert ok.status_code == 302
    stale = post(
        first,
        f"/records/{seed.public}/edit",
        {**base, "revision": "1", "title": "Allotment café (first)"},
    )
    assert stale.status_code == 409
    page = stale.get_data(as_text=True)
    assert "Your changes have not been saved" in page and "They changed: <strong>Title" in page
    assert 'value="Allotment café (first)"' in page
    assert saved(app, seed.public).title == "Allotment café (second)"
    # Saving again, after seeing the other version, is a deliberate choice and works.
    assert 'name="revision" value="2"' in page
    again = post(
        first,
        f"/records/{seed.public}/edit",
        {**base, "revision": "2", "title": "Allotment café (first)"},
    )
    assert again.status_code == 302
    assert saved(app, seed.public).revision == 3


def test_history_says_what_changed(as_role, seed) -> None:
    editor = as_role("editor")
    data = {
        "date": "2025-05-02",
        "consent": "anonymised",
        "indicators": ["SO1.2"],
        "locality": "Tullibody",
        "revision": "1",
        "title": "Allotment café, renamed",
    }
    assert post(editor, f"/records/{seed.public}/edit", data).status_code == 302
    page = editor.get(f"/records/{seed.public}/history").get_data(as_text=True)
    assert "Revision 2" in page and "Revision 1" in page and "Record logged." in page
    assert "<del>public</del> to <ins>anonymised</ins>" in page
    assert "<strong>Details</strong> changed." in page


def test_delete_restore_and_erase(app, as_role, seed) -> None:
    editor, admin = as_role("editor"), as_role("admin")
    assert post(editor, f"/records/{seed.anonymised}/delete", {}).status_code == 302
    assert editor.get(f"/records/{seed.anonymised}").status_code == 404
    assert admin.get(f"/records/{seed.anonymised}").status_code == 200  # admins see it, marked
    assert "Breakfast club story" in admin.get("/records?deleted=1").get_data(as_text=True)
    assert post(admin, f"/records/{seed.anonymised}/restore", {}).status_code == 302
    assert editor.get(f"/records/{seed.anonymised}").status_code == 200
    refused = post(admin, f"/records/{seed.anonymised}/erase", {})
    assert refused.status_code == 422 and "Tick the box" in refused.get_data(as_text=True)
    assert post(admin, f"/records/{seed.anonymised}/erase", {"confirm": "erase"}).status_code == 302
    assert admin.get(f"/records/{seed.anonymised}").status_code == 404
    with app.app_context():
        lines = evidence().store.audit_log(200)[1]
    actions = {(line["action"], line["record_id"]) for line in lines}
    assert {
        ("delete", seed.anonymised),
        ("restore", seed.anonymised),
        ("erase", seed.anonymised),
    } <= actions
    assert "Breakfast" not in str(lines) and "Sarah" not in str(lines)
    audit = admin.get("/admin/audit").get_data(as_text=True)
    assert "erase" in audit and seed.anonymised in audit


def test_browse_filters_are_bookmarkable(as_role) -> None:
    editor = as_role("editor")
    page = editor.get("/records?type=cafe_conversation").get_data(as_text=True)
    assert "Allotment café" in page and "Breakfast club" not in page
    page = editor.get("/records?from=2025-03-01&to=2025-03-31").get_data(as_text=True)
    assert "Breakfast club" in page and "Allotment" not in page
    page = editor.get("/records?indicator=SO2.1&from=not-a-date&page=abc").get_data(as_text=True)
    assert "Zebrafinch" in page and "Showing 1 to 1 of 1 record" in page


def test_odd_record_ids_are_not_found(as_role) -> None:
    editor = as_role("editor")
    for record_id in ("nope", "x" * 300, "%00", "..%2F..", "ß", "1;DROP TABLE records"):
        assert editor.get(f"/records/{record_id}").status_code == 404, record_id
        assert editor.get(f"/records/{record_id}/edit").status_code == 404, record_id
    assert editor.get("/indicators/SO9.9").status_code == 404
