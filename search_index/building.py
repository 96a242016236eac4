"""Fast segment writing: postings kept in memory, a side file of term lists, two processes.

Whoosh's ``SegmentWriter`` pickles every posting into a sorting pool, sorts the pickles and
then looks each document's field length up again from disk; at 100,000 records that is most
of the build. :class:`FastWriter` keeps each term's postings in arrays instead (the terms
are sorted once, the documents already are) and knows the lengths it counted.

It also writes a *side file* beside each segment it makes (``<segment>.wmt``, see
:mod:`.postings`): every ``title``/``body``/``attext`` term's documents and weights as raw
arrays, so a search reads a term's documents without unpickling its positions. The file is
named like the segment's own files, so Whoosh deletes it with the segment.

:func:`build` fills an empty index with two worker processes, each writing segments of at
most ``segment_docs`` documents (a purge rewrites one segment, so its cost stays bounded).
"""

from __future__ import annotations

import bisect
import multiprocessing
import os
import queue
import threading
import time
from array import array
from collections.abc import Callable, Iterable
from itertools import accumulate, compress
from operator import sub
from pickle import dumps

from whoosh import columns
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec
from whoosh.system import pack_uint

from evidence.model import Record

from . import postings
from .schema import document
from .whoosh_private import (
    BulkSegmentWriter,
    bulk_writer,
    commit_segments,
    iter_blocks,
    length_getter,
    position_deltas,
    reader_storage,
)

BATCH = 200  # records sent to a worker at a time
SEGMENT_DOCS = 2_000  # documents per segment written by a rebuild (an erasure rewrites one)
REWRITE_COMPRESSION = 1  # zlib level of posting blocks an erasure rewrites (Whoosh's is 3)


def write_term(fw, bulk, tbytes: bytes, docs, weights, values, lens) -> None:
    """One term's postings through the field writer (after ``start_field``): a block at a
    time where ``bulk`` (from :func:`bulk_writer`) is given, else posting by posting."""
    fw.start_term(tbytes)
    if bulk is not None:
        bulk(docs, weights, values, lens)
    else:
        empty = b""
        for d, w, v in zip(docs, weights, values, strict=True):
            fw.add(d, w, v if v is not None else empty, lens[d] if lens else 0)
    fw.finish_term()


def rewrite_codec():
    """Whoosh's codec with faster block compression, for an erasure's rewrite (a reader
    honours each block's own compression flag, so segments may differ)."""
    return W3Codec(compression=REWRITE_COMPRESSION)


