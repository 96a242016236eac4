"""The learning-update generator: a period's evidence, as one audience may see it, summarised.

``summarise`` is pure: it reads a framework, records and ratings and returns a ``Summary``;
it knows nothing of HTTP, files or the store. The renderers turn one Summary into Markdown,
HTML and Word. Consent is applied to every record through ``evidence.consent.present``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from evidence.consent import INTERNAL, present, redact_text, visible
from evidence.model import Record, ValidationError
from evidence.names import find_names
from evidence.periods import PeriodCounts, collector_paused, period_before
from learning.framework import Framework

from . import sections
from .changes import ChangeRound
from .headline import Headline, build_headline, type_label
from .intro import Block, parse_intro
from .request import UpdateRequest
from .sections import IndicatorSummary, MeasureFigures, ObjectiveSummary, Passage, place_figures
from .wording import period_between, period_range


@dataclass(frozen=True)
class Period:
    """An inclusive span of days."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def before(self) -> Period:
        """The period of the same length that ends the day before this one starts."""
        start, end = period_before(self.start.isoformat(), self.end.isoformat())
        return Period(date.fromisoformat(start), date.fromisoformat(end))

    def contains(self, iso: str) -> bool:
        """Whether an ISO date (or date-time) falls inside, both ends included."""
        day = iso[:10]
        return self.start.isoformat() <= day <= self.end.isoformat()

    @property
    def label(self) -> str:
        return period_range(self.start, self.end)

    @property
    def between(self) -> str:
        return period_between(self.start, self.end)


@dataclass(frozen=True)
class CitedRecord:
    """One line of the appendix: a record the document used."""

    id: str
    title: str
    date: str
    type: str
    type_label: str
    locality: str = ""


@dataclass(frozen=True)
class ChartBar:
    """Evidence for one indicator, this period beside the previous one."""

    code: str
    current: int
    previous: int


@dataclass
class Summary:
    """Everything a learning update says, ready for any renderer."""

    framework_title: str
    period: Period
    previous: Period
    audience: str
    objective_codes: list[str]
    headline: Headline
    objectives: list[ObjectiveSummary]
    chart: list[ChartBar]
    cited: list[CitedRecord]
    gaps: list[tuple[str, str]] = field(default_factory=list)
    all_objectives: bool = True
    # The editor's key messages (Markdown; names of cited records' people replaced for an
    # external audience), the stories the editor featured, and whether the annex is wanted.
    intro: str = ""
    featured: list[str] = field(default_factory=list)
    annex: bool = True
    # A saved record's body whose annex would be too long to keep: the lists are left to the
    # documents made from the record (learning.updates.record.saved_body).
    annex_apart: bool = False
    prepared_by: str = ""
    prepared_on: str = ""  # ISO date the document was made ("" when not known)
    # Where the figures' charts are kept once drawn (the data dir's cache folder; "": a
    # private temporary folder): not what the update says, so not compared.
    chart_cache: str = field(default="", compare=False)
    # Most Significant Change rounds closed in the period (learning.updates.changes).
    changes: list[ChangeRound] = field(default_factory=list)

    @property
    def intro_blocks(self) -> list[Block]:
        """The key messages as paragraphs, lists and subheadings, for HTML and Word."""
        return parse_intro(self.intro)

    @property
    def glance(self) -> list[IndicatorSummary]:
        """The at-a-glance table's rows: every indicator in scope, in the plan's order."""
        return [i for o in self.objectives for i in o.indicators]

    @property
    def cites(self) -> list[str]:
        """The ids of every record the document used."""
        return [c.id for c in self.cited]

    @property
    def title(self) -> str:
        return f"Learning update: {self.period.label} ({self.audience})"

    @property
    def indicators_covered(self) -> list[str]:
        """Codes of the indicators with evidence this period."""
        return [bar.code for bar in self.chart if bar.current]

    @property
    def indicators_in_scope(self) -> list[str]:
        return [bar.code for bar in self.chart]


def parse_period(period: tuple[str, str] | list[str]) -> Period:
    """Check and convert a (from, to) pair of ISO dates."""
    try:
        start_text, end_text = period
    except (TypeError, ValueError):
        raise ValidationError("from", "give a period as a start and an end date") from None
    days = []
    for key, text in (("from", start_text), ("to", end_text)):
        try:
            days.append(date.fromisoformat(str(text)))
        except ValueError:
            raise ValidationError(key, f"{text!r} is not a date (use YYYY-MM-DD)") from None
    if days[0] > days[1]:
        raise ValidationError("to", "the period ends before it starts")
    return Period(days[0], days[1])


