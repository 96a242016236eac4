"""Keeping excerpts attached to a text that changes (a minimal stand-in).

The interface the rest of the code relies on: ``Anchor``, ``anchor_for`` and
``reanchor_all``. This stand-in finds a passage again only where its words still stand
(``exact``), or once elsewhere (``moved``, the occurrence nearest its old place); anything else
is ``detached``, keeping its words, with no position. A fuller matcher replaces it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

CONTEXT = 32  # characters kept either side of a passage, to find it again


@dataclass(frozen=True)
class Anchor:
    """Where a passage stands in a text, its words, the words around it, and how it was found."""

    start: int | None
    end: int | None
    text: str
    prefix: str
    suffix: str
    status: str  # exact | moved | changed | detached


def anchor_for(text: str, start: int, end: int) -> Anchor:
    """The anchor of ``text[start:end]``, with its context."""
    return Anchor(
        start,
        end,
        text[start:end],
        text[max(0, start - CONTEXT) : start],
        text[end : end + CONTEXT],
        "exact",
    )


def _reanchor(new_text: str, anchor: Anchor) -> Anchor:
    words = anchor.text
    if anchor.start is not None and new_text[anchor.start : anchor.end] == words:
        return replace(anchor_for(new_text, anchor.start, anchor.end), status="exact")
    if not words:
        return replace(anchor, start=None, end=None, status="detached")
    places = []
    at = new_text.find(words)
    while at != -1:
        places.append(at)
        at = new_text.find(words, at + 1)
    if not places:
        return replace(anchor, start=None, end=None, status="detached")
    old = anchor.start if anchor.start is not None else 0
    best = min(places, key=lambda p: abs(p - old))
    return replace(anchor_for(new_text, best, best + len(words)), status="moved")


def reanchor_all(old_text: str, new_text: str, anchors: Sequence[Anchor]) -> list[Anchor]:
    """Each anchor found again in ``new_text`` (in order), its status saying how."""
    if old_text == new_text:
        return list(anchors)
    return [_reanchor(new_text, a) for a in anchors]
