"""Write a Summary as a Word document a council officer would send.

A title page; a contents field; the key messages and the at-a-glance table; one section per
objective (each from a new page); the period in numbers; the annex (the fund's decisions in a
landscape section, the records cited). Real Heading 1–3 styles, tables in one named style
with a repeating header row, columns sized to their words, numbers right-aligned, page
numbers in the footer, the chart as an image with alternative text, document properties.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Inches, Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph

from . import sentences as say
from .changes import votes_words
from .chart import CURRENT_COLOUR, PREVIOUS_COLOUR
from .docx_xml import (
    add_page_number_field,
    add_toc_field,
    mark_rows,
    rows_xml,
    save_with_rows,
    set_cell_margins,
    set_document_font,
    set_picture_alt_text,
    set_repeat_table_header,
    set_style_id,
    set_table_look,
)
from .intro import Block
from .sections import ActivitySummary, IndicatorSummary, ObjectiveSummary
from .summary import Summary
from .wording import average, change_sign, clean, clean_all, long_date, money, number

TABLE_STYLE = "Light List Accent 1"
FONT = "Arial"  # in every copy of Word; LibreOffice shows a sans-serif it has of the same size
PORTRAIT = (Mm(210), Mm(297))
MARGIN_MM = 18
MARGIN = Mm(MARGIN_MM)
TEXT_WIDTH_PT = Mm(210 - 2 * MARGIN_MM).pt  # portrait; landscape below
WIDE_TEXT_WIDTH_PT = Mm(297 - 2 * MARGIN_MM).pt
BODY_PT = 9.0
TABLE_PT = 8.5
ANNEX_PT = 7.0
ACCENT = RGBColor(0x1D, 0x4F, 0x91)


def _date(value: str) -> str:
    try:
        return long_date(value)
    except ValueError:
        return clean(value)


@lru_cache(maxsize=4096)  # the annex writes the same few hundred dates again and again
def _short_date(value: str) -> str:
    """``3 Mar 2025``: dates in the annex's narrow column."""
    text = _date(value)
    parts = text.split(" ")
    if len(parts) == 3 and len(parts[1]) > 3:
        parts[1] = parts[1][:3]
    return " ".join(parts)


def _add(doc: DocumentObject, style: str, text: str = "") -> Paragraph:
    """A paragraph in one of the template's styles, named as Word names it.

    The ids of the template's own styles are their names without spaces; python-docx would
    look a name up among all ~160 styles for every paragraph, a third of the writing time.
    """
    para = doc.add_paragraph(text)
    set_style_id(para, style.replace(" ", ""))
    return para


def _heading(doc: DocumentObject, text: str, level: int, new_page: bool = False) -> Paragraph:
    """A heading (level 0 is the title), as python-docx's ``add_heading`` makes it."""
    para = _add(doc, "Title" if level == 0 else f"Heading {level}", text)
    if new_page:
        para.paragraph_format.page_break_before = True
    return para


def _paragraph(doc: DocumentObject, text: str, label: str = "", style: str | None = None) -> None:
    """A paragraph, with an optional bold label before the text."""
    para = _add(doc, style) if style else doc.add_paragraph()
    if label:
        para.add_run(label).bold = True
    para.add_run(clean(text))


def _bullets(doc: DocumentObject, items: Sequence[str]) -> None:
    for item in items:
        _add(doc, "List Bullet", clean(item))


# --- tables --------------------------------------------------------------------------------

# Average and widest widths of a character, in points per point of type (Carlito/Calibri,
# the fonts LibreOffice and Word use): enough for the longest word never to be broken.
_AVERAGE, _WIDE = 0.56, 0.66
_KEEP_WHOLE = 17  # a cell this short (a date, an amount, a type) is kept on one line
_PADDING_PT = 9.0  # cell margins (3.5 pt a side) and a little air


def _lines(cell: object) -> list[str]:
    """A cell's lines of text (a cell of several paragraphs is a list; bold ones are pairs)."""
    if isinstance(cell, (list, tuple)):
        return [str(i[0] if isinstance(i, tuple) else i) for i in cell]
    return [str(cell)]


