"""The codebook as a REFI-QDA codebook (.qdc, #22): ``wm2u codes export|import`` in a process
of their own, and ``GET /api/codes/export.qdc`` and the downloads on ``/codes`` served.

Written valid against the codebook schema, nested, the plan's codes included (objectives not
codable). Read generously (upper-case and braced guids, colours without ``#`` or none, any
depth): new guids added with ids made from their names (never a reserved word), known ones
updated, the plan's left alone, nothing deleted, the same file twice changing nothing, and a
file that is not a codebook refused naming the problem with nothing changed.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import requests
import xmlschema
from lxml import etree

from evidence import accounts
from learning.coding import codebook
from learning.coding.codebook import plan_guid
from learning.services import Evidence, initialise
from tests.test_hardening_support import ok, wm2u
from tests.web_helpers import CSRF_META, PASSWORD, make_app, served

SCHEMA = Path(__file__).resolve().parent.parent / "learning/refi/schemas/Codebook.xsd"
NS = {"c": "urn:QDA-XML:codebook:1.0"}


@pytest.fixture
def data_dir(tmp_path) -> Path:
    """A data dir with two codes of the team's, one under the other."""
    data_dir = tmp_path / "instance"
    ok(wm2u(data_dir, "init"))
    ok(wm2u(data_dir, "codes", "add", "listened-to", "--name", "Listened to", "--colour",
            "#a1b2c3", "--description", "Families heard by services"))  # fmt: skip
    ok(wm2u(data_dir, "codes", "add", "first-time", "--name", "First time", "--parent",
            "listened-to"))  # fmt: skip
    return data_dir


def _codes(data_dir: Path) -> dict[str, dict]:
    listed = json.loads(ok(wm2u(data_dir, "codes", "list", "--json")).stdout)["codes"]
    return {c["id"]: c for c in listed}


def _valid(data: bytes) -> etree._Element:
    assert data.startswith(b"<?xml")
    errors = [str(e)[:300] for e in xmlschema.XMLSchema(SCHEMA).iter_errors(io.BytesIO(data))]
    assert errors == []
    return etree.fromstring(data)


def test_the_codebook_is_written_valid_and_nested(data_dir, tmp_path) -> None:
    out = tmp_path / "codebook.qdc"
    ok(wm2u(data_dir, "codes", "export", "--out", str(out)))
    root = _valid(out.read_bytes())
    codes = _codes(data_dir)
    objective = root.find(f".//c:Code[@guid='{plan_guid('SO1')}']", NS)
    assert objective.get("isCodable") == "false" and objective.get("name").startswith("SO1 ")
    assert objective.find(f"c:Code[@guid='{plan_guid('SO1.1')}']", NS).get("isCodable") == "true"
    mine = root.find(f".//c:Code[@guid='{codes['listened-to']['guid']}']", NS)
    assert (mine.get("name"), mine.get("color")) == ("Listened to", "#A1B2C3")
    assert mine.find("c:Description", NS).text == "Families heard by services"
    child = mine.find("c:Code", NS)
    assert (child.get("guid"), child.get("name")) == (codes["first-time"]["guid"], "First time")
    assert child.get("color") is None and child.find("c:Description", NS) is None
    assert len(root.findall(".//c:Code", NS)) == len(codes)


GENEROUS = """<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="NVivo 14">
 <Codes>
  <Code guid="{{{listened}}}" name="Heard at last" isCodable="true" color="00ff00">
   <Description>Renamed in NVivo</Description>
   <Code guid="ABCDEF01-2345-6789-ABCD-EF0123456789" name="Export" isCodable="true" color="#0f0">
    <Code guid="abcdef01-2345-6789-abcd-ef012345678a" name="Café chats" isCodable="false"/>
   </Code>
  </Code>
  <Code guid="{so11}" name="Renamed plan code" isCodable="true" color="#123456"/>
  <Code guid="abcdef01-2345-6789-abcd-ef012345678b" name="Listened-to" isCodable="true" color="red"/>
 </Codes>
</CodeBook>
"""


