"""Schemathesis against /api/openapi.json on a real waitress server (127.0.0.1, bearer token).

Bounded: a few examples per operation. Checked: no 5xx for anything schemathesis sends, and
every error is the contract's JSON shape. Also on the real server: 413 for a body over the
limit, sent with a length or in chunks.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from evidence import accounts
from learning.api.openapi import openapi_document
from learning.services import Evidence, initialise
from tests.builders import record_data
from tests.web_helpers import make_app, served

pytestmark = pytest.mark.slow
EXAMPLES = 10


class Live:
    def __init__(self, data_dir: Path) -> None:
        initialise(data_dir)
        with Evidence(data_dir) as ev:
            for role in ("admin", "editor"):
                accounts.add_user(ev.store, role, role, "correct horse 1")
            self.token = accounts.create_token(ev.store, "editor")
            self.ids = [
                ev.create(record_data(consent=c), "seed").id
                for c in ("internal", "anonymised", "public")
            ]
            ev.learning_update("2025-01-01", "2025-12-31", save=True, actor="seed")
        self.app = make_app(data_dir, PROPAGATE_EXCEPTIONS=False, TESTING=False)
        self._running = contextlib.ExitStack()
        self.base = self._running.enter_context(served(self.app))

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def close(self) -> None:
        self._running.close()


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    server = Live(tmp_path_factory.mktemp("schemathesis") / "instance")
    yield server
    server.close()


@pytest.fixture(scope="module")
def api_schema(live):
    return schemathesis.openapi.from_url(
        f"{live.base}/api/openapi.json", headers=live.headers(), timeout=30
    )


def error_shape(ctx, response, case) -> None:
    """Every 4xx is ``{"error": {"code", "message", "fields"}}`` with an allowed status."""
    if response.status_code < 400:
        return
    assert response.status_code in {400, 401, 403, 404, 405, 409, 413, 422}, response.status_code
    error = response.json()["error"]
    assert set(error) == {"code", "message", "fields"}, error


# schemathesis' own pytest loader (schema.parametrize / from_fixture) fails under pytest 9
# ("'Function' object has no attribute '_nodeid'"), so each operation's Hypothesis strategy
# is driven directly: the same generation and checks, without the plugin.
OPERATIONS = [
    (method.upper(), path)
    for path, item in openapi_document()["paths"].items()
    for method in item
    if method in ("get", "put", "post", "delete")
]


@pytest.mark.parametrize("method, path", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
def test_the_api_never_answers_a_server_error(api_schema, live, method, path, mode) -> None:
    operation = api_schema[path][method]
    strategies = [operation.as_strategy(mode)]
    if "{record_id}" in path:  # also aim at records that exist, not only at random ids
        strategies.append(operation.as_strategy(mode, path_parameters={"record_id": live.ids[-1]}))
    for strategy in strategies:

        @given(case=strategy)
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
                  database=None)  # fmt: skip
        def run(case) -> None:
            response = case.call(base_url=live.base, headers=live.headers(), timeout=30)
            case.validate_response(response, checks=[not_a_server_error, error_shape])

        run()


@pytest.mark.parametrize("chunked", [False, True])
def test_an_oversized_body_gets_413_on_the_real_server(live, chunked) -> None:
    payload = b'{"title": "' + b"x" * (3 * 1024 * 1024) + b'"}'
    body = (payload[i : i + 65536] for i in range(0, len(payload), 65536)) if chunked else payload
    with Evidence(live.app.config["DATA_DIR"]) as ev:
        before = ev.store.count()
    answer = requests.post(
        f"{live.base}/api/records",
        data=body,
        headers={**live.headers(), "Content-Type": "application/json"},
        timeout=60,
    )
    assert answer.status_code == 413, (answer.status_code, answer.text[:300])
    assert answer.json()["error"]["code"] == "too_large"
    with Evidence(live.app.config["DATA_DIR"]) as ev:
        assert ev.store.count() == before
