"""The JSON API: records, errors (always JSON, never a 500), tokens and CSRF, OpenAPI."""

from __future__ import annotations

import re

import pytest

from evidence import accounts
from learning.http.state import evidence
from tests.web_helpers import csrf_token

pytest_plugins = ["tests.web_fixtures"]


@pytest.fixture
def token_for(app):
    def make(name: str) -> dict[str, str]:
        with app.app_context():
            return {"Authorization": f"Bearer {accounts.create_token(evidence().store, name)}"}

    return make


@pytest.fixture
def editor(app, token_for):
    """An API client for the editor, by bearer token."""
    client = app.test_client()
    headers = token_for("editor")

    def call(method: str, path: str, **kwargs):
        return client.open(
            path, method=method, headers={**headers, **kwargs.pop("headers", {})}, **kwargs
        )

    return call


def error_of(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.is_json
    error = response.json["error"]
    assert set(error) == {"code", "message", "fields"} and error["message"]
    return error


def test_create_read_replace_delete(editor, make_record) -> None:
    created = editor("POST", "/api/records", json=make_record(title="From the API"))
    assert created.status_code == 201
    record = created.json
    assert created.headers["Location"] == f"/api/records/{record['id']}"
    assert record["revision"] == 1 and record["author"] == "GL"
    assert editor("GET", created.headers["Location"]).json == record
    changed = editor(
        "PUT", f"/api/records/{record['id']}", json={**record, "title": "From the API, changed"}
    )
    assert changed.status_code == 200 and changed.json["revision"] == 2
    history = editor("GET", f"/api/records/{record['id']}/revisions").json
    assert [r["revision"] for r in history["revisions"]] == [1]
    assert history["revisions"][0]["record"]["title"] == "From the API"
    assert editor("DELETE", f"/api/records/{record['id']}").status_code == 204
    error_of(editor("GET", f"/api/records/{record['id']}"), 404)


def test_author_defaults_to_the_person(editor, make_record) -> None:
    data = make_record()
    del data["author"]
    assert editor("POST", "/api/records", json=data).json["author"] == "editor"


def test_a_stale_put_is_refused_and_nothing_is_overwritten(editor, seed) -> None:
    record = editor("GET", f"/api/records/{seed.public}").json
    first = editor("PUT", f"/api/records/{seed.public}", json={**record, "title": "First"})
    assert first.status_code == 200
    stale = editor("PUT", f"/api/records/{seed.public}", json={**record, "title": "Second"})
    error = error_of(stale, 409)
    assert error["code"] == "conflict" and "revision" in error["fields"]
    assert editor("GET", f"/api/records/{seed.public}").json["title"] == "First"
    missing = {k: v for k, v in record.items() if k != "revision"}
    assert (
        "revision"
        in error_of(editor("PUT", f"/api/records/{seed.public}", json=missing), 422)["fields"]
    )


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{not json", "application/json"),
        ('{"title": "x",}', "application/json"),
        ("[" * 100_000 + "]" * 100_000, "application/json"),
        ("title=x", "application/x-www-form-urlencoded"),
        ("", "application/json"),
        ("\xff\xfe", "application/json"),
    ],
)
def test_malformed_bodies_are_400(editor, body: str, content_type: str) -> None:
    response = editor("POST", "/api/records", data=body, headers={"Content-Type": content_type})
    error_of(response, 400)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": 5}, "title"),
        ({"indicators": "SO1.1"}, "indicators"),
        ({"indicators": ["SO9.9"]}, "indicators"),
        ({"date": "14/03/2025"}, "date"),
        ({"consent": "secret"}, "consent"),
        ({"locality": "Alloa", "authority": "Dundee"}, "locality"),
        ({"fields": {"family": ["a"]}}, "fields.family"),
        ({"fields": {"colour": "red"}}, "fields.colour"),
        ({"fields": []}, "fields"),
        ({"unexpected": 1}, "unexpected"),
        ({"type": None}, "type"),
    ],
)
def test_invalid_records_are_422_naming_the_field(editor, make_record, change, field) -> None:
    error = error_of(editor("POST", "/api/records", json=make_record(**change)), 422)
    assert error["code"] == "invalid" and field in error["fields"], error


@pytest.mark.parametrize("body", [[], "text", 5, [{"title": "x"}]])
def test_json_that_is_not_an_object_is_422(editor, body) -> None:
    error_of(editor("POST", "/api/records", json=body), 422)


def test_huge_bodies_are_413(editor, make_record) -> None:
    data = make_record(body="x" * (3 * 1024 * 1024))
    error = error_of(editor("POST", "/api/records", json=data), 413)
    assert error["code"] == "too_large"


@pytest.mark.parametrize(
    "record_id", ["nope", "x" * 65, "x" * 5000, "%00", "..", "ß", "a b", "01J' OR 1=1"]
)
def test_odd_ids_are_404(editor, record_id: str) -> None:
    error_of(editor("GET", f"/api/records/{record_id}"), 404)
    error_of(editor("PUT", f"/api/records/{record_id}", json={"revision": 1}), 404)
    error_of(editor("DELETE", f"/api/records/{record_id}"), 404)


@pytest.mark.parametrize(
    "query",
    [
        "page=0",
        "page=-1",
        "page=x",
        "per_page=1000",
        "per_page=0",
        "from=2025-13-01",
        "to=yesterday",
        "type=nothing",
        "indicator=SO9.9",
        "locality=Atlantis",
    ],
)
def test_bad_list_parameters_are_400(editor, query: str) -> None:
    error = error_of(editor("GET", f"/api/records?{query}"), 400)
    assert error["fields"], error


