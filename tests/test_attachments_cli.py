"""Attachments (#23) from the command line, in processes of their own: attach and list,
refusals that keep nothing, erasure of records (a file shared with another record kept until
the last one goes), `check` and `check --repair` on the files, and backup with a restore."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from learning.services import Evidence
from tests.builders import record_data
from tests.test_attachments_api import pdf_bytes
from tests.test_hardening_erasure import leftovers
from tests.test_hardening_support import ok, wm2u


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "instance"
    ok(wm2u(path, "init"))
    return path


def _records(data_dir: Path, *consents: str) -> list[str]:
    with Evidence(data_dir) as ev:
        return [ev.create(record_data(consent=c), "test").id for c in consents]


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def _listed(data_dir: Path, record: str) -> list[dict]:
    return json.loads(ok(wm2u(data_dir, "attachments", record, "--json")).stdout)["attachments"]


def test_attach_prints_each_id_and_attachments_lists_them(data_dir, tmp_path) -> None:
    (record,) = _records(data_dir, "public")
    report = _write(tmp_path, "report.pdf", pdf_bytes("Evaluation report."))
    notes = _write(tmp_path, "notes.md", "# Notes\nThe café stayed open.\n".encode())
    made = ok(wm2u(data_dir, "attach", record, str(report), str(notes), "--consent", "anonymised"))
    ids = made.stdout.split()
    assert len(ids) == 2 and made.stdout == "".join(f"{i}\n" for i in ids)
    listed = _listed(data_dir, record)
    assert [a["id"] for a in listed] == ids
    assert [a["type"] for a in listed] == ["application/pdf", "text/markdown"]
    assert [a["consent"] for a in listed] == ["anonymised", "anonymised"]
    assert listed[1]["text_chars"] == len("# Notes\nThe café stayed open.\n")
    plain = ok(wm2u(data_dir, "attachments", record)).stdout
    assert "report.pdf" in plain and "notes.md" in plain


def test_refusals_exit_1_naming_the_problem_and_keep_nothing(data_dir, tmp_path) -> None:
    (record,) = _records(data_dir, "anonymised")
    good = _write(tmp_path, "good.txt", b"Good notes.")
    fake = _write(tmp_path, "fake.pdf", b"\x00\xff\xfe not a pdf")
    cases = [
        (("attach", "NOPE", str(good)), "NOPE"),
        (("attach", record, str(tmp_path / "absent.txt")), "file"),
        (("attach", record, str(good), str(fake)), "file"),
        (("attach", record, str(good), "--consent", "public"), "consent"),
    ]
    for args, named in cases:
        result = wm2u(data_dir, *args)
        assert result.returncode == 1, (args, result.stderr)
        assert named in result.stderr and "Traceback" not in result.stderr
        assert result.stdout == ""
    big = subprocess_with_limit(data_dir, "0.001", "attach", record, str(good))
    assert big.returncode == 0  # 11 bytes is within a kilobyte
    big = subprocess_with_limit(data_dir, "0.000001", "attach", record, str(good))
    assert big.returncode == 1 and "WM2U_MAX_ATTACHMENT_MB" in big.stderr
    assert len(_listed(data_dir, record)) == 1  # only the one kept within the limit


def subprocess_with_limit(data_dir: Path, megabytes: str, *args: str):
    old = os.environ.get("WM2U_MAX_ATTACHMENT_MB")
    os.environ["WM2U_MAX_ATTACHMENT_MB"] = megabytes
    try:
        return wm2u(data_dir, *args)
    finally:
        if old is None:
            del os.environ["WM2U_MAX_ATTACHMENT_MB"]
        else:
            os.environ["WM2U_MAX_ATTACHMENT_MB"] = old


def test_erasing_records_removes_their_files_and_text_unless_another_holds_them(
    data_dir, tmp_path
) -> None:
    alone, sharing, deleted = _records(data_dir, "public", "public", "public")
    own = _write(tmp_path, "own.txt", b"Qvxalone kept Qvxbees on the allotment.\n")
    shared = _write(tmp_path, "shared.txt", b"Qvxshared words: Qvxkestrel over the Qvxfirth.\n")
    ok(wm2u(data_dir, "attach", alone, str(own)))
    ok(wm2u(data_dir, "attach", sharing, str(shared)))
    ok(wm2u(data_dir, "attach", deleted, str(shared)))
    assert leftovers(data_dir, {"Qvxbees", "Qvxkestrel"}).keys() >= {"wm2u.db"}

    ok(wm2u(data_dir, "delete", alone, "--purge"))
    assert leftovers(data_dir, {"Qvxalone", "Qvxbees"}) == {}
    ok(wm2u(data_dir, "delete", deleted))  # soft-deleted: it still holds the shared file
    ok(wm2u(data_dir, "delete", sharing, "--purge"))
    assert any(n.startswith("files/") for n in leftovers(data_dir, {"Qvxkestrel"}))
    ok(wm2u(data_dir, "delete", deleted, "--purge"))
    assert leftovers(data_dir, {"Qvxshared", "Qvxkestrel", "Qvxfirth"}) == {}
    ok(wm2u(data_dir, "check"))


def test_check_finds_missing_altered_and_unreferenced_files_and_repair_removes_strays(
    data_dir, tmp_path
) -> None:
    (record,) = _records(data_dir, "public")
    first = _write(tmp_path, "a.txt", b"First file.\n")
    second = _write(tmp_path, "b.txt", b"Second file.\n")
    ok(wm2u(data_dir, "attach", record, str(first), str(second)))
    ok(wm2u(data_dir, "check"))
    kept = {a["name"]: a["sha256"] for a in _listed(data_dir, record)}
    a_path = data_dir / "files" / kept["a.txt"][:2] / kept["a.txt"]
    b_path = data_dir / "files" / kept["b.txt"][:2] / kept["b.txt"]
    a_bytes, b_bytes = a_path.read_bytes(), b_path.read_bytes()
    a_path.write_bytes(b"Changed behind our back.\n")
    b_path.unlink()
    stray = _write(data_dir / "files", "left-over", b"no row names me")

    found = wm2u(data_dir, "check")
    assert found.returncode == 1
    assert (
        f"file altered (its hash differs): files/{kept['a.txt'][:2]}/{kept['a.txt']}"
        in found.stdout
    )
    assert f"file missing: files/{kept['b.txt'][:2]}/{kept['b.txt']}" in found.stdout
    assert "file unreferenced: files/left-over" in found.stdout

    repaired = wm2u(data_dir, "check", "--repair")
    assert repaired.returncode == 1  # missing and altered files cannot be repaired
    assert not stray.exists() and "files/left-over" in repaired.stderr
    assert "unreferenced" not in repaired.stdout
    a_path.write_bytes(a_bytes)
    b_path.write_bytes(b_bytes)
    ok(wm2u(data_dir, "check"))


def test_backup_copies_the_files_and_a_restore_brings_them_back(data_dir, tmp_path) -> None:
    (record,) = _records(data_dir, "public")
    report = pdf_bytes("Evaluation report.")
    ok(wm2u(data_dir, "attach", record, str(_write(tmp_path, "report.pdf", report))))
    before = _listed(data_dir, record)
    backup = tmp_path / "backup" / "wm2u-backup.db"
    backup.parent.mkdir()
    ok(wm2u(data_dir, "backup", str(backup)))
    sha = before[0]["sha256"]
    copied = tmp_path / "backup" / "wm2u-backup.db.files" / sha[:2] / sha
    assert copied.read_bytes() == report
    assert stat.S_IMODE(copied.stat().st_mode) == 0o600
    assert stat.S_IMODE(copied.parent.parent.stat().st_mode) == 0o700

    # The restore the README describes: the database, then its files, reindex, check.
    restored = tmp_path / "restored"
    ok(wm2u(restored, "init"))
    shutil.copyfile(backup, restored / "wm2u.db")
    shutil.copytree(tmp_path / "backup" / "wm2u-backup.db.files", restored / "files")
    ok(wm2u(restored, "reindex"))
    ok(wm2u(restored, "check"))
    assert _listed(restored, record) == before


@pytest.mark.parametrize("fmt", ["md", "json"])
def test_export_writes_the_files_beside_the_records_and_import_brings_them_back(
    data_dir, tmp_path, fmt
) -> None:
    record, other = _records(data_dir, "public", "anonymised")
    report = pdf_bytes("Evaluation report.")
    ok(wm2u(data_dir, "attach", record, str(_write(tmp_path, "report.pdf", report)),
            str(_write(tmp_path, "notes.txt", b"Notes from the cafe.\n"))))  # fmt: skip
    ok(wm2u(data_dir, "attach", other, str(tmp_path / "notes.txt"), "--consent", "internal"))
    before = {r: _listed(data_dir, r) for r in (record, other)}
    out = tmp_path / ("export" if fmt == "md" else "export.json")
    ok(wm2u(data_dir, "export", "--format", fmt, "--out", str(out)))

    fresh = tmp_path / "fresh"
    ok(wm2u(fresh, "init"))
    first = ok(wm2u(fresh, "import", str(out)))
    assert "Imported 3 attachment(s)" in first.stderr
    assert {r: _listed(fresh, r) for r in (record, other)} == before
    with Evidence(fresh) as ev:
        from evidence import attachments

        texts = [a.text for a in attachments.of_record(ev.store, other)]
    assert texts == ["Notes from the cafe.\n"]
    sha = before[record][0]["sha256"]
    assert (fresh / "files" / sha[:2] / sha).read_bytes() == report
    again = ok(wm2u(fresh, "import", str(out)))
    assert "Imported 0 attachment(s); 3 already present" in again.stderr
    ok(wm2u(fresh, "check"))
