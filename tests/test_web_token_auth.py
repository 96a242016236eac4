"""An API request that names a bearer token is judged by the token alone, never by a cookie."""

from __future__ import annotations

from evidence import accounts
from learning.http import state
from tests.web_helpers import csrf_token

pytest_plugins = ["tests.web_fixtures"]


def token_for(app, name: str) -> dict[str, str]:
    with app.app_context():
        return {"Authorization": f"Bearer {accounts.create_token(state.evidence().store, name)}"}


def test_a_token_alongside_another_persons_login_acts_as_the_token(app, as_role, seed) -> None:
    editor = as_role("editor")
    assert editor.get(f"/api/records/{seed.internal}").status_code == 200
    viewer_token = token_for(app, "viewer")
    answer = editor.get(f"/api/records/{seed.internal}", headers=viewer_token)
    assert answer.status_code == 404, "the viewer's token must not read an internal record"
    assert editor.get(f"/api/records/{seed.internal}").status_code == 200, "cookie still works"


def test_a_bad_token_is_refused_even_with_a_good_cookie(as_role) -> None:
    editor = as_role("editor")
    answer = editor.get("/api/records", headers={"Authorization": "Bearer wm2u_nope"})
    assert answer.status_code == 401
    assert answer.json["error"]["code"] == "unauthorised"
    assert editor.get("/api/records").status_code == 200, "and the login is not ended by it"


def test_a_token_request_sets_no_cookie(app, client) -> None:
    csrf_token(client)  # the login page puts a CSRF token in the session cookie
    answer = client.get("/api/records", headers=token_for(app, "viewer"))
    assert answer.status_code == 200
    assert "Set-Cookie" not in answer.headers


def test_a_token_writes_without_csrf_even_with_an_anonymous_cookie(app, client, make_record):
    csrf_token(client)
    answer = client.post("/api/records", json=make_record(), headers=token_for(app, "editor"))
    assert answer.status_code == 201, answer.get_data(as_text=True)


def test_pages_ignore_tokens(app, client) -> None:
    assert client.get("/", headers=token_for(app, "admin")).status_code == 302
