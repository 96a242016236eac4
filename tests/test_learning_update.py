"""The learning-update generator: a hand-made corpus with known content, in every format."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from dataclasses import replace

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn

from evidence.model import Record, ValidationError
from learning.framework import parse
from learning.updates import (
    UpdateRequest,
    render_docx,
    render_html,
    render_markdown,
    summarise,
    summary_to_record_data,
)
from learning.updates.wording import md_escape

FRAMEWORK_YAML = """
name: test-plan
title: Test plan 2025
period: {from: 2025-01-01, to: 2026-06-30}
authorities:
  - {name: Dundee, localities: [Lochee, Coldside]}
  - {name: East Ayrshire, localities: [Kilmarnock, Cumnock]}
objectives:
  - code: SO1
    text: Families are heard
    indicators:
      - {code: SO1.1, text: Families say they are listened to}
      - {code: SO1.2, text: Families lead change}
    activities:
      - code: SO1-A
        text: Cafe conversations in every locality
        owners: [GL]
        timescale: Apr 2025 - Mar 2026
        success_criteria: [Families take part in cafe conversations]
  - code: SO2
    text: Learning is shared
    indicators:
      - {code: SO2.1, text: Practitioners change their approach}
      - {code: SO2.2, text: Learning reaches national policy}
    activities:
      - code: SO2-D
        text: The learning framework is used to track change
        owners: [LP]
        timescale: Jun - Mar 2024
        success_criteria: [3 Learning Updates, 4 learning events and 2 national]
        targets:
          - {label: Learning updates, value: 3, record_type: learning_update}
          - label: Learning events in East Ayrshire
            value: 2
            record_type: event
            where: {scope: local}
            authority: East Ayrshire
          - label: Learning events in Dundee
            value: 2
            record_type: event
            where: {scope: local}
            authority: Dundee
          - {label: National events, value: 2, record_type: event, where: {scope: national}}
