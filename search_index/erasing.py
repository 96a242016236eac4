"""Erasure in place: a segment written again with its deleted documents as empty holes.

Rewriting a segment without a document (``merging.rewriting`` → ``FastWriter.add_reader``)
costs per *term* of the segment: every posting list is decoded, renumbered and encoded
again, although an erased record holds a few hundred of the segment's ~15,000 terms. Here
the documents keep their numbers, so the posting blocks of every term no deleted document
holds are copied as they are (bytes, not postings), and only the terms the deleted
documents hold are encoded again without them. The deleted documents stay in the new
segment as *holes*: numbered, marked deleted, with no stored fields, no lengths, no
postings, no tokens and no word pairs — no byte of their text.

Which terms a deleted document holds is read from the postings themselves (the side file's
document lists for the fields it holds, the term table's first/last document and then the
posting list for the other fields), never from analysing its text again (an analyser
changed since it was indexed would miss a term).

A segment without a side file that matches it, or that Whoosh's private names no longer
fit, is rewritten the old way (:func:`rewrite` returns None).
"""

from __future__ import annotations

import bisect
from array import array

from whoosh.reading import SegmentReader

from . import building, postings
from .whoosh_private import (
    bulk_writer,
    copy_term,
    copy_term_without,
    length_getter,
    new_segment_files,
    raw_term_table,
    read_term_postings,
    stored_copier,
)


def rewrite(writer, segment, keys: list[bytes]):
    """A new segment with ``segment``'s documents at the same numbers, every version of the
    records ``keys`` (``id`` terms) as holes (see the module), written beside the writer's
    own (not yet in the TOC); or None if this segment must be rewritten the old way.

    Other deleted documents (earlier versions of other records) stay as they were: deleted,
    their postings in place until a rebuild, as after any save."""
    reader = SegmentReader(writer.storage, writer.schema, segment)
    try:
        side = postings.open_side(writer.storage, segment)
        if side is None:
            return None
        try:
            if side.doccount != segment.doc_count_all():
                return None
            table = raw_term_table(reader)
            if table is None:
                return None
            erased = sorted({d for key in keys for d in _docs_of(reader, key)})
            if not erased:
                return None
            return _write(writer, segment, reader, side, table, erased)
        finally:
            side.close()
    finally:
        reader.close()


def _docs_of(reader, key: bytes) -> list[int]:
    """Every document of the segment with the ``id`` term ``key``, deleted ones included."""
    if ("id", key) not in reader:
        return []
    return list(read_term_postings(reader, "id", key)[0])


def _holds(docs, holes: list[int]) -> bool:
    """Whether the ascending ``docs`` hold any of the ascending ``holes``."""
    n = len(docs)
    for h in holes:
        i = bisect.bisect_left(docs, h)
        if i < n and docs[i] == h:
            return True
    return False


