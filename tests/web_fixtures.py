"""Fixtures for the web and API tests: a seeded data dir, the app, a client per role.

A data dir with three users and three records (one per consent level) is built once per
session and copied for each test, so every test gets a real database and index of its own
without paying for password hashing and indexing again. Import the fixtures you use:
``from tests.web_fixtures import app, client, seed  # noqa: F401``.
"""

from __future__ import annotations

import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from evidence import accounts
from learning import create_app
from learning.services import Evidence, initialise
from learning.web import state
from tests.builders import record_data

PASSWORD = "correct horse 1"
ROLES = ("admin", "editor", "viewer")
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


@dataclass(frozen=True)
class Seed:
    """The ids of the seeded records, one per consent level."""

    internal: str
    anonymised: str
    public: str


SEED_RECORDS = {
    "internal": record_data(
        title="Zebrafinch team-only note about Jamie Frost",
        consent="internal",
        indicators=["SO2.1"],
        activities=[],
        authority="Clackmannanshire",
        locality="Alloa",
        people=["Jamie Frost"],
        quotes=["Jamie Frost said the zebrafinch group kept him going."],
        body="Jamie Frost joined the zebrafinch group. Internal only.",
        tags=["secretive"],
        date="2025-01-20",
    ),
    "anonymised": record_data(
        title="Breakfast club story from Sarah Kerr",
        consent="anonymised",
        indicators=["SO1.1"],
        date="2025-03-14",
    ),
    "public": record_data(
        type="cafe_conversation",
        title="Allotment café in Tullibody",
        consent="public",
        indicators=["SO1.2"],
        activities=[],
        authority="Clackmannanshire",
        locality="Tullibody",
        people=[],
        quotes=["The allotment gave us somewhere to talk."],
        body="Families talked about the allotment and growing food together.",
        fields={"venue": "Tullibody hall", "families": 6, "practitioners": 2,
                "themes": ["food"], "actions": ["Ask the council about plots"]},
        date="2025-05-02",
    ),
}


@pytest.fixture(scope="session")
def seed_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Seed]:
    path = tmp_path_factory.mktemp("seed") / "instance"
    initialise(path)
    with Evidence(path) as ev:
        for role in ROLES:
            accounts.add_user(ev.store, role, role, PASSWORD)
        ids = {k: ev.create(dict(v), "seed").id for k, v in SEED_RECORDS.items()}
        ev.sync_index(wait=10)
    return path, Seed(**ids)


@pytest.fixture
def seed(seed_dir: tuple[Path, Seed]) -> Seed:
    return seed_dir[1]


def make_app(data_dir: Path, **config: Any):
    settings = {"DATA_DIR": str(data_dir), "TESTING": True, "SECRET_KEY": "test-secret",
                "INDEX_CATCHUP_SECONDS": 0, **config}  # fmt: skip
    return create_app(settings)


@pytest.fixture
def data_copy(seed_dir: tuple[Path, Seed], tmp_path: Path) -> Path:
    target = tmp_path / "instance"
    shutil.copytree(seed_dir[0], target)
    return target


@pytest.fixture
def app(data_copy: Path):
    application = make_app(data_copy)
    yield application
    state.shutdown(application)


@pytest.fixture
def client(app):
    return app.test_client()


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
        user = accounts.get_user(state.evidence().store, name)
        identifier = _create_identifier()  # what "strong" session protection checks
    with client.session_transaction() as session:
        session.update({"_user_id": f"{user.id}:0", "_fresh": True, "_id": identifier,
                        "login_at": time.time()})  # fmt: skip


@pytest.fixture
def as_role(app):
    """``as_role("editor")`` → a test client logged in with that role (None: anonymous)."""

    def make(role: str | None):
        c = app.test_client()
        if role is not None:
            session_login(c, role)
        return c

    return make
