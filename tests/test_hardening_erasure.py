"""Erasure and backup drills on real files.

After `wm2u delete --purge`, no byte of the record's own text is left in any file under the
data dir (database, WAL, shm, every index file, zlib-compressed stored fields included),
even when the record had been edited (revisions) and cited by a saved learning update.
`wm2u backup` under write load gives a copy that passes `PRAGMA integrity_check`, and a
restore from it (copy into a fresh data dir, `wm2u reindex`) has the same records.
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
import zlib
from pathlib import Path

import pytest

from learning.services import Evidence, initialise
from search_index import text as index_text
from tests.builders import record_data
from tests.test_hardening_support import (
    Server,
    init_with_users,
    ok,
    searched_ids,
    story,
    wm2u,
)

pytestmark = pytest.mark.slow


def versions(tag: str) -> list[dict]:
    """Three versions of one record; every version's text carries words found nowhere else."""
    people = [f"Zelphina {tag.title()}quarrington"]
    out = []
    for v in ("alpha", "bravo", "charlie"):
        w = f"{tag}{v}"  # e.g. "qvxalpha": one word, lower case, that no stemmer changes
        out.append(
            record_data(
                title=f"Kite day {w}title in Lochee",
                consent="anonymised",
                people=people,
                quotes=[f"{people[0]} said the {w}quote day was the best."],
                body=f"{people[0]} told us about the {w}body festival.",
                tags=[f"{w}tag"],
                fields={"family": f"the {w}fam family", "what_changed": f"{w}change mornings"},
            )
        )
    return out


def secrets_of(all_versions: list[dict]) -> set[str]:
    """The words and phrases that must not survive erasure, as they would be stored."""
    words: set[str] = set()
    for data in all_versions:
        for piece in [data["title"], data["body"], *data["quotes"], *data["people"], *data["tags"],
                      *data["fields"].values()]:  # fmt: skip
            words.update(
                w
                for w in piece.replace(".", " ").split()
                if w.lower().startswith(("qvx", "zelph", "rwk")) or "quarrington" in w.lower()
            )
    # ...and the index's own form of each word (lower case, stemmed).
    for word in list(words):
        words.update(index_text.positions(word).keys())
    return {w for w in words if len(w) >= 6}


def _inflated(raw: bytes) -> list[bytes]:
    """What every zlib stream inside ``raw`` inflates to."""
    out = []
    start = 0
    while (at := raw.find(b"\x78", start)) != -1:
        start = at + 1
        if raw[at + 1 : at + 2] not in (b"\x01", b"\x5e", b"\x9c", b"\xda"):
            continue
        try:
            out.append(zlib.decompressobj().decompress(raw[at:], 1 << 22))
        except zlib.error:
            continue
    return out


def file_texts(data_dir: Path) -> dict[str, bytes]:
    """Every file's bytes, plus what the zlib streams inside it inflate to, two levels deep.

    A search document's stored hit (titles and text) is a compressed pickle, kept by Whoosh
    inside its own compressed pickle of the stored fields, where a bytes value is written as
    Latin-1 text encoded in UTF-8: each level is read back that way too."""
    out = {}
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        layers = frontier = [path.read_bytes()]
        for _ in range(2):
            frontier = [x for f in frontier for x in _inflated(f)]
            frontier += [f.decode("utf-8", "ignore").encode("latin-1", "ignore") for f in frontier]
            layers = [*layers, *frontier]
        out[str(path.relative_to(data_dir))] = b"\n".join(layers)
    return out