"""

PERIOD = ("2025-04-01", "2025-06-30")
INTERNAL_TITLE = "Confidential child protection review"
NAME = "Sarah McKay"


def rec(rid: str, type_: str, date: str, indicators: list[str], **kw) -> Record:
    """A record with sensible defaults; ``consent`` defaults to public."""
    kw.setdefault("consent", "public")
    kw.setdefault("title", f"Record {rid}")
    return Record(type=type_, date=date, indicators=indicators, id=rid, **kw)


def dundee(locality: str = "Lochee") -> dict:
    return {"authority": "Dundee", "locality": locality}


def ayrshire() -> dict:
    return {"authority": "East Ayrshire", "locality": "Kilmarnock"}


def event(rid: str, date: str, scope: str, rating: float, people: int, **kw) -> Record:
    fields = {"scope": scope, "participants": people, "rating": rating}
    return rec(rid, "event", date, ["SO2.2"], fields=fields, title=f"Event {rid}", **kw)


@pytest.fixture
def framework():
    return parse(FRAMEWORK_YAML)


@pytest.fixture
def records() -> list[Record]:
    return corpus()


def corpus() -> list[Record]:
    """Fourteen records in the period, three in the previous one, and some just outside."""
    return [
        rec(
            "story-first",
            "family_story",
            "2025-04-01",
            ["SO1.1"],
            consent="anonymised",
            title=f"{NAME} found her voice",
            people=[NAME],
            activities=["SO1-A"],
            quotes=[f"{NAME} said we were listened to for the first time."],
            fields={"family": "Family M", "what_changed": "Sarah now chairs the parents' group."},
            **dundee(),
        ),
        rec(
            "cafe-last",
            "cafe_conversation",
            "2025-06-30",
            ["SO1.1", "SO2.1"],
            quotes=["Come along, it's warm and there's soup."],
            fields={"venue": "Hub", "families": 7, "practitioners": 3},
            **dundee("Coldside"),
        ),
        rec(
            "story-internal",
            "family_story",
            "2025-05-10",
            ["SO1.1"],
            consent="internal",
            title=INTERNAL_TITLE,
            quotes=["Words for the team alone."],
            fields={"what_changed": "Kept inside the team."},
            **dundee(),
        ),
        rec(
            "script",
            "test_of_change",
            "2025-04-10",
            ["SO1.1"],
            title="<script>alert(1)</script> plan",
            quotes=["*bold* | pipe # hash"],
            **dundee(),
        ),
        rec(
            "cafe-ea",
            "cafe_conversation",
            "2025-05-02",
            ["SO2.1"],
            fields={"families": 5, "practitioners": 4},
            **ayrshire(),
        ),
        rec(
            "vble-1",
            "vble_evaluation",
            "2025-05-15",
            ["SO2.1"],
            fields={"participants": 10, "confidence_before": 2, "confidence_after": 4},
        ),
        rec(
            "vble-2",
            "vble_evaluation",
            "2025-06-01",
            ["SO2.1"],
            consent="anonymised",
            fields={"participants": 30, "confidence_before": 3, "confidence_after": 4},
        ),
        event("ev-ea", "2025-04-20", "local", 4, 20, **ayrshire()),
        event("ev-dde", "2025-05-20", "local", 5, 20, **dundee()),
        event("ev-nat", "2025-06-10", "national", 3, 50),
        event("ev-internal", "2025-06-15", "local", 2, 10, consent="internal", **dundee()),
        rec(
            "fund-lochee",
            "fund_decision",
            "2025-05-05",
            ["SO2.1"],
            fields={
                "panel": "Lochee panel",
                "amount_gbp": 1500,
                "families_on_panel": 4,
                "practitioners_on_panel": 4,
            },
            **dundee(),
        ),
        rec(
            "fund-kilm",
            "fund_decision",
            "2025-06-05",
            ["SO2.1"],
            fields={
                "panel": "Kilmarnock panel",
                "amount_gbp": 250.5,
                "families_on_panel": 2,
                "practitioners_on_panel": 5,
            },
            **ayrshire(),
        ),
        rec(
            "lu-1",
            "learning_update",
            "2025-06-20",
            ["SO2.1"],
            fields={"audience": "external", "cites": []},
        ),
        # The previous period: 31 December 2024 to 31 March 2025.
        rec("prev-last", "cafe_conversation", "2025-03-31", ["SO1.1"], fields={"families": 100}),
        rec("prev-mid", "family_story", "2025-01-15", ["SO2.1"]),
        rec("prev-first", "family_story", "2024-12-31", ["SO2.1"]),
        # Outside both periods.
        rec("too-early", "family_story", "2024-12-30", ["SO2.1"]),
        rec("too-late", "cafe_conversation", "2025-07-01", ["SO1.1"], fields={"families": 50}),
    ]


RATINGS = [
    {
        "indicator": "SO1.1",
        "period_from": "2024-10-01",
        "period_to": "2024-12-31",
        "progress": "emerging",
        "confidence": "low",
        "rationale": "Early days.",
        "records": [],
        "rated_by": "GL",
        "rated_at": "2025-01-05T10:00:00Z",
    },
    {
        "indicator": "SO1.1",
        "period_from": "2025-01-01",
        "period_to": "2025-03-31",
        "progress": "developing",
        "confidence": "medium",
        "rationale": f"{NAME} spoke to the board.",
        "records": ["story-first", "story-internal"],
        "rated_by": "GL",
        "rated_at": "2025-04-02T10:00:00Z",
    },
    {
        "indicator": "SO1.1",
        "period_from": "2025-07-01",
        "period_to": "2025-09-30",
        "progress": "established",
        "confidence": "high",
        "rationale": "Later.",
        "records": [],
        "rated_by": "GL",
        "rated_at": "2025-10-02T10:00:00Z",
    },
]


# What the request holds (the rest of ``kw`` is what was gathered for the summary).
ASKED = ("intro", "featured", "annex", "prepared_by", "prepared_on")


def make(framework, records, audience="internal", objectives=None, **kw):
    asked = {k: tuple(v) if isinstance(v, list) else v for k, v in kw.items() if k in ASKED}
    request = UpdateRequest(*PERIOD, audience, tuple(objectives or ()), **asked)
    gathered = {k: v for k, v in kw.items() if k not in ASKED}
    return summarise(framework, records, request, **gathered)


def indicator(summary, code):
    return next(i for o in summary.objectives for i in o.indicators if i.code == code)


def activity(summary, code):
    return next(a for o in summary.objectives for a in o.activities if a.code == code)


def docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


# --- the period ----------------------------------------------------------------------------


def test_period_is_inclusive_at_both_ends(framework, records):
    summary = make(framework, records)
    assert "story-first" in summary.cites and "cafe-last" in summary.cites
    assert "prev-last" not in summary.cites and "too-late" not in summary.cites
    assert len(summary.cites) == 14
    assert (summary.previous.start.isoformat(), summary.previous.end.isoformat()) == (
        "2024-12-31",
        "2025-03-31",
    )


def test_previous_period_counts_and_change(framework, records):
    summary = make(framework, records)
    so11, so21 = indicator(summary, "SO1.1"), indicator(summary, "SO2.1")
    assert (so11.count, so11.previous_count, so11.change) == (4, 1, 3)
    # The earlier learning update (lu-1) counts towards targets, not as SO2.1 evidence.
    assert (so21.count, so21.previous_count, so21.change) == (6, 2, 4)
    assert summary.headline.previous_total == 3
    markdown = render_markdown(summary)
    assert "4 records this period; 1 in the previous period (up 3)." in markdown


def test_previous_records_may_be_given_apart(framework, records):
    in_period = [r for r in records if "2025-04-01" <= r.date <= "2025-06-30"]
    apart = make(framework, iter(in_period), previous_records=iter(records))
    together = make(framework, records)
    assert apart.cites == together.cites
    assert [b for b in apart.chart] == [b for b in together.chart]


def test_bad_input_is_refused_with_the_field(framework, records):
    with pytest.raises(ValidationError) as err:
        summarise(framework, records, UpdateRequest("2025-06-30", "2025-04-01"))
    assert err.value.field == "to"
    with pytest.raises(ValidationError) as err:
        summarise(framework, records, UpdateRequest(*PERIOD, "everyone"))
    assert err.value.field == "audience"
    with pytest.raises(ValidationError) as err:
        summarise(framework, records, UpdateRequest(*PERIOD, "internal", ("SO9",)))
    assert err.value.field == "objectives"


def test_objectives_narrow_the_scope(framework, records):
    summary = make(framework, records, objectives=["SO2"])
    assert [o.code for o in summary.objectives] == ["SO2"]
    assert "story-first" not in summary.cites and "cafe-last" in summary.cites
    assert "This update covers SO2 only." in render_markdown(summary)


# --- what the document says ----------------------------------------------------------------


def test_headline_numbers(framework, records):
    h = make(framework, records).headline
    assert h.total == 13  # evidence only: the earlier learning update is not counted
    assert "learning_update" not in {t.type for t in h.by_type}
    assert {t.type: t.count for t in h.by_type}["event"] == 4
    assert (h.cafe_conversations, h.families, h.practitioners) == (2, 12, 7)
    assert h.vble_participants == 40
    assert h.confidence_before == pytest.approx(2.75)
    assert h.confidence_after == pytest.approx(4.0)
    local = next(e for e in h.events if e.scope == "local")
    assert (local.events, local.participants) == (3, 50)
    assert local.average_rating == pytest.approx((80 + 100 + 20) / 50)
    assert h.fund_total == pytest.approx(1750.5)
    assert h.panel_names == ["Kilmarnock panel", "Lochee panel"]


def test_fifty_fifty_flag(framework, records):
    summary = make(framework, records)
    flagged = [p.panel for p in summary.headline.panels_below_minimum]
    assert flagged == ["Kilmarnock panel"]
    markdown = render_markdown(summary)
    assert "£1,750.50" in markdown
    assert "| Kilmarnock panel | 5 June 2025 | Kilmarnock | £250.50 | 2:5 | **Not met" in markdown
    assert "| Lochee panel | 5 May 2025 | Lochee | £1,500 | 4:4 | Met |" in markdown


def test_gap_is_named_under_its_indicator(framework, records):
    summary = make(framework, records)
    assert summary.gaps == [("SO1.2", "Families lead change")]
    sentence = "No evidence was logged for this indicator between 1 April and 30 June 2025."
    markdown = render_markdown(summary)
    section = markdown.split("### Indicator SO1.2")[1].split("###")[0]
    assert sentence in section
    assert sentence in render_html(summary)
    assert sentence in docx_text(render_docx(summary))


def test_featured_stories_then_the_families_words_not_repeated(framework, records):
    summary = make(framework, records)
    so1 = summary.objectives[0]
    # The rule: stories with a family's words first, newest first, up to three per objective.
    assert [s.record_id for s in so1.stories] == ["story-internal", "story-first"]
    assert so1.stories[1].what_changed == "Sarah now chairs the parents' group."
    assert so1.stories[1].quote == f"{NAME} said we were listened to for the first time."
    assert so1.stories[1].indicators == ("SO1.1",)
    so11 = indicator(summary, "SO1.1")
    # The featured stories' words are not shown again; the newest other words are.
    assert [q.record_id for q in so11.quotes] == ["cafe-last"]
    assert so11.quotes_total == 2 and so11.localities == ["Coldside", "Lochee"]
    # Nothing is featured or quoted twice in one update.
    so21 = indicator(summary, "SO2.1")
    assert not so21.quotes and not summary.objectives[1].stories
    markdown = render_markdown(summary)
    assert markdown.count("Come along, it's warm") == 1
    assert "Unless the editor chose them, each objective features up to three" in markdown


def test_editor_featured_stories_replace_the_rule(framework, records):
    summary = make(framework, records, featured=["story-first", "no-such-record"])
    assert [s.record_id for s in summary.objectives[0].stories] == ["story-first"]
    assert summary.objectives[0].stories[0].chosen
    assert summary.featured == ["story-first"]  # ids the update could not show are left out
    assert "The editor chose the stories featured" in render_markdown(summary)


def test_key_messages_as_written_names_replaced_outside_the_team(framework, records):
    intro = f"## Our year\n\n**{NAME}**'s story moved the board.\n\n- Sarah came *back*\n- Soup"
    internal = make(framework, records, intro=intro)
    external = make(framework, records, "external", intro=intro)
    assert internal.intro == intro.strip()
    assert NAME not in external.intro and "Sarah" not in external.intro
    assert "**Person A**'s story" in external.intro
    for summary in (internal, external):
        markdown = render_markdown(summary)
        # Before the first objective: the title, the key messages and the at-a-glance table.
        front = markdown.split("## Objective SO1:")[0]
        assert [line for line in front.splitlines() if line.startswith("## ")] == [
            "## Key messages",
            "## At a glance",
        ]
        assert "### Our year" in front  # the editor's heading sits below the document's own
    html = render_html(external)
    assert "<h3>Our year</h3>" in html and "<strong>Person A</strong>&#39;s story" in html
    assert "<li>Person A came <em>back</em></li>" in html
    text = docx_text(render_docx(external))
    assert "Person A's story moved the board." in text and NAME not in text


@pytest.mark.parametrize(
    ("audience", "expected"),
    [
        (
            "internal",
            {
                "Learning updates": 1,
                "Learning events in East Ayrshire": 1,
                "Learning events in Dundee": 2,
                "National events": 1,
            },
        ),
        (
            "external",
            {
                "Learning updates": 1,
                "Learning events in East Ayrshire": 1,
                "Learning events in Dundee": 1,
                "National events": 1,
            },
        ),
    ],
)
def test_target_counts(framework, records, audience, expected):
    so2d = activity(make(framework, records, audience), "SO2-D")
    assert {t.label: t.achieved for t in so2d.targets} == expected
    assert [t.value for t in so2d.targets] == [3, 2, 2, 2]
    assert not any(t.met for t in so2d.targets) or audience == "internal"


def test_activity_success_criteria_and_evidence(framework, records):
    summary = make(framework, records)
    so1a = activity(summary, "SO1-A")
    assert so1a.evidence_count == 1 and so1a.recent[0].id == "story-first"
    markdown = render_markdown(summary)
    assert "- Families take part in cafe conversations" in markdown
    assert "| Learning events in Dundee | 2 | 2 | Met |" in markdown
    assert "| Learning updates | 3 | 1 | 2 to go |" in markdown


def test_ratings_latest_before_period_end_and_change(framework, records):
    summary = make(framework, records, ratings=RATINGS)
    rating = indicator(summary, "SO1.1").rating
    assert rating.progress == "developing"
    assert rating.previous_progress == "emerging"
    assert "moved on from emerging" in rating.change and "from low to medium" in rating.change
    assert rating.evidence == ["story-first", "story-internal"]
    assert indicator(summary, "SO2.1").rating is None
    external = indicator(make(framework, records, "external", ratings=RATINGS), "SO1.1").rating
    assert external.evidence == ["story-first"]
    assert NAME not in external.rationale and "Person A" in external.rationale


# --- consent -------------------------------------------------------------------------------


def test_external_never_counts_internal_records(framework, records):
    summary = make(framework, records, "external")
    assert "story-internal" not in summary.cites and "ev-internal" not in summary.cites
    assert indicator(summary, "SO1.1").count == 3
    assert summary.headline.total == 11
    assert {t.type: t.count for t in summary.headline.by_type}["event"] == 3


def test_internal_title_absent_from_every_external_format(framework, records):
    external = make(framework, records, "external")
    internal = make(framework, records, "internal")
    for render in (render_markdown, render_html):
        assert INTERNAL_TITLE not in render(external)
        assert "Words for the team alone" not in render(external)
        assert INTERNAL_TITLE in render(internal)
    assert INTERNAL_TITLE not in docx_text(render_docx(external))
    assert INTERNAL_TITLE in docx_text(render_docx(internal))


def test_names_replaced_externally_kept_internally(framework, records):
    external = make(framework, records, "external", ratings=RATINGS)
    internal = make(framework, records, "internal", ratings=RATINGS)
    for part in ("Sarah", "McKay"):
        assert part not in render_markdown(external)
        assert part not in render_html(external)
        assert part not in docx_text(render_docx(external))
    assert "Person A found her voice" in render_markdown(external)
    assert "Person A now chairs" in render_markdown(external)
    assert NAME in render_markdown(internal) and NAME in render_html(internal)
    assert NAME in docx_text(render_docx(internal))


# --- formats -------------------------------------------------------------------------------


def test_markdown_structure_and_escaping(framework, records):
    markdown = render_markdown(make(framework, records, featured=["script"], ratings=RATINGS))
    for heading in (
        "# Learning update: 1 April – 30 June 2025 (internal)",
        "## Key messages",
        "## At a glance",
        "## Objective SO1: Families are heard",
        "### Indicator SO1.1: Families say they are listened to",
        "### Featured stories",
        "### No evidence yet",
        "### Key activities",
        "## The period in numbers",
        "## Annex A: Make it Happen Fund decisions by panel",
        "## Annex B: Evidence cited",
    ):
        assert heading + "\n" in markdown
    assert "&lt;script>" in markdown and "<script>" not in markdown
    assert r"\*bold\* \| pipe \# hash" in markdown
    # The annex: title (linked to its record page), type, date, locality.
    assert (
        "| [Sarah McKay found her voice](/records/story-first) | Family story | 1 April 2025 "
        "| Lochee |" in markdown
    )
    # At a glance: one row per indicator, its code first; figures not there yet.
    glance = "| **SO1.1** Families say they are listened to | 4 | +3 | Developing (medium) |"
    assert glance + " no figures yet |" in markdown
    assert "| **SO1.2** Families lead change | 0 | 0 | not yet rated | no figures yet |" in (
        markdown
    )


def test_md_escape_keeps_structure():
    assert md_escape("# heading\nnext line") == r"\# heading next line"
    assert md_escape("- item") == r"\- item"
    assert md_escape("1. first") == r"1\. first"
    assert md_escape("[link](http://x)") == r"\[link\](http://x)"


def test_html_is_standalone_escaped_and_printable(framework, records):
    html = render_html(make(framework, records))
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; plan" in html
    assert "@media print" in html and "<svg" in html
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    assert "<link" not in html and "<img" not in html
    assert html.count('class="bar-current"') == 4


def test_docx_has_headings_tables_quotes_and_chart(framework, records):
    data = render_docx(make(framework, records, "external", ratings=RATINGS))
    doc = Document(io.BytesIO(data))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:3] == ["Key messages", "At a glance", "Objective SO1: Families are heard"]
    assert "Indicator SO1.1: Families say they are listened to" in headings
    assert headings[-2:] == [
        "Annex A: Make it Happen Fund decisions by panel",
        "Annex B: Evidence cited",
    ]
    levels = {p.style.name for p in doc.paragraphs if p.style.name.startswith("Heading")}
    assert levels == {"Heading 1", "Heading 2", "Heading 3"}
    # The title page: title, programme, plan, period, audience, who prepared it.
    front = [p.text for p in doc.paragraphs[:14]]
    assert "Learning update: 1 April – 30 June 2025 (external)" in front
    for fact in ("Programme: What Matters to You", "Plan: Test plan 2025", "Prepared by: "):
        assert any(line.startswith(fact) for line in front), fact
    quotes = [p.text for p in doc.paragraphs if "Quote" in p.style.name]
    assert any("Person A said we were listened to" in q for q in quotes)
    assert len(doc.inline_shapes) == 1
    # Every table in one named style, its header row repeated on each page it spans.
    assert len(doc.tables) >= 5
    assert {t.style.name for t in doc.tables} == {"Light List Accent 1"}
    for table in doc.tables:
        assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    glance = doc.tables[0]
    assert [c.text for c in glance.rows[0].cells][:3] == ["Code", "Indicator", "Records"]
    assert [row.cells[0].text for row in glance.rows[1:]] == ["SO1.1", "SO1.2", "SO2.1", "SO2.2"]
    number_cell = glance.rows[1].cells[2].paragraphs[0]
    assert number_cell.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    props = doc.core_properties
    assert props.title == "Learning update: 1 April – 30 June 2025 (external)"
    assert props.author and "1 April – 30 June 2025" in props.subject
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    assert 'TOC \\o "1-1"' in xml and "<w:instrText" in xml  # a contents field, not typed
    assert 'descr="Bar chart of records of evidence per indicator' in xml
    footer = zipfile.ZipFile(io.BytesIO(data)).read("word/footer1.xml").decode()
    assert " PAGE " in footer
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        images = [n for n in archive.namelist() if n.startswith("word/media/")]
        assert images and archive.read(images[0]).startswith(b"\x89PNG")


def test_docx_columns_fit_their_words(framework, records):
    from learning.updates.docx_writer import column_widths

    header = ["Record", "Type", "Date", "Amount"]
    rows = [("A very long title " * 6, "Café conversation", "10 Mar 2025", "£1,250")] * 3
    widths = column_widths(header, rows, 480, 8)
    assert abs(sum(widths) - 480) < 0.5
    per_char = 8 * 0.62  # points a wide character takes at 8 pt
    assert widths[1] >= len("conversation") * per_char  # the longest word is never broken
    assert widths[2] >= len("10 Mar 2025") * per_char  # a date is kept on one line
    assert widths[0] == max(widths)  # the room left goes to the long text
    small = column_widths(["Scope", "Events"], [("Local", "3")], 480, 9)
    assert sum(small) < 200  # a small table is not stretched across the page


def test_annex_left_out_when_asked(framework, records):
    summary = make(framework, records, "external", annex=False)
    markdown = render_markdown(summary)
    assert "Annex" not in markdown and "## The period in numbers" in markdown
    assert "The full lists (every fund decision by panel, every record cited) are left out" in (
        markdown
    )
    assert "| Lochee | 1 | £1,500 | 1 of 1 |" in markdown  # the fund, summarised per locality
    html = render_html(summary)
    assert "Annex" not in html and "/records/" in html  # stories still link to their records
    assert "Annex" not in docx_text(render_docx(summary))
    assert summary_to_record_data(summary, "LP")["fields"]["annex"] == "false"


@pytest.mark.skipif(
    not (shutil.which("libreoffice") or shutil.which("soffice")), reason="no LibreOffice"
)
def test_docx_converts_to_pdf(framework, records, tmp_path):
    source = tmp_path / "update.docx"
    source.write_bytes(render_docx(make(framework, records)))
    office = shutil.which("libreoffice") or shutil.which("soffice")
    result = subprocess.run(
        [
            office,
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        timeout=180,
        check=False,
    )
    pdf = tmp_path / "update.pdf"
    assert result.returncode == 0 and pdf.exists(), result.stderr
    assert pdf.read_bytes().startswith(b"%PDF")


def test_empty_period_still_makes_a_document(framework):
    summary = make(framework, [], "external")
    assert summary.cites == [] and len(summary.gaps) == 4
    assert "No records were cited" in render_markdown(summary)
    assert render_docx(summary).startswith(b"PK")


# --- saving as a record --------------------------------------------------------------------


def test_record_data(framework, records):
    summary = make(framework, records, "external")
    data = summary_to_record_data(summary, "LP")
    assert data["type"] == "learning_update"
    assert data["title"] == "Learning update: 1 April – 30 June 2025 (external)"
    assert data["date"] == "2025-06-30" and data["consent"] == "anonymised"
    assert data["indicators"] == ["SO1.1", "SO2.1", "SO2.2"]
    assert data["fields"] == {
        "period_from": "2025-04-01",
        "period_to": "2025-06-30",
        "audience": "external",
        "objectives": ["SO1", "SO2"],  # every objective of the plan: none were named
        "cites": summary.cites,
        "annex": "true",
    }
    assert data["body"] == render_markdown(summary)
    assert summary_to_record_data(make(framework, records), "LP")["consent"] == "internal"
    empty = summary_to_record_data(make(framework, []), "LP")
    assert empty["indicators"] == ["SO1.1", "SO1.2", "SO2.1", "SO2.2"]


def test_a_table_too_wide_for_the_page_gets_a_landscape_section(framework, records):
    from docx.enum.section import WD_ORIENT

    long_name = "The Kilmarnock and Cumnock families' Make it Happen Fund decision-making panel"
    wide = [
        replace(r, fields={**r.fields, "panel": f"{long_name} (sitting {n})"})
        if r.type == "fund_decision"
        else r
        for n, r in enumerate(records)
    ]
    doc = Document(io.BytesIO(render_docx(make(framework, wide, "external"))))
    orientations = [s.orientation for s in doc.sections]
    assert orientations == [WD_ORIENT.PORTRAIT, WD_ORIENT.LANDSCAPE, WD_ORIENT.PORTRAIT]
    landscape = doc.sections[1]
    assert landscape.page_width > landscape.page_height
    # The narrow annex of the test corpus stays portrait.
    plain = Document(io.BytesIO(render_docx(make(framework, records, "external"))))
    assert [s.orientation for s in plain.sections] == [WD_ORIENT.PORTRAIT]
