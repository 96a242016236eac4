"""Gathering a period's evidence for the learning-update generator, as an audience may see it.

The generator (`learning.updates`) is pure; this module reads what it needs from the store:
the period's records without their bodies (an update shows none), the evidence behind
progress ratings, the previous period as counts made in SQL, and a few passages coded with
each indicator, as the audience may see them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from evidence.coding import coded_passages, source_attachments
from evidence.consent import INTERNAL, present_excerpt, present_rating, visible_consents
from evidence.figures import COMPARATOR
from evidence.model import NotFound, Record, ValidationError
from evidence.periods import PeriodCounts, collector_paused, count_period, read_ids, read_period
from evidence.ratings import linked_people, list_ratings
from evidence.store import RecordFilter
from evidence.validate import ID_PATTERN

from .msc import update as msc_update
from .plans import Plan, PlanSet, long_date
from .updates import Summary, parse_period, scope_codes, summarise
from .updates.request import UpdateRequest
from .updates.sections import FiguresChart, MeasureFigures, Passage

if TYPE_CHECKING:
    from .services import Evidence


@dataclass
class LearningUpdate:
    """A generated learning update: the summary, and the saved record if it was saved."""

    summary: Any
    record: Record | None = None


# A year's update holds tens of thousands of small records: the cycle collector's passes over
# them (they hold no cycles) cost more than the figures read after them (evidence.periods).
@collector_paused()
def make(evidence: Evidence, request: UpdateRequest) -> Summary:
    """The learning update ``request`` asks for, as its audience may see it: everything it
    reads gathered first (records, ratings, the previous period's counts, the plan's
    figures), then summarised.

    A new request's ``featured`` ids are checked (a saved update made again passes over what
    its sources no longer allow): each must be a live record of the period, in scope, that
    the audience may see; otherwise a ValidationError on ``featured`` names it."""
    # The plan in force on the period's last day is the one reported against; a record of
    # an earlier plan counts under the code its adoption mapped it to.
    plan = evidence.plan_on(request.period_to)
    framework = plan.framework
    if request.remade:  # a plan adopted since it was saved may have dropped an objective
        kept = tuple(code for code in request.objectives if framework.objective(code))
        request = request.but(objectives=kept)
    dates = (request.period_from, request.period_to)
    period = parse_period(dates)
    scope = scope_codes(framework, request.objectives)  # refuses an objective it has not
    if not request.remade:
        _check_featured(evidence, list(request.featured), dates, request.audience,
                        request.objectives)  # fmt: skip
    ratings = shown_ratings(evidence, request.audience, request.as_of)
    records = _records(evidence, period, request.audience, ratings, request.cites)
    if len(evidence.plans) > 1:
        records = [evidence.plans.forward(r, plan) for r in records]
    # Reading and summarising each pause the cycle collector (evidence.periods) themselves.
    return summarise(
        framework,
        records,
        request.but(prepared_on=request.prepared_on or dt.date.today().isoformat()),
        ratings=ratings,
        previous_counts=_previous_counts(evidence, plan, period, request, scope),
        figures=gather_figures(evidence, framework, request.audience, dates),
        framework_title=plans_title(evidence.plans, plan, dates[0]),
        chart_cache=str(evidence.data_dir / "cache"),
        passages=gather_passages(evidence, scope[0], dates, request),
        changes=msc_update.gather(evidence, request),
    )


def gather_passages(
    evidence: Evidence, indicators: frozenset[str], dates: tuple[str, str], request: UpdateRequest
) -> list[Passage]:
    """A few passages coded with each indicator, of the period's records the audience may
    see (made by a remade update's save), newest first, names replaced as in their record
    (``present_excerpt``, on the text that reader sees)."""
    found = coded_passages(evidence.store.conn, sorted(indicators), *dates,
                           _consents(request.audience), request.as_of)  # fmt: skip
    by_id: dict[str, Record] = {}
    if request.audience != INTERNAL and found:  # their records' texts, to replace names
        _, records = evidence.store.list(RecordFilter(ids=sorted({e.record for _, e in found})))
        by_id = {r.id: r for r in records}
    held = source_attachments(evidence.store, [e for _, e in found]) if found else {}
    passages = []
    for code, excerpt in found:
        text = excerpt.text
        if request.audience != INTERNAL:
            record = by_id.get(excerpt.record)
            attachment = held.get(excerpt.source)
            seen = (present_excerpt(excerpt.to_dict(), record, request.audience, attachment)
                    if record else None)  # fmt: skip
            if seen is None:
                continue
            text = str(seen["text"])
        passages.append(Passage(excerpt.id, code, excerpt.record, text))
    return passages


def gather_figures(
    evidence: Evidence, framework: Any, audience: str, dates: tuple[str, str]
) -> list[MeasureFigures]:
    """Each of the plan's own measures for the period, as the audience may see it (small
    counts withheld outside the team): in words, each authority's latest figure with its
    change on the one before and since the plan began; a chart of its figures over the plan
    so far; and its trend for the at-a-glance table. The records' own counts (derived
    measures) are in "the period in numbers" already: the update adds the plan's figures,
    beside the stories."""
    from . import data_project

    start, end = dates
    began = str(framework.period_from or "")[:10]
    look_back = min(start, began or start)  # what the charts and changes look back to
    gathered = []
    for measure in framework.measures:
        if measure.derived:
            continue
        shown = data_project.window(evidence, audience, measure, look_back, end)
        parts, moves, when = [], [], ""
        for (authority, locality), series in sorted(data_project.by_place(shown).items()):
            in_period = [s for s in series if s.figure.period_to >= start]
            if locality or not in_period:
                continue
            last = in_period[-1]
            upto = series[: series.index(last) + 1]
            when = max(when, last.figure.period_to)
            direction = data_project.direction(measure, upto)
            part = f"{authority} {last.words} ({data_project.change(upto)}"
            part += f", {direction})" if direction else ")"
            since = [s for s in upto if began and s.figure.period_to >= began]
            if len(since) > 1 and since[0] is not last:
                part = part[:-1] + f"; {data_project.change([since[0], last])} since "
                part += f"{long_date(since[0].figure.period_to)})"
            parts.append(part)
            if direction:
                moves.append(f"{authority} {direction}")
        if not parts:
            continue
        gathered.append(
            MeasureFigures(
                measure.code,
                tuple(measure.indicators),
                words=f"{measure.name}, latest to {long_date(when)}: " + "; ".join(parts),
                chart=figures_chart(measure, shown, look_back, start, tuple(framework.authorities)),
                trend=f"{measure.name}: {', '.join(moves)}" if moves else None,
            )
        )
    return gathered


def figures_chart(
    measure: Any, shown: list, since: str, start: str, places: tuple[str, ...] = ()
) -> FiguresChart | None:
    """A plan measure's chart for an update: each authority's figures from ``since`` (the
    plan's start, or the period's if earlier) to the period's end, as ``shown`` (the
    audience's figures, to the end) holds them; None when none of them may be shown.
    ``places``: the plan's authorities, in the order that gives each its colour.

    Localities are left out (one line per authority), and so is Scotland: a comparator on
    another scale would flatten the authorities' lines; the words give its figures."""
    points: dict[str, dict[str, Any]] = {}  # authority -> period_to -> shown figure
    comparator = False
    for s in shown:
        f = s.figure
        if f.authority == COMPARATOR:
            comparator = comparator or f.period_to >= start
        elif not f.locality and f.period_to >= since:
            points.setdefault(f.authority, {})[f.period_to] = s  # one point a date
    series = {a: [(day, s.value) for day, s in sorted(p.items())] for a, p in points.items()}
    values = [v for line in series.values() for _, v in line]
    if not any(v is not None for v in values):
        return None
    days = sorted({day for p in points.values() for day in p})
    said = " ".join(
        f"{place}: {', '.join(f'{s.words} on {long_date(day)}' for day, s in sorted(p.items()))}."
        for place, p in sorted(points.items())
    )
    alt = (
        f"Line chart: {measure.name}, {long_date(days[0])} to {long_date(days[-1])}, one line "
        f"per authority. {said}"
    )
    return FiguresChart(measure.code, measure.name, measure.unit, series, days[0], days[-1],
                        alt, withheld=None in values, comparator_left_out=comparator,
                        places=places)  # fmt: skip


