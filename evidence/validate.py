"""Check a record against the framework it is handed; name every field that is wrong.

Validators are small pure functions. ``validate`` gathers every problem into one
``ValidationError`` so a form can show each beside its field. The framework object is
duck-typed: it needs ``record_types``, ``indicators``, ``activities``, ``authorities``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from . import signification
from .consent import widest_consent
from .model import CONSENT_LEVELS, INPUT_KEYS, ORIGINS, STATUSES, Record, ValidationError

MAX_TITLE = 300
MAX_SHORT = 200
MAX_BODY = 200_000
MAX_LIST = 200
MAX_ITEM = 5_000
MAX_IDS = 200_000  # a learning update may cite a year of evidence
ID_PATTERN = re.compile(r"^[0-9A-Za-z_-]{1,64}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# The door's rules, declared once: what is let in can be stored, summed, charted and written
# into every document faithfully (SECURITY.md, "What is let in").
MAX_NUMBER = 10**12  # |a number|: exact as a float; its hundredths fit 64 bits 90,000 times
DECIMALS = 2  # a record's numbers (pounds and pence, averages): the tally sums hundredths
FIRST_DAY, LAST_DAY = "1900-01-01", "2199-12-31"  # dates charts and date arithmetic handle
# XML 1.0 (and so a Word document) cannot hold these; SQLite cannot store a lone surrogate.
UNHOLDABLE = "\ud800-\udfff\ufffe\uffff"  # as a regular expression's character class
_NOT_TEXT = re.compile(f"[{UNHOLDABLE}]")
_TIMESTAMP = re.compile(r"[0-9T:.+Z -]{1,40}", re.ASCII)  # as the store writes them, or kin


class _Problem(ValueError):
    """One field's problem, raised by a validator and gathered by ``validate``."""


def clean_text(value: Any, limit: int, multiline: bool = False) -> str:
    """A string without control characters, stripped, within ``limit`` characters."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _Problem("must be text")
    check_characters(value)
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        value = value.replace("\n", " ")
    value = _CONTROL.sub("", value).strip()
    if len(value) > limit:
        raise _Problem(f"is too long ({len(value)} characters; at most {limit})")
    return value


def without_controls(text: str) -> str:
    """``text`` without the control characters a record's text drops (tab and line ends kept)."""
    return _CONTROL.sub("", text)


def check_characters(text: str) -> None:
    """Refuse text with a character no document can hold (a lone surrogate, U+FFFE, U+FFFF)."""
    found = _NOT_TEXT.search(text)
    if found:
        what = "a lone surrogate" if found.group() < "\ue000" else f"U+{ord(found.group()):04X}"
        raise _Problem(
            f"must be valid Unicode text (it has {what} at character {found.start() + 1})"
        )


def without_unholdable(text: str) -> str:
    """``text`` without what ``check_characters`` refuses (for text saved before the door)."""
    return _NOT_TEXT.sub("", text)


def clean_date(value: Any) -> str:
    """An ISO date (YYYY-MM-DD) that exists on the calendar, from 1900 to 2199."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        value = value.isoformat()
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        raise _Problem("must be a date written YYYY-MM-DD")
    try:
        day = dt.date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise _Problem(f"{value.strip()} is not a date on the calendar") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise _Problem(f"{day} is outside the years {FIRST_DAY[:4]}–{LAST_DAY[:4]}")
    return day


def clean_number(value: Any, whole: bool = False, decimals: int | None = DECIMALS) -> int | float:
    """A finite number within ±MAX_NUMBER (``whole``: an integer; ``decimals``: at most so
    many decimal places), checked before anything converts it."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Problem("must be a whole number" if whole else "must be a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise _Problem("must be a finite number")
    if abs(value) > MAX_NUMBER:  # an int of 400 digits cannot even become a float
        raise _Problem(f"is too large (at most {MAX_NUMBER:,} either side of 0)")
    if whole:
        if isinstance(value, float) and not value.is_integer():
            raise _Problem("must be a whole number")
        return int(value)
    if decimals is not None and isinstance(value, float) and round(value, decimals) != value:
        raise _Problem(f"must have at most {decimals} decimal places")
    return value


