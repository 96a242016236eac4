"""Time the learning-update generator on synthetic records: summarise, then each format.

Run: ``.venv/bin/python bench/learning_update.py [10000 100000 ...]``. Records are spread
over two years; the update covers the second year, so the first is its previous period.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from datetime import date, timedelta  # noqa: E402

from evidence.model import Record  # noqa: E402
from learning.framework import Framework, load  # noqa: E402
from learning.updates import render_docx, render_html, render_markdown, summarise  # noqa: E402

PERIOD = ("2025-01-01", "2025-12-31")
NAMES = ["Sarah McKay", "Tom Reid", "Aisha Khan", "Jamie Fraser", "Morag Bell"]


def _fields(kind: str, rng: random.Random) -> dict:
    if kind == "cafe_conversation":
        return {"families": rng.randint(1, 20), "practitioners": rng.randint(0, 8)}
    if kind == "vble_evaluation":
        before = rng.uniform(1, 3)
        return {
            "participants": rng.randint(5, 25),
            "confidence_before": before,
            "confidence_after": min(before + rng.uniform(0, 2), 5),
        }
    if kind == "event":
        return {
            "scope": rng.choice(["local", "national", "thematic"]),
            "participants": rng.randint(5, 200),
            "rating": rng.uniform(2, 5),
        }
    if kind == "fund_decision":
        return {
            "panel": f"Panel {rng.randint(1, 12)}",
            "amount_gbp": rng.randint(50, 5000),
            "families_on_panel": rng.randint(1, 6),
            "practitioners_on_panel": rng.randint(1, 6),
        }
    if kind == "family_story":
        return {"family": "Family X", "what_changed": f"{NAMES[0]} now feels heard at school."}
    return {}


def make_records(count: int, framework: Framework, seed: int = 5) -> list[Record]:
    """``count`` records of every type, consent and locality over 2024 and 2025."""
    rng = random.Random(seed)
    indicators = list(framework.indicators)
    activities = list(framework.activities)
    places = [(a, loc) for a, locs in framework.authorities.items() for loc in locs]
    kinds = [k for k in framework.record_types if k != "learning_update"]
    start = date(2024, 1, 1)
    records = []
    for n in range(count):
        kind = rng.choice(kinds)
        authority, locality = rng.choice(places)
        people = rng.sample(NAMES, rng.randint(0, 2))
        who = people[0] if people else "A parent"
        records.append(
            Record(
                id=f"R{n:07d}",
                type=kind,
                title=f"{kind.replace('_', ' ')} with {who} #{n}",
                date=(start + timedelta(days=rng.randrange(731))).isoformat(),
                consent=rng.choice(["internal", "anonymised", "public"]),
                indicators=rng.sample(indicators, rng.randint(1, 3)),
                activities=rng.sample(activities, rng.randint(0, 1)),
                authority=authority,
                locality=locality,
                people=people,
                quotes=[f"{who} said: we were listened to for the first time."] * rng.randint(0, 2),
                body=f"Notes about {who}.",
                fields=_fields(kind, rng),
            )
        )
    return records


def timed(label: str, fn, *args):
    """Run ``fn`` once, print the seconds it took, return its result."""
    began = time.perf_counter()
    result = fn(*args)
    print(f"  {label:<12} {time.perf_counter() - began:7.3f} s")
    return result


def main(sizes: list[int]) -> None:
    framework = load(None)
    for size in sizes:
        records = make_records(size, framework)
        in_period = sum(PERIOD[0] <= r.date <= PERIOD[1] for r in records)
        for audience in ("internal", "external"):
            print(f"{size:,} records ({in_period:,} in {PERIOD[0]}..{PERIOD[1]}), {audience}:")
            summary = timed("summarise", summarise, framework, records, PERIOD, audience, None)
            timed("markdown", render_markdown, summary)
            timed("html", render_html, summary)
            timed("docx", render_docx, summary)
            print(f"  cited        {len(summary.cites):,}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000, 100_000])
