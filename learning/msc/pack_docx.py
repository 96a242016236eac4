"""The panel pack as a Word document: the round on the first page, then each domain from a new
page, its candidates in a numbered table with a column for votes, and a box for the reasons."""

from __future__ import annotations

import io

from docx.document import Document as DocumentObject
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.shared import Mm, Pt
from docx.table import Table

from learning.updates.docx_writer import ACCENT, FONT, a4_document
from learning.updates.docx_xml import set_document_font, set_repeat_table_header
from learning.updates.wording import clean

from .pack import REASON_LINES, VOTE_LINES, Domain, Pack, how_many

BODY_PT = 11.0  # read aloud round a table: larger than an update's 9 pt
BLANK = "_" * 74  # a line to write on, the width of the box
WIDTHS = (Mm(14), Mm(120), Mm(40))  # number, story, votes: the text width of A4 less margins


def _styles(doc: DocumentObject) -> None:
    set_document_font(doc, FONT)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    normal.paragraph_format.space_after = Pt(4)
    for level, size in ((0, 20), (1, 15), (2, 12)):
        heading = doc.styles["Title" if level == 0 else f"Heading {level}"]
        heading.font.size = Pt(size)
        heading.font.color.rgb = ACCENT
        heading.paragraph_format.keep_with_next = True


def _facts(doc: DocumentObject, pack: Pack) -> None:
    for label, value in (("Level", pack.level), ("Period", pack.period), ("Panel", pack.panel)):
        para = doc.add_paragraph()
        para.add_run(f"{label}: ").bold = True
        para.add_run(clean(value))
    question = doc.add_paragraph(style="Intense Quote")
    question.add_run("The question: ").bold = True
    question.add_run(clean(pack.question))
    doc.add_paragraph(
        "Read the stories in each domain. Each is numbered; note the votes for it in its box. "
        "Then choose the most significant change in the domain and write down, in full "
        "sentences, why the panel chose it, and any view that differed. Names have been "
        "replaced as they are for anyone outside the team."
    )
    if not pack.domains:
        doc.add_paragraph().add_run("No stories have been put forward yet.").bold = True
    if pack.empty:
        doc.add_paragraph(f"No stories were put forward in: {', '.join(pack.empty)}.")


def _width(table: Table) -> None:
    table.autofit = False
    for n, width in enumerate(WIDTHS):
        table.columns[n].width = width
        for cell in table.columns[n].cells:
            cell.width = width


def _candidates(doc: DocumentObject, domain: Domain) -> None:
    table = doc.add_table(rows=1, cols=3)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, head in zip(table.rows[0].cells, ("No.", "Story", "Votes"), strict=True):
        cell.paragraphs[0].add_run(head).bold = True
    set_repeat_table_header(table.rows[0])
    for c in domain.candidates:
        number, story, _votes = table.add_row().cells
        run = number.paragraphs[0].add_run(str(c.number))
        run.bold, run.font.size, run.font.color.rgb = True, Pt(20), ACCENT
        story.paragraphs[0].add_run(clean(c.title)).bold = True
        where = f", {c.locality}" if c.locality else ""
        story.add_paragraph(clean(f"{c.date}{where}")).runs[0].italic = True
        if c.what_changed:
            para = story.add_paragraph()
            para.add_run("What changed: ").bold = True
            para.add_run(clean(c.what_changed))
        for line in (c.story or "").splitlines():
            if line.strip():
                story.add_paragraph(clean(line))
    _width(table)


def _reasons_box(doc: DocumentObject, domain: Domain) -> None:
    doc.add_paragraph()
    box = doc.add_table(rows=1, cols=1)
    box.style = doc.styles["Table Grid"]
    cell = box.rows[0].cells[0]
    cell.paragraphs[0].add_run(clean(f"{domain.name}: the panel's choice")).bold = True
    cell.add_paragraph("Story number chosen: ________    Votes: ________")
    cell.add_paragraph().add_run("Why the panel chose it (in full sentences):").bold = True
    for _ in range(REASON_LINES):
        cell.add_paragraph(BLANK)
    cell.add_paragraph().add_run("A view that differed (if any):").bold = True
    for _ in range(VOTE_LINES):
        cell.add_paragraph(BLANK)
    # The box is one row: keep it whole on a page.
    row = box.rows[0]._tr.get_or_add_trPr()
    row.append(OxmlElement("w:cantSplit"))


def render_docx(pack: Pack) -> bytes:
    """The pack as a .docx file."""
    doc = a4_document()
    _styles(doc)
    doc.core_properties.title = clean(f"Panel pack: {pack.title}")
    doc.core_properties.category = "Most Significant Change panel pack"
    doc.add_heading(clean(f"Panel pack: {pack.title}"), 0)
    _facts(doc, pack)
    for n, domain in enumerate(pack.domains, 1):
        heading = doc.add_heading(clean(f"Domain {n}: {domain.name}"), 1)
        heading.paragraph_format.page_break_before = True
        doc.add_paragraph(
            clean(f"{how_many(len(domain.candidates))} The question: {pack.question}")
        )
        _candidates(doc, domain)
        _reasons_box(doc, domain)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
