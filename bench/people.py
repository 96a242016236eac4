"""People's rights on a data dir of N synthetic records (bench/corpus.py), one person named
in ``--named`` of them (listed, and written in their body):

    python bench/people.py --data-dir /tmp/people-10k --records 10000 --named 200

Times ``wm2u people list``, a subject access export and the erasure of that person (the
database in one transaction, then the index's purge of the segments that held them), each
as its own process, as an operator runs them. The data dir is made if it does not exist.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.corpus import records  # noqa: E402
from learning.services import Evidence, initialise  # noqa: E402

PERSON = "Ailsa Pennycook"


def make(data_dir: Path, count: int, named: int) -> None:
    initialise(data_dir)
    step = max(1, count // named)
    batch = []
    with Evidence(data_dir) as ev:
        for i, record in enumerate(records(count)):
            if i % step == 0 and i // step < named:
                record = replace(record, consent="anonymised", people=[*record.people, PERSON],
                                 body=f"{PERSON} said it helped. {record.body}")  # fmt: skip
            batch.append(record)
            if len(batch) == 1000:
                ev.store.import_records(batch, "bench")
                batch = []
        if batch:
            ev.store.import_records(batch, "bench")
        ev.reindex()


def timed(data_dir: Path, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "learning", "--data-dir", str(data_dir), *args],
                   check=True, cwd=ROOT, capture_output=True)  # fmt: skip
    return round(time.perf_counter() - started, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--records", type=int, default=10000)
    parser.add_argument("--named", type=int, default=200)
    args = parser.parse_args()
    if not (args.data_dir / "wm2u.db").exists():
        started = time.perf_counter()
        make(args.data_dir, args.records, args.named)
        print(f"made in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    result = {
        "records": args.records,
        "named in": args.named,
        "people list": timed(args.data_dir, "people", "list", "--json"),
        "export": timed(
            args.data_dir,
            "person",
            "export",
            PERSON,
            "--out",
            str(args.data_dir.parent / "subject-access.zip"),
        ),  # fmt: skip
        "erase dry run": timed(args.data_dir, "person", "erase", PERSON, "--dry-run"),
        "erase": timed(args.data_dir, "person", "erase", PERSON),
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
