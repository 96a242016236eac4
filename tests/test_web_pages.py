"""Dashboard, framework, indicator, search, learning-update and admin pages."""

from __future__ import annotations

import re

from evidence import accounts
from learning.http.state import evidence
from learning.web.coverage import quarter_end, quarter_start, quarters_between
from learning.web.learning_updates import last_quarter
from tests.web_helpers import csrf_token

pytest_plugins = ["tests.web_fixtures"]


def post(client, path: str, data: dict):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, "/")})


def test_quarters() -> None:
    assert quarters_between("2024-09-01", "2025-02-28") == ["2024-Q3", "2024-Q4", "2025-Q1"]
    assert quarter_start("2025-Q2") == "2025-04-01" and quarter_end("2025-Q4") == "2025-12-31"
    assert last_quarter(__import__("datetime").date(2025, 5, 9)) == ("2025-01-01", "2025-03-31")


def test_dashboard_shows_every_indicator_and_the_gaps(app, as_role) -> None:
    page = as_role("editor").get("/").get_data(as_text=True)
    with app.app_context():
        codes = list(evidence().framework.indicators)
    for code in codes:
        assert f'href="/indicators/{code}">{code}</a>' in page
    assert (
        "No evidence" in page and 'class="numeric cell--gap">0 <span class="gap-word">gap' in page
    )
    row = page.split('href="/indicators/SO1.1">SO1.1</a></th>', 1)[1].split("</tr>", 1)[0]
    assert re.findall(r'cell--some">(\d+)<', row) == ["1"]  # March 2025: 2025-Q1
    assert "Recent records" in page and "Zebrafinch" in page


def test_indicator_page(as_role) -> None:
    page = as_role("editor").get("/indicators/SO1.1").get_data(as_text=True)
    assert "Families have voice and agency" in page
    assert "Jan–Mar 2025" in page and "Breakfast club story" in page


def test_framework_page(as_role) -> None:
    page = as_role("viewer").get("/framework").get_data(as_text=True)
    assert "SO1-A" in page and "Clackmannanshire" in page and "Impact indicators" in page


def test_search_page(as_role, seed) -> None:
    editor = as_role("editor")
    page = editor.get("/search?q=allotment").get_data(as_text=True)
    assert "1 record found" in page and f'/records/{seed.public}"' in page
    assert "<mark>" in page and "&lt;mark&gt;" not in page
    assert "Café conversation (1)" in page
    dated = editor.get("/search?q=&type=family_story&sort=date").get_data(as_text=True)
    assert "2 records found" in dated
    assert "No records found" in editor.get("/search?q=qwertyuiop").get_data(as_text=True)
    empty = editor.get("/search").get_data(as_text=True)
    assert "records found" not in empty and 'name="q"' in empty


def test_search_suggestion_is_a_link(as_role) -> None:
    # One letter short of "allotment" (in the seed's records); "allotmnet" stems to a word
    # too far from "allot" for any suggestion, so a test of it could only pass.
    page = as_role("editor").get("/search?q=alotment").get_data(as_text=True)
    assert "Did you mean" in page
    assert 'href="/search?q=allotment' in page


def test_learning_update_form_preview_download_and_save(as_role) -> None:
    editor = as_role("editor")
    form = editor.get("/learning-updates/new").get_data(as_text=True)
    assert 'name="from"' in form and 'name="objectives"' in form
    data = {"from": "2025-01-01", "to": "2025-06-30", "audience": "internal"}
    preview = post(editor, "/learning-updates/new", {**data, "action": "preview"})
    assert preview.status_code == 200 and 'id="preview"' in preview.get_data(as_text=True)
    download = post(editor, "/learning-updates/new", {**data, "action": "docx"})
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    refused = post(editor, "/learning-updates/new", {**data, "to": "2024-01-01"})
    assert refused.status_code == 422 and "There is a problem" in refused.get_data(as_text=True)
    saved = post(editor, "/learning-updates/new", {**data, "action": "save"})
    assert saved.status_code == 302
    listing = editor.get("/learning-updates").get_data(as_text=True)
    assert "The team" in listing and "format=docx" in listing
    record_page = editor.get(saved.headers["Location"]).get_data(as_text=True)
    assert "format=docx" in record_page


def test_admin_adds_a_user_changes_role_disables_and_makes_a_token(app, as_role) -> None:
    admin = as_role("admin")
    refused = post(admin, "/admin/users", {"name": "new person", "role": "viewer", "password": "x"})
    assert refused.status_code == 422 and 'value="new person"' in refused.get_data(as_text=True)
    made = post(
        admin,
        "/admin/users",
        {"name": "board.member", "role": "viewer", "password": "long enough password"},
    )
    assert made.status_code == 302
    assert post(admin, "/admin/users/board.member/role", {"role": "editor"}).status_code == 302
    assert post(admin, "/admin/users/board.member/disable", {"disabled": "1"}).status_code == 302
    with app.app_context():
        user = accounts.get_user(evidence().store, "board.member")
    assert user.role == "editor" and user.disabled
    assert post(admin, "/admin/users/board.member/disable", {"disabled": "0"}).status_code == 302
    token_page = post(admin, "/admin/users/board.member/token", {}).get_data(as_text=True)
    token = re.search(r"<code>(wm2u_[^<]+)</code>", token_page).group(1)
    assert (
        app.test_client()
        .get("/api/records", headers={"Authorization": f"Bearer {token}"})
        .status_code
        == 200
    )
    # An admin cannot lock themself out.
    post(admin, "/admin/users/admin/role", {"role": "viewer"})
    post(admin, "/admin/users/admin/disable", {"disabled": "1"})
    assert admin.get("/admin/users").status_code == 200
    audit = admin.get("/admin/audit").get_data(as_text=True)
    assert "user-add" in audit and "role-change" in audit and "token-create" in audit
    assert token not in audit


def test_learning_updates_are_not_counted_as_evidence(as_role) -> None:
    editor = as_role("editor")
    before = editor.get("/").get_data(as_text=True)
    made = post(editor, "/learning-updates/new",
                {"from": "2025-01-01", "to": "2025-06-30", "audience": "internal",
                 "action": "save"})  # fmt: skip
    assert made.status_code == 302
    after = editor.get("/").get_data(as_text=True)
    assert "3 records of evidence" in before and "3 records of evidence" in after
    assert "Records (1)" in editor.get("/indicators/SO1.1").get_data(as_text=True)
