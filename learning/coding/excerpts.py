"""Excerpts: passages of a record's text coded with the codebook's codes, with memos.

A client sends ``start`` and ``end`` (code points of the record's body, or of one of its
attachments' kept text for ``source`` ``attachment:ID``, the end excluded) and the ``text`` it
means; the words are checked. An attachment's text never changes, so its excerpts are never
found again after an edit (only the body's are). Coding with an indicator the record does
not list adds it to the record (a new revision, judged by the plan of its date, in the same
transaction). Every excerpt a reader gets passes ``evidence.consent.present_excerpt``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from evidence import attachments, coding
from evidence.anchoring import anchor_for
from evidence.coding import Excerpt, ExcerptFilter
from evidence.consent import INTERNAL, present, present_excerpt, visible_consents
from evidence.model import NotFound, Record, ValidationError
from evidence.names import fold
from evidence.validate import ID_PATTERN, check_characters, clean_date, whole_number

from . import codebook

if TYPE_CHECKING:
    from learning.services import Evidence

BODY = "body"
ATTACHMENT = "attachment:"  # and the attachment's id: its kept text
MAX_MEMO = 20_000
MAX_PER_PAGE = 100
STATUSES = ("exact", "moved", "changed", "detached")
_WORD = re.compile(r"\w+")


@dataclass
class ExcerptRequest:
    """A passage to code (or an excerpt's new passage, codes and memo), as a client sends it."""

    start: int | None
    end: int | None
    text: str
    codes: list[str]
    memo: str | None = None
    source: str = BODY

    @classmethod
    def parse(cls, data: Any, body: str, known: dict[str, codebook.Code]) -> ExcerptRequest:
        """Check the passage against ``body`` (its source's text) and the codes against the
        codebook ``known``."""
        if not isinstance(data, dict):
            raise ValidationError("excerpt", "must be a JSON object")
        source = parse_source(data.get("source", BODY))
        start, end = _position(data, "start", body), _position(data, "end", body)
        if end <= start:
            raise ValidationError("end", f"must be after start ({start}): the passage is empty")
        text = data.get("text")
        if text != body[start:end]:
            raise ValidationError("text", f"is not the words from {start} to {end} of the text")
        return cls(start, end, text, _codes(data.get("codes"), known), _memo(data.get("memo")),
                   source)  # fmt: skip


def parse_source(source: Any) -> str:
    """``body`` or ``attachment:ID`` (an id's shape), else a 422 naming ``source``."""
    if source == BODY:
        return BODY
    if isinstance(source, str) and source.startswith(ATTACHMENT):
        if ID_PATTERN.match(source[len(ATTACHMENT) :]):
            return source
    raise ValidationError("source", f"must be body or attachment:ID (not {str(source)[:40]!r})")


def source_text(ev: Evidence, record: Record, source: Any) -> str:
    """The text a passage of ``source`` counts on: the record's body, or the kept text of a
    live attachment of this record (else a 422 naming ``source``)."""
    source = parse_source(source)
    if source == BODY:
        return record.body
    attachment_id = source[len(ATTACHMENT) :]
    try:
        attachment = attachments.get(ev.store, attachment_id)
    except NotFound:
        attachment = None
    if attachment is None or attachment.record_id != record.id:
        raise ValidationError("source", f"record {record.id} has no attachment {attachment_id}")
    return attachment.text


def _position(data: dict, name: str, body: str) -> int:
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(name, "must be a whole number (a position in the text)")
    if not 0 <= value <= len(body):
        raise ValidationError(name, f"must be from 0 to {len(body)} (the text's length)")
    return value


def _codes(value: Any, known: dict[str, codebook.Code]) -> list[str]:
    if not isinstance(value, list) or not value:
        raise ValidationError("codes", "must list at least one code")
    for code in value:
        if not isinstance(code, str) or code not in known:
            raise ValidationError("codes", f"no code {str(code)[:64]!r} in the codebook")
        if not known[code].codable:
            raise ValidationError("codes", f"{code} is not codable (it only groups codes)")
    return list(dict.fromkeys(value))


def _memo(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValidationError("memo", "must be text")
    try:
        check_characters(value)
    except ValueError as problem:
        raise ValidationError("memo", str(problem)) from None
    if len(value) > MAX_MEMO:
        raise ValidationError("memo", f"is too long ({len(value)} characters; at most {MAX_MEMO})")
    return value.strip() or None


def _with_indicators(ev: Evidence, record: Record, codes: list[str]) -> Record | None:
    """The record with the indicators among ``codes`` it lacks (validated), or None."""
    indicators = set(ev.reading_framework.indicators)
    missing = [c for c in codes if c in indicators and c not in record.indicators]
    if not missing:
        return None
    return ev.validate({**record.to_dict(), "indicators": [*record.indicators, *missing]})


def code_passage(ev: Evidence, record_id: str, data: Any, coder: str) -> dict[str, Any]:
    """Code a passage of a record's body or of an attachment's text; the excerpt as the team
    sees it."""
    record = ev.store.get(record_id)
    if not isinstance(data, dict):
        raise ValidationError("excerpt", "must be a JSON object")
    text = source_text(ev, record, data.get("source", BODY))
    request = ExcerptRequest.parse(data, text, codebook.all_codes(ev))
    anchor = anchor_for(text, request.start, request.end)  # type: ignore[arg-type]
    excerpt = Excerpt("", record.id, anchor.text, request.codes, request.source, anchor.start,
                      anchor.end, anchor.prefix, anchor.suffix, "exact", request.memo,
                      coder)  # fmt: skip
    saved = coding.add_excerpt(ev.store, excerpt, _with_indicators(ev, record, request.codes),
                               record.revision, coder)  # fmt: skip
    # The record's search document is queued in the same write; the next search applies it
    # (Evidence.search syncs first), so a coder's save does not wait for the index.
    return saved.to_dict()


def find_words(body: str, words: str, occurrence: int | None) -> dict[str, Any]:
    """The passage of ``body`` that is ``words`` (its ``occurrence``-th, counted from 1)."""
    places = [m.start() for m in re.finditer(re.escape(words), body)] if words else []
    if not places:
        raise ValidationError("text", f"{words[:80]!r} is not in the text")
    if occurrence is None and len(places) > 1:
        raise ValidationError(
            "occurrence",
            f"the words are in the text {len(places)} times: say which (1–{len(places)})",
        )
    index = (occurrence or 1) - 1
    if not 0 <= index < len(places):
        raise ValidationError("occurrence", f"must be from 1 to {len(places)}")
    start = places[index]
    return {"start": start, "end": start + len(words), "text": words}


def get(ev: Evidence, excerpt_id: str, audience: str) -> dict[str, Any]:
    """One excerpt as the audience may see it; NotFound where its record is not shown."""
    excerpt = _stored(ev, excerpt_id)
    held = coding.source_attachments(ev.store, [excerpt]).get(excerpt.source)
    record = ev.store.get(excerpt.record, True)
    shown = present_excerpt(excerpt.to_dict(), record, audience, held)
    if shown is None:
        raise NotFound(f"excerpt {excerpt_id}")
    return shown


def _stored(ev: Evidence, excerpt_id: str) -> Excerpt:
    if not isinstance(excerpt_id, str) or not ID_PATTERN.match(excerpt_id):
        raise NotFound(f"excerpt {str(excerpt_id)[:64]}")
    return coding.get_excerpt(ev.store, excerpt_id)


def change(ev: Evidence, excerpt_id: str, data: Any, coder: str) -> dict[str, Any]:
    """Change an excerpt's codes, memo or passage (``data``: the excerpt as GET gives it; a
    detached one's passage is left as it is while ``start`` and ``end`` stay null)."""
    current = _stored(ev, excerpt_id)
    record = ev.store.get(current.record)  # a soft-deleted record's excerpts are hidden
    if not isinstance(data, dict):
        raise ValidationError("excerpt", "must be a JSON object")
    asked = {**current.to_dict(), **data}
    known = codebook.all_codes(ev)
    if asked.get("start") is None and asked.get("end") is None and current.start is None:
        codes, memo = _codes(asked.get("codes"), known), _memo(asked.get("memo"))
        changed = Excerpt(**{**current.__dict__, "codes": codes, "memo": memo})
    else:
        asked["source"] = current.source  # a passage stays on its text
        text = source_text(ev, record, current.source)
        request = ExcerptRequest.parse(asked, text, known)
        anchor = anchor_for(text, request.start, request.end)  # type: ignore[arg-type]
        changed = Excerpt(current.id, record.id, anchor.text, request.codes, current.source,
                          anchor.start,
                          anchor.end, anchor.prefix, anchor.suffix, _kept_status(current, anchor),
                          request.memo, current.author)  # fmt: skip
    saved = coding.change_excerpt(ev.store, changed, _with_indicators(ev, record, changed.codes),
                                  record.revision, coder)  # fmt: skip
    return saved.to_dict()  # the index catches up before the next search, as for a new passage


def _kept_status(current: Excerpt, anchor: Any) -> str:
    """An excerpt set on words again by an editor is exact; one left where it was keeps its."""
    same = (current.start, current.end) == (anchor.start, anchor.end)
    return current.status if same else "exact"


def delete(ev: Evidence, excerpt_id: str, actor: str) -> None:
    """Delete an excerpt and its memo (its record's search document loses its codes)."""
    current = _stored(ev, excerpt_id)
    ev.store.get(current.record)
    coding.delete_excerpt(ev.store, excerpt_id, actor)  # the index catches up before a search


def of_record(ev: Evidence, record_id: str, audience: str) -> list[dict[str, Any]]:
    """A record's excerpts as the audience may see them; NotFound if it may not see it."""
    ev.get(record_id, audience)
    return find(ev, ExcerptQuery(record=record_id, per_page=None), audience)["excerpts"]


@dataclass
class ExcerptQuery:
    """What ``GET /api/excerpts`` and ``wm2u excerpts`` ask for (``per_page`` None: all)."""

    code: str | None = None
    indicator: list[str] = field(default_factory=list)
    record: str | None = None
    locality: list[str] = field(default_factory=list)
    date_from: str | None = None
    date_to: str | None = None
    q: str = ""
    coder: str | None = None
    status: str | None = None
    page: int = 1
    per_page: int | None = 50

    @classmethod
    def parse(cls, args: Mapping[str, Any], all_pages: bool = False) -> ExcerptQuery:
        """Read the query's arguments (each a string, or a list for indicator and locality)."""
        errors: dict[str, str] = {}
        query = cls(per_page=None if all_pages else 50)
        for name in ("code", "record", "coder", "status", "q"):
            value = args.get(name)
            if isinstance(value, list):
                value = value[0] if value else None
            if value:
                setattr(query, name, str(value)[:500])
        for name in ("indicator", "locality"):
            value = args.get(name) or []
            setattr(query, name, [value] if isinstance(value, str) else [v for v in value if v])
        if query.status and query.status not in STATUSES:
            errors["status"] = f"must be one of {', '.join(STATUSES)}"
        for name, attr in (("from", "date_from"), ("to", "date_to")):
            if args.get(name):
                try:
                    setattr(query, attr, clean_date(args[name]))
                except ValueError:
                    errors[name] = "must be a date written YYYY-MM-DD"
        for name, highest in (("page", 10**6), ("per_page", MAX_PER_PAGE)):
            if args.get(name) not in (None, "") and not all_pages:
                number = whole_number(str(args[name]))
                if number is None or not 1 <= number <= highest:
                    errors[name] = f"must be a whole number from 1 to {highest}"
                else:
                    setattr(query, name, number)
        if errors:
            raise ValidationError(errors)
        return query


def find(ev: Evidence, query: ExcerptQuery, audience: str) -> dict[str, Any]:
    """The excerpts matching ``query`` that the audience may see, as it may see them, one
    page, with their records; ``{"total", "page", "per_page", "excerpts"}``."""
    wanted = ExcerptFilter(indicator=query.indicator or None, record=query.record,
                           locality=query.locality or None, date_from=query.date_from,
                           date_to=query.date_to, status=query.status,
                           consents=visible_consents(audience))  # fmt: skip
    # Outside the team the coder is matched as shown (a coder named in an anonymised record
    # reads "Person A"), so it is checked on the presented excerpts, like ``q``.
    by_shown_coder = bool(query.coder) and audience != INTERNAL
    if query.coder and not by_shown_coder:
        wanted.coder = query.coder
    if query.code is not None:
        if query.code not in codebook.all_codes(ev):
            raise ValidationError("code", f"no code {query.code[:64]!r} in the codebook")
        wanted.codes = codebook.family(ev, query.code)
    per_page, offset = query.per_page, (query.page - 1) * (query.per_page or 0)
    if query.q or by_shown_coder:  # as the reader sees them: every match read, then paged
        _, stored = coding.find_excerpts(ev.store, wanted)
        shown = [s for s in _shown(ev, stored, audience)
                 if _has_words(s["text"], query.q or "")
                 and (not by_shown_coder or s["author"] == query.coder)]  # fmt: skip
        total, shown = len(shown), shown[offset : offset + per_page if per_page else None]
    else:
        total, stored = coding.find_excerpts(ev.store, wanted, per_page, offset)
        shown = _shown(ev, stored, audience)
    return {"total": total, "page": query.page, "per_page": per_page or total,
            "excerpts": shown}  # fmt: skip


def _shown(ev: Evidence, stored: list[Excerpt], audience: str) -> list[dict[str, Any]]:
    """Each excerpt as the audience may see it, with its record's id, title, type, date and
    locality as shown."""
    records: dict[str, Record] = {}
    held = coding.source_attachments(ev.store, stored)
    out = []
    for excerpt in stored:
        if excerpt.record not in records:
            records[excerpt.record] = ev.store.get(excerpt.record, True)
        record = records[excerpt.record]
        shown = present_excerpt(excerpt.to_dict(), record, audience, held.get(excerpt.source))
        heading = present(record, audience, body=False)
        if shown is None or heading is None:
            continue
        shown["record"] = {"id": heading.id, "title": heading.title, "type": heading.type,
                           "date": heading.date, "locality": heading.locality}  # fmt: skip
        out.append(shown)
    return out


def _has_words(text: str, q: str) -> bool:
    """Whether every word of ``q`` is a word of ``text`` (case and accents folded)."""
    words = set(_WORD.findall(fold(text)))
    return all(w in words for w in _WORD.findall(fold(q)))
