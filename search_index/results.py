"""What a search answers: hits, the exact total, facet counts and a spelling suggestion."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

FACETS = ("type", "indicator", "locality", "objective")


@dataclass
class Hit:
    """One matching record, as the audience may see it."""

    id: str
    title: str
    type: str
    date: str
    locality: str
    score: float
    highlight: str  # safe HTML: escaped text with the matched words in <mark>
    attachment: str | None = None  # the attachment the words (and the snippet) are in
    attachment_name: str | None = None  # its name as the reader sees it (for the page)

    def to_dict(self) -> dict[str, Any]:
        """The hit as ``/api/search`` shows it."""
        data = asdict(self)
        data.pop("attachment_name")
        return data


@dataclass
class Results:
    """One page of a search, with counts over the whole result set."""

    hits: list[Hit]
    total: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    suggestion: str | None = None
    page: int = 1
    per_page: int = 20

    def to_dict(self) -> dict[str, Any]:
        """The answer of ``/api/search``."""
        return {
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "hits": [hit.to_dict() for hit in self.hits],
            "facets": self.facets,
            "suggestion": self.suggestion,
        }
