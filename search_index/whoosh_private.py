"""Every use of whoosh3's private names (and undocumented internals), in one module.

The fast paths of this package (bulk segment writing, block reads of postings, reusing open
segment readers, one TOC commit for a parallel rebuild) reach into whoosh3 3.54.0 beyond its
public API. Those reaches live here and nowhere else, behind small named functions, so an
upgrade of Whoosh has one file to check: ``tests/test_whoosh_private.py`` asserts that every
name listed in :data:`RELIED_ON` exists in the installed Whoosh, and runs each fallback.

Fallbacks (used when a name a fast path needs is missing, e.g. another codec's matcher):
:func:`iter_blocks` and :func:`block_postings` read posting by posting through the public
matcher API; :func:`length_getter` asks ``reader.doc_field_length``; :func:`bulk_writer`
returns None and the caller adds postings one by one; :func:`storage_folder` returns None
and the segment is read through Whoosh without a side file. Each gives the same results (and
the same bytes written) as its fast path.

The codec interface (``FieldWriter.start_field``/``add``…, ``PerDocumentWriter``) and the
writer's public attributes (``perdocwriter``, ``fieldwriter``, ``docnum``) are Whoosh's
documented extension points and are used where they are needed.
"""

from __future__ import annotations

import bisect
import io
import pickle
import struct
import zlib
from array import array
from pickle import dumps

from whoosh import columns
from whoosh.codec import whoosh3
from whoosh.formats import _INT_SIZE, loads
from whoosh.index import FileIndex
from whoosh.reading import SegmentReader
from whoosh.system import _LONG_SIZE, pack_int, pack_long, pack_ushort, unpack_int, unpack_long
from whoosh.util.filelock import FcntlLock
from whoosh.util.numeric import length_to_byte
from whoosh.util.numlists import delta_decode, delta_encode
from whoosh.writing import SegmentWriter

# The private names relied on, by owner (checked by tests/test_whoosh_private.py).
RELIED_ON: dict[str, tuple[str, ...]] = {
    "whoosh.formats": ("_INT_SIZE", "loads"),
    "SegmentWriter": (
        "_check_state",
        "_check_fields",
        "_added",
        "_flush_segment",
        "_finalize_segment",
        "_close_segment",
        "_commit_toc",
        "_finish",
        "_lk",  # keyword argument: a writer that takes no lock (a rebuild's workers)
        "pool",
        "writelock",
    ),
    "FcntlLock": ("fd",),
    "FileIndex": ("_read_toc",),
    "SegmentReader": ("_segment", "_perdoc", "_gen", "_terms", "_storage"),
    "W3PerDocReader": ("_segment",),
    "W3LeafMatcher": ("_read_ids", "_read_weights", "_read_values", "_next_block", "_ids"),
    "W3FieldWriter": ("_postwriter", "_postfile", "_tindex", "_fieldid"),
    "W3TermsReader": ("_tindex", "_postfile", "_keydecoder"),
    "W3TermInfo": ("_struct",),
    "whoosh.codec.whoosh3": ("WHOOSH3_HEADER_MAGIC", "COMPRESSION_MIN_SIZE"),
    "W3PerDocWriter": ("_colwriters",),
    "WrappedColumnWriter": ("_child",),
    "whoosh.system": ("_LONG_SIZE",),
    "W3PostingsWriter": (
        "_blocklimit",
        "_new_block",
        "_write_block",
        "_byteids",
        "_ids",
        "_weights",
        "_values",
        "_maxweight",
        "_minlength",
        "_maxlength",
    ),
    "storage": ("folder", "b"),  # a compound segment's OverlayStorage keeps the folder in .b
}

# Names a fast path checks for before using it (tests put a missing name in to run fallbacks).
BLOCK_READS = ("_read_ids", "_read_weights", "_read_values", "_next_block", "_ids")
BULK_WRITES = ("_blocklimit", "_new_block", "_write_block", "_byteids")
LENGTH_READER = "doc_field_length_reader"  # the per-document reader's per-field getter


# Positions


def position_deltas(value: bytes) -> list[int]:
    """The position deltas ``Positions().encode`` pickled (decode_positions sums them)."""
    if not value.endswith(b"."):
        value += b"."
    return loads(value[_INT_SIZE:])


# Reading


def term_matcher(reader, fieldname: str, tbytes: bytes):
    """A segment reader's raw matcher for a term: deleted documents included.

    Raises ``TermNotFound`` (or ``KeyError`` for an unknown field) like Whoosh.
    """
    return reader._terms.matcher(fieldname, tbytes, reader.schema[fieldname].format)