def test_import_adds_new_guids_updates_known_ones_and_leaves_the_plans(data_dir, tmp_path):
    before = _codes(data_dir)
    file = tmp_path / "from-nvivo.qdc"
    listened = before["listened-to"]["guid"].upper()
    file.write_text(GENEROUS.format(listened=listened, so11=plan_guid("SO1.1").upper()))
    result = ok(wm2u(data_dir, "codes", "import", str(file)))
    assert "3 code(s) added, 1 updated, 0 unchanged, 1 the plan's" in result.stdout
    assert "colour 'red'" in result.stderr and "line 11" in result.stderr
    after = _codes(data_dir)
    assert set(before) < set(after)  # nothing deleted
    heard = after["listened-to"]
    assert (heard["name"], heard["description"], heard["colour"], heard["guid"]) == (
        "Heard at last", "Renamed in NVivo", "#00FF00", before["listened-to"]["guid"])  # fmt: skip
    assert after["first-time"] == before["first-time"]
    assert after["SO1.1"]["name"] == before["SO1.1"]["name"]  # the plan's: never renamed
    new = {c["guid"]: c for c in after.values() if c["id"] not in before}
    export = new["abcdef01-2345-6789-abcd-ef0123456789"]  # a guid read in lower case
    assert export["id"] != "export" and export["id"].startswith("export")
    assert (export["parent"], export["colour"]) == ("listened-to", "#00FF00")
    chats = new["abcdef01-2345-6789-abcd-ef012345678a"]
    assert (chats["id"], chats["parent"], chats["codable"]) == ("cafe-chats", export["id"], False)
    same_name = new["abcdef01-2345-6789-abcd-ef012345678b"]  # its id taken: made unique
    assert same_name["id"] == "listened-to-2" and same_name["colour"] is None
    # The same file again changes nothing.
    again = json.loads(ok(wm2u(data_dir, "codes", "import", str(file), "--json")).stdout)
    assert again["added"] == [] and again["updated"] == [] and len(again["unchanged"]) == 4
    assert _codes(data_dir) == after


def test_a_codebook_goes_to_another_data_dir_and_back_the_same(data_dir, tmp_path) -> None:
    out, other = tmp_path / "codebook.qdc", tmp_path / "other"
    ok(wm2u(data_dir, "codes", "export", "--out", str(out)))
    ok(wm2u(other, "init"))
    ok(wm2u(other, "codes", "import", str(out)))
    keys = ("guid", "name", "description", "colour", "codable")
    mine = {c["guid"]: [c[k] for k in keys] for c in _codes(data_dir).values()}
    theirs = {c["guid"]: [c[k] for k in keys] for c in _codes(other).values()}
    assert theirs == mine
    parents = {c["id"]: c["parent"] for c in _codes(other).values()}
    assert parents["first-time"] == "listened-to"


BAD_FILES = [
    (b"<CodeBook><Codes><Code", "is not XML (line 1"),
    (b'<Project xmlns="urn:QDA-XML:project:1.0" name="p"/>', "its root is <Project>"),
    (b"PK\x03\x04zipped", "is a zip"),
    (b"<CodeBook><Codes><Code name='x' isCodable='true'/></Codes></CodeBook>", "guid"),
    (b"<CodeBook><Codes><Code guid='abcdef01-2345-6789-abcd-ef012345678c' name='  '"
     b" isCodable='true'/></Codes></CodeBook>", "has no name"),
    (b'<!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
     b"<CodeBook><Codes><Code guid='abcdef01-2345-6789-abcd-ef012345678c' name='&b;'"
     b" isCodable='true'/></Codes></CodeBook>", "declares a DTD"),
    (b"<CodeBook><Codes><Code guid='abcdef01-2345-6789-abcd-ef012345678c' name='"
     + b"x" * 201 + b"' isCodable='true'/></Codes></CodeBook>", "name is too long"),
]  # fmt: skip


def test_a_file_that_is_not_a_codebook_is_refused_and_changes_nothing(tmp_path) -> None:
    data_dir = tmp_path / "instance"
    initialise(data_dir)
    with Evidence(data_dir) as ev:
        codebook.create(ev, {"id": "mine", "name": "Mine"})
    before = _codes(data_dir)
    for number, (content, problem) in enumerate(BAD_FILES):
        file = tmp_path / f"bad{number}.qdc"
        file.write_bytes(content)
        result = wm2u(data_dir, "codes", "import", str(file))
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        assert "file:" in result.stderr and problem in result.stderr, result.stderr
    assert _codes(data_dir) == before


def test_the_codebook_file_is_served_to_every_reader_and_offered_on_the_codes_page(tmp_path):
    data_dir = tmp_path / "instance"
    initialise(data_dir)
    with Evidence(data_dir) as ev:
        accounts.add_user(ev.store, "viewer", "viewer", PASSWORD)
        token = accounts.create_token(ev.store, "viewer")
    with served(make_app(data_dir)) as base:
        headers = {"Authorization": f"Bearer {token}"}
        answer = requests.get(f"{base}/api/codes/export.qdc", headers=headers, timeout=30)
        assert answer.status_code == 200
        assert answer.headers["Content-Disposition"].startswith("attachment")
        _valid(answer.content)
        session = requests.Session()
        token = CSRF_META.search(session.get(f"{base}/login", timeout=30).text).group(1)
        session.post(f"{base}/login", timeout=30,
                     data={"name": "viewer", "password": PASSWORD, "csrf_token": token})  # fmt: skip
        page = session.get(f"{base}/codes", timeout=30).text
    assert "/api/codes/export.qdc" in page and 'action="/api/export.qdpx"' in page
    assert 'value="external"' in page and 'value="internal"' not in page
