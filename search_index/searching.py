"""Running one search on a :class:`View`: consent, filters, facets, hits, suggestion.

Consent is part of the query. Internal searches look at every live document through the
staff fields (``title``, ``body`` and ``attext``, the attachments hidden outside the team).
External searches read only ``title`` and ``body`` of the ``public`` and ``anonymised``
records, names masked where the text they are shown is redacted (``xmask``/``xadd``).
"""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass

import numpy as np

from evidence.consent import EXTERNAL

from . import bits, highlight, text
from .query import And, Filter, Not, Phrase, Word, positive_words, split_filters
from .results import FACETS, Hit, Results
from .schema import texts, unpack
from .view import VECTOR_MIN, View

MAX_PER_PAGE = 100
FILTER_KEYS = (
    "indicator",
    "type",
    "locality",
    "authority",
    "tag",
    "objective",
    "activity",
    "consent",
    "author",
)


@dataclass
class Part:
    """The documents an audience may see, and how its queries read names."""

    allowed: int
    external: bool = False


def parts(view: View, audience: str) -> list[Part]:
    """What an audience searches (one part; a list so callers need not care)."""
    if audience != EXTERNAL:
        return [Part(view.live)]
    shareable = view.bits("consent", "public") | view.bits("consent", "anonymised")
    return [Part(shareable, external=True)]


# Filters on what redaction changes: outside the team a redacted record matches its tags and
# author as shown ("Person A"), never as written.
SHOWN = {"tag": "xtag", "author": "xauthor"}


def _shown(view: View, part: Part, key: str, values: list[str]) -> int:
    """Documents whose ``key`` holds one of ``values`` as the part's audience is shown it."""
    if not part.external or key not in SHOWN:
        return view.any_of(key, values)
    redacted = view.bits("redacted", "1")
    return (view.any_of(key, values) & ~redacted) | (view.any_of(SHOWN[key], values) & redacted)


def filter_bits(view: View, part: Part, filters: dict | None, nodes: list[Filter]) -> int:
    """Documents passing the ``filters`` argument and the query's own top-level filters."""
    allowed = part.allowed
    for key, value in (filters or {}).items():
        values = [value] if isinstance(value, str) else [v for v in (value or []) if v]
        if not values or key not in FILTER_KEYS:
            continue
        allowed &= _shown(view, part, key, values)
    first, last = _valid_day((filters or {}).get("from")), _valid_day((filters or {}).get("to"))
    if first or last:
        allowed &= view.between(first, last)
    for node in nodes:
        if node.name == "date":
            allowed &= view.between(*node.value)
        else:
            allowed &= _shown(view, part, node.name, node.values)
    return allowed


def _valid_day(value) -> str | None:
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        return value.strip()
    return None


def word_bits(view: View, part: Part, term: str) -> int:
    """Documents holding a stemmed term in the text the part's audience searches."""
    found = view.word_bits(term, team=not part.external)
    if part.external:
        if term in view.values("xmask"):
            found &= ~view.bits("xmask", term)
        if term in view.values("xadd"):
            found |= view.bits("xadd", term)
    return found


def term_data(view: View, part: Part, term: str):
    """A word's scores as the part's audience reads the documents: outside the team a masked
    name is not there, so it adds nothing to a score nor to its word's idf."""
    if not part.external:
        return view.term_data(term)
    if term in view.values("xmask"):
        return view.term_data_outside(term)
    return view.term_data_shown(term)


def phrase_bits(view: View, part: Part, terms: list[tuple[str, int]]) -> int:
    """Documents with the phrase (stop-word gaps kept) in one of the fields the part's
    audience searches (title, body; for the team, the hidden attachments' text too)."""
    first = terms[0][1]
    words = [(t, o - first) for t, o in terms]
    candidates = view.live
    team = not part.external
    for term in dict.fromkeys(t for t, _ in words):
        candidates &= view.word_bits(term, team=team)
        if not candidates:
            return 0
    found = (view.phrase_bits("title", words) | view.phrase_bits("body", words)) & candidates
    if team and "attext" in view.team_fields and candidates & ~found:
        # Only the records holding every word and not found already: where a segment has
        # no side file holding attext, reading its positions is the slow way. A side file
        # answers for every document of its segment, so the candidates are kept here.
        found |= view.phrase_bits("attext", words, within=candidates & ~found) & candidates
    if part.external:
        for term, _ in words:
            if term in view.values("xmask"):
                found &= ~view.bits("xmask", term)
    return found