def test_list_filters_and_pages(editor) -> None:
    page = editor("GET", "/api/records?per_page=2&page=2").json
    assert page["total"] == 3 and page["page"] == 2 and len(page["records"]) == 1
    only = editor("GET", "/api/records?type=cafe_conversation&locality=Tullibody").json
    assert [r["title"] for r in only["records"]] == ["Allotment café in Tullibody"]
    dated = editor("GET", "/api/records?from=2025-03-01&to=2025-03-31").json
    assert dated["total"] == 1


def test_unknown_paths_and_methods_answer_json(editor) -> None:
    assert error_of(editor("GET", "/api/nothing-here"), 404)["code"] == "not_found"
    error = error_of(editor("PATCH", "/api/records"), 405)
    assert error["code"] == "method_not_allowed"


def test_purge_is_for_admins(app, editor, token_for, seed) -> None:
    error_of(editor("DELETE", f"/api/records/{seed.public}?purge=1"), 403)
    admin = app.test_client()
    purged = admin.delete(f"/api/records/{seed.public}?purge=1", headers=token_for("admin"))
    assert purged.status_code == 204
    error_of(editor("GET", f"/api/records/{seed.public}"), 404)
    with app.app_context():
        actions = [(line["action"], line["record_id"]) for line in evidence().store.audit_log()[1]]
    assert ("erase", seed.public) in actions and ("denied", seed.public) in actions


def test_viewers_cannot_write(app, token_for, make_record, seed) -> None:
    viewer = app.test_client()
    headers = token_for("viewer")
    error = error_of(viewer.post("/api/records", json=make_record(), headers=headers), 403)
    assert error["code"] == "forbidden"
    error_of(viewer.delete(f"/api/records/{seed.public}", headers=headers), 403)


def test_session_writes_need_the_csrf_header(as_role, make_record) -> None:
    editor = as_role("editor")
    refused = editor.post("/api/records", json=make_record())
    assert error_of(refused, 400)["code"] == "csrf"
    wrong = editor.post("/api/records", json=make_record(), headers={"X-CSRFToken": "forged"})
    error_of(wrong, 400)
    token = csrf_token(editor, "/")
    accepted = editor.post("/api/records", json=make_record(), headers={"X-CSRFToken": token})
    assert accepted.status_code == 201


def test_openapi_describes_every_api_route(app, as_role) -> None:
    document = as_role("viewer").get("/api/openapi.json").json
    assert document["openapi"].startswith("3.")
    described = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method != "parameters"
    }
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (method, path) in described, (method, path)
    assert {"400", "401", "404", "409", "413", "422"} <= {
        code
        for item in document["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "responses" in op
        for code in op["responses"]
    }


def test_framework(editor) -> None:
    framework = editor("GET", "/api/framework").json
    assert [o["code"] for o in framework["objectives"]][:2] == ["SO1", "SO2"]
    assert "family_story" in framework["record_types"]


def test_the_server_sets_revision_and_timestamps_on_post_and_put(editor, make_record) -> None:
    from datetime import UTC, datetime, timedelta

    def recent(stamp: str) -> bool:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        return abs(datetime.now(UTC) - when) < timedelta(minutes=5)

    claimed = {"created_at": "1999-01-01T00:00:00Z", "updated_at": "1999-01-02T00:00:00Z"}
    created = editor("POST", "/api/records", json={**make_record(), **claimed, "revision": 7})
    assert created.status_code == 201, created.get_data(as_text=True)
    record = created.json
    assert record["revision"] == 1
    assert recent(record["created_at"]) and recent(record["updated_at"]), record
    assert editor("GET", f"/api/records/{record['id']}").json["created_at"] == record["created_at"]
    # Whatever a client claims (even nonsense) is ignored, not refused.
    odd = editor("POST", "/api/records", json={**make_record(), "created_at": ["not", "a", "time"]})
    assert odd.status_code == 201 and recent(odd.json["created_at"])

    changed = editor(
        "PUT",
        f"/api/records/{record['id']}",
        json={**record, **claimed, "title": "Changed", "created_at": "2001-01-01T00:00:00Z"},
    )
    assert changed.status_code == 200, changed.get_data(as_text=True)
    assert changed.json["revision"] == 2
    assert changed.json["created_at"] == record["created_at"]
    assert recent(changed.json["updated_at"]) and changed.json["updated_at"] >= record["updated_at"]
    # A PUT still needs the revision it started from, to detect a conflict.
    stale = editor("PUT", f"/api/records/{record['id']}", json={**record, "title": "Late"})
    assert error_of(stale, 409)["fields"].keys() == {"revision"}
    odd = editor("PUT", f"/api/records/{record['id']}", json={**record, "revision": "two"})
    assert "revision" in error_of(odd, 422)["fields"]


def test_import_keeps_revision_and_timestamps(evidence, make_record) -> None:
    data = {
        **make_record(id="kept-times"),
        "revision": 4,
        "created_at": "1999-01-01T00:00:00Z",
        "updated_at": "1999-02-01T00:00:00Z",
    }
    added, _ = evidence.import_items([("export.json#1", data)])
    assert added == 1
    kept = evidence.get("kept-times")
    assert (kept.revision, kept.created_at, kept.updated_at) == (
        4,
        "1999-01-01T00:00:00Z",
        "1999-02-01T00:00:00Z",
    )
