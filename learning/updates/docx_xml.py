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

from evidence.validate import UNHOLDABLE

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
_NOT_XML = re.compile(f"[{UNHOLDABLE}]")  # what XML forbids
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
    header: _Row,
    rows: Sequence[Sequence[object]],
    text: Callable[[object], str] = str,
    right: Sequence[int] = (),
    style: str | None = None,
    bold_first: bool = False,
    multiline: bool = False,
) -> str:
    """Plain-text rows as WordprocessingML; ``text`` makes each value a string. Columns
    ``right`` are right-aligned (numbers); ``style`` is the cells' paragraph style id;
    ``bold_first`` sets the first column in bold; ``multiline``: a value may be a list of
    lines (a ``(text, True)`` line is bold).

    A cell is as wide as the table grid's column (a fixed-layout table), so the rows carry
    no cell properties: the annex of a year's update has tens of thousands of them."""
    del header  # the grid, not the header row, shapes the cells
    style_xml = f'<w:pStyle w:val="{escape(style)}"/>' if style else ""
    starts = []
    for n in range(len(rows[0]) if rows else 0):
        jc = '<w:jc w:val="right"/>' if n in right else ""
        ppr = f"<w:pPr>{style_xml}{jc}</w:pPr>" if style_xml or jc else ""
        rpr = "<w:rPr><w:b/></w:rPr>" if bold_first and n == 0 else ""
        starts.append(f'<w:tc><w:p>{ppr}<w:r>{rpr}<w:t xml:space="preserve">')
    end = "</w:t></w:r></w:p></w:tc>"
    between = "</w:t></w:r></w:p>"

    def cell(start: str, value: object) -> str:
        if not isinstance(value, (list, tuple)):
            return f"{start}{escape(text(value))}{end}"
        # Several lines: a paragraph each, shaped like the first; a (text, True) pair is bold.
        paragraph = start[start.index("<w:p>") :]
        parts = []
        for item in value:
            line, bold = item if isinstance(item, tuple) else (item, False)
            opening = paragraph
            if bold and "<w:b/>" not in paragraph:
                if "<w:r><w:rPr>" in paragraph:
                    opening = paragraph.replace("<w:r><w:rPr>", "<w:r><w:rPr><w:b/>", 1)
                else:
                    opening = paragraph.replace("<w:r>", "<w:r><w:rPr><w:b/></w:rPr>", 1)
            parts.append(f"{opening}{escape(text(line))}{between}")
        return start[: start.index("<w:p>")] + "".join(parts) + "</w:tc>"

    if multiline:  # tall rows may run on to the next page rather than leave a gap
        xml = "".join(
            "<w:tr>"
            + "".join(cell(start, value) for start, value in zip(starts, row, strict=True))
            + "</w:tr>"
            for row in rows
        )
    else:  # the annex's tens of thousands of rows: one format of them all
        xml = _plain_rows(rows, text, starts, end)
    if not _xml_safe(xml):  # refused as lxml refuses it, rather than a document Word can't open
        raise ValueError("All strings must be XML compatible: no surrogates, U+FFFE or U+FFFF")
    return xml


def _plain_rows(
    rows: Sequence[Sequence[object]], text: Callable[[object], str], starts: list[str], end: str
) -> str:
    """Rows of one-line cells: every value escaped at once, then one format of all the rows
    (a string per cell and a join per row took most of a second for a year's annex)."""
    width = len(starts)
    if any(len(row) != width for row in rows):
        raise ValueError(f"every row must have {width} cells")
    values = [text(value) for row in rows for value in row]
    joined = "\x00".join(values)
    if values and joined.count("\x00") != len(values) - 1:  # XML can hold no NUL
        raise ValueError("All strings must be XML compatible: no NUL or control characters")
    escaped = escape(joined).split("\x00") if values else []
    row = "".join(f"{start}%s{end}" for start in (s.replace("%", "%%") for s in starts))
    row = f"<w:tr><w:trPr><w:cantSplit/></w:trPr>{row}</w:tr>"
    return (row * len(rows)) % tuple(escaped)


