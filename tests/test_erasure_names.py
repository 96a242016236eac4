"""Erasure scrubs every form of the erased record's names, in real processes.

``wm2u delete --purge`` (and the API's ``?purge=1``) of an anonymised record whose people
are named in a rating's rationale in several spellings, and in learning updates citing it:
afterwards no form of those names is anywhere in the data folder (database, WAL, index
files, compressed stored fields), and viewers read none of them.
"""

from __future__ import annotations

import json

import pytest

from evidence.ratings import add_rating
from learning.services import Evidence
from tests.builders import record_data
from tests.test_hardening_erasure import leftovers
from tests.test_hardening_support import Server, init_with_users, ok, wm2u

pytestmark = pytest.mark.slow

RATIONALE = (
    "Qailsa said it helped; in qailsa qpennycook's words and Qpennycook’s view, "
    "_Qailsa_ and QPENNYCOOK agreed; QAİLSA too."
)
FORMS = {"qailsa", "qpennycook", "qailsa qpennycook", "qpennycook's", "qpennycook’s"}


def _stock(data_dir):
    with Evidence(data_dir) as ev:
        erased = ev.create(record_data(
            title="Qailsa Qpennycook at the club", people=["Qailsa Qpennycook"],
            quotes=["Qailsa said we were heard."], body="Qailsa Qpennycook came.",
            date="2025-03-10",
        ), "t")  # fmt: skip
        kept = ev.create(record_data(title="Another story", people=["Sarah Kerr"],
                                     date="2025-03-11"), "t")  # fmt: skip
        rating = add_rating(ev.store, ev.framework, {
            "indicator": "SO1.1", "period_from": "2025-01-01", "period_to": "2025-06-30",
            "progress": "developing", "confidence": "medium", "rationale": RATIONALE,
            "records": [erased.id, kept.id],
        }, "t")  # fmt: skip
        updates = [
            ev.learning_update("2025-01-01", "2025-12-31", audience, save=True, actor="t").record
            for audience in ("internal", "external")
        ]
    return erased.id, kept.id, rating["id"], [u.id for u in updates]


def _assert_scrubbed(data_dir, rating_id: int, kept_id: str) -> None:
    assert leftovers(data_dir, FORMS) == {}
    with Evidence(data_dir) as ev:
        row = ev.store.conn.execute(
            "SELECT rationale, records FROM ratings WHERE id = ?", [rating_id]
        ).fetchone()
        assert "[erased]" in row[0] and json.loads(row[1]) == [kept_id]
        assert ev.search("qpennycook").total == 0 and ev.search("qailsa").total == 0


def test_purge_from_the_command_line_scrubs_every_form_of_the_names(tmp_path) -> None:
    data_dir = tmp_path / "instance"
    ok(wm2u(data_dir, "init"))
    erased, kept, rating_id, _ = _stock(data_dir)
    assert leftovers(data_dir, FORMS)  # the probe sees the names before
    ok(wm2u(data_dir, "delete", erased, "--purge"))
    _assert_scrubbed(data_dir, rating_id, kept)
    ok(wm2u(data_dir, "check"))


def test_purge_through_the_api_scrubs_every_form_of_the_names(tmp_path) -> None:
    data_dir = tmp_path / "instance"
    tokens = init_with_users(data_dir, "admin", "viewer")
    erased, kept, rating_id, updates = _stock(data_dir)
    server = Server(data_dir, tmp_path / "server.log", tokens["admin"]).start()
    try:
        answer = server.request("DELETE", f"/api/records/{erased}?purge=1")
        assert answer.status_code == 204, answer.text
        for update_id in updates[1:]:
            body = server.request("GET", f"/api/records/{update_id}", tokens["viewer"]).json()
            assert "qpennycook" not in body["body"].lower()
    finally:
        server.stop()
    _assert_scrubbed(data_dir, rating_id, kept)
