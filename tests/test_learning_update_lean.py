"""The lean read behind a learning update says exactly what reading every record in full did.

``Evidence.learning_update`` reads the period's records without their bodies and counts the
period before in SQL (``evidence.periods``); the Word appendix is written as text. These tests
hold each shortcut to the long way round on a varied, seeded store.
"""

from __future__ import annotations

import datetime as dt
import gc
import io
import json
import random
import threading
import zipfile
from dataclasses import replace

import pytest
from docx import Document
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.consent import redact, visible_consents
from evidence.model import Record
from evidence.periods import collector_paused, count_period, read_ids, read_period
from evidence.ratings import add_rating
from evidence.store import RecordFilter
from learning.reporting import make, shown_ratings
from learning.updates import (
    UpdateRequest,
    parse_period,
    render_docx,
    render_markdown,
    scope_codes,
    summarise,
)
from learning.updates.docx_writer import _add
from learning.updates.summary import count_previous
from learning.updates.wording import _CONTROL, clean

NAMES = ["Sarah Kerr", "Tom Reid", "Aisha Khan", "Jamie Fraser-Bell"]
CONSENTS = ["internal", "anonymised", "public"]
FIELDS = {
    "cafe_conversation": lambda rng: {"families": rng.randint(0, 9), "practitioners": 2},
    "vble_evaluation": lambda rng: {
        "participants": rng.randint(1, 20),
        "confidence_before": 2,
        "confidence_after": rng.choice([3, 4, "n/a"]),
    },
    "event": lambda rng: {
        "scope": rng.choice(["local", "national", "thematic"]),
        "participants": 12,
        "rating": 4,
    },
    "fund_decision": lambda rng: {
        "panel": f"Panel of {rng.choice(NAMES)}",
        "amount_gbp": rng.randint(50, 900),
        "families_on_panel": rng.randint(1, 5),
        "practitioners_on_panel": 3,
    },
    "family_story": lambda rng: {"what_changed": f"{rng.choice(NAMES)} feels heard & <seen>."},
    "test_of_change": lambda rng: {"status": "testing", "learning": "Tom Reid's idea"},
    "learning_update": lambda rng: {"audience": "internal", "cites": []},
}


def varied(framework, count: int = 360, seed: int = 7) -> list[Record]:
    """Records over 2024–2025 of every type and consent, some tagged only by activity."""
    rng = random.Random(seed)
    indicators, activities = list(framework.indicators), list(framework.activities)
    records = []
    for n in range(count):
        type_ = rng.choice(list(FIELDS))
        people = rng.sample(NAMES, rng.randint(0, 2))
        who = people[0] if people else "a parent"
        records.append(
            Record(
                id=f"R{n:05d}",
                type=type_,
                title=f"{type_} with {who} #{n}" + (" & <b>" if n % 17 == 0 else ""),
                date=f"{rng.choice([2024, 2025])}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                # A consent no version wrote ("legacy") is the team's alone, as before.
                consent="legacy" if n % 41 == 0 else rng.choice(CONSENTS),
                indicators=[] if n % 23 == 0 else rng.sample(indicators, rng.randint(1, 3)),
                activities=rng.sample(activities, rng.randint(0, 2)),
                authority="Dundee",
                locality=rng.choice(["Lochee", "Coldside", ""]),
                people=people,
                tags=[who],
                quotes=[f"{who} said we were heard.", " "][: rng.randint(0, 2)],
                body=f"Notes about {who}.",
                fields=FIELDS[type_](rng),
            )
        )
    return records


@pytest.fixture
def stocked(evidence):
    """A store with varied records, a few soft-deleted, and ratings citing some of them."""
    records = varied(evidence.framework)
    evidence.store.add_many(records, "t")
    for record in records[::29]:
        evidence.store.soft_delete(record.id, "t")
    rng = random.Random(3)
    for code in list(evidence.framework.indicators)[:5]:
        for start, end in (("2024-07-01", "2024-12-31"), ("2025-01-01", "2025-06-30")):
            cited = rng.sample([r for r in records if not r.id.endswith("0")], 6)
            add_rating(
                evidence.store,
                evidence.framework,
                {
                    "indicator": code,
                    "period_from": start,
                    "period_to": end,
                    "progress": rng.choice(["emerging", "developing", "established"]),
                    "confidence": rng.choice(["low", "medium", "high"]),
                    "rationale": "We heard from " + ", ".join(p for r in cited for p in r.people),
                    "records": [r.id for r in cited],
                },
                "editor",
            )
    return evidence


