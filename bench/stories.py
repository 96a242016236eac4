"""Families' stories through the server at scale (#24's speed targets).

    python bench/stories.py --data-dir COPY --port 5832 [--requests 100] [--waiting 300]

``wm2u serve`` (waitress) on ``--port`` over a copy of a large data dir (it writes: stories and
an invitation). An invitation of many uses is made with ``wm2u invite``; then, as a family with
no login, ``/tell/TOKEN`` (GET, the form) and its send (POST, a story with signification,
consent, names and a contact), ``--requests`` times each, each send's receipt page after; and,
as an editor, ``/invitations/queue`` with ``--waiting`` stories waiting. p50/p95 in ms, the
server's VmHWM and the load before and after. Targets: the form and its send p95 ≤ 100 ms, the
queue ≤ 200 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import pages  # noqa: E402
import passages  # noqa: E402

HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"')
RECEIPT = re.compile(r'href="[^"]*(/my-story/[^"]+)"')

STORY = (
    "When we first came to the family café I did not want to speak. Ailsa from the team sat "
    "with us and listened, and the next week my son Jamie asked to go back. Now we go every "
    "Thursday and I help set out the tables. It feels like somewhere we belong. "
)


def invitation(data_dir: Path, uses: int) -> str:
    """A live invitation's path (/tell/TOKEN), made as an editor would with the CLI."""
    out = subprocess.run(
        [sys.executable, "-m", "learning", "--data-dir", str(data_dir), "invite", "--prompt",
         "What has changed for your family this year?", "--uses", str(uses)],
        check=True, cwd=ROOT, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    return "/tell/" + out.rsplit("/tell/", 1)[1]


def story_form(n: int, hidden: dict[str, str]) -> dict[str, str]:
    """A family's story as the form sends it, with its signification and consent."""
    return {
        **hidden,
        "title": f"Somewhere we belong ({n})",
        "body": STORY * (1 + n % 4),
        "what_changed": "We feel part of something and my son has friends.",
        "consent": ("internal", "anonymised", "public")[n % 3],
        "people": "Jamie\nAilsa",
        "triad": "0.6,0.3,0.1",
        "slider1": "0.7",
        "slider2": "not-sure",
        "contact": "07700 900123",
        "website": "",
    }


def family(base: str, link: str, n: int) -> dict:
    """The form and its send, ``n`` times each as a family (no login), then the receipts."""
    session = requests.Session()
    forms, sends, receipts, links = [], [], [], []
    for i in range(n):
        took, response = passages.timed(session, "GET", f"{base}{link}")
        forms.append(took)
        hidden = dict(HIDDEN.findall(response.text))
        form = story_form(i, hidden)
        took, response = passages.timed(session, "POST", f"{base}{link}", data=form)
        if response.status_code != 200:
            raise SystemExit(f"send {i} answered {response.status_code}")
        sends.append(took)
        found = RECEIPT.search(response.text)
        if found:
            links.append(found.group(1))
    for path in links:
        receipts.append(passages.timed(session, "GET", f"{base}{path}")[0])
    return {
        "/tell/TOKEN GET (the form)": passages.quantiles(forms),
        "send (POST)": passages.quantiles(sends),
        "/my-story/RECEIPT": passages.quantiles(receipts),
    }


def queue(base: str, n: int) -> dict:
    """The editors' queue of stories waiting, ``n`` times."""
    session = pages.logged_in(base, "editor")
    page = session.get(f"{base}/invitations/queue", timeout=60).text
    waiting = page.count('href="/records/')
    times = [passages.timed(session, "GET", f"{base}/invitations/queue")[0] for _ in range(n)]
    return {"/invitations/queue": passages.quantiles(times), "queue links to records": waiting}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--port", type=int, default=5832)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--waiting", type=int, default=300)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    link = invitation(args.data_dir, args.waiting + args.requests + 10)
    os.environ["WM2U_TELL_PER_ADDRESS_HOUR"] = str(10 * (args.waiting + args.requests))
    result: dict = {"load_before": os.getloadavg()}
    base = f"http://127.0.0.1:{args.port}"
    with pages.serving(args.data_dir, args.port) as server:
        started = time.perf_counter()
        family(base, link, max(0, args.waiting - args.requests))  # the queue fills up first
        result["filled the queue (s)"] = round(time.perf_counter() - started, 1)
        result.update(family(base, link, args.requests))
        result.update(queue(base, args.requests))
        result["server_vmhwm_mb"] = pages.peak_rss_mb(server.pid)
    result["load_after"] = os.getloadavg()
    print(json.dumps(result, indent=1))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
