"""The private whoosh3 names search_index relies on exist, and every fallback gives the same
results (and bytes) as its fast path.

``search_index/whoosh_private.py`` is the one module that uses Whoosh's private names; if an
upgrade of Whoosh renames one, the existence test fails here rather than a fast path breaking
(or silently falling back) in production.
"""

from __future__ import annotations

import inspect
import io
import shutil
from itertools import accumulate
from pathlib import Path

import pytest
from whoosh import formats, system
from whoosh.codec import whoosh3
from whoosh.filedb.structfile import StructFile
from whoosh.reading import SegmentReader
from whoosh.writing import SegmentWriter

from evidence.model import Record
from search_index import SearchIndex, building, erasing, postings, whoosh_private
from search_index.schema import make_schema

MISSING = "_no_such_name_in_whoosh"


def make(n: int, **kw) -> Record:
    base = dict(
        type="family_story",
        title=f"Story {n} {'breakfast' if n % 3 == 0 else 'garden'}",
        date=f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}",
        consent="public",
        indicators=["SO1.1"] if n % 2 else ["SO2.1"],
        locality=["Lochee", "Coldside"][n % 2],
        body=(
            f"common words here number {n} "
            + ("breakfast club changed mornings " * (1 + n % 4))
            + ("the garden grew tall " if n % 5 == 0 else "")
        ),
    )
    base.update(kw)
    return Record(id=f"R{n:03d}", revision=1, **base)


RECORDS = [make(n) for n in range(300)]  # > 128 postings a term: several blocks
QUERIES = [
    "common",
    "breakfast",
    "breakfast garden",
    '"breakfast club"',
    '"garden grew"',
    "-garden",
]


def generation(root: Path) -> Path:
    return root / (root / "CURRENT").read_text().strip()


def one_reader(root: Path) -> SegmentReader:
    from whoosh import index as whoosh_index

    ix = whoosh_index.open_dir(str(generation(root)))
    toc = whoosh_private.read_toc(ix)
    return SegmentReader(ix.storage, toc.schema, toc.segments[0], generation=toc.generation)


@pytest.fixture
def rebuilt(tmp_path) -> Path:
    """An index written by FastWriter (one segment, with a side file)."""
    root = tmp_path / "rebuilt"
    with SearchIndex(root) as idx:
        idx.rebuild(iter(RECORDS))
    return root


@pytest.fixture
def saved(tmp_path) -> Path:
    """An index written by saves (Whoosh's writer: segments without side files)."""
    root = tmp_path / "saved"
    with SearchIndex(root) as idx:
        idx.apply(RECORDS[:200], [])
        idx.apply(RECORDS[200:], [])
    assert not list(generation(root).glob("*.wmt"))
    return root


def answers(root: Path, per_page: int = 50) -> list[dict]:
    with SearchIndex(root) as idx:  # a fresh handle: no term data cached from another run
        found = [idx.search(q, per_page=per_page).to_dict() for q in QUERIES]
        found.append(idx.search("breakfast", per_page=per_page, sort="date").to_dict())
        return found


# The names exist


