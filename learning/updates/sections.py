"""Per objective, indicator and key activity: what the period's evidence shows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from evidence.consent import INTERNAL, present_rating
from evidence.model import Record
from learning.framework import Activity, Indicator, Objective, Target

from .headline import as_number
from .rating import RatingView, rating_view

MAX_QUOTES = 1
MAX_PASSAGES = 3  # coded passages quoted per indicator: the update stays a few pages
MAX_FEATURED = 3
MAX_ACTIVITY_RECORDS = 2
# The featured-story rule, as a reader is told it (every format says the same).
FEATURED_RULE = (
    "Unless the editor chose them, each objective features up to three family stories of the "
    "period, tagged with its indicators, that this audience may see: stories with a "
    "family's own words first, then the most recent, one per locality before a second from "
    "the same place, and none featured twice in the update."
)


@dataclass(frozen=True)
class Quote:
    """A family's own words, and where they came from."""

    text: str
    record_id: str
    date: str
    locality: str
    title: str = ""  # a coded passage's record, as the audience sees it


@dataclass(frozen=True)
class Passage:
    """A passage coded with an indicator, its words as the audience may see them."""

    id: str
    code: str
    record_id: str
    text: str


@dataclass(frozen=True)
class Story:
    """A featured story: a short account, and the family's own words from it."""

    record_id: str
    title: str
    date: str
    locality: str
    what_changed: str
    quote: str = ""
    chosen: bool = False  # featured by the editor, not by the rule
    indicators: tuple[str, ...] = ()  # the objective's indicators the story speaks to


@dataclass(frozen=True)
class FiguresChart:
    """A plan measure's figures over the plan so far, one line per authority, as the
    audience may see them: a withheld value is None (a gap, never drawn); ``alt`` states
    the figures in words, withheld ones as "fewer than N" or "not shown"."""

    measure: str
    title: str
    unit: str
    series: dict[str, list[tuple[str, float | None]]]  # authority -> [(period_to, value)]
    first: str  # the dates of the first and last figure drawn
    last: str
    alt: str
    withheld: bool = False  # some value is a gap
    comparator_left_out: bool = False  # Scotland is in the words, on another scale
    places: tuple[str, ...] = ()  # the plan's authorities: each its colour in every chart


@dataclass(frozen=True)
class MeasureFigures:
    """One of the plan's measures for an update, as its audience may see it, gathered before
    the update is summarised: its figures in words, its chart, its trend for the at-a-glance
    table (each None when there is nothing to show)."""

    code: str
    indicators: tuple[str, ...]
    words: str | None = None
    chart: FiguresChart | None = None
    trend: str | None = None


@dataclass
class IndicatorSummary:
    """One indicator: how much evidence, the change, the words, the rating."""

    code: str
    text: str
    count: int
    previous_count: int
    quotes: list[Quote] = field(default_factory=list)
    quotes_total: int = 0
    # Passages coded with the indicator, each with its record's title (after ``quotes``).
    passages: list[Quote] = field(default_factory=list)
    localities: list[str] = field(default_factory=list)
    rating: RatingView | None = None
    # The data project's figures for this indicator, in words (e.g. "down 4% since 2024");
    # None until figures exist (another part of the product adds them): "no figures yet".
    figures_trend: str | None = None
    # Each measure's figures for the period, in words (latest, change, since the plan began).
    figures: list[str] = field(default_factory=list)
    # ... and as charts, one per measure in ``figures`` (Word and HTML draw them).
    charts: list[FiguresChart] = field(default_factory=list)

    @property
    def change(self) -> int:
        return self.count - self.previous_count


@dataclass(frozen=True)
class TargetProgress:
    """A numeric target beside the number of records that count towards it this period."""

    label: str
    value: float
    achieved: int

    @property
    def met(self) -> bool:
        return self.achieved >= self.value


@dataclass(frozen=True)
class RecordLine:
    """A record mentioned by title under an activity."""

    id: str
    title: str
    date: str


