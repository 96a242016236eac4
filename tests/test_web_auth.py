"""Logging in and out: sessions, rate limits, safe redirects, CSRF, tokens, configuration."""

from __future__ import annotations

import os
import stat

import pytest

from evidence import accounts
from learning.http import state
from learning.services import Evidence
from tests.web_helpers import PASSWORD, csrf_token, login, make_app, post_form

pytest_plugins = ["tests.web_fixtures"]


def audit_actions(data_dir) -> list[tuple[str, str]]:
    with Evidence(data_dir) as ev:
        return [(line["actor"], line["action"]) for line in ev.store.audit_log(500)[1]]


def test_anonymous_reaches_only_login_and_static(client) -> None:
    response = client.get("/records?type=event")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/records?type%3Devent"
    assert client.get("/login").status_code == 200
    with client.get("/static/wm2u.css") as css:
        assert css.status_code == 200
    api = client.get("/api/records")
    assert api.status_code == 401 and api.json["error"]["code"] == "unauthorised"
    assert client.get("/no-such-page").status_code == 302


def test_login_and_logout_through_the_form(client, data_copy) -> None:
    response = login(client, "editor")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    response = post_form(client, "/logout")
    assert response.headers["Location"] == "/login"
    assert client.get("/").status_code == 302
    assert ("editor", "login") in audit_actions(data_copy)
    assert ("editor", "logout") in audit_actions(data_copy)


def test_wrong_password_is_refused_and_audited(client, data_copy) -> None:
    response = login(client, "editor", "not the password")
    assert response.status_code == 401
    assert "The name or password is not right" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    assert ("editor", "login-failed") in audit_actions(data_copy)


def test_the_old_cookie_is_refused_after_logout(app) -> None:
    first = app.test_client()
    login(first, "viewer")
    cookie = first.get_cookie("wm2u_session").value
    assert first.get("/").status_code == 200
    post_form(first, "/logout")
    replay = app.test_client()
    replay.set_cookie("wm2u_session", cookie)
    assert replay.get("/").status_code == 302, "a logged-out session must not be accepted"


def test_login_starts_a_fresh_session(client) -> None:
    csrf_token(client)
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    login(client, "viewer")
    with client.session_transaction() as session:
        assert "planted" not in session


def test_disabled_account_loses_its_session(app, as_role) -> None:
    viewer = as_role("viewer")
    assert viewer.get("/").status_code == 200
    with app.app_context():
        accounts.set_disabled(state.evidence().store, "viewer", True)
    assert viewer.get("/").status_code == 302


def test_failed_logins_are_rate_limited(client, data_copy) -> None:
    for _ in range(5):
        assert login(client, "editor", "wrong password").status_code == 401
    blocked = login(client, "editor", PASSWORD)
    assert blocked.status_code == 429
    assert "Too many failed attempts" in blocked.get_data(as_text=True)
    assert int(blocked.headers["Retry-After"]) > 0
    assert login(client, "viewer").status_code == 302, "another name is not blocked"
    assert ("editor", "login-blocked") in audit_actions(data_copy)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/records?type=event", "/records?type=event"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
    ],
)
def test_next_only_goes_to_this_site(client, target: str, expected: str) -> None:
    token = csrf_token(client)
    response = client.post(
        "/login", data={"name": "viewer", "password": PASSWORD, "next": target, "csrf_token": token}
    )
    assert response.headers["Location"] == expected


def test_forms_need_the_csrf_token(as_role) -> None:
    editor = as_role("editor")
    response = editor.post("/records/new?type=family_story", data={"title": "x"})
    assert response.status_code == 400
    assert "The form could not be sent" in response.get_data(as_text=True)


def test_bearer_tokens_work_for_the_api_only(app) -> None:
    with app.app_context():
        token = accounts.create_token(state.evidence().store, "viewer")
    client = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/records", headers=auth).status_code == 200
    assert client.get("/", headers=auth).status_code == 302
    bad = client.get("/api/records", headers={"Authorization": "Bearer wm2u_nope"})
    assert bad.status_code == 401 and bad.headers["WWW-Authenticate"].startswith("Bearer")


def test_secret_key_is_made_once_and_kept_private(data_copy, monkeypatch) -> None:
    monkeypatch.delenv("WM2U_SECRET_KEY", raising=False)
    first = make_app(data_copy, SECRET_KEY=None)
    second = make_app(data_copy, SECRET_KEY=None)
    try:
        path = data_copy / "secret_key"
        assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
        assert len(first.config["SECRET_KEY"]) >= 32
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    finally:
        state.shutdown(first)
        state.shutdown(second)


def test_config_from_data_dir_then_environment(data_copy, monkeypatch) -> None:
    (data_copy / "config.py").write_text("PER_PAGE = 7\nLOGIN_MAX_FAILURES = 9\n")
    monkeypatch.setenv("WM2U_LOGIN_MAX_FAILURES", "3")
    app = make_app(data_copy)
    try:
        assert app.config["PER_PAGE"] == 7
        assert app.config["LOGIN_MAX_FAILURES"] == 3
        assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    finally:
        state.shutdown(app)


def test_one_address_trying_many_names_is_held_back() -> None:
    from learning.web.ratelimit import Limit, LoginLimiter

    limiter = LoginLimiter(per_person=Limit(2, 60), per_address=Limit(20, 60))
    for i in range(19):
        limiter.failed(f"name{i}", "10.0.0.1")
    assert not limiter.blocked("name99", "10.0.0.1")
    limiter.failed("name19", "10.0.0.1")
    assert limiter.blocked("name99", "10.0.0.1") > 0
    assert not limiter.blocked("name99", "10.0.0.2")


def test_an_unknown_name_is_not_written_to_the_audit_log(client, data_copy) -> None:
    # Someone types their password into the name box: the log must not keep it.
    response = login(client, "hunter2-secret-pass", "whatever")
    assert response.status_code == 401
    actions = audit_actions(data_copy)
    assert ("(unknown name)", "login-failed") in actions
    assert not any("hunter2" in actor for actor, _ in actions)
