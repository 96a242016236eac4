"""The demo's evaluation report: a short PDF, as a VBLE evaluation arrives, for its attachments."""

from __future__ import annotations

import datetime as dt

from fpdf import FPDF
from fpdf.fonts import FontFace

TITLE = "Values-Based Leadership Experience: evaluation of the Lochee cohort"
SUBTITLE = "Columba 1400 with What Matters to You (WM2U), Dundee, spring 2024"
# (heading, paragraphs): the report's words, in the programme's own (Helvetica holds Latin-1).
SECTIONS = [
    (
        "What happened",
        [
            "Columba 1400 ran the VBLE over four days at the café at the Hub, for nine parents "
            "and carers and seven practitioners from education, health visiting, housing and "
            "the third sector. WM2U did the preparation sessions beforehand and will run the "
            "follow-up day in June.",
            "People arrived wary: the parents expecting to be judged, the practitioners "
            "expecting to be blamed. Neither happened. The values work gave the group a shared "
            "language, and by the second day parents and practitioners were using it about "
            "each other.",
        ],
    ),
    (
        "What changed",
        [
            "Confidence in identifying and leading change rose across the group (1 to 5, "
            'asked on the first and the last day). A parent said: "I walked in thinking they '
            "were the experts. I walked out knowing I'm the expert on my own family.\"",
            "Two practitioners have since changed how they run meetings with families: the "
            "family speaks first, and the notes are written with them, not about them.",
        ],
    ),
]
TABLE = [
    ("Who", "People", "Confidence before", "Confidence after"),
    ("Parents and carers", "9", "2.4", "3.9"),
    ("Practitioners", "7", "3.1", "4.0"),
    ("Everyone", "16", "2.7", "3.9"),
]
MADE = dt.datetime(2024, 5, 20, 9, 0, tzinfo=dt.UTC)  # fixed: the demo is the same every time


def report_pdf() -> bytes:
    """A one-page evaluation report: a title, two headings, paragraphs and a small table."""
    pdf = FPDF(format="A4")
    pdf.set_creation_date(MADE)
    pdf.set_title(TITLE)
    pdf.set_author("Columba 1400 and WM2U")
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    pdf.set_font("helvetica", "B", 18)
    pdf.multi_cell(0, 9, TITLE, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "", 11)
    pdf.multi_cell(0, 6, SUBTITLE, new_x="LMARGIN", new_y="NEXT")
    for heading, paragraphs in SECTIONS:
        pdf.ln(6)
        pdf.set_font("helvetica", "B", 14)
        pdf.multi_cell(0, 8, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", "", 11)
        for paragraph in paragraphs:
            pdf.multi_cell(0, 6, paragraph, align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
    _table(pdf)
    return bytes(pdf.output())


def _table(pdf: FPDF) -> None:
    """The confidence scores: a shaded heading row, then one row a group."""
    pdf.ln(2)
    pdf.set_font("helvetica", "", 11)
    pdf.set_draw_color(160)
    with pdf.table(
        col_widths=(55, 25, 45, 45),
        text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT"),
        padding=(1.5, 3),  # text clear of the lines
        headings_style=FontFace(emphasis="BOLD", fill_color=230),
    ) as table:
        for row in TABLE:
            cells = table.row()
            for text in row:
                cells.cell(text)
    pdf.ln(2)
    pdf.set_font("helvetica", "I", 9)
    pdf.multi_cell(0, 5, "Confidence: the average answer, from 1 (not at all) to 5 (very).")