def raw_ids(reader, fieldname: str, tbytes: bytes):
    """Documents of one segment holding the term, deleted ones included."""
    return reader._terms.matcher(fieldname, tbytes, reader.schema[fieldname].format).all_ids()


def block_postings(reader, fieldname: str, tbytes: bytes) -> tuple[array, array]:
    """A term's documents and weights in one segment (deleted ones included), read a block
    at a time. Raises ``TermNotFound``/``KeyError`` like :func:`term_matcher`."""
    docs, weights = array("I"), array("f")
    m = reader._terms.matcher(fieldname, tbytes, reader.schema[fieldname].format)
    if all(hasattr(m, n) for n in BLOCK_READS):
        while m.is_active():
            m._read_ids()
            m._read_weights()
            docs.extend(m._ids)
            weights.extend(m._weights)
            m._next_block()
    else:
        while m.is_active():
            docs.append(m.id())
            weights.append(m.weight())
            m.next()
    return docs, weights


def iter_blocks(reader, skip=()):
    """Every term's postings as ``(fieldname, text, docs, weights, values)``, a block at a
    time, *including deleted documents* (the caller drops them). The same postings as
    ``reader.iter_postings()`` without decoding them one by one; falls back to one posting
    at a time for matchers that are not Whoosh 3's leaf matcher. Fields in ``skip`` are
    not read."""
    terms = getattr(reader, "_terms", None)
    needed = BLOCK_READS
    for fieldname, tbytes in reader.all_terms():
        if fieldname in skip:
            continue
        m = None
        if terms is not None and fieldname in reader.schema:
            m = terms.matcher(fieldname, tbytes, reader.schema[fieldname].format)
            if not all(hasattr(m, n) for n in needed):
                m = None
        if m is None:
            p = reader.postings(fieldname, tbytes)
            while p.is_active():
                yield fieldname, tbytes, (p.id(),), (p.weight(),), (p.value(),)
                p.next()
            continue
        yield from _blocks(m, fieldname, tbytes)


def _blocks(m, fieldname: str, tbytes: bytes):
    """A Whoosh 3 leaf matcher's postings a block at a time (see :func:`iter_blocks`)."""
    while m.is_active():
        m._read_ids()
        m._read_weights()
        m._read_values()
        yield fieldname, tbytes, m._ids, m._weights, m._values
        m._next_block()


def length_getter(reader, name: str):
    """``reader.doc_field_length(docnum, name)`` with the column looked up once."""
    perdoc = getattr(reader, "_perdoc", None)
    getter = getattr(perdoc, LENGTH_READER, None)
    if getter is not None and not reader.is_closed:
        return getter(name)
    return lambda docnum: reader.doc_field_length(docnum, name)


def reader_storage(reader):
    """The storage a segment reader reads its files from."""
    return reader._storage


def storage_folder(storage) -> str | None:
    """The folder of a file storage (a compound segment's reader overlays it), or None."""
    for _ in range(4):
        folder = getattr(storage, "folder", None)
        if folder is not None:
            return folder
        storage = getattr(storage, "b", None)
        if storage is None:
            return None
    return None


def read_toc(ix: FileIndex):
    """The index's latest TOC (its segments, schema and generation)."""
    return ix._read_toc()


def repoint_reader(reader: SegmentReader, segment, generation: int) -> None:
    """Point an open segment reader at the TOC's (newer) segment object, which carries the
    segment's current deletions; the segment's files are unchanged."""
    reader._segment = segment
    reader._perdoc._segment = segment
    reader._gen = generation


def raw_term_table(reader):
    """A segment's term table in its order, as ``(fieldname, text, first document, last
    document, term info bytes)``; or None if the segment's terms are not Whoosh 3's table
    (the caller then rewrites the segment through the public API)."""
    terms = getattr(reader, "_terms", None)
    if not isinstance(terms, whoosh3.W3TermsReader):
        return None
    unpack = whoosh3.W3TermInfo._struct.unpack_from
    decode = terms._keydecoder

    def table():
        for keybytes, valbytes in terms._tindex.items():
            fieldname, tbytes = decode(keybytes)
            vals = unpack(valbytes)
            yield fieldname, tbytes, vals[6], vals[7], valbytes

    return table()


