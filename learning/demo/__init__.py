"""A demo data set: several hundred records that read like the programme's own field notes.

``generate(framework)`` returns record dicts in the API's input shape. Everything is drawn
from one ``random.Random(seed)``, so the same arguments always give byte-identical output,
ids included (ULID-like: the first 10 characters encode the record's date at noon UTC).

Every record type the team logs (not ``learning_update``: the product writes those), every
locality of every authority, every indicator and every consent level appears; codes, places
and field specs are read from the framework handed in, never assumed.

The words are in ``text.yaml`` (read by ``text.py``); ``plan.py`` decides each record's type,
place, date, consent and codes; ``writer.py`` and ``phrases.py`` fill and pick templates;
``family.py`` and ``programme.py`` write each type of record; ``compose.py`` assembles one.
``passages.py`` adds the codebook (``codebook.yaml``) and passages coded in the records' words.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from .compose import _compose
from .plan import _Planner
from .text import CHILDREN, MEN, PSEUDONYMS, SURNAMES, WOMEN

__all__ = ["CHILDREN", "DEMO_USERS", "MEN", "PSEUDONYMS", "SURNAMES", "WOMEN", "generate"]

DEMO_USERS: list[tuple[str, str, str]] = [
    ("admin", "admin", "admin-demo-2024"),
    ("editor", "editor", "editor-demo-2024"),
    ("viewer", "viewer", "viewer-demo-2024"),
]
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


# --- the public entry point ------------------------------------------------------------------
def generate(
    framework: Any,
    count: int = 600,
    seed: int = 2024,
    start: str = "2024-09-01",
    end: str = "2026-06-30",
) -> list[dict]:
    """``count`` demo records for ``framework``, the same every time for the same arguments."""
    if count < 0:
        raise ValueError("count must be 0 or more")
    first_day, last_day = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    if last_day < first_day:
        raise ValueError(f"end {end} is before start {start}")
    rng = random.Random(seed)
    planner = _Planner(framework, rng, first_day, last_day)
    skeletons = planner.skeletons(count)
    records: list[dict] = []
    titles: set[str] = set()
    ids: set[str] = set()
    for sk in skeletons:
        record = _compose(sk, framework, rng, titles, planner)
        record_id = _ulid(sk.date, rng)
        while record_id in ids:
            record_id = _ulid(sk.date, rng)
        ids.add(record_id)
        records.append({"id": record_id, **record})
    records.sort(key=lambda r: r["id"])
    return records


def _ulid(day: dt.date, rng: random.Random) -> str:
    noon = dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC)
    value = (int(noon.timestamp() * 1000) << 80) | rng.getrandbits(80)
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))
