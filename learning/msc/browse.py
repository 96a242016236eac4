"""What the MSC pages list around a round: the stories an editor may put before its panel, the
candidates by domain as the reader may see them, and the choices over time (by domain, level
and indicator). Every story is read through ``reading``: one reading path for pages and API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from evidence import msc
from evidence.consent import INTERNAL
from evidence.reading import RecordFilter

from . import reading
from .rounds import MAX_ITEMS

if TYPE_CHECKING:
    from learning.services import Evidence


@dataclass
class Offered:
    """A story an editor may put before the panel, and where it comes from."""

    id: str
    title: str
    date: str
    source: str  # "a family story of the period" or the round below that chose it


def offered(ev: Evidence, r: msc.Round) -> list[Offered]:
    """The period's family stories and the choices of the rounds below (the team's view)."""
    found: dict[str, Offered] = {}
    for c in r.candidates:  # kept on offer even once out of the period
        shown = reading.story(ev, c["record"], INTERNAL)
        if shown is not None and shown.record is not None:
            found[shown.id] = Offered(shown.id, shown.title, shown.record.date, "put forward")
    below = msc.child_rounds(ev.store, r.id)
    for child_id, chosen in msc.choices_of(ev.store, [c.id for c in below]).items():
        child = next(c for c in below if c.id == child_id)
        for choice in chosen:
            shown = reading.story(ev, choice.record, INTERNAL)
            if shown is not None and shown.record is not None:
                found.setdefault(shown.id, Offered(shown.id, shown.title, shown.record.date,
                                          f"chosen by {child.title}"))  # fmt: skip
    filters = RecordFilter(type="family_story", date_from=r.period_from, date_to=r.period_to)
    _total, stories = ev.list(filters, INTERNAL, limit=MAX_ITEMS)
    for story in stories:
        found.setdefault(story.id, Offered(story.id, story.title, story.date, "a family story"))
    return list(found.values())


def candidates_by_domain(
    ev: Evidence, r: msc.Round, audience: str
) -> list[tuple[dict[str, str], list[reading.Story | None]]]:
    """Each domain with its candidates in order (numbered from 1 on the page, as in the pack)."""
    by_domain: dict[str, list[reading.Story | None]] = {d["id"]: [] for d in r.domains}
    for c, shown in reading.candidates(ev, r, audience):
        by_domain.setdefault(c["domain"], []).append(shown)
    return [(d, by_domain[d["id"]]) for d in r.domains]


@dataclass
class Chosen:
    """One chosen story in the view over time."""

    round_id: str
    level: str
    title: str
    record: str | None
    indicators: list[str] = field(default_factory=list)


@dataclass
class OverTime:
    """The choices by domain (rows) and period (columns) of the rounds the reader may see."""

    periods: list[str]
    domains: list[str]
    cells: dict[tuple[str, str], list[Chosen]]


def over_time(ev: Evidence, audience: str) -> OverTime:
    """Choices by domain, level and indicator over time, as the reader may see them."""
    states = msc.STATES if audience == INTERNAL else ("closed",)
    rounds = sorted(msc.list_rounds(ev.store, states), key=lambda r: (r.period_from, r.level))
    periods: list[str] = []
    domains: list[str] = []
    cells: dict[tuple[str, str], list[Chosen]] = {}
    for r in rounds:
        period = f"{r.period_from} to {r.period_to}"
        for out in reading.choices(ev, r, audience):
            if out["record"] is None:
                continue
            shown = reading.story(ev, out["record"], audience)
            indicators = list(shown.record.indicators) if shown and shown.record else []
            link = out["record"] if shown and shown.record else None
            chosen = Chosen(r.id, r.level, out["title"], link, indicators)
            cells.setdefault((out["domain_name"], period), []).append(chosen)
            periods += [period] if period not in periods else []
            domains += [out["domain_name"]] if out["domain_name"] not in domains else []
    return OverTime(periods, domains, cells)
