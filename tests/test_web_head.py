"""`HEAD` is `GET` without the body, everywhere: a health check never submits a form."""

from __future__ import annotations

import pytest

from learning.services import Evidence
from tests.web_helpers import login

pytest_plugins = ["tests.web_fixtures"]


def audit_actions(data_dir) -> list[str]:
    with Evidence(data_dir) as ev:
        return [line["action"] for line in ev.store.audit_log(500)[1]]


def test_a_health_check_on_the_login_page_never_locks_anybody_out(client, data_copy) -> None:
    for _ in range(30):
        answer = client.head("/login")
        assert answer.status_code == 200
        assert answer.get_data() == b""
    assert "login-failed" not in audit_actions(data_copy)
    assert login(client, "admin").status_code == 302, "a correct login still works"
    assert client.get("/").status_code == 200


def test_head_on_the_login_page_when_logged_in_redirects_like_get(as_role) -> None:
    editor = as_role("editor")
    got, head = editor.get("/login?next=/records"), editor.head("/login?next=/records")
    assert (head.status_code, head.headers["Location"]) == (302, got.headers["Location"])


@pytest.mark.parametrize(
    ("role", "path"),
    [
        (None, "/login"),
        (None, "/"),
        ("viewer", "/"),
        ("viewer", "/records"),
        ("viewer", "/search?q=allotment"),
        ("viewer", "/records/new?type=family_story"),
        ("viewer", "/admin/users"),
        ("editor", "/records/new?type=family_story"),
        ("editor", "/records/{public}/edit"),
        ("editor", "/learning-updates/new"),
        ("admin", "/admin/users"),
        ("admin", "/records/{public}/erase"),
        (None, "/api/records"),
        ("viewer", "/api/records"),
        ("viewer", "/api/records/{public}"),
        ("viewer", "/api/records/no-such-id"),
        ("editor", "/api/openapi.json"),
    ],
)
def test_head_answers_what_get_answers_without_the_body(as_role, seed, role, path) -> None:
    client = as_role(role)
    path = path.format(public=seed.public)
    got = client.get(path)
    head = client.head(path)
    assert head.status_code == got.status_code, path
    assert head.get_data() == b"", path
    assert head.headers.get("Location") == got.headers.get("Location")
    assert head.headers["Content-Type"] == got.headers["Content-Type"]


def test_head_on_a_form_page_saves_nothing(as_role, data_copy, seed) -> None:
    before = audit_actions(data_copy)
    editor, admin = as_role("editor"), as_role("admin")
    assert editor.head("/records/new?type=family_story").status_code == 200
    assert editor.head(f"/records/{seed.public}/edit").status_code == 200
    assert editor.head("/learning-updates/new").status_code == 200
    assert admin.head("/admin/users").status_code == 200
    assert admin.head(f"/records/{seed.public}/erase").status_code == 200
    assert audit_actions(data_copy) == before, "a HEAD request must change nothing"
    with Evidence(data_copy) as ev:
        assert ev.store.count() == 3
