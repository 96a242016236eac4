"""A round as its reader may see it, and the feedback a chosen story carries.

Every story goes through ``evidence.consent.present``: outside the team an internal, withdrawn
or deleted story is not shown (nor the reasons given for it), names are replaced in an
anonymised one's words and in what the panel wrote of it, and panel members are their roles.
Viewers read closed rounds only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from evidence import msc
from evidence.consent import INTERNAL, held_consent, present, redact_text
from evidence.model import NotFound, Record
from evidence.names import replace_names

from .rounds import balance

if TYPE_CHECKING:
    from learning.services import Evidence

WITHHELD = "The story chosen here is shown to the team alone."


@dataclass
class Story:
    """A candidate or chosen story as the reader may see it (``record`` None: not shown)."""

    id: str
    record: Record | None
    erased: bool = False
    people: tuple[str, ...] = ()  # the story's people as stored (to replace in the reasons)

    @property
    def title(self) -> str:
        if self.erased:
            return msc.ERASED_STORY
        return self.record.title if self.record else "A story shown to the team alone"


@dataclass
class Feedback:
    """Where, by whom and why a story was chosen."""

    round_id: str
    panel: str
    level: str
    domain: str
    date: str
    reasons: str

    def sentence(self) -> str:
        return (f"Chosen as the most significant change in {self.domain} by {self.panel} "
                f"({self.level}) on {self.date}, because {self.reasons}")  # fmt: skip


def readable(r: msc.Round, audience: str) -> bool:
    """Whether the reader may see the round at all (outside the team: closed ones only)."""
    return audience == INTERNAL or r.state == "closed"


def get(ev: Evidence, round_id: str, audience: str) -> msc.Round:
    """A round the reader may see; NotFound otherwise."""
    r = msc.get_round(ev.store, round_id)
    if not readable(r, audience):
        raise NotFound(f"round {round_id}")
    return r


def story(ev: Evidence, record_id: str | None, audience: str) -> Story | None:
    """A story as the reader may see it."""
    if record_id is None:
        return None
    try:
        record = ev.store.get(record_id, include_deleted=True)
    except NotFound:
        return Story(record_id, None, erased=True)
    if record.deleted_at and audience != INTERNAL:
        return Story(record_id, None)
    return Story(record_id, present(record, audience), people=tuple(record.people))


def words(
    text: str, r: msc.Round, shown: Story | None, audience: str, kept: tuple[str, ...] = ()
) -> str:
    """What the panel wrote, as the reader may see it: outside the team, the people ``kept``
    out (``kept_out``: reasons compare stories, so they can name another candidate's family)
    and the chosen story's replaced, and the panel's members named by their role."""
    if audience == INTERNAL or not text:
        return text
    people = list(kept)
    if shown is not None and shown.record is not None and shown.record.consent != "public":
        people += shown.people
    if people:
        text = redact_text(text, people)
    names = [m["name"] for m in r.panel]
    return replace_names(text, names, lambda i: f"a {r.panel[i]['role']} on the panel")


def kept_out(ev: Evidence, r: msc.Round) -> tuple[str, ...]:
    """The people of every story the round holds (its candidates, and its choices, which may
    have been candidates once) that readers outside the team may not read by name: not public
    as they are held (a story waiting for an editor, withdrawn, internal or deleted)."""
    held = [c["record"] for c in r.candidates]
    held += [c.record for c in msc.choices_of(ev.store, [r.id])[r.id] if c.record]
    people: list[str] = []
    for record_id in dict.fromkeys(held):
        try:
            record = ev.store.get(record_id, include_deleted=True)
        except NotFound:
            continue  # erased: its people's names were cut from the round's texts then
        if held_consent(record) != "public" or record.deleted_at:
            people += record.people
    return tuple(dict.fromkeys(people))


def panel_of(r: msc.Round, audience: str) -> list[dict[str, str]]:
    """The panel: names and roles for the team, roles alone outside it."""
    if audience == INTERNAL:
        return [dict(m) for m in r.panel]
    return [{"role": m["role"]} for m in r.panel]


def candidates(ev: Evidence, r: msc.Round, audience: str) -> list[tuple[dict, Story]]:
    """The round's candidates in order, each with its story as the reader may see it
    (outside the team, those it may not see are left out)."""
    found = []
    for c in r.candidates:
        shown = story(ev, c["record"], audience)
        if audience != INTERNAL and shown is not None and shown.record is None and not shown.erased:
            continue
        found.append((c, shown))
    return found


def choices(ev: Evidence, r: msc.Round, audience: str) -> list[dict[str, Any]]:
    """The panel's choices as the reader may see them."""
    shown_choices = []
    kept = kept_out(ev, r) if audience != INTERNAL else ()  # once a round, not once a text
    for choice in msc.choices_of(ev.store, [r.id])[r.id]:
        shown = story(ev, choice.record, audience)
        out = choice.to_dict()
        out["domain_name"] = r.domain_name(choice.domain)
        out["title"] = shown.title if shown else "No story chosen"
        out["erased"] = bool(shown and shown.erased)
        if audience != INTERNAL:
            del out["recorded_by"]
            if shown is not None and shown.record is None and not shown.erased:
                out.update(record=None, reasons="", dissent="", told_by="", written_by="",
                           where="", withheld=WITHHELD)  # fmt: skip
            for key in ("reasons", "dissent", "told_by", "written_by", "where"):
                out[key] = words(out[key], r, shown, audience, kept)
        shown_choices.append(out)
    return shown_choices


def as_dict(ev: Evidence, r: msc.Round, audience: str) -> dict[str, Any]:
    """The round as the API gives it to the reader."""
    return {
        "id": r.id, "title": r.title, "period_from": r.period_from, "period_to": r.period_to,
        "question": r.question, "domains": r.domains, "level": r.level, "parent": r.parent,
        "panel": panel_of(r, audience),
        "candidates": [{"record": c["record"], "domain": c["domain"],
                        **({"erased": True} if s and s.erased else {})}
                       for c, s in candidates(ev, r, audience)],
        "balance": balance(r.panel), "choices": choices(ev, r, audience), "state": r.state,
        "closed_at": r.closed_at, "above": [vars(f) for f in above(ev, r, audience)],
    }  # fmt: skip


def summaries(ev: Evidence, audience: str) -> list[dict[str, Any]]:
    """Every round the reader may see, briefly."""
    states = msc.STATES if audience == INTERNAL else ("closed",)
    return [{"id": r.id, "title": r.title, "level": r.level, "state": r.state,
             "period_from": r.period_from, "period_to": r.period_to, "parent": r.parent,
             "balance": balance(r.panel)} for r in msc.list_rounds(ev.store, states)]  # fmt: skip


def _feedback(ev: Evidence, r: msc.Round, choice: msc.Choice, audience: str) -> Feedback:
    shown = story(ev, choice.record, audience)
    day = (r.closed_at or choice.recorded_at)[:10]
    kept = kept_out(ev, r) if audience != INTERNAL else ()
    reasons = words(choice.reasons, r, shown, audience, kept)
    return Feedback(r.id, r.title, r.level, r.domain_name(choice.domain), day, reasons)


def chosen_for(ev: Evidence, record_id: str, audience: str) -> list[Feedback]:
    """Where, by whom and why this story was chosen, as the reader may see it (outside the
    team: closed rounds only, and only while the story is shown to them).

    The hook for families' stories (#24): the receipt page ``/my-story/RECEIPT`` calls
    ``chosen_for(ev, record_id, EXTERNAL)`` for a story that came through an invitation.
    """
    shown = story(ev, record_id, audience)
    if shown is None or (audience != INTERNAL and shown.record is None):
        return []
    return [_feedback(ev, r, c, audience) for r, c in msc.choices_of_record(ev.store, record_id)
            if readable(r, audience)]  # fmt: skip


def above(ev: Evidence, r: msc.Round, audience: str) -> list[Feedback]:
    """What the round above chose from this round's choices."""
    if r.parent is None:
        return []
    try:
        parent = get(ev, r.parent, audience)
    except NotFound:
        return []
    mine = {c.record for c in msc.choices_of(ev.store, [r.id])[r.id] if c.record}
    chosen = msc.choices_of(ev.store, [parent.id])[parent.id]
    return [_feedback(ev, parent, c, audience) for c in chosen
            if c.record in mine and chosen_for_reader(ev, c.record, audience)]  # fmt: skip


def chosen_for_reader(ev: Evidence, record_id: str, audience: str) -> bool:
    shown = story(ev, record_id, audience)
    return shown is not None and (audience == INTERNAL or shown.record is not None)
