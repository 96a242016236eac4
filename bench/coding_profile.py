"""Passages' slow paths in process, cold (just after a write) and warm (#21's remaining speed).

    python bench/coding_profile.py --data-dir COPY_OF_A_100K_DATA_DIR [--runs 5]

Times, for the biggest code and a middling one, as the editor (internal) and the viewer
(external): the code's coding summary (``reports.code_summary``), ``excerpts.find`` (the first
page and its exact ``total``), a ``code:`` search; and coding a passage (``code_passage``).
"Cold" is the first call after a write moved the records generation (the write is a no-op
change to a meta row, so the data dir is not altered otherwise); "warm" the next call. It
writes (the generation, the passages it codes): run it on a copy.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from learning.coding import excerpts, reports  # noqa: E402
from learning.services import Evidence  # noqa: E402


def ms(fn) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def bump(ev: Evidence) -> None:
    """Move the records generation, as any write does."""
    with ev.store.write() as conn:
        ev.store._changed(conn)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    print("load", os.getloadavg(), file=sys.stderr)
    with Evidence(args.data_dir) as ev:
        ranked = ev.store.conn.execute(
            "SELECT code_id, count(*) n FROM excerpt_codes GROUP BY code_id ORDER BY n DESC"
        ).fetchall()
        big = "folder-0" if args.only != "leaf" else ranked[0][0]
        codes = {"biggest": ranked[0][0], "folder-0": big, "middling": ranked[40][0]}
        cases = {}
        for label, code in codes.items():
            for audience in ("internal", "external"):
                cases[f"summary {label} {audience}"] = lambda c=code, a=audience: (
                    reports.code_summary(ev, c, (None, None), a)
                )
                cases[f"excerpts {label} {audience}"] = lambda c=code, a=audience: excerpts.find(
                    ev, excerpts.ExcerptQuery(code=c), a
                )
                cases[f"search code: {label} {audience}"] = lambda c=code, a=audience: ev.search(
                    f"code:{c}", audience=a
                )
        record = ev.store.conn.execute(
            "SELECT id FROM records WHERE type = 'family_story' AND deleted_at IS NULL "
            "AND length(body) > 200 LIMIT 1"
        ).fetchone()[0]
        rng = random.Random(1)

        def code_one() -> None:
            body = ev.store.get(record).body
            start = rng.randrange(0, len(body) - 40)
            data = {"start": start, "end": start + 30, "text": body[start : start + 30],
                    "codes": [codes["middling"]]}  # fmt: skip
            excerpts.code_passage(ev, record, data, "bench")

        cases["code a passage"] = code_one
        for name, fn in cases.items():
            if args.only and args.only not in name:
                continue
            cold, warm = [], []
            for _ in range(args.runs):
                bump(ev)
                cold.append(ms(fn))
                warm.append(ms(fn))
            print(f"{name:40} cold {statistics.median(cold):8.1f}  warm "
                  f"{statistics.median(warm):8.1f} ms", flush=True)  # fmt: skip
    print("load", os.getloadavg(), file=sys.stderr)


if __name__ == "__main__":
    main()
