"""One ``Evidence`` per request, borrowed from a small pool, and the index catch-up thread.

A SQLite connection (and a Whoosh searcher) must not be used by two threads at once, but
opening them on every request is slow. So each request borrows an ``Evidence`` that no other
request holds, and gives it back at teardown; waitress's worker threads keep reusing a few.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from flask import Flask, current_app, g

from learning.services import Evidence

log = logging.getLogger(__name__)
EXTENSION = "wm2u"


class EvidencePool:
    """Idle ``Evidence`` objects over one data dir; each is used by one thread at a time."""

    def __init__(self, data_dir: str | Path, size: int = 16) -> None:
        self.data_dir = Path(data_dir)
        self.size = size
        self._idle: list[Evidence] = []
        self._lock = threading.Lock()
        self._closed = False

    def acquire(self) -> Evidence:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return Evidence(self.data_dir)

    def release(self, evidence: Evidence) -> None:
        with self._lock:
            if not self._closed and len(self._idle) < self.size:
                self._idle.append(evidence)
                return
        evidence.close()

    def close_all(self) -> None:
        """Close every idle connection (at shutdown, or at the end of a test)."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for evidence in idle:
            evidence.close()


class IndexCatchUp(threading.Thread):
    """Applies index work left queued (by a crash, or a writer that found the index busy)."""

    def __init__(self, pool: EvidencePool, interval: float) -> None:
        super().__init__(name="wm2u-index-catch-up", daemon=True)
        self.pool = pool
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            catch_up(self.pool)

    def stop(self) -> None:
        self.stopped.set()


def catch_up(pool: EvidencePool, wait: float = 0.0) -> int:
    """Apply whatever index work is queued; never raise (the queue keeps what failed)."""
    try:
        evidence = pool.acquire()
    except Exception:  # noqa: BLE001 - a background helper must not die
        log.exception("could not open the data dir to catch up the index")
        return 0
    try:
        return evidence.sync_index(wait=wait)
    except Exception:  # noqa: BLE001
        log.exception("index catch-up failed; the work stays queued")
        return 0
    finally:
        pool.release(evidence)


def init_app(app: Flask) -> None:
    pool = EvidencePool(app.config["DATA_DIR"], app.config["EVIDENCE_POOL_SIZE"])
    # Opening once at start fails early (and clearly) when the data dir is not initialised.
    pool.release(pool.acquire())
    catch_up(pool, wait=5.0)
    state = app.extensions[EXTENSION] = {"pool": pool, "catch_up": None}
    interval = float(app.config.get("INDEX_CATCHUP_SECONDS") or 0)
    if interval > 0:
        state["catch_up"] = IndexCatchUp(pool, interval)
        state["catch_up"].start()
    app.teardown_appcontext(_give_back)


def shutdown(app: Flask) -> None:
    """Stop the catch-up thread and close the pool's connections."""
    state = app.extensions[EXTENSION]
    if state["catch_up"] is not None:
        state["catch_up"].stop()
    state["pool"].close_all()


def evidence() -> Evidence:
    """The request's ``Evidence`` (borrowed on first use, given back at teardown)."""
    if "evidence" not in g:
        g.evidence = current_app.extensions[EXTENSION]["pool"].acquire()
    return g.evidence


def _give_back(_exc: BaseException | None) -> None:
    borrowed = g.pop("evidence", None)
    if borrowed is not None:
        current_app.extensions[EXTENSION]["pool"].release(borrowed)