def column_widths(
    header: Sequence[str], rows: Sequence[Sequence[object]], available_pt: float, size: float
) -> list[float]:
    """Widths (points) that fit each column's words: no column narrower than its longest
    word (so no word is broken; a short cell such as a date is kept whole), the room left
    shared by how much text each column holds. A table that fits is left its natural width."""
    least, want = [], []
    for n, head in enumerate(header):
        values = {row[n] if isinstance(row[n], str) else tuple(_lines(row[n])) for row in rows}
        if len(values) > 2000:  # the annex's titles: the longest hold the longest words
            values = set(sorted(values, key=len)[-2000:])
        lines = [line for v in values for line in ([v] if isinstance(v, str) else v)] or [""]
        longest = max(
            len(line) if len(line) <= _KEEP_WHOLE else max(map(len, line.split()), default=0)
            for line in lines
        )
        head_word = max((len(w) for w in str(head).split()), default=0)
        least.append(max(longest * _WIDE, head_word * _WIDE * 1.08) * size + _PADDING_PT)
        longest_line = max(max(len(line) for line in lines), len(str(head)) * 1.1)  # bold
        want.append(max(longest_line * _AVERAGE * size + _PADDING_PT, least[-1]))
    if sum(want) <= available_pt:
        return want
    if sum(least) >= available_pt:  # more words than room: shrink all alike
        return [m * available_pt / sum(least) for m in least]
    spare = available_pt - sum(least)
    extra = [w - m for w, m in zip(want, least, strict=True)]
    total = sum(extra) or 1.0
    return [m + spare * e / total for m, e in zip(least, extra, strict=True)]


def _rows_cleaned(rows: Sequence[Sequence[object]]) -> list[list[str]]:
    """Each row's values made clean lines, all rows checked at once."""
    width = len(rows[0]) if rows else 0
    if any(len(row) != width for row in rows):
        return [[clean(v) for v in row] for row in rows]
    flat = clean_all([v for row in rows for v in row])
    return [flat[i : i + width] for i in range(0, len(flat), width)]


def _cleaned(value: object) -> object:
    if isinstance(value, (list, tuple)):
        return [(clean(i[0]), i[1]) if isinstance(i, tuple) else clean(i) for i in value]
    return clean(value)


def _table(
    doc: DocumentObject,
    tables: list[str],
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    right: Sequence[int] = (),
    size: float = TABLE_PT,
    widths: Sequence[float] | None = None,
    width_pt: float | None = None,
    bold_first: bool = False,
) -> None:
    """A table in the document's table style, its header row repeated on every page, its
    columns fitted to their words and its numbers (columns ``right``) right-aligned.

    Its other rows are written as XML text into ``tables`` and into the saved document at a
    marker (see ``docx_xml.save_with_rows``).
    """
    multiline = any(isinstance(v, (list, tuple)) for row in rows[:50] for v in row)
    texts = [[_cleaned(v) for v in row] for row in rows] if multiline else _rows_cleaned(rows)
    available = width_pt or TEXT_WIDTH_PT
    widths = list(widths) if widths else column_widths(header, texts, available, size)
    table = doc.add_table(rows=1, cols=len(header))
    table.style = doc.styles[TABLE_STYLE]
    table.autofit = False
    set_cell_margins(table)
    set_table_look(table, first_column=False)
    first = table.rows[0]
    set_repeat_table_header(first)
    for n, (cell, text) in enumerate(zip(first.cells, header, strict=True)):
        table.columns[n].width = Pt(widths[n])
        cell.width = Pt(widths[n])
        para = cell.paragraphs[0]
        set_style_id(para, _cell_style(size))
        if n in right:
            para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        para.add_run(text).bold = True
    mark_rows(table, len(tables))
    tables.append(
        rows_xml(first, texts, str, right, _cell_style(size), bold_first, multiline=multiline)
    )
    _add(doc, "Table Gap")  # a thin paragraph: two tables in a row would merge without one


# --- the document --------------------------------------------------------------------------


CELL_STYLES = {TABLE_PT: "Table Text", ANNEX_PT: "Table Small"}


def _cell_style(size: float) -> str:
    """The id of the paragraph style of table cells of this text size."""
    return CELL_STYLES[size].replace(" ", "")


