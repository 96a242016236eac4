"""Attachments at scale (#23's targets): 10,000 files on a large data dir, through the server.

    python bench/attachments.py --data-dir COPY --attachments 10000 --out bench/results/x.json

It writes (files, an admin, an erasure): run it on a copy of a data dir ``bench/scale.py``
made. In order:

1. every search class over HTTP (``bench/http_search.py``) before any file is attached;
2. ``--attachments`` files attached to as many records (transcripts as text, PDFs of a few
   pages, JPEG photos: 17, 2 and 1 in 20), each read by the same door the
   server uses (``service.ready``: kind sniffed, text read in a child process) and stored,
   then the index brought up to date once;
3. every search class again: p95 within 10% of the first run is the target;
4. a 100-page PDF uploaded through ``POST /api/records/ID/attachments`` while a reader
   searches without pause: the upload ≤ 10 s, the reader's p95 while it runs within 20% of
   the same reader's p95 just before;
5. the erasure of a record with an attachment (``DELETE /api/records/ID?purge=1`` as an
   admin) ≤ 3 s; the server's VmHWM at the end ≤ 500 MB.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import http_search  # noqa: E402
import pages  # noqa: E402
from corpus import _sentence, vocabulary  # noqa: E402
from passages import quantiles  # noqa: E402

from evidence import attachments as attachment_store  # noqa: E402
from learning.attachments import service  # noqa: E402
from learning.services import Evidence  # noqa: E402


def search_run(data_dir: Path, per_class: int, out: Path) -> dict:
    """Every search class over HTTP, as bench/http_search.py runs it (its own server)."""
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "http_search.py"), "--data-dir", str(data_dir),
         "--per-class", str(per_class), "--out", str(out)],
        check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return json.loads(out.read_text())


def pdf(pages_of_text: list[str]) -> bytes:
    from fpdf import FPDF

    doc = FPDF()
    doc.set_font("helvetica", size=11)
    for text in pages_of_text:
        doc.add_page()
        doc.multi_cell(0, 6, text)
    return bytes(doc.output())


def photo(rng: random.Random) -> bytes:
    from PIL import Image

    picture = Image.new("RGB", (640, 480), tuple(rng.randrange(256) for _ in range(3)))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=80)
    return out.getvalue()


def a_file(n: int, rng: random.Random, words, cum) -> tuple[str, bytes]:
    """One file as the team attaches them: mostly transcripts, some PDFs, some photos."""

    def text(sentences: int) -> str:
        return " ".join(_sentence(rng, words, cum) for _ in range(sentences))

    share = n % 20  # 17 in 20 transcripts, 2 PDFs, 1 photo (each PDF or photo is read in a
    if share < 17:  # child process of its own, as the server reads it: about 0.3 s each)
        return f"transcript-{n}.txt", text(rng.randint(20, 80)).encode()
    if share < 19:
        return f"notes-{n}.pdf", pdf([text(12) for _ in range(rng.randint(1, 4))])
    return f"photo-{n}.jpg", photo(rng)


def attach_all(data_dir: Path, count: int) -> dict:
    """``count`` files on as many records, read as the server reads them, then one index sync."""
    rng = random.Random(31)
    words, cum = vocabulary()
    db = sqlite3.connect(f"file:{data_dir / 'wm2u.db'}?mode=ro", uri=True)
    ids = [i for (i,) in db.execute("SELECT id FROM records WHERE deleted_at IS NULL ORDER BY id")]
    db.close()
    chosen = rng.sample(ids, min(count, len(ids)))
    started = time.perf_counter()
    with Evidence(data_dir) as ev:
        for n, record_id in enumerate(chosen):
            name, data = a_file(n, rng, words, cum)
            asked = service.AttachRequest(record_id, name, data, None)
            attachment, kept = service.ready(ev, asked)
            attachment_store.add(ev.store, attachment, kept, "bench")
            if n % 1000 == 999:
                print(f"{n + 1} attached, {time.perf_counter() - started:.0f} s", file=sys.stderr)
        stored = time.perf_counter() - started
        ev.sync_index()
    synced = time.perf_counter() - started - stored
    return {"attached": len(chosen), "read and stored (s)": round(stored),
            "index brought up to date (s)": round(synced)}  # fmt: skip


def admin(data_dir: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "learning",
            "--data-dir",
            str(data_dir),
            "user",
            "add",
            "admin",
            "--role",
            "admin",
            "--password-stdin",
        ],
        input=pages.PASSWORD,
        text=True,
        cwd=ROOT,
        capture_output=True,
    )  # fmt: skip  (already there on a second run: its error is ignored)


def upload_while_searching(base: str, data_dir: Path, record_id: str) -> dict:
    """A 100-page PDF uploaded while a reader searches; the reader's p95 before and during."""
    queries = [q for items in http_search.draw(data_dir, 40).values() for q in items]
    reader = pages.logged_in(base, "viewer")
    url = f"{base}/api/search"
    before = [http_search.timed(reader, url, q) for q in queries]
    words, cum = vocabulary()
    rng = random.Random(5)
    big = pdf([" ".join(_sentence(rng, words, cum) for _ in range(25)) for _ in range(100)])
    editor = pages.logged_in(base, "editor")
    headers = pages.csrf_headers(editor, base)
    during: list[float] = []
    done = threading.Event()

    def read() -> None:
        i = 0
        while not done.is_set():
            during.append(http_search.timed(reader, url, queries[i % len(queries)]))
            i += 1

    thread = threading.Thread(target=read)
    thread.start()
    started = time.perf_counter()
    response = editor.post(f"{base}/api/records/{record_id}/attachments", headers=headers,
                           files={"file": ("hundred-pages.pdf", big, "application/pdf")},
                           timeout=120)  # fmt: skip
    took = time.perf_counter() - started
    done.set()
    thread.join()
    if response.status_code != 201:
        raise SystemExit(f"the upload answered {response.status_code}: {response.text[:200]}")
    return {
        "100-page PDF (MB)": round(len(big) / 1e6, 2),
        "its text (chars)": response.json().get("text_chars"),
        "upload and extraction (s)": round(took, 2),
        "reader before": quantiles(before),
        "reader during the upload": quantiles(during) if len(during) > 1 else during,
    }


