"""Merge policies: keep a single save cheap, and rewrite segments on erasure.

Whoosh's default policy may merge large segments during an ordinary save (hundreds of
milliseconds at 100k records). Here saves only merge *small* segments of similar size
(ten of a size tier at a time); large segments are left alone until a rebuild.
"""

from __future__ import annotations

import math
from collections import defaultdict

from whoosh.reading import SegmentReader

FANOUT = 10  # segments of one size tier merged together
LARGE = 20_000  # segments this big are never merged by a save


def _copy(writer, segment) -> None:
    reader = SegmentReader(writer.storage, writer.schema, segment)
    try:
        writer.add_reader(reader)
    finally:
        reader.close()


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
            tiers[int(math.log10(max(size, 1)))].append(segment)
    for group in tiers.values():
        if len(group) >= FANOUT:
            for segment in group:
                _copy(writer, segment)
        else:
            keep.extend(group)
    return keep


def rewriting(segment_ids: set[str]):
    """A policy that rewrites the named segments without their deleted documents."""

    def policy(writer, segments):
        keep = []
        for segment in segments:
            if segment.segment_id() not in segment_ids:
                keep.append(segment)
            elif segment.doc_count() > 0:
                _copy(writer, segment)
        return keep

    return policy
