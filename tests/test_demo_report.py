"""The demo's evaluation report (``learning/demo/report.py``): a PDF the attachments door keeps."""

from __future__ import annotations

import io

from pypdf import PdfReader

from learning.attachments.files import prepare
from learning.demo.report import SECTIONS, TABLE, TITLE, report_pdf


def test_the_report_is_a_pdf_whose_text_is_read_with_its_headings_and_table():
    data = report_pdf()
    kept = prepare(data, "VBLE evaluation.pdf")
    assert (kept.kind, kept.data, kept.note) == ("pdf", data, None)
    words = " ".join(kept.text.split())
    assert " ".join(TITLE.split()) in words
    for heading, paragraphs in SECTIONS:
        assert heading in words and " ".join(paragraphs[0].split()[:8]) in words
    assert all(" ".join(row) in words for row in TABLE)
    assert PdfReader(io.BytesIO(data)).metadata.title == TITLE


def test_the_report_is_the_same_every_time():
    assert report_pdf() == report_pdf()
