"""Document sets as Python integers (bit n set = document n).

Filters and facets become ``&`` and ``int.bit_count()`` on a few kilobytes of memory,
and a segment's sets are combined into the searcher's with a shift.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator

import numpy as np

_BITS = [tuple(j for j in range(8) if byte >> j & 1) for byte in range(256)]


def from_docs(docs: Iterable[int], size: int) -> int:
    """The set of ``docs`` (document numbers below ``size``)."""
    if isinstance(docs, array) and docs.typecode == "I" and len(docs) >= 64:
        flags = np.zeros(size + 1, dtype=bool)
        flags[np.frombuffer(docs, dtype=np.uint32)] = True
        return int.from_bytes(np.packbits(flags, bitorder="little").tobytes(), "little")
    buffer = bytearray((size >> 3) + 1)
    for doc in docs:
        buffer[doc >> 3] |= 1 << (doc & 7)
    return int.from_bytes(buffer, "little")


def from_range(start: int, stop: int) -> int:
    """Documents ``start`` .. ``stop - 1``."""
    if stop <= start:
        return 0
    return ((1 << (stop - start)) - 1) << start


def docs(bits: int, reverse: bool = False) -> Iterator[int]:
    """The document numbers in a set, ascending (or descending)."""
    if not bits:
        return
    raw = bits.to_bytes((bits.bit_length() + 7) >> 3, "little")
    table = _BITS
    if reverse:
        for i in range(len(raw) - 1, -1, -1):
            byte = raw[i]
            if byte:
                base = i << 3
                for j in reversed(table[byte]):
                    yield base + j
    else:
        for i, byte in enumerate(raw):
            if byte:
                base = i << 3
                for j in table[byte]:
                    yield base + j
