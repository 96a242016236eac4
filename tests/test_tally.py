"""The running counts the pages read agree with the records after every kind of write."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest

from evidence import reading, tally
from evidence.derived import derived_figures
from evidence.model import ValidationError
from evidence.store import RecordFilter, Store
from evidence.validate import validate
from learning import demo, framework
from learning.measures import DERIVED

FW = framework.load()
EVIDENCE_TYPES = ["family_story", "cafe_conversation", "vble_evaluation", "event"]
FILTERS = [
    RecordFilter(),
    RecordFilter(consent=["anonymised", "public"]),
    RecordFilter(consent=["anonymised", "public"], type=EVIDENCE_TYPES),
    RecordFilter(type="family_story"),
    RecordFilter(indicator="SO1.1"),
    RecordFilter(indicator=["SO2.1"], consent="public"),
    RecordFilter(locality="Lochee"),
    RecordFilter(authority="Clackmannanshire", type=EVIDENCE_TYPES),
    RecordFilter(deleted=True),  # answered from the records themselves, as a control
]


def answers(store: Store) -> list:
    """Everything the pages count, for every filter above; every derived measure's figures."""
    out = []
    for measure in DERIVED:
        for consents in (("internal", "anonymised", "public"), ("anonymised", "public")):
            for window in ((None, None), ("2025-02-10", "2025-08-20")):
                out.append(
                    derived_figures(
                        store.conn, measure, consents, None, None, *window, store.use_tally
                    )
                )
    for f in FILTERS:
        out.append(store.count(f))
        for column in ("type", "locality", "consent", "authority", "indicator", "quarter"):
            out.append(store.counts_by(column, f))
        out.append(store.facet_counts(("type", "locality", "consent"), f))
        out.append(store.indicator_quarters(f))
    return out


def from_records(store: Store) -> list:
    store.use_tally = False
    try:
        return answers(store)
    finally:
        store.use_tally = True


@pytest.fixture
def store(tmp_path: Path):
    with Store(tmp_path / "wm2u.db") as s:
        s.migrate()
        s.add_many(validate(d, FW) for d in demo.generate(FW, count=150, seed=5))
        yield s


def edit(store: Store, rng: random.Random) -> None:
    """One random change of the kind people make: a consent, a date, a place, indicators."""
    live = store.list(RecordFilter(), limit=None)[1]
    record = rng.choice(live)
    change = rng.choice(["consent", "date", "place", "indicators", "type-safe", "numbers"])
    if change == "consent":
        record = replace(record, consent=rng.choice(["internal", "anonymised", "public"]))
    elif change == "date":
        record = replace(record, date=f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}")
    elif change == "place":
        record = replace(record, authority="Dundee", locality=rng.choice(["Lochee", "Coldside"]))
    elif change == "indicators":
        codes = rng.sample(sorted(FW.indicators), rng.randint(1, 3))
        record = replace(record, indicators=sorted(codes))
    elif change == "numbers":  # what the derived measures add up
        fields = dict(record.fields)
        for key in ("families", "practitioners", "participants", "amount_gbp"):
            if key in fields:
                fields[key] = rng.choice([0, 1, 3, 12, 250.5])
        for key in ("families_on_panel", "practitioners_on_panel"):
            if key in fields:
                fields[key] = rng.randint(0, 6)
        record = replace(record, fields=fields)
    else:
        record = replace(record, title=record.title + " (edited)")
    store.update(record, record.revision)


def test_counts_agree_with_the_records_after_random_writes(store):
    rng = random.Random(7)
    assert answers(store) == from_records(store)
    for step in range(120):
        action = rng.choice(["edit", "edit", "delete", "restore", "purge", "add", "refused"])
        live = store.list(RecordFilter(), limit=None)[1]
        deleted = store.list(RecordFilter(deleted=True), limit=None)[1]
        if action == "edit":
            edit(store, rng)
        elif action == "delete":
            store.soft_delete(rng.choice(live).id)
        elif action == "restore" and deleted:
            store.restore(rng.choice(deleted).id)
        elif action == "purge":
            store.purge(rng.choice(live + deleted).id)
        elif action == "add":
            store.add(validate(demo.generate(FW, count=1, seed=step)[0] | {"id": None}, FW))
        elif action == "refused":  # a batch refused half-way is rolled back, counts and all
            fresh = validate(demo.generate(FW, count=1, seed=900 + step)[0] | {"id": None}, FW)
            with pytest.raises(ValidationError):
                store.add_many([fresh, replace(fresh, id=live[0].id)])
        assert answers(store) == from_records(store), f"step {step}: {action}"
    assert store.integrity() == []


def test_a_tally_out_of_step_is_found_by_check_and_recounted_by_repair(store):
    before = answers(store)
    with store.write() as conn:
        conn.execute("UPDATE record_tally SET n = n + 5 WHERE rowid = 1")
    assert any("record_tally" in p for p in store.integrity())
    reading._AGGREGATES.clear()  # as a process that had not counted yet would
    assert answers(store) != before
    store.recount()
    assert store.integrity() == []
    assert answers(store) == before


def test_a_database_from_before_the_tallies_gains_them_with_its_records_counted(tmp_path):
    from learning.services import Evidence, initialise

    data_dir = tmp_path / "instance"
    initialise(data_dir)
    with Evidence(data_dir) as evidence:
        for data in demo.generate(FW, count=40, seed=9):
            evidence.create(data)
        expected = from_records(evidence.store)
        with evidence.store.write() as conn:  # as the previous version left it
            for name in tally.TRIGGERS:
                conn.execute(f"DROP TRIGGER {name}")
            conn.execute("DROP TABLE record_tally")
            conn.execute("DROP TABLE indicator_tally")
            conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm006_tallies'")
    reading._AGGREGATES.clear()
    with Evidence(data_dir) as evidence:
        assert answers(evidence.store) == expected
        assert evidence.store.integrity() == []
