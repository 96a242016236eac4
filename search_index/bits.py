"""Document sets as Python integers (bit n set = document n).

Filters and facets become ``&`` and ``int.bit_count()`` on a few kilobytes of memory,
and a segment's sets are combined into the searcher's with a shift.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from whoosh.idsets import DocIdSet

_BITS = [tuple(j for j in range(8) if byte >> j & 1) for byte in range(256)]


def from_docs(docs: Iterable[int], size: int) -> int:
    """The set of ``docs`` (document numbers below ``size``)."""
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


class BitFilter(DocIdSet):
    """A read-only bit set Whoosh collectors can use as ``filter``."""

    def __init__(self, bits: int) -> None:
        self.bits = bits
        self.raw = bits.to_bytes((bits.bit_length() + 8) >> 3, "little")
        self.size = len(self.raw) << 3

    def __contains__(self, doc: int) -> bool:
        return doc < self.size and bool(self.raw[doc >> 3] >> (doc & 7) & 1)

    def __iter__(self) -> Iterator[int]:
        return docs(self.bits)

    def __len__(self) -> int:
        return self.bits.bit_count()

    def __bool__(self) -> bool:
        return bool(self.bits)
