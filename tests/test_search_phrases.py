"""Phrases of common words: known answers on a small hand-made corpus, however it was indexed.

Segments written in bulk (rebuilds, erasure rewrites, tidy) index the pairs of their most
common words (``postings.COMMON_TERMS``) at distances 1..``postings.MAX_GAP``; segments
written by a save are read through Whoosh's positions. Every way of indexing the corpus, and
every number of common words (none, a few, all), must give the same exact hit sets.
"""

from __future__ import annotations

import pytest
from whoosh import index as whoosh_index

from evidence.model import Record
from search_index import SearchIndex, building, erasing, postings, view
from search_index import index as index_module


def make(id, body, **kw):
    base = dict(
        type="family_story",
        title="Note " + id,
        date="2024-01-01",
        consent="public",
        indicators=["SO1.1"],
        authority="Dundee",
        locality="Lochee",
        body=body,
    )
    base.update(kw)
    return Record(id=id, revision=1, **base)


CORPUS = [
    make("P1", "Family support worker came to the school."),
    make(
        "P2",
        "The worker of the came late; the worker of the family stayed; support for families"
        " grew at school.",
    ),
    make("P3", "Support family. Worker came, school worker visited."),
    make("P4", "The café gave families supporting words: family support at the café."),
    make("P5", "Families supported the school worker and the worker came back to school."),
    make("P6", "Worker support family worker support family worker support family."),
    make("P7", "A school, worker of the year: support of the family came first."),
    make(
        "P8",
        "Morag support worker said the family support group helped.",
        consent="anonymised",
        people=["Morag"],
    ),
    make("P9", "Nothing in common here but words: family, support, worker, school, came."),
    make(
        "P10",
        "Cafe support for the family; school worker came to the cafe support group.",
        title="Family support at school",
    ),
]

# (query, every hit internally, every hit externally if not the same)
KNOWN = [
    ('"family support"', {"P1", "P4", "P5", "P8", "P9", "P10"}, None),
    ('"families supporting"', {"P1", "P4", "P5", "P8", "P9", "P10"}, None),  # stems
    ('"support family"', {"P3", "P6"}, None),
    ('"worker came"', {"P1", "P3", "P5", "P10"}, None),
    ('"worker of the came"', {"P2"}, None),  # positions count stop words
    # Any word may stand where the query has a stop word ("worker said the family").
    ('"worker of the family"', {"P2", "P8"}, None),
    ('"support for families"', {"P2", "P4"}, None),
    ('"support of the family"', {"P7", "P10"}, None),
    ('"school worker"', {"P3", "P5", "P7", "P10"}, None),
    ('"café support"', {"P10"}, None),  # accents folded
    ('"cafe gave families"', {"P4"}, None),
    ('"family support worker"', {"P1", "P9"}, None),
    ('"worker support family worker"', {"P6"}, None),
    ('"support family worker support family"', {"P6"}, None),
    ('"family support group"', {"P8"}, None),
    ('"support worker"', {"P1", "P8", "P9"}, None),
    ('"morag support"', {"P8"}, set()),  # a masked name never matches outside the team
    ('"morag support worker"', {"P8"}, set()),
    ('"said the family support"', {"P8"}, None),
    ('"came worker"', set(), None),
    ('"school came"', {"P9"}, None),
    ('"school family"', set(), None),
    ('"family support" school', {"P1", "P5", "P9", "P10"}, None),
    ('"family support" -school', {"P4", "P8"}, None),
    ('"family support" OR "worker came"', {"P1", "P3", "P4", "P5", "P8", "P9", "P10"}, None),
]


def _ids(idx, query, audience="internal"):
    return {h.id for h in idx.search(query, per_page=50, audience=audience).hits}


