"""Coding on a record's page: its text with the coded passages marked, and its sentences to code.

Positions are Unicode code points of the text the reader sees (the body as stored for the
team, as ``evidence.consent`` presents it outside), as the excerpts' ``start`` and ``end``.
The marked text is the body as written (Markdown marks shown), so every position on the page
is a position in the text the excerpts count on.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape
from werkzeug.datastructures import MultiDict

from evidence.coding import Code
from evidence.model import Record, ValidationError
from learning.coding import codebook, excerpts
from learning.coding.codebook import COLOUR, is_plans

if TYPE_CHECKING:
    from learning.services import Evidence

# A sentence ends at . ! ? or … (with any closing quotes or brackets) before a space, or at
# the end of its line; a line break always ends one.
SENTENCE = re.compile(r"\S.*?(?:[.!?…]+[\"'”’»)\]]*(?=\s)|$)", re.MULTILINE)
CSS_SAFE = re.compile(r"^[A-Za-z0-9._-]+$")
# A full stop after these does not end a sentence ("Mrs. Kerr", "St. Mary's", "e.g. tea").
ABBREVIATION = re.compile(
    r"(?:^|[\s(\[\"'“‘])(?:Mr|Mrs|Ms|Mx|Dr|St|Prof|Rev|Revd|Fr|Sr|Jr|Cllr|Capt|Sgt|Insp|"
    r"approx|e\.g|i\.e|cf|vs)\.$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Sentence:
    """One sentence of a record's text: its words and where they are."""

    start: int
    end: int
    text: str

    @property
    def value(self) -> str:
        """The sentence as a form sends it back: ``start-end``."""
        return f"{self.start}-{self.end}"


def sentences(body: str) -> list[Sentence]:
    """The sentences of ``body`` in order, without the spaces around them."""
    found: list[Sentence] = []
    for match in SENTENCE.finditer(body):
        text = match.group().rstrip()
        if not text:
            continue
        start, end = match.start(), match.start() + len(text)
        last = found[-1] if found else None
        if last and ABBREVIATION.search(last.text) and "\n" not in body[last.end : start]:
            found[-1] = Sentence(last.start, end, body[last.start : end])  # runs on past it
        else:
            found.append(Sentence(start, end, text))
    return found


def text_fingerprint(body: str) -> str:
    """A short digest of the text the sentences were offered from (a stale form is refused)."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]


def passages(chosen: Iterable[str], body: str) -> list[tuple[int, int]] | None:
    """The passages the checked sentences make (a run of consecutive sentences within a
    paragraph is one passage), or None when a value is not a sentence of ``body``."""
    offered = sentences(body)
    index = {s.value: i for i, s in enumerate(offered)}
    picked = sorted({index.get(v, -1) for v in chosen})
    if not picked or picked[0] < 0:
        return None
    runs: list[list[int]] = []
    for i in picked:
        if runs and runs[-1][-1] == i - 1 and not _new_paragraph(body, offered[i - 1], offered[i]):
            runs[-1].append(i)
        else:
            runs.append([i])
    return [(offered[run[0]].start, offered[run[-1]].end) for run in runs]


def _new_paragraph(body: str, before: Sentence, after: Sentence) -> bool:
    """Whether a blank line lies between two sentences."""
    return body.count("\n", before.end, after.start) > 1


def code_label(code: Code | None, code_id: str) -> str:
    """A code's short name on the page: the plan's code (``SO1.1``), or the team's name."""
    if code is None or is_plans(code):
        return code_id
    return code.name


def marked_text(body: str, shown: list[dict[str, Any]], codes: Mapping[str, Code]) -> Markup:
    """``body`` escaped, each run of text in a ``<span data-at>`` holding its position and
    each passage in a ``<mark>`` (nested where passages overlap, split where they cross)
    ending with a label naming its codes."""
    placed = sorted(
        (e for e in shown if e.get("start") is not None and e["end"] > e["start"]),
        key=lambda e: (e["start"], -e["end"], e["id"]),
    )
    cuts = sorted({0, len(body), *(e["start"] for e in placed), *(e["end"] for e in placed)})
    out: list[str] = []
    open_: list[dict[str, Any]] = []
    for start, end in pairwise(cuts):
        wanted = [e for e in placed if e["start"] <= start and e["end"] >= end]
        kept = _common(open_, wanted)
        out.extend(_close(open_[kept:], start, codes))
        open_ = open_[:kept] + wanted[kept:]
        out.extend(_open(e) for e in wanted[kept:])
        out.append(f'<span data-at="{start}">{escape(body[start:end])}</span>')
    out.extend(_close(open_, len(body), codes))
    return Markup("".join(out))


def _common(open_: list[dict[str, Any]], wanted: list[dict[str, Any]]) -> int:
    """How many of the open passages (outermost first) stay open."""
    kept = 0
    while kept < min(len(open_), len(wanted)) and open_[kept] is wanted[kept]:
        kept += 1
    return kept


def _open(excerpt: dict[str, Any]) -> str:
    first = excerpt["codes"][0] if excerpt["codes"] else ""
    return (
        f'<mark class="passage" data-code="{escape(first)}" data-excerpt="{escape(excerpt["id"])}">'
    )


def _close(closing: list[dict[str, Any]], at: int, codes: Mapping[str, Code]) -> list[str]:
    """Close passages innermost first; those that end here get their label (a passage closed
    only because another crosses it is opened again after)."""
    out = []
    for excerpt in reversed(closing):
        if excerpt["end"] == at:
            out.append(passage_label(excerpt["codes"], codes))
        out.append("</mark>")
    return out