class FastWriter(BulkSegmentWriter):
    """A segment writer for bulk work (rebuilds, segment rewrites); same files as Whoosh's."""

    def __init__(self, ix, **kwargs) -> None:
        super().__init__(ix, **kwargs)
        self._post: dict[str, dict[bytes, tuple[array, array, list]]] = {}
        self._fields = postings.side_fields(self.schema)  # what the side file holds
        self._lens = {name: array("I") for name in self._fields}
        # Phrase data for the side file's fields: each occurrence as a "token number"
        # base[doc] + position.
        self._tokens: dict[str, dict[bytes, array]] = {name: {} for name in self._fields}
        self._bases = {name: array("I", [0]) for name in self._fields}
        self._copied = False  # tokens must be derived from the encoded positions at flush
        self._added_docs = False  # add_document() was used
        # Copied segments with a side file: (side file, kept old documents); their tokens and
        # word pairs are cut from the side file at flush (no positions decoded).
        self._sources: list[tuple[postings.SideFile, list[int]]] = []

    def add_document(self, **fields) -> None:
        self.check_state()
        pdw = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        post = self._post
        lens = self._lens
        self.check_fields(schema, fields)
        pdw.start_doc(docnum)
        for name in lens:
            if name not in fields or fields[name] is None:
                lens[name].append(0)
                self._bases[name].append(self._bases[name][-1])
        for fieldname in sorted(fields):
            value = fields[fieldname]
            if value is None:
                continue
            field = schema[fieldname]
            length = 0
            if fieldname in lens and hasattr(field, "index_positions"):
                terms = post.get(fieldname)
                if terms is None:
                    terms = post[fieldname] = {}
                tokens = self._tokens[fieldname]
                bases = self._bases[fieldname]
                base = bases[-1]
                top = -1
                for tbytes, freq, weight, vbytes, found in field.index_positions(value):
                    entry = terms.get(tbytes)
                    if entry is None:
                        entry = terms[tbytes] = (array("I"), array("f"), [])
                        tokens[tbytes] = array("I")
                    entry[0].append(docnum)
                    entry[1].append(weight)
                    entry[2].append(vbytes)
                    tokens[tbytes].extend(map(base.__add__, found))
                    length += freq
                    if found[-1] > top:
                        top = found[-1]
                lens[fieldname].append(length)
                bases[-1] = base
                bases.append(base + top + 1 + postings.GAP)
            elif field.indexed:
                terms = post.get(fieldname)
                if terms is None:
                    terms = post[fieldname] = {}
                scorable = field.scorable
                for tbytes, freq, weight, vbytes in field.index(value):
                    entry = terms.get(tbytes)
                    if entry is None:
                        entry = terms[tbytes] = (array("I"), array("f"), [])
                    entry[0].append(docnum)
                    entry[1].append(weight)
                    entry[2].append(vbytes)
                    if scorable:
                        length += freq
                if fieldname in lens:
                    lens[fieldname].append(length)
            pdw.add_field(fieldname, field, value if field.stored else None, length)
            column = field.column_type
            if column:
                pdw.add_column_value(fieldname, column, field.to_column_value(value))
        pdw.finish_doc()
        self.mark_added()
        self._added_docs = True
        self.docnum += 1

    def add_reader(self, reader) -> None:
        """Copy a segment's live documents (used to rewrite a segment without its deletions)."""
        self.check_state()
        basedoc = self.docnum
        names = {f for f in reader.indexed_field_names() if f in self.schema}
        docmap = self.write_per_doc(set(self.schema.names()) | names, reader)
        olds = sorted(docmap) if docmap is not None else range(reader.doc_count_all())
        side = None
        segment = reader.segment() if hasattr(reader, "segment") else None
        if not self._copied and segment is not None:
            side = postings.open_side(reader_storage(reader), segment)
        # A side file written before it held attext (title/body only) cannot give attext's
        # tokens: the whole segment is copied through Whoosh's positions instead.
        fits = side is not None and side.fields() == self._fields
        if fits and side.doccount == reader.doc_count_all():
            self._sources.append((side, list(olds)))
            newnum = docmap if docmap is not None else {d: basedoc + d for d in olds}
            self._postings_from_side(side, newnum)
            skip = self._fields
        else:
            if side is not None:
                side.close()
            self._copied = True
            skip = ()
        for name, lens in self._lens.items():
            length = length_getter(reader, name)
            lens.extend(length(old) or 0 for old in olds)
        post = self._post
        schema = self.schema
        for fieldname, tbytes, docs, weights, values in iter_blocks(reader, skip):
            if fieldname not in schema:
                continue
            if docmap is not None:
                keep = [i for i, d in enumerate(docs) if d in docmap]
                if not keep:
                    continue
                if len(keep) < len(docs):
                    docs = [docs[i] for i in keep]
                    weights = [weights[i] for i in keep]
                    values = [values[i] for i in keep]
                newdocs = map(docmap.__getitem__, docs)
            else:
                newdocs = map(basedoc.__add__, docs)
            terms = post.get(fieldname)
            if terms is None:
                terms = post[fieldname] = {}
            entry = terms.get(tbytes)
            if entry is None:
                entry = terms[tbytes] = (array("I"), array("f"), [])
            entry[0].extend(newdocs)
            entry[1].extend(weights)
            entry[2].extend(values)
        self.mark_added()

    def _postings_from_side(self, side, newnum: dict[int, int]) -> None:
        """The side file's fields' postings of a copied segment from it: documents and
        weights as stored, each posting's encoded positions made again from its token
        numbers (the bytes ``schema.Words`` writes), without reading Whoosh's blocks.

        A posting of one occurrence (most of them) is a table lookup, done in C for a whole
        term; only postings of several occurrences are encoded one by one.
        """
        post = self._post
        single = _single_positions()
        keep = newnum.__contains__
        for name in self._fields:
            boost = self.schema[name].format.field_boost
            bases = side.bases(name)
            terms = post.setdefault(name, {})
            for tbytes in side.terms(name):
                docs, weights = side.term(name, tbytes)
                tokens = side.tokens(name, tbytes)
                counts = [int(w / boost + 0.5) for w in weights]
                firsts = list(accumulate(counts, initial=0))
                firsts.pop()
                starts = map(tokens.__getitem__, firsts)
                values = list(map(single.get, map(sub, starts, map(bases.__getitem__, docs))))
                for i, n in enumerate(counts):
                    if n != 1 or values[i] is None:
                        d, at = docs[i], firsts[i]
                        found = tokens[at : at + n]
                        deltas = [found[0] - bases[d]]
                        deltas.extend(b - a for a, b in zip(found, found[1:], strict=False))
                        values[i] = pack_uint(n) + dumps(deltas, 2)
                chosen = list(map(keep, docs))
                if not any(chosen):
                    continue
                out_docs = array("I", map(newnum.__getitem__, compress(docs, chosen)))
                out_weights = array("f", compress(weights, chosen))
                out_values = list(compress(values, chosen))
                entry = terms.get(tbytes)
                if entry is None:
                    terms[tbytes] = (out_docs, out_weights, out_values)
                else:
                    entry[0].extend(out_docs)
                    entry[1].extend(out_weights)
                    entry[2].extend(out_values)

    def write_per_doc(self, fieldnames, reader):
        """Whoosh's ``write_per_doc``, with each field's length column looked up once
        (Whoosh asks the storage whether the column exists for every document and field)."""
        schema = self.schema
        docmap = {} if reader.has_deletions() else None
        pdw = self.perdocwriter
        cols = {}
        for fieldname in fieldnames:
            fieldobj = schema[fieldname]
            coltype = fieldobj.column_type
            if coltype and reader.has_column(fieldname):
                creader = reader.column_reader(fieldname, coltype)
                if isinstance(creader, columns.TranslatingColumnReader):
                    creader = creader.raw_column()
                cols[fieldname] = creader
        lengths = {}
        for docnum, stored in reader.iter_docs():
            if docmap is not None:
                docmap[docnum] = self.docnum
            pdw.start_doc(self.docnum)
            for fieldname in fieldnames | {s for s in stored if s in schema}:
                fieldobj = schema[fieldname]
                length = lengths.get(fieldname)
                if length is None:
                    length = lengths[fieldname] = length_getter(reader, fieldname)
                pdw.add_field(fieldname, fieldobj, stored.get(fieldname), length(docnum))
                if fieldobj.vector and reader.has_vector(docnum, fieldname):
                    v = reader.vector(docnum, fieldname, fieldobj.vector)
                    pdw.add_vector_matcher(fieldname, fieldobj, v)
                if fieldname in cols:
                    cv = cols[fieldname][docnum]
                    pdw.add_column_value(fieldname, fieldobj.column_type, cv)
            pdw.finish_doc()
            self.docnum += 1
        return docmap

    def _derive_tokens(self) -> None:
        """Token numbers from the encoded positions (after add_reader: a bounded rewrite)."""
        deltas = position_deltas
        for name in self._fields:
            terms = self._post.get(name, {})
            top = [-1] * self.docnum
            for docs, _, values in terms.values():
                for d, v in zip(docs, values, strict=True):
                    last = sum(deltas(v))  # the last position
                    if last > top[d]:
                        top[d] = last
            bases = array("I", [0])
            for d in range(self.docnum):
                bases.append(bases[-1] + (top[d] + 1 + postings.GAP if top[d] >= 0 else 0))
            tokens = {}
            for tbytes, (docs, _, values) in terms.items():
                found = array("I")
                for d, v in zip(docs, values, strict=True):
                    codes = deltas(v)
                    codes[0] += bases[d]
                    found.extend(accumulate(codes))  # bases[d] + each position
                tokens[tbytes] = found
            self._tokens[name] = tokens
            self._bases[name] = bases

    def write_postings(self) -> None:
        """The segment's term and posting files, from the arrays (Whoosh's pool flush)."""
        self.perdocwriter.close()
        fw = self.fieldwriter
        schema = self.schema
        for fieldname in sorted(self._post):
            terms = self._post[fieldname]
            fw.start_field(fieldname, schema[fieldname])
            lens = self._lens.get(fieldname)
            bulk = bulk_writer(fw)
            for tbytes in sorted(terms):
                docs, weights, values = terms[tbytes]
                if len(docs) > 1 and any(a > b for a, b in zip(docs, docs[1:], strict=False)):
                    order = sorted(range(len(docs)), key=docs.__getitem__)
                    docs = array("I", (docs[i] for i in order))
                    weights = array("f", (weights[i] for i in order))
                    values = [values[i] for i in order]
                    terms[tbytes] = (docs, weights, values)
                write_term(fw, bulk, tbytes, docs, weights, values, lens)
            fw.finish_field()
        fw.close()

    def _cut_tokens(self) -> dict | None:
        """Tokens (and, for one copied segment, word pairs) cut from the copied segments'
        side files: the kept documents' token ranges, moved down to their new places.
        Returns the reused word pairs by field, or None if they must be computed."""
        reuse = len(self._sources) == 1
        kept_pairs: dict = {}
        for name in self._fields:
            bases = array("I", [0])
            tokens: dict[bytes, array] = {}
            pairs: dict = {}
            common: list[bytes] = []
            for side, olds in self._sources:
                old_bases = side.bases(name)
                runs = []  # (old first token, old end token, shift)
                newnum = {}
                for old in olds:
                    newnum[old] = len(bases) - 1
                    lo, hi = old_bases[old], old_bases[old + 1]
                    shift = bases[-1] - lo
                    if runs and runs[-1][1] == lo and runs[-1][2] == shift:
                        runs[-1][1] = hi
                    else:
                        runs.append([lo, hi, shift])
                    bases.append(hi + shift)
                for tbytes in side.terms(name):
                    found = tokens.get(tbytes)
                    if found is None:
                        found = tokens[tbytes] = array("I")
                    _cut(side.tokens(name, tbytes), runs, found)
                if reuse:
                    for key in side.pair_keys(name):
                        starts = array("I")
                        _cut(side.pair_starts(name, *key), runs, starts)
                        if starts:
                            docs = side.pair_docs(name, *key)
                            moved = array("I", (newnum[d] for d in docs if d in newnum))
                            pairs[key] = (moved, starts)
                    common = list(side.common(name))
            tokens = {t: v for t, v in tokens.items() if v}
            self._tokens[name] = tokens
            self._bases[name] = bases
            if reuse:
                # Only terms still present: an erased record's own words must not stay.
                common = sorted(t for t in common if t in tokens)
                live = set(common)
                pairs = {k: v for k, v in pairs.items() if k[0] in live and k[1] in live}
                kept_pairs[name] = (common, pairs)
        for side, _ in self._sources:
            side.close()
        self._sources = []
        return kept_pairs if reuse else None

    def segment_written(self, segment) -> None:
        given = None
        if self._copied or (self._sources and self._added_docs):
            for side, _ in self._sources:
                side.close()
            self._sources = []
            self._derive_tokens()
        elif self._sources:
            given = self._cut_tokens()
        postings.write(
            self.storage,
            segment,
            self.docnum,
            {name: self._post.get(name, {}) for name in self._fields},
            self._lens,
            self._tokens,
            self._bases,
            given,
        )
        self._post = {}
        self._tokens = {}