def copy_term(fw, reader, tbytes: bytes, raw: bytes) -> None:
    """Write one term to a field writer (after ``start_field``) by copying its posting list's
    bytes from ``reader``'s segment as they are: same documents, weights, positions, block
    statistics; only the term info's offset into the postings file changes."""
    key = pack_ushort(fw._fieldid) + tbytes
    size = whoosh3.W3TermInfo._struct.size
    if raw[0]:  # postings inlined in the term info: nothing in the postings file
        fw._tindex.add(key, raw)
        return
    (offset,) = unpack_long(raw[size : size + _LONG_SIZE])
    (length,) = unpack_int(raw[size + _LONG_SIZE : size + _LONG_SIZE + _INT_SIZE])
    data = reader._terms._postfile.get(offset, length)
    start = fw._postfile.tell()
    fw._postfile.write(data)
    fw._tindex.add(
        key, raw[:size] + pack_long(start) + pack_int(length) + raw[size + _LONG_SIZE + _INT_SIZE :]
    )


_BLOCK_LENGTH = struct.Struct("!i")


def copy_term_without(fw, reader, fieldname: str, tbytes: bytes, raw: bytes, gone, lens):
    """Write one term without the documents in the set ``gone``: its posting blocks that hold
    none of them copied as bytes, the one or two that do decoded and written again without
    them (the block format ``W3PostingsWriter._write_block`` writes), the term info's
    statistics made from the blocks'. ``lens``: each document's field length (scored fields)
    or None. Returns False if no posting is left (nothing written), None if the term is not
    in the form this reads (the caller then writes it through Whoosh's writer)."""
    size = whoosh3.W3TermInfo._struct.size
    if raw[0]:
        return None
    info = whoosh3.W3TermInfo._struct.unpack_from(raw)
    (offset,) = unpack_long(raw[size : size + _LONG_SIZE])
    (length,) = unpack_int(raw[size + _LONG_SIZE : size + _LONG_SIZE + _INT_SIZE])
    data = reader._terms._postfile.get(offset, length)
    magic = whoosh3.WHOOSH3_HEADER_MAGIC
    if data[: len(magic)] != magic:
        return None
    fixed = reader.schema[fieldname].format.fixed_value_size()
    ordered = sorted(gone)
    out = []  # (block body bytes, info tuple, first id or None if unchanged)
    pos, previous, removed_df, removed_weight = len(magic), -1, 0, 0.0
    first_changed = False
    while pos < len(data):
        (blen,) = _BLOCK_LENGTH.unpack_from(data, pos)
        last = blen < 0
        body = data[pos + _INT_SIZE : pos + _INT_SIZE + abs(blen)]
        handle = io.BytesIO(body)
        block = pickle.load(handle)
        start = handle.tell()
        top = block[1]
        i = bisect.bisect_right(ordered, previous)
        holds = i < len(ordered) and ordered[i] <= top
        if not holds:
            out.append((body, block))
        else:
            payload = body[start:]
            if block[3]:
                payload = zlib.decompress(payload)
            ids, weights, values = loads(payload)
            ids = list(delta_decode(ids))
            n = len(ids)
            if weights is None:
                weights = [1.0] * n
            elif isinstance(weights, float):
                weights = [weights] * n
            if fixed is None or fixed < 0:
                values = list(values)
            elif fixed == 0:
                values = None
            else:
                values = [values[k : k + fixed] for k in range(0, len(values), fixed)]
            keep = [k for k in range(n) if ids[k] not in gone]
            removed_df += n - len(keep)
            removed_weight += sum(weights[k] for k in range(n) if ids[k] in gone)
            if not out:
                first_changed = True
            if keep:
                out.append(_encode_block(ids, weights, values, keep, block, fixed, lens))
        previous = top
        pos += _INT_SIZE + abs(blen)
        if last:
            break
    if not out:
        return False
    written = bytearray(magic)
    for k, (body, _) in enumerate(out):
        n = len(body)
        written += _BLOCK_LENGTH.pack(-n if k == len(out) - 1 else n)
        written += body
    minid = info[6]
    if first_changed:
        body, block = out[0]
        handle = io.BytesIO(body)
        pickle.load(handle)
        payload = body[handle.tell() :]
        if block[3]:
            payload = zlib.decompress(payload)
        minid = next(iter(delta_decode(loads(payload)[0])))
    blocks = [block for _, block in out]
    stats = whoosh3.W3TermInfo._struct.pack(
        0,
        info[1] - removed_weight,
        info[2] - removed_df,
        min(b[4] for b in blocks),
        max(b[5] for b in blocks),
        max(b[2] for b in blocks),
        minid,
        blocks[-1][1],
    )
    start = fw._postfile.tell()
    fw._postfile.write(bytes(written))
    key = pack_ushort(fw._fieldid) + tbytes
    fw._tindex.add(key, stats + pack_long(start) + pack_int(len(written)))
    return True


