"""What a learning update is asked for: one request, declared once, checked in one place.

The command line, the web form and the API each turn their input into an ``UpdateRequest``
(``UpdateRequest.parse``) and hand it on; a saved update's record keeps everything needed to
make the same request again (``UpdateRequest.from_saved``), so that its body, its downloads
and its remakes after a cited record changes are one and the same update.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from evidence.consent import AUDIENCES, EXTERNAL, INTERNAL
from evidence.model import Record, ValidationError
from evidence.validate import clean_date, clean_text, without_unholdable

MAX_INTRO = 20_000  # the editor's key messages: a page or two of Markdown
KEYS = ("from", "to", "audience", "objectives", "intro", "featured", "annex")
# The sentence an update made for some objectives only says (updates/sentences.py).
_COVERS = re.compile(r"This update covers ((?:[\w.-]+, )*[\w.-]+) only\.")


@dataclass(frozen=True)
class UpdateRequest:
    """A learning update asked for: its period, audience, scope and the editor's choices.

    ``objectives`` empty: every objective of the plan. For a saved update made again,
    ``cites`` holds the records it may show (every one it has cited) and ``as_of`` its save
    time: only the ratings and earlier records made by then count, as when it was saved."""

    period_from: str
    period_to: str
    audience: str = INTERNAL
    objectives: tuple[str, ...] = ()
    intro: str = ""
    featured: tuple[str, ...] = ()
    annex: bool = True
    prepared_by: str = ""
    prepared_on: str = ""  # ISO date ("": the day it is made)
    cites: tuple[str, ...] | None = None
    as_of: str | None = None

    def __post_init__(self) -> None:
        errors = _problems(self)
        if errors:
            raise ValidationError(errors)

    @classmethod
    def parse(cls, data: Any, prepared_by: str = "") -> UpdateRequest:
        """The request that ``data`` (the API's keys: ``from``, ``to``, ``audience``,
        ``objectives``, ``intro``, ``featured``, ``annex``) describes; ValidationError naming
        every key that is wrong, or that is not one of them."""
        if not isinstance(data, Mapping):
            raise ValidationError("body", "must be a JSON object")
        errors = {str(k)[:60]: "is not a learning-update key" for k in data if k not in KEYS}
        values: dict[str, Any] = {"prepared_by": prepared_by}
        for key, name, read in _READERS:
            try:
                values[name] = read(data.get(key))
            except ValueError as problem:
                errors[key] = str(problem)
        if errors:
            raise ValidationError(errors)
        return cls(**values)

    @classmethod
    def from_saved(cls, update: Record, cites: Iterable[str] | None = None) -> UpdateRequest:
        """The request a saved update was made from (``cites``: every record it has cited;
        else those its fields list), to make it again as it was made."""
        f = update.fields
        featured = f.get("featured")
        return cls(
            period_from=str(f.get("period_from") or update.date),
            period_to=str(f.get("period_to") or update.date),
            audience=EXTERNAL if f.get("audience") == EXTERNAL else INTERNAL,
            objectives=saved_objectives(update),
            intro=without_unholdable(str(f.get("intro") or "")),  # saved before the door
            featured=tuple(str(i) for i in featured) if isinstance(featured, list) else (),
            annex=f.get("annex") not in (False, "false"),
            prepared_by=update.author if update.author not in ("", "cli") else "",
            prepared_on=_local_day(update.created_at or update.updated_at),
            cites=tuple(cites if cites is not None else f.get("cites") or ()),
            as_of=update.created_at or None,
        )

    @property
    def remade(self) -> bool:
        """Whether this is a saved update made again (from the records it cites)."""
        return self.cites is not None

    def but(self, **changes: Any) -> UpdateRequest:
        """A copy with ``changes`` (checked again)."""
        return replace(self, **changes)


def saved_objectives(update: Record) -> tuple[str, ...]:
    """The objectives a saved update was made for: ``fields.objectives``; for one saved
    before they were kept, those its text says it covers, else every objective."""
    kept = update.fields.get("objectives")
    if isinstance(kept, list) and kept:
        return tuple(str(code) for code in kept)
    said = _COVERS.search(update.body or "")
    return tuple(said.group(1).split(", ")) if said else ()


def _local_day(stamp: str) -> str:
    """The server's calendar day of a UTC time stamp (the day an update was saved)."""
    try:
        moment = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return ""
    if moment.tzinfo is None:
        return moment.date().isoformat()
    return moment.astimezone().date().isoformat()


def _day(value: Any) -> str:
    try:
        return clean_date(value)
    except Exception as problem:  # noqa: BLE001 - clean_date's one-field problem
        raise ValueError(str(problem)) from None


def _audience(value: Any) -> str:
    if value in (None, ""):
        return INTERNAL
    if value not in AUDIENCES:
        raise ValueError(f"must be one of {', '.join(AUDIENCES)}")
    return value


def _codes(what: str) -> Any:
    def read(value: Any) -> tuple[str, ...]:
        if value in (None, ""):
            return ()
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"must be a list of {what}")
        return tuple(dict.fromkeys(v.strip() for v in value if v.strip()))

    return read


def _intro(value: Any) -> str:
    if value is not None and not isinstance(value, str):
        raise ValueError(f"must be Markdown text of at most {MAX_INTRO:,} characters")
    try:
        return clean_text(value or "", MAX_INTRO, multiline=True)
    except Exception as problem:  # noqa: BLE001 - clean_text's one-field problem
        raise ValueError(str(problem)) from None


def _annex(value: Any) -> bool:
    if value is None:
        return True
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


# Each key of the input, the request's field it fills, and how it is read.
_READERS = (
    ("from", "period_from", _day),
    ("to", "period_to", _day),
    ("audience", "audience", _audience),
    ("objectives", "objectives", _codes("objective codes")),
    ("intro", "intro", _intro),
    ("featured", "featured", _codes("record ids")),
    ("annex", "annex", _annex),
)


def _problems(request: UpdateRequest) -> dict[str, str]:
    """What is wrong with a request however it was built, by the input key it names."""
    errors: dict[str, str] = {}
    for key in ("period_from", "period_to"):
        value = getattr(request, key)
        if not isinstance(value, str) or not _is_day(value):
            errors[key[7:]] = "must be a date written YYYY-MM-DD"
    if not errors and request.period_from > request.period_to:
        errors["to"] = "must be on or after the from date"
    if request.audience not in AUDIENCES:
        errors["audience"] = f"must be one of {', '.join(AUDIENCES)}"
    for key in ("objectives", "featured"):
        value = getattr(request, key)
        if not isinstance(value, tuple) or not all(isinstance(v, str) for v in value):
            errors[key] = "must be a tuple of codes or ids"
    if not isinstance(request.intro, str) or len(request.intro) > MAX_INTRO:
        errors["intro"] = f"must be Markdown text of at most {MAX_INTRO:,} characters"
    if not isinstance(request.annex, bool):
        errors["annex"] = "must be true or false"
    return errors


def _is_day(text: str) -> bool:
    try:
        return dt.date.fromisoformat(text).isoformat() == text
    except ValueError:
        return False
