"""Who may see a record, and how: the one place consent is applied.

Every read path — pages, API, search documents, snippets, exports, learning updates — asks
``present(record, audience)``. ``internal`` is the team (editors, admins); ``external`` is
anyone outside it (viewers, external learning updates).
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache
from typing import Any

from .model import Record

INTERNAL = "internal"
EXTERNAL = "external"
AUDIENCES = (INTERNAL, EXTERNAL)
ROLE_AUDIENCE = {"admin": INTERNAL, "editor": INTERNAL, "viewer": EXTERNAL}


def audience_for_role(role: str | None) -> str:
    """The audience a role reads as; anything unknown reads as the most restricted."""
    return ROLE_AUDIENCE.get(role or "", EXTERNAL)


def visible(record: Record | dict, audience: str) -> bool:
    """Whether the audience may see the record at all."""
    consent = record["consent"] if isinstance(record, dict) else record.consent
    return audience == INTERNAL or consent in ("anonymised", "public")


def visible_consents(audience: str) -> tuple[str, ...]:
    """The consent levels an audience may see (for filtering queries)."""
    if audience == INTERNAL:
        return ("internal", "anonymised", "public")
    return ("anonymised", "public")


def label(index: int) -> str:
    """The neutral label that stands for the n-th person named in a record."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return f"Person {letters}"


@lru_cache(maxsize=16384)
def _replacements(people: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Every name and name part in ``people`` (casefolded) with its label, longest first."""
    replacements: dict[str, str] = {}
    for i, person in enumerate(people):
        full = " ".join(person.split())
        if not full:
            continue
        replacements.setdefault(full.casefold(), label(i))
        for part in re.split(r"[\s\-]+", full):
            part = part.strip(".,'\"()")
            if len(part) >= 2:
                replacements.setdefault(part.casefold(), label(i))
    return tuple(sorted(replacements.items(), key=lambda item: len(item[0]), reverse=True))


@lru_cache(maxsize=16384)
def _name_pattern(name: str) -> re.Pattern[str]:
    """A whole-word, any-case pattern for one name (its words may be spaced any way)."""
    words = r"\s+".join(map(re.escape, name.split()))
    return re.compile(rf"(?<![\w])(?:{words})(?![\w])", re.IGNORECASE)


def redact_text(text: str, people: list[str] | tuple[str, ...]) -> str:
    """Replace every name (and each part of it) with its neutral label.

    Names are few and repeat across records, so one cached pattern a name (applied longest
    first) is far cheaper than compiling one pattern for each record's set of people.
    """
    if not text or not people:
        return text
    folded = text.casefold()
    for name, person in _replacements(tuple(people)):
        if name.split()[0] in folded:
            text = _name_pattern(name).sub(person, text)
    return text


def _redact_value(value: Any, people: list[str]) -> Any:
    if isinstance(value, str):
        return redact_text(value, people)
    if isinstance(value, list):
        return [_redact_value(v, people) for v in value]
    if isinstance(value, dict):
        return {k: _redact_value(v, people) for k, v in value.items()}
    return value


def redact(record: Record) -> Record:
    """A copy of the record with every name in ``people`` replaced, and no people list."""
    people = record.people
    return replace(
        record,
        title=redact_text(record.title, people),
        body=redact_text(record.body, people),
        quotes=[redact_text(q, people) for q in record.quotes],
        tags=[redact_text(t, people) for t in record.tags],
        fields=_redact_value(record.fields, people),
        people=[],
    )


def present(record: Record, audience: str) -> Record | None:
    """The record as ``audience`` may see it, or None if it may not see it at all."""
    if audience == INTERNAL:
        return record
    if not visible(record, audience):
        return None
    if record.consent == "anonymised":
        return redact(record)
    return record
