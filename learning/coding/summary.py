"""A code's coding summary (as NVivo's and MAXQDA's code reports): a document a reader wants.

``summarise_tally`` is pure: it takes the code, the codebook and a :class:`Tally` of the
passages of the period the audience may see (every passage counted, the few quoted with their
names already replaced: a big code's counts come from the store's GROUP BY), and makes a
:class:`CodeSummary`; ``summarise_code`` does the same from a list of passages.
``render_markdown``, ``render_html`` and ``render_docx`` lay it out through
``templates/coding_summary.*`` and the learning update's Word writer.

The document: a title block, the code's description, counts (passages, records,
localities), a code × locality table, the codes that share its passages, and its passages by
locality and record type, quoted under their records. Long lists stay readable: at most
``QUOTED_PER_GROUP`` passages are quoted per locality and record type, a passage longer than
``QUOTE_CHARS`` is shortened, at most ``SHARED_SHOWN`` sharing codes are listed; each cut
says what it left out, and every count counts every passage.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from evidence.model import ValidationError
from evidence.periods import collector_paused
from learning.updates.render import environment
from learning.updates.sentences import PROGRAMME, audience_label, prepared
from learning.updates.wording import clean, long_date, period_range, plural

QUOTED_PER_GROUP = 5  # passages quoted per locality × record type; the rest counted
QUOTE_CHARS = 1200  # a longer passage is shortened at a word, marked […]
SHARED_SHOWN = 20  # codes listed as sharing passages; the rest counted
LOCALITY_COLUMNS = 6  # more localities than this: they make the table's rows, not its columns
NO_LOCALITY = "No locality"
SHARED_HEADER = "Passages shared (% of this code's)"
_COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")
MARKDOWN_TEMPLATE = "coding_summary.md.j2"
HTML_TEMPLATE = "coding_summary.html.j2"

AUDIENCE_NOTES = {
    "internal": "For the WM2U team only (internal): passages from every record, whatever "
    "its consent.",
    "external": "For sharing outside the team (external): only passages from records whose "
    "consent allows sharing; the names of people in anonymised records are replaced by "
    "neutral labels.",
}


@dataclass(frozen=True)
class CodeInfo:
    """A code as the reader may see it."""

    id: str
    name: str
    description: str
    colour: str
    parent: str | None


@dataclass(frozen=True)
class Passage:
    """One excerpt as the audience may see it (names already replaced)."""

    excerpt: str
    record: str
    title: str
    type: str
    date: str
    locality: str
    authority: str
    text: str
    codes: tuple[str, ...]  # every code on this excerpt


@dataclass(frozen=True)
class Count:
    """Passages, and the records they come from."""

    passages: int
    records: int


ZERO = Count(0, 0)


def _plus(a: Count, b: Count) -> Count:
    return Count(a.passages + b.passages, a.records + b.records)


@dataclass(frozen=True)
class Tally:
    """A code's passages counted (every one, without its words) and those quoted (with them).

    Counts add up across places and record types: a record has one of each."""

    groups: Mapping[tuple[str, str, str], Count]  # (locality, authority, type): every passage
    codes: Mapping[tuple[str, str, str], Count]  # (code, locality, authority): each code's
    quoted: Sequence[Passage]  # each place and type's oldest QUOTED_PER_GROUP, oldest first
    quoted_records: Mapping[str, int]  # every passage of each record quoted


@dataclass(frozen=True)
class TableRow:
    """One row of the code × locality table; ``cells`` end with the row's total."""

    label: str
    cells: tuple[Count, ...]
    total: bool = False  # the table's last row: every passage once


@dataclass(frozen=True)
class CrossTable:
    """The code × locality table: codes as rows, or localities when they are many."""

    corner: str  # what the rows are: "Code" or "Locality"
    columns: tuple[str, ...]  # ending with the total column
    rows: tuple[TableRow, ...]