def test_every_private_name_relied_on_exists_in_the_installed_whoosh(rebuilt, monkeypatch):
    for name in whoosh_private.RELIED_ON["whoosh.formats"]:
        assert hasattr(formats, name), f"whoosh.formats.{name} is gone"
    for name in whoosh_private.RELIED_ON["whoosh.codec.whoosh3"]:
        assert hasattr(whoosh3, name), f"whoosh.codec.whoosh3.{name} is gone"
    for name in whoosh_private.RELIED_ON["whoosh.system"]:
        assert hasattr(system, name), f"whoosh.system.{name} is gone"
    for name in whoosh_private.RELIED_ON["W3TermInfo"]:
        assert hasattr(whoosh_private.OWNERS["W3TermInfo"], name), f"W3TermInfo.{name} is gone"
    assert "_lk" in inspect.signature(SegmentWriter.__init__).parameters

    # Instance attributes are set in __init__: look at real objects.
    reader = one_reader(rebuilt)
    fieldwriters = []
    real_bulk = building.bulk_writer

    def spy(fw):
        fieldwriters.append((fw, fw._postwriter))
        return real_bulk(fw)

    monkeypatch.setattr(building, "bulk_writer", spy)
    monkeypatch.setattr(erasing, "bulk_writer", spy)  # an erasure in place writes terms too
    try:
        matcher = whoosh_private.term_matcher(reader, "body", b"common")
        writer = SegmentWriter(_index(rebuilt))
        objects = {
            "SegmentWriter": writer,
            "FileIndex": _index(rebuilt),
            "SegmentReader": reader,
            "W3PerDocReader": reader._perdoc,
            "W3TermsReader": reader._terms,
            "W3LeafMatcher": matcher,
            "storage": reader._storage,
            "FcntlLock": writer.writelock,
            "W3PerDocWriter": writer.perdocwriter,
            "WrappedColumnWriter": writer.perdocwriter._colwriters["_stored"],
        }
        for owner, names in whoosh_private.RELIED_ON.items():
            if owner in (
                "whoosh.formats",
                "whoosh.system",
                "whoosh.codec.whoosh3",
                "W3TermInfo",
                "W3FieldWriter",
                "W3PostingsWriter",
            ):
                continue
            obj = objects[owner]
            if owner != "storage":
                assert isinstance(obj, whoosh_private.OWNERS[owner]), owner
            for name in names:
                if name == "_lk" or owner == "storage":
                    continue
                assert hasattr(obj, name), f"{owner}.{name} is gone"
        writer.cancel()
        assert hasattr(reader._perdoc, whoosh_private.LENGTH_READER)  # the fast length path
        # A compound segment's reader reads an overlay storage whose .b holds the folder.
        assert hasattr(reader._storage, "b") and hasattr(reader._storage.b, "folder")
        assert whoosh_private.storage_folder(reader._storage) == str(generation(rebuilt))
        with SearchIndex(rebuilt) as idx:  # a rewrite writes postings through FastWriter
            idx.purge("R001")
        assert fieldwriters
        fw, pw = fieldwriters[0]
        assert isinstance(fw, whoosh_private.OWNERS["W3FieldWriter"])
        assert isinstance(pw, whoosh_private.OWNERS["W3PostingsWriter"])
        # A postings writer in a term (an erasure in place may write no term through it).
        pw = whoosh3.W3Codec().postings_writer(StructFile(io.BytesIO()))
        pw.start_postings(formats.Positions(), whoosh3.W3TermInfo())
        for name in whoosh_private.RELIED_ON["W3PostingsWriter"]:
            assert hasattr(pw, name), f"W3PostingsWriter.{name} is gone"
        for name in whoosh_private.RELIED_ON["W3FieldWriter"]:
            assert hasattr(fw, name), f"W3FieldWriter.{name} is gone"
    finally:
        reader.close()


def _index(root: Path):
    from whoosh import index as whoosh_index

    return whoosh_index.open_dir(str(generation(root)))


def test_position_deltas_read_what_whoosh_positions_encode():
    fmt = formats.Positions()
    for positions in ([0], [3, 4, 9], list(range(0, 600, 7))):
        value = fmt.encode(positions)
        assert list(accumulate(whoosh_private.position_deltas(value))) == positions
        assert list(accumulate(whoosh_private.position_deltas(value[:-1]))) == positions
        assert fmt.decode_positions(value) == positions


def test_schema_words_write_what_whoosh_positions_encode():
    """schema.Words encodes positions itself (no call per term): the bytes must be Whoosh's."""
    field = make_schema()["body"]
    text = "breakfast club breakfast mornings club breakfast"
    found = list(field.index_positions(text))
    assert found
    for _, n, _, value, positions in found:
        assert value == field.format.encode(positions)
        assert n == len(positions)


# The fallbacks


def _flat(blocks):
    return sorted(
        (f, t, d, w, v)
        for f, t, docs, weights, values in blocks
        for d, w, v in zip(docs, weights, values, strict=True)
    )


def test_iter_blocks_fallback_reads_the_same_postings(rebuilt, monkeypatch):
    reader = one_reader(rebuilt)
    try:
        fast = list(whoosh_private.iter_blocks(reader))
        assert any(len(docs) > 1 for _, _, docs, _, _ in fast)  # read a block at a time
        monkeypatch.setattr(whoosh_private, "BLOCK_READS", (*whoosh_private.BLOCK_READS, MISSING))
        slow = list(whoosh_private.iter_blocks(reader))
        assert all(len(docs) == 1 for _, _, docs, _, _ in slow)  # one posting at a time
        assert _flat(slow) == _flat(fast)
    finally:
        reader.close()


def test_block_postings_fallback_reads_the_same_postings(saved, monkeypatch):
    reader = one_reader(saved)
    try:
        fast = whoosh_private.block_postings(reader, "body", b"common")
        assert len(fast[0]) == 200
        monkeypatch.setattr(whoosh_private, "BLOCK_READS", (MISSING,))
        assert whoosh_private.block_postings(reader, "body", b"common") == fast
    finally:
        reader.close()


def test_length_getter_fallback_gives_the_same_lengths(rebuilt, monkeypatch):
    reader = one_reader(rebuilt)
    try:
        fast = whoosh_private.length_getter(reader, "body")
        monkeypatch.setattr(whoosh_private, "LENGTH_READER", MISSING)
        slow = whoosh_private.length_getter(reader, "body")
        assert slow.__name__ == "<lambda>"
        lengths = [fast(d) for d in range(reader.doc_count_all())]
        assert lengths == [slow(d) for d in range(reader.doc_count_all())]
        assert min(lengths) > 0
    finally:
        reader.close()


