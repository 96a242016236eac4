"""Crash safety of the real web server: SIGKILL it, again and again, while records are saved.

Each round starts the server (waitress, as in production), has two clients POST new records
and one PUT edits to records saved earlier (in this round or an earlier one), and SIGKILLs the
server at a random moment. Then, before anything else touches the data dir:

- every acknowledged save is in the database: a POST answered 201 is there word for word; a
  PUT answered 200 is the current revision, or the revision before the one save whose answer
  was lost, and then kept in the record's history;
- a save whose answer was lost is there whole (exactly what was sent) or not at all, and
  never twice;
- `wm2u check` is clean, or finds only index lag that `wm2u check --repair` mends;
- search finds every record saved this round by a word of its current title.

The next round's restarted server serves a sample of the records as saved; at the end it
serves every one, and its search finds a sample. The kill moments come from
``random.Random(SEED)``; a failure names the seed and every round's moment.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from learning.services import Evidence
from tests.crash_support import check_clean_or_repaired
from tests.test_hardening_support import Server, init_with_users, story

pytestmark = pytest.mark.slow
ROUNDS = 5
SEED = 6
POSTERS = 2


def word(kind: str, n: int) -> str:
    """A made-up word, one per save, that search finds in no other record."""
    letters = ""
    while True:
        n, rest = divmod(n, 26)
        letters += "abcdefghijklmnopqrstuvwxyz"[rest]
        if not n:
            break
    return f"{kind}{letters}zulk"


def content(record: dict[str, Any], like: dict[str, Any]) -> dict[str, Any]:
    """The part of ``record`` the client wrote (``like``'s keys), to compare with it."""
    return {k: record[k] for k in like if k != "revision"}


@dataclass
class Ledger:
    """What the clients sent and what the server acknowledged, across rounds."""

    round_no: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    counter: int = 0
    sent: dict[str, dict] = field(default_factory=dict)  # a POST's title word -> its data
    saved: dict[str, tuple[int, dict]] = field(default_factory=dict)  # id -> (revision, data)
    in_flight: dict[str, tuple[int, dict]] = field(default_factory=dict)  # the PUT unanswered
    touched: set[str] = field(default_factory=set)  # ids saved this round
    errors: list[str] = field(default_factory=list)

    def next(self) -> int:
        with self.lock:
            self.counter += 1
            return self.counter


class Client(threading.Thread):
    """POSTs new records (or, as the editor, PUTs edits) until the server stops answering."""

    def __init__(self, server: Server, ledger: Ledger, rng: random.Random, editor: bool):
        super().__init__(daemon=True)
        self.server, self.ledger, self.rng, self.editor = server, ledger, rng, editor
        self.acknowledged = threading.Event()
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.is_set():
                self.edit() if self.editor else self.post()
        except requests.RequestException:
            pass  # the server died under us: the outcome of the last request is unknown
        except Exception as error:  # noqa: BLE001 - reported by the test, not lost in a thread
            self.fail(repr(error))

    def fail(self, problem: str) -> None:
        self.ledger.errors.append(problem)
        self.stopped.set()

    def post(self) -> None:
        ledger = self.ledger
        n = ledger.next()
        key = word("post", n)
        data = story(f"r{ledger.round_no}crashzulk", n, title=f"{key} saved story")
        with ledger.lock:
            ledger.sent[key] = data
        answer = self.server.request("POST", "/api/records", json=data, timeout=60)
        if answer.status_code != 201:
            return self.fail(f"POST {key}: {answer.status_code} {answer.text[:300]}")
        record = answer.json()
        with ledger.lock:
            ledger.saved[record["id"]] = (record["revision"], data)
            ledger.touched.add(record["id"])
        self.acknowledged.set()

    def edit(self) -> None:
        ledger = self.ledger
        with ledger.lock:
            choices = sorted(ledger.saved)
        if not choices:
            time.sleep(0.02)
            return
        record_id = self.rng.choice(choices)
        current = self.server.request("GET", f"/api/records/{record_id}", timeout=60)
        if current.status_code != 200:
            return self.fail(f"GET {record_id}: {current.status_code} {current.text[:300]}")
        revision = current.json()["revision"]
        n = ledger.next()
        data = story(f"r{ledger.round_no}editzulk", n, title=f"{word('edit', n)} edited story")
        with ledger.lock:
            ledger.in_flight = {record_id: (revision + 1, data)}
        answer = self.server.request(
            "PUT", f"/api/records/{record_id}", json={**data, "revision": revision}, timeout=60
        )
        if answer.status_code != 200:
            return self.fail(f"PUT {record_id}: {answer.status_code} {answer.text[:300]}")
        with ledger.lock:
            ledger.saved[record_id] = (answer.json()["revision"], data)
            ledger.touched.add(record_id)
            ledger.in_flight = {}
        self.acknowledged.set()


def title_word(record: dict[str, Any]) -> str:
    return record["title"].split()[0]


def verify_after_kill(data_dir, ledger: Ledger, moment: str) -> None:
    """Acknowledged saves are all there; unacknowledged ones whole or absent, never twice.
    Afterwards the ledger holds what the database holds (the truth the next round edits)."""
    now: dict[str, tuple[int, dict]] = {}
    with Evidence(data_dir) as ev:
        stored = {r.id: r.to_dict() for r in ev.store.iter_records()}
        for record_id, (revision, data) in sorted(ledger.saved.items()):
            assert record_id in stored, f"{moment}\nacknowledged {record_id} is lost"
            record = stored[record_id]
            if record["revision"] == revision:
                assert content(record, data) == data, f"{moment}\n{record_id} r{revision} differs"
                now[record_id] = (revision, data)
                continue
            # Only the one PUT whose answer the kill cut off may have gone further.
            later, sent = ledger.in_flight.get(record_id, (None, {}))
            assert record["revision"] == later, (
                f"{moment}\n{record_id} is at revision {record['revision']}, acknowledged "
                f"{revision}"
            )
            assert content(record, sent) == sent, f"{moment}\n{record_id}: a half-made edit"
            history = {h["revision"]: h["record"] for h in ev.store.revisions(record_id)}
            kept = history.get(revision)
            assert kept is not None and content(kept, data) == data, (
                f"{moment}\n{record_id}: acknowledged revision {revision} not in its history"
            )
            now[record_id] = (record["revision"], sent)
            ledger.touched.add(record_id)
        for record_id, record in stored.items():
            if record_id in ledger.saved:
                continue
            # A POST whose answer the kill cut off.
            sent = ledger.sent.get(title_word(record))
            assert sent is not None, f"{moment}\n{record_id} was never sent: {record['title']}"
            assert record["revision"] == 1 and content(record, sent) == sent, (
                f"{moment}\n{record_id}: a record saved half-way"
            )
            now[record_id] = (1, sent)
            ledger.touched.add(record_id)
    titles = [title_word(r) for r in stored.values() if r["title"].endswith("saved story")]
    twice = sorted({t for t in titles if titles.count(t) > 1})
    assert not twice, f"{moment}\nsaved twice: {twice}"
    ledger.saved, ledger.in_flight = now, {}


def verify_searchable(data_dir, ledger: Ledger, moment: str) -> None:
    """The index as the crash and repair left it (nothing synced first) finds every record
    saved this round by the made-up word of its current title."""
    with Evidence(data_dir) as ev:
        for record_id in sorted(ledger.touched):
            key = title_word(ledger.saved[record_id][1])
            hits = [h.id for h in ev.index.search(key, per_page=10).hits]
            assert hits == [record_id], f"{moment}\nsearching {key}: {hits}, not {record_id}"


def verify_served(server: Server, ledger: Ledger, ids: list[str], moment: str) -> None:
    for record_id in ids:
        revision, data = ledger.saved[record_id]
        answer = server.request("GET", f"/api/records/{record_id}")
        assert answer.status_code == 200, f"{moment}\nGET {record_id}: {answer.status_code}"
        record = answer.json()
        assert (record["revision"], content(record, data)) == (revision, data), (
            f"{moment}\n{record_id} is served differently from how it was saved"
        )


def test_acknowledged_saves_survive_sigkill_of_the_server(tmp_path) -> None:
    data_dir = tmp_path / "instance"
    tokens = init_with_users(data_dir, "editor")
    server = Server(data_dir, tmp_path / "server.log", tokens["editor"])
    rng = random.Random(SEED)
    ledger = Ledger()
    history = [f"seed {SEED}"]
    try:
        for round_no in range(1, ROUNDS + 1):
            ledger.round_no, ledger.touched = round_no, set()
            server.start()
            where = "\n".join(history)
            earlier = rng.sample(sorted(ledger.saved), min(20, len(ledger.saved)))
            verify_served(server, ledger, earlier, f"{where}\nround {round_no} restarted")
            clients = [Client(server, ledger, random.Random(rng.random()), editor=False)
                       for _ in range(POSTERS)]  # fmt: skip
            clients.append(Client(server, ledger, random.Random(rng.random()), editor=True))
            for client in clients:
                client.start()
            answered = all(c.acknowledged.wait(60) for c in clients)
            assert answered, f"{ledger.errors[:5]}\n{server.log()[-3000:]}"
            delay = rng.uniform(0.05, 1.5)
            time.sleep(delay)
            server.kill()
            for client in clients:
                client.stopped.set()
                client.join(timeout=90)
            history.append(f"round {round_no}: killed {delay:.2f}s after the first answers")
            where = "\n".join(history)
            assert not ledger.errors, f"{where}\n{ledger.errors[:5]}"
            verify_after_kill(data_dir, ledger, where)
            history[-1] += (
                f" ({len(ledger.touched)} records saved this round, {len(ledger.saved)} in all); "
                + check_clean_or_repaired(data_dir, where)
            )
            verify_searchable(data_dir, ledger, "\n".join(history))
            print(history[-1])  # shown with a failure's captured output

        # Restarted once more: the API serves every record as saved, and search finds them.
        server.start()
        where = "\n".join(history) + "\nrestarted at the end"
        verify_served(server, ledger, sorted(ledger.saved), where)
        for record_id in rng.sample(sorted(ledger.saved), min(30, len(ledger.saved))):
            key = title_word(ledger.saved[record_id][1])
            answer = server.request("GET", "/api/search", params={"q": key})
            hits = [h["id"] for h in answer.json()["hits"]]
            assert hits == [record_id], f"{where}\nsearching {key}: {hits}"
    finally:
        server.stop()
    assert "Traceback" not in server.log(), server.log()[-3000:]
