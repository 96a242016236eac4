"""Side files: a segment's ``title``/``body`` term lists as raw arrays, and its field lengths.

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

Layout: ``b"WMT2"``, the arrays, the pickled directory, the directory's offset (8 bytes).
Arrays use the machine's byte order: the index is a cache rebuilt on the machine using it.
Segments written by :class:`~.building.FastWriter` have one; others (small segments written
by a save) are read through Whoosh (:func:`from_whoosh`).
"""

from __future__ import annotations

import bisect
import mmap
import os
import pickle
import struct
from array import array
from functools import partial
from itertools import compress
from operator import or_

from whoosh.reading import TermNotFound

from .whoosh_private import block_postings, storage_folder

MAGIC = b"WMT2"
GAP = 256  # token numbers left free between two documents: phrases never span documents
EXT = ".wmt"
_TAIL = struct.Struct("<Q")
COMMON_TERMS = 32  # a segment's most frequent terms per field whose pairs are indexed
MAX_GAP = 2  # pairs indexed at distances 1..MAX_GAP ("support for families": distance 2)


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
) -> None:
    """Write the side file of ``segment`` (``fields``: field -> term -> (docs, weights, _)).

    ``tokens``: field -> term -> its occurrences as token numbers ``bases[field][doc] +
    position``; ``bases``: field -> each document's first token number (and one past the
    last), so a phrase is an intersection of shifted token sets.
    """
    directory: dict = {
        "doccount": doccount,
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
        for name, values in lens.items():
            directory["lens"][name] = array("I", values[:doccount]).tobytes()
        for name, values in bases.items():
            directory["bases"][name] = array("I", values[: doccount + 1]).tobytes()
        f.write(pickle.dumps(directory, protocol=5))
        f.write(_TAIL.pack(offset))
    finally:
        f.close()


class SideFile:
    """A read-only view of one segment's side file."""

    def __init__(self, path: str) -> None:
        with open(path, "rb") as handle:
            self._map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        m = self._map
        if m[: len(MAGIC)] != MAGIC:
            raise ValueError(f"{path} is not a side file")
        (start,) = _TAIL.unpack(m[-_TAIL.size :])
        directory = pickle.loads(m[start : len(m) - _TAIL.size])
        self.doccount: int = directory["doccount"]
        self._terms: dict = directory["terms"]
        self._lens: dict = directory["lens"]
        self._bases: dict = directory["bases"]
        # Side files written before word pairs have none: every phrase reads token numbers.
        self._common: dict = {k: frozenset(v) for k, v in directory.get("common", {}).items()}
        self._pairs: dict = directory.get("pairs", {})

    def term(self, fieldname: str, tbytes: bytes) -> tuple[array, array]:
        """The documents holding a term in a field, ascending, and their weights."""
        found = self._terms.get((fieldname, tbytes))
        docs, weights = array("I"), array("f")
        if found is not None:
            offset, count, _ = found
            docs.frombytes(self._map[offset : offset + 4 * count])
            weights.frombytes(self._map[offset + 4 * count : offset + 8 * count])
        return docs, weights

    def count(self, fieldname: str, tbytes: bytes) -> int:
        found = self._terms.get((fieldname, tbytes))
        return found[1] if found else 0

    def tokens(self, fieldname: str, tbytes: bytes) -> array:
        """The term's occurrences in a field as token numbers (see :func:`write`)."""
        found = array("I")
        entry = self._terms.get((fieldname, tbytes))
        if entry is not None:
            offset, count, ntokens = entry
            start = offset + 8 * count
            found.frombytes(self._map[start : start + 4 * ntokens])
        return found

    def terms(self, fieldname: str) -> list[bytes]:
        """Every term of a field in this segment."""
        return [t for f, t in self._terms if f == fieldname]

    def pair_keys(self, fieldname: str) -> list[tuple[bytes, bytes, int]]:
        """Every indexed word pair of a field: (first, second, gap)."""
        return [k[1:] for k in self._pairs if k[0] == fieldname]

    def token_count(self, fieldname: str, tbytes: bytes) -> int:
        entry = self._terms.get((fieldname, tbytes))
        return entry[2] if entry else 0

    def common(self, fieldname: str) -> frozenset[bytes]:
        """The field's terms whose pairs are indexed (see :func:`pairs`)."""
        return self._common.get(fieldname, frozenset())

    def pair_count(self, fieldname: str, a: bytes, b: bytes, gap: int) -> int:
        """How often ``b`` follows ``a`` at ``gap`` (both common; 0: never)."""
        entry = self._pairs.get((fieldname, a, b, gap))
        return entry[2] if entry else 0

    def pair_docs(self, fieldname: str, a: bytes, b: bytes, gap: int) -> array:
        """The documents where ``b`` follows ``a`` at ``gap``, ascending."""
        found = array("I")
        entry = self._pairs.get((fieldname, a, b, gap))
        if entry is not None:
            offset, ndocs, _ = entry
            found.frombytes(self._map[offset : offset + 4 * ndocs])
        return found

    def pair_starts(self, fieldname: str, a: bytes, b: bytes, gap: int) -> array:
        """The token numbers of ``a`` where ``b`` follows at ``gap``, ascending."""
        found = array("I")
        entry = self._pairs.get((fieldname, a, b, gap))
        if entry is not None:
            offset, ndocs, nstarts = entry
            start = offset + 4 * ndocs
            found.frombytes(self._map[start : start + 4 * nstarts])
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

    def close(self) -> None:
        self._map.close()


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
