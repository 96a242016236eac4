"""Attachments in REFI-QDA projects, through the command line: the demo's PDF, transcript and
photo as sources of their own (the team's export, and what goes outside the team), and
another tool's PDF source brought in as a record holding the file.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import shutil
import sqlite3
import zipfile
from pathlib import Path

import pytest
import xmlschema
from lxml import etree

from learning.demo.report import report_pdf
from tests import refi_projects as rp
from tests.test_hardening_support import ok, wm2u

pytestmark = pytest.mark.filterwarnings("error")

SCHEMA = Path(__file__).resolve().parent.parent / "learning/refi/schemas/Project-mrt2019.xsd"
NS = {"q": "urn:QDA-XML:project:1.0"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("demo") / "instance"
    ok(wm2u(data_dir, "init"))
    ok(wm2u(data_dir, "demo"))
    return data_dir


def _db(data_dir: Path, sql: str) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(data_dir / "wm2u.db")) as conn:
        return conn.execute(sql).fetchall()


def _export(data_dir: Path, out: Path, *args: str) -> tuple[zipfile.ZipFile, etree._Element]:
    ok(wm2u(data_dir, "export", "--format", "qdpx", "--out", str(out), *args))
    zf = zipfile.ZipFile(out)
    data = zf.read("project.qde")
    errors = [str(e)[:300] for e in xmlschema.XMLSchema(SCHEMA).iter_errors(io.BytesIO(data))]
    assert errors == []
    return zf, etree.fromstring(data)


def _member(zf: zipfile.ZipFile, path: str) -> bytes:
    return zf.read("sources/" + path.removeprefix("internal://"))


def _words(zf: zipfile.ZipFile, element: etree._Element) -> list[str]:
    text = _member(zf, element.get("plainTextPath")).decode("utf-8")
    return sorted(text[int(s.get("startPosition")) : int(s.get("endPosition"))]
                  for s in element.iterfind("q:PlainTextSelection", NS))  # fmt: skip


def _files(data_dir: Path) -> dict[str, tuple]:
    rows = _db(data_dir, "SELECT name, id, kind, sha256, consent, text, record_id "
                         "FROM attachments")  # fmt: skip
    return {row[0]: row[1:] for row in rows}


def _passages(data_dir: Path, attachment_id: str) -> list[str]:
    return sorted(row[0] for row in _db(
        data_dir, f"SELECT text FROM excerpts WHERE source = 'attachment:{attachment_id}'"))  # fmt: skip


def test_the_teams_project_holds_each_attachment_as_a_source_of_its_own(demo, tmp_path):
    zf, root = _export(demo, tmp_path / "team.qdpx")
    files = _files(demo)
    by_name = {s.get("name"): s for s in root.iterfind("q:Sources/*", NS)}
    pdf = by_name["VBLE evaluation report.pdf"]
    assert etree.QName(pdf).localname == "PDFSource"
    assert hashlib.sha256(_member(zf, pdf.get("path"))).hexdigest() == files[pdf.get("name")][2]
    representation = pdf.find("q:Representation", NS)
    text = _member(zf, representation.get("plainTextPath")).decode("utf-8")
    assert text == files[pdf.get("name")][4]
    assert _words(zf, representation) == _passages(demo, files[pdf.get("name")][0])
    photo = by_name["Flipchart.jpg"]
    assert etree.QName(photo).localname == "PictureSource"
    assert _member(zf, photo.get("path"))[:2] == b"\xff\xd8"
    transcript = by_name["Café conversation transcript.md"]
    assert etree.QName(transcript).localname == "TextSource"
    assert _words(zf, transcript) == _passages(demo, files[transcript.get("name")][0])
    # Each names its record's source, so an import puts it back there.
    variables = {v.get("guid"): v.get("name") for v in root.iterfind(".//q:Variable", NS)}
    record_sources = {s.get("guid") for s in root.iterfind("q:Sources/q:TextSource", NS)}
    for source in (pdf, photo, transcript):
        values = {variables[v.find("q:VariableRef", NS).get("targetGUID")]: v[1].text
                  for v in source.iterfind("q:VariableValue", NS)}  # fmt: skip
        assert values["attachment_of"] in record_sources
        assert values["id"] == files[source.get("name")][0]


def test_outside_the_team_an_internal_file_is_left_out_an_anonymised_one_is_its_text(
    demo, tmp_path
):
    zf, root = _export(demo, tmp_path / "out.qdpx", "--audience", "external")
    files = _files(demo)
    by_name = {s.get("name"): s for s in root.iterfind("q:Sources/*", NS)}
    assert "Flipchart.jpg" not in by_name  # internal: not its name, not its bytes
    photo_id, _kind, photo_sha, *_ = files["Flipchart.jpg"]
    everything = b"".join(zf.read(n) for n in zf.namelist())
    assert not any(n.endswith(".jpg") for n in zf.namelist())
    assert photo_id.encode() not in everything
    # The anonymised transcript: its redacted text only, the passages counted on it.
    transcript = by_name["Café conversation transcript.md"]
    assert transcript.get("richTextPath") is None
    record_id = files["Café conversation transcript.md"][5]
    people = json.loads(_db(demo, f"SELECT people FROM records WHERE id = '{record_id}'")[0][0])
    text = _member(zf, transcript.get("plainTextPath")).decode("utf-8")
    assert people and "Person A" in text
    shown = text.encode() + etree.tostring(transcript)  # other records may name them
    for name in people:
        for word in name.split():
            assert word.encode() not in shown, word
    assert _words(zf, transcript) == _passages(demo, files[transcript.get("name")][0])
    # The public report goes with its file.
    pdf = by_name["VBLE evaluation report.pdf"]
    assert hashlib.sha256(_member(zf, pdf.get("path"))).hexdigest() == files[pdf.get("name")][2]


PDF_GUID = "5a000000-0000-4000-8000-0000000000f1"
NOT_PDF_GUID = "5a000000-0000-4000-8000-0000000000f2"


def _pdf_project(tmp_path: Path, text: str, *selections: str) -> Path:
    rep = "5a000000-0000-4000-8000-0000000000f3"
    values = "".join(f'<VariableValue><VariableRef targetGUID="{rp.variable_guid(k)}"/>'
                     f"<TextValue>{v}</TextValue></VariableValue>"
                     for k, v in {"type": "vble_evaluation", "date": "2024-06-01",
                               "indicators": "SO1.1"}.items())  # fmt: skip
    sources = (
        f'<PDFSource guid="{PDF_GUID}" name="Their report.pdf" path="internal://{PDF_GUID}.pdf">'
        f'<Representation guid="{rep}" plainTextPath="internal://{rep}.txt">'
        f"{''.join(selections)}</Representation>{values}</PDFSource>"
        f'<PDFSource guid="{NOT_PDF_GUID}" name="Fake.pdf" path="internal://fake.pdf">'
        f"{values}</PDFSource>"
    )
    xml = rp.project(sources)
    return rp.qdpx(tmp_path / "p.qdpx", xml, {f"sources/{PDF_GUID}.pdf": report_pdf(),
                                             f"sources/{rep}.txt": text,
                                             "sources/fake.pdf": "not a PDF at all"})  # fmt: skip


def test_another_tools_pdf_becomes_a_record_holding_the_file(tmp_path):
    data_dir = tmp_path / "instance"
    ok(wm2u(data_dir, "init"))
    kept = _report_text(tmp_path)
    words = "I'm the expert on my own family"
    at = kept.replace("\n", " ").index(words)
    # The tool's text is a little off from ours (one more character first): the words
    # are found again; words the file's text does not hold are reported.
    given = "X" + kept
    path = _pdf_project(tmp_path, given,
                        rp.selection(PDF_GUID[:-2] + "a1", at + 1, at + 1 + len(words),
                                     rp.CODE_RENT),
                        rp.selection(PDF_GUID[:-2] + "a2", 0, 1, rp.CODE_RENT))  # fmt: skip
    result = ok(wm2u(data_dir, "import", str(path)))
    assert "Attachments: 1 imported" in result.stderr
    assert "'Fake.pdf'" in result.stderr and "refused" in result.stderr
    assert "a2 of source 'Their report.pdf'" in result.stderr
    [(name, attachment_id, kind, sha256, _consent, text, record_id)] = [
        (n, *rest) for n, rest in _files(data_dir).items()]  # fmt: skip
    assert (name, kind, sha256) == ("Their report.pdf", "pdf",
                                    hashlib.sha256(report_pdf()).hexdigest())  # fmt: skip
    [(title, kind_of_record)] = _db(data_dir, f"SELECT title, type FROM records "
                                              f"WHERE id = '{record_id}'")  # fmt: skip
    assert (title, kind_of_record) == ("Their report.pdf", "vble_evaluation")
    [(passage,)] = _db(data_dir, f"SELECT text FROM excerpts WHERE source = "
                                 f"'attachment:{attachment_id}'")  # fmt: skip
    assert passage.replace("\n", " ") == words and text == kept
    again = ok(wm2u(data_dir, "import", str(path)))
    assert "Imported 0 record(s), 0 excerpt(s)" in again.stderr
    assert "Attachments: 0 imported, 1 already present." in again.stderr


def _report_text(tmp_path: Path) -> str:
    """The report's text as the attachments door reads it."""
    from learning.attachments.files import prepare

    return prepare(report_pdf(), "r.pdf").text