def _encode_block(ids, weights, values, keep, block, fixed, lens):
    """One posting block of the kept postings, as ``W3PostingsWriter._write_block`` makes it."""
    ids = [ids[k] for k in keep]
    weights = [weights[k] for k in keep]
    if all(w == 1.0 for w in weights):
        mini_weights = None
    elif all(w == weights[0] for w in weights):
        mini_weights = weights[0]
    else:
        mini_weights = tuple(array("f", weights))
    if fixed is None or fixed < 0:
        mini_values = tuple(values[k] for k in keep)
    elif fixed == 0:
        mini_values = None
    else:
        mini_values = b"".join(values[k] for k in keep)
    payload = dumps((tuple(delta_encode(ids)), mini_weights, mini_values), 2)
    comp = block[3]
    if len(payload) < whoosh3.COMPRESSION_MIN_SIZE:
        comp = 0
    if comp:
        payload = zlib.compress(payload, comp)
    if lens is not None:
        sizes = [x for x in map(lens.__getitem__, ids) if x]
        minlength = length_to_byte(min(sizes)) if sizes else 0
        maxlength = length_to_byte(max(sizes)) if sizes else 0
    else:
        minlength, maxlength = block[4], block[5]
    maxweight = max(array("f", weights))
    info = (len(ids), ids[-1], maxweight, comp, minlength, maxlength)
    return dumps(info, 2) + payload, info


def read_term_postings(reader, fieldname: str, tbytes: bytes) -> tuple[list, list, list]:
    """One term's documents, weights and encoded values in a segment (deleted documents
    included), a block at a time."""
    docs: list = []
    weights: list = []
    values: list = []
    for _, _, d, w, v in _term_blocks(reader, fieldname, tbytes):
        docs.extend(d)
        weights.extend(w)
        values.extend(v)
    return docs, weights, values


def _term_blocks(reader, fieldname: str, tbytes: bytes):
    m = term_matcher(reader, fieldname, tbytes)
    if not all(hasattr(m, n) for n in BLOCK_READS):
        while m.is_active():
            yield fieldname, tbytes, (m.id(),), (m.weight(),), (m.value(),)
            m.next()
        return
    yield from _blocks(m, fieldname, tbytes)


def stored_copier(reader, pdw):
    """A function copying a document's stored fields from ``reader``'s segment to the
    per-document writer ``pdw`` (between ``start_doc`` and ``finish_doc``, with no stored
    value given to ``add_field``) as the compressed bytes they are, or None (the caller then
    copies them through ``stored_fields``)."""
    perdoc = getattr(reader, "_perdoc", None)
    writers = getattr(pdw, "_colwriters", None)
    if perdoc is None or not writers or "_stored" not in writers:
        return None
    target = getattr(writers["_stored"], "_child", None)
    if not isinstance(target, columns.CompressedBytesColumn.Writer) or not perdoc.has_column(
        "_stored"
    ):
        return None
    source = perdoc.column_reader("_stored", columns.VarBytesColumn())  # the raw bytes
    add = columns.VarBytesColumn.Writer.add

    def copy(docnum: int) -> None:
        value = source[docnum]
        if value:
            add(target, docnum, value)

    return copy


class SegmentFiles:
    """A new segment's per-document and field writers from the writer's codec (the codec
    interface), for a segment written beside the writer's own (:mod:`.erasing`)."""

    def __init__(self, writer) -> None:
        self.storage = writer.storage
        self.compound = writer.compound
        self.segment = writer.codec.new_segment(writer.storage, writer.indexname)
        self.perdoc = writer.codec.per_document_writer(writer.storage, self.segment)
        self.fieldwriter = writer.codec.field_writer(writer.storage, self.segment)

    def finish(self, doccount: int):
        """Close the files (assembled into one compound file as the writer's would be) and
        return the segment."""
        self.perdoc.close()
        self.fieldwriter.close()
        self.segment.set_doc_count(doccount)
        if self.compound:
            self.segment.create_compound_file(self.storage)
        return self.segment

    def abort(self) -> None:
        close_writer_files(self)
        for name in self.segment.list_files(self.storage):
            self.storage.delete_file(name)


def new_segment_files(writer) -> SegmentFiles:
    return SegmentFiles(writer)


# Writing


def new_writer(kind: type, ix, **kwargs):
    """``kind(ix, **kwargs)`` (a ``SegmentWriter``), releasing the index's write lock if the
    writer fails after taking it: Whoosh leaves it held by the half-made writer until that is
    garbage-collected, which keeps every later write out (e.g. a folder in the way of its
    temporary folder, an unreadable TOC)."""
    writer = kind.__new__(kind)
    try:
        writer.__init__(ix, **kwargs)
    except BaseException:
        lock = getattr(writer, "writelock", None)
        if lock is not None and getattr(lock, "fd", None) is not None:
            lock.release()
        raise
    return writer


