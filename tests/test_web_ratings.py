"""Progress ratings: the indicator page's list and form, the JSON API, and learning updates."""

from __future__ import annotations

import pytest

from tests.web_helpers import csrf_token, post_form

pytest_plugins = ["tests.web_fixtures"]

RATIONALE = "Jamie Frost and Sarah Kerr both said mornings were calmer.\nSecond line."


def rating_form(seed, **overrides) -> dict:
    form = {
        "period_from": "2025-01-01",
        "period_to": "2025-03-31",
        "progress": "developing",
        "confidence": "medium",
        "rationale": RATIONALE,
        "recent": [seed.anonymised],
        "records": f"{seed.internal}\n",
    }
    form.update(overrides)
    return form


def api_rate(client, code: str = "SO1.1", **body):
    token = csrf_token(client, "/")
    return client.post(f"/api/indicators/{code}/ratings", json=body, headers={"X-CSRFToken": token})


def rating_body(seed, **overrides) -> dict:
    body = {
        "period_from": "2025-01-01",
        "period_to": "2025-03-31",
        "progress": "developing",
        "confidence": "medium",
        "rationale": RATIONALE,
        "records": [seed.anonymised, seed.internal],
    }
    body.update(overrides)
    return body


def test_editor_rates_from_the_indicator_page(as_role, seed) -> None:
    editor = as_role("editor")
    page = editor.get("/indicators/SO1.1").get_data(as_text=True)
    assert "Progress ratings" in page and "has not been rated yet" in page
    assert f'name="recent" type="checkbox" value="{seed.anonymised}"' in page
    response = post_form(editor, "/indicators/SO1.1/ratings", rating_form(seed))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/indicators/SO1.1#ratings")
    page = editor.get("/indicators/SO1.1").get_data(as_text=True)
    assert "Developing, medium confidence" in page
    assert "This is the first rating of this indicator." in page
    assert "Jamie Frost and Sarah Kerr" in page  # the team sees the rationale as written
    assert f'/records/{seed.internal}"' in page and f'/records/{seed.anonymised}"' in page
    assert "The progress rating has been saved." in page


def test_a_refused_rating_keeps_the_text_and_names_each_problem(as_role, seed) -> None:
    editor = as_role("editor")
    form = rating_form(seed, progress="", period_to="2024-12-01", records="NOPE123\n")
    response = post_form(editor, "/indicators/SO1.1/ratings", form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "<title>Error: SO1.1" in page
    assert "There is a problem" in page
    assert 'href="#progress"' in page and 'href="#period-to"' in page
    assert 'id="progress-error"' in page and 'id="period-to-error"' in page
    assert 'id="records-error"' in page and "NOPE123" in page
    assert "Jamie Frost and Sarah Kerr both said mornings were calmer.\nSecond line." in page
    assert f'value="{seed.anonymised}" checked' in page
    assert 'value="2024-12-01"' in page
    assert "has not been rated yet" in page  # nothing was saved


def test_a_viewer_sees_the_rationale_redacted_and_no_team_only_evidence(as_role, seed) -> None:
    assert (
        post_form(as_role("editor"), "/indicators/SO1.1/ratings", rating_form(seed)).status_code
        == 302
    )
    viewer = as_role("viewer")
    page = viewer.get("/indicators/SO1.1").get_data(as_text=True)
    assert "Developing, medium confidence" in page
    for secret in ("Jamie", "Frost", "Sarah", "Kerr", "Zebrafinch", seed.internal):
        assert secret not in page, secret
    assert "Person A and Person B both said" in page or "Person B and Person A both said" in page
    assert f'/records/{seed.anonymised}"' in page
    assert 'action="/indicators/SO1.1/ratings' not in page  # no form for viewers
    listed = viewer.get("/api/indicators/SO1.1/ratings").json["ratings"]
    assert listed[0]["records"] == [seed.anonymised]
    assert "Jamie" not in listed[0]["rationale"] and "Kerr" not in listed[0]["rationale"]


def test_api_ratings_shapes(as_role, seed) -> None:
    editor = as_role("editor")
    created = api_rate(editor, **rating_body(seed, progress="emerging", period_to="2025-01-31"))
    assert created.status_code == 201
    rating = created.json
    assert set(rating) == {
        "id", "indicator", "period_from", "period_to", "progress", "confidence",
        "rationale", "records", "rated_by", "rated_at", "change", "consent", "people", "excerpts",
    }  # fmt: skip
    assert rating["indicator"] == "SO1.1" and rating["rated_by"] == "editor"
    assert created.headers["Location"].endswith("/api/indicators/SO1.1/ratings")
    later = api_rate(editor, **rating_body(seed, period_from="2025-02-01"))
    assert later.status_code == 201
    assert later.json["change"].startswith("Progress has moved on from emerging")
    listed = editor.get("/api/indicators/SO1.1/ratings").json
    assert listed["indicator"] == "SO1.1"
    assert [r["progress"] for r in listed["ratings"]] == ["developing", "emerging"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"progress": "great"}, "progress"),
        ({"confidence": None}, "confidence"),
        ({"period_to": "2024-01-01"}, "period_to"),
        ({"rationale": ""}, "rationale"),
        ({"records": ["NOPE"]}, "records"),
        ({"indicator": "SO2.1"}, "indicator"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_api_refuses_a_bad_rating_naming_the_field(as_role, seed, body, field) -> None:
    response = api_rate(as_role("editor"), **rating_body(seed, **body))
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]
    assert as_role("editor").get("/api/indicators/SO1.1/ratings").json["ratings"] == []


