"""The documentation keeps up with the code: every command is in the README, every API route
in the OpenAPI description (Datasette's habit)."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
import requests
import schemathesis

from evidence import accounts
from learning.cli import main
from learning.http import state
from tests.builders import record_data
from tests.web_helpers import CSRF_META, PASSWORD, make_app, served

README = Path(__file__).resolve().parents[1] / "README.md"
METHODS = ("get", "put", "post", "delete", "patch")


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
        if method in METHODS
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


def _refs(node) -> list[str]:
    if isinstance(node, dict):
        return [node["$ref"]] if "$ref" in node else [r for v in node.values() for r in _refs(v)]
    return [r for v in node for r in _refs(v)] if isinstance(node, list) else []


def test_the_openapi_document_is_valid_openapi_3(app, evidence):
    accounts.add_user(evidence.store, "reader", "viewer", PASSWORD)
    token = accounts.create_token(evidence.store, "reader")
    headers = {"Authorization": f"Bearer {token}"}
    document = app.test_client().get("/api/openapi.json", headers=headers).get_json()
    schemathesis.openapi.from_dict(document).validate()  # raises, naming what is wrong
    missing = []
    for ref in set(_refs(document)):
        node = document
        for key in ref.removeprefix("#/").split("/"):
            node = node.get(key) if isinstance(node, dict) else None
        if node is None:
            missing.append(ref)
    assert missing == [], f"references to nothing: {missing}"


# A valid body for each route that creates something (201): a new one must be added here.
CREATED = {
    "/api/records": record_data(consent="public"),
    "/api/indicators/{code}/ratings": {
        "period_from": "2025-01-01",
        "period_to": "2025-03-31",
        "progress": "emerging",
        "confidence": "low",
        "rationale": "Families say the café is theirs now.",
    },
    "/api/learning-updates": {"from": "2025-01-01", "to": "2025-12-31", "save": True},
    "/api/figures": {
        "measure": "children_on_cpr",
        "authority": "Dundee",
        "period_from": "2025-03-31",
        "period_to": "2025-03-31",
        "value": 120,
        "source": "Dundee City Council",
    },
    "/api/codes": {"id": "listened-to", "name": "Listened to"},
    "/api/records/{record_id}/excerpts": {
        "start": 0,
        "end": 10,
        "text": "Sarah Kerr",
        "codes": ["SO1.1"],
    },  # fmt: skip
    # A file is sent as multipart/form-data, not JSON.
    "/api/records/{record_id}/attachments": {"files": {"file": ("notes.txt", b"Notes.")}},
    "/api/invitations": {"prompt": "What changed for your family?", "locality": "Lochee"},
    "/api/msc/rounds": {
        "title": "Lochee panel",
        "period_from": "2025-01-01",
        "period_to": "2025-12-31",
        "question": "What was the most significant change?",
        "level": "locality",
        "domains": ["Family life"],
        "panel": [{"name": "Morag", "role": "family"}],
        "candidates": [],
    },
}
MULTIPART = {"/api/records/{record_id}/attachments"}


def _session(base: str, name: str) -> requests.Session:
    """A browser's session: logged in through the form, so API writes need X-CSRFToken."""
    browser = requests.Session()
    page = browser.get(f"{base}/login", timeout=30).text
    form = {"name": name, "password": PASSWORD, "csrf_token": CSRF_META.search(page).group(1)}
    assert browser.post(f"{base}/login", data=form, timeout=30).status_code == 200
    return browser


def test_what_the_served_api_answers_is_described(data_dir, evidence):
    """Every status and Location header the real server answers is in the description."""
    for name, role in (("editor", "editor"), ("reader", "viewer")):
        accounts.add_user(evidence.store, name, role, PASSWORD)
    as_editor = {"Authorization": f"Bearer {accounts.create_token(evidence.store, 'editor')}"}
    as_viewer = {"Authorization": f"Bearer {accounts.create_token(evidence.store, 'reader')}"}
    record = evidence.create(record_data(consent="public"), "seed")
    to_create, undescribed = dict(CREATED), []
    with served(make_app(data_dir)) as base:
        document = requests.get(f"{base}/api/openapi.json", headers=as_editor, timeout=30).json()
        browser = _session(base, "editor")
        for path, item in document["paths"].items():
            url = base + path.format(
                record_id=record.id,
                code="SO1.1",
                code_id="SO1.1",
                excerpt_id="NOPE",
                attachment_id="NOPE",
                invitation_id="NOPE",
                round_id="NOPE",
            )
            for method, operation in item.items():
                if method not in METHODS:
                    continue  # the path's own parameters
                described = operation["responses"]
                write = {"json": {}} if method != "get" else {}
                answers = [
                    requests.request(method, url, timeout=30, **write),  # nobody: 401
                    requests.request(method, url, headers=as_viewer, timeout=30, **write),
                ]
                if method != "get":  # a session write without the CSRF header: 400
                    answers.append(browser.request(method, url, timeout=30, **write))
                if method == "post" and "201" in described:
                    body = to_create.pop(path)
                    sent = body if path in MULTIPART else {"json": body}
                    created = requests.post(url, headers=as_editor, timeout=30, **sent)
                    assert created.status_code == 201, (path, created.text[:300])
                    if "Location" not in described["201"].get("headers", {}):
                        undescribed.append(f"{method.upper()} {path}: Location")
                    answers.append(created)
                undescribed += [
                    f"{method.upper()} {path}: {answer.status_code}"
                    for answer in answers
                    if str(answer.status_code) not in described
                ]
    assert to_create == {}, f"routes in CREATED that create nothing: {sorted(to_create)}"
    assert undescribed == [], f"answers the OpenAPI document does not describe: {undescribed}"
