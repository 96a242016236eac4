"""Records: the evidence the programme keeps, as plain dataclasses."""

from __future__ import annotations

import copy
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

CONSENT_LEVELS = ("internal", "anonymised", "public")
ORIGINS = ("staff", "family")  # who wrote a record: the team, or a family through an invitation
STATUSES = ("submitted", "accepted")  # a family's story: waiting for an editor, then accepted
LIST_KEYS = ("indicators", "activities", "tags", "people", "quotes")
# Keys a client may send; the rest of a record's keys are kept by the store.
INPUT_KEYS = (
    "id",
    "type",
    "title",
    "date",
    "authority",
    "locality",
    "author",
    "consent",
    *LIST_KEYS,
    "body",
    "fields",
    "revision",
    "created_at",
    "updated_at",
)

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class ValidationError(Exception):
    """Input that cannot be saved; ``errors`` maps each field to its problem."""

    def __init__(self, errors: dict[str, str] | str, message: str | None = None) -> None:
        if isinstance(errors, str):
            errors = {errors: message or "is not valid"}
        self.errors = dict(errors)
        self.field, self.message = next(iter(self.errors.items()))
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


class NotFound(Exception):
    """No record (or user, token) with that id."""

    def __init__(self, what: str) -> None:
        self.what = what
        super().__init__(f"{what} not found")


class Conflict(Exception):
    """Someone else saved the record since this revision was read."""

    def __init__(self, record_id: str, expected: int, current: int) -> None:
        self.record_id = record_id
        self.expected = expected
        self.current = current
        super().__init__(
            f"{record_id}: revision {expected} is out of date; "
            f"someone saved revision {current} in between"
        )


def new_id(now: float | None = None) -> str:
    """A ULID: 26 characters, sortable by creation time."""
    ms = int((time.time() if now is None else now) * 1000)
    value = (ms << 80) | int.from_bytes(os.urandom(10), "big")
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def utcnow() -> str:
    """The current time as ISO 8601 UTC text, to the microsecond."""
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _copied(value: Any) -> Any:
    """A value of a record, copied: a list of texts shallowly, anything else deeply."""
    if isinstance(value, list) and all(type(item) is str for item in value):
        return list(value)
    return value if isinstance(value, (str, int, type(None))) else copy.deepcopy(value)


@dataclass
class Record:
    """One piece of evidence, validated against the framework."""

    type: str
    title: str
    date: str
    consent: str
    indicators: list[str]
    id: str = ""
    authority: str = ""
    locality: str = ""
    author: str = ""
    activities: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    quotes: list[str] = field(default_factory=list)
    body: str = ""
    fields: dict[str, Any] = field(default_factory=dict)
    revision: int = 0
    created_at: str = ""
    updated_at: str = ""
    deleted_at: str | None = None
    origin: str = "staff"
    status: str | None = None
    # The codes of its excerpts: not part of the record (never saved with it, nor shown as
    # its JSON); the application fills them in for the record's search document.
    codes: list[str] = field(default_factory=list)
    # Its live attachments (``evidence.attachments.Attachment``), likewise filled in only for
    # its search document: their text is searched like the body.
    attachments: list[Any] = field(default_factory=list)

    def to_dict(self, include_deleted: bool = False) -> dict[str, Any]:
        """The record as the API shows it, keys in the contract's order."""
        # As ``asdict`` (a copy the caller may change), without its walk of every list item:
        # saving or importing 100,000 records called it twice each.
        ordered = {key: _copied(getattr(self, key)) for key in INPUT_KEYS}
        ordered["origin"], ordered["status"] = self.origin, self.status
        if include_deleted:
            ordered["deleted_at"] = self.deleted_at
        return ordered

    def but(self, **changes: Any) -> Record:
        """A copy with ``changes`` (names of fields), as ``dataclasses.replace`` makes, less
        its checks: a year's external learning update copies tens of thousands of records."""
        unknown = changes.keys() - self.__dataclass_fields__.keys()
        if unknown:
            raise TypeError(f"Record has no field {', '.join(sorted(unknown))}")
        copy = object.__new__(Record)
        copy.__dict__.update(self.__dict__, **changes)
        return copy

    @property
    def submitted(self) -> bool:
        """Whether it is a family's story no editor has accepted yet (the team's alone)."""
        return self.status == "submitted"

    @property
    def objectives(self) -> list[str]:
        """The objectives the record's indicators belong to, in order."""
        return sorted({code.split(".")[0] for code in self.indicators})

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Record:
        """Build a record from already-validated data (as stored)."""
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)
