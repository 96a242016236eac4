"""A failed index write: the save succeeds, the failure is logged and `wm2u check` reports it
(exit 1) until a `check --repair` brings the index back in step."""

from __future__ import annotations

import logging
from pathlib import Path

from tests.test_cli import md_file


def live_generation(data_dir: Path) -> Path:
    root = data_dir / "index"
    return root / (root / "CURRENT").read_text(encoding="utf-8").strip()


def test_a_failed_index_write_is_logged_reported_by_check_and_cleared_by_repair(
    cli, data_dir, tmp_path, caplog
):
    # A real broken index: a file where Whoosh makes its writer's temporary folder.
    blocker = live_generation(data_dir) / "MAIN.tmp"
    blocker.write_text("not a folder", encoding="utf-8")

    with caplog.at_level(logging.ERROR, logger="learning.services"):
        added = cli("add", str(md_file(tmp_path)))
    assert added.exit_code == 0, added.output  # the save succeeds
    record_id = added.stdout.strip()
    assert cli("show", record_id).exit_code == 0
    failures = [r for r in caplog.records if r.name == "learning.services"]
    assert failures and failures[0].exc_info is not None  # logged with the traceback
    assert "search index" in failures[0].getMessage()

    checked = cli("check")
    assert checked.exit_code == 1
    (line,) = [x for x in checked.stdout.splitlines() if "index write failed" in x]
    assert line.startswith("the last index write failed at 20")
    assert "UTC: OSError" in line and "MAIN.tmp" in line
    assert f"index missing: {record_id}" in checked.stdout

    assert "index write failed" in cli("check").stdout  # a check does not clear it

    blocker.unlink()  # the cause fixed
    repaired = cli("check", "--repair")
    assert repaired.exit_code == 0, repaired.output
    after = cli("check")
    assert after.exit_code == 0, after.output
    assert "index write failed" not in after.stdout
    found = cli("search", "breakfast", "--json")
    assert found.exit_code == 0 and record_id in found.stdout


def test_check_is_clean_when_no_index_write_failed(cli, tmp_path):
    assert cli("add", str(md_file(tmp_path))).exit_code == 0
    checked = cli("check")
    assert checked.exit_code == 0
    assert "index write failed" not in checked.stdout
