"""Keeping the index in step: apply, remove, rebuild and swap, purge, locks, merges."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from whoosh import fields
from whoosh import index as whoosh_index

import search_index.index as index_module
from evidence.model import Record
from search_index import SearchIndex
from search_index.merging import FANOUT

ROOT = Path(__file__).resolve().parents[1]


def make(id, revision=1, **kw):
    base = dict(
        type="family_story",
        title=f"Story {id}",
        date="2024-01-01",
        consent="public",
        indicators=["SO1.1"],
        locality="Lochee",
        body="common words here",
    )
    base.update(kw)
    return Record(id=id, revision=revision, **base)


@pytest.fixture
def idx(tmp_path):
    index = SearchIndex(tmp_path / "index")
    yield index
    index.close()


def run_python(code: str, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


def test_new_index_is_empty(idx, tmp_path):
    assert idx.doc_count() == 0
    assert idx.search("").total == 0
    assert (tmp_path / "index" / "CURRENT").exists()


def test_apply_add_replace_delete(idx):
    assert idx.apply([make("A"), make("B"), make("C")], [])
    assert idx.revisions() == {"A": 1, "B": 1, "C": 1}
    assert idx.apply([make("A", revision=2, body="rewritten text")], ["B"])
    assert idx.revisions() == {"A": 2, "C": 1}
    assert idx.search("common").total == 1
    assert [h.id for h in idx.search("rewritten").hits] == ["A"]
    idx.remove("C")
    idx.add(make("D"))
    assert idx.revisions() == {"A": 2, "D": 1}
    assert idx.doc_count() == 2
    assert idx.apply([], ["nosuchid"])


def test_search_sees_every_save(idx):
    for n in range(FANOUT * 3):  # enough saves to trigger merges
        idx.add(make(f"N{n:02d}", body=f"word{n} shared"))
        assert idx.search("shared").total == n + 1
    results = idx.search("shared", per_page=100)
    assert len({h.id for h in results.hits}) == len(results.hits) == FANOUT * 3
    assert idx.doc_count() == FANOUT * 3


def test_updates_after_merges_leave_no_duplicates(idx):
    idx.apply([make(f"M{n}") for n in range(5)], [])
    before = idx.search("common")  # a searcher open across the merges below
    assert before.total == 5
    for round_ in range(2, FANOUT + 4):
        idx.apply([make(f"M{n}", revision=round_) for n in range(5)], [])
        results = idx.search("common", per_page=50)
        assert results.total == 5
        assert sorted(h.id for h in results.hits) == [f"M{n}" for n in range(5)]
        assert sum(results.facets["type"].values()) == 5
    assert set(idx.revisions().values()) == {FANOUT + 3}


def test_whoosh_refresh_after_merge_matches_a_fresh_searcher(tmp_path):
    """whoosh-reloaded's refresh() returned duplicates after a merge; check whoosh3's."""
    schema = fields.Schema(id=fields.ID(stored=True, unique=True), body=fields.TEXT())
    ix = whoosh_index.create_in(str(tmp_path), schema)
    for n in range(12):
        with ix.writer() as w:
            w.add_document(id=str(n), body="alpha")
    old = ix.searcher()
    assert old.doc_count() == 12
    w = ix.writer()
    for n in range(6):
        w.update_document(id=str(n), body="alpha beta")
    w.commit(optimize=True)
    refreshed = old.refresh()
    fresh = ix.searcher()
    from whoosh.query import Term

    fresh_hits = [h["id"] for h in fresh.search(Term("body", "alpha"), limit=None)]
    refreshed_hits = [h["id"] for h in refreshed.search(Term("body", "alpha"), limit=None)]
    assert len(fresh_hits) == len(set(fresh_hits)) == 12
    # whoosh3 3.54.0 still has whoosh-reloaded's bug: refresh() after a merge reports
    # duplicates (24 hits for 12 documents). SearchIndex therefore opens a new searcher.
    assert len(refreshed_hits) > len(fresh_hits)
    refreshed.close()
    fresh.close()


def test_rebuild_swaps_generation(idx, tmp_path):
    idx.apply([make("OLD", body="before")], [])
    other = SearchIndex(tmp_path / "index")
    assert other.search("before").total == 1
    seen = []
    count = idx.rebuild(
        (make(f"R{n}", body="after") for n in range(7)), total=7, progress=seen.append
    )
    assert count == 7 and sum(seen) == 7
    assert other.search("before").total == 0
    assert other.search("after").total == 7
    generations = list((tmp_path / "index").glob("gen-*"))
    assert len(generations) == 1
    assert (tmp_path / "index" / "CURRENT").read_text().strip() == generations[0].name
    assert idx.apply([make("NEW", body="after")], [])
    assert other.search("after").total == 8
    other.close()


def test_rebuild_seen_by_another_process(idx, tmp_path):
    idx.apply([make("OLD", body="before")], [])
    assert idx.search("before").total == 1  # this process now holds an open searcher
    child = run_python(f"""
        from evidence.model import Record
        from search_index import SearchIndex
        idx = SearchIndex({str(tmp_path / "index")!r})
        recs = [Record(id=f"P{{n}}", type="event", title="t", date="2024-01-01",
                       consent="public", indicators=["SO1.1"], body="elsewhere")
                for n in range(3)]
        print(idx.rebuild(recs))
    """)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    assert out.strip() == "3"
    assert idx.search("before").total == 0
    assert idx.search("elsewhere").total == 3


def test_rebuild_with_two_processes(idx, monkeypatch):
    monkeypatch.setattr(index_module, "MP_THRESHOLD", 40)
    records = [
        make(f"Q{n:03d}", body=f"parallel text {n}", locality=["Lochee", "Coldside"][n % 2])
        for n in range(150)
    ]
    assert idx.rebuild(iter(records)) == 150
    results = idx.search("parallel", per_page=100)
    assert results.total == 150
    assert results.facets["locality"] == {"Coldside": 75, "Lochee": 75}
    assert len(idx.revisions()) == 150


def _files_containing(folder: Path, word: bytes) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and word in p.read_bytes()]


def test_purge_leaves_no_text(idx, tmp_path):
    folder = tmp_path / "index"
    others = [make(f"K{n}", body="keep these words") for n in range(30)]
    idx.apply(others, [])
    # The old revision shares a segment with a live record, so its text stays on disk.
    idx.apply(
        [
            make("GONE", title="Zanzibarish title", body="old xylophonic text"),
            make("NEIGHBOUR", body="keep me"),
        ],
        [],
    )
    idx.apply([make("GONE", revision=2, title="Zanzibarish title", body="new qwzblorp text")], [])
    idx.apply([make("LATER", body="more keep")], [])
    for word in (b"xylophonic", b"qwzblorp", b"zanzibarish"):
        assert _files_containing(folder, word), word  # the check can see terms
    idx.purge("GONE")
    for word in (b"xylophonic", b"qwzblorp", b"zanzibarish", b"GONE"):
        assert _files_containing(folder, word) == [], word
    assert idx.search("keep").total == 32
    assert "GONE" not in idx.revisions()
    assert idx.search("qwzblorp").total == 0


def test_second_writer_gets_false_not_lockerror(idx, tmp_path):
    idx.apply([make("A")], [])
    gen = (tmp_path / "index" / "CURRENT").read_text().strip()
    child = run_python(
        f"""
        import sys, time
        from whoosh import index
        ix = index.open_dir({str(tmp_path / "index" / gen)!r})
        w = ix.writer()
        print("locked", flush=True)
        sys.stdin.readline()
        w.cancel()
    """,
        stdin=subprocess.PIPE,
    )
    try:
        assert child.stdout.readline().strip() == "locked"
        assert idx.apply([make("B")], []) is False
        assert idx.apply([make("B")], [], wait=0.3) is False
        assert idx.revisions() == {"A": 1}
    finally:
        child.communicate("\n", timeout=30)
    assert idx.apply([make("B")], [], wait=2)
    assert idx.revisions() == {"A": 1, "B": 1}


def test_failed_commit_changes_nothing(idx, monkeypatch):
    idx.apply([make("A")], [])

    def broken(writer, segments):
        raise OSError("disk full")

    monkeypatch.setattr("search_index.merging.tiered", broken)
    with pytest.raises(OSError):
        idx.apply([make("B"), make("A", revision=2)], [])
    monkeypatch.undo()
    assert idx.revisions() == {"A": 1}
    assert idx.apply([make("B")], [])  # the lock was released


def test_rebuilt_segments_have_side_files_and_tidy_merges_saves(idx, tmp_path, monkeypatch):
    from search_index import building

    monkeypatch.setattr(index_module, "MP_THRESHOLD", 40)
    monkeypatch.setattr(building, "SEGMENT_DOCS", 30)  # bounded segments: 3 from 2 workers
    records = [make(f"S{n:03d}", body=f"bounded segment text {n}") for n in range(70)]
    assert idx.rebuild(iter(records)) == 70
    folder = tmp_path / "index" / (tmp_path / "index" / "CURRENT").read_text().strip()
    sides = list(folder.glob("*.wmt"))
    assert len(sides) >= 3
    for n in range(5):
        idx.apply([make(f"S{n:03d}", revision=2, body=f"saved again {n}")], [])
    assert len(list(folder.glob("*.seg"))) >= len(sides) + 2  # saves add small segments
    assert idx.search("bounded").total == 65 and idx.search("saved").total == 5
    assert idx.tidy()
    assert idx.search("bounded").total == 65 and idx.search("saved").total == 5
    assert idx.search('"saved again"', per_page=10).total == 5
    assert len(list(folder.glob("*.wmt"))) == len(list(folder.glob("*.seg")))
    assert idx.revisions()["S003"] == 2 and len(idx.revisions()) == 70


def test_tidy_removes_what_a_killed_rebuild_left_half_built(idx, tmp_path):
    idx.apply([make("A")], [])
    leftover = tmp_path / "index" / "gen-leftover"
    leftover.mkdir()
    (leftover / "_MAIN_1.toc").write_bytes(b"half")
    assert idx.tidy()
    assert not leftover.exists()
    assert idx.search("common").total == 1


def test_a_save_finds_deletions_through_the_open_searcher(idx, monkeypatch):
    idx.apply([make("A"), make("B")], [])
    assert idx.search("common").total == 2  # a searcher on the latest commit
    calls = []
    real = index_module.SegmentWriter.delete_by_term

    def spy(self, *args, **kwargs):
        calls.append(args)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(index_module.SegmentWriter, "delete_by_term", spy)
    idx.apply([make("A", revision=2, body="fresh words")], ["B"])
    assert calls == []
    assert idx.revisions() == {"A": 2}
    assert idx.search("fresh").total == 1 and idx.search("common").total == 0


def _segments(idx):
    """(segment id, documents) of the live generation's segments."""
    folder = idx.path / (idx.path / "CURRENT").read_text().strip()
    ix = whoosh_index.open_dir(str(folder))
    with ix.reader() as reader:
        leaves = [r for r, _ in reader.leaf_readers()]
        return [(r.segment().segment_id(), r.segment().doc_count_all()) for r in leaves]