def the_long_way(ev, start, end, audience, objectives=None, only_ids=None):
    """The update as it was made before: every record of both periods read in full."""
    before = parse_period((start, end)).before()
    window = RecordFilter(date_from=before.start.isoformat(), date_to=end)
    records = list(ev.store.iter_records(window))
    if only_ids is not None:
        wanted = set(only_ids)
        records = [r for r in records if r.id in wanted or r.date < start]
    # Ratings as the audience may see them (the rule the lean path applies too).
    ratings = shown_ratings(ev, audience)
    # The lean path dates the document today (a saved one: the day it was saved).
    today = dt.date.today().isoformat()
    asked = UpdateRequest(start, end, audience, tuple(objectives or ()), prepared_on=today)
    return summarise(ev.framework, records, asked, ratings=ratings)


PERIODS = [
    ("2025-01-01", "2025-12-31"),
    ("2025-04-01", "2025-06-30"),
    ("2025-03-15", "2025-03-15"),
    ("2024-07-01", "2025-06-30"),
    ("2023-01-01", "2023-12-31"),
]


@pytest.mark.parametrize("audience", ["internal", "external"])
@pytest.mark.parametrize("period", PERIODS)
@pytest.mark.parametrize("objectives", [None, ["SO1"], ["SO2", "SO4"]])
def test_the_update_is_the_one_every_record_in_full_made(stocked, audience, period, objectives):
    lean = stocked.learning_update(*period, audience, objectives).summary
    full = the_long_way(stocked, *period, audience, objectives)
    assert lean == full
    assert render_markdown(lean) == render_markdown(full)


@pytest.mark.parametrize("audience", ["internal", "external"])
def test_a_saved_update_rebuilt_from_its_citations_is_unchanged(stocked, audience):
    period = ("2025-01-01", "2025-06-30")
    cites = stocked.learning_update(*period, audience).summary.cites[::3]
    lean = make(stocked, UpdateRequest(*period, audience, cites=tuple(cites)))
    assert lean == the_long_way(stocked, *period, audience, only_ids=cites)
    assert set(lean.cites) <= set(cites)


def test_external_update_cites_no_internal_record_and_no_anonymised_name(stocked):
    summary = stocked.learning_update("2024-01-01", "2025-12-31", "external").summary
    written = {r.id: r for r in stocked.store.iter_records()}
    assert summary.cited
    for cited in summary.cited:
        record = written[cited.id]
        assert record.consent != "internal"
        assert cited.title == (
            redact(record).title if record.consent == "anonymised" else record.title
        )
    text = render_markdown(summary)
    assert not any(r.title in text for r in written.values() if r.consent == "internal")


@pytest.mark.parametrize("audience", ["internal", "external"])
def test_the_previous_period_counted_in_sql_as_in_python(stocked, audience):
    conn, fw = stocked.store.conn, stocked.framework
    for objectives in (None, ["SO3"]):
        indicators, activities = scope_codes(fw, objectives)
        counted = count_period(
            conn,
            "2024-01-01",
            "2024-12-31",
            visible_consents(audience),
            indicators,
            activities,
            skip_types=("learning_update",),
        )
        live = [r for r in stocked.store.iter_records() if r.date.startswith("2024")]
        kept = [
            r
            for r in live
            if r.consent in visible_consents(audience)
            and (set(r.indicators) & indicators or set(r.activities) & activities)
        ]
        assert counted == count_previous(kept)
        assert 0 < counted.total < len(live)


def test_nothing_in_scope_counts_nothing(stocked):
    assert (
        count_period(stocked.store.conn, "2024-01-01", "2025-12-31", ["public"], [], []).total == 0
    )


def test_a_lean_record_is_the_record_without_body_tags_author_or_times(stocked):
    consents = visible_consents("external")
    lean = read_period(stocked.store.conn, "2025-01-01", "2025-12-31", consents)
    full = list(
        stocked.store.iter_records(
            RecordFilter(date_from="2025-01-01", date_to="2025-12-31", consent=list(consents))
        )
    )
    assert lean == [
        replace(r, body="", tags=[], author="", revision=0, created_at="", updated_at="")
        for r in full
    ]


