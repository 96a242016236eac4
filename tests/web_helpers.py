"""Helpers for the web and API tests: the app for a data dir, CSRF tokens, logging in."""

from __future__ import annotations

import contextlib
import errno
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from evidence import accounts
from learning import create_app
from learning.http import state

PASSWORD = "correct horse 1"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def make_app(data_dir: Path, **config: Any):
    settings = {
        "DATA_DIR": str(data_dir),
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "INDEX_CATCHUP_SECONDS": 0,
        **config,
    }
    return create_app(settings)


@contextlib.contextmanager
def served(app, threads: int = 4, **options: Any) -> Iterator[str]:
    """The app served by the real WSGI server (waitress) on a free port of 127.0.0.1, in a
    thread; yields its base address.

    It is stopped in order: its workers first, then its sockets, closed from its own loop.
    Closing them from this thread raced the loop's ``select``; a "bad file descriptor" in
    the loop once shutting down has begun is that race, not a fault of the app."""
    import waitress
    from waitress import wasyncore

    sockets: dict = {}
    stopping = threading.Event()
    httpd = waitress.create_server(app, map=sockets, host="127.0.0.1", port=0,
                                   threads=threads, **options)  # fmt: skip

    def run() -> None:
        try:
            httpd.run()
        except OSError as exc:
            if not (stopping.is_set() and exc.errno == errno.EBADF):
                raise

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.effective_port}"
    finally:
        stopping.set()
        httpd.task_dispatcher.shutdown()  # the workers first: none closes a socket after
        try:
            httpd.trigger.pull_trigger(lambda: wasyncore.close_all(sockets))
        except OSError:  # the loop is gone already
            wasyncore.close_all(sockets)
        thread.join(timeout=10)
        state.shutdown(app)


def csrf_token(client, path: str = "/login") -> str:
    """The CSRF token the pages carry (from the meta tag of ``path``)."""
    page = client.get(path, follow_redirects=True).get_data(as_text=True)
    match = CSRF_META.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client, name: str, password: str = PASSWORD):
    """Log in through the form, as a person would."""
    token = csrf_token(client)
    return client.post("/login", data={"name": name, "password": password, "csrf_token": token})


def post_form(client, path: str, data: dict[str, Any] | None = None, **kwargs: Any):
    """POST a form with the CSRF token of the page it came from."""
    token = csrf_token(client, "/")
    return client.post(path, data={**(data or {}), "csrf_token": token}, **kwargs)


def session_login(client, name: str) -> None:
    """Log in by writing the session the login form would write (no slow password hash)."""
    from flask_login.utils import _create_identifier

    with client.application.test_request_context(environ_base=client.environ_base):
        store = state.evidence().store
        user = accounts.get_user(store, name)
        device = accounts.start_session(store, user.id)
        identifier = _create_identifier()  # what "strong" session protection checks
    with client.session_transaction() as session:
        session.update(
            {
                "_user_id": f"{user.id}:{device}",
                "_fresh": True,
                "_id": identifier,
                "login_at": time.time(),
            }
        )
