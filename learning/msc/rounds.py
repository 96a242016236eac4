"""Running a round: the request objects the CLI, pages and API build, and the writes.

Every field is checked before anything is saved (a ValidationError naming each field that is
wrong); a closed round refuses every change (``evidence.msc.RoundClosed``, a 409).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from evidence import msc
from evidence.model import NotFound, ValidationError
from evidence.validate import check_characters, clean_date, without_controls

if TYPE_CHECKING:
    from learning.services import Evidence

ANY_OTHER = {"id": "any-other-change", "name": "Any other change"}
MAX_LINE = 200
MAX_TEXT = 10_000
MAX_ITEMS = 200
ROUND_FIELDS = ("title", "period_from", "period_to", "question", "level", "parent", "state",
                "domains", "panel", "candidates")  # fmt: skip


def text(value: Any, limit: int = MAX_LINE, required: bool = True) -> str:
    """Text a person typed, checked and trimmed (ValueError says what is wrong)."""
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise ValueError("must be text")
    check_characters(value)
    value = without_controls(value).strip()
    if limit == MAX_LINE:
        value = " ".join(value.split())
    if required and not value:
        raise ValueError("is required")
    if len(value) > limit:
        raise ValueError(f"is too long ({len(value)} characters; at most {limit})")
    return value


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:64] or "domain"


def _items(value: Any, what: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"must be a list of {what}")
    if len(value) > MAX_ITEMS:
        raise ValueError(f"has {len(value)} {what}; at most {MAX_ITEMS}")
    return value


def domains(value: Any) -> list[dict[str, str]]:
    """The round's domains of change, "any other change" always last among them."""
    found: list[dict[str, str]] = []
    for item in _items(value, "domains"):
        name = text(item.get("name") if isinstance(item, dict) else item)
        given = item.get("id") if isinstance(item, dict) else None
        domain_id = _slug(given if isinstance(given, str) and given.strip() else name)
        if any(d["id"] == domain_id for d in found):
            raise ValueError(f"names the domain {name!r} twice")
        found.append({"id": domain_id, "name": name})
    if not any(d["id"] == ANY_OTHER["id"] for d in found):
        found.append(dict(ANY_OTHER))
    return found


def panel(value: Any) -> list[dict[str, str]]:
    """The panel's members, each with a name and a role (family, practitioner or other)."""
    members = []
    for n, item in enumerate(_items(value, "members"), 1):
        if not isinstance(item, dict):
            raise ValueError(f"member {n} must be an object with a name and a role")
        try:
            name = text(item.get("name"))
        except ValueError as problem:
            raise ValueError(f"member {n}'s name {problem}") from None
        role = item.get("role")
        if role not in msc.ROLES:
            raise ValueError(f"member {n}'s role must be one of {', '.join(msc.ROLES)}")
        members.append({"name": name, "role": role})
    return members


def balance(members: list[dict[str, str]]) -> dict[str, Any]:
    """Families to practitioners on the panel; ``met`` as fund panels: no fewer families."""
    families = sum(1 for m in members if m["role"] == "family")
    practitioners = sum(1 for m in members if m["role"] == "practitioner")
    return {"families": families, "practitioners": practitioners, "met": families >= practitioners}


def outside_the_team(members: list[dict[str, str]]) -> bool:
    """Whether anyone on the panel is not the team (a family member, or another)."""
    return any(m["role"] not in msc.TEAM_ROLES for m in members)


@dataclass
class RoundRequest:
    """A round as a client sends it (create, or the whole round to change)."""

    title: str
    period_from: str
    period_to: str
    question: str
    level: str
    parent: str | None = None
    state: str = "open"
    domains: list[dict[str, str]] = field(default_factory=list)
    panel: list[dict[str, str]] = field(default_factory=list)
    candidates: list[dict[str, str]] = field(default_factory=list)

    @classmethod
    def parse(cls, data: Any) -> RoundRequest:
        """Check each field on its own (naming every one that is wrong)."""
        if not isinstance(data, dict):
            raise ValidationError("round", "must be a JSON object")
        errors: dict[str, str] = {}
        values: dict[str, Any] = {}
        for name, check in _CHECKS.items():
            try:
                values[name] = check(data.get(name))
            except ValueError as problem:
                errors[name] = str(problem)
        if not errors and values["period_from"] > values["period_to"]:
            errors["period_to"] = "is before period_from"
        if errors:
            raise ValidationError(errors)
        return cls(**values)

    def stored(self, round_id: str = "") -> msc.Round:
        return msc.Round(round_id, self.title, self.period_from, self.period_to, self.question,
                         self.level, self.parent, self.state, self.domains, self.panel,
                         self.candidates)  # fmt: skip


