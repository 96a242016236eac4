"""Every raw-XML and private-name use of python-docx, in one module.

python-docx (pinned ``>=1.1,<2``) has no public API for a paragraph's style id, a repeating
header row, fields (table of contents, page numbers) or a picture's alt text, and the Word
writer writes large tables' rows as WordprocessingML text. Those reaches live here, behind
helpers with public-looking names; ``tests/test_docx_xml.py`` checks that every private name
listed in :data:`RELIED_ON` exists in the installed python-docx and that each helper's XML
reaches the saved document.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Sequence
from xml.sax.saxutils import escape

from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import Section
from docx.shape import InlineShape
from docx.table import Table, _Row
from docx.text.paragraph import Paragraph
from lxml import etree

# The private names relied on, by owner (checked by tests/test_docx_xml.py).
RELIED_ON: dict[str, tuple[str, ...]] = {
    "Paragraph": ("_p",),
    "CT_P": ("style", "get_or_add_pPr"),
    "_Row": ("_tr",),
    "CT_Row": ("get_or_add_trPr", "tc_lst"),
    "Table": ("_tbl",),
    "InlineShape": ("_inline",),
    "CT_Inline": ("docPr",),
}

_NS_DECLARATION = re.compile(r'\s+xmlns:\w+="[^"]*"')
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")  # what XML forbids
# Where a table's rows go in the saved document: an XML comment, which no text can make.
_MARKER = "wm2u-rows-{}"
_MARKERS = re.compile(rb"<!--wm2u-rows-(\d+)-->")


# Paragraphs


def set_style_id(paragraph: Paragraph, style_id: str) -> None:
    """Give a paragraph a style by its id (a built-in style's name without spaces).

    ``paragraph.style = name`` looks the name up among all ~160 styles of the template for
    every paragraph, a third of the writing time of a large document.
    """
    paragraph._p.style = style_id


# Tables


def set_repeat_table_header(row: _Row) -> None:
    """Make a table row a header row, repeated at the top of every page the table spans."""
    trPr = row._tr.get_or_add_trPr()
    if trPr.find(qn("w:tblHeader")) is None:
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        trPr.append(repeat)


def mark_rows(table: Table, number: int) -> None:
    """Mark where the table's rows number ``number`` go (see :func:`save_with_rows`)."""
    table._tbl.append(etree.Comment(_MARKER.format(number)))


def rows_xml(
    header: _Row, rows: Sequence[Sequence[object]], text: Callable[[object], str] = str
) -> str:
    """Plain-text rows as WordprocessingML, each cell shaped like the ``header`` row's;
    ``text`` makes each value a string."""
    props = [_xml(tc.find(qn("w:tcPr"))) for tc in header._tr.tc_lst]
    starts = [f'<w:tc>{p}<w:p><w:r><w:t xml:space="preserve">' for p in props]
    end = "</w:t></w:r></w:p></w:tc>"
    xml = "".join(
        "<w:tr>"
        + "".join(
            f"{start}{escape(text(value))}{end}" for start, value in zip(starts, row, strict=True)
        )
        + "</w:tr>"
        for row in rows
    )
    if _NOT_XML.search(xml):  # refused as lxml refuses it, rather than a document Word can't open
        raise ValueError("All strings must be XML compatible: no surrogates, U+FFFE or U+FFFF")
    return xml


def _xml(element: etree._Element | None) -> str:
    """An element as XML text, without the namespace declarations it inherits ("" for None)."""
    if element is None:
        return ""
    return _NS_DECLARATION.sub("", etree.tostring(element, encoding="unicode"))


def save_with_rows(doc: DocumentObject, tables: list[str]) -> bytes:
    """The document as .docx bytes, with ``tables[n]`` (from :func:`rows_xml`) written in at
    the marker :func:`mark_rows` left for table ``n``.

    python-docx builds every cell as XML elements and serialises them again: for the appendix
    of a year's update (~50,000 rows) that took seconds; writing the rows as text into the
    saved document.xml takes a fraction of one.
    """
    saved = io.BytesIO()
    doc.save(saved)
    out = io.BytesIO()
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(out, "w") as package:
        for info in source.infolist():  # the same parts, in order, compressed the same way
            data = source.read(info)
            if info.filename == "word/document.xml":
                data = _MARKERS.sub(lambda m: tables[int(m[1])].encode(), data)
            package.writestr(info, data)
    return out.getvalue()


# Fields


def _field(paragraph: Paragraph, instruction: str, shown: str, dirty: bool = False) -> None:
    """A complex field (``instruction``) at the end of the paragraph, showing ``shown`` until
    Word updates it (``dirty``: Word updates it when the document is opened)."""
    p = paragraph._p
    for kind, value in (
        ("begin", None),
        ("instr", f" {instruction} "),
        ("separate", None),
        ("text", shown),
        ("end", None),
    ):
        run = OxmlElement("w:r")
        if kind == "instr":
            child = OxmlElement("w:instrText")
            child.set(qn("xml:space"), "preserve")
            child.text = value
        elif kind == "text":
            child = OxmlElement("w:t")
            child.set(qn("xml:space"), "preserve")
            child.text = value
        else:
            child = OxmlElement("w:fldChar")
            child.set(qn("w:fldCharType"), kind)
            if kind == "begin" and dirty:
                child.set(qn("w:dirty"), "true")
        run.append(child)
        p.append(run)


def add_toc_field(
    document: DocumentObject,
    levels: str = "1-3",
    shown: str = "Update this field to show the table of contents.",
) -> Paragraph:
    """A paragraph holding a table-of-contents field over headings of ``levels``, with
    hyperlinked entries. Word fills it when the document is opened (LibreOffice on update);
    until then it shows ``shown``."""
    paragraph = document.add_paragraph()
    _field(paragraph, f'TOC \\o "{levels}" \\h \\z \\u', shown, dirty=True)
    return paragraph


def add_page_number_field(section: Section, centred: bool = True) -> Paragraph:
    """The page number in the section's footer (a PAGE field), centred by default."""
    footer = section.footer
    footer.is_linked_to_previous = False
    paragraph = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    if centred:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _field(paragraph, "PAGE", "1")
    return paragraph


# Pictures


def set_picture_alt_text(inline_shape: InlineShape, text: str, title: str | None = None) -> None:
    """Alt text on an inline picture (``wp:docPr/@descr``; ``title`` its short title), read
    out by screen readers."""
    if _NOT_XML.search(text) or (title and _NOT_XML.search(title)):
        raise ValueError("All strings must be XML compatible: no surrogates, U+FFFE or U+FFFF")
    doc_pr = inline_shape._inline.docPr
    doc_pr.set("descr", text)
    if title is not None:
        doc_pr.set("title", title)
