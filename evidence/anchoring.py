"""Keeping a coded passage attached to its record's text through edits.

An anchor keeps a passage's words, where they stand (``start`` and ``end`` count code points
from 0, the end excluded) and up to ``CONTEXT`` characters either side: the W3C Web
Annotation model's quote and position selectors, re-anchored as Hypothesis does. When the
text changes, :func:`reanchor_all` diffs the old text against the new once, word by word
(diff-match-patch), and finds each passage again:

1. **Its words carried over.** The passage is placed by the unchanged text just before it
   and, apart, by the unchanged text just after it (where words repeat, a diff may put an
   edit on either side of them, so both readings are tried). Where either finds its words,
   it is ``exact`` (the same start) or ``moved``.
2. **Its words brought elsewhere, or changed in place.** Otherwise two kinds of place are
   weighed: its exact words where this edit put them (cut and pasted), and the new words
   between its edges as the diff maps them, when they are at least ``SIMILAR`` alike
   (1 - edit distance / longer length). The same words that stood at another place in the
   old text are never taken, kept as they were or edited around: they are other words.
   Exact words elsewhere also need a quarter of the context on one side to agree, unless
   the passage is ``DISTINCT`` characters or more. The best place (words count most, then
   context, then nearness) is ``moved`` when it holds the same words, else ``changed``:
   listed for an editor to check.
3. **Otherwise** ``detached``: start and end None, keeping the words and context it had.

Also:

- Words that differ only in whitespace or line endings are the same words.
- A text saved unchanged leaves every anchor as it was.
- ``changed`` stays ``changed`` through later edits until an editor sets the passage again
  (:func:`anchor_for`), so nobody's save drops it from the list to check.
- A detached anchor stays detached unless its exact words reappear: nowhere in the old text,
  once in the new (then ``moved``).
- An anchor whose start and end do not hold its words in the old text is placed where its
  words stand once in that text, else treated as detached.
- The diff gets ``DIFF_SECONDS``; a slower one comes back coarser (more passages weighed in
  step 2), never wrong.
"""

from __future__ import annotations

import re
import sys
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, replace

from diff_match_patch import diff_match_patch

from .model import ValidationError

CONTEXT = 32  # characters of context kept each side
SIMILAR = 0.5  # the least likeness of a passage's changed words to the words it had
DISTINCT = 16  # a passage this long is found elsewhere by its words alone
AGREES = 0.25  # else this share of its context on one side must agree
DIFF_SECONDS = 0.05  # a record's save must stay quick; past this the diff is coarser
MAX_PLACES = 1000  # occurrences of a passage's words weighed at most
# Hypothesis's weights: the words, each side's context, nearness to where it was
WEIGHTS = (50, 20, 20, 2)

_COMMON = diff_match_patch()  # for common beginnings and ends, which need no settings
_WORD = re.compile(r"\w+|\s+|[^\w\s]")  # words, runs of whitespace, each other character

EXACT, MOVED, CHANGED, DETACHED = "exact", "moved", "changed", "detached"


@dataclass(frozen=True)
class Anchor:
    """Where a passage stands in a text, its words, the words around it, and how it was found."""

    start: int | None  # None when detached
    end: int | None
    text: str  # the words now at start:end (for detached: the words it had)
    prefix: str  # up to CONTEXT characters before, as last anchored
    suffix: str  # up to CONTEXT characters after
    status: str  # "exact" | "moved" | "changed" | "detached"


def anchor_for(text: str, start: int, end: int) -> Anchor:
    """A new exact anchor on ``text[start:end]``; a ValidationError names a bad start or end."""
    if not _position(start) or not 0 <= start < len(text):
        raise ValidationError("start", f"must be a position in the text, 0 to {len(text) - 1}")
    if not _position(end) or not start < end <= len(text):
        raise ValidationError("end", f"must be after start and at most {len(text)}")
    return _placed(text, start, end, EXACT)


def reanchor(old_text: str, new_text: str, anchor: Anchor) -> Anchor:
    """``anchor`` found again in ``new_text``, its status saying how."""
    return reanchor_all(old_text, new_text, [anchor])[0]


def reanchor_all(old_text: str, new_text: str, anchors: Sequence[Anchor]) -> list[Anchor]:
    """Each anchor found again in ``new_text`` (in order), through one diff of the two texts."""
    if old_text == new_text:
        return list(anchors)
    edit = _Edit(old_text, new_text)
    return [_found(edit, anchor) for anchor in anchors]