def passage_label(code_ids: list[str], codes: Mapping[str, Code]) -> str:
    """The label after a passage: its codes' names, each with a swatch of its colour."""
    names = ", ".join(
        f'<span class="passage__code" data-code="{escape(c)}">{escape(code_label(codes.get(c), c))}'
        "</span>"
        for c in code_ids
    )
    return (
        '<span class="passage__label"><span class="visually-hidden"> (coded </span>'
        f'{names}<span class="visually-hidden">)</span></span>'
    )


def code_choices(codes: Mapping[str, Code]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The codable codes for a picker, grouped by their top folder (or objective), each named
    by its path below it; codes with no folder come last, under "Other codes"."""
    children: dict[str | None, list[Code]] = {}
    for code in codes.values():
        parent = code.parent if code.parent in codes else None
        children.setdefault(parent, []).append(code)
    groups, loose = [], []
    for root in children.get(None, []):
        if root.codable and root.id not in children:
            loose.append((root.id, root.name))
            continue
        options = [(root.id, root.name)] if root.codable else []
        options += _below(root, children, [], set())
        if options:
            groups.append((root.name, options))
    if loose:
        groups.append(("Other codes", loose))
    return groups


def _below(
    code: Code, children: dict[str | None, list[Code]], path: list[str], seen: set[str]
) -> list[tuple[str, str]]:
    """The codable codes under ``code``, depth first, named by their path below the top."""
    options = []
    for child in children.get(code.id, []):
        if child.id in seen:  # a tree by the codebook's rules; never loop on bad data
            continue
        seen.add(child.id)
        named = [*path, child.name]
        if child.codable:
            options.append((child.id, " › ".join(named)))
        options += _below(child, children, named, seen)
    return options


def colours_css(codes: Iterable[Code]) -> str:
    """A stylesheet giving each code with a colour its ``--code-colour`` (the page's CSP
    allows no inline style, so colours come from here)."""
    rules = [
        f'[data-code="{code.id}"] {{ --code-colour: {code.colour}; }}'
        for code in codes
        if code.colour and COLOUR.match(code.colour) and CSS_SAFE.match(code.id)
    ]
    return "\n".join(["/* The codebook's colours. */", *rules]) + "\n"


@dataclass
class CodingView:
    """What the record's page shows of its coding: the marked text, the passages as the
    reader may see them, and for an editor the sentences and codes to code with."""

    text: Markup
    passages: list[dict[str, Any]]
    codes: Mapping[str, Code]
    sentences: list[Sentence]
    choices: list[tuple[str, list[tuple[str, str]]]]
    fingerprint: str


def view(ev: Evidence, record: Record, audience: str, editor: bool) -> CodingView | None:
    """The coding of ``record`` (as ``audience`` sees it), or None where there is nothing to
    show: no text, a deleted record, or a reader with no passage to see."""
    if record.deleted_at or not record.body:
        return None
    shown = [e for e in excerpts.of_record(ev, record.id, audience) if e["source"] == "body"]
    if not shown and not editor:
        return None
    codes = codebook.all_codes(ev)
    placed = sorted(shown, key=lambda e: (e["start"] is None, e["start"] or 0, e["end"] or 0))
    return CodingView(
        text=marked_text(record.body, shown, codes),
        passages=placed,
        codes=codes,
        sentences=sentences(record.body) if editor else [],
        choices=code_choices(codes) if editor else [],
        fingerprint=text_fingerprint(record.body),
    )


def attachment_passages(ev: Evidence, record: Record, audience: str) -> dict[str, list[dict]]:
    """The coded passages of each of the record's attachments' text the reader may see, by
    attachment id, in the order of the text."""
    if record.deleted_at:
        return {}
    found: dict[str, list[dict[str, Any]]] = {}
    for excerpt in excerpts.of_record(ev, record.id, audience):
        if excerpt["source"].startswith(excerpts.ATTACHMENT):
            found.setdefault(excerpt["source"][len(excerpts.ATTACHMENT) :], []).append(excerpt)
    for passages in found.values():
        passages.sort(key=lambda e: (e["start"] is None, e["start"] or 0, e["end"] or 0))
    return found


def code_sentences(ev: Evidence, record: Record, form: MultiDict[str, str], coder: str) -> int:
    """Code the sentences checked on the page (``sentences``, ``code``, ``memo`` and the
    ``text`` fingerprint) through the API's service; how many passages were made. Every
    problem is named by its field before anything is saved."""
    body, code, chosen = record.body, form.get("code", ""), form.getlist("sentences")
    runs = passages(chosen, body)
    errors: dict[str, str] = {}
    if not chosen:
        errors["sentences"] = "choose at least one sentence to code"
    elif form.get("text") != text_fingerprint(body):
        errors["sentences"] = "the text has changed since the page was opened: choose again"
        runs = None
    elif runs is None:
        errors["sentences"] = "choose among the sentences of the text"
    asked = [_passage(body, start, end, code, form.get("memo")) for start, end in runs or []]
    try:
        known = codebook.all_codes(ev)
        for data in asked or [_passage(body, 0, len(body), code, form.get("memo"))]:
            excerpts.ExcerptRequest.parse(data, body, known)
    except ValidationError as exc:
        errors.update(_form_errors(exc.errors, code))
    if errors:
        raise ValidationError(errors)
    for data in asked:
        excerpts.code_passage(ev, record.id, data, coder)
    return len(asked)


def _passage(body: str, start: int, end: int, code: str, memo: Any) -> dict[str, Any]:
    return {"start": start, "end": end, "text": body[start:end], "codes": [code] if code else [],
            "memo": memo}  # fmt: skip


def _form_errors(errors: dict[str, str], code: str) -> dict[str, str]:
    """The service's refusal named by the page's fields (one code picker: ``code``)."""
    named = {("code" if field == "codes" else field): message for field, message in errors.items()}
    if "code" in named and not code:
        named["code"] = "choose a code"
    return named
