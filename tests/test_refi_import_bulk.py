"""`wm2u import` of a REFI-QDA project larger than one batch of saved records (#22, 100,000
sources in 300 s), through the command line in a process of its own: every source, selection
and count arrives as one at a time would bring it, and a file refused late changes nothing.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evidence.code_tally import LINK_TRIGGER
from learning.refi.importing import BATCH
from tests import refi_projects as rp
from tests.test_hardening_support import ROOT, ok, wm2u

pytestmark = pytest.mark.filterwarnings("error")

SOURCES = BATCH * 2 + 37  # two full batches and a part one
OURS = {"type": "family_story", "authority": "Dundee", "locality": "Lochee",
        "indicators": "SO1.1"}  # fmt: skip
CONSENTS = ("anonymised", "internal", "public")


def _guid(kind: int, n: int) -> str:
    return f"{kind:08x}-0000-4000-8000-{n:012d}"


def _text(n: int) -> str:
    return f"Story {n}: the rent went up and the council listened to us in the end."


def _project(tmp_path: Path, sources: int, lacking_at: int | None = None) -> Path:
    """``sources`` sources, each with two selections (one coded twice, one a memo's); the
    one at ``lacking_at`` has no date (the whole file is then refused)."""
    xml_sources, files, notes = [], {}, []
    for n in range(sources):
        text = _text(n)
        rent = text.index("rent")
        council = text.index("council")
        note = _guid(0xA0, n)
        notes.append(rp.note(note, f"Memo on story {n}"))
        selections = (
            rp.selection(_guid(0xB0, n), rent, rent + 12, rp.CODE_RENT, rp.CODE_HOUSING),
            rp.selection(_guid(0xC0, n), council, council + 16, rp.CODE_HOUSING, notes=(note,)),
        )
        variables = {**OURS, "consent": CONSENTS[n % 3], "date": f"2025-{n % 12 + 1:02d}-01"}
        if n == lacking_at:
            del variables["date"]
        source = _guid(0x5A, n)
        xml_sources.append(rp.source(source, f"Story {n}", *selections,
                                     path=f"internal://{source}.txt", variables=variables))  # fmt: skip
        files[f"sources/{source}.txt"] = text
    xml = rp.project(*xml_sources, notes=f"<Notes>{''.join(notes)}</Notes>")
    return rp.qdpx(tmp_path / "big.qdpx", xml, files)


def _state(data_dir: Path) -> dict[str, list]:
    """Every table an import writes to, as rows (the audit log included)."""
    tables = ("records", "record_indicators", "excerpts", "excerpt_codes", "codes",
              "refi_guids", "index_queue", "record_tally", "indicator_tally", "excerpt_tally",
              "code_records", "excerpt_pairs", "audit")  # fmt: skip
    with contextlib.closing(sqlite3.connect(data_dir / "wm2u.db")) as conn:
        return {t: sorted(map(repr, conn.execute(f"SELECT * FROM {t}"))) for t in tables}


@pytest.fixture(scope="module")
def empty_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "instance"
    ok(wm2u(path, "init"))
    return path


@pytest.fixture
def data_dir(empty_dir: Path, tmp_path: Path) -> Path:
    path = tmp_path / "instance"
    shutil.copytree(empty_dir, path)
    return path


def test_a_project_of_several_batches_arrives_whole_with_its_counts(data_dir: Path, tmp_path: Path):
    done = ok(wm2u(data_dir, "import", str(_project(tmp_path, SOURCES))))
    assert f"Imported {SOURCES} record(s), {2 * SOURCES} excerpt(s) and 2 code(s)" in done.stderr
    found = json.loads(ok(wm2u(data_dir, "excerpts", "--json")).stdout)["excerpts"]
    assert len(found) == 2 * SOURCES
    by_record: dict[str, list[dict]] = {}
    for excerpt in found:
        by_record.setdefault(excerpt["record"]["title"], []).append(excerpt)
    assert sorted(by_record) == sorted(f"Story {n}" for n in range(SOURCES))
    for title, two in by_record.items():
        assert sorted(e["text"] for e in two) == ["council listened", "rent went up"], title
        memo = next(e["memo"] for e in two if e["text"] == "council listened")
        assert memo == f"Memo on {title.lower()}"
    # The kept counts (codebook, code pages, derived measures) agree with a fresh count.
    assert ok(wm2u(data_dir, "check")).stdout.strip().startswith("All is well")
    codes = json.loads(ok(wm2u(data_dir, "codes", "list", "--json")).stdout)["codes"]
    counts = {c["guid"]: c["excerpts"] for c in codes}
    assert counts[rp.CODE_HOUSING] == 2 * SOURCES and counts[rp.CODE_RENT] == SOURCES
    listed = json.loads(ok(wm2u(data_dir, "list", "--json")).stdout)["records"]
    assert len(listed) == SOURCES
    assert {r["consent"] for r in listed} == set(CONSENTS)
    again = ok(wm2u(data_dir, "import", str(_project(tmp_path, SOURCES))))
    assert "Imported 0 record(s), 0 excerpt(s) and 0 code(s)" in again.stderr


def test_a_source_refused_after_batches_were_saved_leaves_everything_as_it_was(
    data_dir: Path, tmp_path: Path
):
    before = _state(data_dir)
    result = wm2u(data_dir, "import", str(_project(tmp_path, SOURCES, lacking_at=SOURCES - 5)))
    assert result.returncode == 1, result.stderr
    assert f"'Story {SOURCES - 5}'" in result.stderr and "has no date" in result.stderr
    assert "Traceback" not in result.stderr
    assert _state(data_dir) == before


def test_a_guid_twice_in_one_batch_is_one_record(data_dir: Path, tmp_path: Path):
    text = _text(0)
    rent, council = text.index("rent"), text.index("council")
    twice = _guid(0x5A, 1)
    sources = [
        rp.source(twice, "First", rp.selection(_guid(0xB0, 1), rent, rent + 12, rp.CODE_RENT),
                  text=text, variables={**OURS, "date": "2025-01-01"}),
        rp.source(_guid(0x5A, 2), "Between", text=text, variables={**OURS, "date": "2025-01-02"}),
        rp.source(twice, "Again", rp.selection(_guid(0xC0, 1), council, council + 16,
                                               rp.CODE_HOUSING),
                  text=text, variables={**OURS, "date": "2025-01-01"}),
    ]  # fmt: skip
    done = ok(wm2u(data_dir, "import", str(rp.qdpx(tmp_path / "p.qdpx", rp.project(*sources)))))
    assert "Imported 2 record(s), 2 excerpt(s)" in done.stderr
    found = json.loads(ok(wm2u(data_dir, "excerpts", "--json")).stdout)["excerpts"]
    assert {e["text"]: e["record"]["title"] for e in found} == {
        "rent went up": "First", "council listened": "First"}  # fmt: skip
    assert ok(wm2u(data_dir, "check")).stdout.strip().startswith("All is well")


def test_an_import_killed_after_batches_were_written_leaves_everything_as_it_was(
    data_dir: Path, tmp_path: Path
):
    """SIGKILL once the import's batches spill into the write-ahead log: the database is as
    before, the tally trigger a batch goes without is there, and the import then runs whole."""
    project = _project(tmp_path, BATCH * 8)
    before = _state(data_dir)
    wal = data_dir / "wm2u.db-wal"
    command = [
        sys.executable,
        "-m",
        "learning",
        "--data-dir",
        str(data_dir),
        "import",
        str(project),
    ]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline:
        if wal.exists() and wal.stat().st_size > 2 * 2**20:
            break
        time.sleep(0.01)
    assert process.poll() is None, "the import ended before it could be killed mid-way"
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert _state(data_dir) == before
    with contextlib.closing(sqlite3.connect(data_dir / "wm2u.db")) as conn:
        names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert LINK_TRIGGER in names
    assert ok(wm2u(data_dir, "check")).stdout.strip().startswith("All is well")
    done = ok(wm2u(data_dir, "import", str(project), timeout=300))
    assert f"Imported {BATCH * 8} record(s), {BATCH * 16} excerpt(s)" in done.stderr
    assert ok(wm2u(data_dir, "check")).stdout.strip().startswith("All is well")
