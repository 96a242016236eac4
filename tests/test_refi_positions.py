"""Positions of another tool's selection (code points of the text as given, a CRLF two) land
on the same words of the record's text, which keeps LF line ends and drops control characters
and the white space around it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from evidence.validate import clean_text
from learning.refi.importing import _Positions

pieces = st.lists(st.sampled_from(["word", " ", "\r\n", "\n", "\r", "\t", "\x07", "é", "🙂",
                                   "  ", "x"]), max_size=30)  # fmt: skip


@given(pieces, st.data())
def test_a_passage_keeps_its_words(parts: list[str], data: st.DataObject):
    text = "".join(parts)
    positions = _Positions(text)
    assert positions.body == clean_text(text, 10**6, multiline=True)  # the record's text
    # A passage that starts and ends on a visible character.
    visible = [i for i, c in enumerate(text) if c.strip() and c != "\x07"]
    if not visible:
        return
    start = data.draw(st.sampled_from(visible))
    end = data.draw(st.sampled_from([i + 1 for i in visible if i >= start]))
    words = text[start:end].replace("\x07", "").replace("\r\n", "\n").replace("\r", "\n")
    assert positions.body[positions.at(start) : positions.at(end)] == words
