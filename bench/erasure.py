"""Erasure end to end on a big data dir: a record cited by a saved update and a rating.

    python bench/erasure.py --data-dir DATA_DIR --out bench/results/erasure-100k.json

Uses a data dir made by ``bench/scale.py`` (records in the database, the index built).
Saves an external learning update of one week (it cites that week's shareable
records), links a progress rating to records it cites, then erases cited records one at a
time, as the admin's request does (``Evidence.purge``: database, the citing update made
again from its other sources, the rating scrubbed, the index segments holding the record
and the update's earlier text rewritten). Two cases: the update just saved (in a small
segment, as it is until the index is tidied), and after ``tidy`` has merged it into a bulk
segment of its own (the worst case: two bulk segments rewritten).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evidence.consent import EXTERNAL  # noqa: E402
from learning import reporting, saved_updates  # noqa: E402
from learning.progress import rate  # noqa: E402
from learning.services import Evidence  # noqa: E402
from learning.updates.request import UpdateRequest  # noqa: E402


def _save_update(ev: Evidence) -> tuple[str, list[str]]:
    asked = UpdateRequest("2025-06-02", "2025-06-08", EXTERNAL, prepared_by="bench")
    record = saved_updates.save(ev, reporting.make(ev, asked), "bench")
    ev.sync_index(wait=30.0)
    return record.id, list(record.fields.get("cites") or [])


def _rate(ev: Evidence, cites: list[str]) -> None:
    first = ev.get(cites[0])
    rate(
        ev.store,
        ev.framework,
        first.indicators[0],
        {
            "period_from": "2025-06-02",
            "period_to": "2025-06-08",
            "progress": "developing",
            "confidence": "medium",
            "rationale": "Families told us so in the café conversations.",
            "records": cites[:10],
        },
        "bench",
    )


def _erase(ev: Evidence, ids: list[str]) -> list[float]:
    times = []
    for record_id in ids:
        started = time.perf_counter()
        ev.purge(record_id, actor="bench")
        times.append(round(time.perf_counter() - started, 2))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--each", type=int, default=3, help="erasures per case")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    result: dict = {"load_before": os.getloadavg()}
    with Evidence(args.data_dir) as ev:
        result["records"] = ev.store.conn.execute("SELECT count(*) FROM records").fetchone()[0]
        update_id, cites = _save_update(ev)
        _rate(ev, cites)
        result["cited_by_update"] = len(cites)
        picks = cites[: args.each]
        result["update in a recent segment"] = _erase(ev, picks)
        started = time.perf_counter()
        ev.index.tidy()
        result["tidy_seconds"] = round(time.perf_counter() - started, 1)
        picks = cites[args.each : 2 * args.each]
        result["update in a bulk segment"] = _erase(ev, picks)
        ev.purge(update_id, actor="bench")
    for key in ("update in a recent segment", "update in a bulk segment"):
        times = result[key]
        result[key + " (median, max)"] = [statistics.median(times), max(times)]
    result["load_after"] = os.getloadavg()
    print(json.dumps(result, indent=1))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
