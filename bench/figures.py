"""The data project's figures at scale: import speed, and the pages that show figures.

    python bench/figures.py --records 100000 --figures 20000 --out bench/results/figures-100k.json

Builds a data dir of ``--records`` demo records (as bench/pages.py does; or adds to the one
``--data-dir`` names) and ``--figures``
figures imported through `wm2u figures import` (timed, with 10,000 rows timed on their own),
then serves it with the real server and times /measures, /measures/children_on_cpr, an
indicator page with measures (SO3.2), the dashboard and /api/figures as an editor and a
viewer (p50/p95 ms). Goals: pages p95 ≤ 200 ms, 10,000 rows imported ≤ 10 s.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import pages  # noqa: E402

from learning import framework  # noqa: E402

PAGES = {
    "measures": "/measures",
    "measure": "/measures/children_on_cpr",
    "measure, one authority": "/measures/children_on_cpr?authority=Dundee",
    "indicator SO3.2": "/indicators/SO3.2",
    "dashboard": "/",
    "api figures": "/api/figures?measure=looked_after_children&per_page=100",
}


def write_figures(path: Path, count: int, start: dt.date = dt.date(2020, 1, 31)) -> int:
    """``count`` figures: both register measures, every place of the plan, week by week."""
    plan = framework.load()
    places = [(a, loc) for a, locs in plan.authorities.items() for loc in ("", *locs)]
    written = 0
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(("measure", "authority", "locality", "period_from", "period_to", "value",
                      "source", "note"))  # fmt: skip
        week = 0
        while written < count:
            day = (start + dt.timedelta(days=7 * week)).isoformat()
            week += 1
            for measure in ("children_on_cpr", "looked_after_children"):
                for authority, locality in places:
                    out.writerow((measure, authority, locality, day, day, (written * 7) % 45,
                                  "bench figures", ""))  # fmt: skip
                    written += 1
    return written


def _count(data_dir: Path) -> int:
    from learning.services import Evidence

    with Evidence(data_dir) as ev:
        return ev.store.conn.execute("SELECT count(*) FROM records").fetchone()[0]


def timed(*command: str) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)  # fmt: skip
    return round(time.perf_counter() - started, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--figures", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--out", type=Path)
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="a data dir bench/scale.py made (users editor and viewer) to add the figures to, "
        "instead of building one of --records records",
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="wm2u-figures-"))
    data_dir = args.data_dir or work / "instance"
    try:
        if args.data_dir is None:
            pages.build(data_dir, args.records)
        else:
            args.records = _count(data_dir)
        wm2u = [sys.executable, "-m", "learning", "--data-dir", str(data_dir)]
        ten = work / "ten-thousand.csv"
        write_figures(ten, 10_000, dt.date(1990, 1, 31))
        results: dict = {"records": args.records, "figures": args.figures}
        results["import 10,000 rows (s)"] = timed(*wm2u, "figures", "import", str(ten))
        results["import them again (s)"] = timed(*wm2u, "figures", "import", str(ten))
        rest = work / "rest.csv"
        write_figures(rest, max(0, args.figures - 10_000))
        results[f"import {args.figures - 10_000:,} more (s)"] = timed(
            *wm2u, "figures", "import", str(rest)
        )
        port = pages.free_port()
        server = pages.serve(data_dir, port)
        base = f"http://127.0.0.1:{port}"
        try:
            for role in pages.ROLES:
                session = pages.logged_in(base, role)
                results[role] = {
                    name: pages.time_page(session, base + url, args.requests)
                    for name, url in PAGES.items()
                }
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(results, indent=2))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
