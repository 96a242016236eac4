"""The demo's Most Significant Change rounds: a locality panel in Lochee (Dundee) and one in
Sauchie (Clackmannanshire) read the spring's family stories, choose in each domain and say
why; an authorities' panel above them chooses from their choices. All three are closed.

Only stories an outside reader may see go before the panels (their members include
families): ``anonymised`` and ``public`` ones an editor has accepted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from evidence import msc as store_msc
from evidence.store import RecordFilter
from learning.msc import choices, rounds

if TYPE_CHECKING:
    from evidence.model import Record
    from learning.services import Evidence

PERIOD = ("2025-01-01", "2025-06-30")
QUESTION = ("Looking back over the last six months, what do you think was the most significant "
            "change in the lives of the families who come to the café?")  # fmt: skip
DOMAINS = [{"id": "family-life", "name": "Family life"},
           {"id": "getting-help", "name": "Getting help that works"}]  # fmt: skip
LOCALITIES = [
    ("Lochee", "Lochee panel, spring 2025",
     [("Shona Duffy", "family"), ("Gary Nicol", "family"), ("Aileen Hart", "practitioner"),
      ("Tariq Aziz", "practitioner")]),
    ("Sauchie", "Sauchie panel, spring 2025",
     [("Donna Reilly", "family"), ("Craig Paton", "family"), ("Lynne Ross", "family"),
      ("Euan Mackie", "practitioner"), ("Priya Nair", "practitioner")]),
]  # fmt: skip
ABOVE = ("Dundee and Clackmannanshire panel, spring 2025",
         [("Shona Duffy", "family"), ("Donna Reilly", "family"), ("Aileen Hart", "practitioner"),
          ("Euan Mackie", "practitioner"), ("Morven Grant", "practitioner")])  # fmt: skip
REASONS = [
    "The panel chose this story because the change came from the family itself. The family "
    "members on the panel said it was the one they would tell a friend about.",
    "This story shows a service changing how it works, not only a family coping better. The "
    "practitioners said they had not seen that happen so quickly before.",
    "The panel felt this was the change most likely to last. It was chosen over the others "
    "because nobody did it for the family: they were listened to, and then they acted.",
]
DISSENT = ("One practitioner would have chosen the other story: it showed a change that more "
           "families could have.")  # fmt: skip


def _panel(members: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"name": name, "role": role} for name, role in members]


def _stories(ev: Evidence, locality: str) -> list[Record]:
    """The locality's stories of the period that a panel with families may read."""
    _, found = ev.store.list(RecordFilter(type="family_story", locality=locality,
                                          consent=["anonymised", "public"],
                                          date_from=PERIOD[0], date_to=PERIOD[1]))  # fmt: skip
    return sorted((r for r in found if r.status != "submitted"), key=lambda r: (r.date, r.id))


def _round(title: str, level: str, members, candidates, parent: str | None = None) -> dict:
    return {"title": title, "period_from": PERIOD[0], "period_to": PERIOD[1],
            "question": QUESTION, "level": level, "parent": parent, "domains": DOMAINS,
            "panel": _panel(members), "candidates": candidates}  # fmt: skip


def _choose(ev: Evidence, r: store_msc.Round, where: str, n: int) -> None:
    """Record a choice in each domain that has candidates: reasons, votes, a dissent in the
    first, and how the story was told."""
    picks = []
    for k, domain in enumerate(d["id"] for d in r.domains):
        in_domain = [c["record"] for c in r.candidates if c["domain"] == domain]
        if not in_domain:
            continue
        story = ev.get(in_domain[0])
        picks.append({
            "domain": domain, "record": story.id, "votes": len(r.panel) - (k % 2),
            "reasons": REASONS[(n + k) % len(REASONS)],
            "dissent": DISSENT if k == 0 and len(in_domain) > 1 else "",
            "told_by": "The parent, in their own words", "written_by": "A family support worker",
            "when": story.date, "where": f"The family café, {where}", "read_back": True,
        })  # fmt: skip
    choices.record(ev, r.id, {"choices": picks}, "demo")


def load(ev: Evidence) -> int:
    """Add and close the demo's three rounds (none if they are there already); how many."""
    if any(r.title == ABOVE[0] for r in store_msc.list_rounds(ev.store)):
        return 0
    above = rounds.create(ev, _round(ABOVE[0], "Authorities", ABOVE[1], []), "demo")
    chosen = []
    for n, (locality, title, members) in enumerate(LOCALITIES):
        stories = _stories(ev, locality)
        candidates = [{"record": s.id, "domain": DOMAINS[k % 2]["id"]}
                      for k, s in enumerate(stories)]  # fmt: skip
        below = rounds.create(ev, _round(title, "Locality", members, candidates, above.id), "demo")
        _choose(ev, below, locality, n)
        rounds.close(ev, below.id, "demo")
        made = store_msc.choices_of(ev.store, [below.id])[below.id]
        chosen += [{"record": c.record, "domain": c.domain} for c in made if c.record]
    candidates_above = _round(ABOVE[0], "Authorities", ABOVE[1], chosen)
    above = rounds.change(ev, above.id, candidates_above, "demo")
    _choose(ev, above, "Dundee", 2)
    rounds.close(ev, above.id, "demo")
    return 1 + len(LOCALITIES)
