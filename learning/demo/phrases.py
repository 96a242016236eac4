"""Choosing and joining sentences: picking templates, topics, lines for an indicator."""

from __future__ import annotations

import random
import re

from .plan import Skeleton, _weighted
from .text import INDICATOR_LINES, NUMBER_WORDS, TOPICS, Topic
from .writer import _cap, _NoNames, _Writer

# How often each topic (by its tag in text.yaml) comes up.
TOPIC_WEIGHTS = {
    "housing": 10,
    "money": 12,
    "school": 12,
    "childcare": 7,
    "mental health": 10,
    "food": 7,
    "transport": 5,
    "play": 5,
    "youth": 5,
    "health": 7,
    "work": 4,
    "isolation": 6,
    "family support": 10,
}
# The initial that stands for each record type in text.yaml's indicator_lines.
TYPE_INITIAL = {
    "family_story": "F",
    "cafe_conversation": "C",
    "vble_evaluation": "V",
    "event": "E",
    "test_of_change": "T",
    "fund_decision": "M",
}


def _pick(rng: random.Random, writer: _Writer, options: tuple[str, ...], k: int = 1) -> list[str]:
    """Up to ``k`` distinct filled templates; ones needing a name are skipped if none may be."""
    pool = list(options)
    rng.shuffle(pool)
    out: list[str] = []
    for template in pool:
        if len(out) >= k:
            break
        if template[1:2] == "|":
            if template[0].lower() != writer.main.gender:
                continue
            template = template[2:]
        point = writer.checkpoint()
        try:
            text = writer.fill(template)
        except _NoNames:
            writer.restore(point)
            continue
        if text in out:
            writer.restore(point)
            continue
        out.append(_cap(text))
    return out


def _one(rng: random.Random, writer: _Writer, options: tuple[str, ...]) -> str:
    got = _pick(rng, writer, options)
    return got[0] if got else ""


def _words(n: int) -> str:
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else str(n)


def _topics(rng: random.Random, k: int, first: str | None = None) -> list[Topic]:
    names = [first] if first in TOPICS else []
    pool = [(t, w) for t, w in TOPIC_WEIGHTS.items()]
    while len(names) < k:
        name = _weighted(rng, [(t, w) for t, w in pool if t not in names])
        names.append(name)
    return [TOPICS[n] for n in names]


def _names_allowed(rng: random.Random, consent: str) -> bool:
    return rng.random() < {"internal": 0.85, "anonymised": 0.8, "public": 0.45}[consent]


def _indicator_line(sk: Skeleton, writer: _Writer, rng: random.Random) -> str:
    """A sentence showing what the record says about one of its indicators, if one fits."""
    initial = TYPE_INITIAL.get(sk.type, "")
    options = tuple(
        text
        for code in sk.indicators
        for text, types in INDICATOR_LINES.get(code, ())
        if not types or initial in types
    )
    if not options or rng.random() >= 0.75:
        return ""
    return _one(rng, writer, options)


_STOP = frozenset(
    "that with from have they were once their been this since into what when then than only "
    "first family families now there which about after every".split()
)


def _keywords(text: str) -> set[str]:
    return {w[:6] for w in re.findall(r"[a-z]{4,}", text.lower()) if w not in _STOP}


def _related(rng: random.Random, anchor: str, options: tuple[str, ...]) -> tuple[str, ...]:
    """``options`` with those sharing most words with ``anchor`` first (ties in random order)."""
    words = _keywords(anchor)
    keyed = [(-len(words & _keywords(o)), rng.random(), o) for o in options]
    return tuple(o for _, _, o in sorted(keyed))


def _join(*sentences: str) -> str:
    return " ".join(s for s in sentences if s)


def _bullets(heading: str, items: list[str]) -> str:
    lines = [f"**{heading}**", ""] if heading else []
    return "\n".join([*lines, *(f"- {_cap(i)}" for i in items)])


def _quotes(
    rng: random.Random,
    writer: _Writer,
    family: tuple[str, ...],
    practitioner: tuple[str, ...],
    n_family: int,
    n_pract: int,
) -> list[str]:
    quotes = _pick(rng, writer, family, n_family) + _pick(rng, writer, practitioner, n_pract)
    return quotes
