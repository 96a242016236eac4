"""Charts of figures in learning updates: one per plan measure under its indicator, drawn
once, with the figures in words as alt text, and nothing withheld from an external reader."""

from __future__ import annotations

import base64
import io
import re
import zipfile
from pathlib import Path

import pytest

from learning import charts, data_project
from learning.updates import render_docx, render_html, render_markdown

# 30 June: Dundee 13 and Lochee 3 alone, so Dundee is withheld too (secondary); 30 September:
# Lochee 3, Coldside 12, Dundee 15, so Lochee and Coldside are withheld and Dundee shown.
WITHHELD = "13"
FIGURES = [
    ("2025-03-31", "", 27),
    ("2025-06-30", "", 13),
    ("2025-06-30", "Lochee", 3),
    ("2025-09-30", "", 15),
    ("2025-09-30", "Lochee", 3),
    ("2025-09-30", "Coldside", 12),
]


@pytest.fixture
def register(evidence):
    """Children on the register in Dundee over 2025, and Scotland's count on 31 July."""
    data_project.save(evidence, [
        {"measure": "children_on_cpr", "authority": "Dundee", "locality": locality,
         "period_from": day, "period_to": day, "value": value, "source": "council"}
        for day, locality, value in FIGURES
    ] + [{"measure": "children_on_cpr", "authority": "Scotland", "period_from": "2025-07-31",
          "period_to": "2025-07-31", "value": 2000, "source": "Scottish Government"}],
        "ed")  # fmt: skip
    return evidence


def _update(evidence, audience: str):
    summary = evidence.learning_update("2025-01-01", "2025-12-31", audience).summary
    indicator = next(i for i in summary.glance if i.code == "SO3.2")
    return summary, indicator


def _said(text: str, value: str) -> bool:
    return re.search(rf"(?<![\d,.]){value}(?![\d,])", text) is not None


def _docx_pictures(data: bytes) -> tuple[list[str], list[bytes]]:
    """The Word file's pictures' alt texts and their images, in order."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("word/document.xml").decode()
        images = [archive.read(n) for n in sorted(archive.namelist()) if "media/" in n]
    return re.findall(r'<wp:docPr [^>]*descr="([^"]*)"', xml), images


def _html_charts(html: str) -> list[tuple[str, bytes]]:
    """The HTML file's charts of figures: each alt text and its SVG."""
    found = re.findall(r'<img src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]*)"', html)
    return [(alt, base64.b64decode(data)) for data, alt in found]


def _svg_texts(svg: bytes) -> list[str]:
    """The words an SVG drawn by matplotlib shows (it keeps each text as a comment)."""
    return [t.strip() for t in re.findall(r"<!-- (.*?) -->", svg.decode())]


def test_an_external_charts_pictures_and_words_leave_out_a_withheld_figure(register) -> None:
    summary, indicator = _update(register, "external")
    [chart] = indicator.charts
    # One line per authority: no localities, and not Scotland (on another scale).
    assert chart.series == {"Dundee": [("2025-03-31", 27), ("2025-06-30", None),
                                       ("2025-09-30", 15)]}  # fmt: skip
    assert "27 on 31 March 2025, not shown on 30 June 2025, 15 on 30 September 2025" in chart.alt
    assert not _said(chart.alt, WITHHELD)
    # Word: the picture is the chart of the shown figures only, its alt text without it.
    descr, images = _docx_pictures(render_docx(summary))
    assert [d for d in descr if d.startswith("Line chart")] == [chart.alt]
    drawn = charts.update_chart(Path(summary.chart_cache), chart.title, chart.unit,
                                chart.series, "png", chart.places)  # fmt: skip
    assert drawn in images
    # Each authority has the plan's colour for it, whichever others have figures.
    assert chart.places == tuple(register.framework.authorities)
    # HTML: the same chart as SVG in the page itself, its alt text the same words.
    html = render_html(summary)
    [(alt, svg)] = _html_charts(html)
    assert alt == chart.alt and WITHHELD not in _svg_texts(svg)
    assert "Dundee" in _svg_texts(svg) and not any(_said(t, WITHHELD) for t in _svg_texts(svg))
    assert "A gap is a figure not shown outside the team" in html
    assert "Scotland&#39;s figures, on another scale, are in the words above" in html
    assert "Scotland 2,000" in indicator.figures[0]
    # Markdown keeps the words and draws nothing.
    markdown = render_markdown(summary)
    assert "data:image" not in markdown and "![" not in markdown