def _scope(framework: Framework, objectives: Iterable[str] | None) -> list[str]:
    """The objective codes in scope, in the plan's order; unknown codes are refused."""
    wanted = [code for code in (objectives or []) if code]
    known = [o.code for o in framework.objectives]
    unknown = [code for code in wanted if code not in known]
    if unknown:
        raise ValidationError("objectives", f"no objective {', '.join(unknown)} in this plan")
    return [code for code in known if not wanted or code in wanted]


def scope_codes(
    framework: Framework, objectives: Iterable[str] | None
) -> tuple[frozenset[str], frozenset[str]]:
    """The indicator and activity codes of the objectives in scope (all when none are named).

    A record is in scope when it is tagged with any of them.
    """
    chosen = [framework.objective(code) for code in _scope(framework, objectives)]
    return (
        frozenset(i.code for o in chosen if o for i in o.indicators),
        frozenset(a.code for o in chosen if o for a in o.activities),
    )


def count_previous(records: Iterable[Record]) -> PeriodCounts:
    """The previous period's records (already in scope and visible) counted per indicator."""
    kept = [r for r in records if r.type != "learning_update"]
    counts = Counter(code for record in kept for code in dict.fromkeys(record.indicators))
    return PeriodCounts(len(kept), dict(counts))


class _Corpus:
    """Records sorted into this period and the previous one, as the audience sees them."""

    def __init__(self, framework: Framework, scope: list[str], audience: str) -> None:
        self.indicators, self.activities = scope_codes(framework, scope)
        self._indicator_set, self._activity_set = set(self.indicators), set(self.activities)
        self.audience = audience
        self.current: list[Record] = []
        self.previous = PeriodCounts()
        self.wanted_ids: set[str] = set()
        self.by_id: dict[str, Record] = {}
        self.earlier_updates: list[Record] = []
        self.people: dict[str, None] = {}  # everyone named in a record the update cites

    def in_scope(self, record: Record) -> bool:
        return not (
            self._indicator_set.isdisjoint(record.indicators)
            and self._activity_set.isdisjoint(record.activities)
        )

    def take(self, records: Iterable[Record], period: Period, shown: bool) -> list[Record]:
        """The records of ``period`` in scope that the audience may see; remember rated evidence.

        Records to be shown pass through ``present``; the previous period's are only
        counted, so ``visible`` (the rule ``present`` applies) is enough for them.
        """
        start, end = period.start.isoformat(), period.end.isoformat()
        kept = []
        for record in records:
            if record.id in self.wanted_ids and not record.deleted_at:
                self.by_id[record.id] = record
            if not start <= (record.date or "")[:10] <= end or record.deleted_at:
                continue
            if not self.in_scope(record):
                continue
            if not shown:
                if visible(record, self.audience):
                    kept.append(record)
            # A learning update never shows a record's body, so it is not redacted for it.
            elif (seen := present(record, self.audience, body=False)) is not None:
                kept.append(seen)
                self.people.update(dict.fromkeys(record.people))
        return kept

    def fill(
        self,
        records: Iterable[Record],
        this: Period,
        previous_records: Iterable[Record] | None,
        previous_counts: PeriodCounts | None,
    ) -> None:
        """Sort the records into this period's (newest first) and count the previous one's."""
        if previous_counts is None:
            if previous_records is None:
                records = previous_records = list(records)
            previous = self.take(previous_records, this.before(), shown=False)
            previous_counts = count_previous(previous)
        self.previous = previous_counts
        current = self.take(records, this, shown=True)
        current.sort(key=lambda r: (r.date, r.id), reverse=True)
        # Earlier learning updates are not evidence for an indicator, but they count towards
        # targets such as "3 learning updates".
        self.earlier_updates = [r for r in current if r.type == "learning_update"]
        self.current = [r for r in current if r.type != "learning_update"]