def plans_title(plans: PlanSet, plan: Plan, first_day: str) -> str:
    """The title of the plan reported against; for a period that began under an earlier
    plan, that plan's title too, with the date of the change written out."""
    earlier = plans.on(first_day)
    if earlier is plan or plan.valid_from is None:
        return plan.title
    return (
        f"{plan.title} (in force from {long_date(plan.valid_from)}; before then: {earlier.title})"
    )


def _check_featured(
    evidence: Evidence,
    featured: list[str],
    dates: tuple[str, str],
    audience: str,
    objectives: tuple[str, ...],
) -> None:
    """Refuse a featured id that is unknown, deleted, outside the period, out of scope, not
    evidence, or (for an external update) internal, naming it."""
    if not isinstance(featured, list) or not all(isinstance(i, str) for i in featured):
        raise ValidationError("featured", "must be a list of record ids")
    indicators, activities = scope_codes(evidence.reading_framework, objectives or None)
    problems = []
    for record_id in dict.fromkeys(featured):
        shown = record_id[:64]
        if not ID_PATTERN.match(record_id):  # no record has it (nor could SQLite look it up)
            problems.append(f"{shown!r} is not a record id")
            continue
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


def _records(
    evidence: Evidence,
    period: Any,
    audience: str,
    ratings: list[dict[str, Any]],
    cites: tuple[str, ...] | None,
) -> list[Record]:
    """The period's records the audience may see (of a saved update made again: those it
    has cited), and the rated evidence of this period and the one before (whatever its
    consent: a rating's rationale may name its people).

    Lean records (``evidence.periods``): a learning update shows no record's body.
    ``period`` is a ``learning.updates.Period``.
    """
    conn = evidence.store.conn
    start, end = period.start.isoformat(), period.end.isoformat()
    wanted = set(cites or ())
    if cites is not None:  # a saved update, rebuilt from the evidence it cites
        consents = _consents(audience)
        current = [
            r for r in read_ids(conn, wanted, start, end) if not consents or r.consent in consents
        ]
    else:
        current = read_period(conn, start, end, _consents(audience))
    known = {r.id for r in current}
    rated_ids = {str(i) for r in ratings for i in r.get("records") or []} - known
    rated = read_ids(conn, rated_ids, period.before().start.isoformat(), end)
    if cites is not None:
        rated = [r for r in rated if r.id in wanted or r.date < start]
    return rated + current


def _previous_counts(
    evidence: Evidence,
    plan: Plan,
    period: Any,
    request: UpdateRequest,
    scope: tuple[frozenset[str], frozenset[str]],
) -> PeriodCounts:
    """The period before ``period``, counted as the update compares with it: the records the
    audience may see now (for a saved update made again, those made by its save)."""
    before = period.before()
    dates = before.start.isoformat(), before.end.isoformat()
    # Earlier plans' codes that map into the scope are in it too.
    indicators = frozenset(evidence.plans.mapped_into(scope[0], plan))
    activities = frozenset(evidence.plans.mapped_into(scope[1], plan))
    skip = ("learning_update",)  # earlier updates count towards targets, not as evidence
    return count_period(evidence.store.conn, *dates, _consents(request.audience), indicators,
                        activities, skip_types=skip, made_by=request.as_of)  # fmt: skip


def _consents(audience: str) -> tuple[str, ...]:
    """The consent levels a learning update for ``audience`` reads (none named: all of them)."""
    return () if audience == INTERNAL else visible_consents(audience)
