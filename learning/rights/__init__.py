"""People's rights over their data: who is named, subject access, erasure of a person, and
retention. The CLI and the admin pages build a ``PersonRequest`` and call one function here."""

from __future__ import annotations

from .service import (
    PersonRequest,
    SubjectAccess,
    due_for_review,
    erase,
    export_zip,
    keep,
    people,
    retention_years,
    subject_access,
    waiting_count,
)

__all__ = [
    "PersonRequest",
    "SubjectAccess",
    "due_for_review",
    "erase",
    "export_zip",
    "keep",
    "people",
    "retention_years",
    "subject_access",
    "waiting_count",
]