def _build(idx, how, monkeypatch):
    if how == "saved":
        assert idx.apply(CORPUS, [])
    elif how == "one by one":  # tiered merges of tiny segments through Whoosh
        for record in CORPUS:
            assert idx.apply([record], [])
    elif how == "rebuilt":
        assert idx.rebuild(iter(CORPUS)) == len(CORPUS)
    elif how == "rebuilt in two processes":
        monkeypatch.setattr(index_module, "MP_THRESHOLD", 4)
        monkeypatch.setattr(building, "SEGMENT_DOCS", 3)
        assert idx.rebuild(iter(CORPUS)) == len(CORPUS)
    elif how == "mixed":
        assert idx.rebuild(iter(CORPUS[:5])) == 5
        assert idx.apply(CORPUS[5:], [])
    elif how == "purged":  # every bulk segment rewritten from its side file
        extra = make("X1", "Family support is what this erased record said.")
        assert idx.rebuild(iter([*CORPUS, extra])) == len(CORPUS) + 1
        idx.purge("X1")
    elif how == "purged, stored fields through Whoosh":  # stored_copier's fallback
        monkeypatch.setattr(erasing, "stored_copier", lambda reader, pdw: None)
        _build(idx, "purged", monkeypatch)
    elif how == "purged by compaction":  # the way for segments an erasure in place cannot do
        monkeypatch.setattr(erasing, "rewrite", lambda writer, segment, keys: None)
        _build(idx, "purged", monkeypatch)
    elif how == "tidied":
        assert idx.rebuild(iter(CORPUS[:3])) == 3
        for record in CORPUS[3:]:
            assert idx.apply([record], [])
        assert idx.tidy()
    elif how == "saved again after a rebuild":
        assert idx.rebuild(iter(CORPUS)) == len(CORPUS)
        assert idx.apply(CORPUS[:4], [])  # replaced: old versions deleted in a bulk segment
    else:
        raise AssertionError(how)


HOWS = [
    "saved",
    "one by one",
    "rebuilt",
    "rebuilt in two processes",
    "mixed",
    "purged",
    "purged, stored fields through Whoosh",
    "purged by compaction",
    "tidied",
    "saved again after a rebuild",
]


@pytest.mark.parametrize("vector_from", [view.VECTOR_MIN, 1])  # 1: every list in numpy
@pytest.mark.parametrize("common", [0, 3, 32])
@pytest.mark.parametrize("how", HOWS)
def test_phrases_have_known_answers(tmp_path, monkeypatch, how, common, vector_from):
    monkeypatch.setattr(postings, "COMMON_TERMS", common)
    monkeypatch.setattr(view, "VECTOR_MIN", vector_from)
    with SearchIndex(tmp_path / "index") as idx:
        _build(idx, how, monkeypatch)
        for query, internal, external in KNOWN:
            assert _ids(idx, query) == internal, (how, query)
            outside = internal if external is None else external  # all shareable but P8's name
            assert _ids(idx, query, "external") == outside, (how, query)
            assert idx.search(query).total == len(internal)


def test_bulk_segments_index_pairs_of_common_words(tmp_path):
    with SearchIndex(tmp_path / "index") as idx:
        idx.rebuild(iter(CORPUS))
        folder = tmp_path / "index" / (tmp_path / "index" / "CURRENT").read_text().strip()
        (path,) = folder.glob("*.wmt")
        side = postings.SideFile(str(path))
        try:
            assert {b"famili", b"support", b"worker"} <= side.common("body")
            assert side.pair_count("body", b"famili", b"support", 1) >= 5
            assert side.pair_count("body", b"support", b"famili", 2) >= 2  # "for families"
            assert side.pair_count("body", b"came", b"worker", 1) == 0
            docs = side.pair_docs("body", b"worker", b"came", 1)
            assert len(docs) == len(set(docs)) == 4
        finally:
            side.close()


def test_a_side_file_nothing_holds_any_more_lets_go_of_its_descriptor(tmp_path):
    """A segment evicted from the view's cache is dropped, not closed (a view may still read
    it): its file is closed when nothing holds it, and closing twice closes nothing else."""
    import gc
    import os

    with SearchIndex(tmp_path / "index") as idx:
        idx.rebuild(iter(CORPUS))
        folder = tmp_path / "index" / (tmp_path / "index" / "CURRENT").read_text().strip()
        (path,) = folder.glob("*.wmt")
    side = postings.SideFile(str(path))
    fd = side._fd
    assert os.readlink(f"/proc/self/fd/{fd}") == str(path.resolve())
    del side
    gc.collect()
    assert not os.path.exists(f"/proc/self/fd/{fd}") or os.readlink(f"/proc/self/fd/{fd}") != str(
        path.resolve()
    )
    twice = postings.SideFile(str(path))
    twice.close()
    other = os.open(path, os.O_RDONLY)  # may take the number the side file had
    try:
        twice.close()
        os.fstat(other)  # still open
    finally:
        os.close(other)


