"""The demo's attachments: the evaluation report on a VBLE evaluation, and a café conversation's
transcript and flipchart photo, with a few passages of their text coded.

Each file goes through the attachments door (``learning.attachments.service.attach``): its
kind read, a picture's metadata stripped, its text read in a child process, its consent the
record's (a picture's ``internal``). Chosen and drawn the same way every time.
"""

from __future__ import annotations

import io
import random
import re
from typing import TYPE_CHECKING

from evidence.model import Record
from learning.attachments import service
from learning.coding import excerpts

from .report import report_pdf

if TYPE_CHECKING:
    from learning.services import Evidence

REPORT_NAME = "VBLE evaluation report.pdf"
TRANSCRIPT_NAME = "Café conversation transcript.md"
PHOTO_NAME = "Flipchart.jpg"
# The transcript's words; {a} and {b} are two of the record's people, so outside the team a
# reader sees "Person A" and "Person B" where the team sees their names.
TRANSCRIPT = """# Café conversation: what matters to you?

Notes typed up from the recording, in people's own words as far as we could.

**{a}:** I came because my neighbour said nobody tells you what to do here. They ask what
matters to you, and then they actually listen.

**Worker:** What would make the biggest difference this winter?

**{b}:** Knowing the money is there for the electric. The rent went up again and the heating
is the first thing to go.

**{a}:** When the health visitor stayed for her tea it felt different. Like she was on our side,
not checking up on us.

**{b}:** Meeting the other mums has been the best bit. You're not on your own with it.

Actions agreed: ask the housing officer to come to the next café; a drop-in about energy bills.
"""
# (source, words, codes, coder): the passages of the files' text the demo codes.
PASSAGES = [
    ("report", "I'm the expert on my own family", ["confidence", "families-leading"], "editor"),
    (
        "report",
        "the family speaks first, and the notes are written with them, not about them",
        ["practice-change", "being-listened-to"],
        "editor",
    ),  # fmt: skip
    (
        "transcript",
        "They ask what matters to you, and then they actually listen",
        ["being-listened-to"],
        "editor",
    ),  # fmt: skip
    (
        "transcript",
        "The rent went up again and the heating is the first thing to go",
        ["money-worries", "food-and-fuel"],
        "editor",
    ),  # fmt: skip
    ("transcript", "Meeting the other mums has been the best bit", ["peer-support"], "evaluator"),
]
FLIPCHART = [  # (words, marker colour): what the group wrote up
    ("What matters to you?", (25, 60, 150)),
    ("- being listened to, not judged", (25, 60, 150)),
    ("- money for the electric & rent", (180, 30, 40)),
    ("- someone who stays (not passed on)", (180, 30, 40)),
    ("- meeting other mums", (30, 120, 60)),
    ("Next: housing officer to the cafe", (30, 30, 30)),
]


def flipchart_photo(seed: int = 2024) -> bytes:
    """A photo of a flipchart (JPEG): a pale sheet, its words in marker, a little uneven."""
    from PIL import Image, ImageDraw, ImageFont

    rng = random.Random(seed)
    sheet = Image.new("RGB", (900, 640), (236, 232, 222))  # the wall behind
    draw = ImageDraw.Draw(sheet)
    draw.rectangle((60, 20, 840, 630), fill=(252, 250, 244), outline=(205, 200, 190), width=3)
    draw.rectangle((40, 8, 860, 34), fill=(70, 70, 75))  # the easel's clamp
    for y in range(90, 620, 70):  # the faint ruled lines of the pad
        draw.line((80, y, 820, y), fill=(228, 232, 240), width=1)
    font = ImageFont.load_default(size=38)
    y = 48
    for words, colour in FLIPCHART:
        x = 95 + rng.randint(-6, 6)
        for word in words.split(" "):  # word by word, each a little off the line
            dy = rng.randint(-3, 3)
            draw.text((x, y + dy), word, font=font, fill=colour, stroke_width=1,
                      stroke_fill=colour)  # fmt: skip
            x += int(draw.textlength(word + " ", font=font)) + rng.randint(-1, 3)
        y += 92 if y == 48 else 84
    out = io.BytesIO()
    sheet.save(out, "JPEG", quality=85)
    return out.getvalue()


def _first(records: list[Record], kind: str, consents: tuple[str, ...], people: int) -> Record:
    """The first record (by id) of ``kind`` with a consent of ``consents`` naming ``people``."""
    for consent in consents:
        for record in records:
            if record.type == kind and record.consent == consent and len(record.people) >= people:
                return record
    raise LookupError(f"the demo has no {kind} record to attach files to")


def _passage(text: str, words: str) -> dict[str, int | str]:
    """Where ``words`` are in ``text``, whatever spaces or line ends a page put between them."""
    found = re.search(r"\s+".join(re.escape(w) for w in words.split()), text)
    if found is None:
        raise LookupError(f"{words!r} is not in the demo file's text")
    return {"start": found.start(), "end": found.end(), "text": found.group()}


def load(ev: Evidence) -> tuple[int, int]:
    """Attach the demo's files and code a few passages of their text, if no record holds a file
    yet; return how many attachments and passages were added."""
    if ev.store.conn.execute("SELECT 1 FROM attachments LIMIT 1").fetchone():
        return 0, 0
    records = sorted(ev.store.iter_records(), key=lambda r: r.id)
    vble = _first(records, "vble_evaluation", ("public", "anonymised"), 0)
    cafe = _first(records, "cafe_conversation", ("anonymised",), 2)
    names = {"a": cafe.people[0], "b": cafe.people[1]}
    files = [
        (vble, REPORT_NAME, report_pdf()),
        (cafe, TRANSCRIPT_NAME, TRANSCRIPT.format(**names).encode("utf-8")),
        (cafe, PHOTO_NAME, flipchart_photo()),
    ]
    kept = [service.attach(ev, service.AttachRequest(r.id, name, data), "demo")
            for r, name, data in files]  # fmt: skip
    sources = {"report": kept[0], "transcript": kept[1]}
    for source, words, codes, coder in PASSAGES:
        attachment = sources[source]
        data = {**_passage(attachment.text, words), "codes": codes,
                "source": f"attachment:{attachment.id}"}  # fmt: skip
        excerpts.code_passage(ev, attachment.record_id, data, coder)
    return len(kept), len(PASSAGES)
