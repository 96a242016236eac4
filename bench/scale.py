"""The product at scale, end to end through the real command line and server.

    python bench/scale.py --records 100000 --out bench/results/scale-100k.json

Builds a data dir of ``--records`` demo records through `wm2u import` (throughput and peak
memory), checks it, generates a year's learning update in each format and audience, then
times the main pages with the real server (`bench/pages.py`) and reports its peak memory.
The search engine's own figures (query classes, saves, rebuild) are `bench/run.py`'s.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import pages  # noqa: E402

from evidence import accounts  # noqa: E402
from learning import demo, framework  # noqa: E402
from learning.services import Evidence  # noqa: E402


def run(data_dir: Path, *args: str) -> dict[str, Any]:
    """Run one `wm2u` command; its wall time (s) and peak memory (MB, by GNU time)."""
    command = [sys.executable, "-m", "learning", "--data-dir", str(data_dir), *args]
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        if Path("/usr/bin/time").exists():  # a forked child's own figure counts the parent's
            command = ["/usr/bin/time", "-f", "%M", "-o", rss.name, *command]
        started = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL)
        took = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"`wm2u {' '.join(args)}` failed ({done.returncode})")
        kilobytes = rss.read().strip().splitlines()
    peak = round(int(kilobytes[-1]) / 1024, 1) if kilobytes else None
    return {"seconds": round(took, 2), "peak_rss_mb": peak}


def build(data_dir: Path, count: int) -> dict[str, Any]:
    """Import ``count`` demo records through the CLI, as an operator would."""
    source = data_dir.parent / "records.json"
    started = time.perf_counter()
    records = demo.generate(framework.load(), count=count, seed=100)
    source.write_text(json.dumps({"records": records}), "utf-8")
    generated = round(time.perf_counter() - started, 1)
    figures: dict[str, Any] = {"generate_seconds": generated}
    figures["init"] = run(data_dir, "init")
    figures["import"] = run(data_dir, "import", str(source))
    figures["import"]["records_per_second"] = round(count / figures["import"]["seconds"])
    figures["import_again"] = run(data_dir, "import", str(source))
    with Evidence(data_dir) as ev:
        for role in pages.ROLES:
            accounts.add_user(ev.store, role, role, pages.PASSWORD)
    return figures


def learning_updates(data_dir: Path, out: Path) -> dict[str, Any]:
    """A year's learning update in each format, for each audience."""
    figures = {}
    for audience in ("internal", "external"):
        for fmt in ("md", "html", "docx"):
            target = out / f"update-{audience}.{fmt}"
            figures[f"{audience} {fmt}"] = run(
                data_dir, "learning-update", "--from", "2025-01-01", "--to", "2025-12-31",
                "--audience", audience, "--format", fmt, "--out", str(target),
            )  # fmt: skip
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="wm2u-scale-"))
    data_dir = work / "instance"
    result: dict[str, Any] = {"records": args.records, "load_before": os.getloadavg()}
    result["build"] = build(data_dir, args.records)
    print(json.dumps(result["build"], indent=1), file=sys.stderr)
    result["check"] = run(data_dir, "check")
    result["learning_update"] = learning_updates(data_dir, work)
    print(json.dumps(result["learning_update"], indent=1), file=sys.stderr)
    result["pages"] = pages.run_size(args.records, args.requests, data_dir, after_writes=True)
    result["load_after"] = os.getloadavg()
    print(pages.table({str(args.records): result["pages"]}))
    print(json.dumps({k: v for k, v in result.items() if k != "pages"}, indent=1))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"data dir kept at {data_dir}", file=sys.stderr)


if __name__ == "__main__":
    main()
