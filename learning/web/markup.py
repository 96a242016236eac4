"""The one Markdown helper (Markdown → nh3 allowlist → Markup) and the other page filters."""

from __future__ import annotations

import datetime as dt
import re
import threading

import markdown as markdown_lib
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "s", "strong", "sub", "sup",
    "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}, "th": {"align"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}
EXTENSIONS = ["tables", "fenced_code", "sane_lists", "def_list"]


_local = threading.local()


def _converter() -> markdown_lib.Markdown:
    """This thread's Markdown converter, which shows raw HTML as the text it is.

    A person's `<b>` or an unclosed `<style>` in a field note is shown literally instead of
    being passed to the sanitiser, which would drop it, or everything after it.
    """
    md = getattr(_local, "md", None)
    if md is None:
        md = markdown_lib.Markdown(extensions=EXTENSIONS, output_format="html")
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        _local.md = md
    return md.reset()


def render_markdown(text: str | None) -> Markup:
    """Markdown a person typed, as HTML that is safe to put in a page."""
    if not text:
        return Markup("")
    html = _converter().convert(str(text))
    # The record's own headings sit under the page's h1, so h1 is not allowed through.
    html = html.replace("<h1", "<h2").replace("</h1>", "</h2>")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return Markup(clean)  # noqa: S704 - nh3 output, the only Markup made from typed text


# Markdown markers that mean nothing in a one-line snippet. None of these characters occurs
# in an HTML entity or in <mark>, the only markup an escaped snippet carries, so removing
# them cannot make markup.
_BOLD = re.compile(r"\*{2,}")
_UNDERLINE_BOLD = re.compile(r"(?<![\w_])__(?=\S)(.+?)(?<=\S)__(?![\w_])")
_HEADING = re.compile(r"(^|[\s…])#{1,6}\s+")


def plain_snippet(escaped: str) -> Markup:
    """A search snippet (escaped text with <mark>) without Markdown emphasis or heading marks."""
    text = _BOLD.sub("", escaped)
    text = _UNDERLINE_BOLD.sub(r"\1", text)
    text = _HEADING.sub(r"\1", text)
    return Markup(text)  # noqa: S704 - the index's escaped snippet with characters removed


def long_date(value: str | None) -> str:
    """2024-11-03 → 3 November 2024 (text that is not a date is shown as it is)."""
    if not value:
        return ""
    try:
        day = dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    return f"{day.day} {day:%B %Y}"


def when(value: str | None) -> str:
    """An ISO timestamp as a date and time, to the minute (UTC)."""
    if not value:
        return ""
    try:
        moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    return f"{moment.day} {moment:%B %Y, %H:%M} UTC"


def number(value: float | int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int) else f"{value:,.2f}".rstrip("0").rstrip(".")


def init_app(app) -> None:
    app.add_template_filter(render_markdown, "markdown")
    app.add_template_filter(long_date, "long_date")
    app.add_template_filter(when, "when")
    app.add_template_filter(number, "number")