def _write(writer, segment, reader, side, table, erased: list[int]):
    schema = writer.schema
    doccount = segment.doc_count_all()
    # Earlier erasures' holes stay holes; only the newly erased documents have postings.
    hole_set = set(erased) | set(side.holes)
    holes = sorted(hole_set)
    files = new_segment_files(writer)
    # The fields the old side file holds (title/body only if written before attext was):
    # the new one holds the same, the others are judged by their postings.
    held = side.fields()
    lens = {name: side.lengths(name) for name in held}
    for name in held:
        for h in holes:
            if h < len(lens[name]):
                lens[name][h] = 0
    _copy_per_doc(files.perdoc, schema, reader, doccount, hole_set)
    fields: dict[str, dict] = {name: {} for name in held}
    tokens: dict[str, dict] = {name: {} for name in held}
    raw: dict[str, dict] = {name: {} for name in held}
    bases = {name: side.bases(name) for name in held}
    fw = files.fieldwriter
    current = None
    bulk = None
    cursor = None
    pending = None
    lo, hi = erased[0], erased[-1]
    gone = set(erased)
    for fieldname, tbytes, minid, maxid, value in table:
        if fieldname not in schema:
            continue
        if fieldname != current:
            if current is not None:
                fw.finish_field()
            fw.start_field(fieldname, schema[fieldname])
            bulk = bulk_writer(fw)
            current = fieldname
            cursor = side.entries(fieldname) if fieldname in fields else None
            pending = next(cursor, None) if cursor is not None else None
        # Only a term whose first..last document spans an erased one can hold it.
        spans = maxid >= lo and minid <= hi and any(minid <= h <= maxid for h in erased)
        if cursor is not None:
            while pending is not None and pending[0] < tbytes:
                pending = next(cursor, None)
            entry = pending[1] if pending is not None and pending[0] == tbytes else None
            touched = spans  # not in the side file: judged by its postings below
            if entry is not None:
                touched = False
                if spans:
                    touched = _holds(side.entry_docs(entry), erased)
                if not touched:
                    raw[fieldname][tbytes] = side.entry_bytes(entry)
                else:
                    docs, weights = side.term(fieldname, tbytes)
                    keep = [d not in hole_set for d in docs]
                    docs = array("I", (d for d, k in zip(docs, keep, strict=True) if k))
                    weights = array("f", (w for w, k in zip(weights, keep, strict=True) if k))
                    found = _without_holes(side.tokens(fieldname, tbytes), bases[fieldname], erased)
                    if docs:
                        fields[fieldname][tbytes] = (docs, weights, None)
                        tokens[fieldname][tbytes] = found
        else:
            touched = spans
        if not touched:
            copy_term(fw, reader, tbytes, value)
            continue
        done = copy_term_without(fw, reader, fieldname, tbytes, value, gone, lens.get(fieldname))
        if done is not None:
            continue
        docs, weights, values = read_term_postings(reader, fieldname, tbytes)
        keep = [i for i, d in enumerate(docs) if d not in hole_set]
        if not keep:
            continue  # only erased documents held it: the term goes
        docs = array("I", (docs[i] for i in keep))
        weights = array("f", (weights[i] for i in keep))
        values = [values[i] for i in keep]
        building.write_term(fw, bulk, tbytes, docs, weights, values, lens.get(fieldname))
    if current is not None:
        fw.finish_field()
    new = files.finish(doccount)
    for d in segment.deleted_docs():
        new.delete_document(d)
    for h in holes:
        new.delete_document(h)
    given = {}
    for name in held:
        live = tokens[name]
        common = [t for t in side.common(name) if t in live or t in raw[name]]
        common_set = set(common)
        pairs = {}
        for key in side.pair_keys(name):
            if key[0] not in common_set or key[1] not in common_set:
                continue
            docs = side.pair_docs(name, *key)
            starts = side.pair_starts(name, *key)
            if _holds(docs, erased):
                docs = array("I", (d for d in docs if d not in hole_set))
                starts = _without_holes(starts, bases[name], erased)
            if docs:
                pairs[key] = (docs, starts)
        given[name] = (sorted(common), pairs)
    postings.write(writer.storage, new, doccount, fields, lens, tokens, bases, given, holes, raw)
    return new


def _without_holes(found: array, bases: array, holes: list[int]) -> array:
    """Token numbers outside the holes' token ranges."""
    out = array("I")
    start = 0
    for h in holes:
        lo = bisect.bisect_left(found, bases[h], start)
        hi = bisect.bisect_left(found, bases[h + 1], lo)
        out.extend(found[start:lo])
        start = hi
    out.extend(found[start:])
    return out


def _copy_per_doc(pdw, schema, reader, doccount: int, holes: set[int]) -> None:
    """Stored fields, lengths, vectors and columns of every document at its own number,
    deleted or not; a hole gets nothing (no stored fields, lengths or column values).
    Stored fields are copied as the compressed bytes they are where Whoosh allows."""
    fieldnames = set(schema.names())
    cols = {}
    for fieldname in fieldnames:
        coltype = schema[fieldname].column_type
        if coltype and reader.has_column(fieldname):
            cols[fieldname] = reader.column_reader(fieldname, coltype, translate=False)
    copy_stored = stored_copier(reader, pdw)
    lengths = {name: length_getter(reader, name) for name in fieldnames if schema[name].scorable}
    vectors = [name for name in fieldnames if schema[name].vector]
    for docnum in range(doccount):
        pdw.start_doc(docnum)
        if docnum not in holes:
            if copy_stored is not None:
                for fieldname, length in lengths.items():
                    pdw.add_field(fieldname, schema[fieldname], None, length(docnum))
                copy_stored(docnum)
            else:
                stored = reader.stored_fields(docnum)  # deleted ones too: their postings stay
                for fieldname in fieldnames | {s for s in stored if s in schema}:
                    length = lengths.get(fieldname)
                    pdw.add_field(
                        fieldname,
                        schema[fieldname],
                        stored.get(fieldname),
                        length(docnum) if length else 0,
                    )
            for fieldname in vectors:
                if reader.has_vector(docnum, fieldname):
                    fieldobj = schema[fieldname]
                    v = reader.vector(docnum, fieldname, fieldobj.vector)
                    pdw.add_vector_matcher(fieldname, fieldobj, v)
            for fieldname, column in cols.items():
                pdw.add_column_value(fieldname, schema[fieldname].column_type, column[docnum])
        pdw.finish_doc()
