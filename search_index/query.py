"""The search query language, parsed into a small tree.

Words, ``"phrases"``, ``AND``/``OR``/``NOT``/``-word``, parentheses and field filters
(``indicator:SO1.2``, ``locality:"The Ferry"``, ``date:2024-01-01..2024-06-30``). Anything
that does not parse is read again as plain words: a query never raises.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from . import text

MAX_LENGTH = 500  # characters kept from a query
MAX_DEPTH = 16  # nested parentheses
MAX_CLAUSES = 64  # words, phrases and filters

FIELDS = {
    "indicator": "indicator",
    "indicators": "indicator",
    "type": "type",
    "locality": "locality",
    "authority": "authority",
    "tag": "tag",
    "tags": "tag",
    "objective": "objective",
    "objectives": "objective",
    "activity": "activity",
    "activities": "activity",
    "consent": "consent",
    "author": "author",
    "date": "date",
    "code": "code",
    "codes": "code",
}


@dataclass(frozen=True)
class Word:
    text: str


@dataclass(frozen=True)
class Phrase:
    text: str


@dataclass(frozen=True)
class Filter:
    """A field filter; for ``date`` the value is ``(first, last)`` ISO dates (None = open);
    ``alternatives``: values that match as well (a code's children, given by the caller)."""

    name: str
    value: str | tuple[str | None, str | None]
    alternatives: tuple[str, ...] = ()

    @property
    def values(self) -> list[str]:
        """Every value that matches (not for ``date``)."""
        return [self.value, *self.alternatives]  # type: ignore[list-item]


@dataclass(frozen=True)
class And:
    items: tuple


@dataclass(frozen=True)
class Or:
    items: tuple


@dataclass(frozen=True)
class Not:
    item: object


class ParseError(ValueError):
    pass


_TOKEN = re.compile(
    r"""
     (?P<space>\s+)
    |(?P<open>\()
    |(?P<close>\))
    |(?P<field>(?P<name>[A-Za-z]+):(?:"(?P<quoted>[^"]*)"|(?P<value>[^\s()"]+)))
    |(?P<phrase>"(?P<text>[^"]*)")
    |(?P<minus>-(?=[^\s\-)]))
    |(?P<word>[^\s()"]+)
    |(?P<bad>.)
    """,
    re.VERBOSE,
)
_OPERATORS = {"AND", "OR", "NOT"}
_KINDS = ("space", "open", "close", "field", "phrase", "minus", "word", "bad")


def clean(query: str) -> str:
    """The query without control characters, cut to :data:`MAX_LENGTH`."""
    query = (query or "")[: MAX_LENGTH * 2]
    query = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in query)
    return query[:MAX_LENGTH].strip()


def parse(query: str):
    """The query's tree, or None for an empty query. Never raises."""
    query = clean(query)
    if not query:
        return None
    try:
        return _Parser(_tokens(query)).parse()
    except (ParseError, RecursionError):
        return plain(query)


def plain(query: str):
    """The query read as plain words, all required."""
    words = [Word(m.group()) for m in text.WORD.finditer(query)][:MAX_CLAUSES]
    return _join(And, words)


def _tokens(query: str) -> list[tuple[str, object]]:
    found: list[tuple[str, object]] = []
    pos = 0
    while pos < len(query):
        m = _TOKEN.match(query, pos)
        kind = next(k for k in _KINDS if m.group(k) is not None)
        if kind == "field" and m.group("name").lower() not in FIELDS:
            # Not one of ours ("http://..."): the name is a word, the rest lexed on.
            found.append(("word", Word(m.group("name"))))
            pos = m.start("name") + len(m.group("name")) + 1
            continue
        pos = m.end()
        if kind == "space":
            continue
        if kind == "bad":
            raise ParseError(f"unexpected {m.group()!r}")
        if kind == "field":
            value = m.group("quoted") if m.group("quoted") is not None else m.group("value")
            found.append(("field", _filter(FIELDS[m.group("name").lower()], value)))
        elif kind == "phrase":
            found.append(("phrase", Phrase(m.group("text"))))
        elif kind == "word" and m.group() in _OPERATORS:
            found.append((m.group(), None))
        elif kind == "word":
            found.append(("word", Word(m.group())))
        else:
            found.append((kind, None))
        if len(found) > MAX_CLAUSES * 2:
            raise ParseError("too many clauses")
    return found


