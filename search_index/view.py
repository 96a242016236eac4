"""One open searcher and its document sets (filters, facets, dates) as bit sets.

Sets are computed once per *segment* (segments never change, only gain deletions) and
combined per searcher with shifts, so a save that adds a small segment costs a small
amount of work on the next search, not a full recount.
"""

from __future__ import annotations

import bisect
from collections import OrderedDict
from typing import Any

from whoosh.reading import TermNotFound

from . import bits

_CACHED_SEGMENTS = 64


class SegmentSets:
    """Per-segment sets, ignoring deletions (applied per searcher), shared between searchers."""

    def __init__(self) -> None:
        self._segments: OrderedDict[str, dict[Any, Any]] = OrderedDict()

    def for_segment(self, segment_id: str) -> dict[Any, Any]:
        found = self._segments.get(segment_id)
        if found is None:
            found = self._segments[segment_id] = {}
            while len(self._segments) > _CACHED_SEGMENTS:
                self._segments.popitem(last=False)
        else:
            self._segments.move_to_end(segment_id)
        return found

    def keep_only(self, segment_ids: set[str]) -> None:
        for name in [s for s in self._segments if s not in segment_ids]:
            del self._segments[name]


def _raw_ids(reader, fieldname: str, value: bytes):
    """Documents with the term in one segment, deleted ones included."""
    try:
        fmt = reader.schema[fieldname].format
        return reader._terms.matcher(fieldname, value, fmt).all_ids()
    except (TermNotFound, KeyError):
        return ()


class View:
    """A searcher plus lazily built bit sets over its documents."""

    def __init__(self, searcher, shared_sets: SegmentSets) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.size = self.reader.doc_count_all()
        self.leaves = []
        for reader, offset in self.reader.leaf_readers():
            segment = reader.segment() if hasattr(reader, "segment") else None
            if segment is None:
                continue
            self.leaves.append((reader, offset, shared_sets.for_segment(segment.segment_id())))
        shared_sets.keep_only({r.segment().segment_id() for r, _, _ in self.leaves})
        self.live = self._live()
        self._bits: dict[tuple[str, str], int] = {}
        self._values: dict[str, dict[str, list[str]]] = {}
        self._dates: dict[tuple[str | None, str | None], int] = OrderedDict()
        self._date_list: list[str] | None = None

    def _live(self) -> int:
        live = bits.from_range(0, self.size)
        for reader, offset, _ in self.leaves:
            if reader.has_deletions():
                deleted = reader.segment().deleted_docs()
                live &= ~(bits.from_docs(deleted, reader.doc_count_all()) << offset)
        return live

    def bits(self, fieldname: str, value: str) -> int:
        """Live documents whose ``fieldname`` holds exactly ``value``."""
        key = (fieldname, value)
        found = self._bits.get(key)
        if found is None:
            found = 0
            encoded = value.encode("utf-8")
            for reader, offset, sets in self.leaves:
                local = sets.get(key)
                if local is None:
                    local = sets[key] = bits.from_docs(
                        _raw_ids(reader, fieldname, encoded), reader.doc_count_all())
                found |= local << offset
            found = self._bits[key] = found & self.live
        return found

    def values(self, fieldname: str) -> dict[str, list[str]]:
        """Every indexed value of a field, keyed by its case-folded form."""
        found = self._values.get(fieldname)
        if found is None:
            names: set[str] = set()
            for reader, _, _ in self.leaves:
                names.update(b.decode("utf-8") for b in reader.lexicon(fieldname))
            found = {}
            for name in sorted(names):
                found.setdefault(name.casefold(), []).append(name)
            self._values[fieldname] = found
        return found

    def resolve(self, fieldname: str, value: str) -> list[str]:
        """The indexed values a filter value names (case and spacing do not matter)."""
        return self.values(fieldname).get(" ".join(value.split()).casefold(), [])

    def any_of(self, fieldname: str, values: list[str]) -> int:
        """Live documents matching any of ``values`` (as typed by a person)."""
        found = 0
        for value in values:
            for name in self.resolve(fieldname, value):
                found |= self.bits(fieldname, name)
        return found

    def _segment_dates(self, reader, sets) -> list[tuple[str, int]]:
        found = sets.get("dates")
        if found is None:
            found = []
            for btext in reader.lexicon("date"):
                day = btext.decode("utf-8")
                found.extend((day, doc) for doc in _raw_ids(reader, "date", btext))
            found.sort()
            sets["dates"] = found
        return found

    def between(self, first: str | None, last: str | None) -> int:
        """Live documents dated from ``first`` to ``last`` inclusive (None = open)."""
        key = (first, last)
        found = self._dates.get(key)
        if found is None:
            found = 0
            for reader, offset, sets in self.leaves:
                dated = self._segment_dates(reader, sets)
                lo = 0 if first is None else bisect.bisect_left(dated, (first, -1))
                hi = len(dated) if last is None else bisect.bisect_right(dated, (last, 1 << 62))
                docs = (doc for _, doc in dated[lo:hi])
                found |= bits.from_docs(docs, reader.doc_count_all()) << offset
            found &= self.live
            self._dates[key] = found
            if len(self._dates) > 256:
                self._dates.popitem(last=False)
        return found

    def date_of(self) -> list[str]:
        """Each document's date, by document number ('' when it has none)."""
        if self._date_list is None:
            dates = [""] * self.size
            for reader, offset, sets in self.leaves:
                for day, doc in self._segment_dates(reader, sets):
                    dates[offset + doc] = day
            self._date_list = dates
        return self._date_list
