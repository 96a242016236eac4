"""The one name matcher: finds every way a listed name may be written in a text.

Redaction (``consent.redact_text``), the search index's stored text and masked terms, and
erasure's scrubbing all call :func:`replace_names`; nothing else compares text with names.

A text and a name are compared word by word after the same folding:

- HTML entities are decoded first (``Eil&#105;dh`` is ``Eilidh``);
- Unicode compatibility forms, accents and invisible characters (soft hyphens, zero-width
  spaces, word joiners, variation selectors) are dropped, and case is fully folded
  (``Zoë`` = ``Zoë`` = ``zoe``, ``Strauß`` = ``STRAUSS``, ``ﬁ`` = ``fi``);
- a word is a run of letters and digits: ``_``, ``*``, apostrophes (straight, curly or the
  modifier letters ``ʼ`` ``ʻ`` ``ʹ``), hyphens and all other punctuation are boundaries, so
  ``_Eilidh_``, ``eilidh_macphail``, ``O’Brien`` and ``Pennycookʼs`` all hold the name;
- Markdown emphasis inside a word (``Eil*i*dh``, ``Mac__Phail__``) is read as the word it
  renders as.

A name matches as the whole name (its words in order, separated by spaces, hyphens,
apostrophes or emphasis marks) or as any one of its words of two letters or more. A word
that holds a name glued to other letters or digits is replaced whole (``_Names.glued``):

- a name's words run together, in either order, anywhere in a word (``#AilsaPennycook``,
  ``tommckay82@example.org``, ``OBrien``, ``Ailsa\u00adPennycook``; inside a longer word
  only when run together they are six letters or more);
- one of its words with digits glued on (``ailsa82``);
- one of its words between capitals (``#TeamPennycook``, ``AilsaP``, ``TMcKay``);
- in a hashtag, handle, address or link (after ``#``, ``@`` or ``/``, or before ``@``): the
  first name with the last name's initial or the other way round (``#ailsap``,
  ``tmckay@example.org``), or a word beginning or ending with one of four letters or more
  (``@teampennycook``).

Knowingly not matched: nicknames and other names for the same person (``Liz`` for
``Elizabeth``), a possessive written without an apostrophe (``Ailsas``), misspellings,
look-alike letters from other alphabets, a name split by anything but emphasis or invisible
characters (``Ail-sa``), and initials glued to a name in running text (``tmckay`` outside a
handle or address).
"""

from __future__ import annotations

import bisect
import codecs
import html
import re
import unicodedata
from collections.abc import Callable, Sequence
from functools import lru_cache
from itertools import accumulate

VERSION = "2"  # what a text's hidden names depend on: stored redactions follow a change
# Combining marks and invisible format characters: dropped by folding, and read as part of
# the word they sit in.
_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
# Invisible: format characters (soft hyphen, zero-width space and joiners, bidirectional
# controls, word joiner, tags) and variation selectors.
_FORMAT = (
    "\u00ad\u034f\u061c\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f"
    "\ufe00-\ufe0f\ufeff\ufff9-\ufffb\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f\U000e0100-\U000e01ef"
)
_IGNORED = re.compile(f"[{_MARKS}{_FORMAT}]+")
# Modifier letters used as apostrophes (ʹ ʺ ʻ ʼ ʽ ʾ ʿ ˈ ˊ ˋ ˮ, the saltillo): Unicode counts
# them as letters, which would glue "Ailsaʼs" into one word.
_APOSTROPHES = "\u02b9-\u02bf\u02c8\u02ca\u02cb\u02ee\ua78b\ua78c"
# Letters drawn in circles (Ⓐⓘⓛⓢⓐ): symbols to Unicode, letters once folded.
_CIRCLED = "\u24b6-\u24e9"
# A word: letters and digits, with any marks or format characters inside it.
_WORD = re.compile(rf"(?:[^\W_{_APOSTROPHES}]|[{_MARKS}{_FORMAT}{_CIRCLED}])+")
# Numeric references read as html.unescape reads them (every digit), so the matcher and the
# cheap test (which unescapes the whole text) agree on what a reference stands for.
_ENTITY = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]{1,31});?")
# Past the last code point (over 7 decimal or 6 hex digits, leading zeros aside) a reference
# is U+FFFD; html.unescape would first read every digit, and past 4,300 decimal digits raise.
_TOO_LONG_REF = re.compile(r"&#(?:0*[1-9][0-9]{7,}|[xX]0*[1-9a-fA-F][0-9a-fA-F]{6,});?")
# What may stand inside one word without breaking it (Markdown emphasis and code marks).
_GLUE = re.compile(r"[*_~`]{1,3}")
# What may stand between the words of one name.
_BETWEEN = re.compile(rf"[\s'’‘`*_~\-‐‑.{_APOSTROPHES}]{{1,6}}")
_NOT_WORD = re.compile(r"[\W_]+")
_ASCII_NOT_WORD = bytes(c for c in range(128) if not chr(c).isalnum())
MIN_PART = 2
RUN_INSIDE = 6  # a name run together is found inside a longer word from this many letters
HANDLE_PART = 4  # in a handle, a word beginning or ending with a name this long holds it
_HANDLE_BEFORE = "#@/"  # what a hashtag, a handle or a link's path begins with
_HANDLE_AFTER = "@"  # what follows an address's own part
# What never stands in a written name: not a letter, digit or mark (_WORD), nor what may stand
# between or inside its words (_BETWEEN, _GLUE), nor part of an entity (_ENTITY) or next to an
# address or a handle (_HANDLE_BEFORE, _HANDLE_AFTER). Keep it so when those change.
_NAME_STOP = re.compile(r"[,!?:()\[\]{}<>\"|\\+=%$^]")


