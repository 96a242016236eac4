"""A small in-memory limit on failed logins (sliding windows), kept per server process.

Three counts of *failed* logins, each over a window of its own:

- per name and address: a guesser at one machine is stopped after a few tries, and cannot
  lock the person out from any other machine (a successful login there clears this count);
- per name, from anywhere: a slower cap, so that many machines together cannot guess a
  password quickly either (while it holds, that name cannot log in from anywhere);
- per address, whatever the name: one machine trying many names is held back too.

Only failures are counted: a correct password, a page view or a ``HEAD`` costs nothing.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    """At most ``failures`` failed logins in ``window`` seconds."""

    failures: int
    window: float


class LoginLimiter:
    """Failed logins per (name, address), per name and per address, each with its limit."""

    def __init__(
        self,
        per_person: Limit = Limit(5, 900),
        per_name: Limit = Limit(50, 3600),
        per_address: Limit = Limit(50, 900),
    ) -> None:
        self.limits = {"person": per_person, "name": per_name, "address": per_address}
        for limit in self.limits.values():
            if limit.failures < 1 or limit.window <= 0:
                raise ValueError(f"a login limit needs at least 1 failure in a window: {limit}")
        self._failures: dict[tuple[str, ...], deque[float]] = {}
        self._lock = threading.Lock()

    def _keys(self, name: str, address: str) -> list[tuple[tuple[str, ...], Limit]]:
        name = name.casefold()
        return [
            (("person", name, address), self.limits["person"]),
            (("name", name), self.limits["name"]),
            (("address", address), self.limits["address"]),
        ]

    def _recent(self, key: tuple[str, ...], limit: Limit, now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - limit.window:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def blocked(self, name: str, address: str) -> float:
        """Seconds until the next attempt is allowed (0 when it is allowed now)."""
        now = time.monotonic()
        wait = 0.0
        with self._lock:
            for key, limit in self._keys(name, address):
                times = self._recent(key, limit, now)
                if len(times) >= limit.failures:
                    wait = max(wait, times[-limit.failures] + limit.window - now, 1.0)
        return wait

    def failed(self, name: str, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key, limit in self._keys(name, address):
                times = self._recent(key, limit, now)
                times.append(now)
                self._failures[key] = times
            if len(self._failures) > 30_000:
                # Keep memory bounded under a flood: forget the oldest windows first.
                for stale in sorted(self._failures, key=lambda k: self._failures[k][-1])[:15_000]:
                    del self._failures[stale]

    def succeeded(self, name: str, address: str) -> None:
        """The person got in from here: their own failures here are forgotten (not the rest)."""
        with self._lock:
            self._failures.pop(("person", name.casefold(), address), None)


class SendLimiter:
    """Stories sent per address in a sliding window (only sends count, never page views)."""

    def __init__(self, per_address: Limit) -> None:
        if per_address.failures < 1 or per_address.window <= 0:
            raise ValueError(f"a send limit needs at least 1 send in a window: {per_address}")
        self.limit = per_address
        self._sends: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, address: str, now: float) -> deque[float]:
        times = self._sends.setdefault(address, deque())
        while times and times[0] <= now - self.limit.window:
            times.popleft()
        return times

    def blocked(self, address: str) -> float:
        """Seconds until this address may send again (0 when it may now)."""
        now = time.monotonic()
        with self._lock:
            times = self._recent(address, now)
            if len(times) < self.limit.failures:
                return 0.0
            return max(times[-self.limit.failures] + self.limit.window - now, 1.0)

    def sent(self, address: str) -> None:
        with self._lock:
            self._recent(address, time.monotonic()).append(time.monotonic())