def _position(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _placed(text: str, start: int, end: int, status: str) -> Anchor:
    before = text[max(0, start - CONTEXT) : start]
    return Anchor(start, end, text[start:end], before, text[end : end + CONTEXT], status)


def _detached(anchor: Anchor) -> Anchor:
    return replace(anchor, start=None, end=None, status=DETACHED)


class _Edit:
    """One diff of an old text to a new, as blocks that map positions from one to the other."""

    def __init__(self, old: str, new: str) -> None:
        self.old, self.new = old, new
        # [old start, old end, new start, new end, unchanged]
        self.blocks = _blocks(_word_diff(old, new))
        self.starts = [b[0] for b in self.blocks]
        self.new_starts = [b[2] for b in self.blocks]
        same = [b for b in self.blocks if b[4]]
        self.same_old_starts = [b[0] for b in same]
        self.same_old_ends = [b[1] for b in same]
        self.shifts = [b[2] - b[0] for b in same]

    def readings(self, start: int, end: int) -> tuple[int, int]:
        """Where ``start`` lands by the unchanged text before it, and by that after its end."""
        i = bisect_right(self.same_old_starts, start) - 1
        before = self.shifts[i] if i >= 0 else 0
        j = bisect_left(self.same_old_ends, end)
        after = self.shifts[j] if j < len(self.shifts) else len(self.new) - len(self.old)
        return start + before, start + after

    def mapped(self, start: int, end: int) -> tuple[int, int]:
        """The new text's span where the old ``start:end`` went (edits at its edges inside)."""
        first = self.blocks[bisect_right(self.starts, start) - 1]
        new_start = first[2] + (start - first[0]) if first[4] else first[2]
        last = self.blocks[bisect_right(self.starts, end - 1) - 1]
        new_end = last[2] + (end - last[0]) if last[4] else last[3]
        return new_start, new_end

    def source(self, start: int, end: int) -> tuple[int, int]:
        """The old text's span that the new ``start:end`` came from (what an edit replaced)."""
        first = self.blocks[bisect_right(self.new_starts, start) - 1]
        old_start = first[0] + (start - first[2]) if first[4] else first[0]
        last = self.blocks[bisect_right(self.new_starts, end - 1) - 1]
        old_end = last[0] + (end - last[2]) if last[4] else last[1]
        return old_start, old_end

    def stood_elsewhere(self, place: tuple[int, int], words: str, own: int) -> bool:
        """Whether the words at ``place`` came from the same words at another place (not own)."""
        old_start, old_end = self.source(*place)
        at = self.old.find(words, old_start, old_end)
        while at != -1 and at == own:
            at = self.old.find(words, at + 1, old_end)
        return at != -1


def _word_diff(old: str, new: str) -> list[tuple[int, str]]:
    """The diff of two texts word by word (quicker, and no chance letters kept inside words)."""
    dmp = diff_match_patch()
    dmp.Diff_Timeout = DIFF_SECONDS
    head = _common_head(dmp, old, new)
    tail = _common_tail(dmp, old[head:], new[head:])
    old_middle, new_middle = old[head : len(old) - tail], new[head : len(new) - tail]
    words: dict[str, int] = {}
    old_coded, new_coded = _coded(old_middle, words), _coded(new_middle, words)
    if old_coded is None or new_coded is None:
        middle = dmp.diff_main(old_middle, new_middle)
    else:
        spelt = list(words)
        coded = dmp.diff_main(old_coded, new_coded, False)
        middle = [(op, "".join(map(spelt.__getitem__, map(ord, chunk)))) for op, chunk in coded]
    diffs = [(0, old[:head]), *middle, (0, old[len(old) - tail :])]
    diffs = [(op, chunk) for op, chunk in diffs if chunk]
    dmp.diff_cleanupMerge(diffs)
    dmp.diff_cleanupSemantic(diffs)
    return diffs


def _common_head(dmp: diff_match_patch, old: str, new: str) -> int:
    """How many characters both texts begin with, up to the last whole word."""
    size = dmp.diff_commonPrefix(old, new)
    while size and _in_word(old[size - 1]):
        size -= 1
    return size


def _common_tail(dmp: diff_match_patch, old: str, new: str) -> int:
    """How many characters both texts end with, from the first whole word."""
    size = dmp.diff_commonSuffix(old, new)
    while size and _in_word(old[-size]):
        size -= 1
    return size


def _in_word(character: str) -> bool:
    return character.isalnum() or character == "_"


def _coded(text: str, words: dict[str, int]) -> str | None:
    """``text`` with each word, run of whitespace or other character as one character."""
    found = _WORD.findall(text)
    for word in dict.fromkeys(found):
        words.setdefault(word, len(words))
    if len(words) > sys.maxunicode:
        return None  # more different words than characters to stand for them
    return "".join(map(chr, map(words.__getitem__, found)))


def _blocks(diffs: list[tuple[int, str]]) -> list[list]:
    """The diff as unchanged and changed blocks, each with its span in both texts."""
    blocks: list[list] = []
    old = new = 0
    for op, chunk in diffs:
        if op == 0:
            blocks.append([old, old + len(chunk), new, new + len(chunk), True])
            old, new = old + len(chunk), new + len(chunk)
            continue
        if not blocks or blocks[-1][4]:
            blocks.append([old, old, new, new, False])
        if op < 0:
            old += len(chunk)
        else:
            new += len(chunk)
        blocks[-1][1], blocks[-1][3] = old, new
    return blocks or [[0, 0, 0, 0, True]]


def _found(edit: _Edit, anchor: Anchor) -> Anchor:
    if anchor.status == DETACHED or not isinstance(anchor.text, str) or not anchor.text:
        return _reappeared(edit, anchor)
    start = _start_in(edit.old, anchor)
    if start is None:
        return _reappeared(edit, anchor)
    place = _carried_over(edit, anchor, start) or _best_place(edit, anchor, start)
    if place is None:
        return _detached(anchor)
    new_start, new_end = place
    words = edit.new[new_start:new_end]
    if not _same_words(words, anchor.text) or anchor.status == CHANGED:
        status = CHANGED
    else:
        status = EXACT if new_start == anchor.start else MOVED
    return _placed(edit.new, new_start, new_end, status)


def _start_in(old: str, anchor: Anchor) -> int | None:
    """Where the anchor's words stand in the old text: its start, or their one place."""
    start, end, words = anchor.start, anchor.end, anchor.text
    if _position(start) and _position(end) and 0 <= start < end and old[start:end] == words:
        return start
    return _once(old, words)


def _once(text: str, words: str) -> int | None:
    at = text.find(words)
    return at if at != -1 and text.find(words, at + 1) == -1 else None


def _reappeared(edit: _Edit, anchor: Anchor) -> Anchor:
    words = anchor.text if isinstance(anchor.text, str) else ""
    at = _once(edit.new, words) if words and words not in edit.old else None
    if at is None:
        return _detached(anchor)
    return _placed(edit.new, at, at + len(words), MOVED)


def _carried_over(edit: _Edit, anchor: Anchor, start: int) -> tuple[int, int] | None:
    size = len(anchor.text)
    places = [
        (at, at + size)
        for at in dict.fromkeys(edit.readings(start, start + size))
        if 0 <= at <= len(edit.new) - size and edit.new[at : at + size] == anchor.text
    ]
    return max(places, key=lambda p: _context(edit.new, p, anchor), default=None)


def _best_place(edit: _Edit, anchor: Anchor, start: int) -> tuple[int, int] | None:
    """The best of its exact words brought by this edit and its changed words in place."""
    size, new = len(anchor.text), edit.new
    near = edit.mapped(start, start + size)
    weighed: list[tuple[float, tuple[int, int]]] = []
    for at in _places(new, anchor.text):
        place = (at, at + size)
        if edit.stood_elsewhere(place, anchor.text, start):
            continue  # the same words at another place, kept or edited around: other words
        agrees = max(_context_sides(new, place, anchor))
        if size >= DISTINCT or agrees >= AGREES:
            weighed.append((_score(new, place, anchor, 1.0, near[0]), place))
    region = _trimmed(new, near, anchor.text)
    if region:
        likeness = _likeness(anchor.text, new[region[0] : region[1]])
        if likeness >= SIMILAR:
            weighed.append((_score(new, region, anchor, likeness, near[0]), region))
    return max(weighed, default=(0.0, None))[1]


def _places(text: str, words: str) -> list[int]:
    found, at = [], text.find(words)
    while at != -1 and len(found) < MAX_PLACES:
        found.append(at)
        at = text.find(words, at + 1)
    return found


def _trimmed(text: str, span: tuple[int, int], words: str) -> tuple[int, int] | None:
    """``span`` without whitespace at an edge where the passage had none."""
    start, end = span
    while start < end and text[start].isspace() and not words[0].isspace():
        start += 1
    while start < end and text[end - 1].isspace() and not words[-1].isspace():
        end -= 1
    return (start, end) if start < end else None


def _same_words(a: str, b: str) -> bool:
    return a == b or a.split() == b.split()


def _likeness(old: str, new: str) -> float:
    """1 - edit distance / the longer length; whitespace alone changes nothing."""
    shorter, longer = sorted((len(old), len(new)))
    if longer > 2 * shorter + CONTEXT:
        return 0.0  # too unlike in length even for whitespace alone
    if _same_words(old, new):
        return 1.0
    if shorter < SIMILAR * longer:
        return 0.0
    dmp = diff_match_patch()
    dmp.Diff_Timeout = DIFF_SECONDS
    return 1 - dmp.diff_levenshtein(dmp.diff_main(old, new, False)) / longer


def _context_sides(text: str, place: tuple[int, int], anchor: Anchor) -> tuple[float, float]:
    """How much of the context kept before and after agrees with the text around ``place``."""
    start, end = place
    prefix, suffix = anchor.prefix or "", anchor.suffix or ""
    if prefix:
        before = _COMMON.diff_commonSuffix(prefix, text[max(0, start - len(prefix)) : start]) / len(
            prefix
        )
    else:
        before = float(start == 0)
    if suffix:
        after = _COMMON.diff_commonPrefix(suffix, text[end : end + len(suffix)]) / len(suffix)
    else:
        after = float(end == len(text))
    return before, after


def _context(text: str, place: tuple[int, int], anchor: Anchor) -> float:
    return sum(_context_sides(text, place, anchor))


def _score(text: str, place: tuple[int, int], anchor: Anchor, likeness: float, near: int) -> float:
    before, after = _context_sides(text, place, anchor)
    nearness = 1 - abs(place[0] - near) / max(len(text), 1)
    words, prefix, suffix, position = WEIGHTS
    return words * likeness + prefix * before + suffix * after + position * nearness
