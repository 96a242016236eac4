"""'Did you mean': corrections from the index's own words, checked against the audience.

Candidates are the indexed (stemmed) terms of ``title``, ``body`` and ``attext`` within a
small edit distance; the first one the audience can actually find wins, and is shown as a word
read from a matching record's text (``hous`` is shown as "housing"). A word counts as known when
it matches something the audience may see, so a name in an internal record, or one
redacted for external readers, is never offered as a suggestion.
"""

from __future__ import annotations

import re

from . import bits, text
from .schema import texts, unpack
from .searching import Part, word_bits
from .view import View

MAX_CANDIDATES = 12


def hits(view: View, part: Part, term: str, limit: int = 1) -> list[int]:
    """Up to ``limit`` documents the part allows that hold the stemmed term."""
    found: list[int] = []
    matched = word_bits(view, part, term) & part.allowed if part.allowed else 0
    for doc in bits.docs(matched):
        found.append(doc)
        if len(found) >= limit:
            break
    return found


def _candidates(view: View, term: str, maxdist: int, team: bool) -> set[str]:
    found: set[str] = set()
    # For the team, the hidden attachments' words too (a candidate counts only if the
    # audience can find it); outside it they never can, and their table is the biggest.
    for field in ("body", "title", *(view.team_fields[2:] if team else ())):
        found.update(view.reader.terms_within(field, term, maxdist, prefix=1))
    return found - {term}


def correction(view: View, parts: list[Part], word: str) -> str | None:
    """The closest word the audience can find to a misspelt one, or None (remembered by the
    searcher: each page of a query's results asks again, and a big index's candidates take a
    tenth of a second or more to find)."""
    key = ("correction", word, tuple(part.external for part in parts))
    found = view.remembered.get(key, _UNKNOWN)
    if found is _UNKNOWN:
        found = view.remembered[key] = _correction(view, parts, word)
    return found


_UNKNOWN = object()


def _correction(view: View, parts: list[Part], word: str) -> str | None:
    term = text.stem(word)
    maxdist = 1 if len(word) <= 4 else 2
    found = _candidates(view, term, maxdist, any(not part.external for part in parts))
    reader = view.reader
    ranked = sorted(found, key=lambda c: (_distance(c, term), -reader.doc_frequency("body", c), c))
    for candidate in ranked[:MAX_CANDIDATES]:
        for part in parts:
            docs = hits(view, part, candidate, limit=5)
            if docs:
                return _surface(view, docs, candidate, part.external, word) or candidate
    return None


def _surface(view: View, docs: list[int], term: str, external: bool, typed: str) -> str | None:
    """The written form of the term in records holding it, closest to what was typed."""
    forms = set()
    for doc in docs:
        data = unpack(view.searcher.stored_fields(doc)["hit"])
        redacted = external and "xtext" in data
        title = data["xtitle"] if redacted else data["title"]
        for source in (title, *(shown for _, _, shown in texts(data, external))):
            forms.update(text.normalise(source[s:e]) for t, s, e in text.spans(source) if t == term)
    return min(forms, key=lambda f: (_distance(f, typed), f)) if forms else None


def suggest(view: View, parts: list[Part], query: str, words: list[str]) -> str | None:
    """The query with each unknown word corrected, or None if every word is known."""
    changed = query
    replaced = False
    for raw in dict.fromkeys(m.group() for w in words for m in text.WORD.finditer(w)):
        word = text.normalise(raw)
        if text.is_stop(word) or word[0].isdigit():
            continue
        if any(hits(view, part, text.stem(word)) for part in parts):
            continue
        better = correction(view, parts, word)
        if better is None or better == word:
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
