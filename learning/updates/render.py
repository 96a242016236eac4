"""Render a Summary as Markdown or as a standalone HTML page, through the project's templates."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from . import sentences, wording
from .chart import CURRENT_COLOUR, PREVIOUS_COLOUR, layout
from .intro import as_markdown
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
    return environment().get_template(HTML_TEMPLATE).render(context(summary), chart=chart)
