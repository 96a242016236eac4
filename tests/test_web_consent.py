"""Consent on every read path: viewers never see team-only records, nor names in anonymised ones.

The seed has one record per consent level. The team-only one is about "Jamie Frost" and the
word "zebrafinch", in Alloa under SO2.1; the anonymised one names "Sarah Kerr" (SO1.1).
"""

from __future__ import annotations

import pytest

from tests.web_helpers import csrf_token

pytest_plugins = ["tests.web_fixtures"]

SECRETS = ("Zebrafinch", "zebrafinch", "Jamie", "Frost", "secretive")
NAMES = ("Sarah", "Kerr")


def _hidden(html: str, words=SECRETS + NAMES) -> None:
    for word in words:
        assert word not in html, word


@pytest.fixture
def viewer(as_role):
    return as_role("viewer")


@pytest.fixture
def editor(as_role):
    return as_role("editor")


def test_record_pages(viewer, editor, seed) -> None:
    assert viewer.get(f"/records/{seed.internal}").status_code == 404
    page = viewer.get(f"/records/{seed.anonymised}").get_data(as_text=True)
    _hidden(page)
    assert "Person A" in page and "People named" not in page
    assert editor.get(f"/records/{seed.internal}").status_code == 200
    assert "Sarah Kerr" in editor.get(f"/records/{seed.anonymised}").get_data(as_text=True)


def test_browse_list_and_facets(viewer, editor) -> None:
    page = viewer.get("/records").get_data(as_text=True)
    _hidden(page)
    assert "Alloa (" not in page and "SO2.1 (" not in page and "Team only (" not in page
    assert "Showing 1 to 2 of 2 records" in page
    # Asking for team-only records by hand does not show them either.
    _hidden(viewer.get("/records?consent=internal&locality=Alloa").get_data(as_text=True))
    staff = editor.get("/records").get_data(as_text=True)
    assert "Zebrafinch" in staff and "Alloa (1)" in staff and "Team only (1)" in staff


def test_search_hits_snippets_and_facets(viewer, editor) -> None:
    for query in ("zebrafinch", "Jamie", "Sarah Kerr", "secretive", "tag:secretive", "Alloa"):
        page = viewer.get(f"/search?q={query}").get_data(as_text=True)
        assert "No records found" in page, query
        _hidden(page.replace(f'value="{query}"', "").split("</form>", 1)[1])
    page = viewer.get("/search?q=breakfast").get_data(as_text=True)
    _hidden(page.split("</form>", 1)[1])
    assert "Person A" in page
    assert "zebrafinch" in editor.get("/search?q=zebrafinch").get_data(as_text=True).lower()


def test_indicator_pages(viewer, editor) -> None:
    page = viewer.get("/indicators/SO2.1").get_data(as_text=True)
    _hidden(page)
    assert "No evidence yet" in page and "Records (0)" in page
    assert "Records (1)" in editor.get("/indicators/SO2.1").get_data(as_text=True)


def test_dashboard_and_framework_counts(viewer, editor) -> None:
    page = viewer.get("/").get_data(as_text=True)
    _hidden(page)
    assert "2 records of evidence you can see" in page
    so21 = page.split('href="/indicators/SO2.1">SO2.1</a></dt>', 1)[1].split("</div>", 1)[0]
    assert "No evidence" in so21
    staff = editor.get("/").get_data(as_text=True)
    assert "3 records of evidence you can see" in staff
    framework = viewer.get("/framework").get_data(as_text=True)
    assert framework.count("(1 record)") == 2  # SO1.1 and SO1.2, not SO2.1


def test_api_list_get_and_search(viewer, editor, seed) -> None:
    listed = viewer.get("/api/records").json
    assert listed["total"] == 2
    assert {r["id"] for r in listed["records"]} == {seed.anonymised, seed.public}
    _hidden(str(listed))
    assert viewer.get(f"/api/records/{seed.internal}").status_code == 404
    anonymised = viewer.get(f"/api/records/{seed.anonymised}").json
    assert anonymised["people"] == [] and "Person A" in anonymised["body"]
    _hidden(str(anonymised))
    for query in ("zebrafinch", "Jamie", "Sarah"):
        found = viewer.get(f"/api/search?q={query}").json
        assert found["total"] == 0, query
    everything = viewer.get("/api/search?q=").json
    _hidden(str(everything))
    assert "Alloa" not in everything["facets"].get("locality", {})
    assert "SO2.1" not in everything["facets"].get("indicator", {})
    assert editor.get("/api/search?q=zebrafinch").json["total"] == 1
    assert editor.get("/api/records").json["total"] == 3


def test_learning_updates_for_viewers_are_external_only(editor, viewer) -> None:
    headers = {"X-CSRFToken": csrf_token(editor, "/")}
    for audience in ("internal", "external"):
        made = editor.post(
            "/api/learning-updates",
            headers=headers,
            json={"from": "2025-01-01", "to": "2025-06-30", "audience": audience, "save": True},
        )
        assert made.status_code == 201, made.json
    saved = {
        r["fields"]["audience"]: r["id"]
        for r in editor.get("/api/learning-updates").json["records"]
    }
    assert set(saved) == {"internal", "external"}
    listed = viewer.get("/api/learning-updates").json
    assert [r["id"] for r in listed["records"]] == [saved["external"]]
    page = viewer.get("/learning-updates").get_data(as_text=True)
    assert "Outside the team" in page and "The team</td>" not in page
    for fmt in ("md", "html"):
        document = viewer.get(f"/api/learning-updates/{saved['external']}?format={fmt}")
        assert document.status_code == 200
        _hidden(document.get_data(as_text=True))
    assert viewer.get(f"/api/learning-updates/{saved['internal']}?format=md").status_code == 404
    assert viewer.get(f"/records/{saved['internal']}").status_code == 404
