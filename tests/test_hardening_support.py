"""Helpers shared by the hardening suites (no tests here): real data dirs, real servers.

``wm2u(...)`` runs the command line in a process of its own, ``Server`` runs
``python -m learning serve`` on a free port of 127.0.0.1 (waitress, as in production) and
can be SIGKILLed and started again, ``api(...)`` talks to it with a bearer token.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse 1"


def wm2u(
    data_dir: Path, *args: str, input: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess:
    """Run ``wm2u --data-dir DATA_DIR ARGS`` as a separate process."""
    return subprocess.run(
        [sys.executable, "-m", "learning", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        input=input,
        timeout=timeout,
        cwd=ROOT,
    )


def ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, (result.args, result.stdout[-2000:], result.stderr[-2000:])
    return result


def init_with_users(data_dir: Path, *roles: str) -> dict[str, str]:
    """``wm2u init``, one user per role (named after it) and a bearer token for each."""
    ok(wm2u(data_dir, "init"))
    tokens = {}
    for role in roles:
        ok(wm2u(data_dir, "user", "add", role, "--role", role, "--password-stdin",
                input=PASSWORD + "\n"))  # fmt: skip
        tokens[role] = ok(wm2u(data_dir, "token", "create", role)).stdout.strip()
    return tokens


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``python -m learning --data-dir D serve --port P`` in a subprocess, on 127.0.0.1."""

    def __init__(self, data_dir: Path, log: Path, token: str) -> None:
        self.data_dir = data_dir
        self.log_path = log
        self.token = token
        self.proc: subprocess.Popen | None = None
        self.port = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> Server:
        for _ in range(3):  # a free port can be taken between asking and binding: try again
            self.port = free_port()
            log = open(self.log_path, "a", encoding="utf-8")  # noqa: SIM115
            log.write(f"\n--- start on port {self.port} ---\n")
            log.flush()
            env = {**os.environ, "PYTHONUNBUFFERED": "1"}
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "learning", "--data-dir", str(self.data_dir),
                 "serve", "--port", str(self.port)],
                stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, env=env,
            )  # fmt: skip
            log.close()
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    answer = requests.get(f"{self.base}/api/framework", timeout=2,
                                          headers=self.headers())  # fmt: skip
                    if answer.status_code == 200:
                        return self
                except requests.ConnectionError:
                    pass
                time.sleep(0.1)
            self.stop()
        raise AssertionError(f"the server did not start:\n{self.log()[-3000:]}")

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **extra}

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, no flush, exactly like a power cut to the process."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def request(self, method: str, path: str, token: str | None = None, **kwargs: Any):
        headers = {"Authorization": f"Bearer {token or self.token}", **kwargs.pop("headers", {})}
        kwargs.setdefault("timeout", 60)
        return requests.request(method, self.base + path, headers=headers, **kwargs)


def story(marker: str, n: int, **overrides: Any) -> dict[str, Any]:
    """A valid family story whose title and body carry ``marker`` (one searchable word)."""
    data: dict[str, Any] = {
        "type": "family_story",
        "title": f"{marker} story number {n}",
        "date": "2025-04-0" + str(1 + n % 9),
        "authority": "Dundee",
        "locality": "Lochee",
        "consent": "public",
        "indicators": ["SO1.1"],
        "tags": ["hardening"],
        "people": [],
        "quotes": [f"{marker} quote {n}"],
        "body": f"The {marker} family told us about week {n}.",
        "fields": {"family": "a family", "what_changed": "Mornings."},
    }
    data.update(overrides)
    return data


def listed_ids(data_dir: Path) -> set[str]:
    """Every live record id, as ``wm2u list --json`` prints them."""
    out = ok(wm2u(data_dir, "list", "--json")).stdout
    return {r["id"] for r in json.loads(out)["records"]}


def searched_ids(data_dir: Path, query: str) -> set[str]:
    """Every id ``wm2u search QUERY --json`` finds (all pages)."""
    out = ok(wm2u(data_dir, "search", query, "--limit", "100000", "--json")).stdout
    return {h["id"] for h in json.loads(out)["hits"]}
