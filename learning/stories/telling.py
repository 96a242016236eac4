"""A family's story: the form's send, the thank-you's receipt, withdrawing and deleting.

Nothing here knows who sent a story: the sender's address is used for the send limit only
(``learning.web.tell``) and never reaches the store; the audit names the invitation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from evidence import signification
from evidence import stories as store
from evidence.consent import EXTERNAL
from evidence.model import NotFound, Record, ValidationError
from evidence.stories import Closed, Sent
from evidence.validate import MAX_TITLE, clean_text
from learning import msc

if TYPE_CHECKING:
    from learning.services import Evidence

MAX_STORY = 20_000  # characters a family may send in all (their story and what changed)
MAX_CONTACT = 500
MAX_NAMES = 50
HONEYPOT = "website"  # a field people never see; robots fill it in
CONSENT_WORDS = {  # the form's plain words for each consent level
    "internal": "Only the WM2U team may read it.",
    "anonymised": "It may be shared without our names.",
    "public": "It may be shared with our names.",
}


def _text(value: Any, limit: int, name: str, multiline: bool = True) -> str:
    try:
        return clean_text(value if value is not None else "", limit, multiline)
    except Exception as problem:
        raise ValidationError(name, str(problem)) from None


@dataclass
class StoryRequest:
    """A story as the form sends it (the contract's field names)."""

    body: str = ""
    title: str = ""
    what_changed: str = ""
    consent: str | None = None
    people: str = ""
    triad: str | None = None
    slider1: str | None = None
    slider2: str | None = None
    contact: str = ""
    robot: bool = field(default=False, repr=False)

    @classmethod
    def parse(cls, form: Any) -> StoryRequest:
        """From the posted form (any field missing counts as left empty)."""
        keys = ("body", "title", "what_changed", "consent", "people", "triad", "slider1",
                "slider2", "contact")  # fmt: skip
        values = {k: form.get(k) for k in keys if form.get(k) is not None}
        return cls(**values, robot=bool((form.get(HONEYPOT) or "").strip()))


def problems(asked: StoryRequest) -> dict[str, str]:
    """Every problem of a send, by field (empty when it may be kept)."""
    found: dict[str, str] = {}
    for check in (_story_text, _consent, _signification, _people_and_contact):
        try:
            check(asked)
        except ValidationError as exc:
            found.update(exc.errors)
    return found


def _story_text(asked: StoryRequest) -> None:
    body = _text(asked.body, MAX_STORY, "body")
    if not body:
        raise ValidationError("body", "Please write your story.")
    what_changed = _text(asked.what_changed, MAX_STORY, "what_changed")
    if len(body) + len(what_changed) > MAX_STORY:
        raise ValidationError(
            "body", f"Your story is too long: {len(body) + len(what_changed):,} characters. "
            f"Please keep it under {MAX_STORY:,}.",
        )  # fmt: skip
    _text(asked.title, MAX_TITLE, "title", multiline=False)


def _consent(asked: StoryRequest) -> None:
    store.check_consent(asked.consent)


def _signification(asked: StoryRequest) -> None:
    try:
        signification.from_form(vars(asked))
    except ValidationError as exc:
        message = (
            "The three parts must add up to the whole. Choose one of the answers."
            if exc.field == "triad" else "Choose one of the answers, or 'not sure'."
        )  # fmt: skip
        raise ValidationError(exc.field, message) from None


def _people_and_contact(asked: StoryRequest) -> None:
    names = [n for n in _text(asked.people, 5_000, "people").splitlines() if n.strip()]
    if len(names) > MAX_NAMES:
        raise ValidationError("people", f"Please list at most {MAX_NAMES} names.")
    _text(asked.contact, MAX_CONTACT, "contact")


def _record(asked: StoryRequest) -> Record:
    """The story as a record (the store adds the date, place, indicators and status)."""
    body = _text(asked.body, MAX_STORY, "body")
    title = _text(asked.title, MAX_TITLE, "title", multiline=False)
    if not title:  # the family's first words stand for a title they did not give
        first = " ".join(body.split())
        title = first if len(first) <= 60 else first[:57].rsplit(" ", 1)[0] + "…"
    people = [n.strip() for n in _text(asked.people, 5_000, "people").splitlines() if n.strip()]
    fields: dict[str, Any] = {"signification": signification.from_form(vars(asked))}
    what_changed = _text(asked.what_changed, MAX_STORY, "what_changed")
    if what_changed:
        fields["what_changed"] = what_changed
    return Record(
        type="family_story", title=title, date="", consent=str(asked.consent), indicators=[],
        author="", people=list(dict.fromkeys(people)), body=body, fields=fields,
    )  # fmt: skip


def opened(ev: Evidence, token: str) -> store.Invitation:
    """The invitation a link opens, if it takes stories; NotFound if unknown, Closed if not."""
    invitation = store.invitation_by_token(ev.store, token)
    if why := invitation.closed(dt.date.today().isoformat()):
        raise Closed(why)
    return invitation


def send(ev: Evidence, token: str, asked: StoryRequest) -> Sent | None:
    """Keep a family's story (None for a robot's: nothing kept, the invitation not used).
    ValidationError (every problem) if it may not be kept; nothing is kept then."""
    opened(ev, token)
    found = problems(asked)
    if found:
        raise ValidationError(found)
    if asked.robot:
        return None
    contact = _text(asked.contact, MAX_CONTACT, "contact")
    # Its index entry is queued in the same write and applied before the next search (a
    # submitted story is found by the team alone): the family does not wait for the index.
    return store.save_story(ev.store, token, _record(asked), contact)


@dataclass
class Receipt:
    """What a family sees of their story through its receipt."""

    record: Record
    accepted: bool
    withdrawn: bool
    quoted_in: list[str]  # titles of saved updates that show it
    chosen_in: list[str]  # where, by whom and why a Most Significant Change round chose it


def receipt(ev: Evidence, token: str) -> Receipt:
    """The story a receipt opens, and whether and how it has been used; NotFound if unknown."""
    record_id = store.story_by_receipt(ev.store, token)
    try:
        record = ev.store.get(record_id, include_deleted=True)
    except NotFound:
        raise NotFound("receipt") from None
    facts = store.story_facts(ev.store, record_id) or {}
    sent = store.as_sent(ev.store, record_id)
    return Receipt(
        sent, record.status == "accepted",
        facts.get("consent") == "internal" and sent.consent != "internal",
        store.quoted_in(ev.store, record_id),
        [f.sentence() for f in msc.chosen_for(ev, record_id, EXTERNAL)],
    )  # fmt: skip


def kept_apart(ev: Evidence, record: Record) -> dict[str, Any] | None:
    """What the team keeps beside a family's story (its invitation, the widest consent the
    family allows, how to reach them); None for a staff record. Never for outside readers."""
    if record.origin != "family":
        return None
    return store.story_facts(ev.store, record.id)


def withdraw(ev: Evidence, token: str) -> None:
    """The family takes their story back: internal at once, updates follow in the same write."""
    store.withdraw_story(ev.store, store.story_by_receipt(ev.store, token))
    ev.sync_index()


def delete(ev: Evidence, token: str) -> None:
    """The family has their story erased (as ``wm2u delete --purge``)."""
    ev.purge(store.story_by_receipt(ev.store, token), actor="family")
