"""Merge policies: keep a single save cheap, and rewrite segments on erasure.

Whoosh's default policy may merge large segments during an ordinary save (hundreds of
milliseconds at 100k records). Here a save only merges *tiny* segments of similar size
(:data:`FANOUT` of one size tier, tiers in powers of FANOUT, below :data:`LARGE` documents):
one save in five indexes about five records again (~4 ms each, plus writing their terms), one
in twenty-five about twenty-five. Small merges often rather than big ones rarely keep the
tail of save times short. Bigger segments wait for :meth:`SearchIndex.tidy` or a rebuild.
"""

from __future__ import annotations

import math
from collections import defaultdict

from whoosh.reading import SegmentReader

from . import erasing
from .schema import fitted, stored_document

FANOUT = 5  # segments of one size tier merged together
LARGE = FANOUT**2  # segments this big are never merged by a save


def _copy(writer, segment) -> None:
    reader = SegmentReader(writer.storage, writer.schema, segment)
    try:
        writer.add_reader(reader)
    finally:
        reader.close()


def _reindex(writer, segment) -> None:
    """Add a small segment's live documents again from their stored fields.

    Analysing a few records again is several times cheaper than Whoosh's posting-by-posting
    copy (``add_reader``), which reads every term's postings through the term table.
    """
    reader = SegmentReader(writer.storage, writer.schema, segment)
    try:
        docs = [stored_document(stored) for _, stored in reader.iter_docs()]
        if any(doc is None for doc in docs):
            writer.add_reader(reader)  # written before documents kept their fields
            return
    finally:
        reader.close()
    for doc in docs:
        writer.add_document(**fitted(doc, writer.schema))


def tiered(writer, segments):
    """Drop empty segments; merge a size tier once it holds FANOUT small segments."""
    keep, tiers = [], defaultdict(list)
    for segment in segments:
        if segment.doc_count() == 0:
            continue  # every document deleted: its files go with the next clean-up
        size = segment.doc_count_all()
        if size >= LARGE:
            keep.append(segment)
        else:
            tiers[int(math.log(max(size, 1), FANOUT) + 1e-9)].append(segment)
    for group in tiers.values():
        if len(group) >= FANOUT:
            for segment in group:
                _reindex(writer, segment)
        else:
            keep.extend(group)
    return keep


def rewriting(segment_ids: set[str], keys: list[bytes]):
    """A policy that rewrites the named segments without the text of the records ``keys``
    (their ``id`` terms): in place (:func:`.erasing.rewrite`: untouched posting lists copied
    as bytes, the records' documents left as empty holes) where the segment allows, else by
    copying its live documents into the writer's new segment."""

    def policy(writer, segments):
        keep = []
        for segment in segments:
            if segment.segment_id() not in segment_ids:
                keep.append(segment)
            elif segment.doc_count() > 0:
                new = erasing.rewrite(writer, segment, keys)
                if new is None:
                    _copy(writer, segment)
                else:
                    keep.append(new)  # in its place: the documents keep their numbers
        return keep

    return policy


def small_into_one(limit: int, merged: list | None = None):
    """A policy that copies segments under ``limit`` documents into the new one, smallest
    first, as long as the new one stays under ``limit`` live documents (so a later erasure
    rewrites a bounded segment). ``merged`` (a list) gets how many segments were merged."""

    def policy(writer, segments):
        small, total = [], 0
        for segment in sorted(
            (s for s in segments if s.doc_count_all() < limit), key=lambda s: s.doc_count()
        ):
            if small and total + segment.doc_count() > limit:
                break
            small.append(segment)
            total += segment.doc_count()
        if len(small) < 2:
            small = []
        for segment in small:
            if segment.doc_count() > 0:
                _copy(writer, segment)
        if merged is not None:
            merged.append(len(small))
        return [s for s in segments if s not in small and s.doc_count() > 0]

    return policy
