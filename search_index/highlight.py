"""Snippets: a short piece of a hit's text with the matched words in ``<mark>``.

Everything but the ``<mark>`` tags is HTML-escaped. Only the page's hits are highlighted.
"""

from __future__ import annotations

import re
from html import escape

from . import text

WIDTH = 220  # characters in a snippet


def snippet(
    body: str, terms: frozenset[str], width: int = WIDTH, matches: list | None = None
) -> str:
    """The best window of ``body`` for ``terms``, as safe HTML (``matches``: the text's
    :func:`found_in` when the caller has it already)."""
    if not body:
        return ""
    if matches is None:
        matches = _matches(body, terms) if terms else []
    if not matches:
        return _cut(body, 0, width)
    start, end = _best_window(matches, width)
    begin = max(0, min(start, end - width // 2) - width // 4)
    begin = _word_start(body, begin)
    stop = _word_end(body, max(end, begin + width))
    out = ["…" if begin > 0 else ""]
    cursor = begin
    for s, e, _ in matches:
        if s < begin or e > stop:
            continue
        out.append(escape(body[cursor:s]))
        out.append(f"<mark>{escape(body[s:e])}</mark>")
        cursor = e
    out.append(escape(body[cursor:stop]))
    out.append("…" if stop < len(body) else "")
    return _squash("".join(out))


def found_in(body: str, terms: frozenset[str]) -> list[tuple[int, int, str]]:
    """(start, end, term) of every word of ``body`` indexed as one of ``terms``."""
    return _matches(body, terms) if body and terms else []


def _matches(body: str, terms: frozenset[str]) -> list[tuple[int, int, str]]:
    """(start, end, term) of every word of ``body`` indexed as one of ``terms``.

    Stemming only rewrites the end of a word (at most the stem's last two letters differ
    from the word's), so the text (lower-cased, accents folded letter for letter) is scanned
    in C for the stems' beginnings, and only the words starting there are stemmed.
    """
    scanned = body.lower()
    if not scanned.isascii():
        scanned = _NON_ASCII.sub(_fold_letter, scanned)
    if len(scanned) != len(body):  # a letter whose lower case is longer: read every word
        return [(s, e, t) for t, s, e in text.spans(body) if t in terms]
    found = []
    word = text.WORD
    term_of = text.term_of
    for m in _finder(terms).finditer(scanned):
        s = m.start()
        if s > 0:
            before = scanned[s - 1]
            if before.isalnum() or before == "_":
                continue  # inside a word
            if before == "." and s > 1 and (scanned[s - 2].isalnum() or scanned[s - 2] == "_"):
                continue  # inside a dotted word such as "SO1.2"
        w = word.match(body, s)
        if w:
            term = term_of(w.group().lower())
            if term in terms:
                found.append((s, w.end(), term))
    return found


_finders: dict[frozenset[str], re.Pattern] = {}
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _fold_letter(match: re.Match) -> str:
    base = text.fold(match.group())
    return base if len(base) == 1 else match.group()


def _finder(terms: frozenset[str]) -> re.Pattern:
    found = _finders.get(terms)
    if found is None:
        heads = sorted({t[: max(1, len(t) - 3)] for t in terms}, key=len, reverse=True)
        if len(_finders) > 512:
            _finders.clear()
        found = _finders[terms] = re.compile("|".join(map(re.escape, heads)))
    return found


def _best_window(matches: list[tuple[int, int, str]], width: int) -> tuple[int, int]:
    """The span of the match window (up to ``width`` chars) with the most distinct terms."""
    best = (0, matches[0][0], matches[0][1])
    left = 0
    for right in range(len(matches)):
        while matches[right][1] - matches[left][0] > width:
            left += 1
        window = matches[left : right + 1]
        score = len({t for _, _, t in window}) * 100 + len(window)
        if score > best[0]:
            best = (score, window[0][0], window[-1][1])
    return best[1], best[2]


def _word_start(body: str, pos: int) -> int:
    if pos <= 0:
        return 0
    space = body.rfind(" ", 0, pos)
    return space + 1 if space >= 0 and pos - space < 30 else pos


def _word_end(body: str, pos: int) -> int:
    if pos >= len(body):
        return len(body)
    space = body.find(" ", pos)
    return space if 0 <= space - pos < 30 else pos


def _cut(body: str, start: int, width: int) -> str:
    stop = _word_end(body, start + width)
    return _squash(escape(body[start:stop]) + ("…" if stop < len(body) else ""))


def _squash(html: str) -> str:
    return " ".join(html.split())
