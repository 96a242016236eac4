"""Importing a big REFI-QDA project (#22, "How fast, how big": 100,000 sources and 500,000
selections in at most 300 s).

    python bench/refi_import.py --sources 100000 --out bench/results/refi-import-100k.json
    python bench/refi_import.py --sources 2000 --selections 5

Writes a .qdpx as another tool would (a codebook of ``--codes`` codes, one ``.txt`` a source
in ``sources/``, our variables on each source, ``--selections`` coded selections a source,
one in five with a note), streamed so the generator holds one source at a time; then runs
``wm2u init`` and ``wm2u import FILE`` in a process of their own (timed, its peak memory read
from the kernel), and the same import again (which must change nothing).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORDS = ("family", "council", "school", "rent", "worker", "listened", "help", "money", "home",
         "breakfast", "club", "mornings", "calmer", "support", "voice", "change")  # fmt: skip
VARIABLES = ("type", "date", "authority", "locality", "consent", "indicators")


def _guid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def write_project(path: Path, sources: int, selections: int, codes: int, seed: int = 7) -> None:
    """A .qdpx of ``sources`` sources of about 120 words, each with ``selections``."""
    rng = random.Random(seed)
    code_guids = [_guid(rng) for _ in range(codes)]
    var_guids = {name: _guid(rng) for name in VARIABLES}
    notes: list[tuple[str, str]] = []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        source_guids = []
        with zf.open("project.qde", "w", force_zip64=True) as qde:
            w = qde.write
            w(b'<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="urn:QDA-XML:project:1.0"'
              b' name="bench"><CodeBook><Codes>')  # fmt: skip
            for i, g in enumerate(code_guids):
                w(f'<Code guid="{g}" name="Theme {i}" isCodable="true"/>'.encode())
            w(b"</Codes></CodeBook><Variables>")
            for name, g in var_guids.items():
                w(f'<Variable guid="{g}" name="{name}" typeOfVariable="Text"/>'.encode())
            w(b"</Variables><Sources>")
            for n in range(sources):
                guid = _guid(rng)
                text = _text(n)
                source_guids.append(guid)
                w(f'<TextSource guid="{guid}" name="Story {n}" '
                  f'plainTextPath="internal://{guid}.txt">'.encode())  # fmt: skip
                for _ in range(selections):
                    start = rng.randrange(0, len(text) - 60)
                    end = start + rng.randrange(5, 60)
                    sel = _guid(rng)
                    note = ""
                    if rng.random() < 0.2:
                        notes.append((_guid(rng), f"Memo on story {n}"))
                        note = f'<NoteRef targetGUID="{notes[-1][0]}"/>'
                    coding = (f'<Coding guid="{_guid(rng)}"><CodeRef targetGUID='
                              f'"{rng.choice(code_guids)}"/></Coding>')  # fmt: skip
                    w(f'<PlainTextSelection guid="{sel}" startPosition="{start}" '
                      f'endPosition="{end}">{coding}{note}'  # fmt: skip
                      "</PlainTextSelection>".encode())  # fmt: skip
                values = {"type": "family_story", "date": f"2025-{rng.randrange(1, 13):02d}-01",
                          "authority": "Dundee", "locality": "Lochee", "consent": "anonymised",
                          "indicators": "SO1.1"}  # fmt: skip
                for name, value in values.items():
                    w(f'<VariableValue><VariableRef targetGUID="{var_guids[name]}"/>'
                      f"<TextValue>{value}</TextValue></VariableValue>".encode())  # fmt: skip
                w(b"</TextSource>")
            w(b"</Sources><Notes>")
            for g, text in notes:
                w(f'<Note guid="{g}" name="memo"><PlainTextContent>{text}</PlainTextContent>'
                  "</Note>".encode())  # fmt: skip
            w(b"</Notes></Project>")
        for n, guid in enumerate(source_guids):
            zf.writestr(f"sources/{guid}.txt", _text(n))


def _text(n: int) -> str:
    """Source ``n``'s text: 120 words, the same each time it is asked for."""
    rng = random.Random(n)
    return " ".join(rng.choice(WORDS) for _ in range(120))


def run(data_dir: Path, *args: str) -> tuple[float, str, float]:
    """Run a ``wm2u`` command: its wall time, last line and CPU seconds (index workers too)."""
    started, before = time.monotonic(), resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run([sys.executable, "-m", "learning", "--data-dir", str(data_dir), *args],
                            capture_output=True, text=True, cwd=ROOT)  # fmt: skip
    if result.returncode:
        sys.exit(result.stderr[-3000:])
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return time.monotonic() - started, result.stderr.strip().splitlines()[-1], cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=2000)
    parser.add_argument("--selections", type=int, default=5)
    parser.add_argument("--codes", type=int, default=200)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="refi-bench-") as tmp:
        project = Path(tmp) / "big.qdpx"
        started = time.monotonic()
        write_project(project, args.sources, args.selections, args.codes)
        made = time.monotonic() - started
        data_dir = Path(tmp) / "instance"
        run(data_dir, "init")
        load = os.getloadavg()[0]
        seconds, summary, cpu = run(data_dir, "import", str(project))
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # its VmHWM
        again, again_summary, _cpu = run(data_dir, "import", str(project))
        figures = {"sources": args.sources, "selections": args.sources * args.selections,
                   "file_mb": round(project.stat().st_size / 2**20, 1),
                   "write_s": round(made, 1), "import_s": round(seconds, 1),
                   "import_cpu_s": round(cpu, 1), "import_peak_mb": round(peak_mb),
                   "load_before": round(load, 2), "summary": summary,
                   "again_s": round(again, 1), "again": again_summary,
                   "target": "import ≤ 300 s at 100,000 sources / 500,000 selections"}  # fmt: skip
    print(json.dumps(figures, indent=1))
    if args.out:
        args.out.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
