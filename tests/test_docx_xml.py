"""The one module of raw WordprocessingML: the python-docx private names it relies on exist,
and each helper's XML reaches the saved .docx."""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib

import pytest
from docx import Document
from docx.oxml.shape import CT_Inline
from docx.oxml.table import CT_Row
from docx.oxml.text.paragraph import CT_P
from docx.shape import InlineShape
from docx.table import Table, _Row
from docx.text.paragraph import Paragraph
from hypothesis import given, settings
from hypothesis import strategies as st

from learning.updates import docx_xml
from learning.updates.wording import clean


def png() -> bytes:
    """A 1×1 white PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def parts(doc) -> dict[str, str]:
    saved = io.BytesIO()
    doc.save(saved)
    with zipfile.ZipFile(saved) as archive:
        return {
            name: archive.read(name).decode("utf-8")
            for name in archive.namelist()
            if name.endswith(".xml")
        }


def test_every_private_name_relied_on_exists_in_the_installed_python_docx():
    doc = Document()
    paragraph = doc.add_paragraph("x")
    table = doc.add_table(rows=1, cols=2)
    picture = doc.add_picture(io.BytesIO(png()))
    objects = {
        "Paragraph": paragraph,
        "CT_P": paragraph._p,
        "_Row": table.rows[0],
        "CT_Row": table.rows[0]._tr,
        "Table": table,
        "InlineShape": picture,
        "CT_Inline": picture._inline,
    }
    classes = {
        "Paragraph": Paragraph,
        "CT_P": CT_P,
        "_Row": _Row,
        "CT_Row": CT_Row,
        "Table": Table,
        "InlineShape": InlineShape,
        "CT_Inline": CT_Inline,
    }
    assert set(docx_xml.RELIED_ON) == set(objects)
    for owner, names in docx_xml.RELIED_ON.items():
        assert isinstance(objects[owner], classes[owner]), owner
        for name in names:
            assert hasattr(objects[owner], name), f"python-docx {owner}.{name} is gone"


def test_style_id_sets_the_paragraph_style():
    doc = Document()
    paragraph = doc.add_paragraph("A heading")
    docx_xml.set_style_id(paragraph, "Heading2")
    assert paragraph.style.name == "Heading 2"
    assert '<w:pStyle w:val="Heading2"/>' in parts(doc)["word/document.xml"]


def test_repeat_table_header_once_per_row():
    doc = Document()
    table = doc.add_table(rows=2, cols=2)
    docx_xml.set_repeat_table_header(table.rows[0])
    docx_xml.set_repeat_table_header(table.rows[0])  # idempotent
    xml = parts(doc)["word/document.xml"]
    assert xml.count('<w:tblHeader w:val="true"/>') == 1
    first_row = xml[xml.index("<w:tr") : xml.index("</w:tr>")]
    assert "<w:tblHeader" in first_row


def test_table_rows_written_as_text_at_their_marker():
    doc = Document()
    table = doc.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Name"
    table.rows[0].cells[1].text = "Count"
    docx_xml.mark_rows(table, 0)
    rows = docx_xml.rows_xml(table.rows[0], [("a < b", 1), ("café", 22)])
    data = docx_xml.save_with_rows(doc, [rows])
    reopened = Document(io.BytesIO(data))
    cells = [[c.text for c in row.cells] for row in reopened.tables[0].rows]
    assert cells == [["Name", "Count"], ["a < b", "1"], ["café", "22"]]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert b"wm2u-rows" not in archive.read("word/document.xml")
    with pytest.raises(ValueError, match="XML compatible"):
        docx_xml.rows_xml(table.rows[0], [("bad \ufffe", 1)])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.text(max_size=12), st.text(max_size=12), st.integers()), max_size=8),
    st.sampled_from([(), (2,), (0, 2)]),
)
def test_table_rows_read_back_as_written(rows, right):
    """Every value comes back from the saved document as given (escaped once, in its
    place), whatever characters it holds once cleaned as the writer cleans it: markup,
    ampersands, percent signs."""
    rows = [(clean(a), clean(b), c) for a, b, c in rows if docx_xml._xml_safe(a + b)]
    doc = Document()
    table = doc.add_table(rows=1, cols=3)
    docx_xml.mark_rows(table, 0)
    xml = docx_xml.rows_xml(table.rows[0], rows, right=right, style="TableSmall")
    reopened = Document(io.BytesIO(docx_xml.save_with_rows(doc, [xml])))
    got = [[c.text for c in row.cells] for row in reopened.tables[0].rows[1:]]
    assert got == [[a, b, str(c)] for a, b, c in rows]


def test_table_rows_must_all_be_as_wide():
    doc = Document()
    table = doc.add_table(rows=1, cols=2)
    with pytest.raises(ValueError, match="2 cells"):
        docx_xml.rows_xml(table.rows[0], [("a", "b"), ("c",)])


def test_toc_field_in_the_document():
    doc = Document()
    doc.add_heading("Title", 0)
    toc = docx_xml.add_toc_field(doc, levels="1-2")
    doc.add_heading("Summary", 1)
    xml = parts(doc)["word/document.xml"]
    assert re.search(r'<w:fldChar w:fldCharType="begin" w:dirty="true"/>', xml)
    assert '<w:instrText xml:space="preserve"> TOC \\o "1-2" \\h \\z \\u </w:instrText>' in xml
    assert xml.index('w:fldCharType="separate"') < xml.index('w:fldCharType="end"')
    assert "Update this field to show the table of contents." in toc.text


def test_page_number_field_in_the_footer():
    doc = Document()
    doc.add_paragraph("Body")
    paragraph = docx_xml.add_page_number_field(doc.sections[0])
    assert paragraph.text == "1"
    found = parts(doc)
    footers = [xml for name, xml in found.items() if name.startswith("word/footer")]
    assert len(footers) == 1
    footer = footers[0]
    assert '<w:instrText xml:space="preserve"> PAGE </w:instrText>' in footer
    assert '<w:fldChar w:fldCharType="begin"/>' in footer
    assert '<w:jc w:val="center"/>' in footer
    assert "footerReference" in found["word/document.xml"]


def test_picture_alt_text_on_doc_pr():
    doc = Document()
    picture = doc.add_picture(io.BytesIO(png()))
    docx_xml.set_picture_alt_text(picture, 'Records per indicator & "change"', title="Chart")
    xml = parts(doc)["word/document.xml"]
    doc_pr = re.search(r"<wp:docPr [^>]*/>", xml)
    assert doc_pr is not None
    assert 'descr="Records per indicator &amp; &quot;change&quot;"' in doc_pr[0]
    assert 'title="Chart"' in doc_pr[0]
    with pytest.raises(ValueError, match="XML compatible"):
        docx_xml.set_picture_alt_text(picture, "bad \ud800")


def test_the_learning_update_uses_the_helpers():
    from learning.framework import parse
    from learning.updates import render_docx
    from tests.test_learning_update import FRAMEWORK_YAML, corpus, make

    data = render_docx(make(parse(FRAMEWORK_YAML), corpus()))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("word/document.xml").decode("utf-8")
    tables = xml.count("<w:tbl>")
    assert tables >= 4
    assert xml.count('<w:tblHeader w:val="true"/>') == tables  # every header row repeats
    assert "wm2u-rows" not in xml  # every table's rows written in
    assert '<w:pStyle w:val="Heading1"/>' in xml
