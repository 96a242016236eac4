"""The rights service: one function per operation, shared by ``wm2u`` and ``/admin``."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from evidence import people as people_store
from evidence import retention
from evidence.consent import label
from evidence.model import ValidationError, utcnow
from evidence.names import find_names, same_person
from evidence.people_erasure import PersonErasure, erase_person
from evidence.validate import check_characters

if TYPE_CHECKING:
    from learning.services import Evidence

MAX_NAME = 200
RETENTION_ENV = "WM2U_RETENTION_YEARS"
EXPORT_HTML = "people/subject_access.html.j2"


@dataclass(frozen=True)
class PersonRequest:
    """One request about a person, as the command line and the admin pages hand it on."""

    name: str
    actor: str = ""
    dry_run: bool = False
    purge_records: bool = False

    def checked(self) -> PersonRequest:
        """The request with its name trimmed; ValidationError naming ``name`` if unusable."""
        name = " ".join(str(self.name or "").split())
        try:
            check_characters(name)
        except ValueError as problem:
            raise ValidationError("name", str(problem)) from None
        if not name:
            raise ValidationError("name", "is required (the person's name)")
        if len(name) > MAX_NAME:
            raise ValidationError("name", f"is longer than {MAX_NAME} characters")
        if not same_person(name):
            raise ValidationError("name", "holds no letters or digits")
        return PersonRequest(name, self.actor, self.dry_run, self.purge_records)


def people(evidence: Evidence) -> list[people_store.Person]:
    """Everyone named in records and ratings, spellings grouped, most named first."""
    return people_store.everyone(evidence.store)


@dataclass
class SubjectAccess:
    """Everything held about a person, other people's names replaced."""

    name: str
    spellings: list[str]
    items: list[dict[str, Any]]
    made_at: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "spellings": self.spellings, "made_at": self.made_at,
                "items": self.items}  # fmt: skip


def _hide_others(text: str, subject: list[str], others: list[str]) -> str:
    """``text`` with every other person's names replaced by their label, the subject's
    kept (where the two overlap, as siblings' surnames do, the subject's name wins)."""
    found = find_names(text, others)
    if not found:
        return text  # (the subject's own names are looked for only where others are)
    theirs = [(s, e) for s, e, _ in find_names(text, subject)]
    out, last = [], 0
    for start, end, person in found:
        if any(s < end and start < e for s, e in theirs):
            continue
        out += [text[last:start], label(person)]
        last = end
    return "".join(out) + text[last:]


def subject_access(evidence: Evidence, request: PersonRequest) -> SubjectAccess:
    """Every text naming the person, each saying where it came from, third parties hidden."""
    request = request.checked()
    found = people_store.find(evidence.store, request.name)
    keys = {same_person(s) for s in found.scope.spellings}
    listed = [p for m in found.mentions for p in m.listed]
    others = [p for p in dict.fromkeys(listed) if same_person(p) not in keys]
    # A text that belongs to nothing listing people (a code, an invitation, the audit) may
    # name anyone: everyone else listed anywhere is hidden there.
    everyone_else = [p for p in found.scope.others if same_person(p) not in keys]
    subject = found.scope.widest
    items = []
    for mention in found.mentions:
        item = mention.to_dict()
        hidden = others if mention.listed else everyone_else
        item["text"] = _hide_others(mention.text, subject, hidden)
        items.append(item)
    return SubjectAccess(request.name, found.scope.spellings, items, utcnow())


def export_zip(evidence: Evidence, access: SubjectAccess) -> bytes:
    """The subject access as a zip: a readable HTML document and the same as JSON."""
    from learning.updates.render import environment

    html = environment().get_template(EXPORT_HTML).render(access=access)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("subject-access.html", html)
        archive.writestr(
            "subject-access.json", json.dumps(access.to_dict(), ensure_ascii=False, indent=2)
        )
    return buffer.getvalue()


def erase(evidence: Evidence, request: PersonRequest) -> PersonErasure:
    """Erase every form of the person's name (or, dry run, say what would change)."""
    request = request.checked()
    done = erase_person(
        evidence.store, request.name, request.actor, request.purge_records, request.dry_run
    )
    if not request.dry_run:
        evidence.sync_index(wait=30.0)
    return done


def retention_years() -> int:
    """``WM2U_RETENTION_YEARS`` (default 7); ValueError naming it when it is not a number."""
    raw = os.environ.get(RETENTION_ENV, "").strip()
    if not raw:
        return retention.DEFAULT_YEARS
    if not raw.isdigit() or not 1 <= int(raw) <= 200:
        raise ValueError(f"{RETENTION_ENV} must be a whole number of years (1–200), not {raw!r}")
    return int(raw)


def due_for_review(evidence: Evidence) -> tuple[int, list[retention.Due]]:
    """The retention period in years, and the records past it waiting for review."""
    years = retention_years()
    return years, retention.due(evidence.store, years, dt.date.today())


def waiting_count(evidence: Evidence) -> int:
    """How many records wait for a retention review (0 if the period is set wrong)."""
    try:
        years = retention_years()
    except ValueError:
        return 0
    return retention.count_due(evidence.store, years, dt.date.today())


def keep(evidence: Evidence, record_id: str, until: str, reason: str, actor: str) -> None:
    """Keep a record past the period until a later date, for a reason."""
    retention.keep(evidence.store, record_id, until, reason, dt.date.today(), actor)
