"""Saved learning updates: the one save path, and a saved update made again.

The command line, the web form and the API make an update with ``reporting.make(evidence,
request)`` and save it with ``save``. The record keeps the request in its fields (period,
audience, objectives, key messages, featured stories, annex), so its documents
(``document``) and its remakes when a record it cites changes (``remade``, which the store
calls in that write: ``evidence/citing.py``) are made from the same request, with every
record it has cited (the store's ``citations``): they say what it said, minus what its
sources no longer allow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from evidence.consent import EXTERNAL
from evidence.model import Record

from . import reporting
from .updates import Summary, summary_to_record_data
from .updates.request import UpdateRequest

if TYPE_CHECKING:
    from .services import Evidence


def save(evidence: Evidence, summary: Summary, actor: str) -> Record:
    """Store a made update as a ``learning_update`` record citing its evidence."""
    return evidence.create(summary_to_record_data(summary, actor), actor)


def saved_request(evidence: Evidence, update: Record) -> UpdateRequest:
    """The request a saved update was made from, with every record it has cited."""
    return UpdateRequest.from_saved(update, evidence.store.citations_of(update.id))


def document(evidence: Evidence, update: Record, reader_audience: str) -> Summary:
    """A saved update's document as a reader may have it: outside the team, always as an
    external update (an internal one is not theirs to read: ``consent.visible``)."""
    request = saved_request(evidence, update)
    if reader_audience == EXTERNAL:
        request = request.but(audience=EXTERNAL)
    return reporting.make(evidence, request)


def remade(evidence: Evidence, update: Record) -> Record:
    """A saved update made again from what its sources allow now: its body, and the records
    it cites and features and its key messages as the body shows them."""
    summary = reporting.make(evidence, saved_request(evidence, update))
    made = summary_to_record_data(summary, update.author)
    fields = {k: v for k, v in update.fields.items() if k not in ("featured", "intro")}
    fields.update(made["fields"])
    # As a save keeps them: an empty list or text is left out.
    kept = {k: v for k, v in fields.items() if v not in (None, "", [])}
    return update.but(body=made["body"], fields=kept)
