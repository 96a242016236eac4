"""Excerpts stay attached through edits: the table of edits, and properties over any edit."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.anchoring import Anchor, anchor_for, reanchor, reanchor_all

TEXT = (
    "Sarah told the café that the breakfast club changed her mornings. "
    "We were listened to for the first time, she said. "
    "The school gate felt less lonely after that."
)
PASSAGE = "We were listened to for the first time"


def _anchor(text: str = TEXT, words: str = PASSAGE, occurrence: int = 0) -> Anchor:
    at = -1
    for _ in range(occurrence + 1):
        at = text.index(words, at + 1)
    return anchor_for(text, at, at + len(words))


# (what the edit does, the new text, the status, the words the excerpt then holds)
EDITS = [
    ("nothing", TEXT, "exact", PASSAGE),
    ("words inserted after", TEXT + " And the holidays too.", "exact", PASSAGE),
    ("words inserted before", "On Tuesday, " + TEXT, "moved", PASSAGE),
    ("words deleted before", TEXT.replace("Sarah told the café that ", ""), "moved", PASSAGE),
    (
        "the passage's own words changed a little",
        TEXT.replace(
            "We were listened to for the first time",
            "We were really listened to for the first time",
        ),
        "changed",
        "We were really listened to for the first time",
    ),
    (
        "one word of it spelt again",
        TEXT.replace("listened to", "listend to"),
        "changed",
        "We were listend to for the first time",
    ),
    ("the passage deleted", TEXT.replace(PASSAGE + ", she said. ", ""), "detached", PASSAGE),
    (
        "the passage rewritten in other words",
        TEXT.replace(PASSAGE, "Nobody had asked us what we thought before"),
        "detached",
        PASSAGE,
    ),
    (
        "a whole rewrite",
        "A new worker started in March and the group moved to the library on Fridays.",
        "detached",
        PASSAGE,
    ),
    (
        "the text wrapped again (white space only)",
        TEXT.replace("for the first time", "for the\nfirst time"),
        "exact",
        "We were listened to for the\nfirst time",
    ),
    ("CRLF line ends", TEXT.replace(". ", ".\r\n"), "moved", PASSAGE),
    ("an emoji before it (code points, not UTF-16)", "🙂 " + TEXT, "moved", PASSAGE),
]


@pytest.mark.parametrize(("edit", "new", "status", "words"), EDITS, ids=[e[0] for e in EDITS])
def test_an_edit_finds_the_passage_again_or_says_it_is_gone(edit, new, status, words):
    found = reanchor(TEXT, new, _anchor())
    assert found.status == status
    assert found.text == words
    if status == "detached":
        assert found.start is None and found.end is None
    else:
        assert new[found.start : found.end] == words


def test_the_same_words_twice_keep_to_their_own_place():
    text = "We were heard at school. Later at the café: We were heard by the nurse. Then home."
    second = _anchor(text, "We were heard", occurrence=1)
    # Words inserted before the first occurrence: the second stays the second.
    new = "At school, " + text
    found = reanchor(text, new, second)
    assert (found.status, found.start) == ("moved", second.start + len("At school, "))
    # The second occurrence deleted: never silently attached to the first.
    gone = text.replace("We were heard by the nurse. ", "")
    assert reanchor(text, gone, second).status == "detached"


def test_a_detached_passage_comes_back_only_where_its_words_stand_once():
    detached = reanchor(TEXT, "Nothing left.", _anchor())
    assert detached.status == "detached"
    back = reanchor("Nothing left.", "Again: " + PASSAGE + ".", detached)
    assert (back.status, back.text) == ("moved", PASSAGE)
    twice = f"{PASSAGE}. {PASSAGE}."
    assert reanchor("Nothing left.", twice, detached).status == "detached"


def test_a_passage_cut_and_pasted_elsewhere_is_found_there():
    new = TEXT.replace(PASSAGE + ", she said. ", "") + " " + PASSAGE + "."
    found = reanchor(TEXT, new, _anchor())
    assert (found.status, new[found.start : found.end]) == ("moved", PASSAGE)


def test_many_passages_follow_one_edit():
    anchors = [_anchor(words=w) for w in ("Sarah told", PASSAGE, "school gate")]
    new = "Monday. " + TEXT.replace("school gate", "school front gate")
    found = reanchor_all(TEXT, new, anchors)
    assert [a.status for a in found] == ["moved", "moved", "changed"]
    assert [new[a.start : a.end] for a in found] == ["Sarah told", PASSAGE, "school front gate"]


words = st.text(alphabet="abcdef 🙂é\n", min_size=0, max_size=60)


@settings(max_examples=300, deadline=None)
@given(
    before=words,
    passage=st.text(alphabet="ghijk", min_size=1, max_size=15),
    after=words,
    inserted=words,
    where=st.sampled_from(["before", "after"]),
)
def test_an_edit_away_from_the_passage_keeps_its_words(before, passage, after, inserted, where):
    text = before + passage + after
    anchor = anchor_for(text, len(before), len(before) + len(passage))
    new = inserted + text if where == "before" else text + inserted
    found = reanchor(text, new, anchor)
    assert found.status in ("exact", "moved")
    assert new[found.start : found.end] == passage


@settings(max_examples=300, deadline=None)
@given(old=words, new=words, data=st.data())
def test_every_found_passage_is_the_words_it_says(old, new, data):
    start = data.draw(st.integers(0, len(old)))
    end = data.draw(st.integers(start, len(old)))
    found = reanchor(old, new, anchor_for(old, start, end))
    assert found.status in ("exact", "moved", "changed", "detached")
    if found.status == "detached":
        assert found.start is None and found.text == old[start:end]
    else:
        assert new[found.start : found.end] == found.text
