"""The search document: one flat Whoosh document per record (the only record -> index map).

``title`` and ``body`` hold the text as written; ``body`` also holds the text of the record's
live attachments that readers outside the team may read (every attachment of a record they
never see). The text of an attachment hidden outside the team (``internal``, as the narrower
of its own and its record's consent) goes into ``attext``, which only the team's searches
read: no match, count, phrase or score outside the team ever comes from it.

Where some text is shown redacted outside the team (an ``anonymised`` record naming
someone, or an ``anonymised`` attachment of a record that has ``people``), the document also
gets ``xmask`` (the terms redaction removes: the names, in whatever spelling the text has
them), ``xadd`` (the terms it adds: "person"), ``xtag`` and ``xauthor`` (the tags and author
as shown) and the flag ``redacted:1``. An external query reads a term ``t`` as ``(t AND NOT
xmask:t) OR xadd:t`` - only for the few terms that occur in ``xmask``/``xadd`` at all - so a
name listed in ``people`` is never matched or counted outside the team, without indexing the
text twice. Snippets for external readers come from the stored redacted text.
"""

from __future__ import annotations

import pickle
import zlib
from collections.abc import Iterable
from pickle import dumps
from typing import Any

from whoosh import fields, formats
from whoosh.system import pack_uint

from evidence.consent import EXTERNAL, held_consent, present_attachment, redact, visible
from evidence.model import Record

from . import text

TITLE_BOOST = 4.0
# Facet and filter fields (exact values, no analysis).
KEY_FIELDS = (
    "type",
    "authority",
    "locality",
    "consent",
    "indicator",
    "objective",
    "activity",
    "tag",
    "xtag",
    "author",
    "xauthor",
    "redacted",
    "xmask",
    "xadd",
    "code",  # the codes of the record's excerpts
)


class Words(fields.TEXT):
    """Analysed text with positions, indexed straight from ``text.positions`` (fast path)."""

    def __init__(self, field_boost: float = 1.0) -> None:
        super().__init__(analyzer=text.WordTokenizer(), phrase=True, field_boost=field_boost)

    def index(self, value: Any, **kwargs: Any):
        for tbytes, n, weight, vbytes, _ in self.index_positions(value):
            yield tbytes, n, weight, vbytes

    def index_positions(self, value: Any):
        """(term bytes, frequency, weight, encoded positions, positions) for each term."""
        # The same bytes as ``formats.Positions.encode``, without a call per term.
        boost = self.format.field_boost
        for term, found in text.positions(value).items():
            n = len(found)
            deltas = (
                found
                if n == 1
                else [found[0], *(b - a for a, b in zip(found, found[1:], strict=False))]
            )
            yield term.encode("utf-8"), n, n * boost, pack_uint(n) + dumps(deltas, 2), found


class Keys(fields.FieldType):
    """Exact values (a string or a list of strings), each one term; no scoring."""

    def __init__(self, sortable: bool = False) -> None:
        self.analyzer = fields.analysis.IDAnalyzer()
        self.format = formats.Existence()
        self.stored = False
        self.unique = False
        self.scorable = False
        self.set_sortable(sortable)

    def index(self, value: Any, **kwargs: Any):
        values = [value] if isinstance(value, str) else value
        for item in sorted(set(values)):
            yield item.encode("utf-8"), 1, 1.0, b""


def make_schema() -> fields.Schema:
    """The index schema."""
    schema = fields.Schema(
        id=fields.ID(stored=True, unique=True),
        title=Words(field_boost=TITLE_BOOST),
        body=Words(),
        attext=Words(),  # the team's alone: attachments' text hidden outside the team
        atts=fields.STORED(),  # the live attachments' ids (``wm2u check`` compares them)
        date=fields.ID(),
        rev=fields.STORED(),
        hit=fields.STORED(),
    )
    for name in KEY_FIELDS:
        schema.add(name, Keys())
    return schema


def body_text(record: Record) -> str:
    """Everything searchable but the title: body, quotes and the text of ``fields``."""
    parts = [record.body or ""]
    parts.extend(q for q in record.quotes if q)
    parts.extend(_field_texts(record.fields))
    return "\n\n".join(p for p in parts if p)


