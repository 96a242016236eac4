"""Shared fixtures: a real data dir (SQLite file + Whoosh index) under tmp_path for each test."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from learning.services import Evidence, initialise
from tests.builders import record_data


@pytest.fixture
def make_record():
    """Builder for valid record dicts (``make_record(consent="internal")``)."""
    return record_data


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """An initialised data dir with the default framework."""
    path = tmp_path / "instance"
    initialise(path)
    return path


@pytest.fixture
def evidence(data_dir: Path):
    """The service layer over a fresh data dir."""
    with Evidence(data_dir) as ev:
        yield ev


@pytest.fixture
def cli(data_dir: Path):
    """Run `wm2u` in-process against the data dir: ``cli("list", "--json")``."""
    from learning.cli import main

    runner = CliRunner()

    def run(*args: str, input: str | None = None):
        return runner.invoke(main, ["--data-dir", str(data_dir), *args], input=input)

    return run
