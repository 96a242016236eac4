"""The panel's choices: per domain a candidate (or none), the reasons in full sentences,
votes, a dissent and how the story was told (verification)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from evidence import msc
from evidence.model import ValidationError
from evidence.validate import clean_date

from .rounds import MAX_ITEMS, MAX_LINE, MAX_TEXT, text

if TYPE_CHECKING:
    from learning.services import Evidence

MIN_REASON_WORDS = 4  # "Because it mattered." is not yet the panel's reasons


@dataclass
class ChoicesRequest:
    """The choices a panel recorded, each replacing the choice of its domain."""

    choices: list[msc.Choice]

    @classmethod
    def parse(cls, data: Any, r: msc.Round) -> ChoicesRequest:
        """Check every choice against the round (naming the field that is wrong)."""
        items = data.get("choices") if isinstance(data, dict) else None
        if not isinstance(items, list) or not items:
            raise ValidationError("choices", "must be a list of the panel's choices")
        if len(items) > MAX_ITEMS:
            raise ValidationError("choices", f"has {len(items)} choices; at most {MAX_ITEMS}")
        parsed: dict[str, msc.Choice] = {}
        for n, item in enumerate(items, 1):
            choice = _choice(item, n, r)
            parsed[choice.domain] = choice  # the later of two for one domain wins
        return cls(list(parsed.values()))


def _choice(item: Any, n: int, r: msc.Round) -> msc.Choice:
    if not isinstance(item, dict):
        raise ValidationError("choices", f"choice {n} must be an object")
    domain = item.get("domain")
    if not isinstance(domain, str) or domain not in {d["id"] for d in r.domains}:
        raise ValidationError("domain", f"choice {n}: no domain {str(domain)[:64]!r} here")
    record = item.get("record")
    if record is not None and {"record": record, "domain": domain} not in r.candidates:
        raise ValidationError("record", f"{str(record)[:64]} is not a candidate in {domain}")
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, check in _CHECKS.items():
        try:
            values[name] = check(item.get(name))
        except ValueError as problem:
            errors[name] = f"choice {n} ({domain}): {problem}"
    if errors:
        raise ValidationError(errors)
    return msc.Choice(r.id, domain, record, **values)


def _reasons(value: Any) -> str:
    reasons = text(value, MAX_TEXT)
    if len(reasons.split()) < MIN_REASON_WORDS:
        raise ValueError("must give the panel's reasons in full sentences")
    return reasons


def _votes(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10_000:
        raise ValueError("must be a whole number of votes from 0 to 10000")
    return value


def _read_back(value: Any) -> bool | None:
    if value in (None, ""):
        return None
    if value in (True, "true", "yes"):
        return True
    if value in (False, "false", "no"):
        return False
    raise ValueError("must be true or false")


_CHECKS = {
    "reasons": _reasons,
    "votes": _votes,
    "dissent": lambda v: text(v, MAX_TEXT, required=False),
    "told_by": lambda v: text(v, MAX_LINE, required=False),
    "written_by": lambda v: text(v, MAX_LINE, required=False),
    "when": lambda v: None if v in (None, "") else clean_date(v),
    "where": lambda v: text(v, MAX_LINE, required=False),
    "read_back": _read_back,
}


def record(ev: Evidence, round_id: str, data: Any, actor: str = "") -> msc.Round:
    """Record the panel's choices in a round that is not closed."""
    r = msc.get_round(ev.store, round_id)
    if r.state == "closed":
        raise msc.RoundClosed(round_id)
    request = ChoicesRequest.parse(data, r)
    msc.record_choices(ev.store, round_id, request.choices, actor)
    return msc.get_round(ev.store, round_id)
