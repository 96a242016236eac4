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
from .query import And, Filter, Not, Phrase, Word, positive_words, split_filters
from .results import FACETS, Hit, Results
from .schema import unpack
from .view import View

MAX_PER_PAGE = 100
FILTER_KEYS = ("indicator", "type", "locality", "authority", "tag", "objective", "activity",
               "consent", "author")


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


def _tags(view: View, part: Part, values: list[str]) -> int:
    if not part.external:
        return view.any_of("tag", values)
    redacted = view.bits("redacted", "1")
    return (view.any_of("tag", values) & ~redacted) | (view.any_of("xtag", values) & redacted)


def filter_bits(view: View, part: Part, filters: dict | None, nodes: list[Filter]) -> int:
    """Documents passing the ``filters`` argument and the query's own top-level filters."""
    allowed = part.allowed
    for key, value in (filters or {}).items():
        values = [value] if isinstance(value, str) else [v for v in (value or []) if v]
        if not values or key not in FILTER_KEYS:
            continue
        allowed &= _tags(view, part, values) if key == "tag" else view.any_of(key, values)
    first, last = _valid_day((filters or {}).get("from")), _valid_day((filters or {}).get("to"))
    if first or last:
        allowed &= view.between(first, last)
    for node in nodes:
        if node.name == "date":
            allowed &= view.between(*node.value)
        elif node.name == "tag":
            allowed &= _tags(view, part, [node.value])
        else:
            allowed &= view.any_of(node.name, [node.value])
    return allowed


def _valid_day(value) -> str | None:
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        return value.strip()
    return None


def term_query(view: View, part: Part, term: str):
    """A stemmed term in the title or body, as the part's audience may match it."""
    q = wq.Or([wq.Term("title", term), wq.Term("body", term)])
    if part.external:
        if term in view.values("xmask"):
            q = wq.AndNot(q, wq.Term("xmask", term))
        if term in view.values("xadd"):
            q = wq.Or([q, wq.Term("xadd", term)])
    return q


def _phrase_query(view: View, part: Part, terms: list[tuple[str, int]]):
    q = wq.Or([OffsetPhrase("title", terms), OffsetPhrase("body", terms)])
    if part.external:
        masked = [wq.Term("xmask", t) for t, _ in terms if t in view.values("xmask")]
        if masked:
            q = wq.AndNot(q, wq.Or(masked))
    return q


def to_whoosh(node, view: View, part: Part):
    """The Whoosh query for a tree (None when nothing in it can match a word)."""
    if isinstance(node, Word | Phrase):
        terms = text.query_terms(node.text)
        if not terms:
            return None
        if len(terms) == 1:
            return term_query(view, part, terms[0][0])
        return _phrase_query(view, part, terms)
    if isinstance(node, Filter):
        if node.name == "date":
            first, last = node.value
            return wq.TermRange("date", first, last)
        if node.name == "tag" and part.external:
            return wq.Or([wq.AndNot(_key_query(view, "tag", node.value), wq.Term("redacted", "1")),
                          _key_query(view, "xtag", node.value)])
        return _key_query(view, node.name, node.value)
    if isinstance(node, Not):
        inner = to_whoosh(node.item, view, part)
        return wq.Not(inner) if inner is not None else None
    kind = wq.And if isinstance(node, And) else wq.Or
    items = [q for q in (to_whoosh(i, view, part) for i in node.items) if q is not None]
    if not items:
        return None
    return items[0] if len(items) == 1 else kind(items)


def _key_query(view: View, field: str, value: str):
    names = view.resolve(field, value)
    return wq.Or([wq.Term(field, n) for n in names]) if names else wq.NullQuery


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
    redacted = part.external and "xtext" in data
    body = data["xtext"] if redacted else data["text"]
    title = data["xtitle"] if redacted else data["title"]
    return Hit(id=stored["id"], title=title, type=data["type"], date=data["date"],
               locality=data["locality"], score=round(float(score), 4),
               highlight=highlight.snippet(body, terms))
