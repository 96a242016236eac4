"""Time the main pages of the real app (waitress in a subprocess), as an editor and a viewer.

    python bench/pages.py --records 600 10000 --requests 50 --out bench/results/pages.json

For each size: a fresh data dir with that many demo records, the app served on a free port
of 127.0.0.1, a logged-in ``requests`` session per role, a warm-up, then ``--requests``
sequential requests of each page; p50/p95 in milliseconds, printed as a table and written
as JSON. With ``--after-writes``, each page is timed again with an editor's save through the
API just before every request: the first view after a change, which cached counts cannot help.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evidence import accounts  # noqa: E402
from learning import demo  # noqa: E402
from learning.services import Evidence, initialise  # noqa: E402

PASSWORD = "bench password 1"
ROLES = ("editor", "viewer")
CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
WARM_UP = 5


def build(data_dir: Path, count: int, seed: int = 2024) -> None:
    """A data dir with ``count`` demo records and one user per role."""
    initialise(data_dir)
    with Evidence(data_dir) as ev:
        items = [("demo", d) for d in demo.generate(ev.framework, count=count, seed=seed)]
        ev.import_items(items, actor="bench")
        for role in ROLES:
            accounts.add_user(ev.store, role, role, PASSWORD)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(data_dir: Path, port: int) -> subprocess.Popen:
    """Start ``wm2u serve`` and wait until it answers."""
    env = {**os.environ, "WM2U_INDEX_CATCHUP_SECONDS": "0"}
    command = [sys.executable, "-m", "learning", "--data-dir", str(data_dir)]
    process = subprocess.Popen(
        [*command, "serve", "--port", str(port)], cwd=ROOT, env=env, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/login", timeout=1)
            return process
        except requests.ConnectionError:
            if process.poll() is not None:
                raise SystemExit("the server exited at start") from None
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("the server did not start within a minute")


@contextlib.contextmanager
def serving(data_dir: Path, port: int) -> Iterator[subprocess.Popen]:
    """``wm2u serve`` on ``port`` for the length of the block (stopped after it)."""
    server = serve(data_dir, port)
    try:
        yield server
    finally:
        server.terminate()
        server.wait(timeout=30)


def csrf_headers(session: requests.Session, base: str) -> dict[str, str]:
    """The header a logged-in session's writes through the API carry."""
    page = session.get(f"{base}/", timeout=30).text
    return {"X-CSRFToken": CSRF.search(page).group(1)}  # type: ignore[union-attr]


def logged_in(base: str, name: str) -> requests.Session:
    """A session that has logged in through the form (keeping the cookie)."""
    session = requests.Session()
    page = session.get(f"{base}/login", timeout=30).text
    token = CSRF.search(page).group(1)  # type: ignore[union-attr]
    form = {"name": name, "password": PASSWORD, "csrf_token": token}
    response = session.post(f"{base}/login", data=form, timeout=30, allow_redirects=False)
    if response.status_code != 302:
        raise SystemExit(f"could not log in as {name}: {response.status_code}")
    return session


def pages(base: str, session: requests.Session) -> dict[str, str]:
    """The pages to time; the record page is one both roles may read."""
    framework = session.get(f"{base}/api/framework", timeout=30).json()
    authority = framework["authorities"][0]
    locality = authority["localities"][0] if isinstance(authority, dict) else "Lochee"
    listed = session.get(f"{base}/api/records?per_page=1&type=family_story", timeout=30).json()
    return {
        "dashboard": "/",
        "browse": "/records",
        "browse + facets": f"/records?type=family_story&locality={locality}",
        "search word": "/search?q=family",
        "search phrase": '/search?q="the family"',
        "record": f"/records/{listed['records'][0]['id']}",
        "indicator": "/indicators/SO1.1",
    }


class Writer:
    """Saves an edit to one record through the API, as an editor in another tab would."""

    def __init__(self, base: str, session: requests.Session) -> None:
        self.base, self.session = base, session
        page = session.get(f"{base}/", timeout=30).text
        self.csrf = CSRF.search(page).group(1)  # type: ignore[union-attr]
        listed = session.get(f"{base}/api/records?per_page=1&type=event", timeout=30).json()
        self.record = listed["records"][0]
        self.saves = 0

    def __call__(self) -> None:
        self.saves += 1
        body = {**self.record, "title": f"{self.record['title'].split(' [')[0]} [{self.saves}]"}
        url = f"{self.base}/api/records/{self.record['id']}"
        response = self.session.put(url, json=body, headers={"X-CSRFToken": self.csrf}, timeout=60)
        response.raise_for_status()
        self.record = response.json()


