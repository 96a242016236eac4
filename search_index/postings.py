"""Side files: a segment's ``title``/``body``/``attext`` term lists as raw arrays, and its
field lengths.

Whoosh stores each posting block as one zlib-compressed pickle of ids, weights *and*
positions, so reading which documents hold a common word means unpickling every position of
it (~3 µs a posting: 300 ms for a word in all of 100,000 records). A side file holds, per
term, the documents (``array('I')``) and weights (``array('f')``) back to back, found
through a directory at the end of the file, so the same read is a slice of a memory map.

**Word pairs** (CommonGrams, as Lucene's filter): a phrase of two frequent words would
otherwise intersect two long lists of token numbers (a 100,000-record phrase of two of the
commonest words: over a second). So the side file also names the field's :data:`COMMON_TERMS`
most frequent terms *of this segment* and holds, for every pair ``(a, b, d)`` of them that
occurs with ``b`` exactly ``d`` positions after ``a`` (``d`` up to :data:`MAX_GAP`, positions
counting stop words), the documents and the token numbers where the pair starts. A two-word
phrase of common words is then one list of documents; a longer one intersects the pairs'
(short) start lists. A pair of common words that is absent never occurs in the segment.

Layout: ``b"WMT3"``, the arrays, the pickled directory (its term and pair tables as flat
arrays, looked up by bisection), the directory's offset (8 bytes). Side files of an older
layout are not read: those segments are read through Whoosh until ``wm2u reindex``.
Arrays use the machine's byte order: the index is a cache rebuilt on the machine using it.
Segments written by :class:`~.building.FastWriter` have one; others (small segments written
by a save) are read through Whoosh (:func:`from_whoosh`).
"""

from __future__ import annotations

import bisect
import contextlib
import os
import pickle
import struct
from array import array
from functools import partial
from itertools import compress
from operator import or_

from whoosh.reading import TermNotFound

from .whoosh_private import block_postings, storage_folder

MAGIC = b"WMT3"  # 3: word pairs, flat directories (older side files are not read)
GAP = 256  # token numbers left free between two documents: phrases never span documents
EXT = ".wmt"
_TAIL = struct.Struct("<Q")
COMMON_TERMS = 32  # a segment's most frequent terms per field whose pairs are indexed
MAX_GAP = 2  # pairs indexed at distances 1..MAX_GAP ("support for families": distance 2)
# The fields a side file holds where the schema has them (``attext``: the attachments' text
# only the team searches). A side file written before ``attext`` was added holds title and
# body only (see :meth:`SideFile.holds`): same layout, its attext read through Whoosh.
SIDE_FIELDS = ("title", "body", "attext")


def side_fields(schema) -> tuple[str, ...]:
    """The fields a side file written for ``schema`` holds."""
    return tuple(name for name in SIDE_FIELDS if name in schema)


def common_terms(tokens: dict[bytes, array], top: int | None = None) -> list[bytes]:
    """The ``top`` (default :data:`COMMON_TERMS`) terms with the most occurrences, if more
    than one (ties by term, so the choice is stable)."""
    top = COMMON_TERMS if top is None else top
    ranked = sorted(tokens, key=lambda t: (-len(tokens[t]), t))
    return sorted(t for t in ranked[:top] if len(tokens[t]) > 1)


def pairs(
    tokens: dict[bytes, array], bases: array, common: list[bytes]
) -> dict[tuple[bytes, bytes, int], tuple[array, array]]:
    """Every occurring pair of ``common`` terms at distance 1..MAX_GAP: (docs, starts).

    ``tokens`` must be ascending (they are: documents in order, positions in order), so each
    pair's starts are too.
    """
    at: dict[int, int] = {}
    for i, term in enumerate(common, 1):  # 1-based: 0 would be false for compress()
        at.update(dict.fromkeys(tokens[term], i))
    found: dict[tuple[bytes, bytes, int], tuple[array, array]] = {}
    doc_of = partial(bisect.bisect_right, bases)
    minus_one = (-1).__add__
    high, low = 1 << 32, (1 << 32) - 1
    for first in common:
        ta = tokens[first]
        for gap in range(1, MAX_GAP + 1):
            following = list(map(at.get, map(gap.__add__, ta)))
            # (j << 32 | start) sorted: grouped by the following term, starts ascending; in C.
            keys = map(high.__mul__, filter(None, following))
            keyed = sorted(map(or_, keys, compress(ta, following)))
            if not keyed:
                continue
            for j in sorted(set(map((32).__rrshift__, keyed))):
                lo = bisect.bisect_left(keyed, j << 32)
                hi = bisect.bisect_left(keyed, (j + 1) << 32, lo)
                chosen = array("I", map(low.__and__, keyed[lo:hi]))
                docs = array("I", map(minus_one, sorted(set(map(doc_of, chosen)))))
                found[(first, common[j - 1], gap)] = (docs, chosen)
    return found


