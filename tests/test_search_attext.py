"""The attachments' text only the team searches (``attext``) in side files.

A segment written in bulk keeps ``attext`` in its side file as it keeps title and body, so the
team's word, AND and phrase searches read no attachment posting through Whoosh's positions.
A side file written before (title and body only, same layout) still answers ``attext``
through Whoosh; a tidy and an erasure of such a segment lose nothing.
"""

from __future__ import annotations

import json
from array import array

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.filedb.filestore import FileStorage

from evidence.attachments import Attachment
from evidence.model import Record
from search_index import SearchIndex, building, postings, view
from search_index import index as index_module

BODIES = [
    "Family support worker came to the school.",
    "The worker of the family stayed; support for families grew at school.",
    "Support family. Worker came, school worker visited.",
    "Families supported the school worker and the worker came back.",
    "A school, worker of the year: support of the family came first.",
    "Nothing in common here but words: family, support, worker, school, came.",
]
HIDDEN = [
    "Qvzotter river walk: family support at the river.",
    "The worker came to the qvzotter holt; support for families by the river.",
    "River walk minutes. School worker came late.",
    "",
]


def record(n: int) -> Record:
    text = HIDDEN[n % len(HIDDEN)]
    made = [Attachment(f"H{n}", f"R{n}", "h.txt", "text", 1, "0", "internal", text=text)]
    return Record(
        id=f"R{n}",
        revision=1,
        type="family_story",
        title="Qvzotter notes" if n == 5 else f"Note {n}",
        date="2024-01-01",
        consent="public",
        indicators=["SO1.1"],
        body=BODIES[n % len(BODIES)],
        attachments=made if text else [],
    )


RECORDS = [record(n) for n in range(14)]
QUERIES = [
    "qvzotter",  # only in hidden attachments (and one title)
    "river",
    "family",
    "river walk",  # AND
    "family school",
    '"river walk"',  # phrase in attext only
    '"family support"',  # common words: pairs in every field
    '"support for families"',
    '"worker came"',
    '"qvzotter river walk"',
    '"school worker came"',
]


def _folder(path):
    return path / (path / "CURRENT").read_text().strip()


def _answers(idx) -> dict:
    found = {}
    for query in QUERIES:
        for audience in ("internal", "external"):
            got = idx.search(query, per_page=50, audience=audience)
            # Sorted: two processes write the segments, so ties may come in either order.
            found[(query, audience)] = (
                got.total,
                sorted((h.id, h.attachment, round(h.score, 6)) for h in got.hits),
            )
    return found


def _rebuild(idx, monkeypatch, records=RECORDS) -> None:
    """Segments of four documents, written by two processes (as at scale)."""
    monkeypatch.setattr(index_module, "MP_THRESHOLD", 4)
    monkeypatch.setattr(building, "SEGMENT_DOCS", 4)
    assert idx.rebuild(iter(records)) == len(records)


def _write_the_old_way(path) -> None:
    """Write a side file again as before it held attext: title and body only."""
    side = postings.SideFile(str(path))
    try:
        names = ("title", "body")
        fields = {n: {t: (*side.term(n, t), None) for t in side.terms(n)} for n in names}
        tokens = {n: {t: side.tokens(n, t) for t in side.terms(n)} for n in names}
        pairs = {
            n: (
                sorted(side.common(n)),
                {k: (side.pair_docs(n, *k), side.pair_starts(n, *k)) for k in side.pair_keys(n)},
            )
            for n in names
        }
        lens = {n: side.lengths(n) for n in names}
        bases = {n: side.bases(n) for n in names}
        doccount, holes = side.doccount, side.holes
    finally:
        side.close()

    class Segment:
        def make_filename(self, ext):
            return path.name

    storage = FileStorage(str(path.parent))
    postings.write(storage, Segment(), doccount, fields, lens, tokens, bases, pairs, holes)


def _side_files(folder) -> list:
    return sorted(folder.glob("*.wmt"))


def _holds_attext(path) -> bool:
    side = postings.SideFile(str(path))
    try:
        return side.holds("attext")
    finally:
        side.close()


