"""The codebook: the team's codes beside the plan's objectives and indicators.

The plan's codes are read-only (the plan owns them): the plan in force today, plus the codes
of other plans an excerpt uses. Their ``guid`` is derived from the code, so it is the same
in every data dir; their ``name`` begins with the code. Counts are of the excerpts the
reader may see (``evidence.coding.count_by_code`` with the reader's consent levels).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from evidence import coding
from evidence.coding import Code
from evidence.consent import visible_consents
from evidence.model import NotFound, ValidationError
from evidence.validate import ID_PATTERN, check_characters, without_controls

if TYPE_CHECKING:
    from learning.services import Evidence

# The plan's codes' guids: uuid5 of this namespace and the code (never change it: REFI-QDA
# files and other data dirs know the plan's codes by these).
PLAN_NAMESPACE = uuid.UUID("5b0e7a52-3c1f-5d8e-9a41-0f6c2b7d9e13")
RESERVED = ("agreement", "export", "import")  # pages and commands of the codebook
COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
MAX_NAME = 200
MAX_DESCRIPTION = 5_000
FIELDS = ("id", "name", "description", "colour", "parent", "codable")


def plan_guid(code: str) -> str:
    """The guid of a plan's objective or indicator: the same in every data dir."""
    return str(uuid.uuid5(PLAN_NAMESPACE, code))


def plan_codes(ev: Evidence) -> list[Code]:
    """Today's plan's objectives (not codable) and indicators, and other plans' codes that
    an excerpt uses."""
    found: dict[str, Code] = {}
    used = coding.codes_in_use(ev.store)
    today = ev.framework
    for plan in [ev.plan_on(None), *ev.plans]:
        for objective in plan.framework.objectives:
            for code in (objective, *objective.indicators):
                if code.code in found or (plan.framework is not today and code.code not in used):
                    continue
                parent = getattr(code, "objective", None)
                if parent is not None and parent not in found:
                    found[parent] = _plan_code(objective.code, objective.text, None)
                found[code.code] = _plan_code(code.code, code.text, parent)
    return list(found.values())


def _plan_code(code: str, text: str, parent: str | None) -> Code:
    return Code(code, f"{code} {text}", plan_guid(code), "", None, parent, parent is not None)


def all_codes(ev: Evidence) -> dict[str, Code]:
    """Every code of the codebook by id: the plan's first, then the team's."""
    codes = {c.id: c for c in plan_codes(ev)}
    codes.update((c.id, c) for c in coding.team_codes(ev.store))
    return codes


def is_plans(code: Code) -> bool:
    """Whether the code is the plan's (read-only)."""
    return code.guid == plan_guid(code.id)


def as_dict(code: Code, count: int) -> dict[str, Any]:
    """A code as the API shows it."""
    return {"id": code.id, "guid": code.guid, "name": code.name,
            "description": code.description, "colour": code.colour, "parent": code.parent,
            "codable": code.codable, "excerpts": count}  # fmt: skip


def codebook(ev: Evidence, audience: str) -> list[dict[str, Any]]:
    """Every code with how many excerpts the audience may see."""
    counts = coding.count_by_code(ev.store, visible_consents(audience))
    return [as_dict(c, counts.get(c.id, 0)) for c in all_codes(ev).values()]


def one(
    ev: Evidence, code_id: str, audience: str, known: dict[str, Code] | None = None
) -> dict[str, Any]:
    """One code with its count; NotFound if the codebook has none (``known``: the codebook
    as :func:`all_codes` read it for this request)."""
    code = (all_codes(ev) if known is None else known).get(code_id)
    if code is None:
        raise NotFound(f"code {code_id}")
    counts = coding.count_by_code(ev.store, visible_consents(audience))
    return as_dict(code, counts.get(code.id, 0))


def family(ev: Evidence, code_id: str, known: dict[str, Code] | None = None) -> list[str]:
    """The code and every code under it, at any depth."""
    children: dict[str | None, list[str]] = {}
    for code in (all_codes(ev) if known is None else known).values():
        children.setdefault(code.parent, []).append(code.id)
    found, todo = [], [code_id]
    while todo:
        current = todo.pop()
        if current not in found:
            found.append(current)
            todo.extend(children.get(current, []))
    return found


@dataclass
class CodeRequest:
    """A code as a client sends it (create, or the whole code to change)."""

    id: str
    name: str
    description: str = ""
    colour: str | None = None
    parent: str | None = None
    codable: bool = True

    @classmethod
    def parse(cls, data: Any, known: dict[str, Code]) -> CodeRequest:
        """Check every field (naming each that is wrong) against the codebook ``known``."""
        if not isinstance(data, dict):
            raise ValidationError("code", "must be a JSON object")
        errors: dict[str, str] = {}
        values = {k: _field(k, data.get(k), known, errors) for k in FIELDS if k in data}
        for required in ("id", "name"):
            if required not in data:
                errors[required] = "is required"
        if errors:
            raise ValidationError(errors)
        return cls(**values)

    def code(self, guid: str = "") -> Code:
        return Code(self.id, self.name, guid, self.description, self.colour, self.parent,
                    self.codable)  # fmt: skip


