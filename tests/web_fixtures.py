"""Fixtures for the web and API tests: a seeded data dir, the app, a client per role.

A data dir with three users and three records (one per consent level) is built once per
session and copied for each test, so every test gets a real database and index of its own
without paying for password hashing and indexing again. Test modules load them with
``pytest_plugins = ["tests.web_fixtures"]``; plain helpers live in ``tests.web_helpers``.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from evidence import accounts
from learning.http import state
from learning.services import Evidence, initialise
from tests.builders import record_data
from tests.web_helpers import PASSWORD, make_app, session_login

ROLES = ("admin", "editor", "viewer")


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
        fields={
            "venue": "Tullibody hall",
            "families": 6,
            "practitioners": 2,
            "themes": ["food"],
            "actions": ["Ask the council about plots"],
        },
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


@pytest.fixture
def as_role(app):
    """``as_role("editor")`` → a test client logged in with that role (None: anonymous)."""

    def make(role: str | None):
        c = app.test_client()
        if role is not None:
            session_login(c, role)
        return c

    return make