def test_an_erasure_leaves_no_pair_or_common_word_of_the_erased_record(tmp_path):
    secret = make("S1", "Zebrafinch zebrafinch quagga quagga zebrafinch quagga.")
    with SearchIndex(tmp_path / "index") as idx:
        idx.rebuild(iter([*CORPUS, secret]))
        assert _ids(idx, '"zebrafinch quagga"') == {"S1"}
        idx.purge("S1")
        assert _ids(idx, '"zebrafinch quagga"') == set()
        assert _ids(idx, '"family support"') == KNOWN[0][1]
        assert _ids(idx, '"morag support"') == {"P8"}
        folder = tmp_path / "index" / (tmp_path / "index" / "CURRENT").read_text().strip()
        for path in folder.iterdir():
            data = path.read_bytes()
            assert b"zebrafinch" not in data and b"quagga" not in data, path.name
        (side_path,) = folder.glob("*.wmt")
        side = postings.SideFile(str(side_path))
        try:
            assert b"zebrafinch" not in side.common("body")
            assert not any(b"quagga" in k[:2] for k in side.pair_keys("body"))
        finally:
            side.close()


def test_a_rewritten_segment_cuts_the_same_tokens_as_it_would_derive(tmp_path, monkeypatch):
    """An erasure rewrite takes tokens and title/body postings from the old side file;
    copying through Whoosh and deriving tokens from its positions (the path for segments
    without one) must give the same arrays and the same postings, encoded positions included."""
    records = [*CORPUS, make("X1", "Family support erased."), make("X2", "School worker.")]
    found = {}
    for cut in (True, False):
        path = tmp_path / f"index-{cut}"
        monkeypatch.setattr(erasing, "rewrite", lambda writer, segment, keys: None)  # compacting
        if not cut:
            monkeypatch.setattr(postings, "open_side", lambda storage, segment: None)
        with SearchIndex(path) as idx:
            idx.rebuild(iter(records))
            idx.purge("X1")
        monkeypatch.undo()
        folder = path / (path / "CURRENT").read_text().strip()
        (side_path,) = folder.glob("*.wmt")
        side = postings.SideFile(str(side_path))
        try:
            found[cut] = {
                name: (
                    list(side.bases(name)),
                    {t: list(side.tokens(name, t)) for t in sorted(side.terms(name))},
                    {k: list(side.pair_starts(name, *k)) for k in sorted(side.pair_keys(name))},
                )
                for name in ("title", "body")
            }
        finally:
            side.close()
        ix = whoosh_index.open_dir(str(folder))
        with ix.reader() as reader:
            whoosh = {}
            for fieldname, tbytes in reader.all_terms():
                m = reader.postings(fieldname, tbytes)
                whoosh[(fieldname, tbytes)] = []
                while m.is_active():
                    whoosh[(fieldname, tbytes)].append((m.id(), m.weight(), m.value()))
                    m.next()
            found[cut]["whoosh"] = whoosh
        ix.close()
    assert found[True] == found[False]


QUERIES = [
    "family",
    "family support",
    '"family support"',
    '"worker came"',
    '"support for families"',
    "school worker",
    '"school worker" family',
    "cafe",
]


def test_a_rebuild_and_an_incremental_index_give_the_same_hits_in_the_same_order(tmp_path):
    with SearchIndex(tmp_path / "rebuilt") as rebuilt, SearchIndex(tmp_path / "saved") as saved:
        rebuilt.rebuild(iter(CORPUS))
        for record in CORPUS:
            assert saved.apply([record], [])
        for query in QUERIES:
            for audience in ("internal", "external"):
                a = rebuilt.search(query, per_page=50, audience=audience)
                b = saved.search(query, per_page=50, audience=audience)
                assert [(h.id, h.score) for h in a.hits] == [(h.id, h.score) for h in b.hits]
                assert a.total == b.total and a.facets == b.facets


def _postings(folder):
    """Every (field, term)'s postings of an index folder, by global document number."""
    ix = whoosh_index.open_dir(str(folder))
    try:
        with ix.reader() as reader:
            found = {}
            for fieldname, tbytes in reader.all_terms():
                m = reader.postings(fieldname, tbytes)
                found[(fieldname, tbytes)] = []
                while m.is_active():
                    found[(fieldname, tbytes)].append((m.id(), m.weight(), m.value()))
                    m.next()
            stored = {d: reader.stored_fields(d) for d in range(reader.doc_count_all())}
            return found, reader.doc_count_all(), sorted(reader.all_doc_ids()), stored
    finally:
        ix.close()


def _folder(path):
    return path / (path / "CURRENT").read_text().strip()


