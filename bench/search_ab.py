"""Search with and without attachments, interleaved: two servers, every query asked of both.

    python bench/search_ab.py --without COPY_WITHOUT_FILES --with COPY_WITH_FILES --out x.json

#23 asks that every search class's p95 with 10,000 attachments stays within 10% of the same
run without them. Run one after the other, the two runs differed by a third from the machine
alone (bench/attachments.py's before/after). Here both data dirs (the same records; one with
the attachments, one without: e.g. a copy with its attachments' rows deleted and
``wm2u reindex``) are served at once, and every query of ``bench/http_search.py``'s classes is
asked of both in turn (which first alternates), so the machine's moments fall on both alike.
Each role warms both servers first. p50/p95 in ms per class and role, the ratio of the p95s,
and each server's VmHWM.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import http_search  # noqa: E402
import pages  # noqa: E402
from passages import quantiles  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--without", type=Path, required=True, help="the data dir without files")
    parser.add_argument("--with", dest="with_", type=Path, required=True, help="with the files")
    parser.add_argument("--per-class", type=int, default=100)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    queries = http_search.draw(args.without, args.per_class)
    dirs = {"without": args.without, "with": args.with_}
    result: dict = {"load_before": os.getloadavg(), "per_class": args.per_class, "classes": {}}
    servers, bases = {}, {}
    try:
        for name, data_dir in dirs.items():
            port = pages.free_port()
            servers[name] = pages.serve(data_dir, port)
            bases[name] = f"http://127.0.0.1:{port}"
        for role in pages.ROLES:
            sessions = {name: pages.logged_in(base, role) for name, base in bases.items()}
            for params in [q for items in queries.values() for q in items[:3]]:
                for name in dirs:  # warm
                    http_search.timed(sessions[name], f"{bases[name]}/api/search", params)
            for cls, items in queries.items():
                times: dict[str, list[float]] = {name: [] for name in dirs}
                for i, params in enumerate(items):
                    order = list(dirs) if i % 2 == 0 else list(reversed(dirs))
                    for name in order:
                        url = f"{bases[name]}/api/search"
                        times[name].append(http_search.timed(sessions[name], url, params))
                found = {name: quantiles(t) for name, t in times.items()}
                found["p95 ratio"] = round(found["with"]["p95"] / found["without"]["p95"], 2)
                result["classes"].setdefault(cls, {})[role] = found
                print(role, cls, found, file=sys.stderr, flush=True)
        result["server_vmhwm_mb"] = {n: pages.peak_rss_mb(s.pid) for n, s in servers.items()}
    finally:
        for server in servers.values():
            server.terminate()
            server.wait(timeout=30)
    result["load_after"] = os.getloadavg()
    lines = ["| class | role | without p50 / p95 | with p50 / p95 | p95 ratio |",
             "| --- | --- | ---: | ---: | ---: |"]  # fmt: skip
    for cls, roles in result["classes"].items():
        for role, found in roles.items():
            cells = [f"{found[n]['p50']} / {found[n]['p95']}" for n in dirs]
            lines.append(f"| {cls} | {role} | " + " | ".join(cells) + f" | {found['p95 ratio']} |")
    result["table"] = "\n".join(lines)
    print(result["table"])
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
