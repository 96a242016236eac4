"""Builders for test data."""

from __future__ import annotations

import itertools
from typing import Any

_counter = itertools.count(1)


def record_data(**overrides: Any) -> dict[str, Any]:
    """A valid family story as the API takes it; override any key."""
    n = next(_counter)
    data: dict[str, Any] = {
        "type": "family_story",
        "title": f"Breakfast club made mornings calmer {n}",
        "date": "2025-03-14",
        "authority": "Dundee",
        "locality": "Lochee",
        "author": "GL",
        "consent": "anonymised",
        "indicators": ["SO1.1"],
        "activities": ["SO1-A"],
        "tags": ["school"],
        "people": ["Sarah Kerr"],
        "quotes": ["Sarah said: we were listened to for the first time."],
        "body": "Sarah Kerr told the café that the breakfast club changed her mornings.",
        "fields": {"family": "the Kerr family", "what_changed": "Calmer mornings."},
    }
    data.update(overrides)
    return data


def story_sent(data_dir: Any, story: dict[str, Any]) -> str:
    """The id of a family's story sent through an invitation (made by ``wm2u invite``), as the
    form at /tell/TOKEN sends it; waiting for an editor."""
    from learning.services import Evidence
    from learning.stories import telling
    from tests.test_hardening_support import ok, wm2u

    link = ok(wm2u(data_dir, "invite", "--prompt", "What changed for you?")).stdout.strip()
    with Evidence(data_dir) as ev:
        sent = telling.send(ev, link.rsplit("/tell/", 1)[1], telling.StoryRequest.parse(story))
    assert sent is not None
    return sent.record.id
