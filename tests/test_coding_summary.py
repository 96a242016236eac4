"""The coding summary of a code: counts, grouping, the code × locality table, the codes sharing
its passages, and the three documents (Markdown, standalone HTML, Word) a reader gets."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date
from html.parser import HTMLParser
from itertools import pairwise

import pytest
from docx import Document
from docx.oxml.ns import qn
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.model import ValidationError
from learning.coding.summary import (
    LOCALITY_COLUMNS,
    QUOTE_CHARS,
    QUOTED_PER_GROUP,
    SHARED_SHOWN,
    CodeInfo,
    Passage,
    render_docx,
    render_html,
    render_markdown,
    summarise_code,
)

CODES = {
    c.id: c
    for c in [
        CodeInfo("trust", "Trust", "Where families say they trust workers.", "#2a9d8f", None),
        CodeInfo("trust-workers", "Trust in workers", "", "#264653", "trust"),
        CodeInfo("trust-new", "New workers", "", "#264653", "trust-workers"),
        CodeInfo("trust-services", "Trust in services", "", "#e9c46a", "trust"),
        CodeInfo("trust-unused", "Trust in nobody", "", "#e9c46a", "trust"),
        CodeInfo("voice", "Being heard", "", "#f4a261", None),
        CodeInfo("money", "Money worries", "", "#e76f51", None),
        CodeInfo("themes", "Themes", "", "#000000", None),
    ]
}
TYPES = {"family_story": "Family story", "cafe_conversation": "Café conversation"}
WHEN = ("2025-04-01", "2025-06-30")


def passage(n: int, record: str, codes: tuple[str, ...], **kw) -> Passage:
    fields = {
        "excerpt": f"E{n}",
        "record": record,
        "title": f"Record {record}",
        "type": "family_story",
        "date": "2025-04-10",
        "locality": "Lochee",
        "authority": "Dundee",
        "text": f"Passage {n} about trust.",
        "codes": codes,
    }
    return Passage(**{**fields, **kw})


PASSAGES = [
    passage(1, "R1", ("trust",)),
    passage(2, "R1", ("trust", "voice")),
    passage(3, "R2", ("trust-workers", "voice"), locality="Alloa", authority="Clackmannanshire"),
    passage(4, "R3", ("trust-new", "money", "voice"), type="cafe_conversation"),
    passage(5, "R4", ("trust-services",), locality="", authority="Dundee"),
    passage(6, "R4", ("trust", "trust-services"), locality="", authority="Dundee"),
]


def summarise(passages=PASSAGES, code="trust", audience="external", **kw):
    return summarise_code(
        CODES[code], CODES, passages, WHEN, audience, "LP", TYPES, date(2025, 7, 1), **kw
    )


# --- the summary -----------------------------------------------------------------------------


def test_counts_passages_records_and_localities():
    s = summarise([*PASSAGES, PASSAGES[0]])  # a passage given twice counts once
    assert (s.count.passages, s.count.records, s.localities) == (6, 4, 2)  # no locality: none
    assert s.title == "Coding summary: Trust" and s.period == "1 April – 30 June 2025"
    assert s.children == ("Trust in nobody", "Trust in services", "Trust in workers")
    assert summarise(code="trust-new", passages=[PASSAGES[3]]).parent == "Trust in workers"


def test_table_has_the_code_and_each_sub_code_with_passages_by_locality():
    table = summarise().table
    assert table.corner == "Code"
    assert table.columns == ("Alloa", "Lochee", "Dundee (no locality)", "All localities")
    rows = {row.label: [(c.passages, c.records) for c in row.cells] for row in table.rows}
    assert rows == {
        "Trust": [(0, 0), (2, 1), (1, 1), (3, 2)],
        "– Trust in workers": [(1, 1), (0, 0), (0, 0), (1, 1)],
        "– – New workers": [(0, 0), (1, 1), (0, 0), (1, 1)],
        "– Trust in services": [(0, 0), (0, 0), (2, 1), (2, 1)],
        "All of Trust": [(1, 1), (3, 2), (2, 1), (6, 4)],  # passage 6 has two: counted once
    }
    assert [row.total for row in table.rows] == [False] * 4 + [True]
    assert "Trust in nobody" not in str(rows)  # a sub-code without passages has no row


def test_many_localities_make_the_rows_and_the_codes_the_columns():
    places = [f"Place {n:02d}" for n in range(LOCALITY_COLUMNS + 1)]
    many = [passage(n, f"R{n}", ("trust",), locality=p) for n, p in enumerate(places)]
    many.append(passage(99, "R0", ("trust-services",), locality=places[0]))
    table = summarise(many).table
    assert table.corner == "Locality"
    assert table.columns == ("Trust", "Trust in services", "Total")
    assert [row.label for row in table.rows] == [*places, "All localities"]
    first, last = table.rows[0], table.rows[-1]
    assert [(c.passages, c.records) for c in first.cells] == [(1, 1), (1, 1), (2, 1)]
    assert [(c.passages, c.records) for c in last.cells] == [(7, 7), (1, 1), (8, 7)]


def test_codes_sharing_passages_are_outside_its_branch_most_first():
    s = summarise()
    assert [(c.id, c.passages, c.percent) for c in s.shared] == [("voice", 3, 50), ("money", 1, 17)]


def test_a_long_list_of_sharing_codes_is_cut_and_says_how_many_more():
    codes = dict(CODES)
    extra = [CodeInfo(f"x{n:02d}", f"Extra {n:02d}", "", "#000000", None) for n in range(30)]
    codes.update({c.id: c for c in extra})
    passages = [passage(n, "R1", ("trust", *[c.id for c in extra[: n + 1]])) for n in range(30)]
    s = summarise_code(CODES["trust"], codes, passages, WHEN, "internal")
    assert len(s.shared) == SHARED_SHOWN and s.shared_left_out == 30 - SHARED_SHOWN
    assert s.shared[0].name == "Extra 00" and s.shared[0].passages == 30
    assert f"{30 - SHARED_SHOWN} more codes share fewer passages" in render_markdown(s)


def test_passages_grouped_by_locality_then_record_type_under_their_records():
    s = summarise()
    assert [g.locality for g in s.groups] == ["Alloa", "Lochee", "Dundee (no locality)"]
    lochee = s.groups[1]
    assert lochee.authority == "Dundee" and lochee.count.passages == 3
    assert [t.label for t in lochee.types] == ["Café conversation", "Family story"]
    story = lochee.types[1]
    assert [r.record for r in story.quoted] == ["R1"]
    assert story.quoted[0].quotes == (("Passage 1 about trust.",), ("Passage 2 about trust.",))


def test_a_long_group_quotes_the_oldest_and_says_what_it_left_out():
    n = QUOTED_PER_GROUP
    # R0 has two passages, the oldest; then a record each, the last four past the cut.
    many = [passage(0, "R0", ("trust",), date="2025-04-01")]
    many += [passage(i, f"R{i}", ("trust",), date=f"2025-05-{i:02d}") for i in range(1, n + 3)]
    many.append(passage(99, "R0", ("trust",), date="2025-04-01"))
    s = summarise(many)
    group = s.groups[0].types[0]
    assert (group.count.passages, group.count.records) == (n + 4, n + 3)
    assert sum(len(r.quotes) for r in group.quoted) == n
    assert group.quoted[0].record == "R0" and len(group.quoted[0].quotes) == 2
    text = render_markdown(s)
    assert f"{n + 4} passages from {n + 3} records" in text
    left = n + 4 - n
    assert f"And {left} more passages from {left} other records, not quoted here." in text
    assert f"At most {n} passages are quoted for each locality and record type" in text


def test_what_is_left_out_names_the_records_above_apart_from_others():
    n = QUOTED_PER_GROUP
    many = [passage(i, "R1", ("trust",)) for i in range(n + 2)]
    many.append(passage(50, "R2", ("trust",), date="2025-06-01"))
    text = render_markdown(summarise(many))
    assert (
        "And 3 more passages, not quoted here: 2 passages from the records above, "
        "1 passage from 1 other record." in text
    )


def test_long_passages_are_shortened_and_paragraphs_kept():
    long = " ".join(["word"] * QUOTE_CHARS)
    s = summarise([passage(1, "R1", ("trust",), text="First.\n\nSecond " + long)])
    (quote,) = s.groups[0].types[0].quoted[0].quotes
    assert quote[0] == "First." and quote[1].endswith(" […]")
    assert len(quote[1]) <= QUOTE_CHARS + 4


def test_record_types_in_words_from_the_framework_or_made_readable():
    s = summarise_code(
        CODES["trust"],
        CODES,
        [passage(1, "R1", ("trust",), type="vble_evaluation")],
        WHEN,
        "internal",
    )
    assert s.groups[0].types[0].label == "Vble evaluation"
    labelled = summarise([passage(1, "R1", ("trust",), type="cafe_conversation")])
    assert labelled.groups[0].types[0].label == "Café conversation"


@pytest.mark.parametrize(
    ("period", "audience", "field"),
    [
        (("2025-13-01", None), "internal", "from"),
        ((None, "soon"), "internal", "to"),
        (("2025-06-30", "2025-04-01"), "internal", "to"),
        ((None, None), "everyone", "audience"),
    ],
)
def test_bad_period_or_audience_names_the_field(period, audience, field):
    with pytest.raises(ValidationError) as error:
        summarise_code(CODES["trust"], CODES, PASSAGES, period, audience)
    assert error.value.field == field


@pytest.mark.parametrize(
    ("period", "label"),
    [
        ((None, None), "All dates"),
        (("2025-04-01", None), "From 1 April 2025"),
        ((None, "2025-06-30"), "Up to 30 June 2025"),
        (("2024-12-01", "2025-01-31"), "1 December 2024 – 31 January 2025"),
    ],
)
def test_period_in_words(period, label):
    assert summarise_code(CODES["trust"], CODES, [], period, "internal").period == label


def test_no_passages_still_makes_every_document():
    s = summarise([])
    assert s.table is None and s.count.passages == 0
    assert "No passages were coded with this code or its sub-codes" in render_markdown(s)
    assert "No passages were coded" in render_html(s)
    assert "No passages were coded" in docx_text(render_docx(s))


@settings(max_examples=60, deadline=None)
@given(
    # A record has one place and one type, whichever of its passages is read.
    st.lists(
        st.tuples(
            st.sampled_from(["Lochee", "Alloa", "", "Coldside"]),
            st.sampled_from(["family_story", "cafe_conversation", "event_feedback"]),
        ),
        min_size=6,
        max_size=6,
    ),
    st.lists(
        st.tuples(
            st.integers(0, 5),
            st.lists(st.sampled_from(list(CODES)), min_size=1, max_size=3, unique=True),
        ),
        max_size=25,
    ),
)
def test_every_count_adds_up_to_the_totals(records, rows):
    passages = [
        passage(n, f"R{r}", tuple(codes), locality=records[r][0], type=records[r][1])
        for n, (r, codes) in enumerate(rows)
    ]
    s = summarise(passages)
    assert s.count.passages == len(passages) == sum(g.count.passages for g in s.groups)
    for g in s.groups:
        assert g.count.passages == sum(t.count.passages for t in g.types)
        for t in g.types:
            quoted = sum(len(r.quotes) for r in t.quoted)
            assert quoted == min(t.count.passages, QUOTED_PER_GROUP)
            assert quoted + t.more_above + t.more_others.passages == t.count.passages
    if s.table:
        totals = s.table.rows[-1].cells if s.table.corner == "Locality" else None
        grand = (totals or s.table.rows[-1].cells)[-1]
        assert (grand.passages, grand.records) == (s.count.passages, s.count.records)


# --- the documents ---------------------------------------------------------------------------

NAMED = [
    passage(
        1, "R1", ("trust",), text="[Parent 1] said the worker listened to [Child 1].\nIt helped."
    ),
    passage(2, "R2", ("trust", "voice"), title="Café *notes* #1 <b>bold</b>", date="2025-05-02"),
]


def test_markdown_has_the_title_block_table_shared_codes_and_quotes():
    text = render_markdown(summarise())
    assert text.startswith("# Coding summary: Trust\n")
    for line in (
        "**Programme:** What Matters to You (WM2U)  ",
        "**Period:** 1 April – 30 June 2025  ",
        "**Audience:** Boards, councils and partners (external)  ",
        "**Date:** 1 July 2025  ",
        "**Prepared by:** The WM2U programme team (LP)",
        "**In numbers:** 6 passages from 4 records in 2 localities.",
        "| Code | Alloa | Lochee | Dundee (no locality) | All localities |",
        "| – – New workers | – | 1 (1) | – | 1 (1) |",
        "| **All of Trust** | **1 (1)** | **3 (2)** | **2 (1)** | **6 (4)** |",
        "| Being heard | 3 (50%) |",
        "### Lochee (Dundee)",
        "#### Family story: 2 passages from 1 record",
        "**Record R1** (Family story, 10 April 2025)",
        "> Passage 1 about trust.",
    ):
        assert line + "\n" in text, line
    assert "\n\n\n" not in text


def test_redacted_names_appear_as_given_and_typed_text_is_escaped():
    s = summarise(NAMED, audience="external")
    md, html, word = render_markdown(s), render_html(s), docx_text(render_docx(s))
    for text in (md, html, word):
        assert "[Parent 1] said the worker listened to [Child 1]." in text.replace(
            "\\[", "["
        ).replace("\\]", "]")
    assert "> It helped.\n" in md
    assert r"Café \*notes\* \#1 &lt;b>bold&lt;/b>" in md
    assert "Café *notes* #1 &lt;b&gt;bold&lt;/b&gt;" in html and "<b>bold" not in html
    assert "Café *notes* #1 <b>bold</b>" in word


def test_html_is_one_accessible_page_that_loads_nothing():
    hostile = replace(CODES["trust"], colour="red;background:url(http://evil.example/x)")
    s = summarise_code(hostile, CODES, PASSAGES, WHEN, "internal")
    page = Page()
    page.feed(render_html(s))
    assert page.lang == "en-GB" and page.tags["title"] == 1
    assert not page.references, page.references  # no src, href or url(): nothing fetched
    assert "evil.example" not in render_html(s)
    assert page.headings[0] == 1 and all(b - a <= 1 for a, b in pairwise(page.headings))
    assert page.headings.count(1) == 1
    assert page.th and all(scope in ("col", "row") for scope in page.th)
    assert page.tags.get("script", 0) == 0 and page.tags.get("link", 0) == 0
    assert page.tags["blockquote"] == len(PASSAGES)
    good = Page()
    good.feed(render_html(summarise()))
    assert 'style="background: #2a9d8f"' in render_html(summarise())  # a real colour's swatch
    assert not good.references


def test_docx_has_headings_tables_with_repeated_header_and_properties():
    data = render_docx(summarise())
    doc = Document(io.BytesIO(data))
    styles = [p.style.name for p in doc.paragraphs]
    assert styles[0] == "Title" and doc.paragraphs[0].text == "Coding summary: Trust"
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == [
        "About this code",
        "Passages by locality",
        "Codes that share passages",
        "Passages",
    ]
    assert [p.text for p in doc.paragraphs if p.style.name == "Heading 2"] == [
        "Alloa (Clackmannanshire)",
        "Lochee (Dundee)",
        "Dundee (no locality)",
    ]
    assert "Family story: 2 passages from 1 record" in [
        p.text for p in doc.paragraphs if p.style.name == "Heading 3"
    ]
    quotes = [p.text for p in doc.paragraphs if p.style.name == "Quote"]
    assert quotes == [f"Passage {n} about trust." for n in (3, 4, 1, 2, 5, 6)]
    table, shared = doc.tables
    assert table.style.name == "Light List Accent 1"
    for t in doc.tables:
        assert t.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert [c.text for c in table.rows[0].cells] == [
        "Code",
        "Alloa",
        "Lochee",
        "Dundee (no locality)",
        "All localities",
    ]
    assert [c.text for c in table.rows[-1].cells] == [
        "All of Trust",
        "1 (1)",
        "3 (2)",
        "2 (1)",
        "6 (4)",
    ]
    assert all(r.bold for c in table.rows[-1].cells for p in c.paragraphs for r in p.runs)
    assert [c.text for c in shared.rows[1].cells] == ["Being heard", "3 (50%)"]
    props = doc.core_properties
    assert props.title == "Coding summary: Trust" and props.category == "Coding summary"
    assert "LP" in props.author
    footer = doc.sections[0].footer.paragraphs[0]._p.xml
    assert "PAGE" in footer  # page numbers


def test_docx_turns_landscape_for_a_table_too_wide_for_the_page():
    from docx.enum.section import WD_ORIENT

    codes = dict(CODES)
    subs = [
        CodeInfo(f"s{n}", f"A sub-code with a long name {n}", "", "#000000", "trust")
        for n in range(9)
    ]
    codes.update({c.id: c for c in subs})
    places = [f"Locality {n}" for n in range(LOCALITY_COLUMNS + 1)]
    passages = [
        passage(n * 10 + m, f"R{n}", (c.id,), locality=p)
        for n, p in enumerate(places)
        for m, c in enumerate(subs)
    ]
    s = summarise_code(CODES["trust"], codes, passages, WHEN, "internal")
    assert s.table.corner == "Code"  # more codes than places: codes stay the rows
    doc = Document(io.BytesIO(render_docx(s)))
    assert [sec.orientation for sec in doc.sections] == [
        WD_ORIENT.PORTRAIT,
        WD_ORIENT.LANDSCAPE,
        WD_ORIENT.PORTRAIT,
    ]


# --- helpers ---------------------------------------------------------------------------------


def docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


class Page(HTMLParser):
    """What a standalone page must not have (references) and must have (structure)."""

    def __init__(self) -> None:
        super().__init__()
        self.lang = None
        self.tags: dict[str, int] = {}
        self.headings: list[int] = []
        self.th: list[str | None] = []
        self.references: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags[tag] = self.tags.get(tag, 0) + 1
        if tag == "html":
            self.lang = a.get("lang")
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "th":
            self.th.append(a.get("scope"))
        for name in ("src", "href", "srcset", "action", "data", "poster"):
            if a.get(name):
                self.references.append(f"{tag} {name}={a[name]}")
        if "url(" in (a.get("style") or ""):
            self.references.append(f"{tag} style={a['style']}")

    def handle_data(self, data):
        if "url(" in data or "@import" in data:
            self.references.append(data.strip()[:80])


def test_the_tables_note_names_the_code_only_when_it_has_a_row_of_its_own():
    own = render_markdown(summarise())
    assert "Trust counts the passages coded with it, each sub-code its own; the last row" in own
    folder = render_markdown(summarise([PASSAGES[2], PASSAGES[4]]))  # sub-codes' passages only
    assert "Each sub-code counts its own passages; the last row counts every passage" in folder
    assert "Trust counts" not in folder
