"""The search index on disk: generations, writes, and a searcher kept open between searches.

Layout of ``path``::

    CURRENT          the name of the live generation (replaced atomically by a rebuild)
    gen-.../         a Whoosh index

A write opens a Whoosh writer on the live generation; only one process may hold it, so a
second writer waits up to ``wait`` seconds and then gives up (``apply`` returns False and
the caller keeps the change pending). A rebuild holds the live generation's lock while it
builds the next one beside it, so no write is lost in the old generation.
"""

from __future__ import annotations

import os
import pickle
import secrets
import shutil
import struct
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import chain, islice
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.reading import EmptyReader, MultiReader, SegmentReader
from whoosh.searching import Searcher
from whoosh.util.filelock import FileLock
from whoosh.writing import LockError, SegmentWriter

from evidence.model import Record

from . import building, merging, postings, searching, spelling, whoosh_private
from .errors import IndexBusy, IndexDamaged
from .query import expand as expand_filter
from .query import parse, positive_words, split_filters
from .results import Results
from .schema import document, fitted, make_schema
from .view import SegmentSets, View

POINTER = "CURRENT"
WRITELOCK = "MAIN_WRITELOCK"  # Whoosh's write lock file in a generation folder
SAVE_WAIT = 5.0  # seconds add/remove/purge wait for another writer
REBUILD_WAIT = 60.0
MP_THRESHOLD = 5000  # records from which a rebuild uses two processes
LIMIT_MB = 256
PROGRESS_EVERY = 500
TIDY_ROUNDS = 20  # commits one tidy() may make, each merging small segments up to SEGMENT_DOCS


def _abandon(writer) -> None:
    """Release a writer that did not commit, closing the files Whoosh leaves open on errors."""
    if not writer.is_closed:
        writer.cancel()
    whoosh_private.close_writer_files(writer)


def _private_file(path: Path) -> None:
    """Make a lock file 0600 before Whoosh opens it (it would make it 0777 less the umask)."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


def inspect(path: str | os.PathLike) -> str | None:
    """What is wrong with the index at ``path`` (gone, empty, cut short), or None if it opens.

    Only reads: nothing is created or changed, so a check can report a lost index as lost.
    Every segment is opened, with its side file; reading every stored document is left to
    :meth:`SearchIndex.revisions`, which raises :class:`IndexDamaged` when it cannot.
    """
    path = Path(path)
    if not path.is_dir():
        return "the index folder is missing" if not path.exists() else "the index is not a folder"
    try:
        name = (path / POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return "the index folder holds no index"
    except (OSError, UnicodeDecodeError):
        return f"the index's {POINTER} file cannot be read"
    folder = path / name
    if not name.startswith("gen-") or "/" in name or not folder.is_dir():
        return "the index's live generation is missing"
    try:
        storage = FileStorage(str(folder), supports_mmap=False)
        ix = storage.open_index()
        with ix.reader() as reader:
            reader.doc_count_all()
        lacking = sorted(set(make_schema().names()) - set(ix.schema.names()))
        for side in folder.glob(f"*{postings.EXT}"):
            postings.SideFile(str(side)).close()
    except whoosh_index.EmptyIndexError:
        return "the index's live generation is empty (its table of contents is gone)"
    except Exception as exc:  # noqa: BLE001 - whatever Whoosh raises, the cache is unreadable
        return f"the index cannot be read ({_describe(exc)})"
    if lacking:
        return f"the index was made by an earlier version (it has no field {', '.join(lacking)})"
    return None


def _describe(exc: BaseException) -> str:
    text = str(exc).splitlines()[0][:200] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class _Shared:
    """State shared by every SearchIndex on the same folder in this process."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.read_lock = threading.RLock()
        self.write_lock = threading.Lock()
        self.users = 0
        self.generation: str | None = None
        self.signature: tuple | None = None
        self.ix = None
        self.view: View | None = None
        self.sets = SegmentSets()
        self.readers: dict[str, SegmentReader] = {}  # open segment readers, by segment id

    def drop_readers(self, keep: set[str] = frozenset()) -> None:
        for name in [n for n in self.readers if n not in keep]:
            reader = self.readers.pop(name)
            if not reader.is_closed:
                reader.close()

    def close(self) -> None:
        with self.read_lock:
            self.drop_readers()
            self.sets.keep_only(set())  # closes the side files' memory maps
            self.view = self.ix = self.generation = self.signature = None