def write(
    storage,
    segment,
    doccount: int,
    fields: dict,
    lens: dict[str, array],
    tokens: dict[str, dict[bytes, array]],
    bases: dict[str, array],
    given: dict | None = None,
    holes: list[int] | None = None,
    raw: dict[str, dict[bytes, tuple[bytes, int, int]]] | None = None,
) -> None:
    """Write the side file of ``segment`` (``fields``: field -> term -> (docs, weights, _)).

    ``tokens``: field -> term -> its occurrences as token numbers ``bases[field][doc] +
    position``; ``bases``: field -> each document's first token number (and one past the
    last), so a phrase is an intersection of shifted token sets. ``holes``: the segment's
    erased documents (numbered, deleted, without postings; see :mod:`.erasing`). ``raw``:
    field -> term -> (its bytes in another side file, documents, tokens), written as they
    are (a segment rewritten in place keeps most terms' data unchanged).
    """
    directory: dict = {
        "doccount": doccount,
        "holes": list(holes or ()),
        "terms": {},
        "lens": {},
        "bases": {},
        "common": {},
        "pairs": {},
    }
    terms = directory["terms"]
    f = storage.create_file(segment.make_filename(EXT))
    try:
        f.write(MAGIC)
        offset = len(MAGIC)
        for name, found in fields.items():
            for tbytes, (docs, weights, _) in found.items():
                if docs.itemsize != 4 or weights.itemsize != 4:
                    docs, weights = array("I", docs), array("f", weights)
                found = tokens.get(name, {}).get(tbytes, array("I"))
                f.write(docs.tobytes())
                f.write(weights.tobytes())
                f.write(found.tobytes())
                terms[(name, tbytes)] = (offset, len(docs), len(found))
                offset += 8 * len(docs) + 4 * len(found)
        for name, found in (raw or {}).items():
            for tbytes, (blob, count, ntokens) in found.items():
                f.write(blob)
                terms[(name, tbytes)] = (offset, count, ntokens)
                offset += len(blob)
        for name, found in tokens.items():
            if given and name in given:
                common, known = given[name]
            else:
                common = common_terms(found)
                known = pairs(found, bases[name], common)
            directory["common"][name] = common
            for (a, b, gap), (docs, starts) in sorted(known.items()):
                f.write(docs.tobytes())
                f.write(starts.tobytes())
                directory["pairs"][(name, a, b, gap)] = (offset, len(docs), len(starts))
                offset += 4 * len(docs) + 4 * len(starts)
        directory["terms"] = _term_tables(terms)
        directory["pairs"] = _pair_tables(directory["pairs"], directory["common"])
        for name, values in lens.items():
            directory["lens"][name] = array("I", values[:doccount]).tobytes()
        for name, values in bases.items():
            directory["bases"][name] = array("I", values[: doccount + 1]).tobytes()
        f.write(pickle.dumps(directory, protocol=5))
        f.write(_TAIL.pack(offset))
    finally:
        f.close()


