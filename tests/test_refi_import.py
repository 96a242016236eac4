"""`wm2u import` of REFI-QDA projects other tools write, through the command line in a process
of its own: records, codes by guid, excerpts and memos; the quirks of real tools read
generously; what is left out reported; a malformed or hostile file refused, nothing imported.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
import time
import zipfile
from pathlib import Path

import pytest

from learning.refi.guids import record_guid
from tests import refi_projects as rp
from tests.builders import story_sent
from tests.test_hardening_support import ok, wm2u

pytestmark = pytest.mark.filterwarnings("error")

TEXT = "Our rent went up in May.\nWe asked the council for help."
S1 = "5a000000-0000-4000-8000-000000000001"
S2 = "5a000000-0000-4000-8000-000000000002"
OURS = {"type": "family_story", "date": "2024-05-01", "authority": "Dundee",
        "locality": "Lochee", "consent": "anonymised", "indicators": "SO1.1",
        "tags": "housing money", "people": "Sarah Kerr; Tom McKay",
        "fields": json.dumps({"family": "the Kerrs", "what_changed": "Help came."})}  # fmt: skip


@pytest.fixture(scope="module")
def empty_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "instance"
    ok(wm2u(path, "init"))
    return path


@pytest.fixture
def data_dir(empty_dir: Path, tmp_path: Path) -> Path:
    """A fresh initialised data dir (a copy of one made once)."""
    path = tmp_path / "instance"
    shutil.copytree(empty_dir, path)
    return path


def records(data_dir: Path) -> list[dict]:
    return json.loads(ok(wm2u(data_dir, "list", "--json")).stdout)["records"]


def excerpts(data_dir: Path) -> list[dict]:
    return json.loads(ok(wm2u(data_dir, "excerpts", "--json")).stdout)["excerpts"]


def team_codes(data_dir: Path) -> dict[str, dict]:
    codes = json.loads(ok(wm2u(data_dir, "codes", "list", "--json")).stdout)["codes"]
    return {c["guid"]: c for c in codes if not c["id"].startswith("SO")}


def audit_lines(data_dir: Path) -> int:
    with contextlib.closing(sqlite3.connect(data_dir / "wm2u.db")) as conn:
        return conn.execute("SELECT count(*) FROM audit").fetchone()[0]


def one_source_project(tmp_path: Path, *selections: str, variables=None, **kw) -> Path:
    """A .qdpx with one source, TEXT, and our variables (unless given others)."""
    xml = rp.project(rp.source(S1, "Rent went up", *selections, path=f"internal://{S1}.txt",
                               variables=OURS if variables is None else variables),
                     **kw)  # fmt: skip
    return rp.qdpx(tmp_path / "p.qdpx", xml, {f"sources/{S1}.txt": TEXT})


def test_a_project_becomes_records_codes_excerpts_and_memos(data_dir: Path, tmp_path: Path):
    rent = TEXT.index("rent went up")
    path = one_source_project(
        tmp_path,
        rp.selection("5e000000-0000-4000-8000-000000000001", rent, rent + 12, rp.CODE_RENT,
                     notes=("40000000-0000-4000-8000-000000000001",)),
        rp.selection("5e000000-0000-4000-8000-000000000002", 25, 31, rp.CODE_HOUSING, user=None),
        notes="<Notes>" + rp.note("40000000-0000-4000-8000-000000000001", "Rent rose.") + "</Notes>",
    )  # fmt: skip
    result = ok(wm2u(data_dir, "import", str(path)))
    assert "Imported 1 record(s), 2 excerpt(s) and 2 code(s)" in result.stderr
    [record] = records(data_dir)
    shown = json.loads(ok(wm2u(data_dir, "show", record["id"], "--json")).stdout)
    assert (shown["title"], shown["type"], shown["date"]) == ("Rent went up", "family_story",
                                                              "2024-05-01")  # fmt: skip
    assert (shown["authority"], shown["locality"], shown["consent"]) == ("Dundee", "Lochee",
                                                                         "anonymised")  # fmt: skip
    assert shown["people"] == ["Sarah Kerr", "Tom McKay"]
    assert shown["tags"] == ["housing", "money"] and shown["indicators"] == ["SO1.1"]
    assert shown["fields"]["family"] == "the Kerrs" and shown["body"] == TEXT
    codes = team_codes(data_dir)
    assert codes[rp.CODE_RENT]["parent"] == codes[rp.CODE_HOUSING]["id"] == "housing-worries"
    assert codes[rp.CODE_HOUSING]["colour"] == "#FF0000"
    by_words = {e["text"]: e for e in excerpts(data_dir)}
    assert by_words["rent went up"]["codes"] == ["rent"]
    assert by_words["rent went up"]["memo"] == "Rent rose."
    assert by_words["rent went up"]["author"] == "Ann Coder"
    assert by_words[TEXT[25:31]]["author"] == "import"


def test_importing_the_same_file_again_changes_nothing(data_dir: Path, tmp_path: Path):
    path = one_source_project(tmp_path, rp.selection("5e000000-0000-4000-8000-0000000000aa",
                                                     4, 8, rp.CODE_RENT))  # fmt: skip
    ok(wm2u(data_dir, "import", str(path)))
    before = (records(data_dir), excerpts(data_dir), team_codes(data_dir), audit_lines(data_dir))
    again = ok(wm2u(data_dir, "import", str(path)))
    assert "Imported 0 record(s), 0 excerpt(s) and 0 code(s)" in again.stderr
    assert "already present: 1 record(s), 1 excerpt(s), 2 code(s)" in again.stderr
    after = (records(data_dir), excerpts(data_dir), team_codes(data_dir), audit_lines(data_dir))
    assert after == before


def test_the_options_give_what_the_file_does_not_say(data_dir: Path, tmp_path: Path):
    xml = rp.project(
        rp.source(S1, "Inline", text=TEXT, created="2023-02-03T10:00:00Z"),
        rp.source(
            S2, "Dated", text=TEXT, variables={"date": "2024-07-08", "indicators": "SO1.1, SO2.1"}
        ),
    )
    path = rp.qdpx(tmp_path / "p.qdpx", xml)
    ok(wm2u(data_dir, "import", str(path), "--type", "family_story", "--indicator", "SO1.1",
            "--authority", "Dundee", "--locality", "Lochee"))  # fmt: skip
    found = {r["title"]: r for r in records(data_dir)}
    assert found["Inline"]["date"] == "2023-02-03"  # its creationDateTime
    assert found["Dated"]["date"] == "2024-07-08"  # our variable wins over the option
    assert found["Dated"]["indicators"] == ["SO1.1", "SO2.1"]  # written with a comma
    assert found["Inline"]["indicators"] == ["SO1.1"]
    assert {r["consent"] for r in found.values()} == {"internal"}  # unless the file says
    assert {r["locality"] for r in found.values()} == {"Lochee"}


@pytest.mark.parametrize("missing", ["type", "date"])
def test_a_source_without_type_or_date_refuses_the_whole_file(
    data_dir: Path, tmp_path: Path, missing: str
):
    lacking = {k: v for k, v in OURS.items() if k != missing}
    xml = rp.project(rp.source(S1, "Fine", text=TEXT, variables=OURS),
                     rp.source(S2, "Lacking", text=TEXT, variables=lacking))  # fmt: skip
    result = wm2u(data_dir, "import", str(rp.qdpx(tmp_path / "p.qdpx", xml)))
    assert result.returncode == 1, result.stderr
    assert "'Lacking'" in result.stderr and f"has no {missing}" in result.stderr
    assert "Traceback" not in result.stderr
    assert records(data_dir) == [] and team_codes(data_dir) == {}


def test_a_bad_option_is_refused_naming_it(data_dir: Path, tmp_path: Path):
    path = one_source_project(tmp_path)
    result = wm2u(data_dir, "import", str(path), "--consent", "everyone")
    assert result.returncode == 1 and "--consent" in result.stderr
    assert records(data_dir) == []


# --- what other tools write ---------------------------------------------------------------


def test_a_qde_named_otherwise_and_sources_named_otherwise(data_dir: Path, tmp_path: Path):
    xml = rp.project(
        rp.source(S1, "Plain name", rp.selection("5e000000-0000-4000-8000-000000000003", 4, 8,
                                                 rp.CODE_RENT),
                  path="Interview 1.txt", variables=OURS),
        rp.source(S2, "Other case", path="internal://SOURCES/OTHER.TXT", variables=OURS),
    )  # fmt: skip
    path = rp.qdpx(tmp_path / "x.qdpx", xml, {"sources/Interview 1.txt": TEXT,
                                              "sources/other.txt": "Another story."},
                   qde_name="My Study (2).qde")  # fmt: skip
    result = ok(wm2u(data_dir, "import", str(path)))
    assert "Imported 2 record(s), 1 excerpt(s)" in result.stderr
    assert [e["text"] for e in excerpts(data_dir)] == ["rent"]


def test_upper_case_guids_braces_and_an_empty_sets(data_dir: Path, tmp_path: Path):
    upper = rp.CODE_RENT.upper()
    xml = rp.project(rp.source(S1.upper(), "Upper",
                               rp.selection("{5E000000-0000-4000-8000-000000000004}", 4, 8, upper),
                               text=TEXT, variables=OURS), extra="<Sets/>")  # fmt: skip
    path = rp.qdpx(tmp_path / "p.qdpx", xml)
    ok(wm2u(data_dir, "import", str(path)))
    assert [(e["text"], e["codes"]) for e in excerpts(data_dir)] == [("rent", ["rent"])]
    again = ok(wm2u(data_dir, "import", str(path)))  # the same guids, whatever their case
    assert "already present: 1 record(s), 1 excerpt(s)" in again.stderr


def test_crlf_and_byte_order_marks(data_dir: Path, tmp_path: Path):
    text = "Line one.\r\nThe council helped.\r\n"
    start = text.index("council")  # counted on the text as given: a CRLF is two code points
    xml = rp.project(rp.source(S1, "Windows", rp.selection(
        "5e000000-0000-4000-8000-000000000005", start, start + 7, rp.CODE_RENT),
        path=f"internal://{S1}.txt", variables=OURS))  # fmt: skip
    path = rp.qdpx(tmp_path / "p.qdpx", "\ufeff" + xml,
                   {f"sources/{S1}.txt": "\ufeff".encode() + text.encode()})  # fmt: skip
    ok(wm2u(data_dir, "import", str(path)))
    [excerpt] = excerpts(data_dir)
    assert excerpt["text"] == "council"
    [record] = records(data_dir)
    body = json.loads(ok(wm2u(data_dir, "show", record["id"], "--json")).stdout)["body"]
    assert body == "Line one.\nThe council helped."
    assert body[excerpt["start"] : excerpt["end"]] == "council"


def test_a_docx_beside_an_almost_empty_txt_is_read(data_dir: Path, tmp_path: Path):
    xml = rp.project(rp.source(S1, "Word", path=f"internal://{S1}.txt",
                               rich=f"internal://{S1}.docx", variables=OURS))  # fmt: skip
    files = {f"sources/{S1}.txt": " \n", f"sources/{S1}.docx": rp.docx_bytes("From Word.", "Two.")}
    ok(wm2u(data_dir, "import", str(rp.qdpx(tmp_path / "p.qdpx", xml, files))))
    [record] = records(data_dir)
    shown = json.loads(ok(wm2u(data_dir, "show", record["id"], "--json")).stdout)
    assert shown["body"] == "From Word.\nTwo."


def test_a_bare_qde_file(data_dir: Path, tmp_path: Path):
    path = tmp_path / "study.xml"
    path.write_text(rp.project(rp.source(S1, "Bare", text=TEXT, variables=OURS)), "utf-8")
    assert "Imported 1 record(s)" in ok(wm2u(data_dir, "import", str(path))).stderr


def test_what_is_left_out_is_reported_and_the_rest_imported(data_dir: Path, tmp_path: Path):
    xml = rp.project(
        rp.source(S1, "Kept",
                  rp.selection("5e000000-0000-4000-8000-000000000006", 4, 999, rp.CODE_RENT),
                  rp.selection("5e000000-0000-4000-8000-000000000007", 4, 8,
                               "c0de0000-0000-4000-8000-00000000dead"),
                  rp.selection("5e000000-0000-4000-8000-000000000008", 0, 3, rp.CODE_RENT),
                  path=f"internal://{S1}.txt", variables={**OURS, "age": "7"}),
        rp.source(S2, "Missing file", path="internal://nowhere.txt", variables=OURS),
        rp.source("5a000000-0000-4000-8000-000000000003", "A picture", tag="PictureSource"),
        notes="<Notes>" + rp.note("40000000-0000-4000-8000-000000000009", "x", name="loose") + "</Notes>",
    )  # fmt: skip
    path = rp.qdpx(tmp_path / "p.qdpx", xml, {f"sources/{S1}.txt": TEXT})
    result = ok(wm2u(data_dir, "import", str(path)))
    err = result.stderr
    assert "000000000006" in err and "999 is not a passage" in err
    assert "00000000dead names no code" in err
    assert "'Missing file'" in err and "not in the project" in err
    assert "'A picture'" in err and "PictureSource" in err
    assert "note 'loose'" in err and "variable 'age'" in err
    assert [e["text"] for e in excerpts(data_dir)] == ["Our"]


def test_a_source_of_ours_is_the_record_it_came_from(data_dir: Path, tmp_path: Path):
    """A project exported here and coded elsewhere: its sources are our records (by their
    guid), and its new selections are added to them, their words checked."""
    markdown = ("---\ntype: family_story\ntitle: Ours\ndate: 2024-01-02\nconsent: internal\n"
                f"indicators: [SO1.1]\n---\n{TEXT}\n")  # fmt: skip
    record_id = ok(wm2u(data_dir, "add", "-", input=markdown)).stdout.strip()
    xml = rp.project(rp.source(record_guid(record_id), "Ours",
                               rp.selection("5e000000-0000-4000-8000-000000000010", 4, 8,
                                            rp.CODE_RENT),
                               rp.selection("5e000000-0000-4000-8000-000000000011", 0, 3,
                                            rp.CODE_RENT),
                               text="Xur rent went up in May.", variables=OURS))  # fmt: skip
    result = ok(wm2u(data_dir, "import", str(rp.qdpx(tmp_path / "p.qdpx", xml))))
    assert "already present: 1 record(s)" in result.stderr
    assert "000000000011" in result.stderr and "not those of the record" in result.stderr
    assert [r["id"] for r in records(data_dir)] == [record_id]
    [excerpt] = excerpts(data_dir)
    assert (excerpt["record"]["id"], excerpt["text"]) == (record_id, "rent")


# --- malformed and hostile files -------------------------------------------------------------


def refused(data_dir: Path, path: Path, *words: str) -> str:
    started = time.monotonic()
    result = wm2u(data_dir, "import", str(path), timeout=60)
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in result.stderr
    assert records(data_dir) == [] and team_codes(data_dir) == {}
    assert time.monotonic() - started < 30
    return result.stderr


def test_bad_xml_is_refused(data_dir: Path, tmp_path: Path):
    xml = rp.project(rp.source(S1, "Fine", text=TEXT, variables=OURS))[:-20]
    refused(data_dir, rp.qdpx(tmp_path / "p.qdpx", xml), "not well-formed XML")


def test_a_zip_without_a_qde_is_refused(data_dir: Path, tmp_path: Path):
    path = tmp_path / "p.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("sources/a.txt", TEXT)
    refused(data_dir, path, "holds no .qde project")


def test_xml_of_another_namespace_is_refused(data_dir: Path, tmp_path: Path):
    path = tmp_path / "p.qde"
    path.write_text('<?xml version="1.0"?><Project xmlns="urn:other" name="x"/>', "utf-8")
    refused(data_dir, path, "not a REFI-QDA project", "urn:other")


def test_a_zip_bomb_is_refused(data_dir: Path, tmp_path: Path):
    path = tmp_path / "p.qdpx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.qde", rp.project(rp.source(S1, "Fine", text=TEXT, variables=OURS)))
        zf.writestr(f"sources/{S1}.txt", b"\0" * (64 * 1024 * 1024))
    refused(data_dir, path, "zip bomb")


def test_entities_that_would_expand_are_refused(data_dir: Path, tmp_path: Path):
    entities = '<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {b} "{("&" + a + ";") * 10}">'
        for a, b in zip("abcdefgh", "bcdefghi", strict=True)
    )
    xml = (f'<?xml version="1.0"?><!DOCTYPE Project [{entities}]>'
           f'<Project xmlns="{rp.NS}" name="&i;"><Description>&i;</Description></Project>')  # fmt: skip
    refused(data_dir, rp.qdpx(tmp_path / "p.qdpx", xml), "DTD")


@pytest.mark.parametrize("entry", ["../escaped.txt", "/tmp/absolute-refi-test.txt"])
def test_an_entry_path_leaving_the_zip_is_not_read(data_dir: Path, tmp_path: Path, entry: str):
    xml = rp.project(rp.source(S1, "Escaping", path=entry, variables=OURS),
                     rp.source(S2, "Fine", text=TEXT, variables=OURS))  # fmt: skip
    path = rp.qdpx(tmp_path / "p.qdpx", xml, {entry: "should never be read"})
    result = ok(wm2u(data_dir, "import", str(path)))
    assert "its path leaves the project" in result.stderr
    assert "'Escaping'" in result.stderr
    assert [r["title"] for r in records(data_dir)] == ["Fine"]
    assert not (tmp_path.parent / "escaped.txt").exists()


def test_a_codebook_file_adds_its_codes(data_dir: Path, tmp_path: Path):
    path = tmp_path / "codes.qdc"
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0">'
        f'<Codes><Code guid="{rp.CODE_HOUSING}" name="Housing worries" isCodable="true"/>'
        "</Codes></CodeBook>", "utf-8")  # fmt: skip
    ok(wm2u(data_dir, "import", str(path)))
    assert team_codes(data_dir)[rp.CODE_HOUSING]["name"] == "Housing worries"


def test_round_trip_through_our_own_export(tmp_path: Path, empty_dir: Path):
    """export → import into an empty data dir → the same records (with their people), codes
    by guid, attachments (names, kinds, consent, bytes, text), excerpts of bodies and of
    attachments (same words, same codes) and memos."""
    pytest.importorskip("learning.refi.project", reason="the project export is merged later")
    source = tmp_path / "source"
    ok(wm2u(source, "init"))
    ok(wm2u(source, "demo"))
    path = tmp_path / "demo.qdpx"
    ok(wm2u(source, "export", "--format", "qdpx", "--out", str(path)))
    target = tmp_path / "target"
    shutil.copytree(empty_dir, target)
    ok(wm2u(target, "import", str(path)))
    again = ok(wm2u(target, "import", str(path))).stderr
    assert "Attachments: 0 imported, 3 already present." in again

    def seen(data_dir: Path):
        by_id = {r["id"]: r for r in records(data_dir)}
        kept = sorted((r["id"], r["title"], r["date"], r["type"], r["consent"],
                       tuple(r["people"]), tuple(r["activities"]), tuple(r["quotes"]),
                       tuple(r["indicators"]), tuple(r["tags"]), r["body"], json.dumps(r["fields"]))
                      for r in by_id.values())  # fmt: skip
        # A code is the same code by its guid (a new code's id is made from its name).
        codes = json.loads(ok(wm2u(data_dir, "codes", "list", "--json")).stdout)["codes"]
        guid = {c["id"]: c["guid"] for c in codes}
        with contextlib.closing(sqlite3.connect(data_dir / "wm2u.db")) as conn:
            files = conn.execute("SELECT id, record_id, name, kind, consent, sha256, text "
                                 "FROM attachments WHERE deleted_at IS NULL").fetchall()  # fmt: skip
        named_file = {f"attachment:{f[0]}": f[2] for f in files}
        # The files (a picture is made again on arrival: its bytes are not compared).
        attached = sorted((by_id[f[1]]["title"], *f[2:5], f[5] if f[3] != "jpeg" else "", f[6])
                          for f in files)  # fmt: skip
        coded = sorted((by_id[e["record"]["id"]]["title"], named_file.get(e["source"], "body"),
                        e["text"], tuple(sorted(guid[c] for c in e["codes"])), e["memo"] or "")
                       for e in excerpts(data_dir))  # fmt: skip
        named = sorted((c["guid"], c["name"], c["colour"], c["parent"] and guid[c["parent"]])
                       for c in codes)  # fmt: skip
        return kept, attached, coded, named

    assert seen(target) == seen(source)


def test_an_imported_project_exports_back_with_its_own_guids(data_dir: Path, tmp_path: Path):
    from learning.refi import guids
    from learning.services import Evidence

    sel = "5e000000-0000-4000-8000-000000000012"
    ok(wm2u(data_dir, "import", str(one_source_project(tmp_path, rp.selection(
        sel, 4, 8, rp.CODE_RENT)))))  # fmt: skip
    [excerpt] = excerpts(data_dir)
    with Evidence(data_dir) as ev:
        assert guids.source_guid(ev.store, excerpt["record"]["id"]) == S1
        assert guids.selection_guid(ev.store, excerpt["id"]) == sel


def test_a_plan_indicator_coded_elsewhere_is_added_to_its_record(data_dir: Path, tmp_path: Path):
    """A selection coded with an indicator (known by the plan's guid) its record does not
    list: the record gains it, as when coding here."""
    from learning.coding.codebook import plan_guid

    path = one_source_project(tmp_path, rp.selection(
        "5e000000-0000-4000-8000-000000000013", 4, 8, plan_guid("SO2.1")))  # fmt: skip
    ok(wm2u(data_dir, "import", str(path)))
    [record] = records(data_dir)
    assert record["indicators"] == ["SO1.1", "SO2.1"]
    assert [e["codes"] for e in excerpts(data_dir)] == [["SO2.1"]]


def test_a_zip_declaring_more_than_2_gb_is_refused(data_dir: Path, tmp_path: Path):
    path = rp.qdpx(tmp_path / "p.qdpx", rp.project(rp.source(S1, "F", text=TEXT, variables=OURS)),
                   {f"sources/{S1}.txt": TEXT})  # fmt: skip
    data = bytearray(path.read_bytes())
    entry = data.rindex(b"PK\x01\x02")  # the last member's central directory entry
    data[entry + 24 : entry + 28] = (3 * 2**30).to_bytes(4, "little")  # its unpacked size
    path.write_bytes(bytes(data))
    refused(data_dir, path, "3.0 GB", "zip bomb")


def test_a_damaged_zip_is_refused(data_dir: Path, tmp_path: Path):
    path = rp.qdpx(tmp_path / "p.qdpx", rp.project(rp.source(S1, "F", text=TEXT, variables=OURS)))
    path.write_bytes(path.read_bytes()[:-30])
    refused(data_dir, path, "damaged zip")


def test_the_refi_options_are_refused_for_other_formats(data_dir: Path, tmp_path: Path):
    path = tmp_path / "records.json"
    path.write_text("[]", "utf-8")
    result = wm2u(data_dir, "import", str(path), "--type", "family_story")
    assert result.returncode == 2 and "--type" in result.stderr


def test_a_story_waiting_for_an_editor_comes_back_waiting(tmp_path: Path, empty_dir: Path):
    """A family's story sent through an invitation without indicators, not yet accepted, is in
    the team's export; importing that file brings it back as a family's story still waiting
    (it once refused the whole file: "indicators: at least one indicator is required")."""
    source = tmp_path / "source"
    shutil.copytree(empty_dir, source)
    story_sent(source, {"body": "We go to the café every week now.", "title": "Every week",
                        "consent": "anonymised", "people": "Jamie"})  # fmt: skip
    [sent] = records(source)
    assert (sent["origin"], sent["status"], sent["indicators"]) == ("family", "submitted", [])
    path = tmp_path / "team.qdpx"
    ok(wm2u(source, "export", "--format", "qdpx", "--out", str(path)))
    target = tmp_path / "target"
    shutil.copytree(empty_dir, target)
    ok(wm2u(target, "import", str(path)))
    [back] = records(target)
    assert (back["id"], back["origin"], back["status"]) == (sent["id"], "family", "submitted")
    assert (back["body"], back["people"], back["indicators"]) == (sent["body"], ["Jamie"], [])
