"""A failed index write: the save succeeds, the failure is logged and `wm2u check` reports it
(exit 1) until a `check --repair` brings the index back in step."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

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


def test_a_save_racing_a_rebuild_swap_is_not_a_failure(tmp_path, monkeypatch):
    """The generation a save opens is swapped and removed under it: the save reads the
    pointer again and writes to the new one, even with no time to wait."""
    import search_index.index as index_module
    from search_index import SearchIndex
    from tests.test_search_writes import make

    idx = SearchIndex(tmp_path / "index")
    real = index_module.whoosh_index.open_dir
    calls = []

    def swapped_under_us(folder, *args, **kwargs):
        calls.append(folder)
        if len(calls) == 1:  # as a rebuild does between our reading the pointer and opening
            name, _ = idx._new_generation()
            idx._write_pointer(name)
            raise index_module.whoosh_index.EmptyIndexError(folder)
        return real(folder, *args, **kwargs)

    monkeypatch.setattr(index_module.whoosh_index, "open_dir", swapped_under_us)
    try:
        assert idx.apply([make("A1")], [], wait=0.0)
        monkeypatch.undo()
        assert len(calls) == 2 and calls[0] != calls[1]
        assert idx.search("common").total == 1
    finally:
        idx.close()


def test_a_broken_generation_still_raises_past_the_deadline(tmp_path):
    from search_index import SearchIndex
    from tests.test_search_writes import make

    idx = SearchIndex(tmp_path / "index")
    try:
        (live_generation(tmp_path) / "MAIN.tmp").write_text("not a folder", encoding="utf-8")
        with pytest.raises(OSError, match="MAIN.tmp"):
            idx.apply([make("A1")], [], wait=0.0)
    finally:
        idx.close()
