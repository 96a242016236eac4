"""One open searcher and its document sets (filters, facets, dates) as bit sets.

Sets are computed once per *segment* (segments never change, only gain deletions) and
combined per searcher with shifts, so a save that adds a small segment costs a small
amount of work on the next search, not a full recount.
"""

from __future__ import annotations

import bisect
import contextlib
import math
import threading
from array import array
from collections import OrderedDict
from typing import Any

import numpy as np
from whoosh.reading import TermNotFound

from . import bits, postings
from .whoosh_private import raw_ids, reader_storage, term_matcher

_COMBINED = 1024  # sets combined over the leading (bulk) segments, kept across searchers
STABLE = 100  # segments of at least this many documents lead the searcher's prefix
_CACHED_SEGMENTS = 512  # segments whose sets are kept (a rebuild writes one per SEGMENT_DOCS)
TERM_CACHE_BYTES = 160 * 1024 * 1024  # per-segment term data kept between searches (at most)
_VIEW_TERMS = 64  # words whose per-segment data a searcher keeps at hand
_VIEW_BITS = 512  # words' and filters' sets a searcher keeps (12.5 KB each at 100,000)
K1, B = 1.2, 0.75  # BM25F, as Whoosh's default weighting
SCORED = ("title", "body")  # what readers outside the team search and score
TEAM = (*SCORED, "attext")  # the team also searches attachments hidden outside it


VECTOR_MIN = 64  # lists at least this long are scored and sorted with numpy


def bm25(docs: array, weights: array, lens: array, top: float, k: float, kb: float) -> array:
    """Each posting's BM25 score, ``top * w / (w + k + kb * length)``, as float32: computed
    in double precision either way (numpy for long lists), so the scores are the same."""
    if len(docs) < VECTOR_MIN:
        return array(
            "f", [top * w / (w + k + kb * lens[d]) for d, w in zip(docs, weights, strict=True)]
        )
    w = np.frombuffer(weights, dtype=np.float32).astype(np.float64)
    length = np.frombuffer(lens, dtype=np.uint32)[np.frombuffer(docs, dtype=np.uint32)]
    found = (top * w) / ((w + k) + kb * length.astype(np.float64))
    return array("f", found.astype(np.float32).tobytes())


def merged_scores(found: list[tuple[array, array]]) -> tuple[array, array]:
    """One word's documents and scores over its fields, from each field's (docs ascending,
    float32 scores), the longest first: a document in several fields gets their scores
    added in that order, rounded to float32 at each step; the documents of the longest
    list come first, then each other field's new ones, ascending (the tie order of
    :meth:`TermData.order`)."""
    if len(found) == 1:
        return found[0]
    if sum(len(docs) for docs, _ in found) < VECTOR_MIN:
        return _merged_plainly(found)
    return _merged_vector(found)


def _merged_plainly(found: list[tuple[array, array]]) -> tuple[array, array]:
    docs, scores = array("I", found[0][0]), array("f", found[0][1])
    at = {d: i for i, d in enumerate(docs)}
    for other_docs, other_scores in found[1:]:
        for d, sc in zip(other_docs, other_scores, strict=True):
            i = at.get(d)
            if i is None:
                at[d] = len(docs)
                docs.append(d)
                scores.append(sc)
            else:
                scores[i] += sc
    return docs, scores


