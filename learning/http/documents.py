"""Learning-update documents for the web and the API: their formats, bytes and file names.

Updates are made by ``learning.reporting.make`` and saved (and made again as documents) by
``learning.saved_updates``; this module only turns a made update into a download.
"""

from __future__ import annotations

from learning.updates import Summary, render_docx, render_markdown

FORMATS = {
    "md": ("text/markdown; charset=utf-8", "md"),
    "html": ("text/html; charset=utf-8", "html"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
}
# The standalone HTML document carries its own styles; it runs no script and loads nothing.
DOCUMENT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


def summary_bytes(summary: Summary, fmt: str) -> bytes:
    """The document in one of ``FORMATS``."""
    if fmt == "docx":
        return render_docx(summary)
    if fmt == "html":
        from learning.updates import render_html

        return render_html(summary).encode("utf-8")
    return render_markdown(summary).encode("utf-8")


def file_name(title: str, fmt: str) -> str:
    """A safe download name from a title."""
    stem = "".join(c if c.isalnum() else "-" for c in title.lower()).strip("-")
    while "--" in stem:
        stem = stem.replace("--", "-")
    return f"{stem[:80] or 'learning-update'}.{FORMATS[fmt][1]}"
