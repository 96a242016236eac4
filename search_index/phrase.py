"""A phrase query that keeps the gaps left by stop words.

``"voice of the family"`` is indexed as ``voic`` at 0 and ``famili`` at 3; the query must
find exactly that gap, and ``"worker came"`` must not match "worker of the came". The
matcher intersects the cheap term postings first and reads positions only for documents
holding every word.
"""

from __future__ import annotations

from whoosh import matching
from whoosh.query import Term, qcore
from whoosh.query.spans import Span, SpanWrappingMatcher


class OffsetPhrase(qcore.Query):
    """Documents where each term occurs at its offset from the first."""

    def __init__(self, fieldname: str, terms: list[tuple[str, int]], boost: float = 1.0):
        self.fieldname = fieldname
        first = terms[0][1]
        self.words = [(text, offset - first) for text, offset in terms]
        self.boost = boost

    def __eq__(self, other: object) -> bool:
        return (type(self) is type(other) and self.fieldname == other.fieldname
                and self.words == other.words and self.boost == other.boost)

    def __hash__(self) -> int:
        return hash((self.fieldname, tuple(self.words), self.boost))

    def __repr__(self) -> str:
        return f"OffsetPhrase({self.fieldname!r}, {self.words!r})"

    def has_terms(self) -> bool:
        return True

    def terms(self, phrases: bool = False):
        if phrases:
            for text, _ in self.words:
                yield self.fieldname, text

    def estimate_size(self, ixreader) -> int:
        return min(ixreader.doc_frequency(self.fieldname, t) for t, _ in self.words)

    def matcher(self, searcher, context=None):
        words = self.words
        reader = searcher.reader()
        for text, _ in words:
            if (self.fieldname, text) not in reader:
                return matching.NullMatcher()
        # Rarest first: the intersection is driven by the shortest posting list.
        order = sorted(range(len(words)),
                       key=lambda i: reader.doc_frequency(self.fieldname, words[i][0]))
        matchers = [Term(self.fieldname, words[i][0]).matcher(searcher, context) for i in order]
        offsets = [words[i][1] for i in order]
        m = _Matcher(matchers, offsets)
        if self.boost != 1.0:
            m = matching.WrappingMatcher(m, boost=self.boost)
        return m


class _Matcher(SpanWrappingMatcher):
    def __init__(self, matchers, offsets):
        self.ms = matchers
        self.offsets = offsets
        tree = matchers[0]
        for m in matchers[1:]:
            tree = matching.IntersectionMatcher(tree, m)
        super().__init__(tree)

    def copy(self):
        return self.__class__([m.copy() for m in self.ms], self.offsets)

    def replace(self, minquality=0):
        if not self.is_active():
            return matching.NullMatcher()
        return self

    def _get_spans(self):
        if not self.child.is_active():
            return []
        ms, offsets = self.ms, self.offsets
        starts = {p - offsets[0] for p in ms[0].value_as("positions")}
        for m, offset in zip(ms[1:], offsets[1:], strict=True):
            starts &= {p - offset for p in m.value_as("positions")}
            if not starts:
                return []
        width = max(offsets) - min(offsets)
        return [Span(s + min(offsets), s + min(offsets) + width) for s in sorted(starts)]