def leftovers(data_dir: Path, words: set[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, data in file_texts(data_dir).items():
        low = data.lower()
        hits = sorted(
            w for w in words
            if w.lower().encode() in low or w.lower().encode("utf-16-le") in low
        )  # fmt: skip
        if hits:
            found[name] = hits
    return found


def make_history(ev: Evidence, all_versions: list[dict], actor: str = "test") -> str:
    """Create, then edit twice; each edit keeps the previous version as a revision."""
    record = ev.create(all_versions[0], actor)
    for data in all_versions[1:]:
        current = ev.store.get(record.id)
        record = ev.update(record.id, {**data, "revision": current.revision}, actor)
    return record.id


def test_purge_from_the_command_line_leaves_no_byte_behind(tmp_path) -> None:
    data_dir = tmp_path / "instance"
    ok(wm2u(data_dir, "init"))
    all_versions = versions("qvx")
    with Evidence(data_dir) as ev:
        neighbour = ev.create(record_data(title="A neighbour rwkeeper story"), "test").id
        record_id = make_history(ev, all_versions)
    # A learning update saved while the record reads as its last version cites it.
    saved = ok(wm2u(data_dir, "learning-update", "--from", "2025-01-01", "--to", "2025-12-31",
                    "--format", "md", "--out", str(tmp_path / "update.md"), "--save"))  # fmt: skip
    update_id = saved.stdout.strip()
    words = secrets_of(all_versions)
    with Evidence(data_dir) as ev:
        assert {h.id for h in ev.search("qvxcharliebody").hits} == {record_id}
        assert record_id in ev.store.get(update_id).fields["cites"]
    # The probe can see the text before erasure, in the database and in the index.
    before = leftovers(data_dir, words)
    assert any(n.startswith("wm2u.db") for n in before), before
    assert any(n.startswith("index/") for n in before), before

    ok(wm2u(data_dir, "delete", record_id, "--purge"))

    assert leftovers(data_dir, words) == {}
    assert wm2u(data_dir, "show", record_id).returncode == 1
    ok(wm2u(data_dir, "check"))
    with Evidence(data_dir) as ev:
        assert ev.search("qvxcharliebody").total == 0
        assert record_id not in ev.store.live_revisions() and neighbour in ev.store.live_revisions()
        # The learning update is still there, without the citation.
        assert record_id not in ev.store.get(update_id).fields["cites"]
        erasures = [a for a in ev.store.audit_log(1000)[1] if a["action"] == "erase"]
    assert [a["record_id"] for a in erasures] == [record_id]


def _purge_drill(tmp_path: Path, audience: str, cite_before_edit: bool) -> dict[str, list[str]]:
    """In-process: edit, cite, erase; what is left of the text, file by file."""
    data_dir = tmp_path / "instance"
    initialise(data_dir)
    all_versions = versions("qvx")
    with Evidence(data_dir) as ev:
        if cite_before_edit:
            record_id = ev.create(all_versions[0], "test").id
            ev.learning_update("2025-01-01", "2025-12-31", audience, save=True, actor="t")
            for data in all_versions[1:]:
                current = ev.store.get(record_id)
                ev.update(record_id, {**data, "revision": current.revision}, "test")
        else:
            record_id = make_history(ev, all_versions)
            ev.learning_update("2025-01-01", "2025-12-31", audience, save=True, actor="t")
        words = secrets_of(all_versions)
        assert leftovers(data_dir, words), "the probe must see the text before erasure"
        ev.purge(record_id, "test")
        return leftovers(data_dir, words)


def _server_purge_drill(tmp_path: Path, tag: str, audiences: tuple[str, ...],
                        cite_before_edit: bool) -> dict[str, list[str]]:  # fmt: skip
    data_dir = tmp_path / "instance"
    tokens = init_with_users(data_dir, "admin")
    server = Server(data_dir, tmp_path / "server.log", tokens["admin"]).start()
    try:
        all_versions = versions(tag)
        first = server.request("POST", "/api/records", json=all_versions[0]).json()
        record_id = first["id"]

        def cite() -> None:
            for audience in audiences:
                body = {
                    "from": "2025-01-01",
                    "to": "2025-12-31",
                    "audience": audience,
                    "save": True,
                }
                answer = server.request("POST", "/api/learning-updates", json=body)
                assert answer.status_code == 201, answer.text[:300]
                doc = server.request(
                    "GET", f"/api/learning-updates/{answer.json()['id']}", params={"format": "html"}
                )
                assert doc.status_code == 200

        if cite_before_edit:
            cite()
        for data in all_versions[1:]:
            current = server.request("GET", f"/api/records/{record_id}").json()
            answer = server.request(
                "PUT", f"/api/records/{record_id}", json={**data, "revision": current["revision"]}
            )
            assert answer.status_code == 200, answer.text[:300]
        if not cite_before_edit:
            cite()
        hits = server.request("GET", "/api/search", params={"q": f"{tag}charliebody"}).json()
        assert [h["id"] for h in hits["hits"]] == [record_id]
        words = secrets_of(all_versions)
        assert leftovers(data_dir, words), "the probe must see the text before erasure"

        answer = server.request("DELETE", f"/api/records/{record_id}", params={"purge": "1"})
        assert answer.status_code == 204, answer.text[:300]
        # Checked while the server still runs (its connections and searchers open) ...
        found_live = leftovers(data_dir, words)
        assert server.request("GET", f"/api/records/{record_id}").status_code == 404
        hits = server.request("GET", "/api/search", params={"q": f"{tag}charliebody"}).json()
        assert hits["total"] == 0
    finally:
        server.stop()
    # ... and after it stopped.
    found_after = leftovers(data_dir, words)
    return {**{f"live:{k}": v for k, v in found_live.items()},
            **{f"stopped:{k}": v for k, v in found_after.items()}}  # fmt: skip


def test_purge_through_the_running_server_leaves_no_byte_behind(tmp_path) -> None:
    assert _server_purge_drill(tmp_path, "qvx", ("internal",), cite_before_edit=False) == {}


def test_purge_scrubs_a_learning_update_that_quoted_an_earlier_version(tmp_path) -> None:
    assert _purge_drill(tmp_path, "internal", cite_before_edit=True) == {}


def test_purge_scrubs_an_external_learning_update(tmp_path) -> None:
    assert _purge_drill(tmp_path, "external", cite_before_edit=False) == {}


def test_backup_under_write_load_restores_to_the_same_records(tmp_path) -> None:
    data_dir = tmp_path / "instance"
    tokens = init_with_users(data_dir, "editor")
    server = Server(data_dir, tmp_path / "server.log", tokens["editor"]).start()
    stop = threading.Event()
    statuses: list[int] = []

    def write() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            statuses.append(
                server.request("POST", "/api/records", json=story("backupzulk", n)).status_code
            )

    writer = threading.Thread(target=write, daemon=True)
    try:
        for n in range(20):
            server.request("POST", "/api/records", json=story("backupzulk", 1000 + n))
        writer.start()
        while len(statuses) < 5:  # the writer is under way
            time.sleep(0.05)
        copies = [tmp_path / "backup-0.db"]
        started = len(statuses)
        ok(wm2u(data_dir, "backup", str(copies[0])))
        written_during = len(statuses) - started
    finally:
        stop.set()
        writer.join(timeout=60)
        server.stop()
    assert set(statuses) == {201}, set(statuses)
    assert written_during > 0, "the server was not under write load during the backup"
    for copy in copies:
        conn = sqlite3.connect(copy)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
            ids = {r[0] for r in conn.execute("SELECT id FROM records WHERE deleted_at IS NULL")}
        finally:
            conn.close()
        assert len(ids) >= 20
        restored = tmp_path / f"restored-{copy.stem}"
        restored.mkdir()
        shutil.copyfile(copy, restored / "wm2u.db")
        ok(wm2u(restored, "reindex"))
        ok(wm2u(restored, "check"))
        with Evidence(restored) as ev:
            assert set(ev.store.live_revisions()) == ids
            assert searched_ids(restored, "backupzulk") == ids
