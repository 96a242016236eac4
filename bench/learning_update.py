"""Time the learning-update generator: on synthetic records, or end to end on a data dir.

Run ``.venv/bin/python bench/learning_update.py [10000 100000 ...]`` for synthetic records
spread over two years (the update covers the second; the first is its previous period), or
``.venv/bin/python bench/learning_update.py --data-dir DIR [--runs 3]`` to time each step in
process (the lean read, the previous period's count, summarise, each format) and then the
``wm2u learning-update`` command itself for every format and audience, with the load average
(``--skip-in-process`` for the command alone; ``--out FILE`` keeps its timings as JSON).
The command runs with Python's bytecode cache on, as an installed command has it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from datetime import date, timedelta  # noqa: E402

from evidence.model import Record  # noqa: E402
from learning.framework import Framework, load  # noqa: E402
from learning.updates import render_docx, render_html, render_markdown, summarise  # noqa: E402
from learning.updates.request import UpdateRequest  # noqa: E402

PERIOD = ("2025-01-01", "2025-12-31")
NAMES = ["Sarah McKay", "Tom Reid", "Aisha Khan", "Jamie Fraser", "Morag Bell"]
# The editor's key messages: for an external update every cited record's people are replaced.
INTRO = (
    "## What we heard\n\nSarah McKay and Tom Reid told the board that being **listened to** "
    "changed everything.\n\n- Café conversations in every locality\n- Panels met 50:50"
)
RENDERERS = {"md": render_markdown, "html": render_html, "docx": render_docx}


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


def synthetic(sizes: list[int]) -> None:
    """Summarise and render synthetic records, held in memory."""
    framework = load(None)
    for size in sizes:
        records = make_records(size, framework)
        in_period = sum(PERIOD[0] <= r.date <= PERIOD[1] for r in records)
        for audience in ("internal", "external"):
            print(f"{size:,} records ({in_period:,} in {PERIOD[0]}..{PERIOD[1]}), {audience}:")
            asked = UpdateRequest(*PERIOD, audience, intro=INTRO)
            summary = timed("summarise", summarise, framework, records, asked)
            for name, render in RENDERERS.items():
                timed(name, render, summary)
            print(f"  cited        {len(summary.cites):,}")


def in_process(data_dir: Path) -> None:
    """Each step of a year's update, in this process."""
    from evidence.consent import visible_consents
    from evidence.periods import count_period, read_period
    from learning.reporting import make
    from learning.services import Evidence
    from learning.updates import parse_period, scope_codes

    with Evidence(data_dir) as ev:
        for audience in ("internal", "external"):
            print(f"{data_dir}, {PERIOD[0]}..{PERIOD[1]}, {audience}, in process:")
            consents = visible_consents(audience)
            timed("read", read_period, ev.store.conn, *PERIOD, consents)
            before = parse_period(PERIOD).before()
            dates = (before.start.isoformat(), before.end.isoformat())
            timed(
                "count before",
                count_period,
                ev.store.conn,
                *dates,
                consents,
                *scope_codes(ev.framework, None),
            )
            asked = UpdateRequest(*PERIOD, audience, intro=INTRO)
            summary = timed("update", make, ev, asked)
            for name, render in RENDERERS.items():
                timed(name, render, summary)
            print(f"  cited        {len(summary.cites):,}")


def command(data_dir: Path, runs: int, env: dict[str, str] | None = None) -> list[dict]:
    """The ``wm2u learning-update`` command, end to end, for every format and audience."""
    timings = []
    with tempfile.TemporaryDirectory() as out:
        for _ in range(runs):
            for audience in ("internal", "external"):
                for fmt in RENDERERS:
                    load_average = os.getloadavg()[0]
                    began = time.perf_counter()
                    subprocess.run(
                        [sys.executable, "-m", "learning", "--data-dir", str(data_dir)]
                        + ["learning-update", "--from", PERIOD[0], "--to", PERIOD[1]]
                        + ["--audience", audience, "--format", fmt, "--out", f"{out}/u.{fmt}"],
                        check=True,
                        capture_output=True,
                        env=env,
                    )
                    took = time.perf_counter() - began
                    size = Path(f"{out}/u.{fmt}").stat().st_size
                    print(f"  {audience:<8} {fmt:<4} {took:6.2f} s  (load {load_average:.2f})")
                    timings.append({"audience": audience, "format": fmt, "seconds": took,
                                    "load": load_average, "bytes": size})  # fmt: skip
    return timings


def _summary(timings: list[dict]) -> dict[str, dict[str, float]]:
    """min / median / max seconds per audience and format."""
    out: dict[str, dict[str, float]] = {}
    for t in timings:
        out.setdefault(f"{t['audience']} {t['format']}", []).append(t["seconds"])  # type: ignore[arg-type]
    return {
        key: {"min": min(v), "median": statistics.median(v), "max": max(v), "runs": len(v)}
        for key, v in out.items()  # type: ignore[union-attr]
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, help="synthetic record counts")
    parser.add_argument("--data-dir", type=Path, help="time a real data dir instead")
    parser.add_argument("--runs", type=int, default=1, help="command runs per format")
    parser.add_argument("--skip-in-process", action="store_true", help="only the command")
    parser.add_argument("--out", type=Path, help="write the command's timings here (JSON)")
    args = parser.parse_args()
    if args.data_dir:
        if not args.skip_in_process:
            in_process(args.data_dir)
        # Python's bytecode cache on, as an installed command has it.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        timings = command(args.data_dir, args.runs, env)
        summary = _summary(timings)
        for key, figures in summary.items():
            print(f"  {key:<14} min {figures['min']:.2f}  median {figures['median']:.2f}  "
                  f"max {figures['max']:.2f} s")  # fmt: skip
        if args.out:
            args.out.write_text(
                json.dumps({"period": PERIOD, "runs": timings, "summary": summary}, indent=2) + "\n"
            )
    else:
        synthetic(args.sizes or [10_000, 100_000])


if __name__ == "__main__":
    main()
