"""Demo figures: the real Scotland Child Protection Register series (shipped with the
package, from ../shared/data) and invented local figures, labelled as demo figures, for every
locality of the plan, quarterly over the plan's timescale (some small enough to be withheld
from viewers)."""

from __future__ import annotations

import datetime as dt
import random
from importlib import resources
from typing import Any

DEMO_SOURCE = "demo figures (invented for the demo; not real)"
REAL = "scotland-child-protection-register.csv"
# Typical sizes per locality: children on the register, and children looked after.
BASE = {"children_on_cpr": (2, 24), "looked_after_children": (8, 70)}


def real_register_csv() -> str:
    """The published Scotland figures, as shipped inside the package."""
    return resources.files("learning.data").joinpath(REAL).read_text(encoding="utf-8")


def _quarter_ends(start: str, end: str) -> list[str]:
    try:
        first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    except ValueError:
        first, last = dt.date(2024, 9, 1), dt.date(2026, 6, 30)
    out = []
    year, quarter = first.year, (first.month - 1) // 3 + 1
    while True:
        month = quarter * 3
        day = dt.date(year, month, 30 if month in (6, 9) else 31)
        if day > last:
            break
        out.append(day.isoformat())
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return out


def local_figures(framework: Any, seed: int = 2024) -> list[dict[str, Any]]:
    """Invented quarterly figures for each locality and its authority (the authority's is
    the sum of its localities), drifting down slowly: the shift to prevention."""
    rng = random.Random(seed)
    days = _quarter_ends(str(framework.period_from), str(framework.period_to))
    out: list[dict[str, Any]] = []
    for code, (low, high) in BASE.items():
        if framework.measure(code) is None:
            continue
        for authority, localities in framework.authorities.items():
            start = {loc: rng.randint(low, high) for loc in localities}
            for step, day in enumerate(days):
                total = 0
                for loc in localities:
                    value = max(0, start[loc] - step // 3 + rng.randint(-2, 2))
                    total += value
                    out.append(_figure(code, authority, loc, day, value))
                out.append(_figure(code, authority, "", day, total))
    return out


def _figure(code: str, authority: str, locality: str, day: str, value: int) -> dict[str, Any]:
    return {"measure": code, "authority": authority, "locality": locality, "period_from": day,
            "period_to": day, "value": value, "source": DEMO_SOURCE,
            "note": "demo figures"}  # fmt: skip
