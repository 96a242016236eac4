"""Benchmark the search layer against raw Whoosh and SQLite FTS5 on one synthetic corpus.

    python bench/run.py --records 100000 --out bench/results/100k.json
    python bench/run.py --records 100000 --only ours --baseline bench/results/100k-baselines.json \
        --out bench/results/100k.json   # ours again, the other engines from an earlier run

Every figure is measured in the same run on the same records: full build, search p50/p95
per query class (top 20 hits, exact total; ours also computes facets, highlights and the
suggestion on every search), single save p95, index size.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import corpus  # noqa: E402
from whoosh import fields as wf  # noqa: E402
from whoosh import index as windex  # noqa: E402
from whoosh import sorting  # noqa: E402
from whoosh.analysis import StemmingAnalyzer  # noqa: E402
from whoosh.qparser import QueryParser  # noqa: E402

from search_index import SearchIndex, building, text  # noqa: E402

CLASSES = [
    "single word",
    "two words AND",
    "phrase",
    "phrase of common words",
    "word + indicator + type",
    "word + date range",
    "facets",
]
PER_CLASS = 100
SAVES = 40


def commonest(records, n=20, sample=2000):
    """The ``n`` most frequent non-stop words of (a sample of) the corpus' text."""
    counts = {}
    for r in records[:sample]:
        for token in r.body.lower().split():
            word = token.strip(".:,;!?")
            if word and not text.is_stop(text.normalise(word)):
                counts[word] = counts.get(word, 0) + 1
    return [w for w, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]


def queries(records, seed=7, per_class=PER_CLASS):
    """Deterministic query sets per class, from words that occur in the corpus."""
    rng = random.Random(seed)
    top = commonest(records)
    words, _ = corpus.vocabulary()
    common = words[:400]
    sample = rng.sample(records, min(len(records), 400))
    phrases = []
    for r in sample:
        tokens = [t.strip(".:,").lower() for t in r.body.split()]
        i = rng.randrange(0, max(1, len(tokens) - 3))
        pair = [t for t in tokens[i : i + 3] if t not in corpus.STOP][:2]
        if len(pair) == 2:
            phrases.append(pair)
    out = {c: [] for c in CLASSES}
    for _ in range(per_class):
        w1, w2 = rng.sample(common, 2)
        start = f"202{rng.randint(0, 4)}-{rng.randint(1, 12):02d}-01"
        end = f"202{rng.randint(5, 5)}-{rng.randint(1, 6):02d}-28"
        out["single word"].append({"words": [w1]})
        out["two words AND"].append({"words": [w1, w2]})
        out["phrase"].append({"phrase": rng.choice(phrases)})
        out["phrase of common words"].append({"phrase": rng.sample(top, 2)})
        out["word + indicator + type"].append(
            {
                "words": [w1],
                "indicator": rng.choice(corpus.INDICATORS),
                "type": rng.choice(corpus.TYPES[:5]),
            }
        )
        out["word + date range"].append({"words": [w1], "from": start, "to": end})
        out["facets"].append({"words": [w1], "facets": True})
    return out


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def summary(ms):
    return {"p50": round(pct(ms, 50), 1), "p95": round(pct(ms, 95), 1)}


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


# Ours


