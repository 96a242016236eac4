"""The store: revisions, conflicts, soft delete, erasure, concurrent writers, backup."""

from __future__ import annotations

import multiprocessing
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from evidence.model import Conflict, NotFound, ValidationError
from evidence.store import RecordFilter, Store
from evidence.validate import validate
from learning import framework
from tests.builders import record_data

FW = framework.load()


@pytest.fixture
def store(tmp_path: Path):
    with Store(tmp_path / "wm2u.db") as s:
        s.migrate()
        yield s


def make(**overrides):
    return validate(record_data(**overrides), FW)


def test_add_then_get_gives_the_same_record(store):
    saved = store.add(make(title="Lochee café notes"), actor="GL")
    again = store.get(saved.id)
    assert again.title == "Lochee café notes"
    assert again.revision == 1
    assert again.indicators == ["SO1.1"]
    assert len(saved.id) == 26


def test_every_save_keeps_the_previous_revision(store):
    saved = store.add(make(title="First words"))
    store.update(replace(saved, title="Second words"), expected_revision=1)
    third = store.update(replace(saved, title="Third words"), expected_revision=2)
    assert third.revision == 3
    history = store.revisions(saved.id)
    assert [h["record"]["title"] for h in history] == ["Second words", "First words"]


def test_a_stale_save_is_refused_and_changes_nothing(store):
    saved = store.add(make(title="Original"))
    store.update(replace(saved, title="Alice's edit"), expected_revision=1)
    with pytest.raises(Conflict):
        store.update(replace(saved, title="Bob's edit"), expected_revision=1)
    assert store.get(saved.id).title == "Alice's edit"


def test_a_taken_id_is_refused(store):
    saved = store.add(make())
    with pytest.raises(ValidationError) as info:
        store.add(replace(make(), id=saved.id))
    assert info.value.field == "id"


def test_a_batch_is_all_or_nothing(store):
    good = make()
    clash = store.add(make())
    with pytest.raises(ValidationError):
        store.add_many([good, replace(make(), id=clash.id)])
    assert store.count() == 1


def test_soft_delete_hides_and_restore_brings_back(store):
    saved = store.add(make())
    store.soft_delete(saved.id)
    with pytest.raises(NotFound):
        store.get(saved.id)
    assert store.count() == 0
    assert store.restore(saved.id).id == saved.id
    assert store.count() == 1


def test_filters_select_by_indicator_locality_type_and_date(store):
    store.add(make(indicators=["SO2.1"], locality="Alloa", authority="Clackmannanshire"))
    store.add(make(indicators=["SO1.1"], date="2024-01-01"))
    store.add(make(type="event", fields={"scope": "local"}, indicators=["SO4.1"]))
    assert store.count(RecordFilter(indicator="SO2.1")) == 1
    assert store.count(RecordFilter(locality="Alloa")) == 1
    assert store.count(RecordFilter(type="event")) == 1
    assert store.count(RecordFilter(date_from="2025-01-01")) == 2
    assert store.count(RecordFilter(objective="SO1")) == 1
    assert store.counts_by("indicator") == {"SO2.1": 1, "SO1.1": 1, "SO4.1": 1}


def test_facet_counts_agree_with_counts_by(store):
    store.add(make(locality="Alloa", authority="Clackmannanshire", consent="public"))
    store.add(make(consent="internal"))
    store.add(make(type="event", fields={"scope": "local"}, consent="public"))
    store.soft_delete(store.add(make(locality="Coldside")).id)
    for filters in (None, RecordFilter(consent=["public"]), RecordFilter(type="event")):
        both = store.facet_counts(("type", "locality", "consent"), filters)
        for column in ("type", "locality", "consent"):
            assert both[column] == store.counts_by(column, filters), (column, filters)
    with pytest.raises(ValueError):
        store.facet_counts(("body",))


def test_writes_queue_the_index(store):
    saved = store.add(make())
    assert store.pending() == [(saved.id, "sync")]
    marker = "9999"
    store.done(store.pending(), marker)
    assert store.pending() == []
    store.purge(saved.id)
    assert store.pending() == [(saved.id, "purge")]


def _all_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


def test_purge_leaves_no_trace_of_the_text(store, tmp_path):
    secret = "Zebedee-Quartermaine-7731"
    saved = store.add(make(title=f"About {secret}", body=f"{secret} said hello", people=[secret]))
    store.update(replace(saved, body=f"{secret} said hello again"), expected_revision=1)
    keep = store.add(make(title="Unrelated story"))
    assert secret.encode() in _all_bytes(tmp_path)
    store.purge(saved.id, actor="admin")
    assert secret.encode() not in _all_bytes(tmp_path)
    with pytest.raises(NotFound):
        store.get(saved.id, include_deleted=True)
    assert store.get(keep.id).title == "Unrelated story"
    total, log = store.audit_log()
    assert any(line["action"] == "erase" and line["record_id"] == saved.id for line in log)
    assert secret not in str(log)