def test_api_ratings_unknown_indicator_and_roles(as_role, seed) -> None:
    editor = as_role("editor")
    assert editor.get("/api/indicators/SO9.9/ratings").status_code == 404
    assert api_rate(editor, "SO9.9", **rating_body(seed)).status_code == 404
    assert api_rate(as_role("viewer"), **rating_body(seed)).status_code == 403
    token = csrf_token(editor, "/")
    not_json = editor.post(
        "/api/indicators/SO1.1/ratings", data="x", headers={"X-CSRFToken": token}
    )
    assert not_json.status_code == 400
    listed = editor.post("/api/indicators/SO1.1/ratings", json=[1], headers={"X-CSRFToken": token})
    assert listed.status_code == 422


def test_a_learning_update_shows_the_rating_and_its_change(as_role, seed) -> None:
    editor = as_role("editor")
    first = {"period_from": "2024-10-01", "period_to": "2024-12-31", "progress": "emerging"}
    assert api_rate(editor, **rating_body(seed, **first, confidence="low")).status_code == 201
    assert api_rate(editor, **rating_body(seed)).status_code == 201
    token = csrf_token(editor, "/")
    response = editor.post(
        "/api/learning-updates",
        json={"from": "2025-01-01", "to": "2025-03-31"},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 201
    markdown = response.json["markdown"]
    assert "**Progress rating:** Developing (confidence: medium)" in markdown
    assert "Progress has moved on from emerging" in markdown
    assert "Confidence has risen from low to medium." in markdown
    external = editor.post(
        "/api/learning-updates",
        json={"from": "2025-01-01", "to": "2025-03-31", "audience": "external"},
        headers={"X-CSRFToken": token},
    ).json["markdown"]
    assert "Progress has moved on from emerging" in external
    assert "Jamie" not in external and seed.internal not in external


def test_erasing_a_record_unlinks_it_from_ratings(app, as_role, seed) -> None:
    editor = as_role("editor")
    assert api_rate(editor, **rating_body(seed)).status_code == 201
    admin = as_role("admin")
    token = csrf_token(admin, "/")
    erased = admin.delete(f"/api/records/{seed.internal}?purge=1", headers={"X-CSRFToken": token})
    assert erased.status_code == 204
    rating = editor.get("/api/indicators/SO1.1/ratings").json["ratings"][0]
    assert rating["records"] == [seed.anonymised]
    assert "Jamie Frost" not in rating["rationale"] and "[erased]" in rating["rationale"]