@dataclass
class ActivitySummary:
    """A key activity: its success criteria and targets beside the evidence."""

    code: str
    text: str
    owners: str
    timescale: str
    success_criteria: list[str]
    targets: list[TargetProgress]
    evidence_count: int
    recent: list[RecordLine]

    @property
    def status(self) -> str:
        """``met`` (every target met), ``not yet`` or ``no target``."""
        if not self.targets:
            return "no target"
        return "met" if all(t.met for t in self.targets) else "not yet"


@dataclass
class ObjectiveSummary:
    """One strategic objective, its indicators and key activities."""

    code: str
    text: str
    indicators: list[IndicatorSummary]
    activities: list[ActivitySummary]
    stories: list[Story] = field(default_factory=list)  # featured (sections.FEATURED_RULE)
    stories_total: int = 0  # the family stories of the period tagged with its indicators

    @property
    def gaps(self) -> list[IndicatorSummary]:
        """The objective's indicators with no evidence this period."""
        return [i for i in self.indicators if not i.count]


class EvidenceIndex:
    """The period's records grouped once by indicator and activity (newest first)."""

    def __init__(self, current: list[Record], previous_counts: dict[str, int]) -> None:
        self.current = current
        self.by_indicator: dict[str, list[Record]] = {}
        self.by_activity: dict[str, list[Record]] = {}
        self.by_type: dict[str, list[Record]] = {}
        for record in current:
            self.by_type.setdefault(record.type, []).append(record)
            codes = record.indicators  # each code once, even if a record lists it twice
            for code in codes if len(codes) < 2 else dict.fromkeys(codes):
                self.by_indicator.setdefault(code, []).append(record)
            codes = record.activities
            for code in codes if len(codes) < 2 else dict.fromkeys(codes):
                self.by_activity.setdefault(code, []).append(record)
        self.previous_counts = previous_counts
        self.by_id = {record.id: record for record in current}
        # Stories featured so far, so that none is featured twice; the editor's choice.
        self.featured_so_far: set[str] = set()
        self.quoted: set[str] = set()  # words already shown, so that none is shown twice
        self.chosen: list[str] = []
        self.passages: dict[str, list[Passage]] = {}  # coded passages by indicator code


class RatingContext:
    """The progress ratings, and what the audience may see of them and of their evidence.

    Outside the team every rating goes through ``present_rating`` (internal ones are left
    out; names replaced). The caller (``learning.reporting``) hands in ratings already
    presented with the people of every record they link; records in ``by_id`` are applied
    again here, so a caller that forgets cannot show a name those records list.
    """

    def __init__(
        self, ratings: list[dict[str, Any]], by_id: dict[str, Record], audience: str, end: date
    ) -> None:
        self.by_id = by_id
        self.audience = audience
        self.by_indicator: dict[str, list[dict[str, Any]]] = {}
        for rating in ratings:
            if str(rating.get("period_to") or "")[:10] > end.isoformat():
                continue
            seen = self._present(rating)
            if seen is not None:
                self.by_indicator.setdefault(str(seen.get("indicator")), []).append(seen)
        for items in self.by_indicator.values():
            items.sort(key=lambda r: (str(r.get("period_to")), str(r.get("rated_at") or "")))

    def _present(self, rating: dict[str, Any]) -> dict[str, Any] | None:
        known = [self.by_id[str(i)] for i in rating.get("records") or [] if str(i) in self.by_id]
        return present_rating(rating, [(r.consent, r.people) for r in known], self.audience)

    def view(self, code: str) -> RatingView | None:
        """The latest rating of an indicator, and the change since the one before it."""
        items = self.by_indicator.get(code)
        if not items:
            return None
        previous = items[-2] if len(items) > 1 else None
        evidence, rationale = self.evidence(items[-1])
        return rating_view(items[-1], previous, evidence, rationale)

    def evidence(self, rating: dict[str, Any]) -> tuple[list[str], str]:
        """The rating's evidence ids the audience may see, and its (presented) rationale."""
        ids = [str(i) for i in rating.get("records") or []]
        rationale = str(rating.get("rationale") or "")
        if self.audience == INTERNAL:
            return ids, rationale
        known = [self.by_id[i] for i in ids if i in self.by_id]
        return [r.id for r in known if r.consent != "internal"], rationale


