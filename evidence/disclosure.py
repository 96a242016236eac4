"""Disclosure control: small counts of people are never shown outside the team.

Primary suppression: a count of people below its measure's threshold is withheld.
Secondary suppression: an authority's figure and its localities' figures for one measure and
period form a group whose total is the authority's (Scotland is the total of nothing). In a
group, a single withheld cell could be worked out from the others by subtraction, so when
exactly one is withheld the smallest other cell is withheld too (a locality before the
total). Every group then has no withheld cell or at least two, and no sum of the shown
cells gives a withheld one. A change over time is shown only where both ends are shown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .figures import COMPARATOR, Figure

PRIMARY = "primary"  # below the threshold: "fewer than N"
SECONDARY = "secondary"  # withheld so that a small one cannot be worked out: "not shown"


def suppressed(figures: Sequence[Figure], measure_of: Callable[[str], Any]) -> dict[int, str]:
    """Which of ``figures`` (by index) to withhold outside the team, and why."""
    out: dict[int, str] = {}
    groups: dict[tuple[str, str, str, str], list[int]] = {}
    for i, figure in enumerate(figures):
        measure = measure_of(figure.measure)
        if measure is None or not measure.suppressible:
            continue
        if figure.value < measure.disclosure_threshold:
            out[i] = PRIMARY
        if figure.authority != COMPARATOR:
            key = (figure.measure, figure.period_from, figure.period_to, figure.authority)
            groups.setdefault(key, []).append(i)
    for cells in groups.values():
        has_total = any(not figures[i].locality for i in cells)
        withheld = [i for i in cells if i in out]
        if not has_total or len(withheld) != 1 or len(cells) < 2:
            continue
        others = [i for i in cells if i not in out]
        # The smallest locality gives least away; the total only when nothing else is left.
        others.sort(key=lambda i: (not figures[i].locality, figures[i].value, i))
        out[others[0]] = SECONDARY
    return out


def words(reason: str, threshold: int) -> str:
    """How a withheld figure reads."""
    return f"fewer than {threshold}" if reason == PRIMARY else "not shown"