def _merged_vector(found: list[tuple[array, array]]) -> tuple[array, array]:
    """:func:`_merged_plainly` with numpy: each field's documents looked up in the ones so
    far by ``searchsorted`` (a common word in attachments' text: thousands a segment)."""
    ids = np.frombuffer(found[0][0], dtype=np.uint32)
    values = np.frombuffer(found[0][1], dtype=np.float32).copy()
    # A list merged before (the team's data from what readers outside it score) is not
    # ascending: its other fields' documents follow the first's.
    ascending = bool(np.all(ids[1:] > ids[:-1]))
    for other_docs, other_scores in found[1:]:
        more = np.frombuffer(other_docs, dtype=np.uint32)
        more_scores = np.frombuffer(other_scores, dtype=np.float32)
        order = None if ascending else np.argsort(ids, kind="stable")
        keyed = ids if order is None else ids[order]
        at = np.minimum(np.searchsorted(keyed, more), len(keyed) - 1)
        held = keyed[at] == more
        where = at[held] if order is None else order[at[held]]
        values[where] += more_scores[held]  # float32 + float32: one rounding, as plainly
        extra = more[~held]
        if len(extra):
            ascending = ascending and int(extra[0]) > int(ids[-1])
            ids = np.concatenate((ids, extra))
            values = np.concatenate((values, more_scores[~held]))
    return array("I", ids.astype(np.uint32).tobytes()), array("f", values.tobytes())


