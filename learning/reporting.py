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
from evidence.model import NotFound, Record, ValidationError
from evidence.periods import PeriodCounts, count_period, read_ids, read_period
from evidence.ratings import linked_people, list_ratings
from evidence.validate import clean_text

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
    intro: str = "",
    featured: list[str] | None = None,
    annex: bool = True,
    prepared_by: str = "",
    prepared_on: str = "",
) -> Summary:
    """The summary of a period for an audience (``only_ids``: just the evidence it cites;
    ``ratings_as_of``: only the ratings made by then, for a saved update made again).

    ``featured`` ids are checked for a new update (a saved one made again passes over what
    its sources no longer allow): each must be a live record of the period, in scope, that
    the audience may see; otherwise a ValidationError on ``featured`` names it."""
    dates = _checked(evidence, date_from, date_to, objectives)
    period = parse_period(dates)
    intro = checked_intro(intro)
    if only_ids is None:
        _check_featured(evidence, featured or [], dates, audience, objectives)
    ratings = shown_ratings(evidence, audience, ratings_as_of)
    # Reading and summarising each pause the cycle collector (evidence.periods) themselves.
    return summarise(
        evidence.framework,
        _records(evidence, period, audience, ratings, only_ids),
        dates,
        audience,
        objectives or None,
        ratings=ratings,
        previous_counts=_previous_counts(evidence, period, audience, objectives),
        intro=intro,
        featured=featured or (),
        annex=annex,
        prepared_by=prepared_by,
        prepared_on=prepared_on or dt.date.today().isoformat(),
    )


MAX_INTRO = 20_000  # the editor's key messages: a page or two of Markdown


def checked_intro(text: Any) -> str:
    """The key messages as text the document can hold; ValidationError on ``intro``."""
    try:
        return clean_text(text or "", MAX_INTRO, multiline=True)
    except Exception as problem:  # noqa: BLE001 - clean_text's one-field problem
        raise ValidationError("intro", str(problem)) from None


def _check_featured(
    evidence: Evidence,
    featured: list[str],
    dates: tuple[str, str],
    audience: str,
    objectives: list[str] | None,
) -> None:
    """Refuse a featured id that is unknown, deleted, outside the period, out of scope, not
    evidence, or (for an external update) internal, naming it."""
    if not isinstance(featured, list) or not all(isinstance(i, str) for i in featured):
        raise ValidationError("featured", "must be a list of record ids")
    indicators, activities = scope_codes(evidence.framework, objectives or None)
    problems = []
    for record_id in dict.fromkeys(featured):
        shown = record_id[:64]
        try:
            record = evidence.store.get(record_id, include_deleted=True)
        except NotFound:
            problems.append(f"{shown} is not a record")
            continue
        if record.deleted_at:
            problems.append(f"{shown} is deleted")
        elif not dates[0] <= (record.date or "")[:10] <= dates[1]:
            problems.append(f"{shown} is dated {record.date[:10]}, outside the period")
        elif audience != INTERNAL and record.consent not in visible_consents(audience):
            problems.append(f"{shown} is internal: it may not be shared outside the team")
        elif record.type == "learning_update":
            problems.append(f"{shown} is a learning update, not evidence")
        elif not (set(record.indicators) & indicators or set(record.activities) & activities):
            problems.append(f"{shown} speaks to no indicator in this update's scope")
        if len(problems) >= 10:
            break
    if problems:
        raise ValidationError("featured", "; ".join(problems))


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
    evidence: Evidence, date_from: Any, date_to: Any, objectives: list[str] | None
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
    unknown = [o for o in objectives or [] if evidence.framework.objective(o) is None]
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
    evidence: Evidence, period: Any, audience: str, objectives: list[str] | None
) -> PeriodCounts:
    """The period before ``period``, counted as the update compares with it."""
    before = period.before()
    dates = before.start.isoformat(), before.end.isoformat()
    scope = scope_codes(evidence.framework, objectives or None)  # indicators and activities
    skip = ("learning_update",)  # earlier updates count towards targets, not as evidence
    return count_period(evidence.store.conn, *dates, _consents(audience), *scope, skip_types=skip)


def _consents(audience: str) -> tuple[str, ...]:
    """The consent levels a learning update for ``audience`` reads (none named: all of them)."""
    return () if audience == INTERNAL else visible_consents(audience)
