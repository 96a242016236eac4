"""Side files: a segment's ``title``/``body`` term lists as raw arrays, and its field lengths.

Whoosh stores each posting block as one zlib-compressed pickle of ids, weights *and*
positions, so reading which documents hold a common word means unpickling every position of
it (~3 µs a posting: 300 ms for a word in all of 100,000 records). A side file holds, per
term, the documents (``array('I')``) and weights (``array('f')``) back to back, found
through a directory at the end of the file, so the same read is a slice of a memory map.

Layout: ``b"WMT1"``, the arrays, the pickled directory, the directory's offset (8 bytes).
Arrays use the machine's byte order: the index is a cache rebuilt on the machine using it.
Segments written by :class:`~.building.FastWriter` have one; others (small segments written
by a save) are read through Whoosh (:func:`from_whoosh`).
"""

from __future__ import annotations

import mmap
import os
import pickle
import struct
from array import array

from whoosh.reading import TermNotFound

from .whoosh_private import block_postings, storage_folder

MAGIC = b"WMT2"
GAP = 256  # token numbers left free between two documents: phrases never span documents
EXT = ".wmt"
_TAIL = struct.Struct("<Q")


def write(
    storage,
    segment,
    doccount: int,
    fields: dict,
    lens: dict[str, array],
    tokens: dict[str, dict[bytes, array]],
    bases: dict[str, array],
) -> None:
    """Write the side file of ``segment`` (``fields``: field -> term -> (docs, weights, _)).

    ``tokens``: field -> term -> its occurrences as token numbers ``bases[field][doc] +
    position``; ``bases``: field -> each document's first token number (and one past the
    last), so a phrase is an intersection of shifted token sets.
    """
    directory: dict = {"doccount": doccount, "terms": {}, "lens": {}, "bases": {}}
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
