"""Concurrency on the real server: API writers, searchers and two `wm2u import` at once.

Nothing is lost, nobody sees "database is locked" or a Whoosh lock error (no 5xx, importers
exit 0), and of two people saving the same revision, the second is refused with 409.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import pytest

from learning import demo, framework
from tests.test_hardening_support import (
    ROOT,
    Server,
    init_with_users,
    listed_ids,
    ok,
    story,
    wm2u,
)

pytestmark = pytest.mark.slow
WRITERS = 4
PER_WRITER = 12
IMPORT_SIZE = 250


@pytest.fixture
def served(tmp_path):
    data_dir = tmp_path / "instance"
    tokens = init_with_users(data_dir, "editor")
    server = Server(data_dir, tmp_path / "server.log", tokens["editor"]).start()
    yield server
    server.stop()


def _import(data_dir, path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "learning", "--data-dir", str(data_dir), "import", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


def test_writers_searchers_and_two_importers_at_once(served, tmp_path) -> None:
    server = served
    records = demo.generate(framework.load(), count=2 * IMPORT_SIZE, seed=66)
    files = []
    for i in range(2):
        path = tmp_path / f"part{i}.json"
        path.write_text(json.dumps(records[i::2]), "utf-8")
        files.append(path)

    created: list[str] = []
    problems: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(WRITERS + 2)

    def writer(w: int) -> None:
        start.wait()
        for n in range(PER_WRITER):
            answer = server.request("POST", "/api/records", json=story(f"writer{'abcd'[w]}zulk", n))
            with lock:
                if answer.status_code == 201:
                    created.append(answer.json()["id"])
                else:
                    problems.append(f"POST {answer.status_code} {answer.text[:300]}")

    def searcher() -> None:
        start.wait()
        for n in range(PER_WRITER * 2):
            q = ["family", "writerazulk", '"story number"', "week OR mornings"][n % 4]
            answer = server.request("GET", "/api/search", params={"q": q})
            if answer.status_code != 200:
                with lock:
                    problems.append(f"search {answer.status_code} {answer.text[:300]}")

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(WRITERS)]
    threads.append(threading.Thread(target=searcher))
    for t in threads:
        t.start()
    start.wait()
    importers = [_import(server.data_dir, p) for p in files]
    for t in threads:
        t.join(timeout=300)
    outcomes = [p.communicate(timeout=300) for p in importers]

    assert not problems, problems
    for proc, (_, err) in zip(importers, outcomes, strict=True):
        assert proc.returncode == 0, err
        assert "locked" not in err.lower() and "Traceback" not in err, err
    assert len(created) == WRITERS * PER_WRITER

    everything = listed_ids(server.data_dir)
    assert set(created) <= everything
    assert {r["id"] for r in records} <= everything
    assert len(everything) == len(records) + len(created)
    # The index caught up with every write (search brings pending work in first).
    for w in range(WRITERS):
        answer = server.request(
            "GET", "/api/search", params={"q": f"writer{'abcd'[w]}zulk", "per_page": 100}
        )
        assert answer.status_code == 200
        assert answer.json()["total"] == PER_WRITER
    repaired = wm2u(server.data_dir, "check", "--repair")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    log = server.log()
    assert "Traceback" not in log and "locked" not in log.lower(), log[-3000:]


def test_a_stale_put_is_refused_under_load_and_nothing_is_overwritten(served) -> None:
    server = served
    record = server.request("POST", "/api/records", json=story("stalezulk", 1)).json()
    results: dict[str, int] = {}
    start = threading.Barrier(6)

    def save(title: str) -> None:
        start.wait()
        answer = server.request(
            "PUT", f"/api/records/{record['id']}", json={**record, "title": title}
        )
        results[title] = answer.status_code

    titles = [f"Saved by person {i}" for i in range(6)]
    threads = [threading.Thread(target=save, args=(t,)) for t in titles]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(results.values()) == [200, 409, 409, 409, 409, 409], results
    winner = next(t for t, status in results.items() if status == 200)
    now = server.request("GET", f"/api/records/{record['id']}").json()
    assert now["title"] == winner and now["revision"] == 2
    history = server.request("GET", f"/api/records/{record['id']}/revisions").json()
    assert [r["record"]["title"] for r in history["revisions"]] == [record["title"]]
    # The losers' 409 names the revision, and a retry from the new revision is accepted.
    stale = server.request("PUT", f"/api/records/{record['id']}", json={**record, "title": "x"})
    assert stale.status_code == 409 and "revision" in stale.json()["error"]["fields"]
    retry = server.request("PUT", f"/api/records/{record['id']}", json={**now, "title": "Retry"})
    assert retry.status_code == 200 and retry.json()["revision"] == 3
    shown = json.loads(ok(wm2u(server.data_dir, "show", record["id"], "--json")).stdout)
    assert shown["title"] == "Retry"