def clean_list(value: Any, limit: int = MAX_ITEM, max_items: int = MAX_LIST) -> list[str]:
    """A list of non-empty strings, without duplicates, in the order given."""
    if value is None:
        return []
    if isinstance(value, str):
        raise _Problem("must be a list, not text")
    if not isinstance(value, (list, tuple)):
        raise _Problem("must be a list")
    if len(value) > max_items:
        raise _Problem(f"has too many items ({len(value)}; at most {max_items})")
    items: list[str] = []
    for i, item in enumerate(value, 1):
        if not isinstance(item, str):
            raise _Problem(f"item {i} must be text")
        text = clean_text(item, limit, multiline=True)
        if text and text not in items:
            items.append(text)
    return items


def clean_codes(value: Any, known: dict, what: str) -> list[str]:
    """Framework codes that all exist."""
    codes = [c.strip() for c in clean_list(value, 20)]
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise _Problem(f"unknown {what} code {', '.join(unknown)}")
    return codes


def clean_field(spec: Any, value: Any) -> Any:
    """One type-specific field, checked against its spec from the framework."""
    if value is None or value == "" or value == []:
        if spec.required:
            raise _Problem("is required")
        return [] if spec.type in ("list", "ids") else None
    if spec.type in ("integer", "number"):
        value = clean_number(value, whole=spec.type == "integer")
        if spec.min is not None and value < spec.min:
            raise _Problem(f"must be at least {_fmt(spec.min)}")
        if spec.max is not None and value > spec.max:
            raise _Problem(f"must be at most {_fmt(spec.max)}")
        return value
    if spec.type == "date":
        return clean_date(value)
    if spec.type in ("list", "ids"):
        items = (
            clean_list(value, 64, MAX_IDS) if spec.type == "ids" else clean_list(value, MAX_ITEM)
        )
        if spec.type == "ids" and any(not ID_PATTERN.match(i) for i in items):
            raise _Problem("must be a list of record ids")
        return items
    text = clean_text(value, MAX_BODY if spec.type == "text" else MAX_SHORT, spec.type == "text")
    if spec.choices and text not in spec.choices:
        raise _Problem(f"must be one of {', '.join(spec.choices)}")
    return text


def whole_number(text: str) -> int | None:
    """The number ``text`` writes in ASCII digits (at most 18: within 64 bits), else None.

    ``"²".isdigit()`` is true and ``int()`` refuses it; ``int()`` of 5,000 digits raises."""
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def _fmt(n: float) -> str:
    return str(int(n)) if float(n).is_integer() else str(n)


def validate(data: Any, framework: Any) -> Record:
    """Check ``data`` (the API's record shape) against ``framework``; return a clean Record."""
    if not isinstance(data, dict):
        raise ValidationError("record", "must be a JSON object (a mapping of keys to values)")
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}

    def check(key: str, fn, *args) -> None:
        try:
            out[key] = fn(data.get(key), *args)
        except _Problem as problem:
            errors[key] = str(problem)

    for key in data:
        if key not in INPUT_KEYS and key not in ("origin", "status"):
            errors[str(key)[:60]] = "is not a record key"
    record_type = _check_type(data.get("type"), framework, errors)
    check("title", clean_text, MAX_TITLE)
    if "title" not in errors and not out["title"]:
        errors["title"] = "is required"
    if data.get("date") in (None, ""):
        errors["date"] = "is required"
    else:
        check("date", clean_date)
    consent = data.get("consent")
    if consent in (None, ""):
        errors["consent"] = f"is required (one of {', '.join(CONSENT_LEVELS)})"
    elif consent not in CONSENT_LEVELS:
        errors["consent"] = f"must be one of {', '.join(CONSENT_LEVELS)}"
    else:
        out["consent"] = consent
    check("indicators", clean_codes, framework.indicators, "indicator")
    waiting = data.get("origin") == "family" and data.get("status") == "submitted"
    if "indicators" not in errors and not out["indicators"] and not waiting:
        # (a family's story waiting for an editor may have none: accepting it needs one)
        errors["indicators"] = "at least one indicator is required"
    check("activities", clean_codes, framework.activities, "activity")
    for key in ("tags", "people", "quotes"):
        check(key, clean_list)
    check("author", clean_text, MAX_SHORT)
    check("body", clean_text, MAX_BODY, True)
    _check_place(data, framework, out, errors)
    if record_type is not None:
        _check_fields(data.get("fields"), record_type, out, errors)
    _check_meta(data, out, errors)
    _check_origin(data, out, errors)
    if errors:
        raise ValidationError(errors)
    out["type"] = record_type.name
    out["tags"] = list(dict.fromkeys(t.lower() for t in out["tags"]))
    record = Record(**{k: v for k, v in out.items() if k in Record.__dataclass_fields__})
    widest = widest_consent(record)
    if CONSENT_LEVELS.index(record.consent) > CONSENT_LEVELS.index(widest):
        raise ValidationError(
            "consent",
            f"must be {widest}: a learning update made for the team holds the team's text "
            "(make an external update to share one outside the team)",
        )
    return record