class _Recent(OrderedDict):
    """A dict keeping its ``limit`` most recently used entries (a searcher lives as long as no
    write comes: a quiet day's searches must not keep every word they read)."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def get(self, key, default=None):
        found = super().get(key, default)
        if found is not default:
            with contextlib.suppress(KeyError):  # let go meanwhile by another thread
                self.move_to_end(key)
        return found

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        while len(self) > self.limit:
            with contextlib.suppress(KeyError):
                self.popitem(last=False)


class TermData:
    """One stemmed word in one segment (its fields together), deleted documents included.

    ``bits`` the documents holding it; ``docs``/``scores`` its documents (in no order) with
    their BM25F score (title + body, with the statistics of the searcher that made it);
    ``order`` the positions of ``docs`` by descending score and ``dense`` a score per
    document number, both made on first use.
    """

    __slots__ = ("bits", "docs", "scores", "size", "_order", "_dense")

    def __init__(self, docs: array, scores: array, size: int, held: int | None = None) -> None:
        self.docs = docs
        self.scores = scores
        self.size = size
        self.bits = bits.from_docs(docs, size) if held is None else held
        self._order: array | None = None
        self._dense: array | None = None

    def order(self) -> array:
        """Positions in ``docs`` by descending score, ties in document order (a stable sort)."""
        if self._order is None:
            if len(self.scores) < VECTOR_MIN:
                ranked = sorted(range(len(self.docs)), key=self.scores.__getitem__, reverse=True)
                self._order = array("I", ranked)
            else:
                negated = -np.frombuffer(self.scores, dtype=np.float32)
                ranked = np.argsort(negated, kind="stable").astype(np.uint32)
                self._order = array("I", ranked.tobytes())
        return self._order

    def dense(self) -> array:
        if self._dense is None:
            if len(self.docs) < VECTOR_MIN:
                found = array("f", bytes(4 * self.size))
                for d, s in zip(self.docs, self.scores, strict=True):
                    found[d] = s
            else:  # a common word in attachments' text: thousands of documents a segment
                scores = np.zeros(self.size, dtype=np.float32)
                docs = np.frombuffer(self.docs, dtype=np.uint32)
                scores[docs] = np.frombuffer(self.scores, dtype=np.float32)
                found = array("f", scores.tobytes())
            self._dense = found
        return self._dense

    def nbytes(self) -> int:
        return 8 * len(self.docs) + self.size // 8 + 4 * len(self.docs) + 4 * self.size


class SegmentSets:
    """Per-segment sets, ignoring deletions (applied per searcher), shared between searchers."""

    def __init__(self) -> None:
        self._segments: OrderedDict[str, dict[Any, Any]] = OrderedDict()
        self._terms: OrderedDict[tuple[str, str], TermData] = OrderedDict()
        self._term_bytes = 0
        # Sets combined over a run of leading segments (ids in order), deletions ignored:
        # a save adds a small segment at the end, so the next searcher reuses these.
        self.combined: OrderedDict[tuple, int] = OrderedDict()
        self.lock = threading.Lock()

    def get_combined(self, key: tuple) -> int | None:
        with self.lock:
            found = self.combined.get(key)
            if found is not None:
                self.combined.move_to_end(key)
            return found

    def keep_combined(self, key: tuple, value: int) -> None:
        with self.lock:
            self.combined[key] = value
            while len(self.combined) > _COMBINED:
                self.combined.popitem(last=False)

    def term(self, segment_id: str, term: str) -> TermData | None:
        key = (segment_id, term)
        found = self._terms.get(key)
        if found is not None:
            self._terms.move_to_end(key)
        return found

    def keep_term(self, segment_id: str, term: str, data: TermData) -> None:
        key = (segment_id, term)
        old = self._terms.pop(key, None)
        if old is not None:
            self._term_bytes -= old.nbytes()
        self._terms[key] = data
        self._term_bytes += data.nbytes()
        while self._term_bytes > TERM_CACHE_BYTES and len(self._terms) > 1:
            _, dropped = self._terms.popitem(last=False)
            self._term_bytes -= dropped.nbytes()

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
            side = self._segments[name].get("side")
            if side:
                side.close()
            del self._segments[name]
        for key in [k for k in self._terms if k[0] not in segment_ids]:
            self._term_bytes -= self._terms.pop(key).nbytes()
        for key in [k for k in self.combined if not segment_ids.issuperset(k[0])]:
            del self.combined[key]


def _raw_ids(reader, fieldname: str, value: bytes):
    """Documents with the term in one segment, deleted ones included."""
    try:
        return raw_ids(reader, fieldname, value)
    except (TermNotFound, KeyError):
        return ()


class View:
    """A searcher plus lazily built bit sets over its documents."""

    def __init__(self, searcher, shared_sets: SegmentSets) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        # An index made before attachments were searched has no ``attext`` (until a rebuild).
        self.team_fields = tuple(f for f in TEAM if f in searcher.schema)
        self.size = self.reader.doc_count_all()
        self.leaves = []
        leaf_readers = self.reader.leaf_readers()
        self._leaf_count = len(leaf_readers)
        for reader, offset in leaf_readers:
            segment = reader.segment() if hasattr(reader, "segment") else None
            if segment is None:
                continue
            self.leaves.append((reader, offset, shared_sets.for_segment(segment.segment_id())))
        shared_sets.keep_only({r.segment().segment_id() for r, _, _ in self.leaves})
        self.shared = shared_sets
        self.ids = [r.segment().segment_id() for r, _, _ in self.leaves]
        # The leading segments written in bulk: their combined sets outlive this searcher.
        lead = 0
        while lead < len(self.leaves) and self.leaves[lead][0].doc_count_all() >= STABLE:
            lead += 1
        self._lead = lead
        self._lead_ids = tuple(self.ids[:lead])
        # Words' data and sets, a searcher's own index into the shared caches (bounded: the
        # shared LRU lets a word go, and nothing here may keep it).
        self._terms: dict[Any, list[TermData]] = _Recent(_VIEW_TERMS)
        self._stats: dict[Any, float] = {}
        self.live = self._live()
        self._bits: dict[tuple, int] = _Recent(_VIEW_BITS)
        # Other answers that depend on this searcher alone (e.g. a misspelt word's correction).
        self.remembered: dict[Any, Any] = _Recent(_VIEW_BITS)
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
            encoded = value.encode("utf-8")

            def local(reader, sets) -> int:
                found = sets.get(key)
                if found is None:
                    found = sets[key] = bits.from_docs(
                        _raw_ids(reader, fieldname, encoded), reader.doc_count_all()
                    )
                return found

            found = self._bits[key] = self._combine(key, local) & self.live
        return found

    def _combine(self, key, local) -> int:
        """The union of each segment's ``local(reader, sets)`` shifted to its place; the
        leading bulk segments' part is shared between searchers."""
        leaves = self.leaves
        shared_key = (self._lead_ids, key)
        found = self.shared.get_combined(shared_key) if self._lead > 1 else None
        if found is None:
            found = 0
            for reader, offset, sets in leaves[: self._lead]:
                found |= local(reader, sets) << offset
            if self._lead > 1:
                self.shared.keep_combined(shared_key, found)
        for reader, offset, sets in leaves[self._lead :]:
            found |= local(reader, sets) << offset
        return found

    def values(self, fieldname: str) -> dict[str, list[str]]:
        """Every indexed value of a field, keyed by its case-folded form."""
        found = self._values.get(fieldname)
        if found is None:
            names: set[str] = set()
            for reader, _, sets in self.leaves:
                local = sets.get(("lex", fieldname))
                if local is None:
                    local = sets[("lex", fieldname)] = frozenset(
                        b.decode("utf-8") for b in reader.lexicon(fieldname)
                    )
                names |= local
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

    def _date_columns(self, reader, sets) -> tuple[list[str], array]:
        """The segment's (day, doc) pairs as two columns: days to bisect, docs to slice."""
        found = sets.get("date_columns")
        if found is None:
            dated = self._segment_dates(reader, sets)
            found = sets["date_columns"] = (
                [day for day, _ in dated],
                array("I", (doc for _, doc in dated)),
            )
        return found

    def between(self, first: str | None, last: str | None) -> int:
        """Live documents dated from ``first`` to ``last`` inclusive (None = open)."""
        key = (first, last)
        found = self._dates.get(key)
        if found is None:
            found = 0
            for reader, offset, sets in self.leaves:
                days, docs = self._date_columns(reader, sets)
                lo = 0 if first is None else bisect.bisect_left(days, first)
                hi = len(days) if last is None else bisect.bisect_right(days, last)
                found |= bits.from_docs(docs[lo:hi], reader.doc_count_all()) << offset
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

    # Words

    def _side(self, reader, sets):
        side = sets.get("side")
        if side is None:
            found = postings.open_side(reader_storage(reader), reader.segment())
            side = sets["side"] = found or False
        return side

    def _side_for(self, reader, sets, fieldname: str):
        """The segment's side file if it holds the field (one written before attachments'
        text was held in side files answers ``attext`` through Whoosh), else None."""
        if fieldname not in postings.SIDE_FIELDS:
            return None
        side = self._side(reader, sets)
        return side if side and side.holds(fieldname) else None

    def _lengths(self, reader, sets, fieldname: str) -> array:
        key = ("len", fieldname)
        found = sets.get(key)
        if found is None:
            side = self._side_for(reader, sets, fieldname)
            found = side.lengths(fieldname) if side else postings.whoosh_lengths(reader, fieldname)
            sets[key] = found
        return found

    def scored(self) -> int:
        """The documents scoring counts, as Whoosh counts them (deleted ones included), less
        erased holes: they hold no postings and no lengths (an index with a record erased
        scores as one rebuilt without it)."""
        found = self._stats.get("scored")
        if found is None:
            holes = 0
            for reader, _, sets in self.leaves:
                side = self._side(reader, sets)
                holes += len(side.holes) if side else 0
            found = self._stats["scored"] = self.size - holes
        return found

    def avg_length(self, fieldname: str) -> float:
        key = ("avg", fieldname)
        found = self._stats.get(key)
        if found is None:
            n = self.scored()
            total = self.searcher.field_length(fieldname) if n else 0
            found = self._stats[key] = (total / n if n else 0.0) or 1.0
        return found

    def idf(self, fieldname: str, term: str) -> float:
        key = (fieldname, term)
        found = self._stats.get(key)
        if found is None:
            n = self._doc_frequency(fieldname, term)
            size = self.scored()
            found = self._stats[key] = math.log(size / (n + 1)) + 1 if size else 1.0
        return found

    def _doc_frequency(self, fieldname: str, term: str) -> int:
        """Whoosh's document frequency (deleted documents included), from the side files'
        directories where every segment has one (no term-table reads from disk)."""
        if self._leaf_count != len(self.leaves) or fieldname not in postings.SIDE_FIELDS:
            return self.reader.doc_frequency(fieldname, term)
        tbytes = term.encode("utf-8")
        n = 0
        for reader, _, sets in self.leaves:
            side = self._side_for(reader, sets, fieldname)
            if side:
                n += side.count(fieldname, tbytes)
            else:
                n += reader.doc_frequency(fieldname, term)
        return n

    def term_data(self, term: str) -> list[TermData]:
        """The word's data in each segment as the team scores it (title, body and the
        attachments hidden outside the team; cached per segment across searchers)."""
        return self._term_data(term, term, self.team_fields)

    def term_data_shown(self, term: str) -> list[TermData]:
        """The word's data as readers outside the team score it where no name is masked:
        title and body only, so text hidden from them moves no score (what the team's data
        is made from, so a word the team searched is ready for them too)."""
        if "attext" not in self.team_fields:
            return self.term_data(term)
        return self._term_data(("shown", term), term, SCORED)

    def _term_data(self, key, term: str, fieldnames: tuple[str, ...]) -> list[TermData]:
        found = self._terms.get(key)
        if found is None:
            found = []
            shared = self.shared
            for (reader, _, sets), segment_id in zip(self.leaves, self.ids, strict=True):
                with shared.lock:
                    data = shared.term(segment_id, key)
                if data is None:
                    if fieldnames == SCORED or "attext" not in fieldnames:
                        data = self._make_term(reader, sets, term, fieldnames)
                    else:
                        data = self._team_term(reader, sets, segment_id, term)
                    with shared.lock:
                        shared.keep_term(segment_id, key, data)
                found.append(data)
            self._terms[key] = found
        return found

    def _team_term(self, reader, sets, segment_id, term: str) -> TermData:
        """One segment's data as the team scores the word: what readers outside the team
        score (title and body, kept for them too) with the hidden attachments' text added."""
        shared = self.shared
        with shared.lock:
            shown = shared.term(segment_id, ("shown", term))
        if shown is None:
            shown = self._make_term(reader, sets, term, SCORED)
            with shared.lock:
                shared.keep_term(segment_id, ("shown", term), shown)
        docs, weights = self._postings(reader, sets, "attext", term.encode("utf-8"))
        if not docs:
            return shown
        size = reader.doc_count_all()
        hidden = self._field_scores(reader, sets, "attext", docs, weights, self.idf("attext", term))
        if not shown.docs:
            return TermData(docs, hidden, size)
        merged, scores = merged_scores([(shown.docs, shown.scores), (docs, hidden)])
        return TermData(merged, scores, size, held=shown.bits | bits.from_docs(docs, size))

    def term_data_outside(self, term: str) -> list[TermData]:
        """The word's data as readers outside the team score it: a document where it is a
        masked name (``xmask``) does not hold it, and is not counted in its idf, so a name
        they may not see moves no score (cached per segment, as :meth:`term_data` is)."""
        key = ("outside", term)
        found = self._terms.get(key)
        if found is None:
            leaves = list(zip(self.leaves, self.ids, strict=True))
            with self.shared.lock:
                cached = [self.shared.term(segment_id, key) for _, segment_id in leaves]
            fresh = {
                k: self._outside_postings(reader, sets, term)
                for k, ((reader, _, sets), _) in enumerate(leaves)
                if cached[k] is None or ("hidden", term) not in sets
            }
            hidden = {
                f: sum(sets[("hidden", term)][f] for _, _, sets in self.leaves) for f in SCORED
            }

            def idf(fieldname: str) -> float:
                n = self._doc_frequency(fieldname, term) - hidden[fieldname]
                size = self.scored()
                return math.log(size / (n + 1)) + 1 if size else 1.0

            for k, ((reader, _, sets), segment_id) in enumerate(leaves):
                if cached[k] is None:
                    cached[k] = self._scored_term(reader, sets, fresh[k], idf)
                    with self.shared.lock:
                        self.shared.keep_term(segment_id, key, cached[k])
            found = self._terms[key] = cached
        return found

    def _outside_postings(self, reader, sets, term: str) -> list[tuple[str, array, array]]:
        """One segment's postings of the word less the documents where it is a masked name;
        how many each field lost is kept with the segment's sets (for the idf)."""
        tbytes = term.encode("utf-8")
        masked = list(_raw_ids(reader, "xmask", tbytes))
        fields, hidden = [], {}
        for fieldname in SCORED:
            docs, weights = self._postings(reader, sets, fieldname, tbytes)
            kept, weights = _without(docs, weights, masked) if masked and docs else (docs, weights)
            hidden[fieldname] = len(docs) - len(kept)
            fields.append((fieldname, kept, weights))
        sets[("hidden", term)] = hidden
        return fields

    def _postings(self, reader, sets, fieldname: str, tbytes: bytes) -> tuple[array, array]:
        side = self._side_for(reader, sets, fieldname)
        if side:
            return side.term(fieldname, tbytes)
        return postings.from_whoosh(reader, fieldname, tbytes)

    def _make_term(self, reader, sets, term: str, fieldnames: tuple[str, ...]) -> TermData:
        tbytes = term.encode("utf-8")
        fields = [(f, *self._postings(reader, sets, f, tbytes)) for f in fieldnames]
        return self._scored_term(reader, sets, fields, lambda f: self.idf(f, term))

    def _field_scores(self, reader, sets, fieldname: str, docs, weights, idf: float) -> array:
        """One field's BM25 scores of a word's postings in one segment."""
        lens = self._lengths(reader, sets, fieldname)
        top = idf * (K1 + 1)
        return bm25(docs, weights, lens, top, K1 * (1 - B), K1 * B / self.avg_length(fieldname))

    def _scored_term(self, reader, sets, fields, idf) -> TermData:
        """One segment's TermData from each scored field's (name, docs, weights)."""
        found = []
        for fieldname, docs, weights in fields:
            if docs:
                scores = self._field_scores(reader, sets, fieldname, docs, weights, idf(fieldname))
                found.append((docs, scores))
        if not found:
            return TermData(array("I"), array("f"), reader.doc_count_all())
        found.sort(key=lambda f: len(f[0]), reverse=True)  # stable: ties in field order
        docs, scores = merged_scores(found)
        return TermData(docs, scores, reader.doc_count_all())

    def word_bits(self, term: str, team: bool = True) -> int:
        """Live documents holding the stemmed term where the team searches (title, body and
        hidden attachments) or, with ``team=False``, where readers outside it do."""
        key = ("w", term, team)
        found = self._bits.get(key)
        if found is None:
            segments = self.term_data(term) if team else self.term_data_shown(term)
            found = 0
            for data, (_, offset, _) in zip(segments, self.leaves, strict=True):
                if data.bits:
                    found |= data.bits << offset
            found = self._bits[key] = found & self.live
        return found

    def phrase_bits(
        self, fieldname: str, words: list[tuple[str, int]], within: int | None = None
    ) -> int:
        """Live documents with the words at their offsets in one field (offsets from 0);
        ``within``: only these documents are looked at in segments read through Whoosh (a
        segment with a side file answers for all its documents: the caller keeps ``within``)."""
        found = 0
        for reader, offset, sets in self.leaves:
            side = self._side_for(reader, sets, fieldname)
            if side and max(o for _, o in words) < postings.GAP:
                local = _phrase_side(side, fieldname, words)
            else:
                mask = None
                if within is not None:
                    mask = (within >> offset) & ((1 << reader.doc_count_all()) - 1)
                    if not mask:
                        continue
                local = _phrase_whoosh(reader, fieldname, words, mask)
            if local:
                found |= local << offset
        return found & self.live

    def docs_with(self, fieldname: str, values: list[str]) -> list[int]:
        """Live documents holding any of the exact terms (e.g. record ids)."""
        found = []
        raw = self.live.to_bytes((self.size + 8) >> 3, "little")
        for value in values:
            encoded = value.encode("utf-8")
            for reader, offset, _ in self.leaves:
                for doc in _raw_ids(reader, fieldname, encoded):
                    g = doc + offset
                    if raw[g >> 3] >> (g & 7) & 1:
                        found.append(g)
        return sorted(set(found))

    # Dates, newest first

    def newest(self, allowed: int, need: int) -> list[int]:
        """Up to ``need`` allowed documents, newest first (ties: higher number first)."""
        raw = allowed.to_bytes((allowed.bit_length() + 8) >> 3, "little")
        size = len(raw) << 3
        found: list[tuple[str, int]] = []
        for reader, offset, sets in self.leaves:
            taken = 0
            for day, doc in reversed(self._segment_dates(reader, sets)):
                g = doc + offset
                if g < size and raw[g >> 3] >> (g & 7) & 1:
                    found.append((day, g))
                    taken += 1
                    if taken >= need:
                        break
        found.sort(reverse=True)
        docs = [g for _, g in found[:need]]
        if len(docs) < need:
            undated = allowed & ~self._all_dated()
            docs.extend(list(bits.docs(undated, reverse=True))[: need - len(docs)])
        return docs

    def _all_dated(self) -> int:
        found = self._bits.get(("dated",))
        if found is None:
            found = 0
            for reader, offset, sets in self.leaves:
                found |= (
                    bits.from_docs(
                        (d for _, d in self._segment_dates(reader, sets)), reader.doc_count_all()
                    )
                    << offset
                )
            self._bits[("dated",)] = found
        return found