def test_a_rebuild_reads_no_attachment_posting_through_whoosh(tmp_path, monkeypatch):
    """The team's searches of a rebuilt index find the hidden attachments' words, AND and
    phrases from the side files (reading them through Whoosh is the slow way)."""
    with SearchIndex(tmp_path / "fresh") as idx:
        _rebuild(idx, monkeypatch)
        assert all(_holds_attext(p) for p in _side_files(_folder(tmp_path / "fresh")))
        expected = _answers(idx)
    assert expected[("qvzotter", "internal")][0] == 8  # 7 hidden attachments + 1 title
    assert expected[("qvzotter", "external")][0] == 1
    assert expected[('"river walk"', "internal")][0] == 7
    assert expected[('"river walk"', "external")][0] == 0

    def slow(reader, fieldname, tbytes):
        raise AssertionError(f"{fieldname} read through Whoosh")

    def slow_phrase(*args, **kwargs):
        raise AssertionError("phrase read through Whoosh's positions")

    monkeypatch.setattr(postings, "from_whoosh", slow)
    monkeypatch.setattr(postings, "whoosh_lengths", slow)
    monkeypatch.setattr(view, "_phrase_whoosh", slow_phrase)
    with SearchIndex(tmp_path / "fresh") as idx:
        assert _answers(idx) == expected


@pytest.mark.parametrize("old", ["one segment", "every segment"])
def test_side_files_written_before_attext_give_the_same_answers(tmp_path, monkeypatch, old):
    """Word, AND, phrase and common-word phrase searches; then a tidy (the old segments
    copied through Whoosh's positions) and an erasure in place: as a fresh rebuild."""
    with SearchIndex(tmp_path / "fresh") as fresh:
        _rebuild(fresh, monkeypatch)
        expected = _answers(fresh)
    with SearchIndex(tmp_path / "older") as idx:
        _rebuild(idx, monkeypatch)
        paths = _side_files(_folder(tmp_path / "older"))
        assert len(paths) == 4
        for path in paths[:1] if old == "one segment" else paths:
            _write_the_old_way(path)
            assert not _holds_attext(path)
    with SearchIndex(tmp_path / "older") as idx:
        assert _answers(idx) == expected
        # An erasure in place keeps each side file's fields: the old one stays old.
        idx.purge("R1")
        held = [_holds_attext(p) for p in _side_files(_folder(tmp_path / "older"))]
        assert held.count(False) == (1 if old == "one segment" else 4)
    with SearchIndex(tmp_path / "without") as clean:
        _rebuild(clean, monkeypatch, [r for r in RECORDS if r.id != "R1"])
        without = _answers(clean)
    with SearchIndex(tmp_path / "older") as idx:
        assert _answers(idx) == without
        monkeypatch.setattr(building, "SEGMENT_DOCS", 100)
        assert idx.tidy()  # every segment into one: the old ones through Whoosh's positions
        (path,) = _side_files(_folder(tmp_path / "older"))
        assert _holds_attext(path)
        assert {k: (t, {h[:2] for h in hits}) for k, (t, hits) in _answers(idx).items()} == {
            k: (t, {h[:2] for h in hits}) for k, (t, hits) in without.items()
        }


def test_an_erasure_leaves_no_byte_of_a_hidden_attachments_words(tmp_path, monkeypatch):
    """Erased in place: the side file's attachments' text, its common words and word pairs
    keep nothing of the record; the other records are found as before."""
    secret = record(20)
    secret.attachments[0] = secret.attachments[0].but(
        text="Zebrafinch quagga zebrafinch quagga at the river walk."
    )
    with SearchIndex(tmp_path / "index") as idx:
        _rebuild(idx, monkeypatch, [*RECORDS, secret])
        assert {h.id for h in idx.search('"zebrafinch quagga"').hits} == {"R20"}
        before = _answers(idx)
        idx.purge("R20")
        assert idx.search("zebrafinch OR quagga").total == 0
        for query in QUERIES:
            ids = {h.id for h in idx.search(query, per_page=50).hits}
            assert ids == {i for i, _, _ in before[(query, "internal")][1]} - {"R20"}, query
        for path in _folder(tmp_path / "index").iterdir():
            data = path.read_bytes()
            assert b"zebrafinch" not in data and b"quagga" not in data, path.name


