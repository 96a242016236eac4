"""A learning update as a record of its own, citing the evidence it used."""

from __future__ import annotations

from typing import Any

from .render import render_markdown
from .summary import Summary


def summary_to_record_data(summary: Summary, author: str) -> dict[str, Any]:
    """The input dict that saves a learning update as a ``learning_update`` record."""
    indicators = summary.indicators_covered or summary.indicators_in_scope
    fields: dict[str, Any] = {
        "period_from": summary.period.start.isoformat(),
        "period_to": summary.period.end.isoformat(),
        "audience": summary.audience,
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
        "body": render_markdown(summary),
        "fields": fields,
    }
