"""Gathering a period's evidence for the learning-update generator, as an audience may see it.

The generator (`learning.updates`) is pure; this module reads what it needs from the store:
the period's records without their bodies (an update shows none), the evidence behind
progress ratings, and the previous period as counts made in SQL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from evidence.consent import INTERNAL, present_rating, visible_consents
from evidence.model import Record, ValidationError
from evidence.periods import PeriodCounts, count_period, read_ids, read_period
from evidence.ratings import linked_people, list_ratings

from .framework import Framework
from .plans import Plan, PlanSet, long_date
from .updates import Summary, parse_period, scope_codes, summarise

if TYPE_CHECKING:
    from .services import Evidence


@dataclass
class LearningUpdate:
    """A generated learning update: the summary, and the saved record if it was saved."""

    summary: Any
    record: Record | None = None


def make(
    evidence: Evidence,
    date_from: Any,
    date_to: Any,
    audience: str = INTERNAL,
    objectives: list[str] | None = None,
    only_ids: list[str] | None = None,
    ratings_as_of: str | None = None,
) -> Summary:
    """The summary of a period for an audience (``only_ids``: just the evidence it cites;
    ``ratings_as_of``: only the ratings made by then, for a saved update made again)."""
    # The plan in force on the period's last day is the one reported against; a record of
    # an earlier plan counts under the code its adoption mapped it to.
    plan = evidence.plan_on(_iso(date_to))
    framework = plan.framework
    dates = _checked(framework, date_from, date_to, objectives)
    period = parse_period(dates)
    ratings = shown_ratings(evidence, audience, ratings_as_of)
    records = _records(evidence, period, audience, ratings, only_ids)
    if len(evidence.plans) > 1:
        records = [evidence.plans.forward(r, plan) for r in records]
    # Reading and summarising each pause the cycle collector (evidence.periods) themselves.
    summary = summarise(
        framework,
        records,
        dates,
        audience,
        objectives or None,
        ratings=ratings,
        previous_counts=_previous_counts(evidence, framework, plan, period, audience, objectives),
    )
    summary.framework_title = plans_title(evidence.plans, plan, dates[0])
    return summary


def plans_title(plans: PlanSet, plan: Plan, first_day: str) -> str:
    """The title of the plan reported against; for a period that began under an earlier
    plan, that plan's title too, with the date of the change written out."""
    earlier = plans.on(first_day)
    if earlier is plan or plan.valid_from is None:
        return plan.title
    return (
        f"{plan.title} (in force from {long_date(plan.valid_from)}; before then: {earlier.title})"
    )


def _iso(value: Any) -> str | None:
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        return None  # refused by _checked, naming the field


def shown_ratings(
    evidence: Evidence, audience: str, as_of: str | None = None
) -> list[dict[str, Any]]:
    """Every progress rating as ``audience`` may see it (``present_rating``), made by ``as_of``."""
    ratings = list_ratings(evidence.store)
    if as_of:
        ratings = [r for r in ratings if str(r.get("rated_at") or "") <= as_of]
    if audience == INTERNAL:
        return ratings
    people = linked_people(evidence.store, ratings)
    shown = (
        present_rating(r, [people[str(i)] for i in r["records"] if str(i) in people], audience)
        for r in ratings
    )
    return [r for r in shown if r is not None]


def _checked(
    framework: Framework, date_from: Any, date_to: Any, objectives: list[str] | None
) -> tuple[str, str]:
    """The period as ISO dates; ValidationError naming each field that is wrong."""
    errors = {}
    dates = {}
    for key, value in (("from", date_from), ("to", date_to)):
        try:
            dates[key] = dt.date.fromisoformat(str(value)).isoformat()
        except ValueError:
            errors[key] = "must be a date written YYYY-MM-DD"
    if not errors and dates["from"] > dates["to"]:
        errors["to"] = "must be on or after the from date"
    unknown = [o for o in objectives or [] if framework.objective(o) is None]
    if unknown:
        errors["objectives"] = f"unknown objective {', '.join(map(str, unknown))}"
    if errors:
        raise ValidationError(errors)
    return dates["from"], dates["to"]


def _records(
    evidence: Evidence,
    period: Any,
    audience: str,
    ratings: list[dict[str, Any]],
    only_ids: list[str] | None,
) -> list[Record]:
    """The period's records the audience may see, and the rated evidence of this period
    and the one before (whatever its consent: a rating's rationale may name its people).

    Lean records (``evidence.periods``): a learning update shows no record's body.
    ``period`` is a ``learning.updates.Period``.
    """
    conn = evidence.store.conn
    start, end = period.start.isoformat(), period.end.isoformat()
    wanted = set(only_ids or [])
    if only_ids is not None:  # a saved update, rebuilt from the evidence it cites
        consents = _consents(audience)
        current = [
            r for r in read_ids(conn, wanted, start, end) if not consents or r.consent in consents
        ]
    else:
        current = read_period(conn, start, end, _consents(audience))
    known = {r.id for r in current}
    rated_ids = {str(i) for r in ratings for i in r.get("records") or []} - known
    rated = read_ids(conn, rated_ids, period.before().start.isoformat(), end)
    if only_ids is not None:
        rated = [r for r in rated if r.id in wanted or r.date < start]
    return rated + current


def _previous_counts(
    evidence: Evidence,
    framework: Framework,
    plan: Plan,
    period: Any,
    audience: str,
    objectives: list[str] | None,
) -> PeriodCounts:
    """The period before ``period``, counted as the update compares with it."""
    before = period.before()
    dates = before.start.isoformat(), before.end.isoformat()
    indicators, activities = scope_codes(framework, objectives or None)
    # Earlier plans' codes that map into the scope are in it too.
    scope = (
        frozenset(evidence.plans.mapped_into(indicators, plan)),
        frozenset(evidence.plans.mapped_into(activities, plan)),
    )
    skip = ("learning_update",)  # earlier updates count towards targets, not as evidence
    return count_period(evidence.store.conn, *dates, _consents(audience), *scope, skip_types=skip)


def _consents(audience: str) -> tuple[str, ...]:
    """The consent levels a learning update for ``audience`` reads (none named: all of them)."""
    return () if audience == INTERNAL else visible_consents(audience)