def evaluate(node, view: View, part: Part) -> int | None:
    """The documents matching a tree (None when nothing in it can match a word)."""
    if isinstance(node, Word | Phrase):
        terms = text.query_terms(node.text)
        if not terms:
            return None
        if len(terms) == 1:
            return word_bits(view, part, terms[0][0])
        return phrase_bits(view, part, terms)
    if isinstance(node, Filter):
        if node.name == "date":
            return view.between(*node.value)
        return _shown(view, part, node.name, node.values)
    if isinstance(node, Not):
        inner = evaluate(node.item, view, part)
        return view.live & ~inner if inner is not None else None
    items = [b for b in (evaluate(i, view, part) for i in node.items) if b is not None]
    if not items:
        return None
    found = items[0]
    for other in items[1:]:
        found = found & other if isinstance(node, And) else found | other
    return found


def run(
    view: View, tree, filters: dict | None, page: int, per_page: int, audience: str, sort: str
) -> Results:
    """One page of results for a parsed query."""
    page = max(1, int(page or 1))
    per_page = max(1, min(MAX_PER_PAGE, int(per_page or 20)))
    text_node, nodes = split_filters(tree)
    terms = frozenset(t for w in positive_words(text_node) for t, _ in text.query_terms(w))
    matched = []
    searched = parts(view, audience)
    for part in searched:
        allowed = filter_bits(view, part, filters, nodes)
        found = evaluate(text_node, view, part) if text_node is not None and allowed else None
        if found is not None:
            allowed &= found
        elif text_node is not None and positive_words(text_node):
            allowed = 0  # only stop words, or NOT of nothing: match nothing
        matched.append(allowed)
    everything = 0
    for found in matched:
        everything |= found
    need = page * per_page
    by_score = sort != "date" and bool(terms)
    if by_score:
        ranked = _by_score(view, terms, matched, need, searched)
    else:
        ranked = _by_date(view, matched, need)
    start = (page - 1) * per_page
    hits = [_hit(view, doc, score, searched[i], terms) for score, doc, i in ranked[start:need]]
    return Results(
        hits=hits,
        total=everything.bit_count(),
        facets=facets(view, everything),
        page=page,
        per_page=per_page,
    )


def _by_score(view: View, terms, matched, need, searched) -> list[tuple[float, int, int]]:
    """The ``need`` best matches by BM25F over the query's positive words."""
    found = []
    terms = sorted(terms)
    for i, allowed in enumerate(matched):
        if not allowed:
            continue
        data = [term_data(view, searched[i], t) for t in terms]
        if len(terms) == 1:
            best = _best_one(view, data[0], allowed, need)
        else:
            best = _best_many(view, data, allowed, need)
        found.extend((score, doc, i) for score, doc in best)
    found.sort(key=lambda h: (-h[0], h[1]))
    return found


