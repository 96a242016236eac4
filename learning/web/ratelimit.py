"""A small in-memory limit on failed logins, per name and address (a sliding window)."""

from __future__ import annotations

import threading
import time
from collections import deque


class LoginLimiter:
    """At most ``max_failures`` failed logins per (name, address) in ``window`` seconds."""

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

    def blocked(self, name: str, address: str) -> float:
        """Seconds until the next attempt is allowed (0 when it is allowed now)."""
        now = time.monotonic()
        with self._lock:
            times = self._recent((name.casefold(), address), now)
            if len(times) < self.max_failures:
                return 0.0
            return max(times[0] + self.window - now, 1.0)

    def failed(self, name: str, address: str) -> None:
        now = time.monotonic()
        key = (name.casefold(), address)
        with self._lock:
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
