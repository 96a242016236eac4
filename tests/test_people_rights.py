"""People's rights over their data (#26) through the command line, in processes of their own:
who is named, subject access, erasure of a person (scanned file by file afterwards, a kill
in the middle included) and retention."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from evidence.ratings import add_rating
from learning.msc import choices, rounds
from learning.services import Evidence
from learning.stories import telling
from tests.builders import record_data
from tests.test_hardening_erasure import leftovers
from tests.test_hardening_support import ROOT, ok, wm2u
from tests.test_names import SPELLINGS

SUBJECT = "Ailsa Pennycook"
# Every way the name matcher's own table writes her name, in one text.
WRITTEN = [written for people, written, _ in SPELLINGS if people == [SUBJECT]]
FORMS = {"ailsa", "pennycook", "ｐｅｎｎｙ"}  # what must not be left, in any file


def _stock(data_dir: Path, tmp_path: Path) -> dict[str, str]:
    """A record listing her (edited once), one naming her without listing her, a rating,
    a coded passage with a memo, an attachment and saved learning updates; beside the
    records, a story she sent through an invitation naming her with how to reach her, a closed
    Most Significant Change round with her on its panel and in its choice, a code and an
    audit line naming her."""
    ok(wm2u(data_dir, "init"))
    link = ok(
        wm2u(
            data_dir,
            "invite",
            "--prompt",
            "What changed since Ailsa Pennycook's kite day?",
            "--authority",
            "Dundee",
            "--locality",
            "Lochee",
            "--indicator",
            "SO1.1",
        )
    )
    token = link.stdout.strip().rsplit("/", 1)[-1]
    figures = tmp_path / "figures.csv"
    figures.write_text("measure,authority,locality,period_from,period_to,value,source,note\n"
                       "children_on_cpr,Dundee,,2025-07-31,2025-07-31,15,"
                       "a call with Ailsa Pennycook,\n")  # fmt: skip
    ok(wm2u(data_dir, "figures", "import", str(figures)))
    ok(wm2u(data_dir, "codes", "add", "kite-club", "--name", "Pennycook kites",
            "--description", "What Ailsa said to Morag Lindsay about the kite club"))  # fmt: skip
    with Evidence(data_dir) as ev:
        sent = telling.send(ev, token, telling.StoryRequest.parse({
            "body": "Tom McKay and I flew kites every Saturday.", "consent": "public",
            "people": "Tom McKay", "triad": "not-sure", "slider1": "not-sure",
            "slider2": "not-sure",
            "contact": "Ailsa Pennycook, ailsa.pennycook@example.org, 07700 900123",
        }))  # fmt: skip
        ev.store.audit("t", "note", None, "Phoned Ailsa Pennycook about her story")
        ev.store.audit("t", "note", None, "Spelt: " + " ".join(WRITTEN))
        ev.create(record_data(title="Baking", people=["Morag Lindsay"], quotes=[],
                              body="Morag Lindsay baked."), "t")  # fmt: skip
        listing = ev.create(record_data(
            title="Ailsa Pennycook at the kite day", people=[SUBJECT, "Tom McKay"],
            quotes=["Ailsa said Tom McKay flew the best kite."],
            body="Ailsa Pennycook and Tom McKay flew kites. " + " ".join(WRITTEN),
            fields={"family": "the Pennycook family", "what_changed": "Ailsa came back"},
            tags=["kites"], date="2025-03-10",
        ), "t")  # fmt: skip
        listing = ev.update(listing.id, {**listing.to_dict(), "title": "Ailsa at the kites",
                                         "revision": listing.revision}, "t")  # fmt: skip
        naming = ev.create(record_data(
            title="A visit", people=["Sarah Kerr"], quotes=[], date="2025-03-11",
            body="Sarah Kerr met AILSA PENNYCOOK and #AilsaPennycook at the club.",
        ), "t")  # fmt: skip
        rating = add_rating(ev.store, ev.framework, {
            "indicator": "SO1.1", "period_from": "2025-01-01", "period_to": "2025-06-30",
            "progress": "developing", "confidence": "medium", "records": [listing.id],
            "rationale": "Pennycook's story shows mornings were calmer.",
        }, "t")  # fmt: skip
        for audience in ("internal", "external"):
            ev.learning_update("2025-01-01", "2025-12-31", audience, save=True, actor="t")
        other = {"id": "any-other-change", "name": "Any other change"}
        round_ = rounds.create(ev, {
            "title": "Lochee stories", "period_from": "2025-01-01", "period_to": "2025-12-31",
            "question": "Which change matters most to Ailsa's neighbours?", "level": "locality",
            "domains": [other], "candidates": [{"record": listing.id, "domain": other["id"]}],
            "panel": [{"name": SUBJECT, "role": "family"},
                      {"name": "Sarah Kerr", "role": "practitioner"}],
        }, "t")  # fmt: skip
        choices.record(ev, round_.id, {"choices": [{
            "domain": other["id"], "record": listing.id, "votes": 2,
            "reasons": "Ailsa Pennycook told it; Sarah Kerr agreed it mattered most.",
            "dissent": "Pennycook's brother disagreed: " + " ".join(WRITTEN), "told_by": "Ailsa",
            "written_by": "Sarah Kerr", "where": "the Pennycook house", "read_back": True,
        }]}, "t")  # fmt: skip
        rounds.close(ev, round_.id, "t")
    notes = tmp_path / "notes-pennycook.txt"
    notes.write_text("Notes from the visit: Ailsa Pennycook said the club helped.\n")
    attachment = ok(wm2u(data_dir, "attach", listing.id, str(notes))).stdout.strip()
    ok(wm2u(data_dir, "code", listing.id, "--text", "Tom McKay flew kites", "--code", "SO1.1",
            "--memo", "Ailsa's brother"))  # fmt: skip
    ok(wm2u(data_dir, "retention", "keep", listing.id, "--until", "2099-01-01",
            "--reason", "Pennycook's appeal"))  # fmt: skip
    return {"listing": listing.id, "naming": naming.id, "rating": str(rating["id"]),
            "attachment": attachment, "story": sent.record.id, "round": round_.id}  # fmt: skip


def test_people_list_groups_the_spellings_of_one_person(tmp_path) -> None:
    data_dir = tmp_path / "d"
    ok(wm2u(data_dir, "init"))
    with Evidence(data_dir) as ev:
        for people in ([SUBJECT, "Tom McKay"], ["AILSA  PENNYCOOK"], ["Ailsa Penny&#99;ook"],
                       ["Zoe\u0308 Quennell"], ["Zoë Quennell"]):  # fmt: skip
            ev.create(record_data(people=people, body="A story.", quotes=[]), "t")
    shown = json.loads(ok(wm2u(data_dir, "people", "list", "--json")).stdout)
    by_name = {p["name"]: p for p in shown["people"]}
    ailsa = next(p for p in shown["people"] if SUBJECT in p["spellings"])
    assert ailsa["records"] == 3
    assert set(ailsa["spellings"]) == {SUBJECT, "AILSA  PENNYCOOK", "Ailsa Penny&#99;ook"}
    zoe = next(p for p in shown["people"] if "Zoë Quennell" in p["spellings"])
    assert zoe["records"] == 2 and len(zoe["spellings"]) == 2
    assert by_name["Tom McKay"]["records"] == 1
    text = ok(wm2u(data_dir, "people", "list")).stdout
    assert "3 record(s)" in text


def test_subject_access_holds_every_text_naming_them_and_hides_everyone_else(tmp_path) -> None:
    data_dir = tmp_path / "d"
    ids = _stock(data_dir, tmp_path)
    out = tmp_path / "ailsa.zip"
    ok(wm2u(data_dir, "person", "export", "ailsa pennycook", "--out", str(out)))
    assert out.stat().st_mode & 0o077 == 0
    with zipfile.ZipFile(out) as archive:
        assert set(archive.namelist()) == {"subject-access.html", "subject-access.json"}
        data = json.loads(archive.read("subject-access.json"))
        page = archive.read("subject-access.html").decode()
    items = data["items"]
    kinds = {i["kind"] for i in items}
    assert {"record", "revision", "rating", "excerpt", "attachment", "learning_update",
            "retention", "story", "invitation", "msc", "code", "audit"} <= kinds  # fmt: skip
    beside = {(i["kind"], i["field"]): i for i in items}
    assert "ailsa.pennycook@example.org" in beside["story", "contact"]["text"]
    # The story she sent, in her words as sent, though they do not name her.
    assert "flew kites every Saturday" in beside["story", "body"]["text"]
    assert beside["story", "body"]["record_id"] == ids["story"]
    assert f"story {ids['story']} sent through invitation" in beside["story", "contact"]["where"]
    assert ("msc", "panel member 1") in beside and ("msc", "told_by") in beside
    assert {("msc", f) for f in ("reasons", "dissent", "told_where", "question")} <= set(beside)
    assert ("code", "description") in beside and ("invitation", "prompt") in beside
    assert beside["figure", "source"]["text"] == "a call with Ailsa Pennycook"
    # A third party listed only by a record that does not name her is hidden all the same.
    assert "Lindsay" not in beside["code", "description"]["text"]
    assert {i["text"] for i in items if i["kind"] == "audit"} == {
        "Phoned Ailsa Pennycook about her story",
        "Spelt: " + " ".join(WRITTEN),
    }
    assert {i["record_id"] for i in items} >= {ids["listing"], ids["naming"]}
    assert any(i["kind"] == "attachment" and i["id"] == ids["attachment"] for i in items)
    assert all(i["where"] for i in items)
    everything = "\n".join(i["text"] for i in items)
    assert "Ailsa Pennycook" in everything and "#AilsaPennycook" in everything
    # Third parties: the other people the records list are labels, not names.
    assert "McKay" not in everything and "Sarah" not in everything and "Kerr" not in everything
    assert "Person" in everything
    assert "What we hold about ailsa pennycook" in page and "McKay" not in page


def test_erasure_of_a_person_leaves_no_form_of_the_name_in_any_file(tmp_path) -> None:
    data_dir = tmp_path / "d"
    ids = _stock(data_dir, tmp_path)
    before = leftovers(data_dir, FORMS)
    assert any(n.startswith("wm2u.db") for n in before), before
    assert any(n.startswith("index/") for n in before), before
    assert any(n.startswith("files/") for n in before), before

    dry = ok(wm2u(data_dir, "person", "erase", SUBJECT, "--dry-run"))
    assert ids["listing"] in dry.stdout and ids["naming"] in dry.stdout
    assert f"rating {ids['rating']}" in dry.stdout
    for where in (f"story {ids['story']} sent through invitation", "invitation ",
                  f"Most Significant Change round {ids['round']}, panel member 1",
                  f"Most Significant Change round {ids['round']}, choice in any-other-change, "
                  "reasons", "code kite-club, description", "audit log line", "children_on_cpr, source"):  # fmt: skip
        assert where in dry.stdout, where
    assert leftovers(data_dir, FORMS).keys() == before.keys()  # a dry run changes nothing

    ok(wm2u(data_dir, "person", "erase", "AILSA PENNYCOOK"))

    assert leftovers(data_dir, FORMS) == {}
    check = wm2u(data_dir, "check")
    assert check.returncode == 0, check.stdout + check.stderr
    shown = json.loads(ok(wm2u(data_dir, "show", ids["listing"], "--json")).stdout)
    assert shown["people"] == ["Tom McKay"] and "Tom McKay" in shown["body"]
    assert "[name erased]" in shown["body"]
    with Evidence(data_dir) as ev:
        assert ev.search("pennycook").total == 0 and ev.search("McKay").total >= 1
        audit = [a for a in ev.store.audit_log(1000)[1] if a["action"] == "erase-person"]
        history = ev.store.revisions(ids["listing"])
    assert len(history) == 2  # a new revision; the older ones scrubbed, not dropped
    assert len(audit) == 1 and "ailsa" not in json.dumps(audit).lower()
    # Beside the records: she keeps her place on the panel (its balance), not her name.
    shown = json.loads(ok(wm2u(data_dir, "msc", "show", ids["round"], "--json")).stdout)
    assert shown["panel"][0] == {"name": "[name erased]", "role": "family"}
    assert shown["choices"][0]["reasons"].startswith("[name erased] told it; Sarah Kerr")
    with Evidence(data_dir) as ev:
        contact = ev.store.conn.execute("SELECT contact FROM story_contacts").fetchone()[0]
        assert "07700 900123" in contact and "[name erased]@example.org" in contact
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            with ev.store.write() as conn:
                conn.execute("UPDATE audit SET detail = 'x'")
    assert "pennycook" not in json.dumps(audit).lower()
    # Nothing is left to find: another run changes nothing.
    again = ok(wm2u(data_dir, "person", "erase", SUBJECT, "--json"))
    assert json.loads(again.stdout)["items"] == []


def test_purge_records_erases_whole_the_records_that_list_them(tmp_path) -> None:
    data_dir = tmp_path / "d"
    ids = _stock(data_dir, tmp_path)
    done = json.loads(ok(wm2u(data_dir, "person", "erase", SUBJECT, "--purge-records",
                              "--json")).stdout)  # fmt: skip
    assert done["purged"] == sorted([ids["listing"], ids["story"]])  # and the story she sent
    assert wm2u(data_dir, "show", ids["listing"]).returncode == 1
    ok(wm2u(data_dir, "show", ids["naming"]))
    assert leftovers(data_dir, FORMS) == {}


@pytest.mark.parametrize("name", ["", "   ", "!!!", "x" * 201])
def test_a_name_that_cannot_be_a_person_is_refused_naming_the_field(tmp_path, name) -> None:
    data_dir = tmp_path / "d"
    ok(wm2u(data_dir, "init"))
    for args in (("erase", name), ("export", name, "--out", str(tmp_path / "x.zip"))):
        result = wm2u(data_dir, "person", *args)
        assert result.returncode == 1 and "name:" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "x.zip").exists()


def test_a_kill_in_the_middle_of_an_erasure_leaves_all_or_nothing_and_a_rerun_finishes(
    tmp_path,
) -> None:
    data_dir = tmp_path / "d"
    _stock(data_dir, tmp_path)
    counted = ok(wm2u(data_dir, "person", "erase", SUBJECT, "--dry-run", "--json")).stdout
    env = {**os.environ, "WM2U_TEST_PERSON_ERASURE_PAUSE": "60"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "learning", "--data-dir", str(data_dir), "person", "erase",
         SUBJECT], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    with proc:
        assert "inside the transaction" in proc.stdout.readline()
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    # Nothing half-done: every text still names her, as before.
    assert ok(wm2u(data_dir, "person", "erase", SUBJECT, "--dry-run", "--json")).stdout == counted
    ok(wm2u(data_dir, "person", "erase", SUBJECT))
    assert leftovers(data_dir, FORMS) == {}
    assert wm2u(data_dir, "check").returncode == 0


def test_retention_lists_old_records_until_kept_with_a_reason(tmp_path) -> None:
    data_dir = tmp_path / "d"
    ok(wm2u(data_dir, "init"))
    with Evidence(data_dir) as ev:
        old = ev.create(record_data(title="An old story", date="2012-05-01"), "t").id
        new = ev.create(record_data(title="A new story", date="2025-05-01"), "t").id
    listed = json.loads(ok(wm2u(data_dir, "retention", "--json")).stdout)
    assert listed["years"] == 7 and [r["id"] for r in listed["records"]] == [old]
    bad = wm2u(data_dir, "retention", "keep", old, "--until", "2001-01-01", "--reason", "x")
    assert bad.returncode == 1 and "until:" in bad.stderr
    bad = wm2u(data_dir, "retention", "keep", old, "--until", "2099-01-01", "--reason", " ")
    assert bad.returncode == 1 and "reason:" in bad.stderr
    assert wm2u(data_dir, "retention", "keep", "NOPE", "--until", "2099-01-01",
                "--reason", "x").returncode == 1  # fmt: skip
    ok(wm2u(data_dir, "retention", "keep", old, "--until", "2099-01-01", "--reason", "Court"))
    assert json.loads(ok(wm2u(data_dir, "retention", "--json")).stdout)["records"] == []
    env = {**os.environ, "WM2U_RETENTION_YEARS": "0"}
    run = subprocess.run([sys.executable, "-m", "learning", "--data-dir", str(data_dir),
                          "retention"], cwd=ROOT, env=env, capture_output=True, text=True)  # fmt: skip
    assert run.returncode == 1 and "WM2U_RETENTION_YEARS" in run.stderr
    assert new
