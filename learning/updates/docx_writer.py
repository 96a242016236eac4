"""Write a Summary as a Word document: real headings, tables, quote styles and the chart."""

from __future__ import annotations

import io
from collections.abc import Sequence

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Inches, Mm, Pt
from docx.text.paragraph import Paragraph

from . import sentences as say
from .chart import draw_png
from .docx_xml import mark_rows, rows_xml, save_with_rows, set_repeat_table_header, set_style_id
from .sections import ActivitySummary, IndicatorSummary, ObjectiveSummary
from .summary import Summary
from .wording import average, clean, long_date, money, number


def _date(value: str) -> str:
    try:
        return long_date(value)
    except ValueError:
        return clean(value)


def _add(doc: DocumentObject, style: str, text: str = "") -> Paragraph:
    """A paragraph in one of the template's styles, named as Word names it.

    The ids of the template's own styles are their names without spaces; python-docx would
    look a name up among all ~160 styles for every paragraph, a third of the writing time.
    """
    para = doc.add_paragraph(text)
    set_style_id(para, style.replace(" ", ""))
    return para


def _heading(doc: DocumentObject, text: str, level: int) -> None:
    """A heading (level 0 is the title), as python-docx's ``add_heading`` makes it."""
    _add(doc, "Title" if level == 0 else f"Heading {level}", text)


def _paragraph(doc: DocumentObject, text: str, label: str = "", style: str | None = None) -> None:
    """A paragraph, with an optional bold label before the text."""
    para = _add(doc, style) if style else doc.add_paragraph()
    if label:
        para.add_run(label).bold = True
    para.add_run(clean(text))


def _bullets(doc: DocumentObject, items: Sequence[str]) -> None:
    for item in items:
        _add(doc, "List Bullet", clean(item))


def _table(
    doc: DocumentObject, tables: list[str], header: Sequence[str], rows: Sequence[Sequence[object]]
) -> None:
    """A table with a bold header row that repeats on every page.

    Its other rows are written as XML text into ``tables`` and into the saved document at a
    marker (see ``docx_xml.save_with_rows``).
    """
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    first = table.rows[0]
    set_repeat_table_header(first)
    for cell, text in zip(first.cells, header, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    mark_rows(table, len(tables))
    tables.append(rows_xml(first, rows, clean))
    doc.add_paragraph()


def render_docx(summary: Summary) -> bytes:
    """The learning update as a .docx file."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(20)
    doc.styles["Normal"].font.size = Pt(11)
    doc.core_properties.title = clean(summary.title)
    _heading(doc, clean(summary.title), 0)
    _paragraph(doc, summary.framework_title)
    _paragraph(doc, say.audience_note(summary), style="Intense Quote")
    tables: list[str] = []
    _summary(doc, tables, summary)
    for objective in summary.objectives:
        _objective(doc, tables, summary, objective)
    _cited(doc, tables, summary)
    return save_with_rows(doc, tables)


def _summary(doc: DocumentObject, tables: list[str], summary: Summary) -> None:
    h = summary.headline
    _heading(doc, "Summary", 1)
    _paragraph(doc, say.intro(summary))
    if h.by_type:
        _table(
            doc,
            tables,
            ["Type of record", "Records"],
            [(t.label, number(t.count)) for t in h.by_type],
        )
    _heading(doc, "Families and practitioners reached", 2)
    _paragraph(doc, say.reach(h))
    _heading(doc, "Values-Based Leadership Experience (VBLE)", 2)
    _paragraph(doc, say.vble(h))
    _heading(doc, "Learning events", 2)
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
        _table(doc, tables, ["Scope", "Events", "Participants", "Average rating (out of 5)"], rows)
    _fund(doc, tables, summary)
    _heading(doc, "Gaps", 2)
    _paragraph(doc, say.gaps(summary))
    _bullets(doc, [f"{code}: {text}" for code, text in summary.gaps])
    _chart(doc, tables, summary)


def _fund(doc: DocumentObject, tables: list[str], summary: Summary) -> None:
    h = summary.headline
    _heading(doc, "Make it Happen Fund", 2)
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
        _table(doc, tables, header, rows)


def _chart(doc: DocumentObject, tables: list[str], summary: Summary) -> None:
    _heading(doc, "Evidence per indicator", 2)
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
    _table(doc, tables, ["Indicator", "This period", "Previous period", "Change"], rows)


def _objective(
    doc: DocumentObject, tables: list[str], summary: Summary, objective: ObjectiveSummary
) -> None:
    _heading(doc, clean(f"Objective {objective.code}: {objective.text}"), 1)
    for indicator in objective.indicators:
        _indicator(doc, summary, indicator)
    if objective.activities:
        _heading(doc, "Key activities", 2)
        for activity in objective.activities:
            _activity(doc, tables, activity)


def _indicator(doc: DocumentObject, summary: Summary, i: IndicatorSummary) -> None:
    _heading(doc, clean(f"Indicator {i.code}: {i.text}"), 2)
    if i.count:
        _paragraph(doc, say.indicator_evidence(summary, i), "Evidence: ")
        _paragraph(doc, ", ".join(i.localities) or "none recorded", "Localities: ")
    else:
        _paragraph(doc, say.indicator_evidence(summary, i))
    _rating(doc, i)
    if i.quotes:
        _heading(doc, "In families' own words", 3)
        for q in i.quotes:
            _paragraph(doc, f"“{q.text}”", style="Quote")
            where = f"{q.locality}, " if q.locality else ""
            _paragraph(doc, f"— {where}{_date(q.date)}")
        _note(doc, say.more(i.quotes_total, len(i.quotes), "more quote is", "more quotes are"))
    if i.stories:
        _heading(doc, "Stories", 3)
        for st in i.stories:
            para = _add(doc, "List Bullet")
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


def _activity(doc: DocumentObject, tables: list[str], a: ActivitySummary) -> None:
    _heading(doc, clean(f"{a.code}: {a.text}"), 3)
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
        _table(doc, tables, ["Target", "Aim", "This period", "Status"], rows)
    _paragraph(doc, say.activity_records(a))
    _bullets(doc, [f"{r.title} ({_date(r.date)}, {r.id})" for r in a.recent])
    if a.evidence_count > len(a.recent):
        _bullets(doc, [f"and {a.evidence_count - len(a.recent)} more"])


def _cited(doc: DocumentObject, tables: list[str], summary: Summary) -> None:
    _heading(doc, "Evidence cited", 1)
    if not summary.cited:
        _paragraph(doc, "No records were cited: no evidence was logged in this period.")
        return
    rows = [(c.id, c.title, _date(c.date), c.type_label) for c in summary.cited]
    _table(doc, tables, ["ID", "Title", "Date", "Type"], rows)