@dataclass(frozen=True)
class SharedCode:
    """Another code on some of this code's passages."""

    id: str
    name: str
    passages: int
    percent: int  # of this code's passages


@dataclass(frozen=True)
class QuotedRecord:
    """A record and its passages quoted in a group."""

    record: str
    title: str
    date: str
    quotes: tuple[tuple[str, ...], ...]  # each passage as its paragraphs


@dataclass(frozen=True)
class TypeGroup:
    """A locality's passages from one record type."""

    type: str
    label: str
    count: Count
    quoted: tuple[QuotedRecord, ...]
    more_above: int  # passages not quoted from the records quoted
    more_others: Count  # passages of records none of whose passages is quoted


@dataclass(frozen=True)
class LocalityGroup:
    """A locality's passages, by record type."""

    locality: str
    authority: str
    count: Count
    types: tuple[TypeGroup, ...]


@dataclass(frozen=True)
class CodeSummary:
    """Everything a coding summary shows, in every format."""

    code: CodeInfo
    parent: str  # the parent code's name, or ""
    children: tuple[str, ...]  # the direct sub-codes' names
    period: str
    audience: str
    prepared_on: str
    prepared_by: str
    count: Count
    localities: int
    table: CrossTable | None  # None when there are no passages
    shared: tuple[SharedCode, ...]
    shared_left_out: int
    groups: tuple[LocalityGroup, ...]

    @property
    def title(self) -> str:
        return f"Coding summary: {self.code.name}"

    @property
    def quoted_all(self) -> bool:
        return all(
            not (t.more_above or t.more_others.passages) for g in self.groups for t in g.types
        )


def summarise_code(
    code: CodeInfo,
    codes: Mapping[str, CodeInfo],
    passages: Sequence[Passage],
    period: tuple[str | None, str | None],
    audience: str,
    prepared_by: str = "",
    type_labels: Mapping[str, str] | None = None,
    prepared_on: date | None = None,
    quoted: Callable[[Sequence[Passage]], Mapping[str, Passage]] | None = None,
) -> CodeSummary:
    """The coding summary of ``code`` over the passages of it and its sub-codes.

    ``quoted``, if given, fills in the passages the summary quotes (their words and their
    records' titles, by excerpt id): the caller may then hand in every passage without its
    words, and read the words of the few quoted."""
    tally = tally_of(list({p.excerpt: p for p in passages}.values()))
    if quoted is not None:
        filled = quoted(tally.quoted)
        tally = replace(tally, quoted=[filled.get(p.excerpt, p) for p in tally.quoted])
    return summarise_tally(code, codes, tally, period, audience, prepared_by, type_labels,
                           prepared_on)  # fmt: skip


def summarise_tally(
    code: CodeInfo,
    codes: Mapping[str, CodeInfo],
    tally: Tally,
    period: tuple[str | None, str | None],
    audience: str,
    prepared_by: str = "",
    type_labels: Mapping[str, str] | None = None,
    prepared_on: date | None = None,
) -> CodeSummary:
    """The coding summary of ``code`` from its passages' counts and the passages quoted (a big
    code's counts come from the store's GROUP BY, not from its tens of thousands of passages)."""
    if audience not in AUDIENCE_NOTES:
        raise ValidationError("audience", "must be internal or external")
    branch = _branch(code.id, codes)
    labels = type_labels or {}
    shared = _shared(codes, branch, tally)
    total = _total(tally.groups.values())
    return CodeSummary(
        code=code,
        parent=codes[code.parent].name if code.parent in codes else "",
        children=tuple(c.name for c in _children(code.id, codes)),
        period=period_label(*period),
        audience=audience,
        prepared_on=long_date(prepared_on or date.today()),
        prepared_by=prepared_by,
        count=total,
        localities=len({loc for (loc, _, _), n in tally.groups.items() if loc and n.passages}),
        table=_table(code, codes, branch, tally) if total.passages else None,
        shared=tuple(shared[:SHARED_SHOWN]),
        shared_left_out=max(0, len(shared) - SHARED_SHOWN),
        groups=tuple(_groups(tally, lambda t: labels.get(t) or _type_words(t))),
    )


