"""The write service keeps store and index in step, and loses nothing when the index fails."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from evidence.model import Conflict, NotFound, ValidationError
from learning.services import Evidence


def hold_index_lock(data_dir):
    """Another process takes the Whoosh write lock and keeps it until told to stop."""
    gen = (data_dir / "index" / "CURRENT").read_text().strip()
    code = textwrap.dedent(
        f"""
        import sys
        from whoosh import index
        writer = index.open_dir({str(data_dir / "index" / gen)!r}).writer()
        print("locked", flush=True)
        sys.stdin.readline()
        writer.cancel()
        """
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout.readline().strip() == "locked"
    return child


def test_a_save_while_another_process_holds_the_index_is_kept_and_caught_up(
    evidence, data_dir, make_record
):
    evidence.create(make_record(title="Before the lock"))
    child = hold_index_lock(data_dir)
    try:
        saved = evidence.create(make_record(title="Saved during the lock zebrafinch"))
        assert evidence.store.get(saved.id).title == "Saved during the lock zebrafinch"
        assert evidence.store.pending_count() == 1
        assert evidence.index.search("zebrafinch").total == 0
    finally:
        child.communicate("\n", timeout=30)
    # The next start (a new Evidence, as a new process would open) catches up.
    with Evidence(data_dir) as later:
        later.sync_index(wait=5)
        assert later.store.pending_count() == 0
        assert [h.id for h in later.search("zebrafinch").hits] == [saved.id]


def test_a_failing_index_write_never_loses_the_save(evidence, make_record, monkeypatch):
    def disk_full(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(evidence.index, "apply", disk_full)
    saved = evidence.create(make_record(title="Written when the disk was full"))
    monkeypatch.undo()
    assert evidence.store.get(saved.id).revision == 1
    assert evidence.check().missing == [saved.id]
    evidence.sync_index()
    report = evidence.check()
    assert report.missing == [] and report.pending == 0  # the index caught up
    # ... but check still says a write failed (and when, and why) until a repair.
    assert "index write failed" in report.index_failure
    assert "No space left on device" in report.index_failure and not report.ok
    assert evidence.repair().ok
    assert evidence.check().ok


def test_update_needs_the_revision_it_started_from(evidence, make_record):
    saved = evidence.create(make_record())
    data = saved.to_dict()
    with pytest.raises(ValidationError) as info:
        evidence.update(saved.id, {k: v for k, v in data.items() if k != "revision"})
    assert info.value.field == "revision"
    first = evidence.update(saved.id, {**data, "title": "First editor"})
    with pytest.raises(Conflict):
        evidence.update(saved.id, {**data, "title": "Second editor"})
    assert evidence.get(saved.id).title == "First editor"
    assert first.revision == 2


def test_viewers_read_through_consent(evidence, make_record):
    internal = evidence.create(make_record(consent="internal", title="Internal only"))
    anonymised = evidence.create(make_record(consent="anonymised"))
    with pytest.raises(NotFound):
        evidence.get(internal.id, "external")
    shown = evidence.get(anonymised.id, "external")
    assert "Sarah" not in shown.body and "Person A" in shown.body and shown.people == []
    total, records = evidence.list(audience="external")
    assert total == 1 and [r.id for r in records] == [anonymised.id]
    assert evidence.search("internal", audience="external").total == 0
    assert evidence.search("Sarah", audience="external").total == 0
    assert evidence.search("Sarah", audience="internal").total == 2


def test_deleted_records_leave_search_and_come_back(evidence, make_record):
    saved = evidence.create(make_record(title="Allotment on the Hilltown"))
    evidence.delete(saved.id)
    assert evidence.search("allotment").total == 0
    evidence.restore(saved.id)
    assert evidence.search("allotment").total == 1