def _check_type(value: Any, framework: Any, errors: dict[str, str]) -> Any:
    if value in (None, ""):
        errors["type"] = "is required"
        return None
    if not isinstance(value, str) or value not in framework.record_types:
        names = ", ".join(framework.record_types)
        # Not str() of anything else: a list can stand for billions of values (YAML aliases).
        shown = repr(value[:60]) if isinstance(value, str) else f"(a {type(value).__name__})"
        errors["type"] = f"unknown record type {shown} (one of {names})"
        return None
    return framework.record_types[value]


def _check_place(data: dict, framework: Any, out: dict, errors: dict[str, str]) -> None:
    place: dict[str, str] = {}
    for key in ("authority", "locality"):
        try:
            place[key] = clean_text(data.get(key), MAX_SHORT)
        except _Problem as problem:
            errors[key] = str(problem)  # its own field: a bad authority was named locality
    if len(place) < 2:
        return
    authority, locality = place["authority"], place["locality"]
    if authority and authority not in framework.authorities:
        errors["authority"] = f"unknown authority {authority!r}"
        return
    if locality:
        owner = next((a for a, locs in framework.authorities.items() if locality in locs), None)
        if owner is None:
            errors["locality"] = f"unknown locality {locality!r}"
            return
        if authority and owner != authority:
            errors["locality"] = f"{locality} is not in {authority} (it is in {owner})"
            return
        authority = owner
    out["authority"], out["locality"] = authority, locality


def _check_fields(value: Any, record_type: Any, out: dict, errors: dict[str, str]) -> None:
    if value is None:
        value = {}
    if not isinstance(value, dict):
        errors["fields"] = "must be a mapping of field names to values"
        return
    result: dict[str, Any] = {}
    if record_type.name == "family_story" and value.get(signification.FIELD) is not None:
        try:  # a family's own reading of their story, kept as they gave it
            result[signification.FIELD] = signification.clean(value[signification.FIELD])
        except ValidationError as exc:
            errors[exc.field] = exc.message
    for name in value:
        if name == signification.FIELD and record_type.name == "family_story":
            continue
        if record_type.field(name) is None:
            known = ", ".join(f.name for f in record_type.fields) or "none"
            errors[f"fields.{str(name)[:60]}"] = (
                f"is not a field of {record_type.name} (its fields: {known})"
            )
    for spec in record_type.fields:
        try:
            cleaned = clean_field(spec, value.get(spec.name))
        except _Problem as problem:
            errors[f"fields.{spec.name}"] = str(problem)
            continue
        if cleaned not in (None, [], ""):
            result[spec.name] = cleaned
    out["fields"] = result


def _check_origin(data: dict, out: dict, errors: dict[str, str]) -> None:
    """``origin`` and ``status`` as an export wrote them (the server's: a write sets them)."""
    origin, status = data.get("origin") or "staff", data.get("status")
    if origin not in ORIGINS:
        errors["origin"] = f"must be one of {', '.join(ORIGINS)}"
    elif status not in (None, "", *STATUSES) or (status and origin != "family"):
        errors["status"] = f"must be empty, or on a family's story one of {', '.join(STATUSES)}"
    else:
        out["origin"], out["status"] = origin, status or None


def _check_meta(data: dict, out: dict, errors: dict[str, str]) -> None:
    record_id = data.get("id")
    if record_id not in (None, ""):
        if not isinstance(record_id, str) or not ID_PATTERN.match(record_id):
            errors["id"] = "must be 1–64 letters, digits, '-' or '_'"
        else:
            out["id"] = record_id
    for key in ("created_at", "updated_at"):
        value = data.get(key)
        if value not in (None, ""):
            if not isinstance(value, str) or not _TIMESTAMP.fullmatch(value):
                errors[key] = "must be an ISO 8601 timestamp"
            else:
                out[key] = value
    revision = data.get("revision")
    if revision is not None:
        if isinstance(revision, bool) or not isinstance(revision, int):
            errors["revision"] = "must be a whole number, 0 or more"
        elif not 0 <= revision <= MAX_NUMBER:
            errors["revision"] = f"must be a whole number from 0 to {MAX_NUMBER:,}"
        else:
            out["revision"] = revision
