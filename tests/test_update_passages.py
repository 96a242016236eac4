"""Learning updates quote coded passages among the families' words (#21 item 7), through
``wm2u learning-update`` in a separate process.

Each indicator quotes a few passages coded with it, each with its record's title as the
audience sees it: names replaced for an external update, an internal record's passage left
out, no words shown twice; a saved external update stops quoting a passage whose record is
withdrawn or erased, in the same write.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from learning.services import Evidence, initialise
from tests.builders import record_data
from tests.test_hardening_support import ok, wm2u

PEOPLE = ["Sarah Kerr", "Tom McKay"]
BODY = (
    "Sarah Kerr came on Tuesday. Tom McKay said the café listened to Sarah at last. "
    "The kettle was always on. Everyone stayed for tea."
)
SAID = "Tom McKay said the café listened to Sarah at last."
SHOWN = "Person B said the café listened to Person A at last."
KETTLE = "The kettle was always on."


@pytest.fixture
def data(tmp_path) -> tuple[Path, dict[str, str]]:
    """Three records of SO1.1 (one per consent level), passages coded in each."""
    data_dir = tmp_path / "instance"
    initialise(data_dir)
    ids = {}
    with Evidence(data_dir) as ev:
        for consent in ("internal", "anonymised", "public"):
            ids[consent] = ev.create(record_data(
                title=f"Tea with Sarah Kerr ({consent})", consent=consent, people=PEOPLE,
                body=BODY.replace("kettle", f"{consent} kettle"), quotes=[]), "test").id  # fmt: skip
    ok(wm2u(data_dir, "code", ids["anonymised"], "--text", SAID, "--code", "SO1.1"))
    for consent in ("internal", "public"):
        ok(wm2u(data_dir, "code", ids[consent], "--text", f"The {consent} kettle was always on.",
                "--code", "SO1.1"))  # fmt: skip
    return data_dir, ids


def _update(data_dir: Path, audience: str, fmt: str, *more: str) -> tuple[str, str]:
    out = data_dir.parent / f"update-{audience}.{fmt}"
    made = ok(wm2u(data_dir, "learning-update", "--from", "2025-01-01", "--to", "2025-12-31",
                   "--audience", audience, "--format", fmt, "--out", str(out), *more))  # fmt: skip
    if fmt == "docx":
        with zipfile.ZipFile(out) as docx:
            return docx.read("word/document.xml").decode(), made.stdout.strip()
    return out.read_text(encoding="utf-8"), made.stdout.strip()


@pytest.mark.parametrize("fmt", ["md", "html", "docx"])
def test_an_update_quotes_coded_passages_as_its_audience_may_see_them(data, fmt) -> None:
    data_dir, _ = data
    team, _ = _update(data_dir, "internal", fmt)
    for words in (SAID, "The internal kettle was always on.", "The public kettle was always on."):
        assert words in team, words
    assert "Tea with Sarah Kerr (anonymised)" in team  # each passage with its record
    outside, _ = _update(data_dir, "external", fmt)
    assert SHOWN in outside and "The public kettle was always on." in outside
    assert "Tea with Person A (anonymised)" in outside
    assert "internal kettle" not in outside and "(internal)" not in outside
    for name in ("Tom", "McKay", "Sarah", "Kerr"):
        assert name not in outside.replace("Tea with Sarah Kerr (public)", ""), name
    assert outside.count("listened to Person A at last") == 1  # no words shown twice


def test_a_saved_update_stops_quoting_a_withdrawn_or_erased_passage(data) -> None:
    data_dir, ids = data
    _, update_id = _update(data_dir, "external", "md", "--save")
    body = json.loads(ok(wm2u(data_dir, "show", update_id, "--json")).stdout)["body"]
    assert SHOWN in body and "The public kettle was always on." in body
    # Withdrawn: the anonymised record becomes internal; the update follows in the same write.
    with Evidence(data_dir) as ev:
        record = ev.store.get(ids["anonymised"])
        ev.update(record.id, {**record.to_dict(), "consent": "internal"}, "test")
    body = json.loads(ok(wm2u(data_dir, "show", update_id, "--json")).stdout)["body"]
    assert "listened to Person A" not in body and "The public kettle was always on." in body
    # Erased: the public record and its passage go; the saved update no longer quotes it.
    ok(wm2u(data_dir, "delete", ids["public"], "--purge"))
    body = json.loads(ok(wm2u(data_dir, "show", update_id, "--json")).stdout)["body"]
    assert "kettle" not in body and ids["public"] not in body


def test_a_saved_update_stops_quoting_a_passage_uncoded_or_edited_out(data) -> None:
    data_dir, ids = data
    _, update_id = _update(data_dir, "external", "md", "--save")

    def body() -> str:
        return json.loads(ok(wm2u(data_dir, "show", update_id, "--json")).stdout)["body"]

    assert SHOWN in body() and "The public kettle was always on." in body()
    # The passage's words edited out of its record: the update stops quoting them at once.
    with Evidence(data_dir) as ev:
        record = ev.store.get(ids["anonymised"])
        ev.update(record.id, {**record.to_dict(), "body": "Sarah Kerr came on Tuesday."}, "test")
    assert "listened to Person A" not in body() and "public kettle" in body()
    # The passage deleted (uncoded): the same.
    listed = json.loads(ok(wm2u(data_dir, "excerpts", "--record", ids["public"], "--json")).stdout)
    with Evidence(data_dir) as ev:
        from evidence import coding

        coding.delete_excerpt(ev.store, listed["excerpts"][0]["id"], "test")
    assert "public kettle" not in body()