def _best_one(view: View, data, allowed: int, need: int) -> list[tuple[float, int]]:
    """Top documents for one word: walk each segment's documents by descending score."""
    raw = allowed.to_bytes((allowed.bit_length() + 8) >> 3, "little")
    size = len(raw) << 3
    flags = None  # the allowed set as a numpy array of booleans, made for the first long list
    found = []
    for term, (_, offset, _) in zip(data, view.leaves, strict=True):
        docs, scores = term.docs, term.scores
        if len(docs) >= VECTOR_MIN:
            # The same walk in numpy: the first ``need`` allowed documents by descending score.
            if flags is None:
                flags = np.unpackbits(np.frombuffer(raw, dtype=np.uint8), bitorder="little")
            order = np.frombuffer(term.order(), dtype=np.uint32)
            ids = np.frombuffer(docs, dtype=np.uint32)[order].astype(np.int64) + offset
            inside = ids < size
            ok = np.zeros(len(ids), dtype=bool)
            ok[inside] = flags[ids[inside]].astype(bool)
            for j in order[ok][:need].tolist():
                found.append((-scores[j], docs[j] + offset))
            continue
        taken = 0
        for j in term.order():
            g = docs[j] + offset
            if g < size and raw[g >> 3] >> (g & 7) & 1:
                found.append((-scores[j], g))
                taken += 1
                if taken >= need:
                    break
    found.sort()
    best = [(-s, g) for s, g in found[:need]]
    if len(best) < need:  # matched without the word itself (an added external term)
        seen = {g for _, g in best}
        for g in bits.docs(allowed):
            if g not in seen:
                best.append((0.0, g))
                if len(best) >= need:
                    break
    return best


def _best_many(view: View, data, allowed: int, need: int) -> list[tuple[float, int]]:
    """Top documents for several words: sum each matching document's word scores."""
    heap: list[tuple[float, int]] = []
    for k, (_, offset, _) in enumerate(view.leaves):
        n = data[0][k].size
        local = (allowed >> offset) & ((1 << n) - 1)
        if not local:
            continue
        dense = [d[k].dense() for d in data if d[k].docs]
        docs = list(bits.docs(local))
        if not dense:
            scores = [0.0] * len(docs)
        elif len(dense) == 1:
            scores = list(map(dense[0].__getitem__, docs))
        else:
            scores = [sum(x) for x in zip(*(map(d.__getitem__, docs) for d in dense), strict=True)]
        # Ties go to the lower document, as the final order has them: else the hits cut at a
        # tie differ from page to page (a record shown twice, another never).
        best = heapq.nlargest(need, zip(scores, docs, strict=True), key=_by_score_then_doc)
        heap.extend((s, d + offset) for s, d in best)
    heap.sort(key=lambda h: (-h[0], h[1]))
    return heap[:need]


def _by_score_then_doc(hit: tuple[float, int]) -> tuple[float, int]:
    return hit[0], -hit[1]


def _by_date(view: View, matched, need) -> list[tuple[float, int, int]]:
    found = []
    for i, allowed in enumerate(matched):
        if allowed:
            found.extend((0.0, doc, i) for doc in view.newest(allowed, need))
    dates = view.date_of() if len(matched) > 1 else None
    if dates is not None:
        found.sort(key=lambda h: (dates[h[1]], h[1]), reverse=True)
    return found


def facets(view: View, matched: int) -> dict[str, dict[str, int]]:
    """Exact counts per value over the whole result set."""
    counts: dict[str, dict[str, int]] = {}
    for field in FACETS:
        found = {}
        if matched:
            for names in view.values(field).values():
                for name in names:
                    n = (matched & view.bits(field, name)).bit_count()
                    if n:
                        found[name] = n
        counts[field] = dict(sorted(found.items(), key=lambda kv: (-kv[1], kv[0])))
    return counts


def _hit(view: View, doc: int, score: float, part: Part, terms: frozenset[str]) -> Hit:
    stored = view.searcher.stored_fields(doc)
    data = unpack(stored["hit"])
    redacted = part.external and "xtext" in data
    title = data["xtitle"] if redacted else data["title"]
    shown = texts(data, part.external)
    # The snippet comes from the record's own text where the words are, else from the first
    # attachment (as the reader sees it) that holds them.
    source, matches = shown[0], []
    for candidate in shown:
        found = highlight.found_in(candidate[2], terms)
        if found:  # each text is scanned once, for the choice and the snippet alike
            source, matches = candidate, found
            break
    attachment, name, body = source
    return Hit(
        id=stored["id"],
        title=title,
        type=data["type"],
        date=data["date"],
        locality=data["locality"],
        score=round(float(score), 4),
        highlight=highlight.snippet(body, terms, matches=matches),
        attachment=attachment,
        attachment_name=name if attachment else None,
    )
