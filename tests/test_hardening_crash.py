"""Crash safety of the real web server: SIGKILL it while records are being posted.

Every record the API acknowledged (201) must survive the kill: present in the database
(read straight after the kill, and `wm2u show`), found by search, and `wm2u check --repair` must end clean.
"""

from __future__ import annotations

import random
import threading
import time

import pytest
import requests

from learning.services import Evidence
from tests.test_hardening_support import (
    Server,
    init_with_users,
    ok,
    searched_ids,
    story,
    wm2u,
)

pytestmark = pytest.mark.slow
ROUNDS = 3


class Poster(threading.Thread):
    """POSTs records one after another until told to stop; remembers what was acknowledged."""

    def __init__(self, server: Server, marker: str) -> None:
        super().__init__(daemon=True)
        self.server, self.marker = server, marker
        self.acknowledged: dict[str, int] = {}  # id -> n
        self.first_ack = threading.Event()
        self.stopped = threading.Event()
        self.server_errors: list[str] = []

    def run(self) -> None:
        n = 0
        while not self.stopped.is_set():
            n += 1
            try:
                answer = self.server.request(
                    "POST", "/api/records", json=story(self.marker, n), timeout=10
                )
            except requests.RequestException:
                # The connection died with the server: the outcome of this POST is unknown.
                continue
            if answer.status_code == 201:
                self.acknowledged[answer.json()["id"]] = n
                self.first_ack.set()
            elif answer.status_code >= 500:
                self.server_errors.append(f"{answer.status_code} {answer.text[:300]}")


def test_acknowledged_records_survive_sigkill_of_the_server(tmp_path) -> None:
    data_dir = tmp_path / "instance"
    tokens = init_with_users(data_dir, "editor")
    server = Server(data_dir, tmp_path / "server.log", tokens["editor"])
    rng = random.Random(6)
    acknowledged: dict[str, str] = {}  # id -> the round's marker
    try:
        for round_no in range(ROUNDS):
            marker = f"crashprobe{'abcdefgh'[round_no]}zulk"
            server.start()
            poster = Poster(server, marker)
            poster.start()
            assert poster.first_ack.wait(30), server.log()[-3000:]
            time.sleep(rng.uniform(0.2, 2.0))
            server.kill()
            poster.stopped.set()
            poster.join(timeout=30)
            assert not poster.server_errors, poster.server_errors
            assert poster.acknowledged, "no POST was acknowledged before the kill"
            acknowledged.update({i: marker for i in poster.acknowledged})

            # Straight after the crash: every acknowledged record is in the database.
            with Evidence(data_dir) as ev:
                present = set(ev.store.live_revisions())
            lost = set(acknowledged) - present
            assert not lost, f"round {round_no}: acknowledged but lost: {sorted(lost)}"
            last = max(poster.acknowledged, key=poster.acknowledged.get)  # acked just before
            assert marker in ok(wm2u(data_dir, "show", last)).stdout
            repaired = wm2u(data_dir, "check", "--repair")
            assert repaired.returncode == 0, repaired.stdout + repaired.stderr
            assert repaired.stdout.strip().startswith("All is well"), repaired.stdout
            # The index agrees with the database: search finds exactly this round's records.
            in_db = {i for i in present if i not in acknowledged or acknowledged[i] == marker}
            found = searched_ids(data_dir, marker)
            assert set(poster.acknowledged) <= found
            assert found <= in_db

        # Restarted once more: the API serves every acknowledged record, and search finds them.
        server.start()
        for record_id in acknowledged:
            answer = server.request("GET", f"/api/records/{record_id}")
            assert answer.status_code == 200, (record_id, answer.status_code)
            assert answer.json()["title"].startswith(acknowledged[record_id])
        for marker in set(acknowledged.values()):
            answer = server.request("GET", "/api/search", params={"q": marker, "per_page": 100})
            hits = {h["id"] for h in answer.json()["hits"]}
            wanted = {i for i, m in acknowledged.items() if m == marker}
            assert wanted <= hits or answer.json()["total"] > 100, marker
    finally:
        server.stop()
    assert "Traceback" not in server.log(), server.log()[-3000:]