_SINGLE: dict[int, bytes] = {}


def _single_positions() -> dict[int, bytes]:
    """The encoded positions of a single occurrence at 0..4095 (``schema.Words``'s bytes)."""
    if not _SINGLE:
        one = pack_uint(1)
        _SINGLE.update((p, one + dumps([p], 2)) for p in range(4096))
    return _SINGLE


def _cut(tokens: array, runs: list, into: array) -> None:
    """Append the ascending ``tokens`` that fall in the runs, each moved by its shift."""
    for lo, hi, shift in runs:
        i = bisect.bisect_left(tokens, lo)
        j = bisect.bisect_left(tokens, hi, i)
        if i < j:
            into.extend(map(shift.__add__, tokens[i:j]) if shift else tokens[i:j])


def _exit_with(parent: int) -> None:
    """End this worker as soon as the process that started it is gone (e.g. SIGKILLed):
    nobody will collect its work, and a forked worker shares its parent's lock on the
    index, so living on would keep every later index write (and repair) out."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _worker(folder: str, jobs, results, segment_docs: int, parent: int) -> None:
    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()
    try:
        ix = whoosh_index.open_dir(folder)
        segments = []
        writer = None
        while True:
            batch = jobs.get()
            if batch is None:
                break
            for doc in map(document, batch):
                if writer is None:
                    writer = FastWriter.unlocked(ix)
                writer.add_document(**doc)
                if writer.docnum >= segment_docs:
                    segments.append(writer.finish_segment())
                    writer = None
        if writer is not None:
            segments.append(writer.finish_segment())
        results.put(("ok", [s for s in segments if s is not None]))
    except BaseException as error:  # report, then let the parent clean up
        results.put(("error", repr(error)))
        raise


def build(
    folder: str,
    records: Iterable[Record],
    procs: int = 2,
    progress: Callable[[int], None] | None = None,
    every: int = 500,
    segment_docs: int | None = None,
) -> int:
    """Index ``records`` into the empty index at ``folder`` (no other writer may use it)."""
    segment_docs = segment_docs or SEGMENT_DOCS
    batch_size = max(1, min(BATCH, segment_docs // 2))
    ix = whoosh_index.open_dir(folder)
    ctx = multiprocessing.get_context(
        "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    )
    jobs = ctx.Queue(procs * 4)
    results = ctx.Queue()
    workers = [
        ctx.Process(
            target=_worker,
            args=(folder, jobs, results, segment_docs, os.getpid()),
            daemon=True,
        )
        for _ in range(procs)
    ]
    count = reported = 0
    try:
        for worker in workers:
            worker.start()
        batch: list[Record] = []
        for record in records:
            batch.append(record)
            count += 1
            if len(batch) >= batch_size:
                _put(jobs, batch, workers)
                batch = []
            if progress and count - reported >= every:
                progress(count - reported)
                reported = count
        if batch:
            _put(jobs, batch, workers)
        for _ in workers:
            _put(jobs, None, workers)
        segments = []
        for _ in workers:
            status, value = _get(results, workers)
            if status != "ok":
                raise RuntimeError(f"an indexing process failed: {value}")
            segments.extend(value)
        for worker in workers:
            worker.join()
        commit_segments(ix, segments)
    except BaseException:
        for worker in workers:
            if worker.is_alive():
                worker.kill()
            worker.join()
        raise
    finally:
        jobs.close()
        results.close()
    if progress and count > reported:
        progress(count - reported)
    return count


def _put(jobs, item, workers) -> None:
    while True:
        try:
            jobs.put(item, timeout=1.0)
            return
        except queue.Full:
            if not all(w.is_alive() for w in workers):
                raise RuntimeError("an indexing process died") from None


def _get(results, workers):
    while True:
        try:
            return results.get(timeout=1.0)
        except queue.Empty:
            if not any(w.is_alive() for w in workers):
                try:
                    return results.get(timeout=1.0)
                except queue.Empty:
                    raise RuntimeError("an indexing process died") from None


def cpu_count() -> int:
    return max(1, min(2, os.cpu_count() or 1))
