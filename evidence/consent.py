"""Who may see a record, and how: the one place consent is applied.

Every read path — pages, API, search documents, snippets, exports, learning updates — asks
``present(record, audience)``. ``internal`` is the team (editors, admins); ``external`` is
anyone outside it (viewers, external learning updates).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from .model import Record
from .names import find_names, may_hold, name_stop, replace_found, replace_names

INTERNAL = "internal"
EXTERNAL = "external"
AUDIENCES = (INTERNAL, EXTERNAL)
ROLE_AUDIENCE = {"admin": INTERNAL, "editor": INTERNAL, "viewer": EXTERNAL}


def audience_for_role(role: str | None) -> str:
    """The audience a role reads as; anything unknown reads as the most restricted."""
    return ROLE_AUDIENCE.get(role or "", EXTERNAL)


def widest_consent(record: Record) -> str:
    """The widest consent a record may have: a learning update made for the team holds the
    team's text whatever its consent says, so its audience decides (``internal``); any other
    record may be public."""
    if record.type == "learning_update" and record.fields.get("audience") != EXTERNAL:
        return INTERNAL
    return "public"


def held_consent(record: Record) -> str:
    """The consent outside readers are held to: a family's story no editor has accepted yet
    is the team's alone (``internal``) whatever the family chose; else the record's own."""
    return INTERNAL if record.status == "submitted" else record.consent


def visible(record: Record | dict, audience: str) -> bool:
    """Whether the audience may see the record at all (a learning update made for the team,
    or a family's story not yet accepted, is the team's alone, whatever its consent)."""
    if audience == INTERNAL:
        return True
    if isinstance(record, dict):
        consent, kind, fields = record["consent"], record.get("type"), record.get("fields") or {}
        if record.get("status") == "submitted":
            return False
    else:
        consent, kind, fields = record.consent, record.type, record.fields
        if record.status == "submitted":
            return False
    if kind == "learning_update" and fields.get("audience") != EXTERNAL:
        return False
    return consent in ("anonymised", "public")


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


def redact_text(text: str, people: list[str] | tuple[str, ...]) -> str:
    """Replace every name of ``people`` (whole, or any part, in any spelling) with its label."""
    return replace_names(text, people, label)


def _redact_value(value: Any, people: list[str]) -> Any:
    if isinstance(value, str):
        return redact_text(value, people)
    if isinstance(value, list):
        return [_redact_value(v, people) for v in value]
    if isinstance(value, dict):
        return {k: _redact_value(v, people) for k, v in value.items()}
    return value


def _texts(value: Any, into: list[str]) -> list[str]:
    """Every string in ``value`` (a field's value: text, numbers, lists and dicts of them)."""
    if isinstance(value, str):
        into.append(value)
    elif isinstance(value, (list, dict)):
        for v in value.values() if isinstance(value, dict) else value:
            if isinstance(v, str):  # most values: no call for them
                into.append(v)
            elif isinstance(v, (list, dict)):
                _texts(v, into)
    return into


def redact(record: Record, body: bool = True) -> Record:
    """A copy of the record with every name in ``people`` replaced, and no people list
    (``body=False``: and no body, for a reader that never shows it)."""
    people = record.people
    text = record.body if body else ""
    texts = [record.title, text, *record.quotes, *record.tags, record.author]
    if not may_hold(_texts(record.fields, texts), people):
        # No name of theirs is written anywhere in it.
        return record.but(people=[], body=text) if people or not body else record
    return record.but(
        title=redact_text(record.title, people),
        body=_BODIES.up_to(text, tuple(people), len(text))[1],  # its excerpts are placed next
        quotes=[redact_text(q, people) for q in record.quotes],
        tags=[redact_text(t, people) for t in record.tags],
        fields=_redact_value(record.fields, people),
        author=redact_text(record.author, people),
        people=[],
    )


def present(record: Record, audience: str, body: bool = True) -> Record | None:
    """The record as ``audience`` may see it, or None if it may not see it at all
    (``body=False``: without its body, for a reader that never shows it)."""
    if audience != INTERNAL and not visible(record, audience):
        return None
    if audience != INTERNAL and record.consent == "anonymised":
        return redact(record, body)
    if not body and record.body:
        return record.but(body="")
    return record


def present_excerpt(
    excerpt: dict[str, Any], record: Record, audience: str, attachment: Any = None
) -> dict[str, Any] | None:
    """An excerpt (its API dict) as ``audience`` may see it, or None where its record is not
    shown: outside the team names are replaced as in the record, ``text``, ``start`` and
    ``end`` refer to the text that reader sees, and the memo (the team's analysis) is left out.
    A detached excerpt (its words edited out of the record) is the team's alone: its words are
    no longer in the record a reader outside the team sees, nor are the names they held.
    An excerpt of an attachment's text (``source`` ``attachment:ID``; ``attachment`` is that
    attachment, None if gone) is shown only where the attachment is (``present_attachment``),
    counted on its text as that reader sees it."""
    if record.deleted_at or (audience != INTERNAL and not visible(record, audience)):
        return None
    source = str(excerpt.get("source") or "body")
    if source != "body":
        return _present_attachment_excerpt(excerpt, record, audience, source, attachment)
    if audience == INTERNAL:
        return excerpt
    if excerpt.get("start") is None or excerpt.get("end") is None:
        return None
    shown = {k: v for k, v in excerpt.items() if k != "memo"}
    if record.consent == "anonymised" and record.people:
        shown["author"] = redact_text(str(excerpt.get("author") or ""), record.people)
        shown.update(_redacted_passage(record.body, record.people, excerpt))
    return shown


def _present_attachment_excerpt(
    excerpt: dict[str, Any], record: Record, audience: str, source: str, attachment: Any
) -> dict[str, Any] | None:
    """An excerpt of an attachment's text: hidden with its attachment; outside the team
    redacted as the attachment's text is (the narrower of its and its record's consent)."""
    if attachment is None or source != f"attachment:{attachment.id}":
        return None
    if attachment.record_id != record.id:
        return None
    shown_file = present_attachment(attachment, record, audience)
    if shown_file is None:
        return None
    if audience == INTERNAL:
        return excerpt
    if excerpt.get("start") is None or excerpt.get("end") is None:
        return None
    shown = {k: v for k, v in excerpt.items() if k != "memo"}
    if shown_file.consent == "anonymised" and record.people:
        shown["author"] = redact_text(str(excerpt.get("author") or ""), record.people)
        shown.update(_redacted_passage(attachment.text, record.people, excerpt, _FILES))
    return shown


def _redacted_passage(
    body: str, people: list[str], excerpt: dict[str, Any], read: _Redactions | None = None
) -> dict[str, Any]:
    """The passage's words and place in the body as redacted (``redact_text`` of the body,
    from the same matcher's spans: a name cut by the passage's edge is taken whole).

    Only the body up to the passage's end matters: the matcher reads it up to the first
    place after that no name crosses (``name_stop``), as far as it has not read it already
    for an earlier passage (:class:`_Redactions`)."""
    start, end = excerpt["start"], excerpt["end"]
    spans, shown = (read or _BODIES).up_to(body, tuple(people), name_stop(body, end))
    new_start, new_end = _moved(start, spans, "start"), _moved(end, spans, "end")
    return {"start": new_start, "end": new_end, "text": shown[new_start:new_end]}


class _Redactions:
    """Texts' name spans and redacted words as far as they have been read, for the next
    passages of a text: a code's page presents hundreds of passages, mostly one a record,
    each needing its record only up to its end; a record's own list of passages reads the
    whole text once, at its second passage, and no more."""

    def __init__(self, kept: int) -> None:
        self._kept: OrderedDict[tuple, tuple[int, list, str]] = OrderedDict()
        self._size = kept
        self._lock = threading.Lock()

    def up_to(
        self, text: str, people: tuple[str, ...], cut: int
    ) -> tuple[list[tuple[int, int, int]], str]:
        """The spans and redacted words of ``text`` read at least up to ``cut`` (a place no
        name crosses): spans past it do not move anything before it."""
        key = (text, people)
        with self._lock:
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
        if found is not None and found[0] >= cut:
            return found[1], found[2]
        if found is not None:  # a second passage further on: read the whole text once
            cut = len(text)
        spans, shown = _redacted_body(text[:cut], people)
        with self._lock:
            self._kept[key] = (cut, spans, shown)
            while len(self._kept) > self._size:
                self._kept.popitem(last=False)
        return spans, shown


def _redacted_body(body: str, people: tuple[str, ...]) -> tuple[list[tuple[int, int, int]], str]:
    """A text's name spans and its redacted words."""
    spans = find_names(body, list(people))
    return spans, replace_found(body, spans, label)


_BODIES = _Redactions(256)
_FILES = _Redactions(8)  # fewer kept: a report's text may run to hundreds of pages


def _moved(position: int, spans: list[tuple[int, int, int]], side: str) -> int:
    """Where ``position`` of the body lands in the body with each name span replaced by its
    label (inside a name: at the label's start for a passage's start, its end for its end)."""
    shift = 0
    for start, end, person in spans:
        if end <= position or (side == "end" and start < position < end):
            shift += len(label(person)) - (end - start)
            if end > position:  # an end inside a name: after its label
                return end + shift
        elif start < position:  # a start inside a name: at its label
            return start + shift
        else:
            break
    return position + shift


def present_rating(
    rating: dict[str, Any],
    linked: Iterable[tuple[str, list[str]]],
    audience: str,
) -> dict[str, Any] | None:
    """A progress rating as ``audience`` may see it, or None if it may not see it at all.

    ``linked`` is (consent, people) of every record the rating links, whatever that record's
    date, consent or state. An ``internal`` rating stays in the team; an ``anonymised`` one
    has its own people's names and those of every linked record replaced; a ``public`` one
    keeps its own people's names but not those of the linked records that are not public.
    """
    if audience == INTERNAL:
        return rating
    consent = rating.get("consent") or "anonymised"
    if consent not in ("anonymised", "public"):
        return None
    linked = list(linked)
    names = list(rating.get("people") or []) if consent == "anonymised" else []
    for record_consent, people in linked:
        if consent == "anonymised" or record_consent != "public":
            names.extend(people)
    rationale = redact_text(str(rating.get("rationale") or ""), names)
    return {**rating, "rationale": rationale, "people": []}


def narrower(first: str, second: str) -> str:
    """The narrower of two consent levels (``internal`` < ``anonymised`` < ``public``)."""
    order = ("internal", "anonymised", "public")
    return min(first, second, key=lambda c: order.index(c) if c in order else -1)


def present_attachment(attachment: Any, record: Record, audience: str) -> Any | None:
    """An attachment (``evidence.attachments.Attachment``) as ``audience`` may see it, or None.

    Its consent as read is the narrower of its own and its record's. Hidden with a record
    soft-deleted or not shown; outside the team an ``internal`` one is hidden, an
    ``anonymised`` one shows its name and text with the record's people replaced (and no hash:
    the bytes it would vouch for are never shown), a ``public`` one is shown as it is."""
    if record.deleted_at or attachment.deleted_at:
        return None
    consent = narrower(attachment.consent, record.consent)
    shown = attachment.but(consent=consent) if consent != attachment.consent else attachment
    if audience == INTERNAL:
        return shown
    if not visible(record, audience) or consent not in ("anonymised", "public"):
        return None
    if consent == "public":
        return shown
    text = redact_text(attachment.text, record.people) if record.people else attachment.text
    name = redact_text(attachment.name, record.people) if record.people else attachment.name
    return shown.but(text=text, text_chars=len(text), name=name, sha256="")


def attachment_file_shown(attachment: Any, audience: str) -> bool:
    """Whether a presented attachment's bytes may be served: to the team, or a public one
    (an anonymised file cannot be redacted, so only its text goes outside the team)."""
    return audience == INTERNAL or attachment.consent == "public"
