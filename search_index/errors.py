"""The search layer's refusals, importable without Whoosh (the command line's other commands
catch them without loading the index)."""

from __future__ import annotations


class IndexBusy(RuntimeError):
    """Another process kept the index locked for longer than we were willing to wait."""


class IndexDamaged(RuntimeError):
    """The index on disk is missing or cannot be read. It is a cache: rebuild it."""
