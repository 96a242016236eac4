"""What an operator meets, through real `wm2u` processes: a lost or damaged index, the plan
of a data dir, the data dir's permissions, the reindex progress bar, export/import round trips.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import shutil
import stat
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


def test_search_on_a_damaged_index_is_refused_naming_the_cure(indexed, tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(indexed, data_dir)
    DAMAGE["table of contents deleted"](data_dir)
    search = refused(wm2u(data_dir, "search", "breakfast"))
    assert "search index" in search.stderr and "wm2u check --repair" in search.stderr


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


# --- the plan of a data dir ---------------------------------------------------------------


def _plan(data_dir: Path) -> str:
    return json.loads(ok(wm2u(data_dir, "framework", "show", "--json")).stdout)["name"]


def test_init_with_another_plan_is_refused_once_there_are_records(tmp_path):
    data_dir = tmp_path / "data"
    ok(wm2u(data_dir, "init", "--framework", "wm2u-2023-2024"))  # empty: sets the plan
    assert _plan(data_dir) == "wm2u-2023-2024"
    ok(wm2u(data_dir, "init", "--framework", "wm2u-2024-2026"))  # still empty: sets it again
    assert _plan(data_dir) == "wm2u-2024-2026"
    ok(wm2u(data_dir, "add", str(markdown_file(tmp_path / "story.md"))))

    refusal = refused(wm2u(data_dir, "init", "--framework", "wm2u-2023-2024"))
    assert "wm2u framework adopt" in refusal.stderr and "framework" in refusal.stderr
    assert "wm2u-2024-2026" in refusal.stderr, refusal.stderr
    assert _plan(data_dir) == "wm2u-2024-2026"

    ok(wm2u(data_dir, "init", "--framework", "wm2u-2024-2026"))  # the same plan: idempotent
    ok(wm2u(data_dir, "init"))  # no --framework keeps the plan
    assert _plan(data_dir) == "wm2u-2024-2026"
    assert json.loads(ok(wm2u(data_dir, "list", "--json")).stdout)["total"] == 1


def test_a_soft_deleted_record_still_holds_the_plan(tmp_path):
    data_dir = tmp_path / "data"
    ok(wm2u(data_dir, "init"))
    (record_id,) = ok(wm2u(data_dir, "add", str(markdown_file(tmp_path / "s.md")))).stdout.split()
    ok(wm2u(data_dir, "delete", record_id))
    refused(wm2u(data_dir, "init", "--framework", "wm2u-2023-2024"))
    assert _plan(data_dir) == "wm2u-2024-2026"


# --- permissions --------------------------------------------------------------------------


def _modes(data_dir: Path) -> dict[str, str]:
    """Every path under the data dir (itself included) with its permission bits."""
    found = {".": oct(stat.S_IMODE(data_dir.stat().st_mode))}
    for path in data_dir.rglob("*"):
        found[str(path.relative_to(data_dir))] = oct(stat.S_IMODE(path.lstat().st_mode))
    return found


def _not_private(data_dir: Path) -> dict[str, str]:
    wrong = {}
    for name, mode in _modes(data_dir).items():
        want = "0o700" if (data_dir / name).is_dir() else "0o600"
        if mode != want:
            wrong[name] = mode
    return wrong


def test_the_data_dir_is_its_users_alone_whatever_the_umask(tmp_path):
    data_dir = tmp_path / "data"
    ok(wm2u(data_dir, "init", umask=0o022))
    story = markdown_file(tmp_path / "story.md")
    ok(wm2u(data_dir, "add", str(story), umask=0o022))  # writes an index segment
    assert search_total(data_dir, "breakfast") == 1
    ok(wm2u(data_dir, "reindex", umask=0o022))  # a rebuilt generation and its side file
    ok(wm2u(data_dir, "check", "--repair", umask=0o022))
    ok(wm2u(data_dir, "export", "--format", "md", "--out", str(tmp_path / "out"), umask=0o022))
    modes = _modes(data_dir)
    assert "wm2u.db" in modes and any(n.endswith(".seg") for n in modes), modes
    assert any(n.endswith(".wmt") for n in modes) and any("WRITELOCK" in n for n in modes)
    assert _not_private(data_dir) == {}


def test_a_wal_file_is_private_too(tmp_path):
    """While a process holds the database open, its -wal and -shm files exist: 0600."""
    data_dir = tmp_path / "data"
    ok(wm2u(data_dir, "init", umask=0o022))
    code = (
        "import os, sys; os.umask(0o022)\n"
        "from learning.services import Evidence\n"
        "from tests.builders import record_data\n"
        "with Evidence(sys.argv[1]) as ev:\n"
        "    ev.create(record_data())\n"
        "    print(sorted(f'{p.name} {oct(p.stat().st_mode & 0o777)}'\n"
        "                 for p in ev.data_dir.glob('wm2u.db*')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(data_dir)],
        capture_output=True, text=True, cwd=ROOT, timeout=120, check=True,
    ).stdout  # fmt: skip
    assert "wm2u.db-wal 0o600" in out and "wm2u.db-shm 0o600" in out, out
    assert "0o644" not in out


def test_init_and_repair_make_an_open_data_dir_private(tmp_path):
    data_dir = tmp_path / "data"
    ok(wm2u(data_dir, "init", umask=0o022))
    ok(wm2u(data_dir, "add", str(markdown_file(tmp_path / "story.md"))))
    (data_dir / "config.py").write_text("PER_PAGE = 20\n")

    def open_up() -> None:
        for path in [data_dir, *data_dir.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)

    open_up()
    check = ok(wm2u(data_dir, "check"))  # a warning: init or --repair fix it
    assert "Warning:" in check.stderr and "open to others" in check.stderr, check.stderr
    ok(wm2u(data_dir, "check", "--repair"))
    assert _not_private(data_dir) == {}
    again = ok(wm2u(data_dir, "check"))
    assert again.stdout.strip() == "All is well." and "Warning" not in again.stderr

    open_up()
    ok(wm2u(data_dir, "init"))
    assert _not_private(data_dir) == {}
    assert oct(stat.S_IMODE((data_dir / "config.py").stat().st_mode)) == "0o600"


# --- export and import, whatever the files are called --------------------------------------


def _records(data_dir: Path) -> list[dict]:
    found = json.loads(ok(wm2u(data_dir, "list", "--json")).stdout)["records"]
    return sorted(found, key=lambda r: r["id"])


@pytest.fixture(scope="module")
def exported_from(tmp_path_factory) -> tuple[Path, list[dict]]:
    """A data dir with four records (one with accents), and its records as listed."""
    base = tmp_path_factory.mktemp("exports")
    source = base / "source"
    ok(wm2u(source, "init"))
    ok(wm2u(source, "import", str(records_file(base / "in.json", 3))))
    ok(wm2u(source, "add", str(markdown_file(base / "cafe.md", title="Le café, déjà vu"))))
    return source, _records(source)


@pytest.mark.parametrize(
    "fmt,name",
    [
        ("json", "backup"),
        ("json", "backup.csv"),
        ("csv", "backup"),
        ("csv", "backup.json"),
        ("csv", "backup.md"),
        ("md", "backup.json"),
    ],
)
def test_an_export_imports_back_whatever_it_is_named(exported_from, tmp_path, fmt, name):
    source, listed = exported_from
    out = tmp_path / name
    ok(wm2u(source, "export", "--format", fmt, "--out", str(out)))

    target = tmp_path / "target"
    ok(wm2u(target, "init"))
    imported = ok(wm2u(target, "import", str(out)))
    found = {"json": "as JSON", "csv": "as CSV", "md": "as a folder of Markdown files"}[fmt]
    assert found in imported.stderr, imported.stderr
    assert "Imported 4 record(s)" in imported.stderr
    assert _records(target) == listed  # ids, content, revisions and timestamps
    assert "Le café, déjà vu" in {r["title"] for r in listed}
    again = ok(wm2u(target, "import", str(out)))
    assert "Imported 0 record(s); 4 already present." in again.stderr


def test_csv_is_written_with_a_byte_order_mark(tmp_path):
    data_dir = tmp_path / "data"
    ok(wm2u(data_dir, "init"))
    ok(wm2u(data_dir, "add", str(markdown_file(tmp_path / "cafe.md", title="café"))))
    ok(wm2u(data_dir, "export", "--format", "csv", "--out", str(tmp_path / "out.csv")))
    raw = (tmp_path / "out.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfid,type,title")
    assert "café".encode() in raw
