"""Passages and the codebook at scale, through the real server (#21, "How fast, how big").

    python bench/scale.py --records 100000                  # prints "data dir kept at DIR"
    python bench/passages.py --data-dir DIR --excerpts 500000 --out bench/results/passages-100k.json
    python bench/passages.py --records 5000 --excerpts 25000 --out bench/results/passages-5k.json

Adds ``--codes`` codes (a tree: folders, codes, sub-codes) and ``--excerpts`` excerpts to a
data dir ``bench/scale.py`` made (or, with ``--records``, a fresh one of demo records): codes
drawn Zipf-like, 1–3 each, passages of 5–60 words cut from the records' bodies at word
boundaries, by ``--coders`` coders; ``editor`` and ``evaluator`` both code
``--agreement-records`` records, and ``EDITED`` records hold exactly 50 excerpts each. They
go in through the store in bulk (``evidence.coding.add_excerpts``, big transactions), then
the index is rebuilt. Then, with ``wm2u serve`` (waitress) on a free port: every search
class of ``bench/http_search.py`` plus ``code:`` queries, ``/api/excerpts?code=`` (codes
drawn Zipf-like, the biggest included), a code's API entry and page, the codebook, coding a
passage (POST), saving an edit to a record with 50 excerpts (PUT), each p50/p95 in ms; the
agreement over the records both coders coded (the store's reads and the calculation, in
this process); the server's VmHWM. Targets: search p95 ≤ 100 ms (today's classes ≤ 60 ms),
excerpts and a code's page ≤ 200 ms, coding ≤ 150 ms, an edit ≤ 200 ms, agreement ≤ 10 s,
VmHWM ≤ 500 MB.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import http_search  # noqa: E402
import pages  # noqa: E402

from evidence import coding  # noqa: E402
from evidence.anchoring import anchor_for  # noqa: E402
from evidence.coding import Code, Excerpt  # noqa: E402
from learning.coding.agreement import Coded, agreement  # noqa: E402
from learning.services import Evidence  # noqa: E402

CODERS = ("editor", "evaluator", "reviewer", "student", "volunteer")
EDITED = 30  # records with exactly 50 excerpts, for the edit timings
BATCH = 50_000  # excerpts per transaction
_WORD = re.compile(r"\S+")


# --- the data ----------------------------------------------------------------------------------
def codebook(count: int) -> list[Code]:
    """``count`` codes: a tenth folders (not codable), the rest codes under them, one in four
    with a parent code (a tree three deep)."""
    folders = max(1, count // 10)
    codes = [Code(f"folder-{i}", f"Folder {i}", codable=False) for i in range(folders)]
    rng = random.Random(3)
    for i in range(count - folders):
        parents = [c.id for c in codes if c.codable] if rng.random() < 0.25 else []
        parent = rng.choice(parents) if parents else f"folder-{i % folders}"
        codes.append(Code(f"code-{i}", f"Code {i}", description=f"Bench code {i}", parent=parent))
    return codes


def zipf_weights(n: int, s: float = 1.07) -> list[float]:
    return [1 / (rank**s) for rank in range(1, n + 1)]


def passage(body: str, rng: random.Random) -> tuple[int, int] | None:
    """A span of 5–60 whole words of ``body`` (fewer if the body is shorter)."""
    words = [m.span() for m in _WORD.finditer(body)]
    if len(words) < 2:
        return None
    length = min(len(words), rng.randint(5, 60))
    first = rng.randrange(0, len(words) - length + 1)
    return words[first][0], words[first + length - 1][1]


def plan_counts(ids: list[str], total: int, both: int, rng: random.Random) -> dict[str, int]:
    """How many excerpts each record gets: ``EDITED`` records 50, the next ``both`` (coded by
    two coders) at least 2, the rest spread at random."""
    counts = dict.fromkeys(ids, 0)
    for record_id in ids[:EDITED]:
        counts[record_id] = 50
    for record_id in ids[EDITED : EDITED + both]:
        counts[record_id] = 2
    rest = ids[EDITED:]
    for record_id in rng.choices(rest, k=max(0, total - 50 * EDITED - 2 * both)):
        counts[record_id] += 1
    return counts


def add_passages(ev: Evidence, total: int, coders: int, both: int, seed: int = 11) -> dict:
    """Add ``total`` excerpts in big transactions; the records both coders coded."""
    rng = random.Random(seed)
    codable = [c.id for c in coding.team_codes(ev.store) if c.codable]
    weights = list(itertools.accumulate(zipf_weights(len(codable))))
    rows = ev.store.conn.execute(
        "SELECT id FROM records WHERE deleted_at IS NULL AND type != 'learning_update' ORDER BY id"
    ).fetchall()
    ids = [r[0] for r in rows]
    rng.shuffle(ids)
    counts = plan_counts(ids, total, both, rng)
    paired = set(ids[EDITED : EDITED + both])
    others = CODERS[2:coders]
    batch: list[Excerpt] = []
    added = 0
    started = time.perf_counter()
    for record_id in ids:
        if not counts[record_id]:
            continue
        body = ev.store.conn.execute("SELECT body FROM records WHERE id = ?", [record_id])
        body = body.fetchone()[0]
        last: tuple[tuple[int, int], set[str]] | None = None
        for n in range(counts[record_id]):
            span = passage(body, rng)
            if span is None:
                break
            picked = set(rng.choices(codable, cum_weights=weights, k=rng.choice((1, 1, 2, 3))))
            coder = "editor" if record_id in paired else rng.choice(("editor", *others))
            if record_id in paired and n % 2:  # the evaluator: mostly the editor's passage again
                coder = "evaluator"
                if last is not None and rng.random() < 0.7:
                    span, picked = last
            last = (span, picked)
            anchor = anchor_for(body, *span)
            batch.append(Excerpt("", record_id, anchor.text, sorted(picked), "body", anchor.start,
                                 anchor.end, anchor.prefix, anchor.suffix, "exact", None,
                                 coder))  # fmt: skip
        if len(batch) >= BATCH:
            added += len(coding.add_excerpts(ev.store, batch))
            batch = []
            print(f"  {added} excerpts", file=sys.stderr, flush=True)
    if batch:
        added += len(coding.add_excerpts(ev.store, batch))
    return {
        "excerpts": added,
        "seconds": round(time.perf_counter() - started, 1),
        "edited": ids[:EDITED],
        "paired": len(paired),
    }


def build(data_dir: Path, records: int | None, codes: int, excerpts: int, coders: int,
          both: int) -> dict[str, Any]:  # fmt: skip
    """The codebook and the excerpts (and first the records, if asked), then the index."""
    figures: dict[str, Any] = {}
    if records:
        started = time.perf_counter()
        pages.build(data_dir, records, seed=100)
        figures["records_seconds"] = round(time.perf_counter() - started, 1)
    with Evidence(data_dir) as ev:
        started = time.perf_counter()
        for code in codebook(codes):
            coding.add_code(ev.store, code, str(uuid.uuid4()), "bench")
        figures["codes_seconds"] = round(time.perf_counter() - started, 2)
        figures["add"] = add_passages(ev, excerpts, coders, both)
        started = time.perf_counter()
        ev.reindex()
        figures["reindex_seconds"] = round(time.perf_counter() - started, 1)
    return figures


# --- the timings -------------------------------------------------------------------------------
def quantiles(times: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(times, n=20, method="inclusive")
    return {"p50": round(statistics.median(times), 1), "p95": round(cuts[18], 1), "n": len(times)}


def timed(session, method: str, url: str, **kwargs: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    response = session.request(method, url, timeout=120, **kwargs)
    took = (time.perf_counter() - started) * 1000
    response.raise_for_status()
    return took, response


def drawn_codes(data_dir: Path, n: int, seed: int = 5) -> list[str]:
    """``n`` codes drawn Zipf-like by their use, the biggest first."""
    db = sqlite3.connect(f"file:{data_dir / 'wm2u.db'}?mode=ro", uri=True)
    try:
        used = db.execute(
            "SELECT code_id, count(*) AS n FROM excerpt_codes GROUP BY code_id ORDER BY n DESC"
        ).fetchall()
    finally:
        db.close()
    ranked = [c for c, _ in used]
    rng = random.Random(seed)
    return [ranked[0], *rng.choices(ranked, weights=zipf_weights(len(ranked)), k=n - 1)]


def search(base: str, data_dir: Path, n: int, codes: list[str]) -> dict[str, Any]:
    """Every search class of ``http_search`` plus ``code:`` alone and with a word, per role."""
    queries = http_search.draw(data_dir, n)
    words = [q["q"] for q in queries["single word"]]
    queries["code:"] = [{"q": f"code:{code}"} for code in codes[:n]]
    queries["word + code:"] = [{"q": f"{w} code:{c}"} for w, c in zip(words, codes, strict=False)]
    out: dict[str, Any] = {}
    for role in pages.ROLES:
        session = pages.logged_in(base, role)
        for params in [q for items in queries.values() for q in items[:3]]:
            timed(session, "GET", f"{base}/api/search", params=params)  # warm
        for cls, items in queries.items():
            times = [timed(session, "GET", f"{base}/api/search", params=p)[0] for p in items]
            out.setdefault(cls, {})[role] = quantiles(times)
            print(role, cls, out[cls][role], file=sys.stderr, flush=True)
    return out


def reading(base: str, codes: list[str], edited: str) -> dict[str, Any]:
    """A code's excerpts, its API entry and page, the codebook, a coded record's page."""
    out: dict[str, Any] = {}
    for role in pages.ROLES:
        session = pages.logged_in(base, role)
        urls = {
            "/api/excerpts?code=": [f"{base}/api/excerpts?code={c}" for c in codes],
            "/api/codes/ID": [f"{base}/api/codes/{c}" for c in codes],
            "/codes/ID (page)": [f"{base}/codes/{c}" for c in codes],
            "/api/codes": [f"{base}/api/codes"] * len(codes),
        }
        if role == "editor":
            urls["record page with 50 excerpts"] = [f"{base}/records/{edited}"] * len(codes)
            urls["/api/records/ID/excerpts (50)"] = [f"{base}/api/records/{edited}/excerpts"] * len(
                codes
            )
        for name, targets in urls.items():
            if session.get(targets[0], timeout=120).status_code == 404:
                out.setdefault(name, {})[role] = "not served (404)"
                continue
            times = [timed(session, "GET", url)[0] for url in targets]
            out.setdefault(name, {})[role] = quantiles(times)
            print(role, name, out[name][role], file=sys.stderr, flush=True)
    return out


def writing(base: str, edited: list[str], codes: list[str], n_code: int, n_edit: int) -> dict:
    """Coding a passage (POST, ``n_code`` times) and saving an edit to a record with 50
    excerpts (PUT, ``n_edit`` times), as the editor."""
    session = pages.logged_in(base, "editor")
    page = session.get(f"{base}/", timeout=30).text
    headers = {"X-CSRFToken": pages.CSRF.search(page).group(1)}  # type: ignore[union-attr]
    rng = random.Random(13)
    records = session.get(f"{base}/api/records?per_page=100&type=family_story", timeout=60)
    targets = records.json()["records"]
    post_times = []
    for i in range(n_code):
        record = targets[i % len(targets)]
        span = passage(record["body"], rng)
        if span is None:
            continue
        data = {"start": span[0], "end": span[1], "text": record["body"][span[0] : span[1]],
                "codes": [codes[i % len(codes)]]}  # fmt: skip
        url = f"{base}/api/records/{record['id']}/excerpts"
        post_times.append(timed(session, "POST", url, json=data, headers=headers)[0])
    put_times = []
    for i in range(n_edit):
        url = f"{base}/api/records/{edited[i % len(edited)]}"
        record = session.get(url, timeout=60).json()
        # A sentence added at the start: every excerpt moves and is found again.
        body = {**record, "body": f"Edit {i} by the bench. " + record["body"]}
        put_times.append(timed(session, "PUT", url, json=body, headers=headers)[0])
        after = session.get(f"{url}/excerpts", timeout=60).json()["excerpts"]
        assert len(after) == 50 and all(e["status"] != "detached" for e in after), url
    return {"code a passage (POST)": quantiles(post_times),
            "edit a record with 50 excerpts (PUT)": quantiles(put_times)}  # fmt: skip


def agreement_run(data_dir: Path) -> dict[str, Any]:
    """Agreement between editor and evaluator over every record both coded, from the store."""
    with Evidence(data_dir) as ev:
        started = time.perf_counter()
        conn = ev.store.conn
        rows = conn.execute(
            'SELECT e.record_id, e.source, c.code_id, e.author, e.start, e."end" FROM excerpts e '
            "JOIN excerpt_codes c ON c.excerpt_id = e.id JOIN records r ON r.id = e.record_id "
            "WHERE e.author IN ('editor', 'evaluator') AND e.start IS NOT NULL "
            "AND r.deleted_at IS NULL"
        ).fetchall()
        coded = [Coded(*row) for row in rows]
        records = {c.record for c in coded}
        lengths = {}
        for chunk in range(0, len(records), 900):
            ids = sorted(records)[chunk : chunk + 900]
            marks = ", ".join("?" * len(ids))
            for record_id, length in conn.execute(
                f"SELECT id, length(body) FROM records WHERE id IN ({marks})", ids
            ):
                lengths[(record_id, "body")] = length
        read = time.perf_counter() - started
        result = agreement("editor", "evaluator", lengths, coded)
        took = time.perf_counter() - started
    return {"records": result["records"], "passages read": len(coded),
            "read_seconds": round(read, 2), "seconds": round(took, 2)}  # fmt: skip


def fifty_excerpts(data_dir: Path) -> list[str]:
    """The records the build gave exactly 50 excerpts each (those an edit is timed on)."""
    with sqlite3.connect(f"file:{data_dir / 'wm2u.db'}?mode=ro", uri=True) as db:
        rows = db.execute(
            "SELECT record_id FROM excerpts GROUP BY record_id HAVING count(*) = 50 LIMIT 100"
        ).fetchall()
    return [r for (r,) in rows]


# --- the run -----------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="a data dir bench/scale.py made")
    parser.add_argument("--records", type=int, help="build a fresh data dir of N records")
    parser.add_argument("--codes", type=int, default=300)
    parser.add_argument("--excerpts", type=int, default=500_000)
    parser.add_argument("--coders", type=int, default=4, choices=range(3, 6))
    parser.add_argument("--agreement-records", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--edits", type=int, default=30)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--built", action="store_true",
                        help="the data dir holds this benchmark's passages already (a copy of "
                             "one it built): time it again without adding any")  # fmt: skip
    args = parser.parse_args()
    if (args.data_dir is None) == (args.records is None):
        parser.error("give --data-dir (made by bench/scale.py) or --records N")
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="wm2u-passages-")) / "instance"
    result: dict[str, Any] = {"load_before": os.getloadavg(), "codes": args.codes,
                              "coders": args.coders, "requests": args.requests}  # fmt: skip
    if args.built:
        edited = fifty_excerpts(data_dir)
    else:
        both = min(args.agreement_records, args.excerpts // 10)
        result["build"] = build(data_dir, args.records, args.codes, args.excerpts, args.coders,
                                both)  # fmt: skip
        edited = result["build"]["add"].pop("edited")
    with Evidence(data_dir) as ev:
        result["records"] = ev.store.count()
    print(json.dumps(result.get("build")), file=sys.stderr)
    codes = drawn_codes(data_dir, args.requests)
    port = pages.free_port()
    base = f"http://127.0.0.1:{port}"
    server = pages.serve(data_dir, port)
    try:
        result["search"] = search(base, data_dir, args.requests, codes)
        result["reading"] = reading(base, codes, edited[0])
        result["writing"] = writing(base, edited, codes, args.requests, args.edits)
        result["server_vmhwm_mb"] = pages.peak_rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    result["agreement"] = agreement_run(data_dir)
    result["load_after"] = os.getloadavg()
    print(json.dumps(result, indent=1))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"data dir kept at {data_dir}", file=sys.stderr)


if __name__ == "__main__":
    main()
