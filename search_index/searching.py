"""Running one search on a :class:`View`: consent, filters, facets, hits, suggestion.

Consent is part of the query. Internal searches look at every live document through the
staff fields. External searches are two disjoint parts: records shown as written
(``public``, and ``anonymised`` ones that name nobody) through the staff fields, and
redacted records through the external fields; internal records are in neither part.
"""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass

from whoosh import query as wq

from evidence.consent import EXTERNAL

from . import bits, highlight, text
from .phrase import OffsetPhrase
from .query import And, Filter, Not, Or, Phrase, Word, positive_words, split_filters
from .results import FACETS, Hit, Results
from .schema import unpack
from .view import View

MAX_PER_PAGE = 100
FILTER_KEYS = ("indicator", "type", "locality", "authority", "tag", "objective", "activity",
               "consent", "author")


@dataclass
class Part:
    """A slice of the index searched through one set of text fields."""

    title: str
    body: str
    tag: str
    allowed: int
    redacted: bool = False


def parts(view: View, audience: str) -> list[Part]:
    """The parts an audience searches, with the documents each may return."""
    if audience != EXTERNAL:
        return [Part("title", "body", "tag", view.live)]
    redacted = view.bits("redacted", "1")
    shareable = view.bits("consent", "public") | view.bits("consent", "anonymised")
    return [Part("title", "body", "tag", shareable & ~redacted),
            Part("xtitle", "xbody", "xtag", redacted, redacted=True)]


def filter_bits(view: View, part: Part, filters: dict | None, nodes: list[Filter]) -> int:
    """Documents passing the ``filters`` argument and the query's own top-level filters."""
    allowed = part.allowed
    for key, value in (filters or {}).items():
        values = [value] if isinstance(value, str) else [v for v in (value or []) if v]
        if not values or key not in FILTER_KEYS:
            continue
        allowed &= view.any_of(part.tag if key == "tag" else key, values)
    first, last = _valid_day((filters or {}).get("from")), _valid_day((filters or {}).get("to"))
    if first or last:
        allowed &= view.between(first, last)
    for node in nodes:
        if node.name == "date":
            allowed &= view.between(*node.value)
        else:
            allowed &= view.any_of(part.tag if node.name == "tag" else node.name, [node.value])
    return allowed


def _valid_day(value) -> str | None:
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        return value.strip()
    return None


def to_whoosh(node, view: View, part: Part):
    """The Whoosh query for a tree (None when nothing in it can match a word)."""
    if isinstance(node, Word | Phrase):
        terms = text.query_terms(node.text)
        if not terms:
            return None
        if len(terms) == 1:
            return wq.Or([wq.Term(part.title, terms[0][0]), wq.Term(part.body, terms[0][0])])
        return wq.Or([OffsetPhrase(part.title, terms), OffsetPhrase(part.body, terms)])
    if isinstance(node, Filter):
        if node.name == "date":
            first, last = node.value
            return wq.TermRange("date", first, last)
        field = part.tag if node.name == "tag" else node.name
        names = view.resolve(field, node.value)
        return wq.Or([wq.Term(field, n) for n in names]) if names else wq.NullQuery
    if isinstance(node, Not):
        inner = to_whoosh(node.item, view, part)
        return wq.Not(inner) if inner is not None else None
    kind = wq.And if isinstance(node, And) else wq.Or
    items = [q for q in (to_whoosh(i, view, part) for i in node.items) if q is not None]
    if not items:
        return None
    return items[0] if len(items) == 1 else kind(items)


def run(view: View, tree, filters: dict | None, page: int, per_page: int, audience: str,
        sort: str) -> Results:
    """One page of results for a parsed query."""
    page = max(1, int(page or 1))
    per_page = max(1, min(MAX_PER_PAGE, int(per_page or 20)))
    text_node, nodes = split_filters(tree)
    terms = frozenset(t for w in positive_words(text_node) for t, _ in text.query_terms(w))
    matched, queries = [], []
    searched = parts(view, audience)
    for part in searched:
        allowed = filter_bits(view, part, filters, nodes)
        q = to_whoosh(text_node, view, part) if text_node is not None and allowed else None
        if q is not None:
            allowed &= bits.from_docs(view.searcher.docs_for_query(q), view.size)
        elif text_node is not None and positive_words(text_node):
            allowed = 0  # only stop words, or NOT of nothing: match nothing
        matched.append(allowed)
        queries.append(q)
    everything = 0
    for found in matched:
        everything |= found
    need = page * per_page
    by_score = sort != "date" and bool(terms)
    ranked = (_by_score(view, queries, matched, need) if by_score
              else _by_date(view, matched, need))
    start = (page - 1) * per_page
    hits = [_hit(view, doc, score, searched[i], terms) for score, doc, i in ranked[start:need]]
    return Results(hits=hits, total=everything.bit_count(), facets=facets(view, everything),
                   page=page, per_page=per_page)


def _by_score(view, queries, matched, need) -> list[tuple[float, int, int]]:
    found = []
    for i, (q, allowed) in enumerate(zip(queries, matched, strict=True)):
        if q is None or not allowed:
            continue
        results = view.searcher.search(q, limit=need, filter=bits.BitFilter(allowed))
        found.extend((hit.score, hit.docnum, i) for hit in results)
    found.sort(key=lambda h: (-h[0], h[1]))
    return found


def _by_date(view, matched, need) -> list[tuple[float, int, int]]:
    dates = view.date_of()
    found = []
    for i, allowed in enumerate(matched):
        newest = heapq.nlargest(need, bits.docs(allowed, reverse=True),
                                key=lambda d: (dates[d], d))
        found.extend((0.0, doc, i) for doc in newest)
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
    redacted = part.redacted and "xtext" in data
    body = data["xtext"] if redacted else data["text"]
    title = data["xtitle"] if redacted else data["title"]
    return Hit(id=stored["id"], title=title, type=data["type"], date=data["date"],
               locality=data["locality"], score=round(float(score), 4),
               highlight=highlight.snippet(body, terms))
