"""Progress ratings of an indicator, as a learning update reports them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from .wording import long_date, period_range

PROGRESS = ("emerging", "developing", "established")
CONFIDENCE = ("low", "medium", "high")


@dataclass(frozen=True)
class RatingView:
    """The latest rating of an indicator, its evidence and the change since the one before."""

    progress: str
    confidence: str
    rationale: str
    period: str
    rated_by: str
    rated_on: str
    evidence: list[str]
    change: str
    previous_progress: str | None = None
    previous_confidence: str | None = None


def _period(rating: dict[str, Any]) -> str:
    try:
        start = date.fromisoformat(str(rating.get("period_from"))[:10])
        end = date.fromisoformat(str(rating.get("period_to"))[:10])
    except ValueError:
        return f"{rating.get('period_from', '')} – {rating.get('period_to', '')}"
    return period_range(start, end)


def _rated_on(rating: dict[str, Any]) -> str:
    try:
        return long_date(str(rating.get("rated_at") or "")[:10])
    except ValueError:
        return ""


def _step(scale: tuple[str, ...], now: str, before: str) -> int:
    """+1 or more if ``now`` is further along ``scale`` than ``before``; 0 if level or unknown."""
    if now not in scale or before not in scale:
        return 0
    return scale.index(now) - scale.index(before)


def change_sentence(latest: dict[str, Any], previous: dict[str, Any] | None) -> str:
    """What changed since the indicator's previous rating, in one sentence."""
    if previous is None:
        return "This is the first rating of this indicator."
    now, before = str(latest.get("progress")), str(previous.get("progress"))
    when = f"the rating for {_period(previous)}"
    step = _step(PROGRESS, now, before)
    if step > 0:
        words = f"Progress has moved on from {before} since {when}."
    elif step < 0:
        words = f"Progress has moved back from {before} since {when}."
    else:
        words = f"Progress is unchanged at {now} since {when}."
    conf_now, conf_before = str(latest.get("confidence")), str(previous.get("confidence"))
    if conf_now != conf_before:
        direction = "risen" if _step(CONFIDENCE, conf_now, conf_before) > 0 else "fallen"
        words += f" Confidence has {direction} from {conf_before} to {conf_now}."
    return words


def rating_view(
    latest: dict[str, Any], previous: dict[str, Any] | None, evidence: list[str], rationale: str
) -> RatingView:
    """Build the view of a rating from the stored dicts."""
    return RatingView(
        progress=str(latest.get("progress") or ""),
        confidence=str(latest.get("confidence") or ""),
        rationale=rationale,
        period=_period(latest),
        rated_by=str(latest.get("rated_by") or ""),
        rated_on=_rated_on(latest),
        evidence=evidence,
        change=change_sentence(latest, previous),
        previous_progress=str(previous.get("progress")) if previous else None,
        previous_confidence=str(previous.get("confidence")) if previous else None,
    )
