"""Keeping excerpts attached to a text that changes.

An excerpt is anchored as the W3C Web Annotation model anchors a passage: by its position
(``start``/``end``, code points, the end excluded) and by its quote with some context either
side (``text``, ``prefix``, ``suffix``). When the text changes, every excerpt is found again
through one diff of the old text against the new (diff-match-patch), so positions follow
inserted and deleted words exactly, and the same words elsewhere are never taken for it:

- ``exact``: its words stand where they stood; ``moved``: its words are untouched but the text
  before them changed, so they stand elsewhere (or, for an excerpt that had lost its place, its
  words appear again exactly once);
- ``changed``: an edit touched its words, and what now stands in their place is still mostly
  them (similar at ``SIMILAR`` or more, by the edit distance over the longer): it is attached to
  the new words, listed for an editor to check;
- ``detached``: its words are gone (deleted, or rewritten beyond ``SIMILAR``): it keeps the words
  it had, with no position, for an editor to attach again or delete. Never silently on other
  words: a rewrite that leaves different words in its place detaches it.

Differences of white space alone (a line wrapped again, CRLF for LF) are not a change of words:
the excerpt is ``exact`` or ``moved`` with the new characters as its text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from diff_match_patch import diff_match_patch

CONTEXT = 32  # characters kept either side of a passage, to find it again
SIMILAR = 0.6  # how much of a passage must still stand for it to be "changed", not detached
DIFF_SECONDS = 1.0  # diff-match-patch's limit: past it a coarser (still correct) diff is used

EQUAL, INSERT, DELETE = 0, 1, -1


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


def reanchor(old_text: str, new_text: str, anchor: Anchor) -> Anchor:
    """``anchor`` found again in ``new_text``, its status saying how."""
    return reanchor_all(old_text, new_text, [anchor])[0]


def reanchor_all(old_text: str, new_text: str, anchors: Sequence[Anchor]) -> list[Anchor]:
    """Each anchor found again in ``new_text`` (in order), its status saying how."""
    if old_text == new_text:
        return list(anchors)
    dmp = _matcher()
    diffs = dmp.diff_main(old_text, new_text)
    edits = _edits(diffs)
    return [_found(dmp, diffs, edits, old_text, new_text, a) for a in anchors]


def _matcher() -> diff_match_patch:
    dmp = diff_match_patch()
    dmp.Diff_Timeout = DIFF_SECONDS
    return dmp


def _edits(diffs: list[tuple[int, str]]) -> list[tuple[int, int]]:
    """The stretches of the old text an edit touched, as (start, end); an insertion is (at, at)."""
    out, at = [], 0
    for op, chunk in diffs:
        if op == EQUAL:
            at += len(chunk)
        elif op == DELETE:
            out.append((at, at + len(chunk)))
            at += len(chunk)
        else:
            out.append((at, at))
    return out


def _touched(edits: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether an edit changed the characters of ``start:end`` (an insertion strictly inside
    it counts; one at either edge does not)."""
    for a, b in edits:
        if a == b:
            if start < a < end:
                return True
        elif a < end and b > start:
            return True
    return False


def _found(
    dmp: diff_match_patch,
    diffs: list[tuple[int, str]],
    edits: list[tuple[int, int]],
    old_text: str,
    new_text: str,
    anchor: Anchor,
) -> Anchor:
    if anchor.start is None or anchor.end is None:
        return _found_again(new_text, anchor)
    start = dmp.diff_xIndex(diffs, anchor.start)
    end = start + (anchor.end - anchor.start)
    if not _touched(edits, anchor.start, anchor.end) and new_text[start:end] == anchor.text:
        return _at(new_text, start, end, "exact" if start == anchor.start else "moved")
    end = max(start, dmp.diff_xIndex(diffs, anchor.end))
    start, end = _trimmed(new_text, start, end)
    now = new_text[start:end]
    if now and _same_words(now, anchor.text):
        return _at(new_text, start, end, "exact" if start == anchor.start else "moved")
    if now and _similarity(dmp, anchor.text, now) >= SIMILAR:
        return _at(new_text, start, end, "changed")
    if old_text.count(anchor.text) > 1:  # the same words stood elsewhere: not ours to take
        return replace(anchor, start=None, end=None, status="detached")
    return _found_again(new_text, anchor)


def _found_again(new_text: str, anchor: Anchor) -> Anchor:
    """An excerpt without a place (or whose words were cut from theirs, perhaps to be pasted
    elsewhere): attached again only where its exact words stand once."""
    words = anchor.text
    at = new_text.find(words) if words.strip() else -1
    if at != -1 and new_text.find(words, at + 1) == -1:
        return _at(new_text, at, at + len(words), "moved")
    return replace(anchor, start=None, end=None, status="detached")


def _at(text: str, start: int, end: int, status: str) -> Anchor:
    return replace(anchor_for(text, start, end), status=status)


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """``start:end`` without white space at either edge (an edit next to a passage can leave
    a space inside the mapped span)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _same_words(a: str, b: str) -> bool:
    return a.split() == b.split()


def _similarity(dmp: diff_match_patch, was: str, now: str) -> float:
    """How much of ``was`` still stands in ``now``: 1 less the edit distance over the longer."""
    distance = dmp.diff_levenshtein(dmp.diff_main(was, now, False))
    return 1 - distance / max(len(was), len(now))