def _without(docs: array, weights: array, masked) -> tuple[array, array]:
    """The postings whose document is not in ``masked`` (numpy for long lists)."""
    if len(docs) < VECTOR_MIN:
        hidden = set(masked)
        keep = [j for j, d in enumerate(docs) if d not in hidden]
        return array("I", [docs[j] for j in keep]), array("f", [weights[j] for j in keep])
    ids = np.frombuffer(docs, dtype=np.uint32)
    keep = ~np.isin(ids, np.asarray(masked, dtype=np.uint32))
    kept_weights = np.frombuffer(weights, dtype=np.float32)[keep]
    return array("I", ids[keep].tobytes()), array("f", kept_weights.tobytes())


def _phrase_side(side, fieldname: str, words: list[tuple[str, int]]) -> int:
    """Local documents of one segment with the phrase, from token numbers and word pairs.

    Each two neighbouring words of the phrase that are both common in this segment become
    one *pair* unit (its start tokens, from the side file; none there: no match); the other
    words stay word units. A lone pair is answered by its list of documents. Otherwise a
    phrase starts at token ``s`` when every unit occurs at ``s + offset``: the rarest unit's
    shifted tokens are the candidates, and each other unit keeps those it holds (looked up in
    its sorted tokens: numpy for long lists, else a set or bisection). Each unit's place in
    the side file is looked up once.
    """
    encoded = [(t.encode("utf-8"), o) for t, o in words]
    common = side.common(fieldname)
    units: list[tuple[int, int, tuple, int]] = []  # (count, kind, entry, offset); kind 1 = pair
    covered: set[int] = set()
    for i, ((a, oa), (b, ob)) in enumerate(zip(encoded, encoded[1:], strict=False)):
        gap = ob - oa
        if a in common and b in common and 0 < gap <= postings.MAX_GAP:
            entry = side.pair_entry(fieldname, a, b, gap)
            if not entry or not entry[2]:
                return 0
            units.append((entry[2], 1, entry, oa))
            covered.update((i, i + 1))
    for i, (term, o) in enumerate(encoded):
        if i not in covered:
            entry = side.token_entry(fieldname, term)
            if not entry or not entry[2]:
                return 0
            units.append((entry[2], 0, entry, o))
    if len(units) == 1 and units[0][1] == 1:
        return bits.from_docs(side.pair_entry_docs(units[0][2]), side.doccount)
    units.sort(key=lambda u: u[0])
    read = [side.pair_entry_starts if kind else side.entry_tokens for _, kind, _, _ in units]
    if units[0][0] >= VECTOR_MIN:
        starts = _phrase_starts_vector(units, read)
        if starts is None:
            return 0
        bases = np.frombuffer(side.bases(fieldname), dtype=np.uint32)
        docs = np.unique(np.searchsorted(bases, starts, side="right") - 1)
        return bits.from_docs(docs.tolist(), len(bases))
    starts: set[int] | None = None
    for (count, _, entry, offset), reader in zip(units, read, strict=True):
        tokens = reader(entry)
        if starts is None:
            starts = set(map((-offset).__add__, tokens)) if offset else set(tokens)
        elif len(starts) * 16 < count:
            starts = {s for s in starts if _holds(tokens, s + offset)}
        else:
            starts = starts.intersection(map((-offset).__add__, tokens) if offset else tokens)
        if not starts:
            return 0
    bases = side.bases(fieldname)
    docs = {bisect.bisect_right(bases, s) - 1 for s in starts}
    return bits.from_docs(docs, len(bases))


