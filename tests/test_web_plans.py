"""Plans over time in the browser and the API: the plan of a date, the plans held, the admin
page that adopts a reviewed plan, and reading records of both plans."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidence import accounts
from learning.http import state
from learning.services import Evidence, initialise
from tests.builders import record_data
from tests.web_helpers import PASSWORD, csrf_token, make_app, session_login


@pytest.fixture
def world(tmp_path: Path):
    """A data dir on the 2023 plan with a 2023 East Ayrshire record and a 2025 one using
    SO2-D, and an app over it."""
    path = tmp_path / "instance"
    initialise(path, "wm2u-2023-2024")
    with Evidence(path) as ev:
        for role in ("admin", "editor", "viewer"):
            accounts.add_user(ev.store, role, role, PASSWORD)
        old = ev.create(
            record_data(
                date="2023-10-02",
                authority="East Ayrshire",
                locality="Barony",
                activities=["SO2-D"],
                consent="public",
                title="Grange parents' garden",
            ),
            "seed",
        )
        new = ev.create(
            record_data(
                date="2025-02-01",
                activities=["SO2-D"],
                consent="public",
                title="Lochee learning event",
            ),
            "seed",
        )
        ev.sync_index(wait=10)
    app = make_app(path)
    yield app, old.id, new.id
    state.shutdown(app)


def client_for(app, role):
    c = app.test_client()
    session_login(c, role)
    return c


def adopt_through_the_page(app, maps="SO2-D=SO1-C\nSO2-E=SO3-C"):
    admin = client_for(app, "admin")
    token = csrf_token(admin, "/admin/plans")
    form = {"plan": "wm2u-2024-2026", "from": "2024-09-01", "map": maps, "csrf_token": token}
    preview = admin.post("/admin/plans", data={**form, "action": "preview"})
    adopted = admin.post("/admin/plans", data={**form, "action": "adopt"})
    return admin, preview, adopted


def test_the_admin_page_previews_then_adopts(world):
    app, old_id, new_id = world
    admin, preview, adopted = adopt_through_the_page(app)
    assert preview.status_code == 200
    text = preview.get_data(as_text=True)
    assert new_id in text and "SO2-D → SO1-C" in text and "Dry run" in text
    assert "Clackmannanshire" in text  # the diff of the plan in force and the new one
    assert adopted.status_code == 302
    with Evidence(app.config["DATA_DIR"]) as ev:
        assert [p.name for p in ev.plans] == ["wm2u-2023-2024", "wm2u-2024-2026"]
        assert ev.get(new_id).activities == ["SO1-C"]
        assert ev.get(old_id).activities == ["SO2-D"]
    page = admin.get("/framework").get_data(as_text=True)
    assert (
        "1 September 2024" in page and "What changed from wm2u-2023-2024 to wm2u-2024-2026" in page
    )
    for word in ("SO2-D", "SO2-E", "SO3-C", "East Ayrshire", "Clackmannanshire"):
        assert word in page


def test_a_refused_adoption_on_the_page_changes_nothing(world):
    app, _, new_id = world
    admin = client_for(app, "admin")
    token = csrf_token(admin, "/admin/plans")
    answer = admin.post(
        "/admin/plans",
        data={
            "plan": "wm2u-2024-2026",
            "from": "2024-09-01",
            "map": "",
            "action": "adopt",
            "csrf_token": token,
        },
    )
    assert answer.status_code == 422
    assert new_id in answer.get_data(as_text=True)
    without_csrf = admin.post(
        "/admin/plans",
        data={
            "plan": "wm2u-2024-2026",
            "from": "2024-09-01",
            "action": "adopt",
            "map": "SO2-D=SO1-C",
        },
    )
    assert without_csrf.status_code in (400, 403)
    with Evidence(app.config["DATA_DIR"]) as ev:
        assert len(ev.plans) == 1


def test_the_api_answers_the_plan_of_a_date_and_every_plan(world):
    app, _, _ = world
    adopt_through_the_page(app)
    viewer = client_for(app, "viewer")
    plans = viewer.get("/api/frameworks").get_json()["plans"]
    assert [(p["name"], p["from"], p["to"]) for p in plans] == [
        ("wm2u-2023-2024", None, "2024-08-31"),
        ("wm2u-2024-2026", "2024-09-01", None),
    ]
    old = viewer.get("/api/framework?date=2024-01-15").get_json()
    assert old["name"] == "wm2u-2023-2024"
    assert old["in_force"] == {"from": None, "to": "2024-08-31"}
    assert viewer.get("/api/framework?date=2024-09-01").get_json()["name"] == "wm2u-2024-2026"
    assert viewer.get("/api/framework").get_json()["name"] == "wm2u-2024-2026"
    bad = viewer.get("/api/framework?date=2024-13-01")
    assert bad.status_code == 400 and "date" in bad.get_json()["error"]["fields"]


def test_records_of_both_plans_are_browsed_searched_and_written(world):
    app, old_id, new_id = world
    adopt_through_the_page(app)
    editor = client_for(app, "editor")
    browse = editor.get("/records?locality=Barony").get_data(as_text=True)
    assert "Grange parents" in browse and "Lochee learning event" not in browse
    api = editor.get("/api/records?locality=Barony").get_json()
    assert [r["id"] for r in api["records"]] == [old_id]
    found = editor.get("/api/search?q=garden&locality=Barony").get_json()
    assert [h["id"] for h in found["hits"]] == [old_id]
    assert old_id in editor.get("/indicators/SO1.1").get_data(as_text=True)
    form = editor.get("/records/new?type=family_story").get_data(as_text=True)
    assert 'value="SO2-D"' in form and "wm2u-2023-2024 only" in form and 'value="SO3-C"' in form
    assert "Barony" in form and "Alloa" in form
    token = csrf_token(editor, "/records/new?type=family_story")
    answer = editor.post(
        "/api/records",
        json=record_data(date="2025-05-01", activities=["SO2-D"]),
        headers={"X-CSRFToken": token},
    )
    assert answer.status_code == 422
    assert "wm2u-2024-2026" in answer.get_json()["error"]["fields"]["activities"]
    answer = editor.post(
        "/api/records",
        json=record_data(
            date="2023-12-01", authority="East Ayrshire", locality="Grange", activities=["SO2-D"]
        ),
        headers={"X-CSRFToken": token},
    )
    assert answer.status_code == 201, answer.get_json()
    dashboard = editor.get("/").get_data(as_text=True)
    assert "review August 2024" in dashboard and "in force since 1 September 2024" in dashboard
