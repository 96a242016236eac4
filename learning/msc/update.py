"""The rounds a learning update reports: each round closed within its period, each domain's
chosen story as the update's audience may see it (through ``reading``), the panel and its
reasons, shortened to the update's measure (``learning.updates.changes``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evidence import msc
from evidence.consent import INTERNAL
from learning.updates.changes import MAX_QUOTE, MAX_REASONS, MAX_ROUNDS, ChangeRound, ChosenStory
from learning.updates.sentences import shortened
from learning.updates.wording import long_date

from . import reading
from .pack import panel_roles

if TYPE_CHECKING:
    from learning.services import Evidence
    from learning.updates.request import UpdateRequest


def _reported(r: msc.Round, request: UpdateRequest) -> bool:
    """Closed, its period within the update's, and (a saved update made again) closed by
    the time it was saved."""
    within = request.period_from <= r.period_from and r.period_to <= request.period_to
    closed_then = request.as_of is None or (r.closed_at or "") <= request.as_of
    return r.state == "closed" and within and closed_then


def _quote(story: reading.Story) -> str:
    """A sentence or two of the story: what changed, else its first quote, else its words."""
    record = story.record
    found = record.fields.get("what_changed") or (record.quotes or [""])[0] or record.body
    return shortened(str(found or ""), MAX_QUOTE)


def _panel(r: msc.Round, audience: str) -> str:
    """The team reads names and roles; readers outside it, roles alone."""
    if audience == INTERNAL:
        return ", ".join(f"{m['name']} ({m['role']})" for m in r.panel) or "not named"
    return panel_roles(r.panel)


def _chosen(ev: Evidence, r: msc.Round, request: UpdateRequest) -> tuple[ChosenStory, ...]:
    found = []
    for choice in reading.choices(ev, r, request.audience):
        shown = reading.story(ev, choice["record"], request.audience)
        if shown is None or shown.record is None or shown.erased:
            continue  # no story chosen, or not one this audience may read
        if request.cites is not None and shown.id not in request.cites:
            continue  # a saved update shows only what it cited
        record = shown.record
        found.append(ChosenStory(choice["domain_name"], shown.id, record.title, _quote(shown),
                                 shortened(choice["reasons"], MAX_REASONS), choice.get("votes"),
                                 record.date, record.type, record.locality,
                                 shown.people))  # fmt: skip
    return tuple(found)


def gather(ev: Evidence, request: UpdateRequest) -> list[ChangeRound]:
    """The newest rounds closed within the update's period that chose a story it may show,
    in the order they closed (a level's rounds before the round above them)."""
    rounds = sorted((r for r in msc.list_rounds(ev.store, ("closed",)) if _reported(r, request)),
                    key=lambda r: (r.closed_at or "", r.id))  # fmt: skip
    shown = []
    for r in rounds:
        chosen = _chosen(ev, r, request)
        if chosen:
            period = f"{long_date(r.period_from)} to {long_date(r.period_to)}"
            shown.append(ChangeRound(r.id, r.title, r.level, period,
                                     long_date((r.closed_at or "")[:10]),
                                     _panel(r, request.audience), chosen))  # fmt: skip
    return shown[-MAX_ROUNDS:]
