"""Helpers shared by the crash suites (no tests here): what `wm2u check` must say after a
process writing to the data dir was SIGKILLed."""

from __future__ import annotations

from pathlib import Path

from tests.test_hardening_support import wm2u

WAIT = 180.0  # seconds: the most any one step may take on a slow, shared machine
INDEX_LAG = ("index missing: ", "index stale: ")


def check_clean_or_repaired(data_dir: Path, moment: str) -> str:
    """`wm2u check` is clean, or finds the index behind the database and nothing worse, and
    `wm2u check --repair` mends that so that `wm2u check` is then clean. ``moment`` (the
    seed and what was killed when) heads every failure."""
    check = wm2u(data_dir, "check", timeout=WAIT)
    assert "Traceback" not in check.stderr, f"{moment}\n{check.stderr[-3000:]}"
    if check.returncode == 0:
        assert check.stdout.startswith("All is well"), f"{moment}\n{check.stdout[-2000:]}"
        return "check clean"
    assert check.returncode == 1, f"{moment}\n{check.stdout[-2000:]}{check.stderr[-2000:]}"
    problems = check.stdout.splitlines()
    damage = [p for p in problems if not p.startswith(INDEX_LAG)]
    assert not damage, f"{moment}\ncheck found more than index lag: {damage[:10]}"
    repaired = wm2u(data_dir, "check", "--repair", timeout=WAIT)
    assert repaired.returncode == 0, f"{moment}\n{repaired.stdout[-2000:]}{repaired.stderr}"
    assert repaired.stdout.startswith("All is well"), f"{moment}\n{repaired.stdout[-2000:]}"
    again = wm2u(data_dir, "check", timeout=WAIT)
    assert again.returncode == 0, f"{moment}\n{again.stdout[-2000:]}{again.stderr[-2000:]}"
    assert again.stdout.startswith("All is well"), f"{moment}\n{again.stdout[-2000:]}"
    return f"repaired {len(problems)} index problem(s)"