def _styles(doc: DocumentObject) -> None:
    """Body text, headings in the accent colour, and the contents entries' styles."""
    set_document_font(doc, FONT)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    normal.paragraph_format.space_after = Pt(3)
    for style_name in ("List Bullet", "List Number"):
        doc.styles[style_name].paragraph_format.space_after = Pt(1)
    for level, size in ((1, 14), (2, 10.5), (3, 9.5)):
        heading = doc.styles[f"Heading {level}"]
        heading.font.size = Pt(size)
        heading.font.color.rgb = ACCENT
        heading.paragraph_format.space_before = Pt(10 if level == 1 else 6)
        heading.paragraph_format.space_after = Pt(3)
        heading.paragraph_format.keep_with_next = True
    for level in (1, 2):
        style = doc.styles.add_style(f"TOC {level}", WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.paragraph_format.left_indent = Mm(6 * (level - 1))
        style.paragraph_format.space_after = Pt(1 if level == 2 else 3)
    for size, name in CELL_STYLES.items():
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.font.size = Pt(size)
        style.paragraph_format.space_before = style.paragraph_format.space_after = Pt(0)
    gap = doc.styles.add_style("Table Gap", WD_STYLE_TYPE.PARAGRAPH)
    gap.base_style = normal
    gap.font.size = Pt(4)
    gap.paragraph_format.space_before = gap.paragraph_format.space_after = Pt(0)
    quote = doc.styles["Quote"]
    quote.paragraph_format.space_before = Pt(1)
    quote.paragraph_format.space_after = Pt(2)
    quote.paragraph_format.left_indent = Mm(6)
    quote.paragraph_format.right_indent = Mm(0)


def _properties(doc: DocumentObject, summary: Summary) -> None:
    props = doc.core_properties
    props.title = clean(summary.title)
    props.author = clean(say.prepared(summary))
    props.subject = clean(
        f"{say.PROGRAMME}: learning update for {summary.period.label}, "
        f"{say.audience_label(summary)}"
    )
    props.keywords = "WM2U; learning update; " + "; ".join(summary.objective_codes)
    props.comments = clean(say.audience_note(summary))
    props.category = "Learning update"


def a4_document() -> DocumentObject:
    """A new Word document on portrait A4 with the updates' margins (updates, coding
    summaries and panel packs print alike)."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = PORTRAIT
    section.left_margin = section.right_margin = MARGIN
    section.top_margin = section.bottom_margin = MARGIN
    return doc


def render_docx(summary: Summary) -> bytes:
    """The learning update as a .docx file."""
    doc = a4_document()
    section = doc.sections[0]
    _styles(doc)
    _properties(doc, summary)
    add_page_number_field(section)
    tables: list[str] = []
    _title_page(doc, summary)
    _contents(doc, summary)
    _key_messages(doc, summary)
    _glance(doc, tables, summary)
    for objective in summary.objectives:
        _objective(doc, tables, summary, objective)
    _changes(doc, summary)
    _numbers(doc, tables, summary)
    if summary.annex:
        _annex(doc, tables, summary)
    return save_with_rows(doc, tables)


def _title_page(doc: DocumentObject, summary: Summary) -> None:
    for _ in range(2):
        doc.add_paragraph()
    _heading(doc, clean(summary.title), 0)
    for label, value in say.title_lines(summary):
        para = doc.add_paragraph()
        para.paragraph_format.space_after = Pt(6)
        para.add_run(f"{label}: ").bold = True
        para.add_run(clean(value))
    doc.add_paragraph()
    _paragraph(doc, say.audience_note(summary), style="Intense Quote")


def _annex_names(summary: Summary) -> list[str]:
    names = []
    if summary.annex:
        if summary.headline.fund_panels:
            names.append("Annex A: Make it Happen Fund decisions by panel")
        letter = "B" if summary.headline.fund_panels else "A"
        names.append(f"Annex {letter}: Evidence cited")
    return names


def _contents(doc: DocumentObject, summary: Summary) -> None:
    _add(doc, "TOC Heading", "Contents")
    entries: list[tuple[int, str]] = [(1, "Key messages"), (1, "At a glance")]
    for o in summary.objectives:
        entries.append((1, clean(f"Objective {o.code}: {say.shortened(o.text, 80)}")))
    if summary.changes:
        entries.append((1, "Most significant change"))
    entries.append((1, "The period in numbers"))
    entries += [(1, name) for name in _annex_names(summary)]
    add_toc_field(doc, levels="1-1", entries=entries)


def _key_messages(doc: DocumentObject, summary: Summary) -> None:
    _heading(doc, "Key messages", 1, new_page=True)  # the title page ends with the contents
    for block in summary.intro_blocks:
        _block(doc, block)
    _paragraph(doc, "", "In brief:")
    _bullets(doc, say.key_numbers(summary))


def _block(doc: DocumentObject, block: Block) -> None:
    """One block of the editor's key messages."""
    style = {"h": "Heading 2", "p": None, "ul": "List Bullet", "ol": "List Number"}[block.kind]
    for line in block.lines:
        para = _add(doc, style) if style else doc.add_paragraph()
        for span in line:
            run = para.add_run(_spaced(span.text))
            run.bold = span.bold or None
            run.italic = span.italic or None


def _spaced(text: str) -> str:
    """A span's text made one clean line, keeping a space at either end (between spans)."""
    lead = " " if text[:1].isspace() else ""
    trail = " " if text[-1:].isspace() and text.strip() else ""
    return lead + clean(text) + trail


def _glance(doc: DocumentObject, tables: list[str], summary: Summary) -> None:
    _heading(doc, "At a glance", 1)
    rows = [
        (
            i.code,
            say.shortened(i.text),
            number(i.count),
            change_sign(i.count, i.previous_count),
            say.rating_cell(i),
            say.figures_cell(i),
        )
        for i in summary.glance
    ]
    header = ["Code", "Indicator", "Records", "Change", "Progress (confidence)", "Figures"]
    _table(doc, tables, header, rows, right=(2, 3), bold_first=True)
    gaps = say.gaps(summary)
    if summary.gaps:
        gaps += " " + ", ".join(code for code, _ in summary.gaps) + "."
    _paragraph(
        doc,
        f"Evidence: records this period; change: against the previous {summary.period.days} "
        f"days ({summary.previous.label}). {gaps}",
        style="Caption",
    )
    _chart(doc, summary)


def _chart(doc: DocumentObject, summary: Summary) -> None:
    if not summary.chart:
        return
    from learning.charts import evidence_bars_png

    cache = Path(summary.chart_cache) if summary.chart_cache else None
    png = evidence_bars_png(summary.chart, CURRENT_COLOUR, PREVIOUS_COLOUR, cache)
    doc.add_picture(io.BytesIO(png), width=Inches(5.2))
    doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.paragraphs[-1].paragraph_format.keep_with_next = True
    described = " ".join(
        f"{b.code}: {b.current} this period, {b.previous} in the previous period."
        for b in summary.chart
    )
    set_picture_alt_text(
        doc.inline_shapes[-1],
        "Bar chart of records of evidence per indicator, this period beside the previous "
        f"one. {described}",
        title="Evidence per indicator",
    )
    caption = (
        f"Records of evidence per indicator: this period ({summary.period.label}, dark bars) "
        f"beside the previous period ({summary.previous.label}, grey bars)."
    )
    _paragraph(doc, caption, style="Caption")


def _objective(
    doc: DocumentObject,
    tables: list[str],
    summary: Summary,
    objective: ObjectiveSummary,
    new_page: bool = False,
) -> None:
    _heading(doc, clean(f"Objective {objective.code}: {objective.text}"), 1, new_page=new_page)
    for indicator in objective.indicators:
        _indicator(doc, summary, indicator)
    if objective.stories:
        _stories(doc, summary, objective)
    if objective.gaps:
        _heading(doc, "No evidence yet", 2)
        _bullets(doc, [f"{i.code}: {i.text}" for i in objective.gaps])
    if objective.activities:
        _heading(doc, "Key activities", 2)
        _activities(doc, tables, objective.activities)


def _indicator(doc: DocumentObject, summary: Summary, i: IndicatorSummary) -> None:
    _heading(doc, clean(f"Indicator {i.code}: {i.text}"), 2)
    if i.count:
        where = ", ".join(i.localities) or "none recorded"
        _paragraph(doc, f"{say.indicator_evidence(summary, i)} Localities: {where}.", "Evidence: ")
    else:
        _paragraph(doc, say.indicator_evidence(summary, i), "No evidence yet. ")
    _rating(doc, i)
    if i.figures:  # one paragraph: the update stays a few pages
        _paragraph(doc, clean(". ".join(i.figures)) + ".", "Figures: ")
    if i.charts:
        _figures_charts(doc, summary, i)
    for q in i.quotes:
        where = f"{q.locality}, " if q.locality else ""
        _paragraph(doc, f"“{q.text}” — {where}{_date(q.date)}", style="Quote")
    for q in i.passages:  # a coded passage, with its record
        where = f"{q.locality}, " if q.locality else ""
        _paragraph(doc, f"“{q.text}” — {q.title} ({where}{_date(q.date)})", style="Quote")


# Two charts of figures side by side in the text width (174 mm), with room for the space
# between them and for the few millimetres LibreOffice keeps either side of a picture.
FIGURES_CHART_WIDTH = Mm(76)


def _figures_charts(doc: DocumentObject, summary: Summary, i: IndicatorSummary) -> None:
    """An indicator's charts of figures, two to a line, each with its figures in words as
    its alternative text, and one caption under them."""
    from learning.charts import update_chart

    cache = Path(summary.chart_cache) if summary.chart_cache else None
    para = doc.add_paragraph()
    para.paragraph_format.keep_with_next = True  # with its caption
    for n, chart in enumerate(i.charts):
        if n:
            para.add_run(" ")
        png = update_chart(cache, chart.title, chart.unit, chart.series, "png", chart.places)
        picture = para.add_run().add_picture(io.BytesIO(png), width=FIGURES_CHART_WIDTH)
        set_picture_alt_text(picture, clean(chart.alt), title=clean(chart.title))
    _paragraph(doc, say.figures_caption(i), style="Caption")


def _stories(doc: DocumentObject, summary: Summary, objective: ObjectiveSummary) -> None:
    _heading(doc, "Featured stories", 2)
    for st in objective.stories:
        _heading(doc, clean(st.title), 3)
        para = doc.add_paragraph()
        para.paragraph_format.keep_with_next = bool(st.quote)
        where = f"{st.locality}, " if st.locality else ""
        codes = f"; {', '.join(st.indicators)}" if st.indicators else ""
        changed = f": {st.what_changed}" if st.what_changed else ""
        para.add_run(clean(f"({where}{_date(st.date)}{codes}){changed}"))
        if st.quote:
            _paragraph(doc, f"“{st.quote}”", style="Quote")
    more = say.more(
        objective.stories_total,
        len(objective.stories),
        "more story is",
        "more stories are",
        summary.annex,
    )
    if more:
        _paragraph(doc, more)


def _changes(doc: DocumentObject, summary: Summary) -> None:
    """The Most Significant Change rounds of the period: each domain's chosen story, the
    panel and its reasons."""
    if not summary.changes:
        return
    _heading(doc, "Most significant change", 1)
    for r in summary.changes:
        _heading(doc, clean(f"{r.title} ({r.level}, {r.period})"), 2)
        _paragraph(doc, f"Panel: {r.panel}. Closed on {r.closed_on}.", style="Caption")
        for c in r.choices:
            para = doc.add_paragraph()
            para.paragraph_format.keep_with_next = True
            para.add_run(clean(f"{c.domain}: {c.title}")).bold = True
            para.add_run(votes_words(c.votes))
            quote = _add(doc, "Quote", clean(f"“{c.quote}”"))
            quote.paragraph_format.keep_with_next = True
            _paragraph(doc, c.reasons, "Why the panel chose it: ")


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


def _activities(doc: DocumentObject, tables: list[str], activities: list[ActivitySummary]) -> None:
    """An objective's key activities in one table: each against its success criteria and
    targets, with the evidence behind it."""
    rows = []
    for a in activities:
        about: list[object] = [(say.shortened(a.text, 150), True)]
        about += [f"• {c}" for c in a.success_criteria] or ["No success criteria in the plan."]
        who: list[object] = [(a.code, True)] + [x for x in (a.owners, a.timescale) if x]
        status: list[object] = [(say.activity_status(a), True)]
        status += [
            f"{t.label}: {number(t.achieved)} of {number(t.value)} ({say.target_status(t)})"
            for t in a.targets
        ]
        evidence: list[object] = [say.activity_count(a)]
        # The narrow column names the most recent record only; HTML and Markdown name two.
        evidence += [f"{say.shortened(r.title, 60)} ({_short_date(r.date)})" for r in a.recent[:1]]
        rows.append((who, about, status, evidence))
    header = ["Activity", "What it is and its success criteria", "Progress", "Evidence"]
    width = TEXT_WIDTH_PT
    widths = [width * 0.13, width * 0.49, width * 0.17, width * 0.21]
    _table(doc, tables, header, rows, widths=widths)


def _numbers(doc: DocumentObject, tables: list[str], summary: Summary) -> None:
    h = summary.headline
    _heading(doc, "The period in numbers", 1)
    if h.by_type:
        _paragraph(doc, say.types_sentence(h), "Records by type: ")
    _heading(doc, "Learning events", 2)
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
        header = ["Scope", "Events", "Participants", "Average rating (out of 5)"]
        _table(doc, tables, header, rows, right=(1, 2, 3))
    else:
        _paragraph(doc, say.events(h))
    _heading(doc, "Make it Happen Fund", 2)
    if h.fund_panels:
        rows = [
            (r.locality, number(r.decisions), money(r.amount), say.fund_locality_meeting(r))
            for r in h.fund_by_locality
        ]
        header = ["Locality", "Decisions", "Awarded", "Panels meeting 50:50"]
        _table(doc, tables, header, rows, right=(1, 2, 3))
    else:
        _paragraph(doc, say.fund(h))
    _paragraph(doc, say.featured_rule(summary), style="Caption")
    if not summary.annex:
        _paragraph(doc, say.ANNEX_LEFT_OUT)


def _natural_width(header: Sequence[str], rows: Sequence[Sequence[str]], size: float) -> float:
    """How wide a table would be with every cell on one line and its header words whole."""
    widths = []
    for n, head in enumerate(header):
        longest = max([len(str(row[n])) for row in rows] + [len(w) for w in head.split()])
        widths.append(longest * _AVERAGE * size + _PADDING_PT)
    return sum(widths)


def _section(doc: DocumentObject, landscape: bool) -> None:
    """A new section from a new page, landscape or portrait (page numbers carry on)."""
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (PORTRAIT[1], PORTRAIT[0]) if landscape else PORTRAIT


def _annex(doc: DocumentObject, tables: list[str], summary: Summary) -> None:
    h = summary.headline
    names = _annex_names(summary)
    if h.fund_panels:
        header = ["Panel", "Date", "Locality", "Amount", "Balance", "50:50"]
        rows = [
            (
                p.panel,
                _short_date(p.date),
                p.locality,
                money(p.amount),
                p.balance,
                "Met" if not p.below_minimum else "Not met",
            )
            for p in h.fund_by_panel
        ]
        portrait = TEXT_WIDTH_PT
        wide = _natural_width(header, rows, ANNEX_PT) > portrait
        if wide:  # a landscape section gives a wide table room
            _section(doc, landscape=True)
            _heading(doc, names.pop(0), 1)
        else:
            _heading(doc, names.pop(0), 1).paragraph_format.keep_with_next = False
        width = WIDE_TEXT_WIDTH_PT if wide else portrait
        _table(doc, tables, header, rows, right=(3, 4), size=ANNEX_PT, width_pt=width)
        _paragraph(doc, say.BALANCE_NOTE, style="Caption")
        if wide:
            _section(doc, landscape=False)
        # A long table may start under its heading: LibreOffice would move both to a new page.
        _heading(doc, names[0], 1).paragraph_format.keep_with_next = False
    else:
        _heading(doc, names[0], 1).paragraph_format.keep_with_next = False
    if not summary.cited:
        _paragraph(doc, "No records were cited: no evidence was logged in this period.")
        return
    rows = [(c.title, c.type_label, _short_date(c.date), c.locality) for c in summary.cited]
    _table(doc, tables, ["Record", "Type", "Date", "Locality"], rows, size=ANNEX_PT)