def _xml_safe(text: str) -> bool:
    """Whether XML may hold the text: no lone surrogate, no U+FFFE or U+FFFF. (A regular
    expression over the annex's megabytes takes half a second; these take milliseconds.)"""
    if "\ufffe" in text or "\uffff" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def set_table_look(table: Table, first_column: bool = False, banded_rows: bool = True) -> None:
    """Which parts of the table style apply: always the header row; the first column's
    emphasis and banded rows as asked (``w:tblLook``)."""
    tbl_pr = table._tbl.tblPr
    look = tbl_pr.find(qn("w:tblLook"))
    if look is None:
        look = OxmlElement("w:tblLook")
        tbl_pr.append(look)
    flags = {
        "firstRow": True,
        "lastRow": False,
        "firstColumn": first_column,
        "lastColumn": False,
        "noHBand": not banded_rows,
        "noVBand": True,
    }
    value = 0x0020 if flags["firstRow"] else 0
    value |= 0x0080 if first_column else 0
    value |= 0x0200 if not banded_rows else 0
    value |= 0x0400
    look.set(qn("w:val"), f"{value:04X}")
    for key, on in flags.items():
        look.set(qn(f"w:{key}"), "1" if on else "0")


def set_cell_margins(table: Table, left_right_twips: int = 70, top_bottom_twips: int = 20) -> None:
    """The space inside every cell of a table (twentieths of a point)."""
    tbl_pr = table._tbl.tblPr
    margins = tbl_pr.find(qn("w:tblCellMar"))
    if margins is None:
        margins = OxmlElement("w:tblCellMar")
        tbl_pr.append(margins)
    for side, value in (
        ("top", top_bottom_twips),
        ("left", left_right_twips),
        ("bottom", top_bottom_twips),
        ("right", left_right_twips),
    ):
        element = OxmlElement(f"w:{side}")
        element.set(qn("w:w"), str(value))
        element.set(qn("w:type"), "dxa")
        margins.append(element)


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
            # The rows are tens of megabytes for a year: the fastest deflate is a third of
            # the default's time and a little larger.
            level = 1 if len(data) > 1 << 20 else None
            package.writestr(info, data, compresslevel=level)
    return out.getvalue()


# Fonts


_THEME_FONTS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


def set_document_font(document: DocumentObject, name: str) -> None:
    """One font for the whole document: the defaults and every style, theme fonts dropped
    (the template's theme fonts are ones LibreOffice may not have)."""
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    targets = list(styles.iter(qn("w:rFonts")))
    if defaults is not None and not list(defaults.iter(qn("w:rFonts"))):
        rpr_default = defaults.find(qn("w:rPrDefault"))
        if rpr_default is not None:
            rpr = rpr_default.find(qn("w:rPr"))
            if rpr is None:
                rpr = OxmlElement("w:rPr")
                rpr_default.append(rpr)
            fonts = OxmlElement("w:rFonts")
            rpr.insert(0, fonts)
            targets.append(fonts)
    for fonts in targets:
        for attribute in _THEME_FONTS:
            fonts.attrib.pop(qn(attribute), None)
        for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            fonts.set(qn(attribute), name)


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
    entries: Sequence[tuple[int, str]] = (),
) -> Paragraph:
    """A paragraph holding a table-of-contents field over headings of ``levels``, with
    hyperlinked entries. Word fills it when the document is opened (LibreOffice on update);
    until then it shows ``shown``, or ``entries`` ((level, heading text), one paragraph each
    in the style "TOC n", which must exist) when they are given."""
    paragraph = document.add_paragraph()
    if not entries:
        _field(paragraph, f'TOC \\o "{levels}" \\h \\z \\u', shown, dirty=True)
        return paragraph
    _field(paragraph, f'TOC \\o "{levels}" \\h \\z \\u', "", dirty=True)
    p = paragraph._p
    # The field's result runs on into the entries' paragraphs; its end closes the last one.
    end = p[-1]
    p.remove(end)
    p.remove(p[-1])  # the empty result run
    last = paragraph
    for n, (level, text) in enumerate(entries):
        entry = paragraph if n == 0 else document.add_paragraph()
        set_style_id(entry, f"TOC{level}")
        entry.add_run(text)
        last = entry
    last._p.append(end)
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
