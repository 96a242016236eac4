"""What adds up: the sums a reader may assume between one measure's figures of one authority.

Disclosure control (``disclosure.py``) withholds figures until none withheld can be worked
out from the shown ones by these sums. They are assumed, not checked against the values: a
sum the figures do not really obey only makes more be withheld.

- **Periods add up.** A place's figure is an amount over its period (a figure "on 30
  September" is that day's), so periods that tile a longer one add up to it, and a longer
  one less a part gives the rest (a year less its first half is its second half). With
  ``S(day)`` a place's running total, a figure is ``S(day after its end) - S(its start)``;
  the sums are the cycles of the graph whose nodes are days and whose edges are figures.
- **Places add up.** An authority's figure is the sum of its localities' amounts over its
  period (a locality with no figure over that period counts as none; one with figures that
  do not cover it exactly is an unknown amount, a column of its own). Places enter figures
  differently, so an authority's figure is also taken as the sum of its localities' figures
  that end on the same day, whatever their start (a locality's quarter to 30 September
  beside the authority's figure on 30 September).

A sum is a row ``{column: coefficient}`` meaning ``sum(coefficient * value) == 0``; columns
are the figures' indices, and negative numbers for the unknown amounts.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections.abc import Mapping
from functools import lru_cache

from .figures import Figure

Row = dict[int, int]
Edge = tuple[str, str, int]  # (first day, day after the last, column)


@lru_cache(maxsize=4096)
def day_after(day: str) -> str:
    """The day after ``day`` (YYYY-MM-DD)."""
    return (dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat()


def _edge(figure: Figure, column: int) -> Edge:
    return (figure.period_from, day_after(figure.period_to), column)


def sums(cells: Mapping[int, Figure]) -> list[Row]:
    """Every sum a reader may assume between ``cells`` (one measure, one authority; index →
    figure), as rows."""
    places: dict[str, list[int]] = {}
    for i, figure in cells.items():
        places.setdefault(figure.locality, []).append(i)
    localities = {name: _Place(cells, found) for name, found in places.items() if name}
    rows: list[Row] = []
    unknown = 0
    for total in places.get("", ()):
        row, fudged, added = _authority_sums(cells[total], total, localities, -unknown - 1)
        unknown += added
        # With no locality over its period, an authority's figure is the sum of nothing.
        rows += [r for r in (row, fudged) if r and len(r) > 1]
    edges = {name: [_edge(cells[i], i) for i in found] for name, found in places.items()}
    for name, place in localities.items():
        edges[name] += place.unknowns
    for found in edges.values():
        rows += cycles(found)
    return rows


class _Place:
    """A locality's figures, found by period and by last day."""

    def __init__(self, cells: Mapping[int, Figure], found: list[int]) -> None:
        self.cells = cells
        self.by_period = {(cells[i].period_from, cells[i].period_to): i for i in found}
        self.by_end: dict[str, list[int]] = {}
        for i in found:
            self.by_end.setdefault(cells[i].period_to, []).append(i)
        self.ends = sorted(self.by_end)
        self.longest = max(_days(cells[i]) for i in found)
        self.unknowns: list[Edge] = []  # its amounts over authority periods no figure gives

    def overlaps(self, start: str, end: str) -> bool:
        """Whether any of its figures overlaps ``start``..``end``."""
        # A figure that overlaps ends on or after ``start`` and at most ``longest`` days
        # after ``end``: only those last days are looked at.
        last = (dt.date.fromisoformat(end) + dt.timedelta(days=self.longest)).isoformat()
        for day in self.ends[bisect_left(self.ends, start) :]:
            if day > last:
                return False
            if any(self.cells[i].period_from <= end for i in self.by_end[day]):
                return True
        return False

    def ending(self, start: str, end: str) -> int | None:
        """Its figure ending on ``end`` whose start is nearest ``start``, if any."""
        found = self.by_end.get(end)
        if not found:
            return None
        return min(found, key=lambda i: (abs(_gap(self.cells[i].period_from, start)), i))


def _days(figure: Figure) -> int:
    return _gap(figure.period_from, figure.period_to)


def _gap(first: str, last: str) -> int:
    return (dt.date.fromisoformat(last) - dt.date.fromisoformat(first)).days


def _authority_sums(
    total: Figure, column: int, localities: Mapping[str, _Place], next_unknown: int
) -> tuple[Row, Row | None, int]:
    """The authority's figure as the sum of its localities' amounts over its period, and as
    the sum of their figures ending on its last day (None when that is the same sum); and
    how many unknown amounts the first needed."""
    period = (total.period_from, total.period_to)
    row: Row = {column: 1}
    by_end: Row = {column: 1}
    fudged = False
    added = 0
    for place in localities.values():
        exact = place.by_period.get(period)
        if exact is not None:
            row[exact] = by_end[exact] = -1
            continue
        ending = place.ending(*period)
        if ending is not None:
            by_end[ending] = -1
            fudged = True
        if place.overlaps(*period):
            unknown = next_unknown - added
            added += 1
            place.unknowns.append((total.period_from, day_after(total.period_to), unknown))
            row[unknown] = -1
    return row, (by_end if fudged else None), added


def cycles(edges: list[Edge]) -> list[Row]:
    """The sums of one place's periods: a row for each cycle of a basis of the graph of days
    (edges: first day, day after the last, column; a column is the end's running total less
    the start's)."""
    parent: dict[str, str] = {}
    tree: dict[str, list[tuple[str, int, int]]] = {}
    rows: list[Row] = []

    def root(day: str) -> str:
        while parent.setdefault(day, day) != day:
            parent[day] = parent[parent[day]]
            day = parent[day]
        return day

    # Shortest periods first, so that a longer one closes a cycle through its parts.
    for start, end, column in sorted(edges, key=lambda e: (_gap(e[0], e[1]), e[0], e[2])):
        a, b = root(start), root(end)
        if a != b:
            parent[a] = b
            tree.setdefault(start, []).append((end, column, 1))
            tree.setdefault(end, []).append((start, column, -1))
            continue
        row: Row = {column: 1}
        for part, sign in _path(tree, start, end):
            row[part] = row.get(part, 0) - sign
        rows.append({c: v for c, v in row.items() if v})
    return rows


def _path(tree: dict[str, list[tuple[str, int, int]]], start: str, end: str) -> list[tuple]:
    """The tree's edges from ``start`` to ``end``, each with +1 if walked forwards."""
    came: dict[str, tuple[str, int, int] | None] = {start: None}
    queue = [start]
    for day in queue:
        if day == end:
            break
        for other, column, sign in tree.get(day, ()):
            if other not in came:
                came[other] = (day, column, sign)
                queue.append(other)
    path = []
    day = end
    while came[day] is not None:
        before, column, sign = came[day]
        path.append((column, sign))
        day = before
    return path