def test_purge_scrubs_learning_updates_that_cite_it(store):
    cited = store.add(make(title="Gordon's garden", quotes=["The garden brought us out."]))
    update = store.add(
        make(
            type="learning_update",
            title="Learning update",
            consent="internal",  # a team's update is the team's
            people=[],
            body=f"- Gordon's garden ({cited.id})\n> The garden brought us out.",
            fields={
                "period_from": "2025-01-01",
                "period_to": "2025-03-31",
                "audience": "internal",
                "cites": [cited.id],
            },
        )
    )
    store.purge(cited.id)
    after = store.get(update.id)
    assert cited.id not in after.fields["cites"]
    assert "Gordon's garden" not in after.body
    assert "The garden brought us out." not in after.body


def test_the_audit_log_is_append_only(store):
    store.audit("admin", "login")
    with pytest.raises(sqlite3.DatabaseError):
        store.conn.execute("DELETE FROM audit")


def _writer(path: str, n: int, tag: str) -> None:
    with Store(path) as s:
        for i in range(n):
            s.add(make(title=f"{tag} record {i}"))


def test_two_processes_writing_at_once_both_succeed(store):
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(store.path), 40, t)) for t in "AB"]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]
    assert store.count() == 80


def test_backup_is_a_consistent_copy(store, tmp_path):
    for i in range(5):
        store.add(make(title=f"Backed up {i}"))
    target = tmp_path / "copy.db"
    store.backup(target)
    with Store(target) as copy:
        assert copy.integrity() == []
        assert copy.count() == 5


def test_import_skips_what_is_already_there(store):
    record = make()
    added, skipped = store.import_records([record, record])
    assert (len(added), skipped) == (1, 1)
    with_id = replace(make(title="Has an id"), id="01JABCDEFGHJKMNPQRSTVWXYZ0")
    assert store.import_records([with_id])[1] == 0
    assert store.import_records([with_id])[1] == 1
    assert store.count() == 2


def test_counts_follow_every_change_even_from_another_connection(store):
    first = store.add(make(indicators=["SO2.1"]))
    assert store.count() == 1 and store.counts_by("indicator") == {"SO2.1": 1}
    with Store(store.path) as other:  # another process's view of the same file
        assert other.count() == 1
        other.add(make(indicators=["SO2.1"]))
    assert store.count() == 2 and store.counts_by("indicator") == {"SO2.1": 2}
    store.soft_delete(first.id)
    assert store.count() == 1
    store.restore(first.id)
    assert store.facet_counts(("type",)) == {"type": {"family_story": 2}}
    store.update(replace(store.get(first.id), indicators=["SO1.1"]), expected_revision=1)
    assert store.counts_by("indicator") == {"SO1.1": 1, "SO2.1": 1}
    store.purge(first.id)
    assert store.count() == 1 and store.indicator_quarters() == {("SO2.1", "2025-Q1"): 1}


def test_opening_a_data_dir_finds_the_migrations_it_lacks_by_name(tmp_path) -> None:
    """Opening a data dir checks for new migrations without sqlite-utils, by name: a fresh
    database lacks them all (in sqlite-utils' order), a migrated one none, and one that lost
    the record of its last migration lacks that one."""
    import sqlite3

    from sqlite_utils import Database

    from evidence.schema import NAMES, migrations

    pending = migrations().pending(Database(sqlite3.connect(":memory:")))
    assert tuple(m.name for m in pending) == NAMES and len(NAMES) >= 11
    with Store(tmp_path / "new.db") as fresh:
        assert fresh.pending_migrations() == list(NAMES)
        fresh.migrate()
        assert fresh.pending_migrations() == []
        with fresh.write() as conn:
            conn.execute("DELETE FROM _sqlite_migrations WHERE name = ?", [NAMES[-1]])
        assert fresh.pending_migrations() == [NAMES[-1]]
        fresh.upgrade()
        assert fresh.pending_migrations() == []


def test_the_command_line_starts_without_the_search_engine_or_sqlite_utils() -> None:
    """A command that never searches (a learning update) does not pay for loading Whoosh,
    numpy or sqlite-utils: a quarter of the start of every command."""
    import subprocess
    import sys

    code = (
        "import sys, learning.cli; "
        "print(sorted(m for m in ('whoosh', 'numpy', 'sqlite_utils') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
