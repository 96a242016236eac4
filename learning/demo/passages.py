"""The demo's codebook and coded passages, so a new data dir shows what coding can do.

``codebook.yaml`` holds about twenty themes under a few folders. ``choose`` picks passages
from the records' own sentences that hold a theme's words: mostly the ``editor``'s, the
``evaluator`` coding some of the same records again (agreeing in part, as two coders do) and
a few of ``admin``'s; some passages carry one of their record's indicators too, a few a memo.
It is pure and seeded: the same records give the same passages. ``load`` adds the codes
through the codebook service and the passages, each checked as a client's would be, in one
transaction, then lets the index catch up once.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from evidence import coding
from evidence.anchoring import anchor_for
from evidence.coding import Excerpt
from evidence.model import Record
from learning.coding import codebook
from learning.coding.excerpts import ExcerptRequest

if TYPE_CHECKING:
    from learning.services import Evidence

PATH = Path(__file__).with_name("codebook.yaml")
CODERS = ("editor", "evaluator", "admin")
EDITOR_CODES = 0.38  # the share of records the editor codes
EVALUATOR_CODES = 0.25  # the share of the editor's records the evaluator codes again
ADMIN_CODES = 0.03
_SENTENCE = re.compile(  # a point inside a number (2.9, £2.50) does not end a sentence
    r"(?:[^.!?\n]|[.!?](?=\w))*[^.!?\n\s](?:[^.!?\n]|[.!?](?=\w))*(?:[.!?]+['’\"”)]*|$)",
    re.MULTILINE,
)
_LEAD = re.compile(r"(?:\s|-\s)+")


@dataclass(frozen=True)
class Theme:
    """A code of the demo's codebook: a folder (not codable) or a theme with its words."""

    id: str
    name: str
    description: str
    colour: str
    parent: str | None = None
    words: re.Pattern[str] | None = None
    memos: tuple[str, ...] = ()

    @property
    def codable(self) -> bool:
        return self.words is not None

    def as_code(self) -> dict[str, Any]:
        """The code as a client sends it to the codebook service."""
        return {"id": self.id, "name": self.name, "description": self.description,
                "colour": self.colour, "parent": self.parent,
                "codable": self.codable}  # fmt: skip


@dataclass(frozen=True)
class Passage:
    """A passage to code: where it is in its record's body, with what, by whom."""

    record: str
    start: int
    end: int
    codes: tuple[str, ...]
    coder: str
    memo: str | None = None


def themes(path: Path = PATH) -> list[Theme]:
    """The demo's codebook: each folder, then its themes, in the file's order."""
    data = yaml.safe_load(path.read_text("utf-8"))
    memos = data.get("memos") or {}
    out = []
    for folder in data["folders"]:
        out.append(Theme(folder["id"], folder["name"], folder["description"], folder["colour"]))
        for theme in folder["themes"]:
            words = "|".join(f"(?:{w})" for w in theme["words"])
            out.append(Theme(theme["id"], theme["name"], theme["description"], theme["colour"],
                             folder["id"], re.compile(rf"(?<!\w)(?:{words})", re.IGNORECASE),
                             tuple(memos.get(theme["id"], ()))))  # fmt: skip
    return out


def sentences(body: str) -> list[tuple[int, int]]:
    """The spans of a body's sentences and list items (headings and markup left out)."""
    spans = []
    for match in _SENTENCE.finditer(body):
        start, end = match.start(), match.end()
        lead = _LEAD.match(body, start, end)  # the space after a full stop, a list's dash
        start = lead.end() if lead else start
        text = body[start:end]
        if len(text.split()) >= 5 and "**" not in text:
            spans.append((start, end))
    return spans


def _matcher(coded: Sequence[Theme]) -> re.Pattern[str]:
    """One pattern for every theme's words, a named group a theme (one pass a sentence)."""
    groups = (f"(?P<t{i}>{t.words.pattern})" for i, t in enumerate(coded) if t.words)
    return re.compile("|".join(groups), re.IGNORECASE)


def _themes_of(
    text: str, matcher: re.Pattern[str], coded: Sequence[Theme], seen: dict[str, int]
) -> list[str]:
    """The themes whose words the text holds, the most mentioned first, then the rarest."""
    counts: dict[str, int] = {}
    for match in matcher.finditer(text):
        theme = coded[int(match.lastgroup[1:])].id  # type: ignore[index]
        counts[theme] = counts.get(theme, 0) + 1
    return sorted(counts, key=lambda theme: (-counts[theme], seen.get(theme, 0)))


