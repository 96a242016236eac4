"""Write a Summary as a Word document: real headings, tables, quote styles and the chart."""

from __future__ import annotations

import copy
import io
from collections.abc import Sequence

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Inches, Mm, Pt
from docx.table import Table
from lxml import etree

from . import sentences as say
from .chart import draw_png
from .sections import ActivitySummary, IndicatorSummary, ObjectiveSummary
from .summary import Summary
from .wording import average, clean, long_date, money, number


def _date(value: str) -> str:
    try:
        return long_date(value)
    except ValueError:
        return clean(value)


def _paragraph(doc: DocumentObject, text: str, label: str = "", style: str | None = None) -> None:
    """A paragraph, with an optional bold label before the text."""
    para = doc.add_paragraph(style=style)
    if label:
        para.add_run(label).bold = True
    para.add_run(clean(text))


def _bullets(doc: DocumentObject, items: Sequence[str]) -> None:
    for item in items:
        doc.add_paragraph(clean(item), style="List Bullet")


def _table(doc: DocumentObject, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A table with a bold header row that repeats on every page."""
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    table.rows[0]._tr.get_or_add_trPr().append(repeat)
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    _append_rows(table, rows)
    doc.add_paragraph()


def _append_rows(table: Table, rows: Sequence[Sequence[object]]) -> None:
    """Add plain-text rows as raw XML: python-docx's add_row is quadratic in the row count."""
    widths = [tc.find(qn("w:tcPr")) for tc in table.rows[0]._tr.tc_lst]
    tbl = table._tbl
    for row in rows:
        tr = etree.SubElement(tbl, qn("w:tr"))
        for props, value in zip(widths, row, strict=True):
            tc = etree.SubElement(tr, qn("w:tc"))
            if props is not None:
                tc.append(copy.deepcopy(props))
            run = etree.SubElement(etree.SubElement(tc, qn("w:p")), qn("w:r"))
            text = etree.SubElement(run, qn("w:t"))
            text.text = clean(value)
            text.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")


def render_docx(summary: Summary) -> bytes:
    """The learning update as a .docx file."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(20)
    doc.styles["Normal"].font.size = Pt(11)
    doc.core_properties.title = clean(summary.title)
    doc.add_heading(clean(summary.title), level=0)
    _paragraph(doc, summary.framework_title)
    _paragraph(doc, say.audience_note(summary), style="Intense Quote")
    _summary(doc, summary)
    for objective in summary.objectives:
        _objective(doc, summary, objective)
    _cited(doc, summary)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _summary(doc: DocumentObject, summary: Summary) -> None:
    h = summary.headline
    doc.add_heading("Summary", level=1)
    _paragraph(doc, say.intro(summary))
    if h.by_type:
        _table(doc, ["Type of record", "Records"], [(t.label, number(t.count)) for t in h.by_type])
    doc.add_heading("Families and practitioners reached", level=2)
    _paragraph(doc, say.reach(h))
    doc.add_heading("Values-Based Leadership Experience (VBLE)", level=2)
    _paragraph(doc, say.vble(h))
    doc.add_heading("Learning events", level=2)
    _paragraph(doc, say.events(h))
    if h.events:
        rows = [
            (
                e.scope.capitalize(),
                number(e.events),
                number(e.participants),
                average(e.average_rating),
            )
            for e in h.events
        ]
        _table(doc, ["Scope", "Events", "Participants", "Average rating (out of 5)"], rows)
    _fund(doc, summary)
    doc.add_heading("Gaps", level=2)
    _paragraph(doc, say.gaps(summary))
    _bullets(doc, [f"{code}: {text}" for code, text in summary.gaps])
    _chart(doc, summary)


def _fund(doc: DocumentObject, summary: Summary) -> None:
    h = summary.headline
    doc.add_heading("Make it Happen Fund", level=2)
    _paragraph(doc, say.fund(h))
    if h.fund_panels:
        header = [
            "Panel",
            "Date",
            "Locality",
            "Amount",
            "Families : practitioners",
            "50:50 minimum",
        ]
        rows = [
            (
                p.panel,
                _date(p.date),
                p.locality,
                money(p.amount),
                p.balance,
                say.balance_status(p.below_minimum),
            )
            for p in h.fund_panels
        ]
        _table(doc, header, rows)


def _chart(doc: DocumentObject, summary: Summary) -> None:
    doc.add_heading("Evidence per indicator", level=2)
    if not summary.chart:
        return
    doc.add_picture(io.BytesIO(draw_png(summary.chart)), width=Inches(6.3))
    doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption = (
        f"Records of evidence per indicator: this period ({summary.period.label}, dark bars) "
        f"beside the previous period ({summary.previous.label}, grey bars)."
    )
    _paragraph(doc, caption, style="Caption")
    rows = [(b.code, b.current, b.previous, f"{b.current - b.previous:+d}") for b in summary.chart]
    _table(doc, ["Indicator", "This period", "Previous period", "Change"], rows)


def _objective(doc: DocumentObject, summary: Summary, objective: ObjectiveSummary) -> None:
    doc.add_heading(clean(f"Objective {objective.code}: {objective.text}"), level=1)
    for indicator in objective.indicators:
        _indicator(doc, summary, indicator)
    if objective.activities:
        doc.add_heading("Key activities", level=2)
        for activity in objective.activities:
            _activity(doc, activity)


def _indicator(doc: DocumentObject, summary: Summary, i: IndicatorSummary) -> None:
    doc.add_heading(clean(f"Indicator {i.code}: {i.text}"), level=2)
    if i.count:
        _paragraph(doc, say.indicator_evidence(summary, i), "Evidence: ")
        _paragraph(doc, ", ".join(i.localities) or "none recorded", "Localities: ")
    else:
        _paragraph(doc, say.indicator_evidence(summary, i))
    _rating(doc, i)
    if i.quotes:
        doc.add_heading("In families' own words", level=3)
        for q in i.quotes:
            _paragraph(doc, f"“{q.text}”", style="Quote")
            where = f"{q.locality}, " if q.locality else ""
            _paragraph(doc, f"— {where}{_date(q.date)}")
        _note(doc, say.more(i.quotes_total, len(i.quotes), "more quote is", "more quotes are"))
    if i.stories:
        doc.add_heading("Stories", level=3)
        for st in i.stories:
            para = doc.add_paragraph(style="List Bullet")
            para.add_run(clean(st.title)).bold = True
            where = f"{st.locality}, " if st.locality else ""
            changed = f": {st.what_changed}" if st.what_changed else ""
            para.add_run(" " + clean(f"({where}{_date(st.date)}){changed}"))
        _note(doc, say.more(i.stories_total, len(i.stories), "more story is", "more stories are"))


def _note(doc: DocumentObject, text: str) -> None:
    if text:
        _paragraph(doc, text)


def _rating(doc: DocumentObject, i: IndicatorSummary) -> None:
    r = i.rating
    if r is None:
        _paragraph(doc, "not yet rated.", "Progress rating: ")
        return
    by = f", rated by {r.rated_by}" if r.rated_by else ""
    on = f" on {r.rated_on}" if r.rated_on else ""
    text = f"{r.progress.capitalize()} (confidence: {r.confidence}), for {r.period}{by}{on}. "
    _paragraph(doc, text + r.change, "Progress rating: ")
    if r.rationale:
        _paragraph(doc, r.rationale, "Why: ")
    if r.evidence:
        _paragraph(doc, ", ".join(r.evidence), "Evidence for the rating: ")


def _activity(doc: DocumentObject, a: ActivitySummary) -> None:
    doc.add_heading(clean(f"{a.code}: {a.text}"), level=3)
    meta = " ".join(
        part
        for part in (
            f"Owner: {a.owners}." if a.owners else "",
            f"Timescale: {a.timescale}." if a.timescale else "",
        )
        if part
    )
    if meta:
        _paragraph(doc, meta)
    if a.success_criteria:
        _paragraph(doc, "Success criteria:")
        _bullets(doc, a.success_criteria)
    if a.targets:
        rows = [(t.label, number(t.value), t.achieved, say.target_status(t)) for t in a.targets]
        _table(doc, ["Target", "Aim", "This period", "Status"], rows)
    _paragraph(doc, say.activity_records(a))
    _bullets(doc, [f"{r.title} ({_date(r.date)}, {r.id})" for r in a.recent])
    if a.evidence_count > len(a.recent):
        _bullets(doc, [f"and {a.evidence_count - len(a.recent)} more"])


def _cited(doc: DocumentObject, summary: Summary) -> None:
    doc.add_heading("Evidence cited", level=1)
    if not summary.cited:
        _paragraph(doc, "No records were cited: no evidence was logged in this period.")
        return
    rows = [(c.id, c.title, _date(c.date), c.type_label) for c in summary.cited]
    _table(doc, ["ID", "Title", "Date", "Type"], rows)
