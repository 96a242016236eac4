"""'Did you mean': corrections from the index's own words, checked against the audience.

A word counts as known when it matches something the audience may see; a correction is
offered only if it does too, so a name in an internal record never leaks as a suggestion.
"""

from __future__ import annotations

import re

from whoosh import query as wq

from . import bits, text
from .searching import Part
from .view import View

MAX_CANDIDATES = 12


def has_hits(view: View, part: Part, term: str) -> bool:
    """Whether a stemmed term occurs in a document the part allows."""
    if not part.allowed:
        return False
    allowed = bits.BitFilter(part.allowed)
    q = wq.Or([wq.Term(part.title, term), wq.Term(part.body, term)])
    return any(doc in allowed for doc in view.searcher.docs_for_query(q))


def _known(view: View, parts: list[Part], word: str) -> bool:
    term = text.stem(word)
    return any(has_hits(view, part, term) for part in parts)


def correction(view: View, parts: list[Part], word: str) -> str | None:
    """The closest known word to a misspelt one, or None."""
    maxdist = 1 if len(word) <= 4 else 2
    reader = view.reader
    candidates = set(reader.terms_within("words", word, maxdist, prefix=1))
    if not candidates and maxdist > 1:
        candidates = set(reader.terms_within("words", word, maxdist, prefix=0))
    ranked = sorted(candidates - {word},
                    key=lambda c: (_distance(c, word), -reader.doc_frequency("words", c), c))
    for candidate in ranked[:MAX_CANDIDATES]:
        if _known(view, parts, candidate):
            return candidate
    return None


def suggest(view: View, parts: list[Part], query: str, words: list[str]) -> str | None:
    """The query with each unknown word corrected, or None if every word is known."""
    changed = query
    replaced = False
    for raw in dict.fromkeys(m.group() for w in words for m in text.WORD.finditer(w)):
        word = text.normalise(raw)
        if text.is_stop(word) or word[0].isdigit() or _known(view, parts, word):
            continue
        better = correction(view, parts, word)
        if better is None:
            continue
        pattern = re.compile(rf"(?<!\w){re.escape(raw)}(?!\w)", re.IGNORECASE)
        changed = pattern.sub(lambda _m, b=better: b, changed)
        replaced = True
    return changed if replaced else None


def _distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]