def tally_of(passages: Sequence[Passage]) -> Tally:
    """Count passages (each once) as the store's GROUP BY does, and pick those to quote."""
    groups: dict[tuple[str, str, str], list[Passage]] = defaultdict(list)
    by_code: dict[tuple[str, str, str], list[Passage]] = defaultdict(list)
    for p in passages:
        groups[(p.locality, p.authority, p.type)].append(p)
        for c in set(p.codes):
            by_code[(c, p.locality, p.authority)].append(p)
    chosen = to_quote(passages)
    records = {p.record for p in chosen}
    return Tally(
        groups={key: _count(ps) for key, ps in groups.items()},
        codes={key: _count(ps) for key, ps in by_code.items()},
        quoted=_oldest(chosen),
        quoted_records=Counter(p.record for p in passages if p.record in records),
    )


def period_label(start: str | None, end: str | None) -> str:
    """The period in words: both ends, one, or "All dates"."""
    first, last = _day(start, "from"), _day(end, "to")
    if first and last and first > last:
        raise ValidationError("to", "is before from")
    if first and last:
        return period_range(first, last)
    if first:
        return f"From {long_date(first)}"
    return f"Up to {long_date(last)}" if last else "All dates"


def _day(value: str | None, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationError(field, "must be a date, YYYY-MM-DD") from None


def _type_words(name: str) -> str:
    """A record type's name made readable, when the framework gives no label."""
    return name.replace("_", " ").capitalize() or "Record"


def _children(parent: str, codes: Mapping[str, CodeInfo]) -> list[CodeInfo]:
    return sorted((c for c in codes.values() if c.parent == parent), key=lambda c: c.name)


def _branch(root: str, codes: Mapping[str, CodeInfo]) -> list[tuple[str, int]]:
    """The code and its sub-codes at any depth, in tree order, with their depth."""
    out, seen = [], set()

    def walk(code: str, depth: int) -> None:
        if code in seen:  # a cycle in a broken codebook must not loop for ever
            return
        seen.add(code)
        out.append((code, depth))
        for child in _children(code, codes):
            walk(child.id, depth + 1)

    walk(root, 0)
    return out


def _count(passages: Iterable[Passage]) -> Count:
    items = list(passages)
    return Count(len(items), len({p.record for p in items}))


def _total(counts: Iterable[Count]) -> Count:
    total = ZERO
    for count in counts:
        total = _plus(total, count)
    return total


def _place_of(locality: str, authority: str) -> str:
    """Where passages come from, as the table and the headings name it."""
    if locality:
        return locality
    return f"{authority} ({NO_LOCALITY.lower()})" if authority else NO_LOCALITY


def _place(p: Passage) -> str:
    return _place_of(p.locality, p.authority)


def _ordered_places(places: Iterable[str]) -> list[str]:
    """The places in order: by name, those without a locality last."""
    return sorted(set(places), key=lambda n: (NO_LOCALITY.lower() in n, n))


def _per_place(counts: Mapping[tuple[str, str], Count]) -> dict[str, Count]:
    """Counts by (locality, authority) summed by place."""
    out: dict[str, Count] = {}
    for (locality, authority), count in counts.items():
        place = _place_of(locality, authority)
        out[place] = _plus(out.get(place, ZERO), count)
    return out


def _table(
    code: CodeInfo,
    codes: Mapping[str, CodeInfo],
    branch: list[tuple[str, int]],
    tally: Tally,
) -> CrossTable:
    """Passages (records) per code of the branch and per place, with totals."""
    seen: dict[tuple[str, str], Count] = {}
    for (locality, authority, _), count in tally.groups.items():
        seen[(locality, authority)] = _plus(seen.get((locality, authority), ZERO), count)
    everything = _per_place(seen)
    places = _ordered_places(everything)
    lines = []  # (row label, column label, passages per place) for each code with any
    for code_id, depth in branch:
        mine = _per_place({(loc, auth): n for (c, loc, auth), n in tally.codes.items()
                           if c == code_id and n.passages})  # fmt: skip
        if mine:
            name = codes[code_id].name if code_id in codes else code_id
            lines.append(("– " * depth + name, name, mine))
    # One code's row may be every passage already; else a row counts each passage once.
    whole = _total(everything.values())
    total = len(lines) != 1 or _total(lines[0][2].values()).passages != whole.passages
    if total:
        lines.append((f"All of {code.name}" if lines else code.name, "Total", everything))
    if len(places) > LOCALITY_COLUMNS and len(lines) <= len(places):
        return _turned(places, lines)
    rows = [
        TableRow(label, _cells(places, mine), total=total and n == len(lines) - 1)
        for n, (label, _, mine) in enumerate(lines)
    ]
    return CrossTable("Code", (*places, "All localities"), tuple(rows))


def _cells(places: list[str], by_place: Mapping[str, Count]) -> tuple[Count, ...]:
    """One count per place, then the total."""
    return (*(by_place.get(place, ZERO) for place in places), _total(by_place.values()))


def _turned(places: list[str], lines: list[tuple[str, str, Mapping[str, Count]]]) -> CrossTable:
    """The table turned: a row per place, a column per code (many places fit down a page)."""
    columns = [_cells(places, mine) for _, _, mine in lines]
    rows = [TableRow(place, tuple(c[n] for c in columns)) for n, place in enumerate(places)]
    rows.append(TableRow("All localities", tuple(c[-1] for c in columns), total=True))
    return CrossTable("Locality", tuple(name for _, name, _ in lines), tuple(rows))


def _shared(
    codes: Mapping[str, CodeInfo], branch: list[tuple[str, int]], tally: Tally
) -> list[SharedCode]:
    """Codes outside the branch on the same passages, most passages first."""
    own = {code for code, _ in branch}
    counts: Counter[str] = Counter()
    for (c, _, _), n in tally.codes.items():
        if c not in own:
            counts[c] += n.passages
    total = _total(tally.groups.values()).passages or 1
    shared = [
        SharedCode(c, codes[c].name if c in codes else c, n, round(100 * n / total))
        for c, n in counts.items()
        if n
    ]
    return sorted(shared, key=lambda s: (-s.passages, s.name.casefold(), s.id))


def _groups(tally: Tally, label: Callable[[str], str]) -> list[LocalityGroup]:
    """The passages by place, then record type, then record (oldest first)."""
    by_place: dict[str, dict[str, Count]] = defaultdict(dict)
    authorities: dict[str, Counter[str]] = defaultdict(Counter)
    for (locality, authority, type_), count in sorted(tally.groups.items()):
        place = _place_of(locality, authority)
        by_place[place][type_] = _plus(by_place[place].get(type_, ZERO), count)
        authorities[place][authority] += count.passages
    quoted: dict[tuple[str, str], list[Passage]] = defaultdict(list)
    for p in tally.quoted:
        quoted[(_place(p), p.type)].append(p)
    groups = []
    for place in _ordered_places(by_place):
        types = [_type_group(t, label(t), n, quoted[(place, t)], tally.quoted_records)
                 for t, n in by_place[place].items()]  # fmt: skip
        types.sort(key=lambda g: g.label.casefold())
        authority = authorities[place].most_common(1)[0][0]
        groups.append(LocalityGroup(place, authority, _total(by_place[place].values()),
                                    tuple(types)))  # fmt: skip
    return groups


def to_quote(passages: Sequence[Passage]) -> list[Passage]:
    """The passages a summary quotes: in each place and record type, the oldest
    ``QUOTED_PER_GROUP`` (the store's ``branch_counts`` picks the same)."""
    groups: dict[tuple[str, str], list[Passage]] = defaultdict(list)
    for p in passages:
        groups[(_place(p), p.type)].append(p)
    return [p for group in groups.values() for p in _oldest(group)[:QUOTED_PER_GROUP]]


def _oldest(passages: list[Passage]) -> list[Passage]:
    return sorted(passages, key=lambda p: (p.date, p.record))  # stable: text order kept


def _type_group(
    type_: str, label: str, count: Count, quoted: list[Passage], per_record: Mapping[str, int]
) -> TypeGroup:
    """One record type's passages: the oldest quoted under their records, the rest counted."""
    records: dict[str, list[Passage]] = {}
    for p in quoted:
        records.setdefault(p.record, []).append(p)
    shown = tuple(
        QuotedRecord(r, ps[0].title, ps[0].date, tuple(_paragraphs(p.text) for p in ps))
        for r, ps in records.items()
    )
    above = sum(per_record.get(r, 0) for r in records) - len(quoted)
    others = Count(count.passages - len(quoted) - above, count.records - len(records))
    return TypeGroup(type_, label, count, shown, above, others)


def _paragraphs(text: str) -> tuple[str, ...]:
    """A passage as the paragraphs it has, shortened past ``QUOTE_CHARS``."""
    if len(text) > QUOTE_CHARS:
        text = text[:QUOTE_CHARS].rsplit(" ", 1)[0].rstrip(",;:.") + " […]"
    lines = tuple(" ".join(line.split()) for line in text.splitlines())
    return tuple(line for line in lines if line) or ("",)


# --- the words every format shares ---------------------------------------------------------


def title_lines(s: CodeSummary) -> list[tuple[str, str]]:
    """The title block's facts, label and value."""
    return [
        ("Programme", PROGRAMME),
        ("Code", s.code.name),
        ("Period", s.period),
        ("Audience", audience_label(s)),
        ("Date", s.prepared_on),
        ("Prepared by", prepared(s)),
    ]


def audience_note(s: CodeSummary) -> str:
    """Who the summary is for, and what that means for its passages."""
    return AUDIENCE_NOTES[s.audience]


def counts(s: CodeSummary) -> str:
    """The code's passages, records and localities in one sentence."""
    if not s.count.passages:
        return f"No passages were coded with this code or its sub-codes ({s.period.lower()})."
    return (
        f"{plural(s.count.passages, 'passage')} from {plural(s.count.records, 'record')} "
        f"in {plural(s.localities, 'locality', 'localities', zero='no')}."
    )


def table_caption(s: CodeSummary) -> str:
    """What the code × locality table counts."""
    if s.table and s.table.corner == "Locality":
        return "Passages by locality and code (in brackets, the records they come from)"
    return "Passages by code and locality (in brackets, the records they come from)"


def cell(count: Count) -> str:
    """A table cell: passages, and the records in brackets; a dash for none."""
    return f"{count.passages:,} ({count.records:,})" if count.passages else "–"


def table_note(s: CodeSummary) -> str:
    """How to read the code × locality table."""
    note = "Each cell: passages, and in brackets the records they come from."
    if not s.table:
        return note
    by_code = s.table.corner == "Code"
    codes = [row.label for row in s.table.rows] if by_code else list(s.table.columns)
    if len(codes) > 1:
        own = f"{s.code.name} counts the passages coded with it, each sub-code its own"
        first = own if codes[0] == s.code.name else "Each sub-code counts its own passages"
        last = "the last row" if by_code else "the Total column"
        note += f" {first}; {last} counts every passage once, even one with several codes."
    return note


def shared_note(s: CodeSummary) -> str:
    """What the list of codes sharing passages holds, and what it leaves out."""
    if not s.shared:
        return "No other code is on this code's passages."
    note = "Other codes on the same passages (sub-codes are in the table above), most first."
    if s.shared_left_out:
        more = plural(s.shared_left_out, "more code", "more codes")
        note += f" {more} share fewer passages and are not listed."
    return note


def shared_cell(shared: SharedCode) -> str:
    """How many of this code's passages another code is on."""
    return f"{shared.passages:,} ({shared.percent}%)"


def quoting_note(s: CodeSummary) -> str:
    """The rule for which passages are quoted, when some are not."""
    if s.quoted_all:
        return ""
    return (
        f"At most {QUOTED_PER_GROUP} passages are quoted for each locality and record type, "
        "oldest first; every count includes every passage."
    )


def group_heading(count: Count) -> str:
    """``12 passages from 5 records``."""
    return f"{plural(count.passages, 'passage')} from {plural(count.records, 'record')}"


def left_out(t: TypeGroup) -> str:
    """The passages of a group not quoted, or nothing."""
    above = plural(t.more_above, "more passage", "more passages")
    others = (
        f"{plural(t.more_others.passages, 'more passage', 'more passages')} from "
        f"{plural(t.more_others.records, 'other record')}"
    )
    if t.more_above and t.more_others.passages:
        above, others = above.replace(" more", ""), others.replace(" more", "")
        total = plural(t.more_above + t.more_others.passages, "more passage", "more passages")
        return f"And {total}, not quoted here: {above} from the records above, {others}."
    if t.more_above:
        return f"And {above} from the records above, not quoted here."
    return f"And {others}, not quoted here." if t.more_others.passages else ""


def place_heading(g: LocalityGroup) -> str:
    """A locality with its authority, when the name does not say it already."""
    if g.authority and g.authority not in g.locality:
        return f"{g.locality} ({g.authority})"
    return g.locality


def swatch(s: CodeSummary) -> str:
    """The code's colour for a swatch, or "" when it is not ``#RRGGBB`` (nothing else goes
    into a style)."""
    return s.code.colour if _COLOUR.fullmatch(s.code.colour or "") else ""


def day(value: str) -> str:
    """A record's date in words, or the text as given when it is not a date."""
    try:
        return long_date(value)
    except ValueError:
        return str(value)


# --- Markdown and HTML ---------------------------------------------------------------------


_WORDS = (
    title_lines,
    audience_note,
    counts,
    cell,
    table_caption,
    table_note,
    shared_note,
    shared_cell,
    quoting_note,
    group_heading,
    left_out,
    place_heading,
    swatch,
    day,
)


def _context(s: CodeSummary) -> dict:
    """What both templates receive: the summary and the words every format shares."""
    words = {function.__name__: function for function in _WORDS}
    return {"s": s, "shared_header": SHARED_HEADER, **words}


@collector_paused()
def render_markdown(summary: CodeSummary) -> str:
    """The coding summary as Markdown."""
    return environment().get_template(MARKDOWN_TEMPLATE).render(_context(summary))


@collector_paused()
def render_html(summary: CodeSummary) -> str:
    """The coding summary as one standalone HTML page: no scripts, nothing loaded."""
    return environment().get_template(HTML_TEMPLATE).render(_context(summary))


# --- Word ----------------------------------------------------------------------------------


@collector_paused()
def render_docx(summary: CodeSummary) -> bytes:
    """The coding summary as a .docx file, in the learning update's styles."""
    # python-docx takes a fifth of a second to import; only Word output needs it.
    from learning.updates import docx_writer as w
    from learning.updates.docx_xml import add_page_number_field, save_with_rows

    doc = w.a4_document()
    section = doc.sections[0]
    w._styles(doc)
    _docx_properties(doc, summary)
    add_page_number_field(section)
    tables: list[str] = []
    _docx_title(doc, summary)
    _docx_about(doc, summary)
    if summary.table:
        _docx_table(doc, tables, summary)
        _docx_shared(doc, tables, summary)
        _docx_passages(doc, summary)
    return save_with_rows(doc, tables)


def _docx_properties(doc, s: CodeSummary) -> None:
    props = doc.core_properties
    props.title = clean(s.title)
    props.author = clean(prepared(s))
    props.subject = clean(f"{PROGRAMME}: coding summary of {s.code.name}, {s.period}")
    props.keywords = clean(f"WM2U; coding summary; {s.code.id}")
    props.comments = audience_note(s)
    props.category = "Coding summary"


def _docx_title(doc, s: CodeSummary) -> None:
    from learning.updates import docx_writer as w

    w._heading(doc, clean(s.title), 0)
    for label, value in title_lines(s):
        w._paragraph(doc, value, f"{label}: ")
    w._paragraph(doc, audience_note(s), style="Intense Quote")


def _docx_about(doc, s: CodeSummary) -> None:
    from learning.updates import docx_writer as w

    w._heading(doc, "About this code", 1)
    lines = [line for line in s.code.description.splitlines() if line.strip()]
    for line in lines:
        w._paragraph(doc, line)
    if not lines:
        w._paragraph(doc, "No description yet.")
    if s.parent:
        w._paragraph(doc, s.parent, "Part of: ")
    if s.children:
        w._paragraph(doc, ", ".join(s.children), "Sub-codes: ")
    w._paragraph(doc, counts(s), "In numbers: ")


def _docx_table(doc, tables: list[str], s: CodeSummary) -> None:
    """The code × locality table, in a landscape section when its columns need one."""
    from learning.updates import docx_writer as w

    assert s.table is not None
    header = [s.table.corner, *s.table.columns]
    plain = [[row.label, *map(cell, row.cells)] for row in s.table.rows]
    wide = w._natural_width(header, plain, w.TABLE_PT) > w.TEXT_WIDTH_PT
    if wide:
        w._section(doc, landscape=True)
    w._heading(doc, "Passages by locality", 1)
    # Every cell a list of lines, so the totals' row can be bold (see docx_xml.rows_xml).
    rows = [
        [[(value, True)] if row.total else [value] for value in line]
        for row, line in zip(s.table.rows, plain, strict=True)
    ]
    width = w.WIDE_TEXT_WIDTH_PT if wide else None
    w._table(doc, tables, header, rows, right=range(1, len(header)), width_pt=width)
    w._paragraph(doc, table_note(s), style="Caption")
    if wide:
        w._section(doc, landscape=False)


def _docx_shared(doc, tables: list[str], s: CodeSummary) -> None:
    from learning.updates import docx_writer as w

    w._heading(doc, "Codes that share passages", 1)
    w._paragraph(doc, shared_note(s))
    if s.shared:
        rows = [(shared.name, shared_cell(shared)) for shared in s.shared]
        w._table(doc, tables, ["Code", SHARED_HEADER], rows, right=(1,))


def _docx_passages(doc, s: CodeSummary) -> None:
    from docx.shared import Pt

    from learning.updates import docx_writer as w

    w._heading(doc, "Passages", 1)
    if quoting_note(s):
        w._paragraph(doc, quoting_note(s), style="Caption")
    for g in s.groups:
        w._heading(doc, clean(place_heading(g)), 2)
        doc.add_paragraph(group_heading(g.count) + ".").paragraph_format.keep_with_next = True
        for t in g.types:
            w._heading(doc, clean(f"{t.label}: {group_heading(t.count)}"), 3)
            for r in t.quoted:
                para = doc.add_paragraph()
                para.paragraph_format.keep_with_next = True
                para.add_run(clean(r.title)).bold = True
                para.add_run(" " + clean(f"({t.label}, {day(r.date)})"))
                for quote in r.quotes:
                    for paragraph in quote:
                        last = w._add(doc, "Quote", clean(paragraph))
                    last.paragraph_format.space_after = Pt(8)  # passages apart
            if left_out(t):
                w._paragraph(doc, left_out(t), style="Caption")
