"""Crash safety with real processes: SIGKILL `wm2u import` at many moments, then check,
repair, verify and finish.

Each kill is aimed at a stage of the import by watching the database and the index folder
from outside: start-up, part-way through the batches, after the last batch while the index
catches up, a re-run that only skips, and the multi-process index rebuild of a large import.
After every kill:

- nothing the killed import started is still running;
- the crash left the index behind the database at worst: `wm2u check` finds nothing else,
  `wm2u check --repair` mends it, and `wm2u check` is then clean;
- every record the database holds (what the import acknowledged by committing it) is a record
  of the corpus, word for word, once, and no record an earlier run saved is gone;
- a sample of them is found by searching the index as the crash and the repair left it.

Finally the import is run again to the end: exactly the corpus, once each, and `check` clean.
The kill moments come from ``random.Random(seed)``; a failure names the seed and every moment.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from learning import demo, framework
from learning.services import DB_NAME, INDEX_DIR, REBUILD_FROM, Evidence, initialise
from tests.crash_support import WAIT, check_clean_or_repaired
from tests.test_hardening_support import ROOT, wm2u

pytestmark = pytest.mark.slow

JSON_RECORDS = 3000  # the JSON corpus (records with ids), imported in two files
MARKDOWN_FILES = 700  # Markdown files without ids: a re-run knows them by their content
LARGE = REBUILD_FROM  # an import this large rebuilds the index (in two processes) instead
CONTENT_KEYS = ("type", "title", "date", "authority", "locality", "author", "consent",
                "indicators", "activities", "tags", "people", "quotes", "body", "fields")  # fmt: skip
INDEX_SECONDS = 0.0012  # about how long the import's index catch-up takes a record here
SAMPLE = 8  # records searched for after each kill


@dataclass
class Corpus:
    """The records an import reads, the files holding them, and how a stored record is
    matched back to the one written (by id, or by content for files without ids)."""

    records: list[dict]
    key: Callable[[dict], str]
    files: dict[str, tuple[Path, int]]  # name -> (file or folder, how many records it holds)

    def expected(self) -> dict[str, dict]:
        return {self.key(r): r for r in self.records}


def by_id(record: dict) -> str:
    return record["id"]


def by_content(record: dict) -> str:
    return json.dumps({k: record[k] for k in CONTENT_KEYS}, sort_keys=True)


@pytest.fixture(scope="module")
def generated() -> list[dict]:
    records = demo.generate(framework.load(), count=LARGE, seed=11)
    assert len({r["id"] for r in records}) == LARGE
    assert len({by_content(r) for r in records}) == LARGE  # distinct without their ids too
    return records


@pytest.fixture(scope="module")
def exported(generated, tmp_path_factory) -> Corpus:
    """JSON exports: the first half of the records, and all of them."""
    folder = tmp_path_factory.mktemp("json")
    records = generated[:JSON_RECORDS]
    half = records[: JSON_RECORDS // 2]
    (folder / "first-half.json").write_text(json.dumps(half), "utf-8")
    (folder / "all.json").write_text(json.dumps({"records": records}), "utf-8")
    files = {
        "half": (folder / "first-half.json", len(half)),
        "all": (folder / "all.json", len(records)),
    }
    return Corpus(records, by_id, files)


@pytest.fixture(scope="module")
def large(generated, tmp_path_factory) -> Corpus:
    path = tmp_path_factory.mktemp("json") / "large.json"
    path.write_text(json.dumps(generated), "utf-8")
    return Corpus(generated, by_id, {"all": (path, len(generated))})


@pytest.fixture(scope="module")
def markdown(generated, tmp_path_factory) -> Corpus:
    """A folder of Markdown record files with no ids."""
    folder = tmp_path_factory.mktemp("markdown")
    records = [{k: r[k] for k in CONTENT_KEYS} for r in generated[-MARKDOWN_FILES:]]
    for n, record in enumerate(records):
        meta = {k: v for k, v in record.items() if k != "body"}
        front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000)
        (folder / f"{n:05d}.md").write_text(f"---\n{front}---\n{record['body']}\n", "utf-8")
    return Corpus(records, by_content, {"all": (folder, len(records))})


# --- running and killing an import -------------------------------------------------------


def committed(data_dir: Path) -> int:
    """Records in the database as another process sees them (committed, nothing else)."""
    uri = f"file:{data_dir / DB_NAME}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=30)) as conn:
        return conn.execute("SELECT count(*) FROM records").fetchone()[0]


def generations(data_dir: Path) -> int:
    """Index generations on disk: a second one appears while a rebuild fills it."""
    return len(list((data_dir / INDEX_DIR).glob("gen-*")))


def group_alive(pgid: int) -> list[str]:
    """The process group's live processes (zombies aside), as 'pid state command'; none
    where there is no /proc to look in."""
    alive = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # it ended while we looked
            continue
        state, _ppid, pgrp = stat.rsplit(")", 1)[1].split()[:3]
        if int(pgrp) == pgid and state != "Z":
            alive.append(f"{entry.name} {state} {cmd.strip()}")
    return alive


class Importer:
    """`wm2u import PATH` in a process group of its own, so that whatever it starts is known."""

    def __init__(self, data_dir: Path, path: Path, log: Path) -> None:
        self.data_dir, self.log = data_dir, log
        with open(log, "w", encoding="utf-8") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "learning", "--data-dir", str(data_dir),
                 "import", str(path)],
                stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True,
            )  # fmt: skip
        self.started = time.monotonic()

    def running(self) -> bool:
        return self.proc.poll() is None

    def wait_until(self, condition: Callable[[], bool], what: str) -> bool:
        """Poll until ``condition``; False if the import ended first."""
        deadline = time.monotonic() + WAIT
        while self.running():
            if condition():
                return True
            assert time.monotonic() < deadline, f"the import never reached {what}"
            time.sleep(0.01)
        return False

    def sigkill(self) -> float:
        """SIGKILL the import's own process, as `kill -9 PID` or the OOM killer would;
        returns how long it had run."""
        ran = time.monotonic() - self.started
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        return ran

    def survivors(self, grace: float = 15.0) -> list[str]:
        """What the import started and left running ``grace`` seconds after it died."""
        deadline = time.monotonic() + grace
        while (left := group_alive(self.proc.pid)) and time.monotonic() < deadline:
            time.sleep(0.1)
        self.cleanup()
        return left

    def cleanup(self) -> None:
        if self.running():
            self.proc.kill()
            self.proc.wait(timeout=30)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)  # the group we started, and only it

    def output(self) -> str:
        return self.log.read_text("utf-8", errors="replace")[-3000:]


@pytest.fixture
def importers() -> Iterator[list[Importer]]:
    started: list[Importer] = []
    yield started
    for importer in started:  # a failed test leaves no process behind
        importer.cleanup()


def kill_at(importer: Importer, stage: str, rng: random.Random, total: int) -> str:
    """SIGKILL the import at a random moment of ``stage``; describe the moment."""
    data_dir = importer.data_dir
    before = committed(data_dir)
    if stage == "batches" and before >= total - 1:
        stage = "re-run"  # an earlier kill came too late to leave batches for this one
    reached = True
    if stage == "start-up":  # Python starting, reading the file, validating the first batch
        delay = rng.uniform(0.0, 1.0)
        aim = f"{delay:.2f}s after it started"
    elif stage == "batches":  # a batch or two committed (each on its own), more to come
        target = rng.randint(before + 1, min(total - 1, before + 600))
        delay = rng.uniform(0.0, 0.2)
        aim = f"{delay:.2f}s after {target} records were committed"
        reached = importer.wait_until(lambda: committed(data_dir) >= target, aim)
    elif stage == "index":  # every batch committed; the index catching up with them
        delay = rng.uniform(0.0, INDEX_SECONDS * (total - before))
        aim = f"{delay:.2f}s after the last batch was committed"
        reached = importer.wait_until(lambda: committed(data_dir) >= total, aim)
    elif stage == "rebuild":  # a large import rebuilding the index in two processes
        delay = rng.uniform(0.0, 3.0)
        aim = f"{delay:.2f}s into the rebuild of the index"
        reached = importer.wait_until(lambda: generations(data_dir) > 1, aim)
    elif stage == "re-run":  # everything is there already: the import reads and skips
        delay = rng.uniform(0.2, 0.7)  # such a run takes about a second
        aim = f"{delay:.2f}s into a re-run"
    else:
        raise ValueError(stage)
    if reached:
        time.sleep(delay)
    if not importer.running():
        assert importer.proc.wait() == 0, f"{stage}, {aim}: {importer.output()}"
        return f"{stage}, {aim}: the import finished first"
    at_kill = committed(data_dir)
    ran = importer.sigkill()
    return f"{stage}, {aim}: killed after {ran:.2f}s with {at_kill} committed"


# --- after a kill ------------------------------------------------------------------------


def verify(
    data_dir: Path, corpus: Corpus, kept: set[str], rng: random.Random, moment: str
) -> set[str]:
    """The database holds corpus records only, each once and word for word, none that an
    earlier run saved is gone, and a sample is found by search. Returns the keys present."""
    expected = corpus.expected()
    with Evidence(data_dir) as ev:
        stored = [record.to_dict() for record in ev.store.iter_records()]
        keys = [corpus.key(record) for record in stored]
        twice = len(keys) - len(set(keys))
        assert twice == 0, f"{moment}\n{twice} record(s) imported twice"
        for record, key in zip(stored, keys, strict=True):
            assert key in expected, f"{moment}\n{record['id']} is not a record of the corpus"
            wanted = expected[key]
            got = {k: record[k] for k in wanted}
            assert got == wanted, f"{moment}\n{record['id']} differs from the file"
        lost = len(kept - set(keys))
        assert lost == 0, f"{moment}\n{lost} record(s) an earlier run saved are gone"
        for record in rng.sample(stored, min(SAMPLE, len(stored))):
            query = f'"{record["title"]}" type:{record["type"]} date:{record["date"]}'
            # The index as the crash and the repair left it: no sync before searching.
            hits = ev.index.search(query, per_page=100).hits
            assert record["id"] in [h.id for h in hits], f"{moment}\nsearch misses {query}"
    return set(keys)


def kill_repeatedly(
    tmp_path: Path,
    corpus: Corpus,
    runs: list[tuple[str, str]],
    seed: int,
    importers: list[Importer],
) -> None:
    """For each (file, stage): import the file, kill it in that stage, check and verify.
    Then import the whole corpus to the end."""
    data_dir = tmp_path / "instance"
    initialise(data_dir)
    rng = random.Random(seed)
    kept: set[str] = set()
    history = [f"seed {seed}"]
    for n, (name, stage) in enumerate(runs, 1):
        path, total = corpus.files[name]
        importer = Importer(data_dir, path, tmp_path / f"import-{n}.log")
        importers.append(importer)
        history.append(f"kill {n} ({path.name}): {kill_at(importer, stage, rng, total)}")
        survivors = importer.survivors()
        assert not survivors, (
            "\n".join(history) + "\nthe killed import's processes outlived it (and hold the "
            f"index's write lock, so no index write or repair can succeed): {survivors}"
        )
        history[-1] += "; " + check_clean_or_repaired(data_dir, "\n".join(history))
        kept = verify(data_dir, corpus, kept, rng, "\n".join(history))
        history[-1] += f"; {len(kept)} present"
        print(history[-1])  # shown with a failure's captured output

    path, _ = corpus.files["all"]
    done = wm2u(data_dir, "import", str(path), timeout=WAIT)
    where = "\n".join(history) + "\nthe import run to the end"
    assert done.returncode == 0, f"{where}: {done.stderr[-3000:]}"
    check = wm2u(data_dir, "check", timeout=WAIT)
    assert check.returncode == 0, f"{where}: {check.stdout[-2000:]}"
    missing = len(set(corpus.expected()) - verify(data_dir, corpus, kept, rng, where))
    assert missing == 0, f"{where}: {missing} of the corpus's records are missing"


def test_json_import_killed_at_many_moments_then_finished(tmp_path, exported, importers):
    runs = [("half", "start-up"), ("half", "batches"), ("half", "index"), ("half", "re-run"),
            ("all", "batches"), ("all", "start-up"), ("all", "index"), ("all", "re-run"),
            ("all", "start-up"), ("all", "re-run")]  # fmt: skip
    kill_repeatedly(tmp_path, exported, runs, seed=2024, importers=importers)


def test_markdown_import_without_ids_killed_then_run_again_without_duplicates(
    tmp_path, markdown, importers
):
    kill_repeatedly(tmp_path, markdown, [("all", "batches")], seed=7, importers=importers)


def test_large_import_killed_while_rebuilding_the_index(tmp_path, large, importers):
    kill_repeatedly(tmp_path, large, [("all", "rebuild")], seed=5, importers=importers)


def test_two_importers_and_a_writer_at_once(tmp_path, generated):
    records = generated[:1200]
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
            cwd=ROOT,
        )
        for p in (a, b)
    ]
    story = tmp_path / "story.md"
    story.write_text(
        "---\ntype: family_story\ntitle: Written while importing\ndate: 2025-05-05\n"
        "consent: public\nindicators: [SO1.1]\n---\nA story saved in the middle of two imports.\n",
        "utf-8",
    )
    added = wm2u(data_dir, "add", str(story), timeout=WAIT)
    outcomes = [p.communicate(timeout=WAIT) for p in procs]
    assert added.returncode == 0, added.stderr
    for proc, (_, err) in zip(procs, outcomes, strict=True):
        assert proc.returncode == 0, err
        assert "locked" not in err.lower() and "Traceback" not in err
    check = wm2u(data_dir, "check", "--repair", timeout=WAIT)
    assert check.returncode == 0, check.stdout
    with Evidence(data_dir) as evidence:
        assert evidence.store.count() == len(records) + 1
        assert evidence.search('"written while importing"').total == 1
