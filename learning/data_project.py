"""The data project's figures as a reader may see them: stored and derived, suppressed
outside the team. Pages, the API, the CLI and learning updates all read figures here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from evidence.consent import INTERNAL, visible_consents
from evidence.derived import derived_figures
from evidence.disclosure import PRIMARY, suppressed, words
from evidence.figures import Figure, read_csv, validate_figure
from evidence.model import ValidationError

if TYPE_CHECKING:
    from .services import Evidence


@dataclass(frozen=True)
class Shown:
    """A figure as a reader sees it: its value, or None and why it is withheld."""

    figure: Figure
    value: float | None
    reason: str = ""  # "primary" or "secondary" when withheld
    threshold: int = 5
    unit: str = "count"

    @property
    def suppressed(self) -> bool:
        return self.value is None

    @property
    def words(self) -> str:
        """The value as a page reads it (withheld ones in words)."""
        if self.value is None:
            return words(self.reason, self.threshold)
        text = f"{self.value:,.0f}" if float(self.value).is_integer() else f"{self.value:,.1f}"
        unit = self.unit
        return f"£{text}" if unit == "gbp" else f"{text}%" if unit == "percent" else text

    def to_dict(self) -> dict[str, Any]:
        return self.figure.to_dict(self.value, self.suppressed)


def plan_for(ev: Evidence):
    """The plan a figure is judged by, given its ``period_to``."""
    return lambda day: ev.plan_on(day).framework


def figures(
    ev: Evidence,
    audience: str,
    measure: str,
    authority: str | None = None,
    locality: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
) -> list[Shown]:
    """A measure's figures (stored or derived) whose period overlaps ``date_from``..
    ``date_to``, as the audience may see them."""
    m = ev.framework.measure(measure)
    if m is None:
        return []
    every = _every(ev, audience, m)
    return [
        s for s in every
        if (not authority or s.figure.authority == authority)
        and (not locality or s.figure.locality == locality)
        and (not date_from or s.figure.period_to >= date_from)
        and (not date_to or s.figure.period_from <= date_to)
    ]  # fmt: skip


def window(ev: Evidence, audience: str, m: Any, since: str, date_to: str) -> list[Shown]:
    """A measure's figures from ``since`` to ``date_to`` as the audience may see them, with
    each place's one before ``since`` (what a change needs), and not the history before:
    what a learning update reads. The same figures, judged the same, as :func:`figures`
    gives: judged with every figure that can add up with them (:func:`_reaching`)."""
    # Judged by the measure as the current plan has it, as figures() judges (a measure it no
    # longer lists would go unjudged: shown whole, small counts and all).
    m = ev.framework.measure(m.code)
    if m is None:
        return []
    if m.derived:
        return figures(ev, audience, m.code, date_to=date_to)
    floor = ev.store.figures_floor(m.code, since)
    found = _reaching(ev, m.code, floor, date_to)
    if found is None:
        return figures(ev, audience, m.code, date_from=floor, date_to=date_to)
    return [
        s for s in _judged(ev, found, audience)
        if s.figure.period_to >= floor and s.figure.period_from <= date_to
    ]  # fmt: skip


def _reaching(ev: Evidence, code: str, first: str, last: str, tries: int = 8) -> list | None:
    """The figures over ``first``..``last`` and every figure that reaches into them, again
    until none does: a figure that ends before the day before the earliest start, or starts
    after the day after the latest end, shares no day with them and so no sum
    (evidence/sums.py). None if that takes more than ``tries`` reads (a long chain)."""
    for _ in range(tries):
        found = ev.store.list_figures(code, date_from=_next(first, -1), date_to=_next(last, 1))
        wider = (min([first, *(f.period_from for f in found)]),
                 max([last, *(f.period_to for f in found)]))  # fmt: skip
        if wider == (first, last):
            return found
        first, last = wider
    return None


def _next(day: str, days: int) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=days)).isoformat()


# A measure's judged figures per (data dir, measure, audience), kept while neither the
# figures nor (for a derived measure) the records change: pages ask again and again.
_CACHE: dict[tuple, tuple[tuple, list[Shown]]] = {}
_CACHE_SIZE = 64


def _every(ev: Evidence, audience: str, m: Any) -> list[Shown]:
    key = (str(ev.data_dir), m.code, audience)
    # The plan in force decides what is withheld (thresholds, measures): an adoption counts.
    stamp = (ev.store.generation(),) if m.derived else ev.store.figures_signature()
    stamp = (*stamp, ev.plans_version())
    cached = _CACHE.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    if m.derived:
        found = derived_figures(ev.store.conn, m, visible_consents(audience))
    else:
        found = ev.store.list_figures(m.code)
    judged = _judged(ev, found, audience)
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.clear()
    _CACHE[key] = (stamp, judged)
    return judged


def all_figures(ev: Evidence, audience: str, **filters: Any) -> list[Shown]:
    """Every measure's figures (for exports and the CLI), measure by measure."""
    out: list[Shown] = []
    for m in ev.framework.measures:
        out += figures(ev, audience, m.code, **filters)
    return out


