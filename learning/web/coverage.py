"""The dashboard, the framework and indicator pages: where the evidence is, and where it is not."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template
from flask_login import current_user

from evidence.store import RecordFilter
from learning import rights
from learning.http.access import audience
from learning.http.state import evidence

from . import ratings
from .common import Pagination, evidence_types, page_number, per_page
from .measures import measure_rows

bp = Blueprint("framework", __name__)
RECENT = 8


def quarter_of(day: str) -> str:
    """2025-05-14 → 2025-Q2."""
    return f"{day[:4]}-Q{(int(day[5:7]) + 2) // 3}"


def quarters_between(first: str, last: str) -> list[str]:
    """Every quarter label from the one holding ``first`` to the one holding ``last``."""
    year, q = int(first[:4]), int(quarter_of(first)[-1])
    end = quarter_of(last)
    out = []
    while True:
        label = f"{year}-Q{q}"
        out.append(label)
        if label >= end or len(out) > 200:
            return out
        year, q = (year + 1, 1) if q == 4 else (year, q + 1)


def quarter_start(label: str) -> str:
    """2025-Q2 → 2025-04-01."""
    return f"{label[:4]}-{(int(label[-1]) - 1) * 3 + 1:02d}-01"


def quarter_end(label: str) -> str:
    """2025-Q2 → 2025-06-30."""
    return f"{label[:4]}-{int(label[-1]) * 3:02d}-{30 if label[-1] in '23' else 31}"


def quarter_name(label: str) -> str:
    """2025-Q2 → Apr–Jun 2025 (calendar quarters)."""
    months = {"1": "Jan–Mar", "2": "Apr–Jun", "3": "Jul–Sep", "4": "Oct–Dec"}
    return f"{months[label[-1]]} {label[:4]}"


def counted(**filters) -> RecordFilter:
    """The evidence counted for coverage (learning updates excluded); the service applies
    the reader's consent rules (``Evidence.counts_by`` and friends)."""
    return RecordFilter(type=evidence_types(), **filters)


@bp.route("/")
def dashboard():
    ev = evidence()
    framework = ev.framework
    quarters = quarters_between(str(framework.period_from), str(framework.period_to))
    # One grouped query gives both the grid and each indicator's total (of every date).
    grid = ev.indicator_quarters(counted(), audience())
    counts: dict[str, int] = {}
    for (code, _), n in grid.items():
        counts[code] = counts.get(code, 0) + n
    total, recent = ev.list(RecordFilter(type=evidence_types()), audience(), limit=RECENT)
    gaps = [code for code in framework.indicators if not counts.get(code)]
    return render_template(
        "dashboard.html",
        framework=framework,
        plan=ev.plan_on(None),
        counts=counts,
        quarters=quarters,
        quarter_name=quarter_name,
        grid=grid,
        total=total,
        recent=recent,
        gaps=gaps,
        measures=[m for m in measure_rows() if m["count"]],
        retention_waiting=_retention_waiting(),
    )


def _retention_waiting() -> int:
    """How many records wait for a retention review (admins alone are told)."""
    return rights.waiting_count(evidence()) if current_user.can("admin") else 0


@bp.route("/framework")
def overview():
    ev = evidence()
    counts = ev.counts_by("indicator", counted(), audience())
    return render_template(
        "framework.html",
        framework=ev.framework,
        counts=counts,
        plan=ev.plan_on(None),
        history=plan_history(ev),
    )


def plan_history(ev) -> list[tuple[Any, dict[str, Any] | None]]:
    """Every plan held, newest first, each with what changed from the one before it."""
    from learning import plandiff

    plans = list(ev.plans)
    out = []
    for index, plan in enumerate(plans):
        before = plans[index - 1] if index else None
        d = plandiff.diff(before.framework, plan.framework) if before else None
        out.append((plan, d))
    return list(reversed(out))


@bp.route("/indicators/<code>")
def indicator(code: str):
    return render_indicator(code)


def render_indicator(
    code: str, values: dict[str, Any] | None = None, errors: dict[str, str] | None = None
) -> str:
    """The indicator page; ``values`` and ``errors`` refill a refused rating form."""
    ev = evidence()
    framework = ev.reading_framework  # an indicator of any plan held has a page
    found = framework.indicators.get(code)
    if found is None:
        abort(404)
    objective = framework.objective(found.objective)
    by_quarter = ev.counts_by("quarter", counted(indicator=code), audience())
    timeline = []
    if by_quarter:
        span = quarters_between(quarter_start(min(by_quarter)), quarter_start(max(by_quarter)))
        timeline = [(q, quarter_name(q), by_quarter.get(q, 0)) for q in span]
    page, size = page_number(), per_page()
    total, records = ev.list(
        RecordFilter(indicator=code, type=evidence_types()),
        audience(),
        limit=size,
        offset=(page - 1) * size,
    )
    return render_template(
        "indicator.html",
        indicator=found,
        objective=objective,
        timeline=timeline,
        most=max((n for _, _, n in timeline), default=0),
        records=records,
        total=total,
        pagination=Pagination(page, size, total, "framework.indicator", {"code": code}),
        measures=measure_rows([m.code for m in ev.framework.measures if code in m.indicators]),
        **ratings.page_context(code, values, errors, recent=records if page == 1 else None),
    )
