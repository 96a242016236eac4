"""A small in-memory limit on failed logins, per name and address (a sliding window)."""

from __future__ import annotations

import threading
import time
from collections import deque


class LoginLimiter:
    """At most ``max_failures`` failed logins per (name, address) in ``window`` seconds.

    One address trying many names is held back too, after ten times as many failures.
    """

    def __init__(self, max_failures: int = 5, window: float = 300.0) -> None:
        self.max_failures = max_failures
        self.window = window
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def _keys(self, name: str, address: str) -> list[tuple[tuple[str, str], int]]:
        # "\x00" cannot be in a name, so the per-address key never meets a real one.
        return [((name.casefold(), address), self.max_failures),
                (("\x00", address), self.max_failures * 10)]  # fmt: skip

    def blocked(self, name: str, address: str) -> float:
        """Seconds until the next attempt is allowed (0 when it is allowed now)."""
        now = time.monotonic()
        wait = 0.0
        with self._lock:
            for key, limit in self._keys(name, address):
                times = self._recent(key, now)
                if len(times) >= limit:
                    wait = max(wait, times[-limit] + self.window - now, 1.0)
        return wait

    def failed(self, name: str, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key, _ in self._keys(name, address):
                times = self._recent(key, now)
                times.append(now)
                self._failures[key] = times
            if len(self._failures) > 10_000:
                # Keep memory bounded under a flood: forget the oldest windows first.
                for stale in sorted(self._failures, key=lambda k: self._failures[k][-1])[:5_000]:
                    del self._failures[stale]

    def succeeded(self, name: str, address: str) -> None:
        with self._lock:
            self._failures.pop((name.casefold(), address), None)