def build_objective(
    objective: Objective, index: EvidenceIndex, ratings: RatingContext
) -> ObjectiveSummary:
    """Summarise one objective's indicators and key activities, and feature its stories."""
    codes = [i.code for i in objective.indicators]
    stories = _stories_of(codes, index)
    featured = feature(codes, stories, index)
    shown = {r.id for r in featured}
    index.quoted.update(_first_quote(r).strip() for r in featured)
    return ObjectiveSummary(
        code=objective.code,
        text=objective.text,
        indicators=[_indicator(i, index, ratings, shown) for i in objective.indicators],
        activities=[_activity(a, index) for a in objective.activities],
        stories=[_story(r, r.id in index.chosen, codes) for r in featured],
        stories_total=len(stories),
    )


def _stories_of(codes: list[str], index: EvidenceIndex) -> list[Record]:
    """The period's family stories tagged with any of the indicators, newest first."""
    wanted = set(codes)
    return [
        r
        for r in index.by_type.get("family_story", [])
        if any(code in wanted for code in r.indicators)
    ]


def _indicator(
    indicator: Indicator, index: EvidenceIndex, ratings: RatingContext, featured: set[str]
) -> IndicatorSummary:
    records = index.by_indicator.get(indicator.code, [])
    quotes = [(r, q) for r in records for q in r.quotes if q and q.strip() and r.id not in featured]
    fresh = (pair for pair in quotes if pair[1].strip() not in index.quoted)
    picked = _spread(fresh, MAX_QUOTES)
    index.quoted.update(q.strip() for _, q in picked)
    passages = _passages(indicator.code, records, index)
    return IndicatorSummary(
        code=indicator.code,
        text=indicator.text,
        count=len(records),
        previous_count=index.previous_counts.get(indicator.code, 0),
        quotes=[Quote(q, r.id, r.date, r.locality) for r, q in picked],
        quotes_total=len(quotes),
        passages=[Quote(p.text, r.id, r.date, r.locality, r.title) for r, p in passages],
        localities=sorted({r.locality for r in records if r.locality}),
        rating=ratings.view(indicator.code),
    )


def _passages(
    code: str, records: list[Record], index: EvidenceIndex
) -> list[tuple[Record, Passage]]:
    """Up to ``MAX_PASSAGES`` passages coded ``code`` of the indicator's records shown here
    (so each is of a record the update cites), newest first, one per locality before a
    second, none whose words are already shown."""
    mine = {r.id for r in records}
    said = [w for w in map(_plain, index.quoted) if w]
    fresh = []
    for passage in index.passages.get(code, []):
        words = _plain(passage.text)
        if passage.record_id not in mine or not words:
            continue
        if any(words in other or other in words for other in said):
            continue
        said.append(words)
        fresh.append((index.by_id[passage.record_id], passage))
    picked = _spread(fresh, MAX_PASSAGES)
    index.quoted.update(p.text.strip() for _, p in picked)
    return picked


def _plain(text: str) -> str:
    """Words to compare: case, spacing and the quotation marks around them ignored."""
    return " ".join(text.casefold().split()).strip(" \"'“”‘’.,;:!?")


def feature(codes: list[str], stories: list[Record], index: EvidenceIndex) -> list[Record]:
    """The stories an objective features: the editor's that speak to its indicators, else
    the rule's (``FEATURED_RULE``) among ``stories``: the objective's family stories,
    newest first, as the audience may see them."""
    wanted = set(codes)
    chosen = [index.by_id[i] for i in index.chosen if i in index.by_id]
    mine = [r for r in chosen if wanted & set(r.indicators) and r.id not in index.featured_so_far]
    if not mine:
        pool = [r for r in stories if r.id not in index.featured_so_far]
        pool.sort(key=lambda r: not _first_quote(r))  # stable: newest first within each
        mine = [r for r, _ in _spread([(r, r) for r in pool], MAX_FEATURED)]
    index.featured_so_far.update(r.id for r in mine)
    return mine