@pytest.mark.parametrize("edited", [False, True])
def test_an_erasure_in_place_keeps_every_other_posting_as_it_was(tmp_path, edited):
    """The segment is written again with the erased record's document as a hole: every
    other document (an earlier, deleted version of another record too) keeps its number and
    every term's postings are the old ones without the hole; terms only the erased record
    held are gone."""
    secret = make("S1", "Zebrafinch quagga family support at the school.")
    with SearchIndex(tmp_path / "index") as idx:
        idx.rebuild(iter([*CORPUS, secret]))
        if edited:  # an earlier version of P1, deleted in the bulk segment
            assert idx.apply([make("P1", "Family support worker came to the cafe.")], [])
        before, count, _, stored = _postings(_folder(tmp_path / "index"))
        idx.purge("S1")
        after, count_after, live, stored_after = _postings(_folder(tmp_path / "index"))
    holes = {len(CORPUS)}  # S1's number
    assert count_after == count  # numbers kept (the edited P1's new version is at the end)
    assert not holes & set(live)
    expected = {}
    for key, found in before.items():
        kept = [p for p in found if p[0] not in holes]
        if kept:
            expected[key] = kept
    assert after == expected
    assert stored_after == {d: ({} if d in holes else v) for d, v in stored.items()}
    assert ("body", b"zebrafinch") not in after and ("id", b"S1") not in after
    for path in _folder(tmp_path / "index").iterdir():
        data = path.read_bytes()
        assert b"ebrafinch" not in data and b"quagga" not in data, path.name


def test_an_erasure_in_place_answers_as_a_rebuild_without_the_record(tmp_path):
    gone = [make("X1", "Family support worker erased."), make("X2", "School worker came.")]
    with SearchIndex(tmp_path / "erased") as erased, SearchIndex(tmp_path / "clean") as clean:
        erased.rebuild(iter([*CORPUS[:4], gone[0], *CORPUS[4:], gone[1]]))
        erased.purge("X1", "X2")
        clean.rebuild(iter(CORPUS))
        for query in QUERIES:
            for audience in ("internal", "external"):
                a = erased.search(query, per_page=50, audience=audience)
                b = clean.search(query, per_page=50, audience=audience)
                assert [(h.id, round(h.score, 9)) for h in a.hits] == [
                    (h.id, round(h.score, 9)) for h in b.hits
                ], query
                assert a.total == b.total and a.facets == b.facets
    # a second erasure in the same segment (the first one's holes stay holes) ...
    with SearchIndex(tmp_path / "erased") as erased, SearchIndex(tmp_path / "again") as again:
        erased.purge("P2")
        again.rebuild(iter([r for r in CORPUS if r.id != "P2"]))
        _same_answers(erased, again, scores=True)
        # ... and it goes on as an index does: a save, tidy
        p1 = make("P1", "Family support worker came back.")
        assert erased.apply([p1], []) and again.apply([p1], [])
        assert erased.tidy() and again.tidy()
        _same_answers(erased, again, scores=False)
        assert _ids(erased, '"came back"') == {"P1", "P5"}


def _same_answers(a_idx, b_idx, scores: bool) -> None:
    for query in QUERIES:
        for audience in ("internal", "external"):
            a = a_idx.search(query, per_page=50, audience=audience)
            b = b_idx.search(query, per_page=50, audience=audience)
            if scores:
                assert [(h.id, round(h.score, 9)) for h in a.hits] == [
                    (h.id, round(h.score, 9)) for h in b.hits
                ], query
            else:
                assert {h.id for h in a.hits} == {h.id for h in b.hits}, query
            assert a.total == b.total and a.facets == b.facets, query


def test_an_erasure_in_place_keeps_term_statistics_as_a_compaction_would(tmp_path, monkeypatch):
    """Document frequency, total weight, the highest weight and the shortest and longest
    field length of every term: the same whether the segment was rewritten in place (blocks
    copied or written again) or compacted through Whoosh's writer."""
    bigger = [
        make(f"B{n}", f"Family support worker {n} came to school. " * (1 + n % 5))
        for n in range(300)
    ]
    found = {}
    for way in ("in place", "compacted"):
        if way == "compacted":
            monkeypatch.setattr(erasing, "rewrite", lambda writer, segment, keys: None)
        path = tmp_path / way
        with SearchIndex(path) as idx:
            idx.rebuild(iter([*CORPUS, *bigger]))
            idx.purge("B0", "B150", "B299", "P3")
        ix = whoosh_index.open_dir(str(_folder(path)))
        with ix.reader() as reader:
            found[way] = {}
            for fieldname, tbytes in reader.all_terms():
                info = reader.term_info(fieldname, tbytes)
                found[way][(fieldname, tbytes)] = (
                    info.doc_frequency(),
                    round(info.weight(), 2),
                    info.max_weight(),
                    info.min_length(),
                    info.max_length(),
                )
        ix.close()
    assert found["in place"] == found["compacted"]
