"""Render a Summary as Markdown or as a standalone HTML page, through the project's templates."""

from __future__ import annotations

import base64
from functools import lru_cache, partial
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from . import sentences, wording
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
    )
    env.globals.update(
        say=sentences,
        current_colour=CURRENT_COLOUR,
        previous_colour=PREVIOUS_COLOUR,
    )
    return env


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


def render_markdown(summary: Summary) -> str:
    """The learning update as Markdown."""
    return environment().get_template(MARKDOWN_TEMPLATE).render(context(summary))


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