def learning_update(base: str, writer: Writer) -> float:
    """Seconds for the server to make a year's internal learning update (2025)."""
    body = {"from": "2025-01-01", "to": "2025-12-31", "audience": "internal", "save": False}
    started = time.perf_counter()
    response = writer.session.post(
        f"{base}/api/learning-updates", json=body, headers={"X-CSRFToken": writer.csrf}, timeout=300
    )
    response.raise_for_status()
    return round(time.perf_counter() - started, 2)


def time_page(
    session: requests.Session, url: str, n: int, before: Writer | None = None
) -> dict[str, float]:
    """p50 and p95 of ``n`` sequential requests (each after a save, if given), in ms."""
    for _ in range(WARM_UP):
        session.get(url, timeout=60).raise_for_status()
    times = []
    for _ in range(n):
        if before is not None:
            before()
        start = time.perf_counter()
        response = session.get(url, timeout=60)
        times.append((time.perf_counter() - start) * 1000)
        response.raise_for_status()
    cuts = statistics.quantiles(times, n=20, method="inclusive")
    return {"p50": round(statistics.median(times), 1), "p95": round(cuts[18], 1)}


def run_size(count: int, n: int, keep: Path | None, after_writes: bool = False) -> dict[str, Any]:
    """Build, serve and time one data size."""
    work = Path(tempfile.mkdtemp(prefix=f"wm2u-pages-{count}-"))
    data_dir = keep or work / "instance"
    try:
        if not (data_dir / "wm2u.db").exists():
            started = time.perf_counter()
            build(data_dir, count)
            took = time.perf_counter() - started
            print(f"built {count} records in {took:.0f} s", file=sys.stderr)
        port = free_port()
        server = serve(data_dir, port)
        base = f"http://127.0.0.1:{port}"
        try:
            result: dict[str, Any] = {}
            writer = Writer(base, logged_in(base, "editor")) if after_writes else None
            for role in ROLES:
                session = logged_in(base, role)
                urls = pages(base, session)
                result[role] = {name: time_page(session, base + u, n) for name, u in urls.items()}
                if writer is not None:
                    result[role].update(
                        {
                            f"{name}, after a save": time_page(session, base + u, n, writer)
                            for name, u in urls.items()
                        }
                    )
            if writer is not None:  # the heaviest request a server gets: a year's update
                result["learning_update_seconds"] = learning_update(base, writer)
            result["server_peak_rss_mb"] = peak_rss_mb(server.pid)
            return result
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def peak_rss_mb(pid: int) -> float | None:
    """A process's peak resident memory so far (Linux), in MB."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"VmHWM:\s+(\d+) kB", status)
    return round(int(match.group(1)) / 1024, 1) if match else None


def table(results: dict[str, Any]) -> str:
    """The figures as a Markdown table: one row a page, p50/p95 per role and size."""
    heads = [f"{size} {role}" for size in results for role in ROLES]
    lines = ["| page | " + " | ".join(f"{h} p50 / p95 ms" for h in heads) + " |"]
    lines.append("| --- |" + " ---: |" * len(heads))
    first = next(iter(results.values()))
    for page in first[ROLES[0]]:
        cells = [
            f"{results[size][role][page]['p50']} / {results[size][role][page]['p95']}"
            for size in results
            for role in ROLES
        ]
        lines.append(f"| {page} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, nargs="+", default=[600])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--data-dir", type=Path, help="reuse (or keep) this data dir (one size)")
    parser.add_argument(
        "--after-writes", action="store_true", help="also time each page right after a save"
    )
    args = parser.parse_args()
    results = {
        str(c): run_size(c, args.requests, args.data_dir, args.after_writes) for c in args.records
    }
    print(table(results))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        meta = {"requests": args.requests, "load": os.getloadavg(), "python": sys.version}
        args.out.write_text(json.dumps({"meta": meta, "results": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