def _field_texts(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        if value:
            yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _field_texts(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _field_texts(item)


def _terms(*texts: str) -> set[str]:
    return {term for t in texts if t for term in text.positions(t)}


def pack(data: dict[str, Any]) -> bytes:
    """What a hit needs, compressed (titles and snippet text)."""
    return zlib.compress(pickle.dumps(data, protocol=5), 1)


def unpack(blob: bytes) -> dict[str, Any]:
    """The inverse of :func:`pack`."""
    return pickle.loads(zlib.decompress(blob))


def document(record: Record) -> dict[str, Any]:
    """The flat search document for a record (with its live attachments' text)."""
    body = body_text(record)
    title = record.title or ""
    outside = visible(record, EXTERNAL)
    shown_atts = _shown_attachments(record) if outside else {}
    atts = [(a.id, a.name, a.text, outside and a.id not in shown_atts)
            for a in record.attachments if a.text]  # fmt: skip
    hit: dict[str, Any] = {
        "title": title,
        "type": record.type,
        "date": record.date,
        "locality": record.locality,
        "text": body,
        "atts": atts,
    }
    doc: dict[str, Any] = {
        "id": record.id,
        "rev": int(record.revision or 0),
        "atts": " ".join(sorted(a.id for a in record.attachments)),
        "date": record.date or "",
        "type": record.type or "",
        "authority": record.authority or "",
        "locality": record.locality or "",
        # As outside readers are held to it: a submitted story is found by the team alone.
        "consent": held_consent(record),
        "author": record.author or "",
        "indicator": list(record.indicators),
        "objective": record.objectives,
        "activity": list(record.activities),
        "tag": list(record.tags),
        "code": sorted(set(record.codes)),
    }
    if shown_atts:
        hit["xatts"] = [
            (i, None if n == name else n, None if t == text else t)
            for i, name, text, hidden in atts
            if not hidden
            for n, t in [shown_atts[i]]
        ]
    if outside and record.people:
        doc.update(_redaction(record, body, atts, shown_atts, hit))
    doc = {k: v for k, v in doc.items() if k in ("rev", "atts") or v not in ("", [], None)}
    # Everything but the text (which ``hit`` holds already), so a merge can index it again.
    hit["doc"] = doc
    doc = {**doc, **searchable(hit), "hit": pack(hit)}
    return doc


def _shown_attachments(record: Record) -> dict[str, tuple[str, str]]:
    """(name, text) as readers outside the team see them, of each attachment they may read."""
    shown = {}
    for attachment in record.attachments:
        seen = present_attachment(attachment, record, EXTERNAL)
        if seen is not None and attachment.text:
            shown[attachment.id] = (seen.name, seen.text)
    return shown


def _redaction(
    record: Record,
    body: str,
    atts: list[tuple[str, str, str, bool]],
    shown_atts: dict[str, tuple[str, str]],
    hit: dict[str, Any],
) -> dict[str, Any]:
    """The fields that let outside readers search the record as redaction shows it (none
    when nothing they read differs from what is written)."""
    title = record.title or ""
    shown = redact(record) if record.consent == "anonymised" else record
    xbody = body_text(shown)
    written_atts = [text for i, _, text, hidden in atts if not hidden]
    shown_texts = [shown_atts[i][1] for i, _, _, hidden in atts if not hidden]
    changed = shown.title != title or xbody != body or shown.tags != record.tags
    if not (changed or shown.author != record.author or written_atts != shown_texts):
        return {}
    # The terms redaction removes - every spelling of a name the one matcher found
    # (Strauß, eilidh_macphail, Eil&#105;dh's pieces) - are masked for outside readers; the
    # ones it adds (the labels' "person") are added for them. A name is masked where any
    # text read redacted holds it (a public body naming them too is not found by it).
    written = _terms(title, body, *record.tags, *written_atts)
    shown_terms = _terms(shown.title, xbody, *shown.tags, *shown_texts)
    redacted_sources = [title, body, *record.tags] if shown is not record else []
    redacted_sources += [w for w, s in zip(written_atts, shown_texts, strict=True) if w != s]
    names = (written - shown_terms) | (_terms(*record.people) & _terms(*redacted_sources))
    hit.update(xtitle=shown.title, xtext=xbody)
    return {
        "redacted": "1",
        "xmask": sorted(names),
        "xadd": sorted(shown_terms - written),
        "xtag": list(shown.tags),
        "xauthor": shown.author,
    }


def searchable(hit: dict[str, Any]) -> dict[str, str]:
    """The analysed text fields of a document, from what its hit keeps: ``title``, ``body``
    (with the text of attachments read outside the team) and ``attext`` (the hidden ones)."""
    atts = hit.get("atts", ())
    shown = [hit.get("text") or "", *(text for _, _, text, hidden in atts if not hidden)]
    fields = {
        "title": hit.get("title") or "",
        "body": "\n\n".join(t for t in shown if t),
        "attext": "\n\n".join(text for _, _, text, hidden in atts if hidden),
    }
    return {k: v for k, v in fields.items() if v}


def texts(data: dict[str, Any], external: bool) -> list[tuple[str | None, str, str]]:
    """(attachment id, or None for the record's own; name; text) of a hit, as the reader sees
    them, in the order a snippet is looked for."""
    redacted = external and "xtext" in data
    own = (None, "", data["xtext"] if redacted else data["text"])
    atts = data.get("atts", ())
    if not external:
        return [own, *((i, name, text) for i, name, text, _ in atts)]
    written = {i: (name, text) for i, name, text, _ in atts}
    return [
        own,
        *(
            (i, written[i][0] if name is None else name, written[i][1] if text is None else text)
            for i, name, text in data.get("xatts", ())
        ),
    ]


def fitted(doc: dict[str, Any], schema: fields.Schema) -> dict[str, Any]:
    """``doc`` without the fields an index made by an earlier version lacks (it still takes
    the saves; ``inspect`` reports it, and a rebuild gives it the new fields)."""
    return {k: v for k, v in doc.items() if k in schema}


def stored_document(stored: dict[str, Any]) -> dict[str, Any] | None:
    """The search document again, from a document's stored fields (None if too old)."""
    blob = stored.get("hit")
    data = unpack(blob) if blob else {}
    if "doc" not in data:
        return None
    return {**data["doc"], **searchable(data), "hit": blob}
