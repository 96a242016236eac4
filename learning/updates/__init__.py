"""Learning updates: a period's evidence summarised for an audience, as Markdown, HTML or Word."""

from .docx_writer import render_docx
from .record import summary_to_record_data
from .render import render_html, render_markdown
from .summary import Period, Summary, summarise

__all__ = [
    "Period",
    "Summary",
    "render_docx",
    "render_html",
    "render_markdown",
    "summarise",
    "summary_to_record_data",
]
