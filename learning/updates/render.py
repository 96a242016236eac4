"""Render a Summary as Markdown or as a standalone HTML page, through the project's templates."""

from __future__ import annotations

import base64
from functools import lru_cache, partial
from pathlib import Path

import markupsafe
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from evidence.periods import collector_paused

from . import sentences, wording
from .changes import votes_words
from .chart import CURRENT_COLOUR, PREVIOUS_COLOUR, layout
from .intro import as_markdown
from .sections import FiguresChart
from .summary import Summary

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
MARKDOWN_TEMPLATE = "learning_update.md.j2"
HTML_TEMPLATE = "learning_update.html.j2"


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The Jinja2 environment: autoescape for .html.j2, none for .md.j2."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        md=wording.md_escape,
        clean=wording.clean,
        long_date=_long_date,
        number=wording.number,
        average=wording.average,
        money=wording.money,
        change_sign=lambda pair: wording.change_sign(*pair),
        cited_html=_cited_html,
        cited_md=_cited_md,
        panels_html=_panels_html,
        panels_md=_panels_md,
    )
    env.globals.update(
        say=sentences,
        votes_words=votes_words,
        current_colour=CURRENT_COLOUR,
        previous_colour=PREVIOUS_COLOUR,
    )
    return env


def _cited_html(cited) -> Markup:
    """The annex's rows of records cited, as HTML (tens of thousands of rows in a year at
    100,000 records: one string each, not a template loop)."""
    esc = markupsafe.escape
    return Markup(
        "".join(
            f'      <tr><td><a href="/records/{esc(c.id)}">{esc(c.title)}</a></td>'
            f"<td>{esc(c.type_label)}</td>"
            f'<td class="nowrap">{esc(_long_date(c.date))}</td><td>{esc(c.locality)}</td></tr>\n'
            for c in cited
        )
    )


def _cited_md(cited) -> str:
    """The annex's rows of records cited, as Markdown table rows (see :func:`_cited_html`)."""
    md = wording.md_escape
    return "".join(
        f"| [{md(c.title)}](/records/{c.id}) | {md(c.type_label)} | {_long_date(c.date)} | "
        f"{md(c.locality)} |\n"
        for c in cited
    )


def _panels_html(panels) -> Markup:
    """The annex's rows of fund decisions by panel, as HTML (see :func:`_cited_html`)."""
    esc = markupsafe.escape
    status = sentences.balance_status
    flag = ' class="flag"'
    return Markup(
        "".join(
            f"      <tr><td>{esc(p.panel)}</td>"
            f'<td class="nowrap">{esc(_long_date(p.date))}</td><td>{esc(p.locality)}</td>'
            f'<td class="num">{esc(wording.money(p.amount))}</td>'
            f'<td class="num">{esc(p.balance)}</td>\n'
            f"        <td{flag if p.below_minimum else ''}>"
            f"{esc(status(p.below_minimum))}</td></tr>\n"
            for p in panels
        )
    )


def _panels_md(panels) -> str:
    """The annex's rows of fund decisions by panel, as Markdown table rows."""
    md = wording.md_escape
    status = sentences.balance_status
    met, short = status(False), "**" + status(True) + "**"
    return "".join(
        f"| {md(p.panel)} | {_long_date(p.date)} | {md(p.locality)} | {wording.money(p.amount)} "
        f"| {p.balance} | {short if p.below_minimum else met} |\n"
        for p in panels
    )


@lru_cache(maxsize=4096)
def _long_date(value: str) -> str:
    """A record's date in words, or the text as given when it is not a date."""
    try:
        return wording.long_date(value)
    except ValueError:
        return str(value)


def context(summary: Summary) -> dict:
    """What every template receives."""
    return {
        "s": summary,
        "h": summary.headline,
        "internal": summary.audience == "internal",
        "intro_markdown": as_markdown(summary.intro),
    }


@collector_paused()
def render_markdown(summary: Summary) -> str:
    """The learning update as Markdown."""
    return environment().get_template(MARKDOWN_TEMPLATE).render(context(summary))


@collector_paused()
def render_html(summary: Summary) -> str:
    """The learning update as one standalone HTML page, fit to print."""
    chart = layout(summary.chart) if summary.chart else None
    cache = Path(summary.chart_cache) if summary.chart_cache else None
    return (
        environment()
        .get_template(HTML_TEMPLATE)
        .render(context(summary), chart=chart, figures_chart=partial(figures_chart_uri, cache))
    )


def figures_chart_uri(cache: Path | None, chart: FiguresChart) -> str:
    """A chart of figures as a ``data:`` address: the standalone page loads nothing."""
    from learning.charts import update_chart

    svg = update_chart(cache, chart.title, chart.unit, chart.series, "svg", chart.places)
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
