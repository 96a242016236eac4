"""The app factory's plumbing: index catch-up, the request pool, waitress under load, 413."""

from __future__ import annotations

import json
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from evidence import accounts
from learning.http import state
from learning.services import Evidence
from tests.web_helpers import csrf_token, make_app, served

pytest_plugins = ["tests.web_fixtures"]


def pending(data_dir) -> int:
    with Evidence(data_dir) as ev:
        return ev.store.pending_count()


def test_queued_index_work_is_applied_at_start_and_in_the_background(data_copy, seed) -> None:
    with Evidence(data_copy) as ev:
        ev.store.queue_all([seed.public, seed.internal])
    assert pending(data_copy) == 2
    app = make_app(data_copy, INDEX_CATCHUP_SECONDS=0.05)
    try:
        assert pending(data_copy) == 0, "the app applies queued index work when it starts"
        with Evidence(data_copy) as ev:
            ev.store.queue_all([seed.anonymised])
        deadline = time.monotonic() + 10
        while pending(data_copy) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert pending(data_copy) == 0, "the background thread catches the index up"
    finally:
        state.shutdown(app)


def test_each_request_gets_an_evidence_of_its_own(app) -> None:
    pool = app.extensions["wm2u"]["pool"]
    with app.test_request_context():
        first = state.evidence()
        assert state.evidence() is first
        other = pool.acquire()
        assert other is not first
        pool.release(other)


def test_waitress_serves_many_requests_at_once(data_copy, seed) -> None:
    app = make_app(data_copy)
    with Evidence(data_copy) as ev:
        token = accounts.create_token(ev.store, "editor")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call(i: int) -> int:
        if i % 4 == 0:
            body = json.dumps(
                {
                    "type": "event",
                    "title": f"Event {i}",
                    "date": "2025-04-01",
                    "consent": "public",
                    "indicators": ["SO4.1"],
                }
            ).encode()
            request = urllib.request.Request(f"{base}/api/records", body, headers, method="POST")
        else:
            path = ["/api/records", "/api/search?q=allotment", f"/api/records/{seed.public}"][i % 3]
            request = urllib.request.Request(base + path, headers=headers)
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status

    with served(app, threads=6) as base:
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(call, range(40)))
        assert set(statuses) <= {200, 201} and statuses.count(201) == 10
        with Evidence(data_copy) as ev:
            assert ev.search("event", {"type": ["event"]}, per_page=50).total == 10


def test_a_huge_form_is_413(as_role) -> None:
    editor = as_role("editor")
    token = csrf_token(editor, "/")
    response = editor.post(
        "/records/new?type=family_story",
        data={"csrf_token": token, "body": "x" * (3 * 1024 * 1024)},
    )
    assert response.status_code == 413
    assert "larger than 2 MB" in response.get_data(as_text=True)
