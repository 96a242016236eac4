"""Learning updates for the web and the API: gather a period's evidence and summarise it.

The generator (``learning.updates``) is pure; this module only fetches the records it reads
and turns saved learning-update records back into documents.
"""

from __future__ import annotations

from typing import Any

from evidence.consent import EXTERNAL, INTERNAL
from evidence.model import Record, ValidationError
from learning.services import Evidence, saved_options
from learning.updates import Summary, render_docx, render_markdown

FORMATS = {
    "md": ("text/markdown; charset=utf-8", "md"),
    "html": ("text/html; charset=utf-8", "html"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
}
# The standalone HTML document carries its own styles; it runs no script and loads nothing.
DOCUMENT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


def generate(
    ev: Evidence,
    date_from: Any,
    date_to: Any,
    audience: str,
    objectives: list[str] | None = None,
    only_ids: list[str] | None = None,
    ratings_as_of: str | None = None,
    **options: Any,
) -> Summary:
    """Summarise the period (and the one before it, for comparison) for ``audience``.

    ``options``: ``intro``, ``featured``, ``annex``, ``prepared_by``, ``prepared_on`` (see
    ``Evidence.learning_update``)."""
    if audience not in (INTERNAL, EXTERNAL):
        raise ValidationError("audience", "must be internal or external")
    if objectives is not None and (
        not isinstance(objectives, list) or not all(isinstance(o, str) for o in objectives)
    ):
        raise ValidationError("objectives", "must be a list of objective codes")
    return ev.learning_update(
        date_from,
        date_to,
        audience,
        objectives or None,
        only_ids=only_ids,
        ratings_as_of=ratings_as_of,
        **options,
    ).summary


def saved_summary(ev: Evidence, update: Record, reader_audience: str) -> Summary:
    """A saved learning update's document, rebuilt from the evidence it cites."""
    fields = update.fields
    audience = EXTERNAL if reader_audience == EXTERNAL else fields.get("audience", INTERNAL)
    return generate(
        ev,
        fields.get("period_from") or update.date,
        fields.get("period_to") or update.date,
        audience,
        objectives=update.objectives or None,
        only_ids=list(fields.get("cites") or []),
        ratings_as_of=update.created_at or None,
        **saved_options(update),
    )


def summary_bytes(summary: Summary, fmt: str) -> bytes:
    """The document in one of ``FORMATS``."""
    if fmt == "docx":
        return render_docx(summary)
    if fmt == "html":
        from learning.updates import render_html

        return render_html(summary).encode("utf-8")
    return render_markdown(summary).encode("utf-8")


def file_name(title: str, fmt: str) -> str:
    """A safe download name from a title."""
    stem = "".join(c if c.isalnum() else "-" for c in title.lower()).strip("-")
    while "--" in stem:
        stem = stem.replace("--", "-")
    return f"{stem[:80] or 'learning-update'}.{FORMATS[fmt][1]}"