def _filter(name: str, value: str) -> Filter:
    value = " ".join(value.split())
    if not value:
        raise ParseError(f"{name}: no value")
    if name != "date":
        return Filter(name, value)
    first, sep, last = value.partition("..")
    if not sep:
        first = last = value
    span = (_day(first, start=True) if first else None, _day(last, start=False) if last else None)
    if span == (None, None):
        raise ParseError("date: no bounds")
    return Filter("date", span)


def _day(value: str, start: bool) -> str:
    """An ISO day from ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (first or last day of it)."""
    parts = value.split("-")
    try:
        if len(parts) == 1 and len(parts[0]) == 4:
            year = int(parts[0])
            return date(year, 1, 1).isoformat() if start else date(year, 12, 31).isoformat()
        if len(parts) == 2:
            year, month = int(parts[0]), int(parts[1])
            day = 1 if start else calendar.monthrange(year, month)[1]
            return date(year, month, day).isoformat()
        if len(parts) == 3:
            return date.fromisoformat(value).isoformat()
    except ValueError as error:
        raise ParseError(f"date: {value!r}") from error
    raise ParseError(f"date: {value!r}")


def _join(kind, items):
    items = [i for i in items if i is not None]
    if not items:
        return None
    if len(items) == 1:
        return items[0]
    return kind(tuple(items))


class _Parser:
    def __init__(self, tokens: list[tuple[str, object]]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> str:
        return self.tokens[self.pos][0] if self.pos < len(self.tokens) else "end"

    def take(self) -> tuple[str, object]:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def parse(self):
        node = self.either(0)
        if self.peek() != "end":
            raise ParseError("unexpected text after the query")
        return node

    def either(self, depth: int):
        items = [self.both(depth)]
        while self.peek() == "OR":
            self.take()
            items.append(self.both(depth))
        return Or(tuple(items)) if len(items) > 1 else items[0]

    def both(self, depth: int):
        items = [self.unary(depth)]
        while self.peek() not in ("OR", "close", "end"):
            if self.peek() == "AND":
                self.take()
            items.append(self.unary(depth))
        return And(tuple(items)) if len(items) > 1 else items[0]

    def unary(self, depth: int):
        if self.peek() in ("NOT", "minus"):
            self.take()
            if depth > MAX_DEPTH:
                raise ParseError("too deep")
            return Not(self.unary(depth + 1))
        return self.atom(depth)

    def atom(self, depth: int):
        kind = self.peek()
        if kind == "open":
            if depth >= MAX_DEPTH:
                raise ParseError("too deep")
            self.take()
            node = self.either(depth + 1)
            if self.peek() != "close":
                raise ParseError("unclosed parenthesis")
            self.take()
            return node
        if kind in ("word", "phrase", "field"):
            return self.take()[1]
        raise ParseError(f"unexpected {kind}")


def expand(node, name: str, more: Callable[[str], Iterable[str]]):
    """The tree with each ``name:`` filter matching ``more(value)`` as well (the search layer
    knows nothing of what a value stands for: the caller says)."""
    if isinstance(node, Filter) and node.name == name:
        return Filter(name, node.value, tuple(v for v in more(node.value) if v != node.value))
    if isinstance(node, And | Or):
        return type(node)(tuple(expand(item, name, more) for item in node.items))
    if isinstance(node, Not):
        return Not(expand(node.item, name, more))
    return node


def positive_words(node) -> list[str]:
    """The words and phrases a match must or may contain (not those under NOT)."""
    if isinstance(node, Word | Phrase):
        return [node.text]
    if isinstance(node, And | Or):
        return [w for item in node.items for w in positive_words(item)]
    return []


def split_filters(node) -> tuple[object, list[Filter]]:
    """The query without its top-level field filters, and those filters (all required)."""
    if isinstance(node, Filter):
        return None, [node]
    if isinstance(node, And):
        filters = [i for i in node.items if isinstance(i, Filter)]
        rest = [i for i in node.items if not isinstance(i, Filter)]
        return _join(And, rest), filters
    return node, []