def fold(text: str) -> str:
    """The form names are compared in: no accents or format characters, case folded."""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKD", text).casefold()
    return _IGNORED.sub("", unicodedata.normalize("NFKD", text))


def _unescape(text: str) -> str:
    """``html.unescape`` for any text a client may send (a reference of thousands of digits
    included)."""
    return html.unescape(_TOO_LONG_REF.sub("\ufffd", text))


def _decoded(text: str) -> tuple[str, list[int] | None, list[int] | None]:
    """The text with HTML entities decoded, and each decoded character's span in ``text``."""
    if "&" not in text or not _ENTITY.search(text):
        return text, None, None
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    last = 0
    for match in _ENTITY.finditer(text):
        decoded = _unescape(match.group())
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
        # How far from its start a name can reach in a text: every letter an emphasised
        # piece (_GLUE between them), _BETWEEN's most between its words.
        self.reach = 8 + max(
            (4 * sum(map(len, name)) + 6 * len(name) for name, _ in self.names), default=0
        )
        self.probes = _probes(people)  # the same words may_hold looks for
        self.parts = parts
        self.runs: dict[str, int] = {}
        self.handles: dict[str, int] = {}
        for i, person in enumerate(people):
            runs, handles = _glued_forms(str(person))
            for run in runs:
                self.runs.setdefault(run, i)
            for handle in handles:
                self.handles.setdefault(handle, i)
        self.long_runs = sorted(
            ((r, i) for r, i in self.runs.items() if len(r) >= RUN_INSIDE),
            key=lambda ri: -len(ri[0]),
        )
        self.handle_parts = [(w, i) for w, i in parts.items() if len(w) >= HANDLE_PART]

    def may_occur(self, text: str) -> bool:
        """A cheap test: False when no name's word can be in ``text`` at all."""
        return _any_probe(self.probes, text)

    def glued_words(self, text: str, words: list[tuple[str, int, int]]) -> set[int]:
        """The indexes of the words holding one of the names' words glued to more letters or
        digits (few: found with ``str.find`` over the text, lower-cased if ASCII, else over
        its folded words)."""
        if text.isascii():
            scanned = text.lower()
            hits = _glued_hits(scanned, self.probes, _ASCII_ALNUM)
            if not hits:
                return set()
            starts = [s for _, s, _ in words]
        else:
            folded = [w for w, _, _ in words]
            hits = _glued_hits("\x00".join(folded), self.probes, None)
            if not hits:
                return set()
            starts = list(accumulate((len(w) + 1 for w in folded), initial=0))
        return {bisect.bisect_right(starts, hit) - 1 for hit in hits}

    def glued(self, text: str, word: tuple[str, int, int]) -> int | None:
        """The person whose name ``word`` of ``text`` holds glued to more letters or digits."""
        folded, start, end = word
        core = _DIGITS.sub("", folded)
        if core != folded and core in self.parts:
            return self.parts[core]
        if core in self.runs:
            return self.runs[core]
        for run, person in self.long_runs:
            if run in folded:
                return person
        written = text[start:end]
        if not (written.islower() or written.isupper() or written.istitle()):
            person = self._between_capitals(written)
            if person is not None:
                return person
        if _in_handle(text, start, end):
            if core in self.handles:
                return self.handles[core]
            for part, person in self.handle_parts:
                if core.startswith(part) or core.endswith(part):
                    return person
        return None

    def _between_capitals(self, written: str) -> int | None:
        """The person one of whose words (or run-together names) is a run of the word's
        pieces between capitals (``#TeamMcKay``: Team, Mc, Kay)."""
        pieces = [fold(p) for p in _pieces(written)]
        for k in range(len(pieces)):
            joined = ""
            for piece in pieces[k : k + 3]:
                joined += piece
                if joined in self.parts:
                    return self.parts[joined]
                if joined in self.runs:
                    return self.runs[joined]
        return None


