"""The one name matcher: finds every way a listed name may be written in a text.

Redaction (``consent.redact_text``), the search index's stored text and masked terms, and
erasure's scrubbing all call :func:`replace_names`; nothing else compares text with names.

A text and a name are compared word by word after the same folding:

- HTML entities are decoded first (``Eil&#105;dh`` is ``Eilidh``);
- Unicode compatibility forms, accents and invisible format characters (soft hyphens,
  zero-width spaces) are dropped, and case is fully folded (``Zoë`` = ``Zoë`` = ``zoe``,
  ``Strauß`` = ``STRAUSS``, ``ﬁ`` = ``fi``);
- a word is a run of letters and digits: ``_``, ``*``, apostrophes (straight or curly),
  hyphens and all other punctuation are boundaries, so ``_Eilidh_``, ``eilidh_macphail``,
  ``O’Brien`` and ``Pennycook's`` all hold the name;
- Markdown emphasis inside a word (``Eil*i*dh``, ``Mac__Phail__``) is read as the word it
  renders as.

A name matches as the whole name (its words in order, separated by spaces, hyphens,
apostrophes or emphasis marks) or as any one of its words of two letters or more. Knowingly
not matched: nicknames and other names for the same person (``Liz`` for ``Elizabeth``), a
possessive written without an apostrophe (``Ailsas``), misspellings, and a name split by
anything but emphasis (``Ail-sa``).
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Sequence
from functools import lru_cache

# Combining marks and invisible format characters: dropped by folding, and read as part of
# the word they sit in.
_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_FORMAT = "\u00ad\u034f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff"
_IGNORED = re.compile(f"[{_MARKS}{_FORMAT}]+")
# A word: letters and digits, with any marks or format characters inside it.
_WORD = re.compile(rf"(?:[^\W_]|[{_MARKS}{_FORMAT}])+")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});?")
# What may stand inside one word without breaking it (Markdown emphasis and code marks).
_GLUE = re.compile(r"[*_~`]{1,3}")
# What may stand between the words of one name.
_BETWEEN = re.compile(r"[\s'’‘`*_~\-‐‑.]{1,6}")
_NOT_WORD = re.compile(r"[\W_]+")
_ASCII_NOT_WORD = bytes(c for c in range(128) if not chr(c).isalnum())
MIN_PART = 2


def fold(text: str) -> str:
    """The form names are compared in: no accents or format characters, case folded."""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKD", text).casefold()
    return _IGNORED.sub("", unicodedata.normalize("NFKD", text))


def _decoded(text: str) -> tuple[str, list[int] | None, list[int] | None]:
    """The text with HTML entities decoded, and each decoded character's span in ``text``."""
    if "&" not in text or not _ENTITY.search(text):
        return text, None, None
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    last = 0
    for match in _ENTITY.finditer(text):
        decoded = html.unescape(match.group())
        if decoded == match.group():
            continue
        out.append(text[last : match.start()])
        starts.extend(range(last, match.start()))
        ends.extend(range(last + 1, match.start() + 1))
        out.append(decoded)
        starts.extend([match.start()] * len(decoded))
        ends.extend([match.end()] * len(decoded))
        last = match.end()
    out.append(text[last:])
    starts.extend(range(last, len(text)))
    ends.extend(range(last + 1, len(text) + 1))
    return "".join(out), starts, ends


class _Names:
    """The names of a list of people, folded into words, each with the person it stands for."""

    def __init__(self, people: tuple[str, ...]) -> None:
        wholes: dict[tuple[str, ...], int] = {}
        parts: dict[str, int] = {}
        for i, person in enumerate(people):
            words, also, long_words = _person(str(person))
            if not words:
                continue
            wholes.setdefault(words, i)
            for folded in also:
                wholes.setdefault(folded, i)
            for word in long_words:
                parts.setdefault(word, i)
        single = {(w,): i for w, i in parts.items()}
        ordered = {**{k: v for k, v in wholes.items() if len(k) > 1}, **single}
        # Longest first, so that a whole name wins over its parts.
        self.names = sorted(ordered.items(), key=lambda item: (-len(item[0]), -len(item[0][0])))
        self.words = frozenset(w for name, _ in self.names for w in name)
        self.firsts = frozenset(name[0] for name, _ in self.names)
        self.probes = _probes(people)  # the same words may_hold looks for

    def may_occur(self, text: str) -> bool:
        """A cheap test: False when no name's word can be in ``text`` at all."""
        return _any_probe(self.probes, text)


def _squashed(text: str, ascii_only: bool = False) -> str:
    """The text folded, with everything but letters and digits gone (for the cheap tests).

    ``ascii_only``: the names looked for are ASCII once folded, so the other letters may go
    too (a name found in the full form is still found: only characters outside it go)."""
    if "&" in text:
        text = html.unescape(text)
    if not text.isascii():
        if not ascii_only:
            return _NOT_WORD.sub("", fold(text))
        # What fold() makes, less its marks and format characters, which are not ASCII.
        folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
        text = folded.encode("ascii", "ignore").decode("ascii")
    # The same as _NOT_WORD.sub("", fold(text)), in a twentieth of the time.
    return text.lower().encode("ascii").translate(None, _ASCII_NOT_WORD).decode("ascii")


