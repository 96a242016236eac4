"""A code's page through the server while the team codes (#21's last speed target).

    python bench/code_page_served.py --data-dir COPY --port 5831 [--requests 100] [--every 10]
    python bench/code_page_served.py --data-dir COPY --zipf [--requests 100]

``wm2u serve`` (waitress) on ``--port``: ``/codes/ID`` of the biggest code (by its passages),
``--requests`` times, as the editor, with a coding (POST, as the editor) before every
``--every``-th request — alternately of the biggest code itself and of the smallest — and the
first view after each write timed apart; then the codings' own times. p50/p95 in ms and the
load. It writes (the passages it codes): run it on a copy.

``--zipf``: no writes; the pages of ``--requests`` codes drawn Zipf-like by their use (the
biggest first, as ``bench/passages.py`` draws them) on a freshly started server, as the editor
and then the viewer, so most views are a code's first (cold): p50/p95 and the slowest views.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import coding_served  # noqa: E402
import pages  # noqa: E402
import passages  # noqa: E402


def ranked_codes(data_dir: Path) -> list[str]:
    """The codes in use, most passages first (read from the excerpt tally)."""
    with sqlite3.connect(data_dir / "wm2u.db") as conn:
        rows = conn.execute(
            "SELECT code, sum(n) FROM excerpt_tally GROUP BY code ORDER BY 2 DESC"
        ).fetchall()
    return [code for code, _ in rows]


def interleaved(base: str, biggest: str, smallest: str, n: int, every: int) -> dict:
    """The biggest code's page ``n`` times, a coding before every ``every``-th request."""
    session, headers = coding_served.editor(base)
    targets, rng = coding_served.family_stories(base, session), random.Random(23)
    times, after, writes = [], [], []
    for i in range(n):
        wrote = i % every == 0
        if wrote:
            code = biggest if (i // every) % 2 == 0 else smallest
            record = targets[i % len(targets)]
            writes.append(coding_served.code_one(base, session, headers, record, code, rng))
        took = passages.timed(session, "GET", f"{base}/codes/{biggest}")[0]
        times.append(took)
        if wrote:
            after.append(took)
    return {
        f"/codes/{biggest}, {n} requests, a coding every {every}": passages.quantiles(times),
        "first view after a coding": passages.quantiles(after),
        "after-write views (ms)": [round(t) for t in after],
        "code a passage (POST)": passages.quantiles(writes),
    }


def zipf(base: str, data_dir: Path, n: int) -> dict:
    """Each role reads the pages of ``n`` codes drawn Zipf-like, most of them for the first time."""
    codes = passages.drawn_codes(data_dir, n)
    out: dict = {}
    for role in pages.ROLES:
        session = pages.logged_in(base, role)
        times = [passages.timed(session, "GET", f"{base}/codes/{c}")[0] for c in codes]
        slowest = sorted(zip(times, codes, strict=True), reverse=True)[:8]
        out[f"/codes/ID, {n} codes drawn Zipf-like, {role}"] = passages.quantiles(times)
        out[f"slowest views, {role}"] = [f"{code} {took:.0f} ms" for took, code in slowest]
        print(role, out[f"/codes/ID, {n} codes drawn Zipf-like, {role}"], file=sys.stderr)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--port", type=int, default=5831)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--every", type=int, default=10)
    parser.add_argument("--zipf", action="store_true", help="codes drawn Zipf-like, no writes")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    result: dict = {"load_before": os.getloadavg()}
    codes = ranked_codes(args.data_dir)
    base = f"http://127.0.0.1:{args.port}"
    server = pages.serve(args.data_dir, args.port)
    try:
        if args.zipf:
            result.update(zipf(base, args.data_dir, args.requests))
        else:
            passages.timed(pages.logged_in(base, "editor"), "GET", f"{base}/codes/{codes[0]}")
            result.update(interleaved(base, codes[0], codes[-1], args.requests, args.every))
        result["server_vmhwm_mb"] = pages.peak_rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    result["load_after"] = os.getloadavg()
    print(json.dumps(result, indent=1))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