_registry: dict[Path, _Shared] = {}
_registry_lock = threading.Lock()


class SearchIndex:
    """The search seam: keep the index in step with the store and answer searches."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path).resolve()
        self.path.mkdir(parents=True, exist_ok=True)
        with _registry_lock:
            self._shared = _registry.setdefault(self.path, _Shared(self.path))
            self._shared.users += 1
        self._closed = False
        self._ensure_generation()

    # Generations

    def _pointer(self) -> Path:
        return self.path / POINTER

    def _read_generation(self) -> str:
        return self._pointer().read_text(encoding="utf-8").strip()

    def _write_pointer(self, name: str) -> None:
        temp = self.path / f".{POINTER}.{secrets.token_hex(4)}"
        temp.write_text(name + "\n", encoding="utf-8")
        os.replace(temp, self._pointer())

    def _new_generation(self) -> tuple[str, Path]:
        name = f"gen-{time.strftime('%Y%m%d%H%M%S')}-{secrets.token_hex(3)}"
        folder = self.path / name
        folder.mkdir()
        whoosh_index.create_in(str(folder), make_schema())
        _private_file(folder / WRITELOCK)
        return name, folder

    def _ensure_generation(self) -> None:
        if self._pointer().exists():
            return
        _private_file(self.path / "INIT_LOCK")
        lock = FileLock(str(self.path / "INIT_LOCK"))
        lock.acquire(blocking=True)
        try:
            if not self._pointer().exists():
                name, _ = self._new_generation()
                self._write_pointer(name)
        finally:
            lock.release()

    def _open_index(self):
        """The live generation's Whoosh index (cached per generation)."""
        shared = self._shared
        name = self._read_generation()
        if shared.generation != name or shared.ix is None:
            # Read, not memory-mapped: a long-running server would otherwise hold every
            # segment file it ever touched in its resident memory (~250 MB at 100k records),
            # where the kernel's page cache keeps the same bytes without counting them.
            storage = FileStorage(str(self.path / name), supports_mmap=False)
            try:
                shared.ix = storage.open_index()
            except whoosh_index.EmptyIndexError as exc:
                raise IndexDamaged(f"the live generation {name} holds no index") from exc
            except (OSError, EOFError, ValueError, struct.error, pickle.UnpicklingError) as exc:
                # A table of contents or segment cut short: the cache is damaged.
                problem = f"the live generation {name} cannot be read: {exc}"
            else:
                problem = ""
            if problem:
                raise IndexDamaged(problem)
            shared.generation = name
        return shared.ix

    # Reading

    def _view(self) -> View:
        """A searcher on the latest commit of the live generation (call under read_lock)."""
        shared = self._shared
        stat = os.stat(self._pointer())
        signature = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        view = shared.view
        if view is not None and signature == shared.signature and view.searcher.up_to_date():
            return view
        # A new searcher rather than refresh(): see README.md.
        if signature != shared.signature:
            shared.drop_readers()
            ix = self._open_index()
        else:
            ix = shared.ix
        searcher = self._searcher(ix)
        shared.view = View(searcher, shared.sets)
        shared.signature = signature
        return shared.view

    def _searcher(self, ix) -> Searcher:
        """A searcher on the latest commit, reusing the open readers of unchanged segments.

        Segment files never change; only a segment's deletions do, and those live in the
        TOC's segment object, which a reused reader is pointed at. Readers of segments that
        are gone are closed (searches run under ``read_lock``, so nothing still uses them).
        """
        shared = self._shared
        for attempt in range(10):
            try:
                toc = whoosh_private.read_toc(ix)
                readers = []
                for segment in toc.segments:
                    name = segment.segment_id()
                    reader = shared.readers.get(name)
                    if reader is None or reader.is_closed:
                        reader = SegmentReader(
                            ix.storage, toc.schema, segment, generation=toc.generation
                        )
                        shared.readers[name] = reader
                    else:
                        whoosh_private.repoint_reader(reader, segment, toc.generation)
                    readers.append(reader)
                break
            except OSError:  # a writer removed a file as we opened it: read the TOC again
                if attempt == 9:
                    raise
                time.sleep(0.05)
        shared.drop_readers(keep={r.segment().segment_id() for r in readers})
        if not readers:
            reader = EmptyReader(toc.schema)
        elif len(readers) == 1:
            reader = readers[0]
        else:
            reader = MultiReader(readers, generation=toc.generation)
        return Searcher(reader, fromindex=ix, closereader=False)

    def search(
        self,
        query: str,
        filters: dict | None = None,
        page: int = 1,
        per_page: int = 20,
        audience: str = "internal",
        sort: str = "relevance",
        expand: dict[str, Callable[[str], Iterable[str]]] | None = None,
    ) -> Results:
        """One page of the records the audience may see that match ``query`` and ``filters``
        (``expand``: per field, the values a filter's value matches as well)."""
        tree = parse(query)
        for name, more in (expand or {}).items():
            tree = expand_filter(tree, name, more)
        with self._shared.read_lock:
            view = self._view()
            results = searching.run(view, tree, filters, page, per_page, audience, sort)
            text_node, _ = split_filters(tree)
            words = positive_words(text_node)
            if words:
                results.suggestion = spelling.suggest(
                    view, searching.parts(view, audience), query, words
                )
        return results

    def suggest(self, query: str, audience: str = "internal") -> str | None:
        """The query with misspelt words corrected from the index's words, or None."""
        text_node, _ = split_filters(parse(query))
        words = positive_words(text_node)
        if not words:
            return None
        with self._shared.read_lock:
            view = self._view()
            return spelling.suggest(view, searching.parts(view, audience), query, words)

    def doc_count(self) -> int:
        """How many records the index holds."""
        with self._shared.read_lock:
            return self._view().searcher.doc_count()

    def revisions(self) -> dict[str, int]:
        """Every indexed record id with the revision indexed."""
        return {record_id: rev for record_id, (rev, _) in self.contents().items()}

    def contents(self) -> dict[str, tuple[int, tuple[str, ...]]]:
        """Every indexed record id with the revision and the live attachments indexed."""
        with self._shared.read_lock:
            try:
                reader = self._view().reader
                return {
                    fields["id"]: (fields.get("rev", 0), tuple(fields.get("atts", "").split()))
                    for _, fields in reader.iter_docs()
                }
            except Exception as exc:  # noqa: BLE001 - a cut-short file fails in many ways
                raise IndexDamaged(f"the index cannot be read ({_describe(exc)})") from exc

    # Writing

    @contextmanager
    def _writer(
        self, wait: float, kind: type = SegmentWriter, **options
    ) -> Iterator[SegmentWriter | None]:
        """The live generation's writer, or None if another writer kept it past ``wait``."""
        deadline = time.monotonic() + max(0.0, wait)
        shared = self._shared
        lock = shared.write_lock
        if not (lock.acquire(timeout=wait) if wait > 0 else lock.acquire(False)):
            yield None
            return
        writer = None
        try:
            while writer is None:
                name = self._read_generation()
                try:
                    ix = whoosh_index.open_dir(str(self.path / name))
                    writer = whoosh_private.new_writer(
                        kind,
                        ix,
                        timeout=max(0.0, deadline - time.monotonic()),
                        delay=0.02,
                        limitmb=LIMIT_MB,
                        **options,
                    )
                except LockError:
                    break
                except (OSError, whoosh_index.EmptyIndexError):
                    # Swapped and removed under us: read the pointer again (even past the
                    # deadline, so a save racing a rebuild is not reported as a failure).
                    if time.monotonic() > deadline and self._read_generation() == name:
                        raise
                    continue
                if self._read_generation() != name:  # a rebuild swapped while we waited
                    writer.cancel()
                    writer = None
            yield writer
            # A writer that committed has closed its files; "closing" them again would make
            # Whoosh write (and leave open) a stray column file.
            if writer is not None and writer.is_closed:
                writer = None
        finally:
            if writer is not None:
                _abandon(writer)
            shared.write_lock.release()

    def apply(self, upserts: list[Record], deletes: list[str], wait: float = 0.0) -> bool:
        """Add or replace ``upserts`` and delete ``deletes`` in one commit; False if locked."""
        docs = [document(record) for record in upserts]
        with self._writer(wait) as writer:
            if writer is None:
                return False
            self._delete(writer, list(dict.fromkeys([*deletes, *(doc["id"] for doc in docs)])))
            for doc in docs:
                writer.add_document(**fitted(doc, writer.schema))
            writer.commit(mergetype=merging.tiered)
        return True

    def _delete(self, writer, record_ids: list[str]) -> None:
        """Delete the records' live documents: by number through the open searcher, or by
        term (Whoosh opens a searcher of its own) when it is not on the writer's commit."""
        docnums = self._docnums(writer, record_ids)
        if docnums is None:
            for record_id in record_ids:
                writer.delete_by_term("id", record_id)
        else:
            for docnum in docnums:
                writer.delete_document(docnum)

    def _docnums(self, writer, record_ids: list[str]) -> list[int] | None:
        """The live document numbers (as the writer counts) of the records, found through the
        open searcher, which saves Whoosh opening a searcher of its own for the deletions."""
        with self._shared.read_lock:
            view = self._view()
            ids = [s.segment_id() for s in writer.segments]
            if ids != view.ids or view.reader.generation() != writer.generation - 1:
                return None
            return view.docs_with("id", record_ids)

    def add(self, record: Record) -> None:
        """Add or replace one record (waits a few seconds for another writer)."""
        if not self.apply([record], [], wait=SAVE_WAIT):
            raise IndexBusy(f"the search index at {self.path} is locked by another writer")

    def remove(self, record_id: str) -> None:
        """Remove one record (waits a few seconds for another writer)."""
        if not self.apply([], [record_id], wait=SAVE_WAIT):
            raise IndexBusy(f"the search index at {self.path} is locked by another writer")

    def purge(self, *record_ids: str) -> None:
        """Erase records: every version's text is gone from every file under ``path``
        (the segments that held any of them are rewritten, in one commit)."""
        with self._writer(SAVE_WAIT, building.FastWriter, codec=building.rewrite_codec()) as writer:
            if writer is None:
                raise IndexBusy(f"the search index at {self.path} is locked by another writer")
            keys = [record_id.encode("utf-8") for record_id in record_ids]
            holding = self._holding(writer, keys)
            self._delete(writer, list(record_ids))
            writer.commit(mergetype=merging.rewriting(holding, keys))

    def _holding(self, writer, keys: list[bytes]) -> set[str]:
        """The ids of the writer's segments with any of the ids, deleted versions included:
        through the open searcher's readers when it is on the writer's commit, else by
        opening each segment."""
        with self._shared.read_lock:
            view = self._view()
            if [s.segment_id() for s in writer.segments] == view.ids:
                return {
                    segment_id
                    for (reader, _, _), segment_id in zip(view.leaves, view.ids, strict=True)
                    if any(("id", key) in reader for key in keys)
                }
        holding = set()
        for segment in writer.segments:
            reader = SegmentReader(writer.storage, writer.schema, segment)
            try:
                if any(("id", key) in reader for key in keys):
                    holding.add(segment.segment_id())
            finally:
                reader.close()
        return holding

    def tidy(self, wait: float = SAVE_WAIT) -> bool:
        """Merge the small segments saves leave behind into one (and drop their deleted
        documents). Seconds of work for thousands of saved records: run it off the request
        path (e.g. nightly). False if another writer kept the index locked past ``wait``.
        Also removes generation folders a killed rebuild left half-built: a rebuild holds this
        lock while it builds, so none is being built while we hold it."""
        for _ in range(TIDY_ROUNDS):
            merged: list[int] = []
            with self._writer(wait, building.FastWriter) as writer:
                if writer is None:
                    return False
                writer.commit(mergetype=merging.small_into_one(building.SEGMENT_DOCS, merged))
                self._remove_stale(keep={self._read_generation()})
            if not merged or merged[0] < 2:
                break
        return True

    def rebuild(
        self,
        records: Iterable[Record],
        total: int | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Index ``records`` into a new generation, swap it in, remove the old one.

        ``progress`` is called with the number of records indexed since its last call.
        """
        records = iter(records)
        head = list(islice(records, MP_THRESHOLD))
        many = len(head) >= MP_THRESHOLD or (total or 0) >= MP_THRESHOLD
        with self._writer(REBUILD_WAIT) as old:
            if old is None:
                raise IndexBusy(f"the search index at {self.path} is locked by another writer")
            old_name = self._read_generation()
            self._remove_stale(keep={old_name})
            name, folder = self._new_generation()
            try:
                count = self._fill(folder, chain(head, records), many, progress)
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise
            self._write_pointer(name)
        self._remove_stale(keep={name})
        return count

    def _fill(
        self,
        folder: Path,
        records: Iterable[Record],
        many: bool,
        progress: Callable[[int], None] | None,
    ) -> int:
        if many:
            return building.build(
                str(folder),
                records,
                procs=building.cpu_count(),
                progress=progress,
                every=PROGRESS_EVERY,
            )
        ix = whoosh_index.open_dir(str(folder))
        segments = []
        writer = None
        count = reported = 0
        try:
            for record in records:
                if writer is None:
                    writer = building.FastWriter.unlocked(ix)
                writer.add_document(**document(record))
                count += 1
                if writer.docnum >= building.SEGMENT_DOCS:  # bounded: an erasure rewrites one
                    segments.append(writer.finish_segment())
                    writer = None
                if progress and count - reported >= PROGRESS_EVERY:
                    progress(count - reported)
                    reported = count
            if writer is not None:
                segments.append(writer.finish_segment())
                writer = None
            whoosh_private.commit_segments(ix, [s for s in segments if s is not None])
        except BaseException:
            if writer is not None:
                _abandon(writer)
            raise
        if progress and count > reported:
            progress(count - reported)
        return count

    def reset(self) -> None:
        """Throw a damaged index away and start an empty one (then rebuild it).

        Holds this process's write lock, not Whoosh's: a damaged generation cannot be opened
        to take its lock, and a writer elsewhere cannot be writing to it either.
        """
        shared = self._shared
        with shared.write_lock:
            shared.close()
            self.path.mkdir(parents=True, exist_ok=True)
            self._pointer().unlink(missing_ok=True)
            self._remove_stale(keep=set())
            self._ensure_generation()

    def _remove_stale(self, keep: set[str]) -> None:
        for folder in self.path.glob("gen-*"):
            if folder.name not in keep:
                shutil.rmtree(folder, ignore_errors=True)

    def close(self) -> None:
        """Let go of this handle; the last one closes the shared searcher."""
        if self._closed:
            return
        self._closed = True
        with _registry_lock:
            self._shared.users -= 1
            if self._shared.users <= 0:
                self._shared.close()
                _registry.pop(self.path, None)

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