def _folded_words(text: str) -> tuple[str, ...]:
    return tuple(w for w in (fold(m) for m in _WORD.findall(text)) if w)


@lru_cache(maxsize=65536)
def _person(person: str) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...], tuple[str, ...]]:
    """One person's name folded into words; the parts written with an apostrophe or hyphen
    (O'Brien, Mary-Jane), which are wholes too; and the words long enough to match alone."""
    person = html.unescape(person)
    words = _folded_words(person)
    also = tuple(f for part in person.split() if len(f := _folded_words(part)) > 1)
    return words, also, tuple(w for w in words if len(w) >= MIN_PART)


@lru_cache(maxsize=16384)
def _names(people: tuple[str, ...]) -> _Names:
    return _Names(people)


def _words(text: str) -> list[tuple[str, int, int]]:
    return [(fold(m.group()), m.start(), m.end()) for m in _WORD.finditer(text)]


def _match(
    text: str, words: list[tuple[str, int, int]], i: int, name: tuple[str, ...]
) -> int | None:
    """The index after the last word of ``name`` matched at word ``i``, or None."""
    j = i
    for k, wanted in enumerate(name):
        if j >= len(words):
            return None
        if k and not _BETWEEN.fullmatch(text, words[j - 1][2], words[j][1]):
            return None
        got = words[j][0]
        j += 1
        # Emphasis inside a word: Eil*i*dh is three runs of letters that read as one word.
        while got != wanted and wanted.startswith(got) and j < len(words):
            if not _GLUE.fullmatch(text, words[j - 1][2], words[j][1]):
                break
            got += words[j][0]
            j += 1
        if got != wanted:
            return None
    return j


def may_hold(texts: Sequence[str], people: Sequence[str]) -> bool:
    """False when no name of ``people`` can be written in any of ``texts`` (a cheap test
    over them all at once; True means "look": :func:`find_names` decides)."""
    if not people or not texts:
        return False
    return _any_probe(_probes(tuple(people)), "\n".join(texts))


def _any_probe(probes: tuple[str, ...], text: str) -> bool:
    """Whether any of a name's words (``probes``) is in ``text``, folded and squashed."""
    if not probes:
        return False
    squashed = _squashed(text, _all_ascii(probes))
    return any(p in squashed for p in probes)


@lru_cache(maxsize=16384)
def _all_ascii(probes: tuple[str, ...]) -> bool:
    return all(p.isascii() for p in probes)


@lru_cache(maxsize=16384)
def _probes(people: tuple[str, ...]) -> tuple[str, ...]:
    """The name words :meth:`_Names.may_occur` looks for, without building the matcher."""
    return tuple(sorted({w for person in people for w in _person(str(person))[2]}))


def find_names(text: str, people: Sequence[str]) -> list[tuple[int, int, int]]:
    """(start, end, person index) of every name of ``people`` written in ``text``."""
    if not text or not people:
        return []
    names = _names(tuple(people))
    if not names.may_occur(text):
        return []
    decoded, starts, ends = _decoded(text)
    words = _words(decoded)
    found: list[tuple[int, int, int]] = []
    i = 0
    while i < len(words):
        word = words[i][0]
        end = None
        if word in names.firsts or (
            i + 1 < len(words)
            and _GLUE.fullmatch(decoded, words[i][2], words[i + 1][1])
            and any(f.startswith(word) for f in names.firsts)
        ):
            for name, person in names.names:
                end = _match(decoded, words, i, name)
                if end is not None:
                    start, stop = words[i][1], words[end - 1][2]
                    if starts is not None and ends is not None:
                        start, stop = starts[start], ends[stop - 1]
                    found.append((start, stop, person))
                    break
        i = end if end is not None else i + 1
    return found


def replace_names(text: str, people: Sequence[str], replacement: Callable[[int], str]) -> str:
    """``text`` with every name of ``people`` replaced by ``replacement(person index)``."""
    found = find_names(text, people)
    if not found:
        return text
    out = []
    last = 0
    for start, end, person in found:
        out.append(text[last:start])
        out.append(replacement(person))
        last = end
    out.append(text[last:])
    return "".join(out)


def holds_name(text: str, people: Sequence[str]) -> bool:
    """Whether any name of ``people`` is written in ``text``, in any of its forms."""
    return bool(find_names(text, people))


def erasable(erased: Sequence[str], kept: Sequence[str]) -> list[str]:
    """The names to scrub when people ``erased`` go: each whole name, and each part of one,
    except those ``kept`` also holds (a name a live record lists is not the erased one's)."""
    kept_words = {w for person in kept for w in _folded_words(html.unescape(str(person)))}
    kept_wholes = {_folded_words(html.unescape(str(p))) for p in kept}
    out: list[str] = []
    for person in dict.fromkeys(str(p) for p in erased):
        whole = _folded_words(html.unescape(person))
        if not whole or whole in kept_wholes:
            continue
        if len(whole) > 1:
            out.append(person)
        out.extend(w for w in whole if len(w) >= MIN_PART and w not in kept_words)
    return list(dict.fromkeys(out))