def _phrase_starts_vector(units, read):
    """The phrase's start tokens (int64, ascending) from its units, the rarest first, each
    other unit's sorted tokens searched for the candidates in C; None when none is left."""
    starts = None
    for (_, _, entry, offset), reader in zip(units, read, strict=True):
        tokens = np.frombuffer(reader(entry), dtype=np.uint32).astype(np.int64)
        if starts is None:
            starts = tokens - offset
            continue
        wanted = starts + offset
        at = np.minimum(np.searchsorted(tokens, wanted), len(tokens) - 1)
        starts = starts[tokens[at] == wanted]
        if not len(starts):
            return None
    return starts


def _holds(tokens: array, token: int) -> bool:
    """Whether the ascending ``tokens`` hold ``token``."""
    i = bisect.bisect_left(tokens, token)
    return i < len(tokens) and tokens[i] == token


def _phrase_whoosh(
    reader, fieldname: str, words: list[tuple[str, int]], within: int | None = None
) -> int:
    """Local documents of a (small) segment with the phrase, from Whoosh's positions;
    ``within`` (local bits): only those documents, each reached by skipping to it (the
    attachments' text of every record holding the words was decoded: phrase searches were
    two to three times slower once 10,000 files were attached)."""
    fmt = reader.schema[fieldname].format
    places: dict[int, set[int]] | None = None
    for term, offset in words:
        try:
            m = term_matcher(reader, fieldname, term.encode("utf-8"))
        except (TermNotFound, KeyError):
            return 0
        found: dict[int, set[int]] = {}
        if places is not None:
            targets: list[int] | None = sorted(places)
        else:
            targets = None if within is None else list(bits.docs(within))
        if targets is None:
            while m.is_active():
                doc = m.id()
                shifted = {p - offset for p in fmt.decode_positions(m.value())}
                if shifted:
                    found[doc] = shifted
                m.next()
        else:
            for doc in targets:
                if m.is_active() and m.id() < doc:
                    m.skip_to(doc)
                if not m.is_active():
                    break
                if m.id() == doc:
                    shifted = {p - offset for p in fmt.decode_positions(m.value())}
                    if places is not None:
                        shifted &= places[doc]
                    if shifted:
                        found[doc] = shifted
        places = found
        if not places:
            return 0
    return bits.from_docs(places or (), reader.doc_count_all())
