"""Progress ratings as a reader may see them, and recording one (the pages and API share this).

A rating links to the records behind it, may cite coded passages of them (excerpts), and has
a consent level of its own. Outside the team a reader sees only the ratings, linked records
and passages it may see: the rationale goes through ``present_rating`` (the same rule as in
learning updates), the records through ``present``, the passages through ``present_excerpt``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from evidence.coding import get_excerpt, source_attachments
from evidence.consent import INTERNAL, present, present_excerpt, present_rating
from evidence.model import NotFound, Record, ValidationError
from evidence.ratings import (
    CONFIDENCE_LEVELS,
    CONSENT_LEVELS,
    PROGRESS_LEVELS,
    add_rating,
    linked_people,
    list_ratings,
)
from evidence.store import RecordFilter, Store

from .updates.rating import change_sentence
from .updates.wording import period_range

__all__ = [
    "CONFIDENCE_LEVELS",
    "CitedPassage",
    "CONSENT_LEVELS",
    "PROGRESS_LEVELS",
    "ShownRating",
    "rate",
    "ratings_for",
]


@dataclass(frozen=True)
class CitedPassage:
    """A passage a rating cites, as the reader may see it, with its record's shown title."""

    id: str
    text: str
    record_id: str
    record_title: str


@dataclass(frozen=True)
class ShownRating:
    """One rating as a reader may see it, with its evidence and the change since the last."""

    id: int
    indicator: str
    period_from: str
    period_to: str
    progress: str
    confidence: str
    rationale: str
    rated_by: str
    rated_at: str
    change: str
    records: list[Record] = field(default_factory=list)
    consent: str = "anonymised"
    people: list[str] = field(default_factory=list)
    excerpts: list[CitedPassage] = field(default_factory=list)

    @property
    def period(self) -> str:
        """The period in words (1 April to 30 June 2025)."""
        try:
            start, end = date.fromisoformat(self.period_from), date.fromisoformat(self.period_to)
        except ValueError:
            return f"{self.period_from} – {self.period_to}"
        return period_range(start, end)

    def to_dict(self) -> dict[str, Any]:
        """The API's shape: record and excerpt ids only, and only those the reader may see."""
        return {
            "id": self.id,
            "indicator": self.indicator,
            "period_from": self.period_from,
            "period_to": self.period_to,
            "progress": self.progress,
            "confidence": self.confidence,
            "rationale": self.rationale,
            "records": [r.id for r in self.records],
            "excerpts": [e.id for e in self.excerpts],
            "consent": self.consent,
            "people": list(self.people),
            "rated_by": self.rated_by,
            "rated_at": self.rated_at,
            "change": self.change,
        }


def _linked(
    store: Store, ratings: list[dict[str, Any]], also: Iterable[str] = ()
) -> dict[str, Record]:
    """Every record the ratings link to (and ``also``), deleted ones included, as written
    (one query each)."""
    ids = sorted({str(i) for r in ratings for i in r["records"]} | set(also))
    if not ids:
        return {}
    found: dict[str, Record] = {}
    for deleted in (False, True):
        _, records = store.list(RecordFilter(ids=ids, deleted=deleted))
        found.update((r.id, r) for r in records)
    return found


def _cited(store: Store, ratings: list[dict[str, Any]]) -> dict[str, Any]:
    """Every excerpt the ratings cite that is still there, by id, with the attachment whose
    text it is on (None for the body's)."""
    found = {}
    for excerpt_id in {str(i) for r in ratings for i in r.get("excerpts") or []}:
        try:
            found[excerpt_id] = get_excerpt(store, excerpt_id)
        except NotFound:  # deleted since: the rating no longer shows it
            continue
    held = source_attachments(store, found.values())
    return {i: (e, held.get(e.source)) for i, e in found.items()}


def _passages(
    rating: dict[str, Any], cited: dict[str, Any], linked: dict[str, Record], audience: str
) -> list[CitedPassage]:
    """The passages a rating cites, as ``audience`` may see them (names replaced)."""
    shown = []
    for excerpt_id in rating.get("excerpts") or []:
        excerpt, attachment = cited.get(str(excerpt_id), (None, None))
        record = linked.get(excerpt.record) if excerpt else None
        if excerpt is None or record is None:
            continue
        seen = present_excerpt(excerpt.to_dict(), record, audience, attachment)
        heading = present(record, audience, body=False)
        if seen is not None and heading is not None:
            shown.append(CitedPassage(excerpt.id, str(seen["text"]), record.id, heading.title))
    return shown


def _shown(
    rating: dict[str, Any],
    previous: dict[str, Any] | None,
    linked: dict[str, Record],
    people: dict[str, tuple[str, list[str]]],
    audience: str,
    cited: dict[str, Any] | None = None,
) -> ShownRating | None:
    links = [str(i) for i in rating["records"]]
    seen = present_rating(rating, [people[i] for i in links if i in people], audience)
    if seen is None:
        return None
    live = [linked[i] for i in links if i in linked and not linked[i].deleted_at]
    shown = [p for p in (present(r, audience) for r in live) if p is not None]
    return ShownRating(
        id=int(seen["id"]),
        indicator=str(seen["indicator"]),
        period_from=str(seen["period_from"]),
        period_to=str(seen["period_to"]),
        progress=str(seen["progress"]),
        confidence=str(seen["confidence"]),
        rationale=str(seen.get("rationale") or ""),
        rated_by=str(seen.get("rated_by") or ""),
        rated_at=str(seen.get("rated_at") or ""),
        change=change_sentence(rating, previous),
        records=shown,
        consent=str(seen.get("consent") or "anonymised"),
        people=list(seen.get("people") or []),
        excerpts=_passages(rating, cited or {}, linked, audience),
    )


def ratings_for(store: Store, indicator: str, audience: str) -> list[ShownRating]:
    """An indicator's ratings, newest period first, as ``audience`` may see them."""
    ratings = list_ratings(store, indicator)
    ratings.sort(key=lambda r: (str(r["period_to"]), str(r.get("rated_at") or ""), r["id"]))
    if audience != INTERNAL:  # a reader outside the team never learns of an internal rating
        ratings = [r for r in ratings if r.get("consent") in ("anonymised", "public")]
    cited = _cited(store, ratings)
    linked = _linked(store, ratings, (e.record for e, _ in cited.values()))
    people = linked_people(store, ratings)
    shown = [
        _shown(rating, ratings[i - 1] if i else None, linked, people, audience, cited)
        for i, rating in enumerate(ratings)
    ]
    return [s for s in shown if s is not None][::-1]


def rate(store: Store, framework: Any, indicator: str, data: Any, actor: str) -> ShownRating:
    """Record a rating of ``indicator`` (refused with every problem named by its field)."""
    if indicator not in framework.indicators:
        raise NotFound(f"indicator {indicator}")
    if isinstance(data, dict):
        if data.get("indicator", indicator) != indicator:
            raise ValidationError("indicator", f"must be {indicator}, the indicator being rated")
        data = {**data, "indicator": indicator}
    saved = add_rating(store, framework, data, actor)
    return next(r for r in ratings_for(store, indicator, INTERNAL) if r.id == saved["id"])
