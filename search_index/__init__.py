"""The search layer: the only package that imports Whoosh.

``SearchIndex(path)`` keeps a Whoosh index in step with the store and answers searches
with hits, exact totals, facet counts, highlights and spelling suggestions, applying
consent inside the query.
"""

from .index import IndexBusy, IndexDamaged, SearchIndex, inspect
from .results import Hit, Results

__all__ = ["Hit", "IndexBusy", "IndexDamaged", "Results", "SearchIndex", "inspect"]
