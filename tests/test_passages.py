"""What erasure counts as an erased record's words in another text (evidence/passages.py)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.passages import MARKER, RUN, Passages

ERASED_WORDS = ["allotment", "boys", "grow", "beans", "Saturday", "Zoë", "late", "judged", "we"]
OTHER_WORDS = ["council", "funding", "review", "panel", "Dundee", "plans", "spring"]
SEPARATORS = [" ", "  ", ",\n", " *", "* ", " — ", "’", " “", "” ", "\n\n", "&nbsp;"]


def _folded(text: str) -> list[str]:
    text = text.lower().replace("ë", "e").replace("&nbsp;", " ")
    return re.findall(r"[a-z0-9]+", text)


def _runs(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + RUN]) for i in range(len(words) - RUN + 1)}


@settings(max_examples=150, deadline=None)
@given(
    erased=st.lists(st.sampled_from(ERASED_WORDS), min_size=RUN, max_size=30),
    data=st.data(),
    before=st.lists(st.sampled_from(OTHER_WORDS), max_size=6),
    after=st.lists(st.sampled_from(OTHER_WORDS), max_size=6),
)
def test_no_run_of_eight_erased_words_survives_however_written(erased, data, before, after):
    start = data.draw(st.integers(0, len(erased) - RUN))
    end = data.draw(st.integers(start + RUN, len(erased)))
    quoted = []
    for word in erased[start:end]:
        case = data.draw(st.sampled_from([str.lower, str.upper, str.title]))
        quoted += [case(word), data.draw(st.sampled_from(SEPARATORS))]
    text = " ".join(before) + " " + "".join(quoted) + " " + " ".join(after)
    cut = Passages([" ".join(erased)], []).cut(text)
    assert not _runs(_folded(cut)) & _runs(_folded(" ".join(erased)))
    kept = _folded(cut)
    assert [w for w in kept if w in {o.lower() for o in OTHER_WORDS}] == [
        w.lower() for w in before + after
    ]


TITLE = "Kite day at the Lochee allotments"
QUOTE = "We were listened to for the first time."
BODY = "Morag told us the allotment group met every Saturday morning with the other families."


@pytest.mark.parametrize(
    "text, cut",
    [
        ("The “Kite day” lifted spirits.", "The “[words]” lifted spirits."),
        ('She said "listened to" twice.', 'She said "[words]" twice.'),
        ("KITE DAY AT THE LOCHEE ALLOTMENTS was fun.", "[words] was fun."),
        ("It ended with kite day at the Lochee allotments", "It ended with [words]"),
        ("the group met every Saturday morning with the other families", "the [words]"),
        ("Morag told us the allotment group met", None),  # seven words, unquoted: kept
        ("A kite day in spring.", None),  # two words of the title, unquoted: kept
        ("The “kite day in spring” was ours.", None),  # quoted, but not a run of the title
        ("The “allotment group met” was ours.", None),  # quoted, but the body's, not a quote
        ("we were listened&#32;to for the fírst time", "[words]"),  # entities, accents
    ],
)
def test_what_counts_as_the_records_words(text, cut):
    words = Passages([TITLE, QUOTE, BODY], [TITLE, QUOTE])
    expected = text if cut is None else cut.replace("[words]", MARKER)
    assert words.cut(text) == expected