def bench_ours(records, qsets, workdir):
    idx = SearchIndex(workdir / "ours")
    cpu = _cpu()
    t = time.perf_counter()
    idx.rebuild(iter(records), total=len(records))
    build = time.perf_counter() - t
    build_cpu = _cpu() - cpu
    t = time.perf_counter()
    idx.search("family")
    first = (time.perf_counter() - t) * 1000
    out = {
        "build_s": round(build, 1),
        # CPU seconds of this process and its workers: what a shared machine's load does not
        # inflate (two workers share it, so the wall time on an idle machine is about half).
        "build_cpu_s": round(build_cpu, 1),
        "first_search_ms": round(first, 1),
    }
    for cls, items in qsets.items():
        for item in items[:3]:
            _ours_search(idx, item)  # warm
        out[cls] = summary([_timed(_ours_search, idx, item) for item in items])
    out["external single word"] = summary(
        [_timed(_ours_search, idx, item, "external") for item in qsets["single word"]]
    )
    out["single save"] = summary(_ours_saves(idx, records))
    out["search after save"] = summary(
        [_timed(_save_then_search, idx, records, i) for i in range(10)]
    )
    out["server memory"] = probe_memory(workdir / "ours", qsets, records, workdir)
    # Erasure rewrites the one (bounded) segment holding the record.
    out["purge"] = summary(
        [_timed(idx.purge, records[(i * 15485863) % len(records)].id) for i in range(3)]
    )
    # Erasure of a record cited by a saved learning update (Evidence.sync_index): both are
    # purged in one commit (here in two different segments), then the update goes back in.
    cpu = time.process_time()
    out["purge record + citing update"] = summary(
        [_timed(_purge_with_update, idx, records, i) for i in range(3)]
    )
    # CPU seconds of this process per purge: what a shared machine's load does not inflate.
    out["purge record + citing update, cpu s"] = round((time.process_time() - cpu) / 3, 2)
    out["tidy"] = summary([_timed(idx.tidy)])
    idx.close()
    out["size_mb"] = round(folder_size(workdir / "ours") / 1e6, 1)
    return out


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _purge_with_update(idx, records, i):
    erased = records[(i * 7778777 + 11) % len(records)]
    update = records[(i * 7778777 + 11 + len(records) // 2) % len(records)]
    idx.purge(erased.id, update.id)
    update.revision += 1
    assert idx.apply([update], [])


def probe_memory(path, qsets, records, workdir):
    """A fresh process (as a server is) opens the index, runs every query of every class
    for both audiences and a few saves; its peak resident memory (VmHWM), in MB."""
    plan = workdir / "probe.pickle"
    saves = [records[(i * 7919 + 3) % len(records)] for i in range(10)]
    plan.write_bytes(pickle.dumps({"path": str(path), "qsets": qsets, "saves": saves}))
    done = subprocess.run(
        [sys.executable, __file__, "--probe", str(plan)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])["vmhwm_mb"]


def run_probe(plan_path) -> int:
    plan = pickle.loads(Path(plan_path).read_bytes())
    idx = SearchIndex(plan["path"])
    for audience in ("internal", "external"):
        for items in plan["qsets"].values():
            for item in items:
                _ours_search(idx, item, audience)
    for record in plan["saves"]:
        record.revision += 1
        idx.apply([record], [])
        idx.search("family", {"type": "event"})
    idx.close()
    status = Path("/proc/self/status").read_text(encoding="utf-8")
    kb = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM")))
    print(json.dumps({"vmhwm_mb": round(kb / 1024, 1)}))
    return 0


def _ours_search(idx, item, audience="internal"):
    if "phrase" in item:
        q = '"' + " ".join(item["phrase"]) + '"'
    else:
        q = " ".join(item["words"])
    filters = {k: item[k] for k in ("indicator", "type", "from", "to") if k in item}
    return idx.search(q, filters, audience=audience)


def _ours_saves(idx, records):
    times = []
    for i in range(SAVES):
        record = records[(i * 7919) % len(records)]
        record.revision += 1
        t = time.perf_counter()
        assert idx.apply([record], [])
        times.append((time.perf_counter() - t) * 1000)
    return times


def _save_then_search(idx, records, i):
    record = records[(i * 104729) % len(records)]
    record.revision += 1
    idx.apply([record], [])
    t = time.perf_counter()
    idx.search("family", {"type": "event"})
    return (time.perf_counter() - t) * 1000


def _timed(fn, *args):
    t = time.perf_counter()
    fn(*args)
    return (time.perf_counter() - t) * 1000


# Raw Whoosh, default schema, one writer


def raw_schema():
    return wf.Schema(
        id=wf.ID(stored=True, unique=True),
        title=wf.TEXT(stored=True),
        body=wf.TEXT(analyzer=StemmingAnalyzer()),
        type=wf.ID(),
        locality=wf.ID(),
        indicator=wf.KEYWORD(commas=True),
        objective=wf.KEYWORD(commas=True),
        date=wf.ID(),
    )


def raw_doc(r):
    text = "\n".join([r.body, *r.quotes, *[v for v in r.fields.values() if isinstance(v, str)]])
    return dict(
        id=r.id,
        title=r.title,
        body=text,
        type=r.type,
        locality=r.locality,
        indicator=",".join(r.indicators),
        objective=",".join(r.objectives),
        date=r.date,
    )


def bench_raw(records, qsets, workdir):
    path = workdir / "raw"
    path.mkdir()
    ix = windex.create_in(str(path), raw_schema())
    t = time.perf_counter()
    writer = ix.writer(limitmb=256)
    for r in records:
        writer.add_document(**raw_doc(r))
    writer.commit()
    out = {"build_s": round(time.perf_counter() - t, 1)}
    parser = QueryParser("body", ix.schema)
    with ix.searcher() as s:
        t = time.perf_counter()
        len(s.search(parser.parse("family"), limit=20))
        out["first_search_ms"] = round((time.perf_counter() - t) * 1000, 1)
        for cls, items in qsets.items():
            for item in items[:3]:
                _raw_search(s, parser, item)
            out[cls] = summary([_timed(_raw_search, s, parser, item) for item in items])
    times = []
    for i in range(SAVES):
        r = records[(i * 7919) % len(records)]
        t = time.perf_counter()
        w = ix.writer()
        w.update_document(**raw_doc(r))
        w.commit()
        times.append((time.perf_counter() - t) * 1000)
    out["single save"] = summary(times)
    out["size_mb"] = round(folder_size(path) / 1e6, 1)
    return out


def _raw_search(s, parser, item):
    if "phrase" in item:
        q = '"' + " ".join(item["phrase"]) + '"'
    else:
        q = " AND ".join(item["words"])
    if "indicator" in item:
        q += f" indicator:{item['indicator']} type:{item['type']}"
    if "from" in item:
        q += f" date:[{item['from']} TO {item['to']}]"
    kwargs = {"limit": 20}
    if item.get("facets"):
        kwargs["groupedby"] = [
            sorting.FieldFacet(f, allow_overlap=True)
            for f in ("type", "indicator", "locality", "objective")
        ]
    results = s.search(parser.parse(q), **kwargs)
    len(results)
    if item.get("facets"):
        for f in ("type", "indicator", "locality", "objective"):
            results.groups(f)
    return results


# SQLite FTS5


def bench_fts(records, qsets, workdir):
    path = workdir / "fts.db"
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE rec(rowid INTEGER PRIMARY KEY, id TEXT UNIQUE, type TEXT, locality TEXT,
                         date TEXT);
        CREATE TABLE rec_ind(rowid INTEGER, code TEXT, objective TEXT);
        CREATE VIRTUAL TABLE fts USING fts5(title, body,
            tokenize='porter unicode61 remove_diacritics 2');
    """)
    t = time.perf_counter()
    with db:
        for n, r in enumerate(records, 1):
            _fts_insert(db, n, r)
        db.execute("CREATE INDEX rec_ind_code ON rec_ind(code, rowid)")
        db.execute("CREATE INDEX rec_ind_row ON rec_ind(rowid)")
        db.execute("CREATE INDEX rec_type ON rec(type)")
        db.execute("CREATE INDEX rec_date ON rec(date)")
    out = {"build_s": round(time.perf_counter() - t, 1)}
    for cls, items in qsets.items():
        for item in items[:3]:
            _fts_search(db, item)
        out[cls] = summary([_timed(_fts_search, db, item) for item in items])
    times = []
    for i in range(SAVES):
        n = (i * 7919) % len(records) + 1
        t = time.perf_counter()
        with db:
            db.execute("DELETE FROM fts WHERE rowid = ?", (n,))
            db.execute("DELETE FROM rec_ind WHERE rowid = ?", (n,))
            db.execute("DELETE FROM rec WHERE rowid = ?", (n,))
            _fts_insert(db, n, records[n - 1])
        times.append((time.perf_counter() - t) * 1000)
    out["single save"] = summary(times)
    db.close()
    out["size_mb"] = round(path.stat().st_size / 1e6, 1)
    return out


def _fts_insert(db, n, r):
    text = "\n".join([r.body, *r.quotes, *[v for v in r.fields.values() if isinstance(v, str)]])
    db.execute("INSERT INTO rec VALUES (?,?,?,?,?)", (n, r.id, r.type, r.locality, r.date))
    db.executemany(
        "INSERT INTO rec_ind VALUES (?,?,?)", [(n, c, c.split(".")[0]) for c in r.indicators]
    )
    db.execute("INSERT INTO fts(rowid, title, body) VALUES (?,?,?)", (n, r.title, text))


def _fts_search(db, item):
    if "phrase" in item:
        match = '"' + " ".join(item["phrase"]) + '"'
    else:
        match = " AND ".join(item["words"])
    where, params = ["fts MATCH ?"], [match]
    if "indicator" in item:
        where.append("rec.type = ? AND rec.rowid IN (SELECT rowid FROM rec_ind WHERE code = ?)")
        params += [item["type"], item["indicator"]]
    if "from" in item:
        where.append("rec.date BETWEEN ? AND ?")
        params += [item["from"], item["to"]]
    cond = " AND ".join(where)
    base = f"FROM fts JOIN rec ON rec.rowid = fts.rowid WHERE {cond}"
    db.execute(
        f"SELECT rec.id, snippet(fts, 1, '<mark>', '</mark>', '…', 20) {base} "
        "ORDER BY bm25(fts, 4.0, 1.0) LIMIT 20",
        params,
    ).fetchall()
    db.execute(f"SELECT count(*) {base}", params).fetchone()
    if item.get("facets"):
        for col in ("rec.type", "rec.locality"):
            db.execute(f"SELECT {col}, count(*) {base} GROUP BY {col}", params).fetchall()
        joined = base.replace("WHERE", "JOIN rec_ind ON rec_ind.rowid = rec.rowid WHERE")
        for col in ("code", "objective"):
            db.execute(
                f"SELECT {col}, count(DISTINCT rec_ind.rowid) {joined} GROUP BY {col}", params
            ).fetchall()


# Report


def table(results) -> str:
    rows = ["build_s", "build_cpu_s", "first_search_ms", *CLASSES, "single save", "size_mb"]
    engines = [e for e in ("ours", "raw_whoosh", "fts5") if e in results]
    if "ours" not in engines:
        return ""
    head = "| figure | " + " | ".join(engines) + " | ours/raw | ours/fts5 |"
    lines = [head, "|" + " --- |" * (len(engines) + 3)]
    for row in rows:
        cells, nums = [], []
        for e in engines:
            v = results[e].get(row)
            if isinstance(v, dict):
                cells.append(f"{v['p50']} / {v['p95']}")
                nums.append(v["p95"])
            else:
                cells.append("—" if v is None else str(v))
                nums.append(v)
        ratios = []
        for other in ("raw_whoosh", "fts5"):
            if other in engines and nums[0] and nums[engines.index(other)]:
                ratios.append(f"{nums[0] / nums[engines.index(other)]:.2f}")
            else:
                ratios.append("—")
        lines.append(f"| {row} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
    extra = [
        f"| ours, {k} | {v['p50']} / {v['p95']} |"
        for k, v in results["ours"].items()
        if k
        in (
            "external single word",
            "search after save",
            "purge",
            "purge record + citing update",
            "tidy",
        )
    ]
    cpu = results["ours"].get("purge record + citing update, cpu s")
    if cpu is not None:
        extra.append(f"| ours, purge record + citing update, CPU s each | {cpu} |")
    memory = results["ours"].get("server memory")
    if memory is not None:
        extra.append(f"| ours, server memory (VmHWM, MB) | {memory} |")
    return "\n".join(lines + ["", "| extra (ms, p50 / p95) | ours |", "| --- | --- |", *extra])


def combine(paths: list[str], out: str) -> int:
    """One table from result files of separate runs over the same corpus."""
    results: dict = {}
    for path in paths:
        part = json.loads(Path(path).read_text(encoding="utf-8"))
        if results and part.get("records") != results.get("records"):
            raise SystemExit(f"{path} is for {part.get('records')} records")
        for key, value in part.items():
            if key in ("ours", "raw_whoosh", "fts5"):
                if key not in results:
                    results[key] = value
                    results.setdefault("sources", {})[key] = path
            elif key != "table":
                results.setdefault("runs", {}).setdefault(path, {})[key] = value
                results.setdefault(key, value)
    results["table"] = table(results)
    print(results["table"])
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--out", default="results.json")
    parser.add_argument("--skip", nargs="*", default=[], choices=["raw", "fts5"])
    parser.add_argument(
        "--only",
        nargs="*",
        default=None,
        choices=["ours", "raw", "fts5"],
        help="engines to measure (default: all three)",
    )
    parser.add_argument(
        "--baseline",
        default=None,
        help="a JSON result file of the same corpus size whose figures fill in "
        "the engines not measured in this run",
    )
    parser.add_argument(
        "--combine",
        nargs="+",
        default=None,
        metavar="JSON",
        help="measure nothing: print and save the table of earlier result "
        "files (same corpus size), engines taken from the first file "
        "that has them",
    )
    parser.add_argument("--workdir", default=None)
    parser.add_argument(
        "--segment-docs",
        type=int,
        default=None,
        help="documents per segment written by a rebuild (default: search_index's)",
    )
    parser.add_argument("--per-class", type=int, default=PER_CLASS, help="queries per class")
    parser.add_argument("--probe", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.probe:
        return run_probe(args.probe)
    if args.combine:
        return combine(args.combine, args.out)
    if args.segment_docs:
        building.SEGMENT_DOCS = args.segment_docs
    engines = set(args.only if args.only is not None else ["ours", "raw", "fts5"])
    engines -= set(args.skip)
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="wm2u-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    records = list(corpus.records(args.records))
    print(
        f"corpus: {len(records)} records in {time.perf_counter() - t:.1f}s "
        f"(mean {statistics.mean(len(r.body.split()) for r in records[:2000]):.0f} words)",
        flush=True,
    )
    qsets = queries(records, per_class=args.per_class)
    results = {
        "records": args.records,
        "cpus": os.cpu_count(),
        "units": "ms p50 / p95; s; MB",
        "load_before": os.getloadavg(),
        "segment_docs": building.SEGMENT_DOCS,
    }
    if "ours" in engines:
        results["ours"] = bench_ours(records, qsets, workdir)
        results["load_after_ours"] = os.getloadavg()
        print("ours:", json.dumps(results["ours"]), "load", os.getloadavg(), flush=True)
        records = list(corpus.records(args.records))  # the saves above bumped revisions
    if "fts5" in engines:
        results["fts5"] = bench_fts(records, qsets, workdir)
        print("fts5:", json.dumps(results["fts5"]), "load", os.getloadavg(), flush=True)
    if "raw" in engines:
        results["raw_whoosh"] = bench_raw(records, qsets, workdir)
        print("raw:", json.dumps(results["raw_whoosh"]), "load", os.getloadavg(), flush=True)
    if args.baseline:
        base = json.loads(Path(args.baseline).read_text(encoding="utf-8"))
        if base.get("records") != args.records:
            raise SystemExit(f"{args.baseline} is for {base.get('records')} records")
        for name in ("ours", "fts5", "raw_whoosh"):
            if name not in results and name in base:
                results[name] = base[name]
                results.setdefault("from_baseline", []).append(name)
    results["table"] = table(results)
    print(results["table"])
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2), encoding="utf-8")
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