def _live(idx):
    folder = idx.path / (idx.path / "CURRENT").read_text().strip()
    ix = whoosh_index.open_dir(str(folder))
    with ix.reader() as reader:
        return [r.segment().doc_count() for r, _ in reader.leaf_readers()]


def test_erasure_rewrites_only_the_holding_segment_of_a_bounded_size(idx, monkeypatch):
    from search_index import building

    monkeypatch.setattr(building, "SEGMENT_DOCS", 4)
    records = [make(f"E{n:02d}", body=f"bounded erasure text {n}") for n in range(10)]
    assert idx.rebuild(iter(records)) == 10  # one process: segments of 4, 4 and 2
    before = _segments(idx)
    assert sorted(n for _, n in before) == [2, 4, 4]
    idx.purge("E05")
    after = _segments(idx)
    kept = {sid for sid, _ in before} & {sid for sid, _ in after}
    assert len(kept) == 2  # the two segments without E05 are untouched
    # rewritten in place: E05 is a hole (numbered, deleted, empty) in a new segment of 4
    assert sorted(n for _, n in after) == [2, 4, 4]
    assert sorted(_live(idx)) == [2, 3, 4]
    assert idx.search("bounded").total == 9 and "E05" not in idx.revisions()


def test_tidy_merges_small_segments_into_bounded_ones(idx, monkeypatch):
    from search_index import building

    monkeypatch.setattr(building, "SEGMENT_DOCS", 5)
    for n in range(4):
        assert idx.apply([make(f"T{2 * n}"), make(f"T{2 * n + 1}")], [])
    assert sorted(n for _, n in _segments(idx)) == [2, 2, 2, 2]
    assert idx.tidy()
    sizes = sorted(n for _, n in _segments(idx))
    assert sizes == [4, 4] and idx.search("common").total == 8
