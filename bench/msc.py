"""Most Significant Change pages at scale (#25's targets), through the server.

    python bench/msc.py --data-dir COPY [--requests 50] [--out bench/results/msc-100k.json]

It writes (rounds, choices): run it on a copy of a data dir ``bench/scale.py`` made. Through
the API as the editor: two locality rounds of a year's family stories (30 candidates each, in
three domains, panels with families on them) and an authority round above them taking their
choices; choices with reasons; all three closed. Then, as the editor and as the viewer, every
MSC page and route ``--requests`` times (p50/p95 ms; target p95 ≤ 200 ms) and the chosen
story's record page; and a year's learning update for an external audience (target ≤ 5 s).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import pages  # noqa: E402
import passages  # noqa: E402

DOMAINS = ["Being listened to", "Family life"]
PANEL = [
    {"name": "Morag Paterson", "role": "family"},
    {"name": "Jamie Stewart", "role": "family"},
    {"name": "Ailsa Pennycook", "role": "practitioner"},
    {"name": "Ross Mair", "role": "practitioner"},
]
REASONS = (
    "The panel chose this story because the family describe, in their own words, being heard "
    "by a worker for the first time, and what they did differently afterwards."
)


def year(data_dir: Path) -> tuple[str, str, list[tuple[str, str]]]:
    """The busiest year's bounds and its shareable family stories with their locality."""
    db = sqlite3.connect(f"file:{data_dir / 'wm2u.db'}?mode=ro", uri=True)
    try:
        (busiest,) = db.execute(
            "SELECT substr(date, 1, 4) FROM records WHERE deleted_at IS NULL "
            "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()
        stories = db.execute(
            "SELECT id, locality FROM records WHERE deleted_at IS NULL AND type = 'family_story' "
            "AND consent != 'internal' AND date BETWEEN ? AND ? AND locality != '' ORDER BY id",
            (f"{busiest}-01-01", f"{busiest}-12-31"),
        ).fetchall()
    finally:
        db.close()
    return f"{busiest}-01-01", f"{busiest}-12-31", stories


def api(session, method: str, url: str, headers: dict, body: dict) -> dict:
    response = session.request(method, url, json=body, headers=headers, timeout=60)
    if response.status_code not in (200, 201):
        raise SystemExit(f"{method} {url} answered {response.status_code}: {response.text[:300]}")
    return response.json()


def make_rounds(base: str, data_dir: Path) -> dict:
    """Two locality rounds and an authority round above them, chosen from and closed."""
    session = pages.logged_in(base, "editor")
    headers = pages.csrf_headers(session, base)
    start, end, stories = year(data_dir)
    places = sorted({place for _, place in stories})[:2]
    made = {}
    top = api(session, "POST", f"{base}/api/msc/rounds", headers, {
        "title": f"Authority panel {start[:4]}", "period_from": start, "period_to": end,
        "question": "Which change matters most to families?", "level": "Authority",
        "domains": DOMAINS, "panel": PANEL, "state": "draft",
    })  # fmt: skip
    lower = []
    for place in places:
        mine = [sid for sid, where in stories if where == place][:30]
        domain_ids = ["being-listened-to", "family-life", "any-other-change"]
        candidates = [{"record": sid, "domain": domain_ids[i % 3]} for i, sid in enumerate(mine)]
        r = api(session, "POST", f"{base}/api/msc/rounds", headers, {
            "title": f"{place} panel {start[:4]}", "period_from": start, "period_to": end,
            "question": "Which change matters most to families?", "level": f"Locality: {place}",
            "parent": top["id"], "domains": DOMAINS, "panel": PANEL, "candidates": candidates,
        })  # fmt: skip
        choices = [{"domain": c["domain"], "record": c["record"], "reasons": REASONS,
                    "votes": 5, "told_by": "the mother", "written_by": "a worker",
                    "when": start, "where": place, "read_back": True}
                   for c in candidates[:3]]  # fmt: skip
        api(session, "POST", f"{base}/api/msc/rounds/{r['id']}/choices", headers,
            {"choices": choices})  # fmt: skip
        api(session, "POST", f"{base}/api/msc/rounds/{r['id']}/close", headers, {})
        lower.append((r["id"], choices))
    rising = [{"record": c["record"], "domain": c["domain"]} for _, cs in lower for c in cs]
    api(session, "PUT", f"{base}/api/msc/rounds/{top['id']}", headers, {
        "title": f"Authority panel {start[:4]}", "period_from": start, "period_to": end,
        "question": "Which change matters most to families?", "level": "Authority",
        "domains": DOMAINS, "panel": PANEL, "state": "open", "candidates": rising,
    })  # fmt: skip
    chosen = rising[0]
    api(
        session,
        "POST",
        f"{base}/api/msc/rounds/{top['id']}/choices",
        headers,
        {
            "choices": [
                {**chosen, "reasons": REASONS, "dissent": "Two members preferred another story."}
            ]
        },
    )
    api(session, "POST", f"{base}/api/msc/rounds/{top['id']}/close", headers, {})
    made.update(top=top["id"], lower=[rid for rid, _ in lower], chosen=chosen["record"],
                period=[start, end], stories_in_year=len(stories))  # fmt: skip
    return made


def time_pages(base: str, made: dict, n: int) -> dict:
    """Every MSC page and route as the editor and the viewer, ``n`` times each."""
    routes = {
        "/msc": "/msc",
        "/msc/ID (authority)": f"/msc/{made['top']}",
        "/msc/ID (locality)": f"/msc/{made['lower'][0]}",
        "/msc/ID/pack": f"/msc/{made['lower'][0]}/pack",
        "/msc/ID/pack?format=docx": f"/msc/{made['lower'][0]}/pack?format=docx",
        "/api/msc/rounds": "/api/msc/rounds",
        "/api/msc/rounds/ID": f"/api/msc/rounds/{made['top']}",
        "the chosen story's page": f"/records/{made['chosen']}",
    }
    found: dict = {}
    for role in pages.ROLES:
        session = pages.logged_in(base, role)
        for name, path in routes.items():
            status = session.get(f"{base}{path}", timeout=60).status_code  # warm
            if status != 200:  # e.g. a route this build has not: said, not timed
                found.setdefault(name, {})[role] = {"status": status}
                continue
            times = [passages.timed(session, "GET", f"{base}{path}")[0] for _ in range(n)]
            found.setdefault(name, {})[role] = {**passages.quantiles(times), "status": status}
    return found


def update(base: str, made: dict) -> dict:
    """A year's learning update for an external audience (its MSC section included)."""
    session = pages.logged_in(base, "editor")
    headers = pages.csrf_headers(session, base)
    start, end = made["period"]
    body = {"from": start, "to": end, "audience": "external"}
    started = time.perf_counter()
    response = session.post(f"{base}/api/learning-updates", json=body, headers=headers,
                            timeout=120)  # fmt: skip
    took = time.perf_counter() - started
    markdown = response.json().get("markdown", "") if response.ok else response.text[:300]
    return {"status": response.status_code, "seconds": round(took, 2),
            "has the MSC section": "Most significant change" in markdown}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    result: dict = {"load_before": os.getloadavg()}
    port = pages.free_port()
    base = f"http://127.0.0.1:{port}"
    with pages.serving(args.data_dir, port) as server:
        made = make_rounds(base, args.data_dir)
        result["rounds"] = made
        result["pages"] = time_pages(base, made, args.requests)
        result["a year's learning update"] = update(base, made)
        result["server_vmhwm_mb"] = pages.peak_rss_mb(server.pid)
    result["load_after"] = os.getloadavg()
    print(json.dumps(result, indent=1))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
