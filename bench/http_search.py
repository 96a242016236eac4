"""Search over HTTP: every query class through ``GET /api/search`` of the real server.

    python bench/http_search.py --data-dir DATA_DIR --out bench/results/http-search-100k.json

The data dir is one ``bench/scale.py`` made (its users: ``editor``, ``viewer``). Queries are
drawn from the data dir's own records the way ``bench/run.py`` draws them from its corpus,
hard ones included: single words and two-word ANDs of the 400 commonest words, phrases of
two adjacent words of random records, **phrases of two of the 20 commonest non-stop words**,
a word with an indicator and a type, a word with a date range, and a word with a locality.
Every answer carries the total, the facets, highlights and the suggestion (the API always
computes them). p50/p95 in ms of ``--per-class`` sequential requests per class and role,
and the server's peak memory (VmHWM) at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sqlite3
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import pages  # noqa: E402

from search_index import text  # noqa: E402

WORD = re.compile(r"[a-z]+")


def draw(data_dir: Path, per_class: int, seed: int = 7) -> dict[str, list[dict]]:
    """Query parameters per class, from a sample of the data dir's records."""
    rng = random.Random(seed)
    db = sqlite3.connect(f"file:{data_dir / 'wm2u.db'}?mode=ro", uri=True)
    try:
        rows = db.execute(
            "SELECT body, type, date FROM records WHERE deleted_at IS NULL ORDER BY id LIMIT 3000"
        ).fetchall()
        codes = [c for (c,) in db.execute("SELECT DISTINCT code FROM record_indicators")]
        places = [p for (p,) in db.execute("SELECT DISTINCT locality FROM records") if p]
    finally:
        db.close()
    counts: dict[str, int] = {}
    for body, _, _ in rows:
        for word in WORD.findall(body.lower()):
            counts[word] = counts.get(word, 0) + 1
    ranked = [w for w, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    content = [w for w in ranked if len(w) > 2 and not text.is_stop(text.normalise(w))]
    common, top = content[:400], content[:20]
    types = sorted({t for _, t, _ in rows})
    phrases = []
    for body, _, _ in rng.sample(rows, min(len(rows), 400)):
        words = WORD.findall(body.lower())
        if len(words) > 3:
            i = rng.randrange(0, len(words) - 2)
            pair = [w for w in words[i : i + 3] if not text.is_stop(text.normalise(w))][:2]
            if len(pair) == 2:
                phrases.append(pair)
    out: dict[str, list[dict]] = {}
    for _ in range(per_class):
        w1, w2 = rng.sample(common, 2)
        start = f"202{rng.randint(4, 5)}-{rng.randint(1, 12):02d}-01"
        out.setdefault("single word", []).append({"q": w1})
        out.setdefault("two words AND", []).append({"q": f"{w1} {w2}"})
        out.setdefault("phrase", []).append({"q": '"' + " ".join(rng.choice(phrases)) + '"'})
        out.setdefault("phrase of common words", []).append(
            {"q": '"' + " ".join(rng.sample(top, 2)) + '"'}
        )
        out.setdefault("word + indicator + type", []).append(
            {"q": w1, "indicator": rng.choice(codes), "type": rng.choice(types)}
        )
        out.setdefault("word + date range", []).append({"q": w1, "from": start, "to": "2026-06-30"})
        out.setdefault("word + locality", []).append({"q": w1, "locality": rng.choice(places)})
    return out


def timed(session, url: str, params: dict) -> float:
    started = time.perf_counter()
    response = session.get(url, params=params, timeout=60)
    took = (time.perf_counter() - started) * 1000
    response.raise_for_status()
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--per-class", type=int, default=100)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    queries = draw(args.data_dir, args.per_class)
    port = pages.free_port()
    base = f"http://127.0.0.1:{port}"
    server = pages.serve(args.data_dir, port)
    result: dict = {"load_before": os.getloadavg(), "per_class": args.per_class, "classes": {}}
    try:
        for role in pages.ROLES:
            session = pages.logged_in(base, role)
            url = f"{base}/api/search"
            for params in [q for items in queries.values() for q in items[:3]]:
                timed(session, url, params)  # warm
            for cls, items in queries.items():
                times = [timed(session, url, params) for params in items]
                cuts = statistics.quantiles(times, n=20, method="inclusive")
                found = {"p50": round(statistics.median(times), 1), "p95": round(cuts[18], 1)}
                result["classes"].setdefault(cls, {})[role] = found
                print(role, cls, found, flush=True)
        result["server_vmhwm_mb"] = pages.peak_rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    result["load_after"] = os.getloadavg()
    lines = ["| class | editor p50 / p95 | viewer p50 / p95 |", "| --- | ---: | ---: |"]
    for cls, roles in result["classes"].items():
        cells = [f"{roles[r]['p50']} / {roles[r]['p95']}" for r in pages.ROLES]
        lines.append(f"| {cls} | " + " | ".join(cells) + " |")
    result["table"] = "\n".join(lines)
    print(result["table"])
    print("server VmHWM MB:", result.get("server_vmhwm_mb"))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