def test_records_by_id_within_dates_and_alive(stocked):
    everything = list(stocked.store.iter_records(RecordFilter(deleted=False)))
    deleted = list(stocked.store.iter_records(RecordFilter(deleted=True)))
    ids = [r.id for r in everything + deleted] + ["no-such-record"]
    found = read_ids(stocked.store.conn, ids * 2, "2025-01-01", "2025-06-30")
    expected = [r for r in everything if "2025-01-01" <= r.date <= "2025-06-30"]
    assert [r.id for r in found] == [r.id for r in expected]
    assert deleted and not {r.id for r in deleted} & {r.id for r in found}


def test_the_word_appendix_lists_every_cited_record(stocked):
    summary = stocked.learning_update("2024-01-01", "2025-12-31", "internal").summary
    data = render_docx(summary)
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    assert "wm2u-rows" not in xml and "&amp; &lt;b&gt;" in xml
    table = Document(io.BytesIO(data)).tables[-1]
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows[0] == ["Record", "Type", "Date", "Locality"]
    # Word cannot link a record, so the annex names it (title, type, date, place), no id.
    assert [row[0] for row in rows[1:]] == [c.title for c in summary.cited]
    assert [row[3] for row in rows[1:]] == [c.locality for c in summary.cited]


def test_text_word_cannot_hold_is_left_out_not_written(stocked):
    """The door refuses U+FFFF (evidence/validate.py); a title saved before it is written
    without it, never as XML that Word cannot open (nor a refusal of the whole document)."""
    summary = stocked.learning_update("2025-01-01", "2025-12-31", "internal").summary
    summary.cited[-1] = replace(summary.cited[-1], title="Noncharacter \uffff here")
    data = render_docx(summary)
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    assert "\uffff" not in xml and "Noncharacter here" in xml
    assert Document(io.BytesIO(data)).tables[-1].rows[-1].cells[0].text == "Noncharacter here"


@pytest.mark.parametrize(
    "name", ["Title", "Heading 1", "Heading 3", "List Bullet", "Intense Quote", "Quote", "Caption"]
)
def test_styles_are_set_by_their_template_ids(name):
    doc = Document()
    assert _add(doc, name).style.name == doc.styles[name].name


@pytest.mark.parametrize(
    "text",
    ["plain", " lead", "trail ", "two  spaces", "tab\there", "nbsp\xa0x", "ctl\x07x", "", "é 😀"],
)
def test_clean_takes_its_shortcut_only_when_nothing_changes(text):
    assert clean(text) == " ".join(_CONTROL.sub("", text).split())


def test_collector_pauses_overlap_and_resume_only_if_it_ran():
    assert gc.isenabled()
    started, release = threading.Event(), threading.Event()

    def hold():
        with collector_paused():
            started.set()
            release.wait(5)

    other = threading.Thread(target=hold)
    other.start()
    started.wait(5)
    with collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()  # the other pause still holds
    release.set()
    other.join(5)
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


_CELL = st.text(st.sampled_from([" ", "a", "\x00", "\t", "\u2603", "é", "\n"]), max_size=6)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(_CELL, st.text(max_size=6)), max_size=12),
    st.lists(st.one_of(_CELL, st.integers(), st.none()), max_size=6),
)
def test_cleaning_cells_all_at_once_is_cleaning_each(texts, mixed):
    from learning.updates.wording import clean, clean_all

    assert clean_all(texts) == [clean(v) for v in texts]
    assert clean_all(mixed) == [clean(v) for v in mixed]


def test_the_lean_read_reads_what_the_standard_library_reads():
    """orjson for speed; what it reads otherwise (NaN, integers past 64 bits) is read as the
    standard library reads it."""
    from evidence.periods import _loads

    for text in (
        '[["SO1.1"],[],["Zoë"],["a \u2603 quote"],{"n": 123456789012345678901234567890}]',
        '[[],[],[],[],{"n": -18446744073709551617, "m": 1.5e300, "t": "12345678901234567890"}]',
        '[[],[],[],[],{"n": 9223372036854775807, "m": -0.0}]',
    ):
        assert _loads(text) == json.loads(text)
        assert [type(v) for v in _loads(text)[-1].values()] == [
            type(v) for v in json.loads(text)[-1].values()
        ]
    nan = _loads('[[],[],[],[],{"x": NaN}]')[-1]["x"]
    assert nan != nan