def test_an_attachment_arriving_later_joins_its_record(tmp_path):
    """A second project holding a source already imported and, new, a text attachment of it
    (our `attachment_of`): the attachment goes on that record, no wider than it, a passage on
    it is kept, and a third import changes nothing."""
    data_dir = tmp_path / "instance"
    ok(wm2u(data_dir, "init"))
    record, note = "5a000000-0000-4000-8000-0000000000e1", "5a000000-0000-4000-8000-0000000000e2"
    ours = {"type": "family_story", "date": "2024-05-01", "indicators": "SO1.1",
            "consent": "anonymised"}  # fmt: skip
    text = "Our rent went up in May.\nWe asked the council for help."
    first = rp.source(record, "Rent went up", path=f"internal://{record}.txt", variables=ours)
    ok(wm2u(data_dir, "import", str(rp.qdpx(tmp_path / "1.qdpx", rp.project(first),
                                             {f"sources/{record}.txt": text}))))  # fmt: skip
    notes = "Ptarmigan worries: the boiler broke in March."
    later = rp.source(note, "Worker notes.txt",
                      rp.selection(note[:-2] + "f1", 0, 17, rp.CODE_RENT),
                      path=f"internal://{note}.txt",
                      variables={"attachment_of": record, "consent": "public"})  # fmt: skip
    project = rp.project(first, later).replace(
        "</Variables>", f'<Variable guid="{rp.variable_guid("attachment_of")}" '
        'name="attachment_of" typeOfVariable="Text"/></Variables>')  # fmt: skip
    path = rp.qdpx(tmp_path / "2.qdpx", project, {f"sources/{record}.txt": text,
                                                   f"sources/{note}.txt": notes})  # fmt: skip
    result = ok(wm2u(data_dir, "import", str(path)))
    assert "Attachments: 1 imported" in result.stderr
    [(name, _id, kind, _sha, consent, kept, record_id)] = [
        (n, *rest) for n, rest in _files(data_dir).items()]  # fmt: skip
    # Its consent is no wider than its record's.
    assert (name, kind, consent, kept) == ("Worker notes.txt", "text", "anonymised", notes)
    assert _passages(data_dir, _id) == ["Ptarmigan worries"]
    assert _db(data_dir, f"SELECT title FROM records WHERE id = '{record_id}'") == [
        ("Rent went up",)]  # fmt: skip
    again = ok(wm2u(data_dir, "import", str(path)))
    assert "Attachments: 0 imported, 1 already present." in again.stderr


def test_a_file_missing_from_the_data_folder_goes_as_its_text_and_is_said(demo, tmp_path):
    data_dir = tmp_path / "copy"
    shutil.copytree(demo, data_dir)
    files = _files(data_dir)
    (data_dir / "files" / files["VBLE evaluation report.pdf"][2][:2]
     / files["VBLE evaluation report.pdf"][2]).unlink()  # fmt: skip
    result = wm2u(data_dir, "export", "--format", "qdpx", "--out", str(tmp_path / "p.qdpx"))
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert "1 attachment(s) without their file" in result.stderr
    zf, root = _export(data_dir, tmp_path / "p.qdpx")
    by_name = {s.get("name"): s for s in root.iterfind("q:Sources/*", NS)}
    report = by_name["VBLE evaluation report.pdf"]
    assert etree.QName(report).localname == "TextSource"
    assert _words(zf, report) == _passages(data_dir, files["VBLE evaluation report.pdf"][0])
