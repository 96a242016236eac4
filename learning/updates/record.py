"""A learning update as a record of its own, citing the evidence it used."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from evidence.validate import MAX_BODY

from .render import render_markdown
from .summary import Summary


def saved_body(summary: Summary) -> str:
    """The Markdown a saved update keeps as its body: the update, or for one whose annex
    would pass the body's limit (a year at 100,000 records lists tens of thousands of
    records), the update with a note that the lists are in its documents."""
    body = render_markdown(summary)
    if len(body) <= MAX_BODY or not summary.annex:
        return body
    return render_markdown(replace(summary, annex_apart=True))


def summary_to_record_data(summary: Summary, author: str) -> dict[str, Any]:
    """The input dict that saves a learning update as a ``learning_update`` record."""
    indicators = summary.indicators_covered or summary.indicators_in_scope
    fields: dict[str, Any] = {
        "period_from": summary.period.start.isoformat(),
        "period_to": summary.period.end.isoformat(),
        "audience": summary.audience,
        # The objectives it was made for (every one of the plan's, when none were named), so
        # that it is made again for them, not for those its evidence speaks to.
        "objectives": list(summary.objective_codes),
        "cites": list(summary.cites),
        "annex": "true" if summary.annex else "false",
    }
    # For an external update the key messages are kept as shown: without the names of the
    # cited records' people (a saved update's text is searchable by viewers).
    if summary.intro:
        fields["intro"] = summary.intro
    if summary.featured:
        fields["featured"] = list(summary.featured)
    return {
        "type": "learning_update",
        "title": summary.title,
        "date": summary.period.end.isoformat(),
        "author": author,
        "consent": "internal" if summary.audience == "internal" else "anonymised",
        "indicators": list(indicators),
        "body": saved_body(summary),
        "fields": fields,
    }
