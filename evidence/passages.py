"""An erased record's own words, found in another text however they were written again.

Erasure cuts them out of every text derived from records (ratings' rationales, saved
learning updates' key messages and bodies, and their earlier versions). Texts are compared
word by word after the name matcher's folding (``evidence/names.py``: HTML entities, case,
accents and invisible characters do not count; punctuation, quotation marks, line breaks
and Markdown marks between words are boundaries), so a quote written again in capitals,
wrapped over lines or with other quotation marks is still found. A text holds the record's
words where it has:

- a run of eight or more consecutive words of any of the record's texts (title, body,
  quotes, fields), in any of its versions, as written or as shown redacted;
- one of those texts of three to seven words, written whole;
- a phrase of two or more words in quotation marks (“…”, "…", ‘…’, «…», „…“) that is a
  run of words of its title or of one of its quotes.

Knowingly not found: a shorter passage that is neither quoted nor a whole text of the
record; a paraphrase; a quote with a word added, left out or misspelt.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable

from .names import _decoded, _words  # the name matcher's own folding, so both agree

RUN = 8  # consecutive words that are a passage wherever they stand
WHOLE = 3  # the fewest words a whole text needs to be cut wherever it stands
QUOTED = 2  # the fewest words of a quoted phrase of the title or a quote
MARKER = "[words of an erased record]"
_QUOTED = re.compile(r"“([^“”]{1,400})”|\"([^\"]{1,400})\"|‘([^‘’]{1,400})’|«([^«»]{1,400})»"
                     r"|„([^„“”]{1,400})[“”]")  # fmt: skip


def _folded(text: str) -> tuple[str, ...]:
    return tuple(word for word, _, _ in _words(_decoded(text)[0]))


class Passages:
    """The words of one erased record, ready to be found in other texts."""

    def __init__(self, texts: Iterable[str], quotable: Iterable[str]) -> None:
        """``texts``: everything the record said; ``quotable``: its title and quotes."""
        self.phrases: set[tuple[str, ...]] = set()
        for words in {_folded(t) for t in texts if t}:
            if WHOLE <= len(words) < RUN:
                self.phrases.add(words)
            self.phrases.update(words[i : i + RUN] for i in range(len(words) - RUN + 1))
        self.quoted: set[tuple[str, ...]] = set()
        for words in {_folded(t) for t in quotable if t}:
            for size in range(QUOTED, min(RUN, len(words)) + 1):
                self.quoted.update(words[i : i + size] for i in range(len(words) - size + 1))
        self.firsts = frozenset(p[0] for p in self.phrases)
        self.sizes = sorted({len(p) for p in self.phrases}, reverse=True)
        self.vocabulary = frozenset(w for p in (*self.phrases, *self.quoted) for w in p)

    def cut(self, text: str, marker: str = MARKER) -> str:
        """``text`` with every passage of the record's words replaced by ``marker``."""
        if not text or not self.vocabulary:
            return text
        decoded, starts, ends = _decoded(text)
        words = _words(decoded)
        folded = [w for w, _, _ in words]
        if self.vocabulary.isdisjoint(folded):
            return text
        covered = self._runs(folded) | self._quoted(decoded, words)
        if not covered:
            return text
        out, last = [], 0
        for first, end in _spans(sorted(covered)):
            start, stop = words[first][1], words[end][2]
            if starts is not None and ends is not None:
                start, stop = starts[start], ends[stop - 1]
            out += [text[last:start], marker]
            last = stop
        out.append(text[last:])
        return "".join(out)

    def _runs(self, folded: list[str]) -> set[int]:
        """The words of ``folded`` inside a long run or a whole short text of the record."""
        covered: set[int] = set()
        for i, word in enumerate(folded):
            if word not in self.firsts:
                continue
            for size in self.sizes:
                run = tuple(folded[i : i + size])
                if len(run) == size and run in self.phrases:  # short near the end: not a run
                    covered.update(range(i, i + size))
                    break
        return covered

    def _quoted(self, decoded: str, words: list[tuple[str, int, int]]) -> set[int]:
        """The words of each quoted phrase that is a run of the title or of a quote."""
        covered: set[int] = set()
        if not self.quoted:
            return covered
        starts = [start for _, start, _ in words]
        for match in _QUOTED.finditer(decoded):
            inside = range(bisect_left(starts, match.start()), bisect_left(starts, match.end()))
            if len(inside) >= QUOTED and tuple(words[i][0] for i in inside) in self.quoted:
                covered.update(inside)
        return covered


def _spans(indices: list[int]) -> Iterable[tuple[int, int]]:
    """Consecutive word indices as (first, last) pairs."""
    first = prev = indices[0]
    for i in indices[1:]:
        if i != prev + 1:
            yield first, prev
            first = i
        prev = i
    yield first, prev
