"""An adoption is one transaction: killed inside it (SIGKILL, at a hook that pauses there, or
at random moments), the data dir holds the old plans and records or the new, never half; and
a second adoption while one runs is refused."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evidence.plans import ADOPT_PAUSE_ENV
from learning.services import DB_NAME, Evidence, initialise
from tests.builders import record_data
from tests.crash_support import check_clean_or_repaired
from tests.test_hardening_support import ROOT, wm2u

pytestmark = pytest.mark.slow
ADOPT = ["framework", "adopt", "wm2u-2024-2026", "--from", "2024-09-01",
         "--map", "SO2-D=SO1-C", "--map", "SO2-E=SO3-C"]  # fmt: skip


def snapshot(path: Path) -> tuple:
    conn = sqlite3.connect(path / DB_NAME)
    try:
        return (
            conn.execute("SELECT name, valid_from FROM plans ORDER BY id").fetchall(),
            conn.execute("SELECT id, revision, activities FROM records ORDER BY id").fetchall(),
            conn.execute("SELECT record_id, revision FROM revisions ORDER BY 1, 2").fetchall(),
        )
    finally:
        conn.close()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "d"
    initialise(path, "wm2u-2023-2024")
    with Evidence(path) as ev:
        ev.create_many(
            [
                ("t", record_data(date=f"2025-0{1 + i % 9}-1{i % 10}", activities=["SO2-D"]))
                for i in range(40)
            ]
            + [("t", record_data(date="2023-10-01", activities=["SO2-E"]))],
            "t",
        )
    return path


def start(path: Path, pause: str | None = None) -> subprocess.Popen:
    env = {**os.environ}
    if pause:
        env[ADOPT_PAUSE_ENV] = pause
    return subprocess.Popen(
        [sys.executable, "-m", "learning", "--data-dir", str(path), *ADOPT],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
    )


def test_killed_inside_the_transaction_leaves_the_old_state(corpus):
    before = snapshot(corpus)
    proc = start(corpus, pause="60")
    line = proc.stdout.readline()
    assert "inside the transaction" in line, proc.stderr.read()
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    assert snapshot(corpus) == before
    check_clean_or_repaired(corpus, "killed inside the adoption")
    done = wm2u(corpus, *ADOPT)
    assert done.returncode == 0, done.stderr
    after = snapshot(corpus)
    assert after != before and len(after[0]) == 2 and len(after[2]) == 40


def test_a_second_adoption_while_one_runs_is_refused(corpus):
    proc = start(corpus, pause="3")
    assert "inside the transaction" in proc.stdout.readline()
    second = wm2u(corpus, *ADOPT)  # waits for the lock, then finds the plan already in force
    proc.communicate(timeout=60)
    assert proc.returncode == 0
    assert second.returncode == 1, second.stdout
    assert "2024-09-01" in second.stderr and "Traceback" not in second.stderr
    plans, records, revisions = snapshot(corpus)
    assert len(plans) == 2 and len(revisions) == 40  # adopted once, each record rewritten once


def test_killed_at_random_moments_leaves_old_or_new(corpus):
    old = snapshot(corpus)
    rng = random.Random(13)
    outcomes = set()
    for attempt in range(6):
        proc = start(corpus)
        time.sleep(rng.uniform(0.3, 2.0))
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
        now = snapshot(corpus)
        if now == old:
            outcomes.add("old")
            continue
        plans, records, revisions = now
        assert [p[0] for p in plans] == ["wm2u-2023-2024", "wm2u-2024-2026"], attempt
        assert len(revisions) == 40 and all("SO2-D" not in r[2] for r in records if r[1] == 2)
        outcomes.add("new")
        break
    check_clean_or_repaired(corpus, f"killed at random ({outcomes})")
