"""The documentation keeps up with the code: every command is in the README, every API route
in the OpenAPI description (Datasette's habit)."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from evidence import accounts
from learning.cli import main
from learning.http import state
from tests.web_helpers import make_app

README = Path(__file__).resolve().parents[1] / "README.md"


def _commands(group: click.Group, prefix: str = "") -> list[str]:
    found = []
    for name, command in group.commands.items():
        if command.hidden:
            continue
        found.append(prefix + name)
        if isinstance(command, click.Group):
            found += _commands(command, f"{prefix}{name} ")
    return found


def test_every_command_is_in_the_readme():
    readme = README.read_text(encoding="utf-8")
    commands = _commands(main)
    assert {"init", "check", "learning-update", "user list", "framework show"} <= set(commands)
    missing = [c for c in commands if not re.search(rf"wm2u {re.escape(c)}(?![\w-])", readme)]
    assert missing == [], f"commands the README does not show: {missing}"


@pytest.fixture
def app(data_dir):
    application = make_app(data_dir)
    yield application
    state.shutdown(application)


def _template(rule: str) -> str:
    """A Flask rule as an OpenAPI path with its parameters unnamed: ``/a/{}/b``."""
    return re.sub(r"<(?:[^:<>]+:)?[^<>]+>", "{}", rule)


def test_every_api_route_is_in_the_openapi_document(app, evidence):
    accounts.add_user(evidence.store, "reader", "viewer", "correct horse battery 1")
    token = accounts.create_token(evidence.store, "reader")
    answer = app.test_client().get(
        "/api/openapi.json", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    document = answer.get_json()
    described = {
        (re.sub(r"\{[^{}]+\}", "{}", path), method.upper())
        for path, item in document["paths"].items()
        for method in item
        if method in ("get", "put", "post", "delete", "patch")
    }
    routes = [
        (_template(rule.rule), method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    ]
    assert ("/api/records/{}", "PUT") in routes  # the walk sees the routes
    missing = [route for route in routes if route not in described]
    assert missing == [], f"API routes the OpenAPI document does not describe: {missing}"