_DIGITS = re.compile(r"^\d+|\d+$")
_ASCII_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


def _glued_hits(scanned: str, probes: tuple[str, ...], alnum: frozenset[str] | None) -> list[int]:
    """Where a probe stands in ``scanned`` with a letter or digit beside it (``alnum``; None:
    anything but the words' separator, NUL)."""
    hits = []
    last = len(scanned)
    for probe in probes:
        at = scanned.find(probe)
        while at != -1:
            end = at + len(probe)
            before = scanned[at - 1] if at else ""
            after = scanned[end] if end < last else ""
            if alnum is None:
                if before not in ("", "\x00") or after not in ("", "\x00"):
                    hits.append(at)
            elif before in alnum or after in alnum:
                hits.append(at)
            at = scanned.find(probe, at + 1)
    return hits


def _in_handle(text: str, start: int, end: int) -> bool:
    """Whether the word at ``start:end`` is a hashtag, a handle, a link's path or an address."""
    return (start > 0 and text[start - 1] in _HANDLE_BEFORE) or text[end : end + 1] == _HANDLE_AFTER


def _pieces(word: str) -> list[str]:
    """A word cut where a capital follows a small letter, where a capital begins a piece
    after capitals (``TMcKay``: T, Mc, Kay) and where letters and digits meet."""
    pieces: list[str] = []
    start, last = 0, ""
    letters = [(k, c) for k, c in enumerate(word) if c.isalnum()]
    for n, (k, char) in enumerate(letters):
        following = letters[n + 1][1] if n + 1 < len(letters) else ""
        if last and (
            (last.islower() and char.isupper())
            or (last.isdigit() != char.isdigit())
            or (last.isupper() and char.isupper() and following.islower())
        ):
            pieces.append(word[start:k])
            start = k
        last = char
    pieces.append(word[start:])
    return pieces


