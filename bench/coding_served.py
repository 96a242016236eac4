"""Passages' slow paths through the served app, on a data dir ``bench/passages.py`` built.

    python bench/coding_served.py --data-dir COPY --port 5821 [--requests 100] [--out F.json]

``wm2u serve`` (waitress) on ``--port``: the ``code:`` searches, ``/api/excerpts?code=``, a code's
API entry and page (codes drawn Zipf-like, the biggest first, as ``bench/passages.py`` does),
then coding a passage (POST) and, after each of a few codings (writes), the first
``/api/excerpts?code=`` and ``/codes/ID`` of the biggest code. p50/p95 in ms and the load.
It writes (the passages it codes): run it on a copy.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import pages  # noqa: E402
import passages  # noqa: E402


def editor(base: str):
    """The editor's session and the headers a write needs."""
    session = pages.logged_in(base, "editor")
    page = session.get(f"{base}/", timeout=30).text
    return session, {"X-CSRFToken": pages.CSRF.search(page).group(1)}  # type: ignore[union-attr]


def code_one(base: str, session, headers: dict, record: dict, code: str, rng) -> float:
    """Code a passage of ``record`` with ``code`` (POST); the time it took."""
    span = passages.passage(record["body"], rng)
    data = {"start": span[0], "end": span[1], "text": record["body"][span[0] : span[1]],
            "codes": [code]}  # fmt: skip
    url = f"{base}/api/records/{record['id']}/excerpts"
    return passages.timed(session, "POST", url, json=data, headers=headers)[0]


def family_stories(base: str, session) -> list[dict]:
    records = session.get(f"{base}/api/records?per_page=100&type=family_story", timeout=60)
    return records.json()["records"]


def coding_times(base: str, codes: list[str], n: int) -> dict:
    """Coding a passage (POST), ``n`` times, as the editor."""
    session, headers = editor(base)
    targets, rng = family_stories(base, session), random.Random(13)
    times = [code_one(base, session, headers, targets[i % len(targets)], codes[i % len(codes)],
                      rng) for i in range(n)]  # fmt: skip
    return {"code a passage (POST)": passages.quantiles(times)}


def after_writes(base: str, codes: list[str], n: int) -> dict:
    """The biggest code's excerpts and page, each the first request after a coding."""
    session, headers = editor(base)
    targets, rng = family_stories(base, session), random.Random(17)
    out: dict[str, list[float]] = {}
    for i in range(n):
        for name, url in (("/api/excerpts?code= after a write", f"/api/excerpts?code={codes[0]}"),
                          ("/codes/ID after a write", f"/codes/{codes[0]}")):  # fmt: skip
            code_one(base, session, headers, targets[i % len(targets)], codes[-1], rng)
            out.setdefault(name, []).append(passages.timed(session, "GET", base + url)[0])
    return {name: passages.quantiles(times) for name, times in out.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--port", type=int, default=5821)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--writes", type=int, default=10)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    result: dict = {"load_before": os.getloadavg(), "requests": args.requests}
    codes = passages.drawn_codes(args.data_dir, args.requests)
    base = f"http://127.0.0.1:{args.port}"
    server = pages.serve(args.data_dir, args.port)
    try:
        result["search"] = passages.search(base, args.data_dir, args.requests, codes)
        result["reading"] = passages.reading(base, codes, codes[0])
        result["writing"] = coding_times(base, codes, args.requests)
        result["after writes"] = after_writes(base, codes, args.writes)
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
