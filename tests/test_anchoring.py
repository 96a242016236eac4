"""Excerpts stay attached through edits: a table of edits, and properties over any edit."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.anchoring import CONTEXT, Anchor, anchor_for, reanchor, reanchor_all
from evidence.model import ValidationError

BODY = (
    "We met at the community hall on Tuesday. I felt really listened to by the staff, "
    "and the children had space to play. Everyone stayed for tea afterwards."
)
PASSAGE = "I felt really listened to by the staff"
TWICE = (
    "At the first session: it was the best part of my week. We made soup together. "
    "At the last session: it was the best part of my week. Then we went home."
)
REPEATED = "it was the best part of my week"


def _at(text: str, words: str, nth: int = 0) -> int:
    """Where the ``nth`` occurrence of ``words`` starts in ``text``."""
    at = text.find(words)
    for _ in range(nth):
        at = text.find(words, at + 1)
    assert at != -1, f"{words!r} #{nth} is not in the text"
    return at


# (old text, passage, which occurrence, new text, status, words now, which occurrence now)
EDITS = [
    pytest.param(BODY, PASSAGE, 0, "A new first line.\n\n" + BODY, "moved", PASSAGE, 0,
                 id="words inserted before"),
    pytest.param(BODY, PASSAGE, 0, BODY + " We will come again.", "exact", PASSAGE, 0,
                 id="words inserted after"),
    pytest.param(BODY, PASSAGE, 0, BODY.replace("really listened to by the staff",
                                                "listened to by all the staff"),
                 "changed", "I felt listened to by all the staff", 0,
                 id="its own words changed a little"),
    pytest.param(BODY, PASSAGE, 0, BODY.replace(PASSAGE, "Nobody came to the door at all"),
                 "detached", PASSAGE, None, id="its own words changed entirely"),
    pytest.param(BODY, PASSAGE, 0, BODY.replace(PASSAGE + ", and t", "T"),
                 "detached", PASSAGE, None, id="its words deleted"),
    pytest.param(TWICE, REPEATED, 1, "Before we began. " + TWICE, "moved", REPEATED, 1,
                 id="the same words twice, words inserted before the first, on the second"),
    pytest.param(TWICE, REPEATED, 0, "Before we began. " + TWICE, "moved", REPEATED, 0,
                 id="the same words twice, words inserted before the first, on the first"),
    pytest.param(TWICE, REPEATED, 1, TWICE.replace("At the last session: " + REPEATED + ". ", ""),
                 "detached", REPEATED, None,
                 id="the same words twice, its own deleted: never the other"),
    pytest.param(TWICE, REPEATED, 1, TWICE.replace("At the last session: " + REPEATED + ". ", "")
                 .replace("my week.", "my weeks."), "detached", REPEATED, None,
                 id="the same words twice, its own deleted, the other's edited around"),
    pytest.param(TWICE, REPEATED, 1, TWICE.replace("At the first session: " + REPEATED + ". ", ""),
                 "moved", REPEATED, 0, id="the same words twice, the other deleted"),
    pytest.param(TWICE, REPEATED, 0, TWICE.replace("part of my week. We", "part of my month. We"),
                 "changed", "it was the best part of my month", 0,
                 id="the same words twice, its own changed a little: not the other"),
    pytest.param(BODY, PASSAGE, 0,
                 "The group did not meet this month because the hall was closed for repairs.",
                 "detached", PASSAGE, None, id="whole rewrite"),
    pytest.param(BODY, PASSAGE, 0, BODY.replace(PASSAGE + ", and", "and").replace(
                 "afterwards.", "afterwards. " + PASSAGE + "."),
                 "moved", PASSAGE, 0, id="cut and pasted further on"),
    pytest.param("First line.\r\nI felt heard.\r\nThe staff were kind.\r\nThe end.",
                 "I felt heard.\r\nThe staff were kind.", 0,
                 "First line.\nI felt heard.\nThe staff were kind.\nThe end.",
                 "moved", "I felt heard.\nThe staff were kind.", 0,
                 id="line endings CRLF to LF"),
    pytest.param("We came.  I felt   heard there.  Bye.", "I felt   heard there.", 0,
                 "We came.  I felt heard there.  Bye.", "exact", "I felt heard there.", 0,
                 id="whitespace inside the passage"),
    pytest.param(BODY, PASSAGE, 0, "😀🎉 " + BODY, "moved", PASSAGE, 0,
                 id="emoji before it (code points, not UTF-16)"),
    pytest.param("Zoë said: " + BODY, PASSAGE, 0, "Zoë 👨‍👩‍👧 said: " + BODY, "moved", PASSAGE, 0,
                 id="accents and a joined emoji before it"),
]  # fmt: skip


@pytest.mark.parametrize(("old", "words", "nth", "new", "status", "now", "nth_now"), EDITS)
def test_an_edit_finds_the_passage_again(old, words, nth, new, status, now, nth_now) -> None:
    start = _at(old, words, nth)
    found = reanchor(old, new, anchor_for(old, start, start + len(words)))
    assert (found.status, found.text) == (status, now)
    if status == "detached":
        assert (found.start, found.end) == (None, None)
    else:
        at = _at(new, now, nth_now)
        assert (found.start, found.end) == (at, at + len(now))
        assert new[found.start : found.end] == found.text


def test_emoji_count_as_one_position_each() -> None:
    start = _at(BODY, PASSAGE)
    found = reanchor(BODY, "😀🎉 " + BODY, anchor_for(BODY, start, start + len(PASSAGE)))
    assert found.start == start + 3  # two emoji and a space; UTF-16 would say 5


def test_all_excerpts_of_a_record_are_found_again_in_one_call() -> None:
    cases = [p.values for p in EDITS if p.values[0] == BODY and p.values[2] == 0]
    anchors = [
        anchor_for(BODY, _at(BODY, w), _at(BODY, w) + len(w))
        for w in (PASSAGE, "community hall", "Everyone stayed for tea", "children")
    ]
    for _, _, _, new, *_ in cases:
        assert reanchor_all(BODY, new, anchors) == [reanchor(BODY, new, a) for a in anchors]


def test_an_anchor_keeps_its_words_and_context() -> None:
    start = _at(BODY, PASSAGE)
    anchor = anchor_for(BODY, start, start + len(PASSAGE))
    assert anchor == Anchor(start, start + len(PASSAGE), PASSAGE, BODY[start - CONTEXT : start],
                            BODY[start + len(PASSAGE) :][:CONTEXT], "exact")  # fmt: skip
    at_start = anchor_for(BODY, 0, 6)
    assert (at_start.prefix, at_start.suffix) == ("", BODY[6 : 6 + CONTEXT])


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [(5, 5, "end"), (-1, 4, "start"), (4, len(BODY) + 1, "end"), (len(BODY), len(BODY) + 2,
     "start"), (9, 3, "end"), (True, 4, "start"), ("1", 4, "start")],
)  # fmt: skip
def test_anchor_for_refuses_an_empty_or_outside_passage_naming_it(start, end, field) -> None:
    with pytest.raises(ValidationError) as refused:
        anchor_for(BODY, start, end)
    assert refused.value.field == field


def test_a_text_saved_unchanged_changes_no_anchor() -> None:
    start = _at(BODY, PASSAGE)
    exact = anchor_for(BODY, start, start + len(PASSAGE))
    for status in ("exact", "moved", "changed"):
        assert reanchor(BODY, BODY, replace(exact, status=status)) == replace(exact, status=status)
    detached = replace(exact, start=None, end=None, status="detached")
    assert reanchor(BODY, BODY, detached) == detached


def test_changed_stays_listed_until_an_editor_sets_it_again() -> None:
    start = _at(BODY, PASSAGE)
    new = BODY.replace("really listened", "listened")
    changed = reanchor(BODY, new, anchor_for(BODY, start, start + len(PASSAGE)))
    assert changed.status == "changed"
    later = "Intro. " + new
    assert reanchor(new, later, changed).status == "changed"  # someone else's save
    assert anchor_for(later, changed.start + 7, changed.end + 7).status == "exact"


def test_a_detached_excerpt_comes_back_only_when_its_words_reappear_once() -> None:
    start = _at(BODY, PASSAGE)
    old = BODY.replace(PASSAGE, "Nothing")
    gone = replace(anchor_for(BODY, start, start + len(PASSAGE)), start=None, end=None,
                   status="detached")  # fmt: skip
    assert reanchor(old, old + " More.", gone) == gone
    back = reanchor(old, old + " " + PASSAGE + ".", gone)
    assert back.status == "moved" and back.text == PASSAGE
    assert back.start == len(old) + 1
    assert reanchor(old, old + f" {PASSAGE}. {PASSAGE}.", gone) == gone  # twice: which one?


def test_a_detached_excerpt_never_takes_words_that_were_already_there() -> None:
    words = REPEATED
    gone = Anchor(None, None, words, "last session: ", ". Then", "detached")
    kept = TWICE.replace("At the last session: " + words + ". ", "")
    assert reanchor(kept, kept + " Thanks.", gone) == gone


def test_an_anchor_whose_position_is_stale_is_found_by_its_words() -> None:
    start = _at(BODY, PASSAGE)
    stale = replace(anchor_for(BODY, start, start + len(PASSAGE)), start=3, end=10)
    found = reanchor(BODY, "Hello. " + BODY, stale)
    assert (found.status, found.start, found.text) == ("moved", start + 7, PASSAGE)
    lost = replace(stale, text="words that are nowhere")
    assert reanchor(BODY, "Hello. " + BODY, lost).status == "detached"


def test_a_short_passage_is_not_attached_to_the_same_word_out_of_context() -> None:
    old = "Did it help? Yes, a lot. Would you come again?"
    anchor = anchor_for(old, _at(old, "Yes"), _at(old, "Yes") + 3)
    new = "Would you come again? Yes, we asked at the door, but nobody knew."
    assert reanchor(old, new, anchor).status == "detached"


# --- properties ------------------------------------------------------------------------------

WORDS = ["I ", "felt ", "heard", "heard ", ". ", "\n", "\r\n", "  ", "tea", "😀"]
TEXTS = st.one_of(
    st.text(alphabet="ab \n.😀é", max_size=40),  # repeats, emoji, line breaks
    st.lists(st.sampled_from(WORDS), max_size=12).map("".join),  # the same words again
    st.text(max_size=60),
)


@st.composite
def texts_with_a_passage(draw):
    """A text and a passage of it."""
    text = draw(TEXTS.filter(bool))
    start = draw(st.integers(0, len(text) - 1))
    end = draw(st.integers(start + 1, len(text)))
    return text, start, end


@st.composite
def edits(draw, text: str):
    """``text`` after a few insertions, deletions and replacements anywhere, or rewritten."""
    if draw(st.booleans()) and draw(st.booleans()):
        return draw(TEXTS)
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 10)))
        text = text[:i] + draw(TEXTS) + text[j:]
    return text


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_every_passage_found_again_holds_the_words_it_says(data) -> None:
    old, start, end = data.draw(texts_with_a_passage())
    new = data.draw(edits(old))
    found = reanchor(old, new, anchor_for(old, start, end))
    assert found.status in {"exact", "moved", "changed", "detached"}
    if found.status == "detached":
        assert (found.start, found.end, found.text) == (None, None, old[start:end])
    else:
        assert found.text and new[found.start : found.end] == found.text
        assert found.prefix == new[max(0, found.start - CONTEXT) : found.start]
        assert found.suffix == new[found.end : found.end + CONTEXT]


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_an_edit_beside_the_passage_keeps_its_words(data) -> None:
    old, start, end = data.draw(texts_with_a_passage())
    inserting = data.draw(st.booleans())
    if inserting:
        edges = st.sampled_from(sorted({0, start, end, len(old)}))
        at = data.draw(edges | st.integers(0, len(old)))
        if start < at < end:
            at = end
        new = old[:at] + data.draw(TEXTS.filter(bool)) + old[at:]
    else:
        i, j = sorted(data.draw(st.lists(st.integers(0, len(old)), min_size=2, max_size=2)))
        if i < end and j > start:  # touches the passage: delete beside it instead
            i, j = (end, max(end, j)) if data.draw(st.booleans()) else (min(i, start), start)
        new = old[:i] + old[j:]
    found = reanchor(old, new, anchor_for(old, start, end))
    assert found.status in {"exact", "moved"} and found.text == old[start:end]
    assert new[found.start : found.end] == found.text


def _any_anchor(text_size: int):
    positions = st.none() | st.integers(-3, text_size + 3) | st.booleans()
    return st.builds(Anchor, positions, positions, st.text(max_size=8), st.text(max_size=5),
                     st.text(max_size=5), st.sampled_from(["exact", "moved", "changed",
                                                           "detached", "odd", ""]))  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_reanchoring_never_fails_whatever_it_is_given(data) -> None:
    old, new = data.draw(TEXTS), data.draw(TEXTS)
    anchors = data.draw(st.lists(_any_anchor(len(old)), max_size=4))
    found = reanchor_all(old, new, anchors)
    assert len(found) == len(anchors)
    for anchor in found:
        if anchor.status != "detached" and old != new:
            assert new[anchor.start : anchor.end] == anchor.text