def _fold_error(error: UnicodeError) -> tuple[str, int]:
    """An ASCII encoder's error handler: a run of other characters folded, less what is
    still not ASCII."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    return _fold_run(error.object[error.start : error.end]), error.end


_FOLDING = "wm2u-names-fold"
codecs.register_error(_FOLDING, _fold_error)


@lru_cache(maxsize=65536)
def _fold_run(run: str) -> str:
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", run).casefold())
    return folded.encode("ascii", "ignore").decode("ascii")


def _squashed(text: str, ascii_only: bool = False) -> str:
    """The text folded, with everything but letters and digits gone (for the cheap tests).

    ``ascii_only``: the names looked for are ASCII once folded, so the other letters may go
    too (a name found in the full form is still found: only characters outside it go)."""
    if ascii_only:
        return _squashed_ascii(text).decode("ascii")
    if "&" in text:
        text = _unescape(text)
    if not text.isascii():
        return _NOT_WORD.sub("", fold(text))
    return text.lower().encode("ascii").translate(None, _ASCII_NOT_WORD).decode("ascii")


def _squashed_ascii(text: str) -> bytes:
    """``_squashed(text, ascii_only=True)`` as bytes."""
    if "&" in text:
        text = _unescape(text)
    # What fold() makes, less its marks and format characters, which are not ASCII: folding
    # goes character by character, so only the runs of other characters need it, and the
    # encoder finds them in C (a text is mostly ASCII; a regular expression over it took
    # most of a subject access's time). Then the same as _NOT_WORD.sub("", ...), in C too.
    folded = text.encode("ascii", _FOLDING)
    return folded.lower().translate(None, _ASCII_NOT_WORD)


def _folded_words(text: str) -> tuple[str, ...]:
    return tuple(w for w in (fold(m) for m in _WORD.findall(text)) if w)


@lru_cache(maxsize=65536)
def _person(person: str) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...], tuple[str, ...]]:
    """One person's name folded into words; the parts written with an apostrophe or hyphen
    (O'Brien, Mary-Jane), which are wholes too; and the words long enough to match alone."""
    person = _unescape(person)
    words = _folded_words(person)
    also = tuple(f for part in person.split() if len(f := _folded_words(part)) > 1)
    return words, also, tuple(w for w in words if len(w) >= MIN_PART)


@lru_cache(maxsize=65536)
def _glued_forms(person: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """One person's name run together - the whole in either order, first and last name, and
    each part written with an apostrophe or hyphen (``OBrien``, ``MaryJane``) - and as
    handles: the first name with the last name's initial, the first name's initial with the
    last name (``ailsap``, ``apennycook``; four letters or more)."""
    person = _unescape(person)
    groups = [g for g in ("".join(_folded_words(part)) for part in person.split()) if g]
    runs = {"".join(w) for part in person.split() if len(w := _folded_words(part)) > 1}
    handles = set()
    if len(groups) > 1:
        first, last = groups[0], groups[-1]
        runs.update(("".join(groups), "".join(reversed(groups)), first + last, last + first))
        handles.update(h for h in (first + last[0], first[0] + last) if len(h) >= HANDLE_PART)
    return tuple(sorted(runs)), tuple(sorted(handles))


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


def may_hold_utf8(text: bytes, people: Sequence[str]) -> bool:
    """:func:`may_hold` for one text given as UTF-8 (as SQLite hands over a text cast to a
    blob): an ASCII text is tested without being decoded."""
    if not people or not text:
        return False
    probes = _probes(tuple(people))
    if not probes:
        return False
    if _all_ascii(probes) and text.isascii() and b"&" not in text:
        squashed = text.lower().translate(None, _ASCII_NOT_WORD)
        return any(p in squashed for p in _ascii_probes(probes))
    return _any_probe(probes, text.decode("utf-8", "replace"))


def _any_probe(probes: tuple[str, ...], text: str) -> bool:
    """Whether any of a name's words (``probes``) is in ``text``, folded and squashed."""
    if not probes:
        return False
    if _all_ascii(probes):
        squashed_ascii = _squashed_ascii(text)
        return any(p in squashed_ascii for p in _ascii_probes(probes))
    squashed = _squashed(text)
    return any(p in squashed for p in probes)


@lru_cache(maxsize=16384)
def _ascii_probes(probes: tuple[str, ...]) -> tuple[bytes, ...]:
    return tuple(p.encode("ascii") for p in probes)


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
    scanned = _letters_folded(decoded)
    found = _found(names, decoded) if scanned is None else _found_at_places(names, decoded, scanned)
    if starts is not None and ends is not None:
        found = [(starts[start], ends[stop - 1], person) for start, stop, person in found]
    return found


def _found(names: _Names, decoded: str) -> list[tuple[int, int, int]]:
    """Every name in ``decoded`` (entities decoded), word by word."""
    words = _words(decoded)
    glued = names.glued_words(decoded, words)
    found: list[tuple[int, int, int]] = []
    i, n = 0, len(words)
    while i < n:
        word = words[i][0]
        at = None
        if word in names.firsts or (
            i + 1 < n
            and _GLUE.fullmatch(decoded, words[i][2], words[i + 1][1])
            and any(f.startswith(word) for f in names.firsts)
        ):
            at = _whole_at(names, decoded, words, i)
        if at is None and i in glued:
            person = names.glued(decoded, words[i])
            at = None if person is None else (i + 1, person)
        if at is None:
            i += 1
            continue
        end, person = at
        found.append((words[i][1], words[end - 1][2], person))
        i = end
    return found


_GLUE_RUN = re.compile(r"[*_~`]+")  # what _GLUE is made of
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _letters_folded(text: str) -> str | None:
    """``text`` folded letter for letter (what :func:`fold` makes of each), so that each
    place in it is the same place in ``text``; None where a letter folds to more or fewer
    (``ß``, a combining accent, a soft hyphen): then the text is read word by word."""
    if text.isascii():
        return text.lower()
    one_each = True

    def folded(match: re.Match) -> str:
        nonlocal one_each
        letter = _fold_letter(match.group())
        one_each = one_each and len(letter) == 1
        return letter

    scanned = _NON_ASCII.sub(folded, text).lower()
    return scanned if one_each and len(scanned) == len(text) else None


@lru_cache(maxsize=4096)
def _fold_letter(letter: str) -> str:
    return fold(letter)


def _in_word(text: str, at: int) -> bool:
    """Whether the character at ``at`` belongs to a word (as :data:`_WORD` reads them)."""
    return 0 <= at < len(text) and _WORD.match(text, at, at + 1) is not None


def _found_at_places(names: _Names, decoded: str, scanned: str) -> list[tuple[int, int, int]]:
    """:func:`_found` read only where a name can begin, found with ``str.find`` in the text
    folded letter for letter (``scanned``): where a name's first word stands (emphasis marks
    left out, as ``Eil*i*dh`` is read), and the words holding a name's word glued to more
    letters or digits. From such a place on, the words are the ones :func:`_words` makes of
    the whole text, and each place is checked as that reading checks the word there (a code's
    page reads hundreds of records' texts for a few names each)."""
    places: dict[int, bool] = {}
    squeezed, kept = _without_marks(scanned)
    for first in names.firsts:
        at = squeezed.find(first)
        while at != -1:
            place = _place(kept, at)
            if not _in_word(decoded, place - 1):
                places.setdefault(place, False)
            at = squeezed.find(first, at + 1)
    for probe in names.probes:
        at = scanned.find(probe)
        while at != -1:
            if _in_word(decoded, at - 1) or _in_word(decoded, at + len(probe)):
                start = at
                while _in_word(decoded, start - 1):
                    start -= 1
                places[start] = True
            at = scanned.find(probe, at + 1)
    found: list[tuple[int, int, int]] = []
    reached = 0
    for place in sorted(places):
        if place < reached:
            continue  # inside a name already found
        words = []
        for m in _WORD.finditer(decoded, place):
            if m.start() >= place + names.reach:
                break
            words.append((fold(m.group()), m.start(), m.end()))
        word = words[0][0]
        at = None
        if word in names.firsts or (
            len(words) > 1
            and _GLUE.fullmatch(decoded, words[0][2], words[1][1])
            and any(f.startswith(word) for f in names.firsts)
        ):
            at = _whole_at(names, decoded, words, 0)
        if at is None and places[place]:
            person = names.glued(decoded, words[0])
            at = None if person is None else (1, person)
        if at is not None:
            end, person = at
            found.append((words[0][1], words[end - 1][2], person))
            reached = words[end - 1][2]
    return found


def _without_marks(scanned: str) -> tuple[str, list[tuple[int, int]]]:
    """``scanned`` without its emphasis marks (``_GLUE``'s characters), and where each kept
    run starts in both: (place in the squeezed text, place in ``scanned``)."""
    if not _GLUE_RUN.search(scanned):
        return scanned, [(0, 0)]
    runs, kept, squeezed_at, last = [], [], 0, 0
    for mark in _GLUE_RUN.finditer(scanned):
        runs.append(scanned[last : mark.start()])
        kept.append((squeezed_at, last))
        squeezed_at += mark.start() - last
        last = mark.end()
    runs.append(scanned[last:])
    kept.append((squeezed_at, last))
    return "".join(runs), kept


def _place(kept: list[tuple[int, int]], at: int) -> int:
    """Where place ``at`` of the squeezed text is in the text (see :func:`_without_marks`)."""
    k = bisect.bisect_right(kept, (at, float("inf"))) - 1
    squeezed_at, place = kept[k]
    return place + at - squeezed_at


def _whole_at(
    names: _Names, text: str, words: list[tuple[str, int, int]], i: int
) -> tuple[int, int] | None:
    """(index after the name's last word, person) for a name or part beginning at word ``i``."""
    for name, person in names.names:
        end = _match(text, words, i, name)
        if end is not None:
            return end, person
    return None


def name_stop(text: str, at: int) -> int:
    """The first place at or after ``at`` that no name written in ``text`` crosses (before a
    comma, a bracket, a question mark...; else the text's end): the names :func:`find_names`
    finds in the text cut there are the whole text's names that begin before it."""
    found = _NAME_STOP.search(text, at)
    return len(text) if found is None else found.start()


def replace_names(text: str, people: Sequence[str], replacement: Callable[[int], str]) -> str:
    """``text`` with every name of ``people`` replaced by ``replacement(person index)``."""
    return replace_found(text, find_names(text, people), replacement)


def replace_found(
    text: str, found: list[tuple[int, int, int]], replacement: Callable[[int], str]
) -> str:
    """``text`` with the names :func:`find_names` found in it replaced (no second search)."""
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


def same_person(name: str) -> tuple[str, ...]:
    """The words one name is folded into: two spellings of one person give the same words."""
    return _folded_words(_unescape(str(name)))


def erasable(erased: Sequence[str], kept: Sequence[str]) -> list[str]:
    """The names to scrub when people ``erased`` go: each whole name, and each part of one,
    except those ``kept`` also holds (a name a live record lists is not the erased one's)."""
    kept_words = {w for person in kept for w in _folded_words(_unescape(str(person)))}
    kept_wholes = {_folded_words(_unescape(str(p))) for p in kept}
    out: list[str] = []
    for person in dict.fromkeys(str(p) for p in erased):
        whole = _folded_words(_unescape(person))
        if not whole or whole in kept_wholes:
            continue
        if len(whole) > 1:
            out.append(person)
        out.extend(w for w in whole if len(w) >= MIN_PART and w not in kept_words)
    return list(dict.fromkeys(out))