def choose(
    records: Iterable[Record], all_themes: Sequence[Theme], seed: int = 2024
) -> list[Passage]:
    """The demo's coded passages over ``records``: the same every time for the same records."""
    rng = random.Random(seed)
    coded = [t for t in all_themes if t.codable]
    memos = {t.id: t.memos for t in coded}
    matcher = _matcher(coded)
    out: list[Passage] = []
    seen: dict[str, int] = {}  # passages coded with each theme so far: the rarer go first
    for record in sorted(records, key=lambda r: r.id):
        draw = rng.random()  # first: the records nobody codes are not read at all
        if draw >= EDITOR_CODES + ADMIN_CODES:
            continue
        spans = sentences(record.body)
        found = [(s, e, _themes_of(record.body[s:e], matcher, coded, seen)) for s, e in spans]
        found = [f for f in found if f[2]]
        if not found:
            continue
        if draw < EDITOR_CODES:
            mine = _code_record(rng, record, found, "editor", memos)
            out += mine
            for passage in mine:
                for code in passage.codes:
                    seen[code] = seen.get(code, 0) + 1
            if rng.random() < EVALUATOR_CODES:
                out += _second_coder(rng, record, found, mine, "evaluator")
        elif draw < EDITOR_CODES + ADMIN_CODES:
            out += _code_record(rng, record, found, "admin", memos)
    return out


def _code_record(
    rng: random.Random,
    record: Record,
    found: list[tuple[int, int, list[str]]],
    coder: str,
    memos: dict[str, tuple[str, ...]],
) -> list[Passage]:
    """One to three of a record's sentences (now and then two together), with their themes."""
    picked = sorted(rng.sample(range(len(found)), min(len(found), rng.choice((1, 1, 2, 2, 3)))))
    out = []
    for i in picked:
        start, end, matched = found[i]
        after = found[i + 1] if i + 1 < len(found) else None
        if after and "\n" not in record.body[end : after[0]] and rng.random() < 0.2:
            end = after[1]  # a passage of two sentences of one paragraph
        codes = matched[: rng.choice((1, 1, 2))]
        if record.indicators and rng.random() < 0.25:
            codes = [*codes, rng.choice(record.indicators)]
        memo = None
        if coder == "editor" and memos.get(codes[0]) and rng.random() < 0.12:
            memo = rng.choice(memos[codes[0]])
        out.append(Passage(record.id, start, end, tuple(codes), coder, memo))
    return out


def _second_coder(
    rng: random.Random,
    record: Record,
    found: list[tuple[int, int, list[str]]],
    first: list[Passage],
    coder: str,
) -> list[Passage]:
    """Another coder's reading of the same record: mostly the same passages and codes, some
    cut shorter or longer, some coded otherwise, some missed, and now and then one of their
    own."""
    out = []
    for passage in first:
        if rng.random() < 0.15:  # missed
            continue
        start, end, codes = passage.start, passage.end, list(passage.codes)
        text = record.body[start:end]
        if rng.random() < 0.2 and "," in text:  # only the words up to the first comma
            end = start + text.index(",")
        matched = next((m for s, _, m in found if s == start), codes)
        if rng.random() < 0.25 and len(matched) > 1:  # read as another of its themes
            codes = [matched[1]]
        out.append(Passage(record.id, start, end, tuple(codes), coder))
    if rng.random() < 0.3:
        start, end, matched = rng.choice(found)
        if not any(p.start == start for p in out):
            out.append(Passage(record.id, start, end, (matched[0],), coder))
    return out


def load(ev: Evidence, seed: int = 2024) -> tuple[int, int]:
    """Add the demo's codes that are missing, and its passages if nothing is coded yet;
    return how many codes and passages were added."""
    all_themes = themes()
    known = codebook.all_codes(ev)
    added_codes = 0
    for theme in all_themes:
        if theme.id not in known:
            codebook.create(ev, theme.as_code(), actor="demo")
            added_codes += 1
    if ev.store.conn.execute("SELECT 1 FROM excerpts LIMIT 1").fetchone():
        return added_codes, 0
    records = [r for r in ev.store.iter_records() if r.type != "learning_update"]
    bodies = {r.id: r.body for r in records}
    known = codebook.all_codes(ev)
    excerpts = [_excerpt(p, bodies[p.record], known) for p in choose(records, all_themes, seed)]
    coding.add_excerpts(ev.store, excerpts)
    ev.sync_index(wait=10.0, batch=5000)
    return added_codes, len(excerpts)


def _excerpt(passage: Passage, body: str, known: dict[str, Any]) -> Excerpt:
    """The passage checked as a client's request is, anchored in its record's body."""
    request = ExcerptRequest.parse(
        {"start": passage.start, "end": passage.end, "text": body[passage.start : passage.end],
         "codes": list(passage.codes), "memo": passage.memo},
        body,
        known,
    )  # fmt: skip
    anchor = anchor_for(body, passage.start, passage.end)
    return Excerpt("", passage.record, anchor.text, request.codes, request.source, anchor.start,
                   anchor.end, anchor.prefix, anchor.suffix, "exact", request.memo,
                   passage.coder)  # fmt: skip
