"""The search layer: the only package that imports Whoosh.

``SearchIndex(path)`` keeps a Whoosh index in step with the store and answers searches
with hits, exact totals, facet counts, highlights and spelling suggestions, applying
consent inside the query.
"""

from __future__ import annotations

import importlib
from typing import Any

from .errors import IndexBusy, IndexDamaged
from .results import Hit, Results

# Whoosh and numpy take a quarter of a second to import: the index's module is loaded when
# it is first asked for, so commands that never search (a learning update) start without it.
_LAZY = {"SearchIndex": ".index", "inspect": ".index"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Hit", "IndexBusy", "IndexDamaged", "Results", "SearchIndex", "inspect"]
