"""Behind a reverse proxy: ``WM2U_TRUSTED_PROXIES=N`` takes the client's address from the last N
proxies' X-Forwarded-For (Werkzeug's ProxyFix), so login limits count people, not the proxy.
With the default 0 the header is ignored: nobody evades a limit by sending one.

The first tests build the app in this process; the last ones run the real server
(``python -m learning serve``: waitress, as in production) in a process of its own.
"""

from __future__ import annotations

import re

import pytest
import requests

from learning import ConfigError
from learning.http import state
from tests.test_hardening_support import PASSWORD, Server, free_port, init_with_users, wm2u
from tests.web_helpers import csrf_token, make_app

pytest_plugins = ["tests.web_fixtures"]


def login_from(client, forwarded_for: str, name: str, password: str = PASSWORD):
    headers = {"X-Forwarded-For": forwarded_for}
    token = csrf_token(client)
    data = {"name": name, "password": password, "csrf_token": token}
    return client.post("/login", data=data, headers=headers)


@pytest.mark.parametrize(("value", "expected"), [(None, 0), ("0", 0), ("1", 1), ("2", 2)])
def test_trusted_proxies_is_read_from_the_environment(data_copy, monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv("WM2U_TRUSTED_PROXIES", raising=False)
    else:
        monkeypatch.setenv("WM2U_TRUSTED_PROXIES", value)
    app = make_app(data_copy)
    try:
        assert app.config["TRUSTED_PROXIES"] == expected
    finally:
        state.shutdown(app)


@pytest.mark.parametrize("value", ["-1", "1.5", "two", "true", "", "[1]"])
def test_a_bad_trusted_proxies_value_stops_the_app_and_names_it(data_copy, monkeypatch, value):
    monkeypatch.setenv("WM2U_TRUSTED_PROXIES", value)
    with pytest.raises(ConfigError, match="WM2U_TRUSTED_PROXIES"):
        make_app(data_copy)


def test_with_one_trusted_proxy_each_forwarded_address_has_its_own_limit(data_copy) -> None:
    app = make_app(data_copy, TRUSTED_PROXIES=1)
    try:
        client = app.test_client()
        for _ in range(5):
            assert login_from(client, "198.51.100.7", "admin", "wrong").status_code == 401
        assert login_from(client, "198.51.100.7", "admin").status_code == 429
        # The proxy adds the address it saw last; anything before it is the client's to forge.
        assert login_from(client, "192.0.2.1, 198.51.100.7", "admin").status_code == 429
        assert login_from(client, "192.0.2.1", "admin").status_code == 302
    finally:
        state.shutdown(app)


def test_without_trusted_proxies_the_header_is_ignored(data_copy, monkeypatch) -> None:
    monkeypatch.delenv("WM2U_TRUSTED_PROXIES", raising=False)
    app = make_app(data_copy)
    try:
        client = app.test_client()
        for i in range(5):
            assert login_from(client, f"198.51.100.{i}", "admin", "wrong").status_code == 401
        assert login_from(client, "192.0.2.1", "admin").status_code == 429
    finally:
        state.shutdown(app)


# --- the real server ----------------------------------------------------------------------------

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"|<meta name="csrf-token" content="([^"]+)">')


def served(tmp_path, monkeypatch, proxies: str | None) -> Server:
    data_dir = tmp_path / "instance"
    tokens = init_with_users(data_dir, "admin")
    if proxies is None:
        monkeypatch.delenv("WM2U_TRUSTED_PROXIES", raising=False)
    else:
        monkeypatch.setenv("WM2U_TRUSTED_PROXIES", proxies)  # the server process inherits it
    return Server(data_dir, tmp_path / "server.log", tokens["admin"]).start()


def browser_login(server: Server, forwarded_for: str, password: str) -> requests.Response:
    """A browser of its own (cookies, CSRF token) logging in as admin through the proxy."""
    browser = requests.Session()
    headers = {"X-Forwarded-For": forwarded_for}
    page = browser.get(server.base + "/login", headers=headers, timeout=30)
    assert page.status_code == 200
    match = CSRF.search(page.text)
    assert match, "no CSRF token on the login page"
    data = {"name": "admin", "password": password, "csrf_token": match.group(1) or match.group(2)}
    return browser.post(
        server.base + "/login", data=data, headers=headers, allow_redirects=False, timeout=30
    )


@pytest.mark.slow
def test_real_server_behind_one_proxy_limits_each_client_apart(tmp_path, monkeypatch) -> None:
    server = served(tmp_path, monkeypatch, "1")
    try:
        for _ in range(5):
            assert browser_login(server, "198.51.100.7", "wrong password").status_code == 401
        blocked = browser_login(server, "198.51.100.7", PASSWORD)
        assert blocked.status_code == 429 and "Too many failed attempts" in blocked.text
        answer = browser_login(server, "192.0.2.1", PASSWORD)
        assert answer.status_code == 302, "another client behind the same proxy still logs in"
        assert answer.headers["Location"] == "/"
    finally:
        server.stop()


@pytest.mark.slow
def test_real_server_without_trusted_proxies_ignores_the_header(tmp_path, monkeypatch) -> None:
    server = served(tmp_path, monkeypatch, None)
    try:
        for i in range(5):
            assert browser_login(server, f"198.51.100.{i}", "wrong password").status_code == 401
        blocked = browser_login(server, "192.0.2.1", PASSWORD)
        assert blocked.status_code == 429, "a forged X-Forwarded-For must not evade the limit"
    finally:
        server.stop()


@pytest.mark.slow
def test_serve_refuses_a_bad_trusted_proxies_value(tmp_path, monkeypatch) -> None:
    data_dir = tmp_path / "instance"
    assert wm2u(data_dir, "init").returncode == 0
    monkeypatch.setenv("WM2U_TRUSTED_PROXIES", "-1")
    result = wm2u(data_dir, "serve", "--port", str(free_port()), timeout=60)
    assert result.returncode == 1
    assert "WM2U_TRUSTED_PROXIES" in result.stderr
    assert "Traceback" not in result.stderr