def _field(draw, size: int):
    docs = sorted(draw(st.sets(st.integers(0, size - 1), min_size=1)))
    scores = draw(
        st.lists(st.floats(0.0625, 40.0, width=32), min_size=len(docs), max_size=len(docs))
    )
    return array("I", docs), array("f", scores)


@st.composite
def word_fields(draw):
    size = draw(st.integers(1, 400))
    found = [_field(draw, size) for _ in range(draw(st.integers(2, 3)))]
    found.sort(key=lambda f: len(f[0]), reverse=True)
    return found


@settings(max_examples=300, deadline=None)
@given(word_fields())
def test_a_words_fields_merge_the_same_with_numpy_as_plainly(found):
    """Same documents in the same order, scores the same to the bit, each document once
    with its fields' scores added in field order (longest first) as float32."""
    plain = view._merged_plainly(found)
    vector = view._merged_vector(found)
    assert list(plain[0]) == list(vector[0])
    assert plain[1].tobytes() == vector[1].tobytes()
    docs, scores = vector
    assert len(set(docs)) == len(docs)
    expected: dict[int, np.float32] = {}
    for field_docs, field_scores in found:
        for d, s in zip(field_docs, field_scores, strict=True):
            expected[d] = np.float32(expected[d] + np.float32(s)) if d in expected else s
    assert {d: np.float32(s) for d, s in zip(docs, scores, strict=True)} == {
        d: np.float32(s) for d, s in expected.items()
    }
    assert list(docs[: len(found[0][0])]) == list(found[0][0])


@st.composite
def merged_then_more(draw):
    size = draw(st.integers(1, 400))
    shown = [_field(draw, size) for _ in range(2)]
    shown.sort(key=lambda f: len(f[0]), reverse=True)
    return [view.merged_scores(shown), _field(draw, size)]


@settings(max_examples=300, deadline=None)
@given(merged_then_more())
def test_the_teams_data_made_from_what_viewers_score_holds_each_document_once(found):
    """The team's data is a word's title and body data (merged already: not ascending) with
    the hidden attachments' added: each document once, both ways alike (a document in a title
    and an attachment only was listed twice when 64 postings or more took the numpy way)."""
    plain = view._merged_plainly(found)
    vector = view._merged_vector(found)
    assert list(plain[0]) == list(vector[0])
    assert plain[1].tobytes() == vector[1].tobytes()
    assert len(set(vector[0])) == len(vector[0])


def test_a_word_in_a_title_and_a_hidden_attachment_is_one_hit_with_both_scores(tmp_path):
    """The team's search: a record holding the word in its title and in an attachment hidden
    outside the team (not in its body, which other records hold) is one hit, scored for
    both (it was listed twice, each time with one field's score)."""
    from learning.services import Evidence, initialise
    from tests.builders import record_data
    from tests.test_hardening_support import ok, wm2u

    data_dir = tmp_path / "instance"
    initialise(data_dir)
    with Evidence(data_dir) as ev:
        first = ev.create(
            record_data(title="Qvzkite day", body="A day out.", consent="public", people=[]),
            "test",
        ).id
        for n in range(3):
            data = record_data(title=f"Note {n}", body="We flew the qvzkite.", consent="public")
            ev.create({**data, "people": []}, "test")
    notes = tmp_path / "notes.txt"
    notes.write_text("Qvzkite flying notes.\n", "utf-8")
    ok(wm2u(data_dir, "attach", first, str(notes), "--consent", "internal"))
    for _ in ("saved", "rebuilt"):
        found = json.loads(ok(wm2u(data_dir, "search", "qvzkite", "--json")).stdout)
        ids = [h["id"] for h in found["hits"]]
        assert found["total"] == 4 and len(ids) == 4 and set(ids) == {first, *ids[1:]}
        assert ids[0] == first  # title and attachment: the best score
        ok(wm2u(data_dir, "reindex"))


@settings(max_examples=200, deadline=None)
@given(word_fields())
def test_a_words_dense_scores_are_the_same_with_numpy_as_plainly(found):
    """Several-word queries add dense scores: each document's score at its number."""
    docs, scores = view.merged_scores(found)
    size = max(max(d) for d, _ in found) + 1
    plain = array("f", bytes(4 * size))
    for d, s in zip(docs, scores, strict=True):
        plain[d] = s
    assert view.TermData(docs, scores, size).dense().tobytes() == plain.tobytes()
