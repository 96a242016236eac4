"""Learning updates: a period's evidence summarised for an audience, as Markdown, HTML or Word."""

from __future__ import annotations

from evidence.periods import collector_paused

from .record import summary_to_record_data
from .render import render_html, render_markdown
from .request import UpdateRequest
from .summary import Period, Summary, parse_period, scope_codes, summarise

__all__ = [
    "Period",
    "Summary",
    "UpdateRequest",
    "parse_period",
    "render_docx",
    "render_html",
    "render_markdown",
    "scope_codes",
    "summarise",
    "summary_to_record_data",
]


@collector_paused()
def render_docx(summary: Summary) -> bytes:
    """The learning update as a .docx file."""
    # python-docx (with lxml) takes a fifth of a second to import; only Word output needs it.
    from .docx_writer import render_docx as write

    return write(summary)