def _spread(pairs: Iterable[tuple[Record, Any]], limit: int) -> list[tuple[Record, Any]]:
    """Up to ``limit`` of ``pairs``, in their order: one per locality before a second."""
    first: list[tuple[int, tuple[Record, Any]]] = []
    rest: list[tuple[int, tuple[Record, Any]]] = []
    places: set[str] = set()
    for n, pair in enumerate(pairs):
        place = pair[0].locality
        if place not in places:
            places.add(place)
            first.append((n, pair))
            if len(first) >= limit:
                break
        elif len(rest) < limit:
            rest.append((n, pair))
    picked = sorted((first + rest)[:limit], key=lambda item: item[0])
    return [pair for _, pair in picked]


def _first_quote(record: Record) -> str:
    return next((q for q in record.quotes if q and q.strip()), "")


def _story(record: Record, chosen: bool = False, codes: list[str] | None = None) -> Story:
    what_changed = record.fields.get("what_changed") or ""
    return Story(
        record.id,
        record.title,
        record.date,
        record.locality,
        str(what_changed),
        _first_quote(record),
        chosen,
        tuple(c for c in dict.fromkeys(record.indicators) if codes is None or c in codes),
    )


def _activity(activity: Activity, index: EvidenceIndex) -> ActivitySummary:
    tagged = index.by_activity.get(activity.code, [])
    return ActivitySummary(
        code=activity.code,
        text=activity.text,
        owners=activity.owner_text,
        timescale=activity.timescale,
        success_criteria=list(activity.success_criteria),
        targets=[
            TargetProgress(t.label, t.value, count_towards(t, index, tagged))
            for t in activity.targets
        ],
        evidence_count=len(tagged),
        recent=[RecordLine(r.id, r.title, r.date) for r in tagged[:MAX_ACTIVITY_RECORDS]],
    )


def count_towards(target: Target, index: EvidenceIndex, tagged: list[Record]) -> int:
    """How many of the period's records count towards a target."""
    # A target that names no record type is met by the records tagged with its activity.
    pool = index.by_type.get(target.record_type, []) if target.record_type else tagged
    matching = [record for record in pool if matches(target, record)]
    if target.count == "localities":
        return len({record.locality for record in matching if record.locality})
    return len(matching)


def matches(target: Target, record: Record) -> bool:
    """Whether a record is of the target's type, authority and field values."""
    if target.record_type and record.type != target.record_type:
        return False
    if target.authority and record.authority != target.authority:
        return False
    return all(_same(record.fields.get(k), v) for k, v in target.where.items())


def _same(actual: Any, wanted: Any) -> bool:
    left, right = as_number(actual), as_number(wanted)
    if left is not None and right is not None:
        return left == right
    return str(actual or "").strip().casefold() == str(wanted).strip().casefold()


def place_figures(objectives: list[ObjectiveSummary], measures: Iterable[MeasureFigures]) -> None:
    """Each measure's words and chart under the first indicator in scope it speaks to; each
    indicator's at-a-glance trend from the first of its measures that has one."""
    measures = list(measures)
    placed: set[str] = set()
    for objective in objectives:
        for indicator in objective.indicators:
            mine = [m for m in measures if indicator.code in m.indicators]
            fresh = [m for m in mine if m.words and m.code not in placed]
            indicator.figures = [m.words for m in fresh if m.words]
            indicator.charts = [m.chart for m in fresh if m.chart is not None]
            placed.update(m.code for m in fresh)
            indicator.figures_trend = next((m.trend for m in mine if m.trend), None)