def _state(value: Any) -> str:
    if value in (None, ""):
        return "open"
    if value not in ("draft", "open"):
        raise ValueError("must be draft or open (a round is closed by closing it)")
    return value


def _parent(value: Any) -> str | None:
    if value in (None, ""):
        return None
    return text(value, 64)


def _candidates(value: Any) -> list[dict[str, str]]:
    found = []
    for n, item in enumerate(_items(value, "candidates"), 1):
        if not isinstance(item, dict) or not all(
            isinstance(item.get(k), str) and item.get(k) for k in ("record", "domain")
        ):
            raise ValueError(f"candidate {n} must be an object with a record and a domain")
        pair = {"record": item["record"].strip(), "domain": item["domain"].strip()}
        if pair not in found:
            found.append(pair)
    return found


_CHECKS = {
    "title": text,
    "period_from": clean_date,
    "period_to": clean_date,
    "question": lambda v: text(v, MAX_TEXT),
    "level": text,
    "parent": _parent,
    "state": _state,
    "domains": domains,
    "panel": panel,
    "candidates": _candidates,
}


def _check_against_store(ev: Evidence, request: RoundRequest, round_id: str = "") -> None:
    """The parent is another round; each candidate is a story of the period in one of the
    round's domains, or a choice of a round below; no internal story before a panel with
    members outside the team."""
    errors: dict[str, str] = {}
    if request.parent is not None:
        try:
            above = msc.get_round(ev.store, request.parent)
            if above.id == round_id:
                errors["parent"] = "cannot be the round itself"
        except NotFound:
            errors["parent"] = f"no round {request.parent[:64]!r}"
    problem = _candidates_problem(ev, request, round_id)
    if problem:
        errors["candidates"] = problem
    if errors:
        raise ValidationError(errors)


def _candidates_problem(ev: Evidence, request: RoundRequest, round_id: str) -> str:
    below = msc.child_rounds(ev.store, round_id) if round_id else []
    chosen_below = {c.record for cs in msc.choices_of(ev.store, [r.id for r in below]).values()
                    for c in cs if c.record}  # fmt: skip
    domain_ids = {d["id"] for d in request.domains}
    for candidate in request.candidates:
        record_id = candidate["record"]
        if candidate["domain"] not in domain_ids:
            return f"{record_id}: no domain {candidate['domain'][:64]!r} in this round"
        try:
            record = ev.store.get(record_id)
        except NotFound:
            return f"no record {record_id[:64]!r}"
        in_period = request.period_from <= record.date <= request.period_to
        if record_id not in chosen_below and not (record.type == "family_story" and in_period):
            return (f"{record_id} is neither a family story of the period nor a choice of a "
                    "round below")  # fmt: skip
        if record.consent == "internal" and outside_the_team(request.panel):
            return (f"{record_id} is internal: it cannot go before a panel with members who "
                    "are not the team")  # fmt: skip
    return ""


def create(ev: Evidence, data: Any, actor: str = "") -> msc.Round:
    """A new round (open unless sent as a draft)."""
    request = RoundRequest.parse(data)
    _check_against_store(ev, request)
    return msc.add_round(ev.store, request.stored(), actor)


def change(ev: Evidence, round_id: str, data: Any, actor: str = "") -> msc.Round:
    """Change a round that is not closed (the whole round, as GET gives it)."""
    current = msc.get_round(ev.store, round_id)
    if current.state == "closed":
        raise msc.RoundClosed(round_id)
    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if k in ROUND_FIELDS}
    request = RoundRequest.parse(data)
    _check_against_store(ev, request, round_id)
    return msc.change_round(ev.store, request.stored(round_id), actor)


def close(ev: Evidence, round_id: str, actor: str = "") -> msc.Round:
    """Close a round: it is frozen from now on."""
    return msc.close_round(ev.store, round_id, actor)
