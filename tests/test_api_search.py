"""``/api/search`` and ``/api/learning-updates``: shapes, parameters and documents."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.web_helpers import csrf_token

pytest_plugins = ["tests.web_fixtures"]


@pytest.fixture
def editor(as_role):
    client = as_role("editor")
    client.csrf = csrf_token(client, "/")
    return client


def test_search_answer_shape(editor, seed) -> None:
    found = editor.get("/api/search?q=allotment").json
    assert set(found) >= {"total", "hits", "facets", "suggestion"}
    assert found["total"] == 1
    hit = found["hits"][0]
    assert set(hit) == {"id", "title", "type", "date", "locality", "score", "highlight",
                        "attachment"}  # fmt: skip
    assert hit["id"] == seed.public and "<mark>" in hit["highlight"]
    assert hit["attachment"] is None  # the words are in the record itself
    assert set(found["facets"]) >= {"type", "indicator", "locality"}
    assert found["facets"]["type"] == {"cafe_conversation": 1}


def test_search_filters_sort_and_pages(editor) -> None:
    assert editor.get("/api/search?q=&type=family_story").json["total"] == 2
    assert editor.get("/api/search?q=&locality=Alloa").json["total"] == 1
    assert editor.get("/api/search?q=&from=2025-03-01&to=2025-12-31").json["total"] == 2
    dated = editor.get("/api/search?q=&sort=date").json["hits"]
    assert [h["date"] for h in dated] == sorted((h["date"] for h in dated), reverse=True)
    page = editor.get("/api/search?q=&per_page=2&page=2").json
    assert page["total"] == 3 and len(page["hits"]) == 1


@pytest.mark.parametrize(
    "query", ["sort=popular", "page=0", "per_page=101", "from=soon", "type=nothing"]
)
def test_bad_search_parameters_are_400(editor, query: str) -> None:
    response = editor.get(f"/api/search?q=a&{query}")
    assert response.status_code == 400 and response.json["error"]["fields"]


@pytest.mark.parametrize("query", ['"unclosed', "AND OR NOT", "((", "date:2025-99-99..x", "-", ":"])
def test_malformed_queries_are_plain_words(editor, query: str) -> None:
    assert editor.get("/api/search", query_string={"q": query}).status_code == 200


def test_generate_and_save_a_learning_update(editor) -> None:
    headers = {"X-CSRFToken": editor.csrf}
    preview = editor.post(
        "/api/learning-updates",
        headers=headers,
        json={"from": "2025-01-01", "to": "2025-06-30", "audience": "internal"},
    )
    assert preview.status_code == 201 and "id" not in preview.json
    assert preview.json["markdown"].strip()
    saved = editor.post(
        "/api/learning-updates",
        headers=headers,
        json={
            "from": "2025-01-01",
            "to": "2025-06-30",
            "audience": "external",
            "objectives": ["SO1"],
            "save": True,
        },
    )
    assert saved.status_code == 201
    update_id = saved.json["id"]
    assert saved.headers["Location"] == f"/api/learning-updates/{update_id}"
    md = editor.get(f"/api/learning-updates/{update_id}?format=md")
    assert md.status_code == 200 and md.mimetype == "text/markdown"
    html = editor.get(f"/api/learning-updates/{update_id}?format=html")
    assert html.mimetype == "text/html" and "<script" not in html.get_data(as_text=True)
    csp = html.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script" not in csp  # its own styles, no script
    docx = editor.get(f"/api/learning-updates/{update_id}?format=docx")
    assert docx.status_code == 200 and "attachment" in docx.headers["Content-Disposition"]
    assert zipfile.is_zipfile(io.BytesIO(docx.data))
    assert editor.get(f"/api/learning-updates/{update_id}?format=pdf").status_code == 400
    record = editor.get(f"/api/records/{update_id}").json
    assert record["type"] == "learning_update" and record["fields"]["audience"] == "external"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"from": "2025-01-01"}, "to"),
        ({"from": "2025-13-01", "to": "2025-12-31"}, "from"),
        ({"from": "2025-06-01", "to": "2025-01-01"}, "to"),
        ({"from": "2025-01-01", "to": "2025-06-30", "audience": "everyone"}, "audience"),
        ({"from": "2025-01-01", "to": "2025-06-30", "objectives": ["SO9"]}, "objectives"),
        ({"from": "2025-01-01", "to": "2025-06-30", "objectives": "SO1"}, "objectives"),
        ({"from": "2025-01-01", "to": "2025-06-30", "save": "yes"}, "save"),
        ({"from": "2025-01-01", "to": "2025-06-30", "colour": "red"}, "colour"),
        ([], "body"),
    ],
)
def test_bad_learning_update_requests_are_422(editor, body, field: str) -> None:
    response = editor.post("/api/learning-updates", json=body, headers={"X-CSRFToken": editor.csrf})
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["fields"], response.json
