"""Failed logins are limited per (name, address), per name from anywhere, and per address.

Each client below is a machine of its own (its REMOTE_ADDR); the defaults are 5 failures per
name and address in 15 minutes, 50 per name in an hour, 50 per address in 15 minutes. Here the
name-wide and address-wide caps are lowered so that the tests stay quick.
"""

from __future__ import annotations

import pytest

from learning.http import state
from learning.services import Evidence
from tests.web_helpers import PASSWORD, csrf_token, login, make_app

pytest_plugins = ["tests.web_fixtures"]

NAME_CAP = 8
ADDRESS_CAP = 12


@pytest.fixture
def limited_app(data_copy):
    application = make_app(
        data_copy, LOGIN_NAME_MAX_FAILURES=NAME_CAP, LOGIN_ADDRESS_MAX_FAILURES=ADDRESS_CAP
    )
    yield application
    state.shutdown(application)


@pytest.fixture
def machine(limited_app):
    """``machine("10.0.0.7")`` → a test client whose requests come from that address."""

    def make(address: str):
        client = limited_app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        return client

    return make


def fail(client, name: str, times: int) -> None:
    for _ in range(times):
        assert login(client, name, "not the password").status_code == 401


def test_five_wrong_passwords_from_one_machine_do_not_lock_the_admin_out_of_another(machine):
    attacker, admin = machine("203.0.113.9"), machine("192.0.2.10")
    fail(attacker, "admin", 5)
    blocked = login(attacker, "admin")  # even the right password, from there
    assert blocked.status_code == 429
    assert "Too many failed attempts" in blocked.get_data(as_text=True)
    assert int(blocked.headers["Retry-After"]) > 14 * 60, "the window is 15 minutes"
    answer = login(admin, "admin")
    assert answer.status_code == 302 and answer.headers["Location"] == "/"
    assert admin.get("/admin/users").status_code == 200


def test_the_limit_counts_names_whatever_their_case(machine) -> None:
    attacker = machine("203.0.113.9")
    for name in ("Admin", "ADMIN", "admin", "aDmin", "admiN"):
        assert login(attacker, name, "not the password").status_code == 401
    assert login(attacker, "admin").status_code == 429


def test_the_429_is_json_for_a_client_that_asks_for_json(machine) -> None:
    attacker = machine("203.0.113.9")
    fail(attacker, "editor", 5)
    token = csrf_token(attacker)
    answer = attacker.post(
        "/login",
        data={"name": "editor", "password": PASSWORD, "csrf_token": token},
        headers={"Accept": "application/json"},
    )
    assert answer.status_code == 429
    assert answer.json["error"]["code"] == "too_many_requests"
    assert "Too many failed attempts" in answer.json["error"]["message"]
    assert int(answer.headers["Retry-After"]) > 0


def test_the_name_wide_cap_stops_everybody_for_that_name_only(machine, data_copy) -> None:
    fail(machine("198.51.100.1"), "admin", 5)
    fail(machine("198.51.100.2"), "admin", NAME_CAP - 5)
    newcomer = machine("192.0.2.10")
    blocked = login(newcomer, "admin")
    assert blocked.status_code == 429, "the name has had too many failures from anywhere"
    assert "Too many failed attempts" in blocked.get_data(as_text=True)
    assert int(blocked.headers["Retry-After"]) > 59 * 60, "the name-wide window is an hour"
    assert login(newcomer, "editor").status_code == 302, "other names still log in"
    assert login(machine("198.51.100.2"), "viewer").status_code == 302
    with Evidence(data_copy) as ev:
        actions = [(line["actor"], line["action"]) for line in ev.store.audit_log(500)[1]]
    assert ("admin", "login-blocked") in actions


def test_a_successful_login_forgets_that_machines_own_failures(machine) -> None:
    person = machine("192.0.2.10")
    fail(person, "viewer", 3)
    assert login(person, "viewer").status_code == 302
    fresh = machine("192.0.2.10")  # same machine, new browser session
    fail(fresh, "viewer", 3)  # six typos in all, but not five since the last login
    assert login(fresh, "viewer").status_code == 302


def test_one_machine_trying_many_names_is_held_back(machine) -> None:
    sprayer = machine("203.0.113.50")
    for i in range(ADDRESS_CAP):
        assert login(sprayer, f"guess{i}", "password1").status_code == 401
    assert login(sprayer, "viewer").status_code == 429, "this machine has tried too many names"
    assert login(machine("192.0.2.10"), "viewer").status_code == 302, "others are not"


def test_a_login_limit_of_nothing_is_refused_at_startup(data_copy) -> None:
    with pytest.raises(ValueError, match="login limit"):
        make_app(data_copy, LOGIN_NAME_MAX_FAILURES=0)