def recent(ev: Evidence, audience: str, measure: Any) -> list[Shown]:
    """Each place's latest two figures of a measure (what summaries need)."""
    every = _every(ev, audience, measure)
    periods = {s.figure.period_to for series in by_place(every).values() for s in series[-2:]}
    return [s for s in every if s.figure.period_to in periods]


def _judged(
    ev: Evidence,
    found: list[Figure],
    audience: str,
    authority: str | None = None,
    locality: str | None = None,
) -> list[Shown]:
    """Suppression is decided over whole groups (an authority and all its localities) before
    the place filters apply, so a filter cannot undo it."""
    known = {m.code: m for m in ev.framework.measures}
    measure_of = known.get
    withheld = suppressed(found, measure_of) if audience != INTERNAL else {}
    shown = []
    for i, figure in enumerate(found):
        if authority and figure.authority != authority:
            continue
        if locality and figure.locality != locality:
            continue
        reason = withheld.get(i, "")
        m = measure_of(figure.measure)
        threshold = m.disclosure_threshold if m is not None else 5
        unit = m.unit if m is not None else "count"
        shown.append(Shown(figure, None if reason else figure.value, reason, threshold, unit))
    shown.sort(key=lambda s: (s.figure.measure, s.figure.authority, s.figure.locality,
                              s.figure.period_to, s.figure.period_from))  # fmt: skip
    return shown


def by_place(shown: list[Shown]) -> dict[tuple[str, str], list[Shown]]:
    """Figures grouped by (authority, locality), each oldest first."""
    out: dict[tuple[str, str], list[Shown]] = {}
    for s in shown:
        out.setdefault((s.figure.authority, s.figure.locality), []).append(s)
    return out


def latest(shown: list[Shown]) -> list[Shown]:
    """Each place's most recent figure."""
    by_place: dict[tuple[str, str], Shown] = {}
    for s in shown:
        key = (s.figure.authority, s.figure.locality)
        if key not in by_place or s.figure.period_to >= by_place[key].figure.period_to:
            by_place[key] = s
    order = lambda s: (s.figure.authority != "Scotland", s.figure.authority, s.figure.locality)  # noqa: E731
    return sorted(by_place.values(), key=order)


def change(series: list[Shown]) -> str:
    """The direction of a place's latest figure against the one before, in words (only
    where both are shown: a change must not let a withheld figure be worked out)."""
    if len(series) < 2:
        return "no earlier figure"
    before, last = series[-2], series[-1]
    if before.value is None or last.value is None:
        return "not shown"
    diff = last.value - before.value
    if diff == 0:
        return "no change"
    return f"{'up' if diff > 0 else 'down'} {abs(diff):,.0f}"


def direction(measure: Any, series: list[Shown]) -> str:
    """Better, worse or the same, by the measure's ``better`` (in words, not only colour)."""
    if len(series) < 2 or series[-1].value is None or series[-2].value is None:
        return ""
    diff = series[-1].value - series[-2].value
    if diff == 0:
        return "the same"
    better = (diff < 0) if measure.better == "lower" else (diff > 0)
    return "better" if better else "worse"


def measures(ev: Evidence, audience: str) -> list[dict[str, Any]]:
    """Every measure of the plan with its latest figure per place (the /api/measures shape)."""
    out = []
    for m in ev.framework.measures:
        out.append(
            {**m.to_dict(), "latest": [s.to_dict() for s in latest(recent(ev, audience, m))]}
        )
    return out


def save(ev: Evidence, data: Any, actor: str) -> list[Figure]:
    """Validate one figure or a list (each problem named by its index), save all or none."""
    items = data if isinstance(data, list) else [data]
    if not items:
        raise ValidationError("figures", "the list is empty")
    judge = plan_for(ev)
    checked: list[Figure] = []
    errors: dict[str, str] = {}
    for index, item in enumerate(items):
        try:
            checked.append(validate_figure(item, judge))
        except ValidationError as exc:
            prefix = f"{index}." if isinstance(data, list) else ""
            errors.update({f"{prefix}{k}": v for k, v in exc.errors.items()})
    if errors:
        raise ValidationError(errors)
    saved, _ = ev.store.save_figures(checked, actor)
    ev.sync_index()  # a saved external update made again (evidence/citing.py) is searched anew
    return saved


def import_csv(ev: Evidence, text: str, actor: str) -> tuple[int, int]:
    """Import a figures CSV, the whole file or nothing; returns (figures read, changed)."""
    found = read_csv(text, plan_for(ev))
    _, changed = ev.store.save_figures(found, actor)
    ev.sync_index()
    return len(found), changed


def parse_date(value: str | None, field: str) -> str | None:
    """A YYYY-MM-DD filter value, or ValidationError naming the field."""
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise ValidationError(field, "must be a date written YYYY-MM-DD") from None


__all__ = ["PRIMARY", "Shown", "figures", "import_csv", "latest", "measures", "save"]
