"""The project as a REFI-QDA project (.qdpx, #22), through ``wm2u export`` in a process of its
own and ``GET /api/export.qdpx`` on the served app (waitress).

Valid against the standard's schema; each record a TextSource whose text is in ``sources/``
(UTF-8, no byte-order mark) and whose selections are exactly the excerpts' words; memos as
Notes; our variables; the same data twice gives the same bytes but for the export's time;
outside the team no internal record, memo or masked name anywhere in the zip, positions
counted on the text shown; and each tool's way of counting positions and ending lines.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from uuid import uuid4

import pytest
import requests
import xmlschema
from lxml import etree

from evidence import accounts, coding
from evidence.coding import Code
from learning.coding import excerpts
from learning.refi import guids
from learning.refi.project import placed
from learning.services import Evidence, initialise
from tests.builders import record_data
from tests.test_hardening_support import ok, wm2u
from tests.web_helpers import PASSWORD, make_app, served

SCHEMA = Path(__file__).resolve().parent.parent / "learning/refi/schemas/Project-mrt2019.xsd"
NS = {"q": "urn:QDA-XML:project:1.0"}
MASKED = ("Morag", "Lindsay", "Dougie", "Fairbairn")  # the anonymised record's people
SECRET_WORDS = ("Zebrafinch", "Ptarmigan")  # the internal record's, and a memo's
EMOJI_BODY = "We laughed 😀 a lot.\r\nThen the café kept a place for us every week."
ANON_BODY = ("Morag Lindsay brought Dougie Fairbairn along. Morag said the group listened.\n"
             "Dougie made tea for everyone.")  # fmt: skip


def _code(ev: Evidence, record_id: str, words: str, codes: list[str], memo=None) -> dict:
    body = ev.store.get(record_id).body
    start = body.index(words)
    data = {"start": start, "end": start + len(words), "text": words, "codes": codes,
            "memo": memo}  # fmt: skip
    return excerpts.code_passage(ev, record_id, data, "coder1")


@pytest.fixture(scope="module")
def project_data(tmp_path_factory) -> dict:
    """A data dir with a public, an anonymised and an internal record, coded, a memo and a
    detached excerpt; and tokens for an editor and a viewer."""
    data_dir = tmp_path_factory.mktemp("refi") / "instance"
    initialise(data_dir)
    with Evidence(data_dir) as ev:
        public = ev.create(record_data(title="Laughing at the café", consent="public",
                                       people=["Aileen"], body=EMOJI_BODY, quotes=[],
                                       fields={"family": "the Aileen family"}), "t").id  # fmt: skip
        anon = ev.create(record_data(title="Morag at the group", consent="anonymised",
                                     people=["Morag Lindsay", "Dougie Fairbairn"], quotes=[],
                                     body=ANON_BODY, tags=["tea", "group"],
                                     fields={"family": "the Lindsay family"}), "t").id  # fmt: skip
        internal = ev.create(record_data(title="Zebrafinch review", consent="internal",
                                         people=[], quotes=[], fields={},
                                         body="Zebrafinch: the team's own notes."), "t").id  # fmt: skip
        ev.create(record_data(type="event", title="A national event", consent="public",
                              people=[], quotes=[], body="Everyone met.", date="2024-05-01",
                              fields={"scope": "national"}), "t")  # fmt: skip
        made = {
            "emoji": _code(ev, public, "a lot.\r\nThen the café".replace("\r", ""), ["SO1.1"]),
            "names": _code(
                ev,
                anon,
                "Dougie Fairbairn along. Morag said",
                ["SO1.1"],
                memo="Ptarmigan: a memo for the team",
            ),  # fmt: skip
            "tea": _code(ev, anon, "Dougie made tea", ["SO1.1", "SO1.2"]),
            "internal": _code(ev, internal, "the team's own notes", ["SO1.1"]),
            "gone": _code(ev, public, "every week", ["SO1.1"]),
        }
        record = ev.store.get(public)  # its words "every week" edited out: detached
        ev.update(public, {**record.to_dict(), "body": EMOJI_BODY.replace(" every week", "")},
                  "t")  # fmt: skip
        tokens = {}
        for role in ("editor", "viewer"):
            accounts.add_user(ev.store, role, role, PASSWORD)
            tokens[role] = accounts.create_token(ev.store, role)
    return {"dir": data_dir, "ids": {"public": public, "anon": anon, "internal": internal},
            "excerpts": made, "tokens": tokens}  # fmt: skip


def _export(data_dir: Path, out: Path, *args: str):
    result = ok(wm2u(data_dir, "export", "--format", "qdpx", "--out", str(out), *args))
    return zipfile.ZipFile(out), result


def _qde(zf: zipfile.ZipFile) -> etree._Element:
    data = zf.read("project.qde")
    assert data.startswith(b"<?xml"), "no byte-order mark or anything else before <?xml"
    errors = [str(e)[:300] for e in xmlschema.XMLSchema(SCHEMA).iter_errors(io.BytesIO(data))]
    assert errors == []
    return etree.fromstring(data)


def _selections(zf: zipfile.ZipFile, root: etree._Element, unit=None) -> dict[str, str]:
    """Each selection's guid and its words, cut from its source's text as the tool counts."""
    words = {}
    for source in root.iterfind("q:Sources/q:TextSource", NS):
        path = source.get("plainTextPath")
        assert path == f"internal://{source.get('guid')}.txt"
        raw = zf.read(f"sources/{source.get('guid')}.txt")
        assert not raw.startswith(b"\xef\xbb\xbf")
        text = raw.decode("utf-8")
        if unit == "utf-16":
            text = text.encode("utf-16-le")
        for sel in source.iterfind("q:PlainTextSelection", NS):
            start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
            if unit == "utf-16":  # two bytes a unit
                words[sel.get("guid")] = text[2 * start : 2 * end].decode("utf-16-le")
            else:
                words[sel.get("guid")] = text[start:end]
    return words


def _values(source: etree._Element) -> dict[str, str]:
    root = source.getroottree().getroot()
    names = {v.get("guid"): v.get("name") for v in root.iterfind("q:Variables/q:Variable", NS)}
    found = {}
    for value in source.iterfind("q:VariableValue", NS):
        ref = value.find("q:VariableRef", NS).get("targetGUID")
        found[names[ref]] = value[1].text
        if names[ref] == "date":
            assert etree.QName(value[1]).localname == "DateValue"
    return found


def test_the_teams_project_is_valid_and_every_selection_is_its_excerpts_words(
    project_data, tmp_path
) -> None:
    zf, result = _export(project_data["dir"], tmp_path / "team.qdpx")
    root = _qde(zf)
    assert "1 excerpt(s) left out: detached" in result.stderr
    names = zf.namelist()
    assert all(n == "project.qde" or re.fullmatch(r"sources/[0-9a-f-]{36}\.txt", n) for n in names)
    made = project_data["excerpts"]
    words = _selections(zf, root)
    for key in ("emoji", "names", "tea", "internal"):
        assert words[guids.excerpt_guid(made[key]["id"])] == made[key]["text"]
    assert guids.excerpt_guid(made["gone"]["id"]) not in words  # detached: no selection
    # Codings name codes of the codebook; the memo is a Note its selection refers to.
    book = {c.get("guid") for c in root.iterfind(".//q:CodeBook//q:Code", NS)}
    refs = [r.get("targetGUID") for r in root.iterfind(".//q:Coding/q:CodeRef", NS)]
    assert refs and set(refs) <= book
    note = root.find("q:Notes/q:Note", NS)
    assert note.find("q:PlainTextContent", NS).text == "Ptarmigan: a memo for the team"
    assert root.find(f".//q:NoteRef[@targetGUID='{note.get('guid')}']", NS) is not None
    users = {u.get("name"): u.get("guid") for u in root.iterfind("q:Users/q:User", NS)}
    assert {"GL", "coder1"} <= set(users)
    anon = root.find(f".//q:TextSource[@guid='{guids.record_guid(project_data['ids']['anon'])}']",
                     NS)  # fmt: skip
    assert anon.get("name") == "Morag at the group" and anon.get("creatingUser") == users["GL"]
    values = _values(anon)
    assert values["people"] == "Morag Lindsay; Dougie Fairbairn"
    assert (values["type"], values["date"], values["consent"]) == (
        "family_story", "2025-03-14", "anonymised")  # fmt: skip
    assert (values["tags"], values["locality"], values["authority"]) == (
        "tea group", "Lochee", "Dundee")  # fmt: skip
    assert values["indicators"].split() == ["SO1.1", "SO1.2"]  # SO1.2 added by coding
    assert '"family": "the Lindsay family"' in values["fields"]


def test_the_same_data_exported_twice_is_the_same_but_for_the_time(project_data, tmp_path):
    first, _ = _export(project_data["dir"], tmp_path / "a.qdpx")
    second, _ = _export(project_data["dir"], tmp_path / "b.qdpx")
    assert first.namelist() == second.namelist()
    when = re.compile(rb'(<Project [^>]*creationDateTime=")[^"]+"')
    for name in first.namelist():
        a, b = first.read(name), second.read(name)
        assert when.sub(rb"\1", a) == when.sub(rb"\1", b), name


def _all_bytes(data: bytes) -> bytes:
    """The zip as stored and every entry unpacked."""
    zf = zipfile.ZipFile(io.BytesIO(data))
    return data + b"".join(zf.read(n) + n.encode() for n in zf.namelist())


def test_outside_the_team_no_internal_record_memo_or_masked_name_is_anywhere(project_data):
    tokens = project_data["tokens"]
    with served(make_app(project_data["dir"])) as base:

        def get(role: str, path: str) -> requests.Response:
            headers = {"Authorization": f"Bearer {tokens[role]}"}
            return requests.get(base + path, headers=headers, timeout=60)

        answer = get("viewer", "/api/export.qdpx")  # a viewer's default: external
        assert answer.status_code == 200, answer.text
        assert answer.headers["Content-Disposition"].startswith("attachment")
        shown = {}
        for key in ("public", "anon"):
            for e in get("viewer", f"/api/records/{project_data['ids'][key]}/excerpts").json()[
                "excerpts"
            ]:
                shown[guids.excerpt_guid(e["id"])] = e["text"]
        refused = get("viewer", "/api/export.qdpx?audience=internal")
        assert refused.status_code == 403 and "audience" in refused.json()["error"]["fields"]
        assert "for" in get("editor", "/api/export.qdpx?for=word").json()["error"]["fields"]
        team = zipfile.ZipFile(io.BytesIO(get("editor", "/api/export.qdpx").content))
        assert _qde(team).find("q:Notes", NS) is not None  # an editor's default: the team's
    everything = _all_bytes(answer.content)
    for word in (*MASKED, *SECRET_WORDS):
        assert word.encode() not in everything, word
    zf = zipfile.ZipFile(io.BytesIO(answer.content))
    root = _qde(zf)
    assert root.find("q:Notes", NS) is None and root.find(".//q:NoteRef", NS) is None
    variables = {v.get("name") for v in root.iterfind("q:Variables/q:Variable", NS)}
    assert "people" not in variables and {"type", "date", "consent", "fields"} <= variables
    # Each selection is the words a viewer reads, placed on the text a viewer reads.
    assert _selections(zf, root) == shown
    assert any("Person A" in words for words in shown.values())
    sources = {s.get("guid") for s in root.iterfind("q:Sources/q:TextSource", NS)}
    assert guids.record_guid(project_data["ids"]["internal"]) not in sources
    assert guids.record_guid(project_data["ids"]["anon"]) in sources


def test_the_command_line_export_for_outside_the_team_matches_the_api(project_data, tmp_path):
    zf, _ = _export(project_data["dir"], tmp_path / "out.qdpx", "--audience", "external",
                    "--type", "family_story")  # fmt: skip
    everything = _all_bytes((tmp_path / "out.qdpx").read_bytes())
    for word in (*MASKED, *SECRET_WORDS):
        assert word.encode() not in everything, word
    root = _qde(zf)
    names = [s.get("name") for s in root.iterfind("q:Sources/q:TextSource", NS)]
    assert sorted(names) == ["Laughing at the café", "Person A at the group"]


def test_each_tool_gets_positions_and_line_ends_as_it_counts_them(project_data, tmp_path):
    made = project_data["excerpts"]
    guid = guids.excerpt_guid(made["emoji"]["id"])
    words = made["emoji"]["text"]  # after the emoji, across the line end
    assert "\n" in words and "😀" in project_data_body(project_data)
    standard = {}
    for tool in ("", "qualcoder", "nvivo", "atlas", "maxqda"):
        zf, _ = _export(project_data["dir"], tmp_path / f"{tool or 'std'}.qdpx",
                        *(("--for", tool) if tool else ()))  # fmt: skip
        root = _qde(zf)
        source = zf.read(f"sources/{guids.record_guid(project_data['ids']['public'])}.txt")
        sel = root.find(f".//q:PlainTextSelection[@guid='{guid}']", NS)
        where = (int(sel.get("startPosition")), int(sel.get("endPosition")))
        if tool == "nvivo":  # the emoji before the passage counts two
            assert _selections(zf, root, "utf-16")[guid] == words
            assert where == (standard["pos"][0] + 1, standard["pos"][1] + 1)
        elif tool == "maxqda":  # CRLF line ends, positions counted on them
            assert b"\r\n" in source and b"\n" not in source.replace(b"\r\n", b"")
            assert _selections(zf, root)[guid] == words.replace("\n", "\r\n")
        else:  # the standard, QualCoder and ATLAS.ti: code points of the text as stored
            assert b"\r" not in source
            assert _selections(zf, root)[guid] == words
            standard.setdefault("pos", where)
            assert where == standard["pos"]


def project_data_body(project_data) -> str:
    with Evidence(project_data["dir"]) as ev:
        return ev.store.get(project_data["ids"]["public"]).body


def test_atlas_counts_a_crlf_as_one_and_nvivo_an_emoji_as_two() -> None:
    """A body is stored with LF line ends (a CRLF sent becomes LF), so ATLAS.ti's rule is
    checked on a text that holds one."""
    text = "a\r\nb😀c"
    for tool, expected in (("atlas", [0, 1, 2, 2, 3, 4, 5]), ("nvivo", [0, 1, 2, 3, 4, 6, 7]),
                           (None, [0, 1, 2, 3, 4, 5, 6])):  # fmt: skip
        shown, place = placed(text, tool)
        assert shown == text and [place(p) for p in range(len(text) + 1)] == expected
    shown, place = placed("a\nb", "maxqda")
    assert shown == "a\r\nb" and [place(p) for p in range(4)] == [0, 1, 3, 4]


def test_bad_requests_are_refused_naming_the_option(project_data, tmp_path) -> None:
    out = tmp_path / "x.qdpx"
    wrong = wm2u(project_data["dir"], "export", "--format", "qdpx", "--out", str(out),
                 "--for", "word")  # fmt: skip
    assert wrong.returncode == 2 and "--for" in wrong.stderr and not out.exists()
    mixed = wm2u(project_data["dir"], "export", "--format", "json", "--out", str(out),
                 "--audience", "external")  # fmt: skip
    assert mixed.returncode == 1 and "format" in mixed.stderr and not out.exists()
    assert "Traceback" not in mixed.stderr + wrong.stderr


def test_text_an_older_version_let_in_is_written_without_what_xml_cannot_hold(tmp_path):
    """A code's name and a memo with control characters (the API let them in before): both
    exports are still valid, and the API now drops them from a code's name."""
    data_dir = tmp_path / "instance"
    initialise(data_dir)
    with Evidence(data_dir) as ev:
        record = ev.create(record_data(consent="public", people=[]), "t").id
        coding.add_code(ev.store, Code("odd", "Odd\x01name", description="a\x02b"), str(uuid4()))
        made = _code(ev, record, "breakfast club", ["odd"], memo="memo")
        with ev.store.write() as conn:
            conn.execute("UPDATE excerpts SET memo = ? WHERE id = ?", ["me\x03mo", made["id"]])
        accounts.add_user(ev.store, "editor", "editor", PASSWORD)
        token = accounts.create_token(ev.store, "editor")
    zf, _ = _export(data_dir, tmp_path / "p.qdpx")
    root = _qde(zf)
    assert root.find(".//q:Code[@name='Oddname']", NS) is not None
    assert root.find("q:Notes/q:Note/q:PlainTextContent", NS).text == "memo"
    ok(wm2u(data_dir, "codes", "export", "--out", str(tmp_path / "c.qdc")))
    assert b"Oddname" in (tmp_path / "c.qdc").read_bytes()
    with served(make_app(data_dir)) as base:
        headers = {"Authorization": f"Bearer {token}"}
        made = requests.post(f"{base}/api/codes", headers=headers, timeout=30,
                             json={"id": "tabbed", "name": "Tab\x01bed"})  # fmt: skip
        assert made.status_code == 201 and made.json()["name"] == "Tabbed"
        assert requests.get(f"{base}/api/codes/export.qdc", headers=headers,
                            timeout=30).status_code == 200  # fmt: skip