def close_writer_files(writer) -> None:
    """Close the files a writer that did not commit leaves open on errors (and its pool)."""
    for part in ("perdocwriter", "fieldwriter"):
        try:
            getattr(writer, part).close()
        except Exception:  # already closed, or half-written: nothing more to release
            pass
    pool = getattr(writer, "pool", None)
    if pool is not None:
        try:
            pool.cleanup()
        except Exception:
            pass


def commit_segments(ix: FileIndex, segments: list) -> None:
    """Commit segments written by unlocked writers (:meth:`BulkSegmentWriter.unlocked`) in
    one new TOC, under the index's write lock."""
    main = ix.writer()
    main._close_segment()
    main._commit_toc(segments)
    main._finish()


def bulk_writer(fw):
    """Add a whole posting list to Whoosh's postings writer a block at a time.

    Does what ``W3PostingsWriter.add_posting`` does posting by posting (fill the block
    buffers, track the block's max weight and min/max length, write full blocks) with one
    slice per block; the last block is left buffered for ``finish_term``. None if the
    writer is not the one this mirrors (the caller then adds the postings one by one).
    Call once per field (after ``start_field``), not per term.
    """
    pw = getattr(fw, "_postwriter", None)
    if pw is None or not all(hasattr(pw, n) for n in BULK_WRITES) or pw._byteids:
        return None
    limit = pw._blocklimit

    def bulk(docs, weights, values, lens) -> None:
        n = len(docs)
        for start in range(0, n, limit):
            stop = min(n, start + limit)
            pw._ids = array("I", docs[start:stop])
            pw._weights = array("f", weights[start:stop])
            pw._values = [v for v in values[start:stop] if v]
            pw._maxweight = max(pw._weights)
            if lens is not None:
                sizes = [x for x in map(lens.__getitem__, pw._ids) if x]
                pw._minlength = min(sizes) if sizes else None
                pw._maxlength = max(sizes) if sizes else 0
            if stop < n:
                pw._write_block()

    return bulk


class BulkSegmentWriter(SegmentWriter):
    """Whoosh's ``SegmentWriter`` with the private steps a bulk writer needs, named.

    A subclass implements :meth:`write_postings` (run where Whoosh flushes its sorting pool
    into the segment's term and posting files) and :meth:`segment_written` (run once Whoosh
    has finalized the segment, before it is returned), and calls :meth:`check_state`,
    :meth:`check_fields` and :meth:`mark_added` as Whoosh's own ``add_document`` does.
    """

    check_state = SegmentWriter._check_state
    check_fields = SegmentWriter._check_fields

    @classmethod
    def unlocked(cls, ix, **kwargs):
        """A writer that takes no lock on the index: it only writes segment files, which
        :func:`commit_segments` then commits (a rebuild's worker processes)."""
        return cls(ix, _lk=False, **kwargs)

    def mark_added(self) -> None:
        self._added = True

    @property
    def added(self) -> bool:
        return self._added

    def write_postings(self) -> None:
        raise NotImplementedError

    def segment_written(self, segment) -> None:
        """Called with the finalized segment (after :meth:`write_postings`)."""

    def _flush_segment(self) -> None:
        self.write_postings()

    def _finalize_segment(self):
        segment = super()._finalize_segment()
        self.segment_written(segment)
        return segment

    def finish_segment(self):
        """Write this writer's segment and return it, without touching the TOC (no lock)."""
        segment = self._finalize_segment() if self._added else None
        if segment is None:
            self._close_segment()
        # Not _finish(): it would delete the temporary folder other writers share.
        self.is_closed = True
        return segment


# The classes RELIED_ON names, for the tests.
OWNERS = {
    "FcntlLock": FcntlLock,
    "SegmentWriter": SegmentWriter,
    "FileIndex": FileIndex,
    "SegmentReader": SegmentReader,
    "W3PerDocReader": whoosh3.W3PerDocReader,
    "W3LeafMatcher": whoosh3.W3LeafMatcher,
    "W3FieldWriter": whoosh3.W3FieldWriter,
    "W3PostingsWriter": whoosh3.W3PostingsWriter,
    "W3TermsReader": whoosh3.W3TermsReader,
    "W3TermInfo": whoosh3.W3TermInfo,
    "W3PerDocWriter": whoosh3.W3PerDocWriter,
    "WrappedColumnWriter": columns.WrappedColumnWriter,
}
