"""What an operator meets, through real `wm2u` processes: a lost or damaged index and the
reindex progress bar.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import shutil
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
import yaml

from tests.builders import record_data

ROOT = Path(__file__).resolve().parent.parent
WM2U = Path(sys.executable).with_name("wm2u")  # the venv's console script


def wm2u(
    data_dir: Path, *args: str, input: str | None = None, umask: int | None = None
) -> subprocess.CompletedProcess:
    """Run ``wm2u --data-dir DATA_DIR ARGS`` as a process of its own (with ``umask``)."""
    command = [str(WM2U)] if WM2U.exists() else [sys.executable, "-m", "learning"]
    return subprocess.run(
        [*command, "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        input=input,
        timeout=300,
        cwd=ROOT,
        preexec_fn=None if umask is None else (lambda: os.umask(umask)),
    )


def ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, (result.args, result.stdout[-2000:], result.stderr[-2000:])
    return result


def refused(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 1, (result.args, result.stdout[-2000:], result.stderr[-2000:])
    assert "Traceback" not in result.stderr, result.stderr
    return result


def records_file(path: Path, count: int, **overrides) -> Path:
    path.write_text(json.dumps([record_data(**overrides) for _ in range(count)]), "utf-8")
    return path


def markdown_file(path: Path, **overrides) -> Path:
    data = record_data(**overrides)
    body = data.pop("body")
    path.write_text(f"---\n{yaml.safe_dump(data, allow_unicode=True)}---\n{body}\n", "utf-8")
    return path


def search_total(data_dir: Path, query: str) -> int:
    return json.loads(ok(wm2u(data_dir, "search", query, "--json")).stdout)["total"]


# --- a lost or damaged index -------------------------------------------------------------


@pytest.fixture(scope="module")
def indexed(tmp_path_factory) -> Path:
    """A data dir with 30 records and a freshly rebuilt index (segment, side file, TOC)."""
    base = tmp_path_factory.mktemp("indexed")
    data_dir = base / "data"
    ok(wm2u(data_dir, "init"))
    ok(wm2u(data_dir, "import", str(records_file(base / "records.json", 30))))
    ok(wm2u(data_dir, "reindex"))
    return data_dir


def _generation(data_dir: Path) -> Path:
    return data_dir / "index" / (data_dir / "index" / "CURRENT").read_text().strip()


def _cut(path: Path) -> None:
    with path.open("r+b") as handle:
        handle.truncate(path.stat().st_size // 3)


DAMAGE = {
    "folder deleted": lambda d: shutil.rmtree(d / "index"),
    "folder emptied": lambda d: [
        shutil.rmtree(p) if p.is_dir() else p.unlink() for p in (d / "index").iterdir()
    ],  # fmt: skip
    "generation deleted": lambda d: shutil.rmtree(_generation(d)),
    "table of contents deleted": lambda d: [p.unlink() for p in _generation(d).glob("*.toc")],
    "table of contents cut short": lambda d: [_cut(p) for p in _generation(d).glob("*.toc")],
    "segment cut short": lambda d: [_cut(p) for p in _generation(d).glob("*.seg")],
    "side file cut short": lambda d: [_cut(p) for p in _generation(d).glob("*.wmt")],
    "half-written generation": lambda d: (
        (d / "index" / "gen-half").mkdir(mode=0o700),
        (d / "index" / "CURRENT").write_text("gen-half\n"),
    ),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_check_reports_a_lost_or_damaged_index_and_repair_rebuilds_it(indexed, tmp_path, damage):
    data_dir = tmp_path / "data"
    shutil.copytree(indexed, data_dir)
    DAMAGE[damage](data_dir)

    check = refused(wm2u(data_dir, "check"))
    assert check.stdout.splitlines() == [check.stdout.splitlines()[0]], check.stdout
    assert check.stdout.startswith("index: ") and "--repair" in check.stdout, check.stdout
    assert "problem(s) found" in check.stderr
    refused(wm2u(data_dir, "check"))  # checking changed nothing: still reported

    repaired = ok(wm2u(data_dir, "check", "--repair"))
    assert "All is well." in repaired.stdout
    assert ok(wm2u(data_dir, "check")).stdout.strip() == "All is well."
    assert search_total(data_dir, "breakfast") == 30


def test_reindex_rebuilds_a_damaged_index(indexed, tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(indexed, data_dir)
    DAMAGE["table of contents deleted"](data_dir)
    assert "Indexed 30 record(s)." in ok(wm2u(data_dir, "reindex")).stderr
    assert search_total(data_dir, "breakfast") == 30


# --- the reindex progress bar -------------------------------------------------------------


def _on_a_terminal(data_dir: Path, *args: str) -> tuple[int, str]:
    """Run wm2u with stderr on a pseudo-terminal (tqdm draws its bar only on one)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # 100 columns
    command = [str(WM2U)] if WM2U.exists() else [sys.executable, "-m", "learning"]
    proc = subprocess.Popen(
        [*command, "--data-dir", str(data_dir), *args],
        stdout=subprocess.DEVNULL,
        stderr=slave,
        cwd=ROOT,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the other end closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    return proc.wait(timeout=300), b"".join(chunks).decode("utf-8", "replace")


def test_reindex_progress_bar_ends_at_the_record_count(tmp_path):
    data_dir = tmp_path / "data"
    ok(wm2u(data_dir, "init"))
    ok(wm2u(data_dir, "import", str(records_file(tmp_path / "many.json", 1234))))
    status, shown = _on_a_terminal(data_dir, "reindex")
    assert status == 0, shown
    counts = re.findall(r"(\d+)/1234", shown)
    assert counts, shown
    assert counts[-1] == "1234", shown  # the bar's last state: every record indexed
    assert [int(c) for c in counts] == sorted(int(c) for c in counts)  # never goes back
    assert "Indexed 1234 record(s)." in shown
