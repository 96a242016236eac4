"""Crash safety with real processes: kill `wm2u import` mid-way, then check, repair, finish."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from learning import demo, framework
from learning.services import Evidence, initialise

pytestmark = pytest.mark.slow


def wm2u(data_dir: Path, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "learning", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=300,
        **kwargs,
    )


@pytest.fixture(scope="module")
def export_file(tmp_path_factory) -> tuple[Path, list[dict]]:
    records = demo.generate(framework.load(), count=1200, seed=11)
    path = tmp_path_factory.mktemp("corpus") / "records.json"
    path.write_text(json.dumps({"records": records}), "utf-8")
    return path, records


def test_killed_imports_finish_cleanly_when_run_again(tmp_path, export_file):
    path, records = export_file
    data_dir = tmp_path / "instance"
    initialise(data_dir)
    rng = random.Random(2024)
    for _ in range(3):
        proc = subprocess.Popen(
            [sys.executable, "-m", "learning", "--data-dir", str(data_dir), "import", str(path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.8, 4.0))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        # After a crash the index may lag the database; repair makes it whole again.
        repaired = wm2u(data_dir, "check", "--repair")
        assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    finished = wm2u(data_dir, "import", str(path))
    assert finished.returncode == 0, finished.stderr
    assert wm2u(data_dir, "check").returncode == 0
    with Evidence(data_dir) as evidence:
        assert evidence.store.count() == len(records)
        ids = {r["id"] for r in records}
        assert set(evidence.store.live_revisions()) == ids
        sample = rng.sample(records, 5)
        for record in sample:
            hits = evidence.search(f'"{record["title"]}"', per_page=50).hits
            assert record["id"] in [h.id for h in hits]


def test_two_importers_and_a_writer_at_once(tmp_path, export_file):
    path, records = export_file
    data_dir = tmp_path / "instance"
    initialise(data_dir)
    half = len(records) // 2
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(records[:half]), "utf-8")
    b.write_text(json.dumps(records[half:]), "utf-8")
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "learning", "--data-dir", str(data_dir), "import", str(p)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for p in (a, b)
    ]
    story = tmp_path / "story.md"
    story.write_text(
        "---\ntype: family_story\ntitle: Written while importing\ndate: 2025-05-05\n"
        "consent: public\nindicators: [SO1.1]\n---\nA story saved in the middle of two imports.\n",
        "utf-8",
    )
    added = wm2u(data_dir, "add", str(story))
    outcomes = [p.communicate(timeout=300) for p in procs]
    assert added.returncode == 0, added.stderr
    for proc, (_, err) in zip(procs, outcomes, strict=True):
        assert proc.returncode == 0, err
        assert "locked" not in err.lower() and "Traceback" not in err
    check = wm2u(data_dir, "check", "--repair")
    assert check.returncode == 0, check.stdout
    with Evidence(data_dir) as evidence:
        assert evidence.store.count() == len(records) + 1
        assert evidence.search('"written while importing"').total == 1
