"""Opening a file apart from the web process: a child with a time and a memory limit.

The child (``_reader.py``) is started by its path with ``python -I``: it imports nothing of
the product, ignores ``PYTHON*`` variables, caps its own address space, and is killed when its
time is up. Whatever it does, the web process only waits and reads its answer.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

READER = Path(__file__).with_name("_reader.py")
TIMEOUT_SECONDS = 30.0  # WM2U_EXTRACT_TIMEOUT
MEMORY_MB = 500  # WM2U_EXTRACT_MEMORY_MB
# Readers at once in one process: the server's four threads reading together could otherwise
# ask for 2 GB. A file waiting for its turn waits; its own time starts when it is read.
AT_ONCE = 2
_turns = threading.BoundedSemaphore(AT_ONCE)


@dataclass(frozen=True)
class Answer:
    """What the child said: its payload (text as UTF-8, or a picture), a note, or a refusal."""

    payload: bytes
    note: str | None = None
    refused: str | None = None


def limits() -> tuple[float, int]:
    """The time (seconds) and memory (MB) a child may take; the environment may lower them."""
    return _setting("WM2U_EXTRACT_TIMEOUT", TIMEOUT_SECONDS), int(
        _setting("WM2U_EXTRACT_MEMORY_MB", MEMORY_MB)
    )


def _setting(name: str, default: float) -> float:
    """A positive number from the environment, else ``default`` (a typo never stops uploads)."""
    try:
        value = float(os.environ.get(name) or default)
    except ValueError:
        return default
    return value if 0 < value < float("inf") else default


def read_apart(kind: str, data: bytes, max_chars: int) -> Answer:
    """Have a child read ``data`` of ``kind``; a child that dies or overruns gives a note."""
    seconds, memory = limits()
    command = [sys.executable, "-I", str(READER), kind, str(memory), str(max_chars)]
    try:
        with _turns:
            done = subprocess.run(command, input=data, capture_output=True, timeout=seconds)
    except subprocess.TimeoutExpired:  # run() has killed it and waited for it
        return Answer(b"", note=f"given up after {seconds:g} s")
    header, _, payload = done.stdout.partition(b"\n")
    if done.returncode != 0 or not header.startswith(b"{"):
        return Answer(b"", note=f"given up: the reader stopped ({_why(done.returncode)})")
    said = json.loads(header)
    return Answer(payload, note=said.get("note"), refused=said.get("refused"))


def _why(returncode: int) -> str:
    if returncode < 0:
        return f"killed by signal {-returncode}, perhaps past {limits()[1]} MB"
    return f"exit status {returncode}, perhaps past {limits()[1]} MB"
