"""Disclosure control: small counts of people are never shown outside the team.

Primary suppression: a count below its measure's threshold is withheld (a measure with
threshold 0 is shown as it is). Secondary suppression: within one measure and authority,
figures add up (``sums.py``: periods that tile or overlap, localities to their authority),
so further figures are withheld, one at a time, until no withheld figure is given by the
shown ones: for each withheld figure, no sum of shown figures equals it (its unit vector is
not in the span of the sums cut to the withheld figures and unknown amounts, worked out
exactly in whole numbers). Each one withheld so is the smallest shown figure of a sum that
gives a withheld one away (a locality before its authority). A change over time is shown
only where both ends are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from math import gcd
from typing import Any

from .figures import Figure
from .sums import Row, sums

PRIMARY = "primary"  # below the threshold: "fewer than N"
SECONDARY = "secondary"  # withheld so that a small one cannot be worked out: "not shown"


def suppressed(figures: Sequence[Figure], measure_of: Callable[[str], Any]) -> dict[int, str]:
    """Which of ``figures`` (by index) to withhold outside the team, and why."""
    out: dict[int, str] = {}
    groups: dict[tuple[str, str], list[int]] = {}
    for i, figure in enumerate(figures):
        measure = measure_of(figure.measure)
        if measure is None or not measure.suppressible:
            continue
        groups.setdefault((figure.measure, figure.authority), []).append(i)
        if figure.value < measure.disclosure_threshold:
            out[i] = PRIMARY
    for cells in groups.values():
        if any(i in out for i in cells):
            rows = sums({i: figures[i] for i in cells})
            for component in _components(rows):
                if any(i in out for row in component for i in row):
                    _withhold_until_safe(figures, component, out)
    return out


def words(reason: str, threshold: int) -> str:
    """How a withheld figure reads."""
    return f"fewer than {threshold}" if reason == PRIMARY else "not shown"


def _components(rows: list[Row]) -> list[list[Row]]:
    """The rows in groups that share no column (each group is judged on its own)."""
    parent: dict[int, int] = {}

    def root(column: int) -> int:
        while parent.setdefault(column, column) != column:
            parent[column] = parent[parent[column]]
            column = parent[column]
        return column

    for row in rows:
        first, *rest = row
        for column in rest:
            a, b = root(first), root(column)
            if a != b:
                parent[a] = b
    groups: dict[int, list[Row]] = {}
    for row in rows:
        groups.setdefault(root(next(iter(row))), []).append(row)
    return list(groups.values())


def _withhold_until_safe(figures: Sequence[Figure], rows: list[Row], out: dict[int, str]) -> None:
    """Withhold figures of one group of sums until no withheld one is given by the shown."""
    columns = {c for row in rows for c in row}
    span = Span(rows, {c for c in columns if c < 0 or c in out})
    forced: set[int] | None = None
    while True:
        given = {c: row for c, row in span.given().items() if c >= 0}
        if given and forced is None:
            # A figure the sums alone fix (at 0, from how places entered figures) gives no
            # shown value away, and withholding more cannot hide it.
            forced = set(Span(rows, columns).given())
        leaks = sorted(c for c in given if c not in (forced or ()))
        if not leaks:
            return
        # Withhold the smallest shown figure of the sum that gives the first one away.
        shown = [c for c in given[leaks[0]] if c != leaks[0]]
        pick = min(shown, key=lambda i: (not figures[i].locality, figures[i].value, i))
        out[pick] = SECONDARY
        span.hide(pick)


class Span:
    """The span of some sums, reduced on their hidden columns (exact, in whole numbers), kept
    up to date as columns are hidden one at a time."""

    def __init__(self, rows: Iterable[Row], hidden: Iterable[int]) -> None:
        self.hidden: set[int] = set()
        self.pivots: dict[int, Row] = {}  # hidden column -> the one row that has it
        self.rest: list[Row] = [dict(row) for row in rows]  # rows with no hidden column
        for column in sorted(hidden):
            self.hide(column)

    def hide(self, column: int) -> None:
        """Treat ``column`` as unknown from now on."""
        self.hidden.add(column)
        found = next((k for k, row in enumerate(self.rest) if column in row), None)
        if found is None:
            return
        pivot = self.rest.pop(found)  # its only hidden column is this one
        self.rest = [_combine(row, pivot, column) if column in row else row for row in self.rest]
        self.rest = [row for row in self.rest if row]
        for other, row in self.pivots.items():
            if column in row:
                self.pivots[other] = _combine(row, pivot, column)
        self.pivots[column] = pivot

    def given(self) -> dict[int, Row]:
        """Each hidden column whose value the known ones fix, with a sum that fixes it (its
        unit vector is in the span cut to the hidden columns)."""
        return {
            p: row for p, row in self.pivots.items()
            if not any(c in self.hidden for c in row if c != p)
        }  # fmt: skip


def _combine(row: Row, pivot_row: Row, column: int) -> Row:
    """``row`` less a multiple of ``pivot_row`` that clears ``column``, in lowest terms."""
    a, b = row[column], pivot_row[column]
    out = {c: b * v for c, v in row.items()}
    for c, v in pivot_row.items():
        out[c] = out.get(c, 0) - a * v
    out = {c: v for c, v in out.items() if v}
    divisor = gcd(*out.values()) if out else 1
    return {c: v // divisor for c, v in out.items()}
