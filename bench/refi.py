"""The REFI-QDA project export at scale (#22, "How fast, how big").

    python bench/refi.py --data-dir /work/bench100k/data [--audience external] [--for nvivo]

Copies the data dir's database (the data dir given is only read: an export writes its audit
line and its working files into the data dir), then runs ``wm2u export --format qdpx`` in a
process of its own and prints its time, the peak memory of that process (VmHWM, from the
kernel's accounting of the child) and the file's size, records and excerpts. Targets at
100,000 records and 500,000 excerpts: ≤ 120 s and ≤ 500 MB.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def copy_data_dir(source: Path, into: Path) -> Path:
    """A private copy of the database and secret key (the index is not needed to export)."""
    target = into / "data"
    target.mkdir(mode=0o700)
    for name in ("wm2u.db", "secret_key"):
        if (source / name).exists():
            shutil.copy2(source / name, target / name)
    return target


def export(data_dir: Path, out: Path, extra: list[str]) -> dict:
    """Run the export in a child process; its wall time and peak resident memory."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "learning", "--data-dir", str(data_dir), "export", "--format",
         "qdpx", "--out", str(out), *extra],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"export failed: {result.stderr[-2000:]}")
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # Linux: kilobytes
    return {"seconds": round(seconds, 1), "vmhwm_mb": round(peak_kb / 1024),
            "stderr": result.stderr.strip()}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--audience", choices=["internal", "external"], default="internal")
    parser.add_argument("--for", dest="tool", choices=["nvivo", "atlas", "maxqda", "qualcoder"])
    parser.add_argument("--out", type=Path, help="Also write the figures here as JSON.")
    args = parser.parse_args()
    extra = ["--audience", args.audience] + (["--for", args.tool] if args.tool else [])
    with tempfile.TemporaryDirectory() as work:
        data_dir = copy_data_dir(args.data_dir, Path(work))
        project = Path(work) / "project.qdpx"
        figures = export(data_dir, project, extra)
        with zipfile.ZipFile(project) as zf:
            figures["entries"] = len(zf.namelist())
        figures["file_mb"] = round(project.stat().st_size / 2**20, 1)
    figures["audience"], figures["for"] = args.audience, args.tool or "standard"
    print(json.dumps(figures, indent=2))
    if args.out:
        args.out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