def _term_tables(terms: dict) -> dict:
    """Per field, the term directory as flat arrays (a dict of tuples per term would cost
    ~250 bytes a term in every process, for every segment): the sorted terms joined, where
    each starts, and each one's (offset, documents, tokens)."""
    by_field: dict[str, list] = {}
    for (name, tbytes), entry in terms.items():
        by_field.setdefault(name, []).append((tbytes, *entry))
    tables = {}
    for name, entries in by_field.items():
        entries.sort()
        starts = array("I", [0])
        for tbytes, *_ in entries:
            starts.append(starts[-1] + len(tbytes))
        tables[name] = (
            b"".join(e[0] for e in entries),
            starts.tobytes(),
            array("Q", (e[1] for e in entries)).tobytes(),
            array("I", (e[2] for e in entries)).tobytes(),
            array("I", (e[3] for e in entries)).tobytes(),
        )
    return tables


def _pair_key(i: int, j: int, gap: int) -> int:
    return (i << 20) | (j << 4) | gap


def _pair_tables(found: dict, common: dict[str, list[bytes]]) -> dict:
    """Per field, the word pairs' directory as flat arrays sorted by pair key (the common
    terms' indexes and the gap)."""
    by_field: dict[str, list] = {}
    indexes = {name: {t: i for i, t in enumerate(terms)} for name, terms in common.items()}
    for (name, a, b, gap), entry in found.items():
        index = indexes[name]
        by_field.setdefault(name, []).append((_pair_key(index[a], index[b], gap), *entry))
    tables = {}
    for name, entries in by_field.items():
        entries.sort()
        tables[name] = tuple(
            array(code, (e[k] for e in entries)).tobytes()
            for k, code in enumerate(("Q", "Q", "I", "I"))
        )
    return tables


class _Table:
    """Flat arrays looked up by bisection (see :func:`_term_tables`)."""

    __slots__ = ("names", "starts", "offsets", "first", "second", "n")

    def __init__(self, names: bytes, starts: bytes, offsets: bytes, first: bytes, second: bytes):
        self.names = names
        self.starts, self.offsets = array("I"), array("Q")
        self.first, self.second = array("I"), array("I")
        self.starts.frombytes(starts)
        self.offsets.frombytes(offsets)
        self.first.frombytes(first)
        self.second.frombytes(second)
        self.n = len(self.offsets)

    def name(self, i: int) -> bytes:
        return self.names[self.starts[i] : self.starts[i + 1]]

    def find(self, tbytes: bytes) -> int:
        lo, hi = 0, self.n
        names, starts = self.names, self.starts
        while lo < hi:
            mid = (lo + hi) >> 1
            if names[starts[mid] : starts[mid + 1]] < tbytes:
                lo = mid + 1
            else:
                hi = mid
        if lo < self.n and names[starts[lo] : starts[lo + 1]] == tbytes:
            return lo
        return -1


