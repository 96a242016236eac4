"""The headline of a learning update: what the period's evidence adds up to."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from evidence.model import Record
from learning.framework import Framework

SCOPES = ("local", "national", "thematic")


@dataclass(frozen=True)
class TypeCount:
    """How many records of one type the period holds."""

    type: str
    label: str
    count: int


@dataclass(frozen=True)
class EventScope:
    """Events of one scope: how many, who came, how they were rated."""

    scope: str
    events: int
    participants: int
    average_rating: float | None


@dataclass(frozen=True)
class FundPanel:
    """One Make it Happen Fund panel decision and its balance of families to practitioners."""

    record_id: str
    panel: str
    date: str
    locality: str
    amount: float
    families: int
    practitioners: int

    @property
    def below_minimum(self) -> bool:
        """Fewer families than practitioners: short of the plan's 50:50 minimum."""
        return self.families < self.practitioners

    @property
    def balance(self) -> str:
        return f"{self.families}:{self.practitioners}"


@dataclass(frozen=True)
class FundLocality:
    """The fund's decisions in one locality: how many, how much, how many by a 50:50 panel."""

    locality: str
    decisions: int
    amount: float
    meeting_minimum: int


@dataclass
class Headline:
    """The period at a glance."""

    total: int = 0
    previous_total: int = 0
    by_type: list[TypeCount] = field(default_factory=list)
    cafe_conversations: int = 0
    families: int = 0
    practitioners: int = 0
    vble_evaluations: int = 0
    vble_participants: int = 0
    confidence_before: float | None = None
    confidence_after: float | None = None
    events: list[EventScope] = field(default_factory=list)
    fund_panels: list[FundPanel] = field(default_factory=list)

    @property
    def fund_total(self) -> float:
        return sum(p.amount for p in self.fund_panels)

    @property
    def panel_names(self) -> list[str]:
        return sorted({p.panel for p in self.fund_panels})

    @property
    def panels_below_minimum(self) -> list[FundPanel]:
        return [p for p in self.fund_panels if p.below_minimum]

    @property
    def fund_by_panel(self) -> list[FundPanel]:
        """Every decision, panel by panel (each panel's in date order)."""
        return sorted(self.fund_panels, key=lambda p: p.panel.casefold())

    @property
    def fund_by_locality(self) -> list[FundLocality]:
        """The fund's decisions summarised per locality (most awarded first)."""
        groups: dict[str, list[FundPanel]] = {}
        for panel in self.fund_panels:
            groups.setdefault(panel.locality or "No locality recorded", []).append(panel)
        rows = [
            FundLocality(
                place,
                len(panels),
                sum(p.amount for p in panels),
                sum(1 for p in panels if not p.below_minimum),
            )
            for place, panels in groups.items()
        ]
        return sorted(rows, key=lambda row: (-row.amount, row.locality))


def as_number(value: Any) -> float | None:
    """A field value as a number, or None when it is missing or not a number."""
    if type(value) in (int, float):  # most values (bool, a kind of int, is not a number)
        return float(value)
    if isinstance(value, bool) or value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def as_count(value: Any) -> int:
    """A field value as a whole count; missing or unreadable counts as 0."""
    number = as_number(value)
    return int(number) if number is not None else 0


def weighted_mean(pairs: list[tuple[float | None, int]]) -> float | None:
    """The mean of values weighted by people (a value with no people counts once)."""
    known = [(value, weight or 1) for value, weight in pairs if value is not None]
    if not known:
        return None
    return sum(v * w for v, w in known) / sum(w for _, w in known)


def build_headline(framework: Framework, records: list[Record], previous_total: int) -> Headline:
    """Add up the period's records into the headline figures."""
    headline = Headline(total=len(records), previous_total=previous_total)
    counts = Counter(r.type for r in records)
    order = list(framework.record_types) + sorted(set(counts) - set(framework.record_types))
    headline.by_type = [
        TypeCount(name, type_label(framework, name), counts[name]) for name in order if counts[name]
    ]
    by_type: dict[str, list[Record]] = {}
    for record in records:
        by_type.setdefault(record.type, []).append(record)
    _cafes(headline, by_type.get("cafe_conversation", []))
    _vbles(headline, by_type.get("vble_evaluation", []))
    headline.events = _events(by_type.get("event", []))
    headline.fund_panels = _panels(by_type.get("fund_decision", []))
    return headline


def type_label(framework: Framework, name: str) -> str:
    """A record type's label, or its name made readable."""
    record_type = framework.record_types.get(name)
    return record_type.label if record_type else name.replace("_", " ").capitalize()


def _cafes(headline: Headline, records: list[Record]) -> None:
    headline.cafe_conversations = len(records)
    headline.families = sum(as_count(r.fields.get("families")) for r in records)
    headline.practitioners = sum(as_count(r.fields.get("practitioners")) for r in records)


def _vbles(headline: Headline, records: list[Record]) -> None:
    headline.vble_evaluations = len(records)
    people = [as_count(r.fields.get("participants")) for r in records]
    headline.vble_participants = sum(people)
    headline.confidence_before = weighted_mean(
        [
            (as_number(r.fields.get("confidence_before")), n)
            for r, n in zip(records, people, strict=True)
        ]
    )
    headline.confidence_after = weighted_mean(
        [
            (as_number(r.fields.get("confidence_after")), n)
            for r, n in zip(records, people, strict=True)
        ]
    )


def _events(records: list[Record]) -> list[EventScope]:
    groups: dict[str, list[Record]] = {}
    for record in records:
        groups.setdefault(str(record.fields.get("scope") or "unspecified"), []).append(record)
    order = [s for s in SCOPES if s in groups] + sorted(set(groups) - set(SCOPES))
    result = []
    for scope in order:
        people = [as_count(r.fields.get("participants")) for r in groups[scope]]
        ratings = [as_number(r.fields.get("rating")) for r in groups[scope]]
        mean = weighted_mean(list(zip(ratings, people, strict=True)))
        result.append(EventScope(scope, len(groups[scope]), sum(people), mean))
    return result


def _panels(records: list[Record]) -> list[FundPanel]:
    panels = [
        FundPanel(
            record_id=r.id,
            panel=str(r.fields.get("panel") or r.locality or "Panel"),
            date=r.date,
            locality=r.locality,
            amount=as_number(r.fields.get("amount_gbp")) or 0.0,
            families=as_count(r.fields.get("families_on_panel")),
            practitioners=as_count(r.fields.get("practitioners_on_panel")),
        )
        for r in records
    ]
    return sorted(panels, key=lambda p: (p.date, p.panel, p.record_id))
