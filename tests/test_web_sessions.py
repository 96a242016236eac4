"""Sessions per device: logging out ends one, account changes end all; tokens note their use."""

from __future__ import annotations

from evidence import accounts
from learning.http import state
from learning.services import Evidence
from tests.web_helpers import login, post_form

pytest_plugins = ["tests.web_fixtures"]


def two_devices(app, name: str = "editor"):
    first, second = app.test_client(), app.test_client()
    for client in (first, second):
        assert login(client, name).status_code == 302
        assert client.get("/").status_code == 200
    return first, second


def test_logging_out_on_one_device_leaves_the_other_signed_in(app) -> None:
    laptop, phone = two_devices(app)
    cookie = laptop.get_cookie("wm2u_session").value
    assert post_form(laptop, "/logout").headers["Location"] == "/login"
    assert laptop.get("/").status_code == 302
    assert phone.get("/").status_code == 200, "the other device must stay signed in"
    replay = app.test_client()
    replay.set_cookie("wm2u_session", cookie)
    assert replay.get("/").status_code == 302, "the logged-out cookie must be refused"
    assert replay.get("/api/records").status_code == 401


def test_disabling_a_user_ends_every_session_for_good(app) -> None:
    laptop, phone = two_devices(app, "viewer")
    with app.app_context():
        store = state.evidence().store
        accounts.set_disabled(store, "viewer", True, actor="admin")
        accounts.set_disabled(store, "viewer", False, actor="admin")
    assert laptop.get("/").status_code == 302, "re-enabling must not revive old sessions"
    assert phone.get("/").status_code == 302
    again = app.test_client()
    assert login(again, "viewer").status_code == 302 and again.get("/").status_code == 200


def test_a_role_change_or_new_password_ends_every_session(app) -> None:
    for change in (
        lambda store: accounts.set_role(store, "editor", "viewer"),
        lambda store: accounts.set_password(store, "editor", "another password 2"),
    ):
        laptop, phone = two_devices(app)
        with app.app_context():
            change(state.evidence().store)
        assert laptop.get("/").status_code == 302 and phone.get("/").status_code == 302
        with app.app_context():
            store = state.evidence().store
            accounts.set_role(store, "editor", "editor")
            accounts.set_password(store, "editor", "correct horse 1")


def test_setting_the_same_role_keeps_sessions(app) -> None:
    laptop, _ = two_devices(app)
    with app.app_context():
        accounts.set_role(state.evidence().store, "editor", "editor")
    assert laptop.get("/").status_code == 200


def test_sessions_store_only_a_hash_and_note_their_use(data_copy) -> None:
    with Evidence(data_copy) as ev:
        user = accounts.get_user(ev.store, "viewer")
        session_id = accounts.start_session(ev.store, user.id)
        rows = ev.store.conn.execute("SELECT id, last_seen_at FROM sessions").fetchall()
        assert session_id not in {row[0] for row in rows}
        ev.store.conn.execute("UPDATE sessions SET last_seen_at = '2020-01-01T00:00:00Z'")
        ev.store.conn.commit()
        assert accounts.session_user(ev.store, session_id) == user
        (seen,) = ev.store.conn.execute("SELECT last_seen_at FROM sessions").fetchone()
        assert seen > "2025"
        accounts.end_session(ev.store, session_id)
        assert accounts.session_user(ev.store, session_id) is None
        assert accounts.session_user(ev.store, "") is None


def test_token_use_is_noted_at_most_once_a_minute(data_copy) -> None:
    with Evidence(data_copy) as ev:
        token = accounts.create_token(ev.store, "editor")

        def last_used() -> str | None:
            return ev.store.conn.execute("SELECT last_used_at FROM tokens").fetchone()[0]

        assert last_used() is None
        assert accounts.user_for_token(ev.store, token).name == "editor"
        first = last_used()
        assert first is not None
        accounts.user_for_token(ev.store, token)
        assert last_used() == first, "a second use within the minute writes nothing"
        ev.store.conn.execute("UPDATE tokens SET last_used_at = '2020-01-01T00:00:00Z'")
        ev.store.conn.commit()
        accounts.user_for_token(ev.store, token)
        assert last_used() > "2025"


def test_a_data_dir_from_an_earlier_version_is_upgraded_on_open(data_copy) -> None:
    import sqlite3

    conn = sqlite3.connect(data_copy / "wm2u.db")
    conn.execute("DROP TABLE sessions")
    conn.execute("DROP INDEX idx_records_live")
    conn.execute(
        "DELETE FROM _sqlite_migrations WHERE name IN ('m004_sessions', 'm005_live_records_index')"
    )
    conn.commit()
    conn.close()
    from tests.web_helpers import make_app

    app = make_app(data_copy)
    try:
        client = app.test_client()
        assert login(client, "viewer").status_code == 302
        assert client.get("/").status_code == 200
    finally:
        state.shutdown(app)