def summarise(
    framework: Framework,
    records: Iterable[Record],
    request: UpdateRequest,
    *,
    ratings: list[dict[str, Any]] | None = None,
    previous_counts: PeriodCounts | None = None,
    previous_records: Iterable[Record] | None = None,
    figures: Iterable[MeasureFigures] = (),
    framework_title: str = "",
    chart_cache: str = "",
    passages: Iterable[Passage] = (),
    changes: Iterable[ChangeRound] = (),
) -> Summary:
    """Summarise a period's evidence for the request's audience, objective by objective.

    The previous period, for comparison, is counted from ``records`` unless its records come
    apart (``previous_records``) or are already counted (``previous_counts``: records in
    scope that the audience may see, learning updates left out, as ``count_previous`` does).
    Rated evidence is looked up among all the records given. ``figures``: the plan's
    measures as the audience may see them, gathered beforehand; ``framework_title``: the
    plan's title as the update names it (default: the plan's own). ``passages``: passages
    coded with the indicators, newest first, their words as the audience may see them; each
    indicator quotes a few of its own records' among the families' words. ``changes``: the
    Most Significant Change rounds closed in the period, as the audience may see them; their
    chosen stories are cited.

    The key messages are shown as written except that for an external audience every name
    listed in a record the update cites is replaced. Featured ids the audience may not see,
    or not of the period, are passed over (``learning.reporting`` refuses them first); an
    indicator the editor featured nothing for features stories by ``sections.FEATURED_RULE``.
    """
    audience = request.audience
    this = parse_period((request.period_from, request.period_to))
    before = this.before()
    scope = _scope(framework, request.objectives)
    ratings = list(ratings or [])
    with collector_paused():
        corpus = _Corpus(framework, scope, audience)
        corpus.wanted_ids = {rid for r in ratings for rid in r.get("records") or []}
        corpus.fill(records, this, previous_records, previous_counts)
        rated = sections.RatingContext(ratings, corpus.by_id, audience, this.end)
        index = sections.EvidenceIndex(corpus.current, corpus.previous.by_indicator)
        index.by_type["learning_update"] = corpus.earlier_updates
        index.chosen = list(dict.fromkeys(request.featured))
        for passage in passages:
            index.passages.setdefault(passage.code, []).append(passage)
        parts = [sections.build_objective(framework.objective(c), index, rated) for c in scope]
        place_figures(parts, figures)
        summary = _assemble(framework, this, before, audience, scope, corpus, parts,
                            request.objectives)  # fmt: skip
    summary.changes = list(changes)
    _cite_chosen(framework, summary)
    summary.framework_title = framework_title or framework.title
    summary.chart_cache = chart_cache
    chosen_people = [p for r in summary.changes for c in r.choices for p in c.people]
    summary.intro = _intro(
        request.intro, audience, list(dict.fromkeys([*corpus.people, *chosen_people]))
    )
    summary.featured = [i for i in index.chosen if i in index.by_id]
    summary.annex = request.annex
    summary.prepared_by, summary.prepared_on = request.prepared_by, request.prepared_on
    return summary


def _intro(text: str, audience: str, people: list[str]) -> str:
    """The key messages as written; outside the team, without the cited records' names."""
    text = str(text or "").replace("\r\n", "\n").strip()
    if not text or audience == INTERNAL or not people:
        return text
    # Only the people the text names, in the order it names them: "Person A" is the first.
    named = [people[i] for i in dict.fromkeys(person for _, _, person in find_names(text, people))]
    return redact_text(text, named)


def _assemble(
    framework: Framework,
    this: Period,
    before: Period,
    audience: str,
    scope: list[str],
    corpus: _Corpus,
    objectives: list[ObjectiveSummary],
    asked: tuple[str, ...],
) -> Summary:
    """Put the parts of a Summary together."""
    indicators = [i for o in objectives for i in o.indicators]
    return Summary(
        framework_title=framework.title,
        period=this,
        previous=before,
        audience=audience,
        objective_codes=scope,
        headline=build_headline(framework, corpus.current, corpus.previous.total),
        objectives=objectives,
        chart=[ChartBar(i.code, i.count, i.previous_count) for i in indicators],
        cited=_cited(framework, corpus.current + corpus.earlier_updates),
        gaps=[(i.code, i.text) for i in indicators if not i.count],
        all_objectives=not asked or len(scope) == len(framework.objectives),
    )


def _cited(framework: Framework, records: list[Record]) -> list[CitedRecord]:
    """The appendix: every record used, oldest first."""
    labels = {name: type_label(framework, name) for name in {r.type for r in records}}
    return [
        CitedRecord(r.id, r.title, r.date, r.type, labels[r.type], r.locality)
        for r in sorted(records, key=lambda r: (r.date, r.id))
    ]


def _cite_chosen(framework: Framework, summary: Summary) -> None:
    """The rounds' chosen stories join the records cited (a saved update then follows them:
    one later withdrawn leaves it in the same write)."""
    cited = {c.id for c in summary.cited}
    chosen = {
        c.record_id: c for r in summary.changes for c in r.choices if c.record_id not in cited
    }
    if not chosen:
        return
    more = [CitedRecord(c.record_id, c.title, c.date, c.type, type_label(framework, c.type),
                        c.locality) for c in chosen.values()]  # fmt: skip
    summary.cited = sorted(summary.cited + more, key=lambda c: (c.date, c.id))


def is_internal(summary: Summary) -> bool:
    """Whether the update is for the team only."""
    return summary.audience == INTERNAL
