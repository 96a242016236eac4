"""Words: one tokenizer for indexing, querying and highlighting.

Lower-cases, folds accents (``café`` and ``cafe`` are the same word), drops stop words
*without renumbering positions* (so the phrase "worker came" never matches "worker of the
came"), and stems (``families`` and ``family`` are the same word).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from whoosh.analysis import Token, Tokenizer
from whoosh.analysis.filters import STOP_WORDS
from whoosh.lang.porter import stem as _porter

# Words, keeping codes such as "SO1.2" and decimals such as "3.5" in one piece.
WORD = re.compile(r"\w+(?:\.\w+)*")
STOP = frozenset(STOP_WORDS)
MIN_LENGTH = 2

_stems: dict[str, str] = {}


def fold(word: str) -> str:
    """The word without accents and case-folded (``café`` -> ``cafe``, ``Strauß`` ->
    ``strauss``); ASCII words pass untouched."""
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFKD", word).casefold()
    return "".join(c for c in unicodedata.normalize("NFKD", decomposed) if not _ignored(c))


def _ignored(char: str) -> bool:
    """Combining marks and invisible format characters (soft hyphen, zero-width space)."""
    return bool(unicodedata.combining(char)) or unicodedata.category(char) == "Cf"


def normalise(word: str) -> str:
    """The lower-cased, accent-folded form of a word (before stemming)."""
    return fold(word.lower())


def stem(word: str) -> str:
    """The stem of a normalised word (cached: the vocabulary is small)."""
    found = _stems.get(word)
    if found is None:
        if len(_stems) > 200_000:
            _stems.clear()
        found = _stems[word] = _porter(word)
    return found


def is_stop(word: str) -> bool:
    """Whether a normalised word is too common (or too short) to index."""
    return len(word) < MIN_LENGTH or word in STOP


def positions(text: str) -> dict[str, list[int]]:
    """Each stemmed term of ``text`` with its word positions (stop words keep a place)."""
    found: dict[str, list[int]] = {}
    terms = _terms
    for pos, word in enumerate(WORD.findall(text.lower())):
        term = terms.get(word)
        if term is None:
            term = _term(word)
        if term:
            places = found.get(term)
            if places is None:
                found[term] = [pos]
            else:
                places.append(pos)
    return found


_terms: dict[str, str] = {}


def term_of(word: str) -> str:
    """The indexed term of a lower-cased word, '' for a stop word (cached)."""
    return _terms.get(word) or _term(word)


def _term(word: str) -> str:
    """The indexed term of a lower-cased word ('' for a stop word), cached."""
    if len(_terms) > 400_000:
        _terms.clear()
    folded = fold(word)
    term = _terms[word] = "" if is_stop(folded) else stem(folded)
    return term


def spans(text: str) -> Iterator[tuple[str, int, int]]:
    """(term, start, end) for every indexed word of ``text``, for highlighting."""
    for match in WORD.finditer(text):
        word = normalise(match.group())
        if is_stop(word):
            continue
        yield stem(word), match.start(), match.end()


def query_terms(text: str) -> list[tuple[str, int]]:
    """(term, offset) for the indexed words of a query phrase; offsets count stop words."""
    found = []
    for pos, match in enumerate(WORD.finditer(text)):
        word = normalise(match.group())
        if not is_stop(word):
            found.append((stem(word), pos))
    return found


class WordTokenizer(Tokenizer):
    """The whole analysis chain as one Whoosh tokenizer (used where Whoosh asks for one)."""

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = stem(normalise(value))
            token.boost = 1.0
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        for pos, match in enumerate(WORD.finditer(value), start_pos):
            word = normalise(match.group())
            stopped = is_stop(word)
            if stopped and removestops:
                continue
            token.stopped = stopped
            token.text = stem(word)
            token.boost = 1.0
            if keeporiginal:
                token.original = match.group()
            if positions:
                token.pos = pos
            if chars:
                token.startchar = start_char + match.start()
                token.endchar = start_char + match.end()
            yield token