def test_an_internal_charts_show_the_figure(register) -> None:
    outside, _ = _update(register, "external")
    summary, indicator = _update(register, "internal")
    [chart] = indicator.charts
    assert chart.series["Dundee"][1] == ("2025-06-30", 13)
    assert "13 on 30 June 2025" in chart.alt and not chart.withheld
    descr, images = _docx_pictures(render_docx(summary))
    assert chart.alt in descr
    _, external_images = _docx_pictures(render_docx(outside))
    line_charts = set(images) - set(external_images)
    assert len(line_charts) == 1  # the team's chart draws the point the other leaves out
    [(alt, _)] = _html_charts(render_html(summary))
    assert "13 on 30 June 2025" in alt
    assert "A gap is a figure" not in render_html(summary)


def test_a_chart_is_drawn_once_for_its_figures(register, monkeypatch) -> None:
    drawn, bars = [], []
    draw, draw_bars = charts._draw_small, charts._draw_bars
    monkeypatch.setattr(charts, "_draw_small", lambda *a: drawn.append(a[1]) or draw(*a))
    monkeypatch.setattr(charts, "_draw_bars", lambda *a: bars.append(1) or draw_bars(*a))
    summary, _ = _update(register, "external")
    render_docx(summary)
    render_html(summary)
    assert drawn == ["Children on the Child Protection Register"] * 2  # PNG and SVG
    assert len(bars) == 1
    render_docx(_update(register, "external")[0])
    assert len(drawn) == 2 and len(bars) == 1  # the same figures and counts: nothing drawn
    data_project.save(register, {"measure": "children_on_cpr", "authority": "Dundee",
                                 "period_from": "2025-12-31", "period_to": "2025-12-31",
                                 "value": 30, "source": "council"}, "ed")  # fmt: skip
    render_docx(_update(register, "external")[0])
    assert len(drawn) == 3  # a new figure: a new chart


def test_no_chart_when_every_figure_is_withheld(evidence) -> None:
    data_project.save(evidence, {"measure": "children_on_cpr", "authority": "Dundee",
                                 "period_from": "2025-06-30", "period_to": "2025-06-30",
                                 "value": 4, "source": "council"}, "ed")  # fmt: skip
    summary, indicator = _update(evidence, "external")
    assert indicator.charts == [] and "fewer than 5" in indicator.figures[0]
    assert "data:image/svg" not in render_html(summary)
    assert _update(evidence, "internal")[1].charts[0].series == {"Dundee": [("2025-06-30", 4)]}


def test_a_place_with_nothing_shown_is_named_in_the_legend_without_a_value(tmp_path) -> None:
    series = {"Dundee": [("2025-06-30", None)], "Clackmannanshire": [("2025-06-30", 40)]}
    svg = charts.update_chart(tmp_path, "Children on the register", "count", series, "svg")
    texts = _svg_texts(svg)
    assert "Dundee (not shown)" in texts and "Clackmannanshire" in texts
    png = charts.update_chart(tmp_path, "Children on the register", "count", series, "png")
    assert png.startswith(b"\x89PNG")


def test_a_place_keeps_its_colour_in_every_chart_of_an_update(tmp_path) -> None:
    places = ("Dundee", "Clackmannanshire")
    alone = {"Clackmannanshire": [("2025-03-31", 40), ("2025-06-30", 42)]}
    svg = charts.update_chart(tmp_path, "Looked after", "count", alone, "svg", places).decode()
    assert charts.COLOURS[1] in svg and charts.COLOURS[0] not in svg