def erase(base: str, record_id: str) -> float:
    session = pages.logged_in(base, "admin")  # its password is the bench users'
    headers = pages.csrf_headers(session, base)
    started = time.perf_counter()
    response = session.delete(f"{base}/api/records/{record_id}?purge=1", headers=headers,
                              timeout=60)  # fmt: skip
    took = time.perf_counter() - started
    if response.status_code not in (200, 204):
        raise SystemExit(f"the erasure answered {response.status_code}: {response.text[:200]}")
    return round(took, 2)


def attached_record(data_dir: Path) -> str:
    db = sqlite3.connect(f"file:{data_dir / 'wm2u.db'}?mode=ro", uri=True)
    try:
        (record_id,) = db.execute(
            "SELECT record_id FROM attachments WHERE deleted_at IS NULL ORDER BY id LIMIT 1"
        ).fetchone()
    finally:
        db.close()
    return record_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--attachments", type=int, default=10000)
    parser.add_argument("--per-class", type=int, default=100)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    result: dict = {"load_before": os.getloadavg()}
    before = search_run(args.data_dir, args.per_class, args.out.with_suffix(".before.json"))
    result["attaching"] = attach_all(args.data_dir, args.attachments)
    print(json.dumps(result["attaching"]), file=sys.stderr)
    after = search_run(args.data_dir, args.per_class, args.out.with_suffix(".after.json"))
    result["search p95 (ms), before → after"] = {
        cls: {role: f"{before['classes'][cls][role]['p95']} → {found['p95']}"
              for role, found in roles.items()}
        for cls, roles in after["classes"].items()
    }  # fmt: skip
    result["worst p95 ratio"] = round(max(
        found["p95"] / before["classes"][cls][role]["p95"]
        for cls, roles in after["classes"].items() for role, found in roles.items()
    ), 3)  # fmt: skip
    admin(args.data_dir)
    port = pages.free_port()
    base = f"http://127.0.0.1:{port}"
    with pages.serving(args.data_dir, port) as server:
        target = attached_record(args.data_dir)
        result["upload"] = upload_while_searching(base, args.data_dir, target)
        result["erase a record with an attachment (s)"] = erase(base, target)
        result["server_vmhwm_mb"] = pages.peak_rss_mb(server.pid)
    result["load_after"] = os.getloadavg()
    print(json.dumps(result, indent=1, ensure_ascii=False))
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
