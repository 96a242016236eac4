"""Subject access reads only the records that may name the person (#26, how fast): the texts
it finds are exactly those a full scan with the name matcher finds, for every spelling in the
matcher's table (glued forms and handles included), in records and their revisions."""

from __future__ import annotations

import html
import json
import re
import sqlite3
import zipfile

from hypothesis import given, settings
from hypothesis import strategies as st

from evidence import people as people_store
from evidence.names import (
    _NOT_WORD,
    _fold_run,
    _squashed,
    find_names,
    fold,
    may_hold,
    may_hold_utf8,
)
from learning.services import Evidence
from tests.builders import record_data
from tests.test_hardening_support import ok, wm2u
from tests.test_names import _PEOPLE, _PIECES, SPELLINGS

SUBJECTS = ["Ailsa Pennycook", "Eilidh MacPhail", "Tom McKay", "Zoë Quennell", "Siobhan O'Brien"]
RECORD_KINDS = {"record", "revision", "learning_update"}


def _full_scan(db, name: str) -> set[tuple[str, str, str]]:
    """(kind, id, field) of every record text naming the person, each text read (no cheap
    test), records and revisions alike."""
    conn = sqlite3.connect(db)
    with Evidence(db.parent) as ev:
        scope = people_store.scope(ev.store, name)
    cols = ", ".join(people_store.RECORD_TEXTS)
    found = set()
    rows = conn.execute(f"SELECT id, type, {cols} FROM records").fetchall()
    people = {}
    for row in rows:
        data = people_store._row_data(row)
        people[data["id"]] = data["people"]
        for field, text in people_store.record_texts(data):
            if find_names(text, scope.names_for(data["people"])):
                kind = "learning_update" if data["type"] == "learning_update" else "record"
                found.add((kind, data["id"], field))
    for record_id, data in conn.execute("SELECT record_id, data FROM revisions"):
        old = json.loads(data)
        for field, text in people_store.record_texts(old):
            if find_names(text, scope.names_for(old.get("people") or [])):
                found.add(("revision", record_id, field))
    conn.close()
    return found


def test_subject_access_finds_what_a_full_scan_finds(tmp_path) -> None:
    data_dir = tmp_path / "d"
    ok(wm2u(data_dir, "init"))
    with Evidence(data_dir) as ev:
        for i, (listed, written, _) in enumerate(SPELLINGS):
            ev.create(record_data(people=listed, body=f"At the club. {written}", quotes=[]), "t")
            other = ev.create(record_data(
                title=f"Visit {i}", people=["Sarah Kerr"], quotes=[],
                body="Sarah Kerr came.", fields={"family": written, "what_changed": "x"},
            ), "t")  # fmt: skip
            if i % 3 == 0:  # the name leaves the record: only its revision holds it now
                data = {**other.to_dict(), "fields": {"family": "the Kerrs"},
                        "revision": other.revision}  # fmt: skip
                ev.update(other.id, data, "t")
        ev.create(record_data(body="Nobody named here, only a café.", quotes=[]), "t")
    for name in SUBJECTS:
        out = tmp_path / "access.zip"
        ok(wm2u(data_dir, "person", "export", name, "--out", str(out)))
        with zipfile.ZipFile(out) as archive:
            items = json.loads(archive.read("subject-access.json"))["items"]
        got = {(i["kind"], i["id"], i["field"]) for i in items if i["kind"] in RECORD_KINDS}
        expected = _full_scan(data_dir / "wm2u.db", name)
        assert expected, name
        assert got == expected, name


_NOT_ASCII = re.compile(r"[^\x00-\x7f]+")


def _squashed_before(text: str) -> str:
    """The cheap test's ASCII form as it was made before (a regular expression over the
    text for the runs that are not ASCII)."""
    text = html.unescape(text) if "&" in text else text
    text = _NOT_ASCII.sub(lambda run: _fold_run(run.group()), text)
    return _NOT_WORD.sub("", text.lower())


@settings(max_examples=400, deadline=None)
@given(st.lists(st.lists(_PIECES, max_size=12).map("".join), min_size=1, max_size=4), _PEOPLE)
def test_the_cheap_test_on_bytes_answers_as_on_text(texts, people) -> None:
    """The cheap test over a record's texts as SQLite hands them over (UTF-8 bytes) answers
    as over the texts, and its ASCII form is the one made before, and in the full fold."""
    joined = "\n".join(texts)
    assert may_hold_utf8(joined.encode("utf-8"), people) == may_hold(texts, people)
    assert _squashed(joined, ascii_only=True) == _squashed_before(joined)
    exact = _NOT_WORD.sub("", fold(html.unescape(joined)))
    assert _squashed(joined, ascii_only=True) == "".join(c for c in exact if c.isascii())
