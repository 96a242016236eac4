"""The panel pack: a round's question and each domain's candidates, numbered, as readers
outside the team see them, with room to note votes and the panel's reasons (HTML to print,
and Word).

Panel members outside the team read the pack, so every story goes through
``reading.candidates`` as an external reader: names replaced in anonymised stories, internal,
withdrawn and erased ones left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from evidence.consent import EXTERNAL, INTERNAL
from learning.updates.wording import clean, long_date

from . import reading

if TYPE_CHECKING:
    from learning.services import Evidence

HTML_TEMPLATE = "msc_pack.html.j2"
_EMPHASIS = re.compile(r"\*\*|__|(?<!\w)\*(?=\S)|(?<=\S)\*(?!\w)")
_HEADING = re.compile(r"^#{1,6}\s+")
_ITEM = re.compile(r"^\s*[-*+]\s+")
FORMATS = {
    "html": "text/html; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
VOTE_LINES = 3  # room per candidate to tally a show of hands or ticks
REASON_LINES = 8


@dataclass
class Candidate:
    """One story before the panel, as readers outside the team see it."""

    number: int
    title: str
    date: str
    locality: str
    what_changed: str
    story: str


@dataclass
class Domain:
    """A domain of change and its candidates, numbered from 1."""

    name: str
    candidates: list[Candidate] = field(default_factory=list)


@dataclass
class Pack:
    """What the panel reads: the round, its question and its domains."""

    round_id: str
    title: str
    level: str
    period: str
    question: str
    panel: str
    domains: list[Domain]  # those with candidates, each from a new page
    empty: list[str]  # the names of domains no story was put forward in


ROLE_WORDS = {
    "family": ("family member", "family members"),
    "practitioner": ("practitioner", "practitioners"),
    "other": ("other member", "other members"),
}


def _candidate(number: int, story: reading.Story) -> Candidate:
    record = story.record
    return Candidate(
        number=number,
        title=record.title,
        date=long_date(record.date),
        locality=record.locality,
        what_changed=str(record.fields.get("what_changed") or ""),
        story=plain(record.body),
    )


def plain(text: str) -> str:
    """A story's Markdown as plain lines to read on paper: no asterisks or hashes, a bullet
    for each list item."""
    lines = []
    for line in (text or "").splitlines():
        line = _EMPHASIS.sub("", line).rstrip()
        line = _HEADING.sub("", line)
        lines.append(_ITEM.sub("• ", line))
    return "\n".join(lines).strip()


def panel_roles(members: list[dict[str, str]]) -> str:
    """The panel as roles: "2 family members, 1 practitioner"."""
    counts = {role: sum(1 for m in members if m["role"] == role) for role in ROLE_WORDS}
    parts = [f"{n} {ROLE_WORDS[role][n != 1]}" for role, n in counts.items() if n]
    return ", ".join(parts) or "not yet named"


def make(ev: Evidence, round_id: str, reader: str = INTERNAL) -> Pack:
    """The round's pack, if ``reader`` may see the round (NotFound otherwise). Its text is
    always as readers outside the team see it, whoever prints it."""
    r = reading.get(ev, round_id, reader)
    by_domain: dict[str, list[reading.Story]] = {d["id"]: [] for d in r.domains}
    for c, story in reading.candidates(ev, r, EXTERNAL):
        if story is not None and story.record is not None and c["domain"] in by_domain:
            by_domain[c["domain"]].append(story)
    domains = [
        Domain(d["name"], [_candidate(n, s) for n, s in enumerate(by_domain[d["id"]], 1)])
        for d in r.domains
    ]
    period = f"{long_date(r.period_from)} to {long_date(r.period_to)}"
    shown = [d for d in domains if d.candidates]
    empty = [d.name for d in domains if not d.candidates]
    return Pack(r.id, r.title, r.level, period, r.question, panel_roles(r.panel), shown, empty)


def how_many(count: int) -> str:
    """How many stories a domain has, and how they are numbered."""
    return "1 story." if count == 1 else f"{count} stories, numbered 1 to {count}."


def render_html(pack: Pack) -> str:
    """The pack as one standalone page to print on A4."""
    from learning.updates.render import environment

    template = environment().get_template(HTML_TEMPLATE)
    return template.render(pack=pack, vote_lines=VOTE_LINES, reason_lines=REASON_LINES,
                           say_count=how_many)  # fmt: skip


def render(pack: Pack, fmt: str) -> bytes:
    """The pack in one of ``FORMATS``."""
    if fmt == "docx":
        from .pack_docx import render_docx

        return render_docx(pack)
    return render_html(pack).encode("utf-8")


def file_name(pack: Pack, fmt: str) -> str:
    """A safe download name: ``panel-pack-TITLE.docx``."""
    stem = "".join(c if c.isalnum() else "-" for c in clean(pack.title).lower()).strip("-")
    while "--" in stem:
        stem = stem.replace("--", "-")
    return f"panel-pack-{stem[:60] or pack.round_id}.{fmt}"