def test_storage_folder_of_a_storage_without_a_folder_is_none():
    class Storage:
        pass

    overlay = Storage()
    overlay.b = Storage()
    assert whoosh_private.storage_folder(Storage()) is None
    assert whoosh_private.storage_folder(overlay) is None
    overlay.b.folder = "/some/folder"
    assert whoosh_private.storage_folder(overlay) == "/some/folder"


def matches(found: list[dict]) -> list:
    """What each search found (not the order: Whoosh keeps field lengths rounded to a byte,
    a side file exact ones, so scores read through Whoosh differ slightly)."""
    return [(a["total"], a["facets"], sorted(h["id"] for h in a["hits"])) for a in found]


def test_searches_through_whoosh_match_the_side_files(rebuilt, monkeypatch):
    fast = answers(rebuilt, per_page=300)
    assert fast[0]["total"] == 300
    monkeypatch.setattr(postings, "storage_folder", lambda storage: None)  # no side files
    through_whoosh = answers(rebuilt, per_page=300)
    assert matches(through_whoosh) == matches(fast)
    monkeypatch.setattr(whoosh_private, "BLOCK_READS", (MISSING,))  # and no block reads
    assert answers(rebuilt, per_page=300) == through_whoosh


def test_searches_of_saved_segments_without_block_reads_match(saved, monkeypatch):
    fast = answers(saved)
    assert fast[0]["total"] == 300
    monkeypatch.setattr(whoosh_private, "BLOCK_READS", (MISSING,))
    assert answers(saved) == fast


FALLBACKS = {
    "block reads": ("BLOCK_READS", (MISSING,)),
    "bulk block writes": ("BULK_WRITES", (MISSING,)),
    "field length getter": ("LENGTH_READER", MISSING),
}


def _segment_files(root: Path) -> dict:
    """The rewritten segment's term table and postings (byte for byte), stored documents and
    field lengths. (Its column file is not compared: it differs between two runs of the
    same rewrite, as it names temporary files.)"""
    reader = one_reader(root)
    try:
        compound = reader._storage.a
        found = {}
        for name in compound.list():
            ext = name.rsplit(".", 1)[-1]
            if ext in ("trm", "pst"):
                f = compound.open_file(name)
                found[ext] = f.read()
                f.close()
        n = reader.doc_count_all()
        found["stored"] = [reader.stored_fields(d) for d in range(n)]
        found["lengths"] = [
            [reader.doc_field_length(d, f) for d in range(n)] for f in ("title", "body")
        ]
        return found
    finally:
        reader.close()


def _side_bytes(root: Path) -> bytes:
    (side,) = generation(root).glob("*.wmt")
    return side.read_bytes()


@pytest.mark.parametrize("fallback", sorted(FALLBACKS))
def test_a_segment_rewritten_by_a_fallback_has_the_same_bytes(
    rebuilt, tmp_path, monkeypatch, fallback
):
    copy = tmp_path / "copy"
    shutil.copytree(rebuilt, copy)
    with SearchIndex(rebuilt) as idx:  # the fast path
        idx.purge("R007")
    name, value = FALLBACKS[fallback]
    with monkeypatch.context() as patch:
        patch.setattr(whoosh_private, name, value)
        with SearchIndex(copy) as idx:
            idx.purge("R007")
    assert _segment_files(copy) == _segment_files(rebuilt)
    assert _side_bytes(copy) == _side_bytes(rebuilt)
    assert answers(copy) == answers(rebuilt)
    assert answers(copy)[0]["total"] == 299


def test_bulk_writer_is_none_for_a_writer_it_does_not_mirror(monkeypatch):
    class Other:
        pass

    assert whoosh_private.bulk_writer(Other()) is None
    monkeypatch.setattr(whoosh_private, "BULK_WRITES", (MISSING,))

    class Postings:
        _byteids = False

    fw = Other()
    fw._postwriter = Postings()
    assert whoosh_private.bulk_writer(fw) is None


def test_a_writer_that_fails_after_locking_releases_the_lock(rebuilt):
    """Whoosh would leave the half-made writer holding the lock until garbage collection."""
    import gc

    tmp = generation(rebuilt) / "MAIN.tmp"
    tmp.write_text("a file where Whoosh wants its temporary folder")
    gc.disable()  # the lock must not depend on a collection
    try:
        with pytest.raises(OSError):
            whoosh_private.new_writer(SegmentWriter, _index(rebuilt))
        tmp.unlink()
        writer = whoosh_private.new_writer(SegmentWriter, _index(rebuilt), timeout=0.0)
        writer.cancel()
    finally:
        gc.enable()


def test_new_writer_gives_up_on_a_held_lock_like_whoosh(rebuilt):
    from whoosh.writing import LockError

    first = whoosh_private.new_writer(SegmentWriter, _index(rebuilt))
    try:
        with pytest.raises(LockError):
            whoosh_private.new_writer(SegmentWriter, _index(rebuilt), timeout=0.0)
    finally:
        first.cancel()
    whoosh_private.new_writer(SegmentWriter, _index(rebuilt)).cancel()