def _field(name: str, value: Any, known: dict[str, Code], errors: dict[str, str]) -> Any:
    try:
        return _CHECKS[name](value, known)
    except ValueError as problem:
        errors[name] = str(problem)
        return None


def _text(value: Any, limit: int, required: bool) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise ValueError("must be text")
    check_characters(value)
    value = without_controls(value)  # as a record's text: every document can hold it
    value = " ".join(value.split()) if limit == MAX_NAME else value.strip()
    if required and not value:
        raise ValueError("is required")
    if len(value) > limit:
        raise ValueError(f"is too long ({len(value)} characters; at most {limit})")
    return value


def _id(value: Any, known: dict[str, Code]) -> str:
    if not isinstance(value, str) or not ID_PATTERN.match(value):
        raise ValueError("must be 1–64 letters, digits, - or _")
    if value.lower() in RESERVED:
        raise ValueError(f"{value} is a word the codebook's pages use; choose another id")
    return value


def _colour(value: Any, known: dict[str, Code]) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not COLOUR.match(value):
        raise ValueError(f"must be a colour written #RRGGBB (not {str(value)[:20]!r})")
    return value.upper()


def _parent(value: Any, known: dict[str, Code]) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or value not in known:
        raise ValueError(f"no code {str(value)[:64]!r} in the codebook")
    return value


def _codable(value: Any, known: dict[str, Code]) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


_CHECKS = {
    "id": _id,
    "name": lambda v, _k: _text(v, MAX_NAME, True),
    "description": lambda v, _k: _text(v, MAX_DESCRIPTION, False),
    "colour": _colour,
    "parent": _parent,
    "codable": _codable,
}


def _team_code(known: dict[str, Code], code_id: str) -> Code:
    """A code of the team's; NotFound if none, refused if the plan's."""
    code = known.get(code_id)
    if code is None:
        raise NotFound(f"code {code_id}")
    if is_plans(code):
        raise ValidationError("id", f"{code_id} is the plan's: only a new plan changes it")
    return code


def create(ev: Evidence, data: Any, actor: str = "") -> dict[str, Any]:
    """Add a code of the team's (a new guid, kept for ever)."""
    known = all_codes(ev)
    request = CodeRequest.parse(data, known)
    held = {o.code for plan in ev.plans for o in plan.framework.objectives}
    if request.id in known or request.id in held or request.id in ev.plans.codes()["indicators"]:
        raise ValidationError("id", f"a code with id {request.id} already exists")
    code = coding.add_code(ev.store, request.code(), str(uuid.uuid4()), actor)
    return as_dict(code, 0)


def change(ev: Evidence, code_id: str, data: Any, actor: str = "") -> dict[str, Any]:
    """Rename, describe, recolour or move a code of the team's (``data``: the whole code, as
    GET gives it; ``guid`` and ``excerpts`` are ignored)."""
    known = all_codes(ev)
    current = _team_code(known, code_id)
    if isinstance(data, dict):
        data = {"id": code_id, **{k: v for k, v in data.items() if k not in ("guid", "excerpts")}}
    request = CodeRequest.parse(data, known)
    if request.id != code_id:
        raise ValidationError("id", "does not match the code being saved")
    code = coding.change_code(ev.store, replace(request.code(), guid=current.guid), actor)
    ev.sync_index()
    return one(ev, code.id, "internal")


def edit(ev: Evidence, code_id: str, actor: str = "", **changes: Any) -> dict[str, Any]:
    """Change some of a team code's fields (the command line's rename and move)."""
    current = _team_code(all_codes(ev), code_id)
    data = {k: getattr(current, k) for k in FIELDS}
    return change(ev, code_id, {**data, **changes}, actor)


def merge(ev: Evidence, code_id: str, into: Any, actor: str = "") -> dict[str, Any]:
    """Move a team code's excerpts and codes to ``into`` and delete it (audited)."""
    known = all_codes(ev)
    _team_code(known, code_id)
    if not isinstance(into, str) or into not in known:
        raise ValidationError("into", f"no code {str(into)[:64]!r} in the codebook")
    if into == code_id or not known[into].codable:
        raise ValidationError("into", f"{into} cannot take {code_id}'s excerpts")
    coding.merge_code(ev.store, code_id, into, actor)
    ev.sync_index()
    return one(ev, into, "internal")


def delete(ev: Evidence, code_id: str, actor: str = "") -> None:
    """Delete a code of the team's; CodeInUse while excerpts use it."""
    _team_code(all_codes(ev), code_id)
    coding.delete_code(ev.store, code_id, actor)
