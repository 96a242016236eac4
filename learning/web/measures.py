"""Measures and their figures: /measures, /measures/CODE (a chart and the same figures as a
table), and the editors' form to add or correct a figure."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from evidence.figures import COMPARATOR
from evidence.model import ValidationError
from learning import charts, data_project
from learning.http.access import audience, role_required
from learning.http.state import evidence

from .common import Pagination, iso_date, page_number

bp = Blueprint("measures", __name__)
FIGURE_KEYS = ("authority", "locality", "period_from", "period_to", "value", "source", "note")


def _measure(code: str):
    measure = evidence().framework.measure(code)
    if measure is None:
        abort(404)
    return measure


def _chosen() -> dict[str, Any]:
    """The place and period chosen in the address (unknown values are ignored)."""
    framework = evidence().framework
    args = request.args
    authority = args.get("authority") or None
    if authority not in (*framework.authorities, COMPARATOR, None):
        authority = None
    locality = args.get("locality") or None
    if locality and (authority is None or locality not in framework.authorities.get(authority, ())):
        locality = None
    return {"authority": authority, "locality": locality,
            "from": iso_date(args.get("from")), "to": iso_date(args.get("to"))}  # fmt: skip


CHART_POINTS = 40  # the latest figures of each place a chart shows, unless a period is chosen
PER_PAGE = 50


def _chosen_figures(code: str) -> tuple[dict[str, Any], list[data_project.Shown]]:
    """The place and period chosen in the address, and the measure's figures for them."""
    chosen = _chosen()
    shown = data_project.figures(evidence(), audience(), code, chosen["authority"],
                                 chosen["locality"], chosen["from"], chosen["to"])  # fmt: skip
    return chosen, shown


def series_of(shown: list[data_project.Shown], authority: str | None) -> dict[str, Any]:
    """Figures by place over time: the chosen authority's localities and its total, else each
    authority; Scotland, the comparator, on a chart of its own."""
    places: dict[str, list] = {}
    comparator: dict[str, list] = {}
    for s in shown:
        f = s.figure
        if f.authority == COMPARATOR:
            comparator.setdefault(COMPARATOR, []).append((f.period_to, s.value))
        elif authority is None and not f.locality:
            places.setdefault(f.authority, []).append((f.period_to, s.value))
        elif authority is not None and f.authority == authority:
            places.setdefault(f.place, []).append((f.period_to, s.value))
    trim = lambda series: {k: v[-CHART_POINTS:] for k, v in series.items()}  # noqa: E731
    return {"places": trim(places), "comparator": trim(comparator)}


def summary(measure: Any, shown: list[data_project.Shown]) -> list[dict[str, Any]]:
    """Each place's latest figure with its change and direction (authorities and Scotland)."""
    rows = []
    for (_, locality), series in sorted(
        data_project.by_place(shown).items(), key=lambda item: (item[0][0] != COMPARATOR, item[0])
    ):
        if locality:
            continue
        rows.append({
            "shown": series[-1], "change": data_project.change(series),
            "direction": data_project.direction(measure, series),
        })  # fmt: skip
    return rows


def measure_rows(codes: list[str] | None = None) -> list[dict[str, Any]]:
    """For pages that list measures (dashboard, indicator pages): each with its summary."""
    ev = evidence()
    rows = []
    for measure in ev.framework.measures:
        if codes is not None and measure.code not in codes:
            continue
        mine = data_project.recent(ev, audience(), measure)
        rows.append({"measure": measure, "rows": summary(measure, mine), "count": len(mine)})
    return rows


@bp.route("/measures")
def index():
    return render_template("measures/index.html", measures=measure_rows())


@bp.route("/measures/<code>")
def show(code: str):
    return render_measure(code)


def render_measure(code: str, values: dict | None = None, errors: dict | None = None) -> str:
    measure = _measure(code)
    chosen, shown = _chosen_figures(code)
    series = series_of(shown, chosen["authority"])
    args = {k: v for k, v in chosen.items() if v}
    page = page_number()
    newest_first = shown[::-1]
    return render_template(
        "measures/show.html",
        measure=measure,
        shown=newest_first[(page - 1) * PER_PAGE : page * PER_PAGE],
        pagination=Pagination(
            page, PER_PAGE, len(shown), "measures.show", {"code": code, **args}
        ),  # fmt: skip
        total=len(shown),
        chosen=chosen,
        args=args,
        framework=evidence().framework,
        alt=charts.alt_text(measure.name, series["places"]),
        comparator_alt=charts.alt_text(f"{measure.name}: Scotland", series["comparator"]),
        has_places=any(series["places"].values()),
        has_comparator=bool(series["comparator"]),
        values=values or {"authority": chosen["authority"] or "", "source": ""},
        errors=errors or {},
        summary=summary(measure, shown),
        chart_points=CHART_POINTS,
    )


@bp.route("/measures/<code>/chart.svg")
def chart(code: str):
    measure = _measure(code)
    chosen, shown = _chosen_figures(code)
    series = series_of(shown, chosen["authority"])
    which = "comparator" if request.args.get("comparator") == "1" else "places"
    title = measure.name + (": Scotland" if which == "comparator" else "")
    svg = charts.chart(evidence().data_dir / "cache", title, measure.unit, series[which])
    return Response(svg, mimetype="image/svg+xml")


@bp.route("/measures/<code>/figures.csv")
def download(code: str):
    """The measure's figures as CSV, as the reader may see them (withheld ones left empty)."""
    from evidence.figures import write_csv

    measure = _measure(code)
    chosen, shown = _chosen_figures(code)
    rows = []
    for s in shown:
        row = s.to_dict()
        if s.suppressed:
            row["note"] = f"{s.words} (withheld: a small count, or one that would give it away)"
        rows.append(row)
    response = Response(write_csv(rows), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{measure.code}.csv"'
    return response


@bp.route("/measures/<code>/figures", methods=["POST"])
@role_required("editor")
def add(code: str):
    measure = _measure(code)
    values = {k: request.form.get(k, "").strip() for k in FIGURE_KEYS}
    data = {"measure": measure.code, **values}
    try:
        data_project.save(evidence(), data, current_user.name)
    except ValidationError as exc:
        return render_measure(code, values, exc.errors), 422
    flash("The figure has been saved.", "success")
    return redirect(url_for("measures.show", code=code))