class SideFile:
    """A read-only view of one segment's side file."""

    def __init__(self, path: str) -> None:
        # Positional reads, not a memory map: a map's pages count in the server's resident
        # memory once touched (the side files of 100,000 records are ~500 MB), read pages
        # stay in the kernel's page cache either way.
        self._fd = os.open(path, os.O_RDONLY)
        try:
            size = os.fstat(self._fd).st_size
            if size < len(MAGIC) + _TAIL.size or self._read(0, len(MAGIC)) != MAGIC:
                raise ValueError(f"{path} is not a side file")
            (start,) = _TAIL.unpack(self._read(size - _TAIL.size, _TAIL.size))
            directory = pickle.loads(self._read(start, size - _TAIL.size - start))
        except BaseException:
            self.close()
            raise
        self.doccount: int = directory["doccount"]
        self.holes: list[int] = directory.get("holes", [])  # erased: numbered, no postings
        self._tables = {name: _Table(*t) for name, t in directory["terms"].items()}
        self._lens: dict = directory["lens"]
        self._bases: dict = directory["bases"]
        self._common_list: dict[str, list[bytes]] = directory["common"]
        self._common = {k: frozenset(v) for k, v in self._common_list.items()}
        self._common_index = {
            k: {t: i for i, t in enumerate(v)} for k, v in self._common_list.items()
        }
        self._pairs: dict[str, tuple[array, ...]] = {}
        for name, raw in directory["pairs"].items():
            arrays = tuple(array(code) for code in ("Q", "Q", "I", "I"))
            for found, data in zip(arrays, raw, strict=True):
                found.frombytes(data)
            self._pairs[name] = arrays

    def holds(self, fieldname: str) -> bool:
        """Whether this side file holds the field (its lengths are written for every field
        it holds, even with no term)."""
        return fieldname in self._lens

    def fields(self) -> tuple[str, ...]:
        """The fields this side file holds, in :data:`SIDE_FIELDS` order."""
        return tuple(name for name in SIDE_FIELDS if name in self._lens)

    def _entry(self, fieldname: str, tbytes: bytes) -> tuple[int, int, int] | None:
        table = self._tables.get(fieldname)
        if table is None:
            return None
        i = table.find(tbytes)
        if i < 0:
            return None
        return table.offsets[i], table.first[i], table.second[i]

    def _pair(self, fieldname: str, a: bytes, b: bytes, gap: int) -> tuple[int, int, int] | None:
        index = self._common_index.get(fieldname)
        arrays = self._pairs.get(fieldname)
        if not index or arrays is None or a not in index or b not in index:
            return None
        keys, offsets, ndocs, nstarts = arrays
        key = _pair_key(index[a], index[b], gap)
        i = bisect.bisect_left(keys, key)
        if i < len(keys) and keys[i] == key:
            return offsets[i], ndocs[i], nstarts[i]
        return None

    def term(self, fieldname: str, tbytes: bytes) -> tuple[array, array]:
        """The documents holding a term in a field, ascending, and their weights."""
        found = self._entry(fieldname, tbytes)
        docs, weights = array("I"), array("f")
        if found is not None:
            offset, count, _ = found
            both = self._read(offset, 8 * count)
            docs.frombytes(both[: 4 * count])
            weights.frombytes(both[4 * count :])
        return docs, weights

    def count(self, fieldname: str, tbytes: bytes) -> int:
        found = self._entry(fieldname, tbytes)
        return found[1] if found else 0

    def tokens(self, fieldname: str, tbytes: bytes) -> array:
        """The term's occurrences in a field as token numbers (see :func:`write`)."""
        found = array("I")
        entry = self._entry(fieldname, tbytes)
        if entry is not None:
            offset, count, ntokens = entry
            start = offset + 8 * count
            found.frombytes(self._read(start, 4 * ntokens))
        return found

    def entries(self, fieldname: str):
        """Every term of a field in sorted order as ``(text, entry)``; ``entry`` is for
        :meth:`entry_docs` and :meth:`entry_bytes`."""
        table = self._tables.get(fieldname)
        if table is None:
            return
        for i in range(table.n):
            yield table.name(i), (table.offsets[i], table.first[i], table.second[i])

    def entry_docs(self, entry) -> array:
        offset, count, _ = entry
        found = array("I")
        found.frombytes(self._read(offset, 4 * count))
        return found

    def entry_bytes(self, entry) -> tuple[bytes, int, int]:
        """A term's documents, weights and tokens as stored, for :func:`write`'s ``raw``."""
        offset, count, ntokens = entry
        return self._read(offset, 8 * count + 4 * ntokens), count, ntokens

    def terms(self, fieldname: str) -> list[bytes]:
        """Every term of a field in this segment, sorted."""
        table = self._tables.get(fieldname)
        return [table.name(i) for i in range(table.n)] if table else []

    def pair_keys(self, fieldname: str) -> list[tuple[bytes, bytes, int]]:
        """Every indexed word pair of a field: (first, second, gap)."""
        arrays = self._pairs.get(fieldname)
        common = self._common_list.get(fieldname, [])
        if arrays is None:
            return []
        return [(common[k >> 20], common[(k >> 4) & 0xFFFF], k & 15) for k in arrays[0]]

    def token_count(self, fieldname: str, tbytes: bytes) -> int:
        entry = self._entry(fieldname, tbytes)
        return entry[2] if entry else 0

    def common(self, fieldname: str) -> frozenset[bytes]:
        """The field's terms whose pairs are indexed (see :func:`pairs`)."""
        return self._common.get(fieldname, frozenset())

    def pair_count(self, fieldname: str, a: bytes, b: bytes, gap: int) -> int:
        """How often ``b`` follows ``a`` at ``gap`` (both common; 0: never)."""
        entry = self._pair(fieldname, a, b, gap)
        return entry[2] if entry else 0

    def pair_docs(self, fieldname: str, a: bytes, b: bytes, gap: int) -> array:
        """The documents where ``b`` follows ``a`` at ``gap``, ascending."""
        found = array("I")
        entry = self._pair(fieldname, a, b, gap)
        if entry is not None:
            offset, ndocs, _ = entry
            found.frombytes(self._read(offset, 4 * ndocs))
        return found

    def token_entry(self, fieldname: str, tbytes: bytes) -> tuple[int, int, int] | None:
        """Where a term's tokens lie (for :meth:`entry_tokens`; its third item is how many),
        or None: one look-up where a phrase asks for the count and then the tokens."""
        return self._entry(fieldname, tbytes)

    def pair_entry(
        self, fieldname: str, a: bytes, b: bytes, gap: int
    ) -> tuple[int, int, int] | None:
        """Where a word pair's documents and starts lie (third item: how many starts)."""
        return self._pair(fieldname, a, b, gap)

    def entry_tokens(self, entry: tuple[int, int, int]) -> array:
        """A term's tokens from its :meth:`token_entry`."""
        offset, count, ntokens = entry
        found = array("I")
        found.frombytes(self._read(offset + 8 * count, 4 * ntokens))
        return found

    def pair_entry_docs(self, entry: tuple[int, int, int]) -> array:
        """A pair's documents from its :meth:`pair_entry`."""
        offset, ndocs, _ = entry
        found = array("I")
        found.frombytes(self._read(offset, 4 * ndocs))
        return found

    def pair_entry_starts(self, entry: tuple[int, int, int]) -> array:
        """A pair's start tokens from its :meth:`pair_entry`."""
        offset, ndocs, nstarts = entry
        found = array("I")
        found.frombytes(self._read(offset + 4 * ndocs, 4 * nstarts))
        return found

    def pair_starts(self, fieldname: str, a: bytes, b: bytes, gap: int) -> array:
        """The token numbers of ``a`` where ``b`` follows at ``gap``, ascending."""
        found = array("I")
        entry = self._pair(fieldname, a, b, gap)
        if entry is not None:
            offset, ndocs, nstarts = entry
            start = offset + 4 * ndocs
            found.frombytes(self._read(start, 4 * nstarts))
        return found

    def bases(self, fieldname: str) -> array:
        """Each document's first token number in a field, and one past the last document's."""
        found = array("I")
        found.frombytes(self._bases.get(fieldname, b""))
        return found

    def lengths(self, fieldname: str) -> array:
        """Each document's length (indexed words) in a field."""
        found = array("I")
        found.frombytes(self._lens.get(fieldname, b""))
        return found

    def _read(self, offset: int, size: int) -> bytes:
        found = os.pread(self._fd, size, offset)
        if len(found) != size:
            raise ValueError("side file cut short")
        return found

    def close(self) -> None:
        fd, self._fd = getattr(self, "_fd", -1), -1
        if fd >= 0:
            os.close(fd)

    def __del__(self) -> None:
        # A segment evicted from the view's cache (past _CACHED_SEGMENTS) is dropped, not
        # closed, since a view may still read it: its file is closed once nothing holds it.
        with contextlib.suppress(Exception):  # (at interpreter exit, os may be gone)
            self.close()


def open_side(storage, segment) -> SideFile | None:
    """The segment's side file, or None if it has none (or it cannot be read)."""
    folder = storage_folder(storage)
    if folder is None:
        return None
    path = os.path.join(folder, segment.make_filename(EXT))
    try:
        return SideFile(path)
    except (OSError, ValueError, pickle.UnpicklingError, EOFError, struct.error):
        return None


def from_whoosh(reader, fieldname: str, tbytes: bytes) -> tuple[array, array]:
    """A term's documents and weights read through Whoosh (deleted documents included)."""
    try:
        return block_postings(reader, fieldname, tbytes)
    except (TermNotFound, KeyError):
        return array("I"), array("f")


def whoosh_lengths(reader, fieldname: str) -> array:
    """Each document's length in a field, read through Whoosh."""
    n = reader.doc_count_all()
    return array("I", ((reader.doc_field_length(d, fieldname) or 0) for d in range(n)))
