"""What coders make of the codebook: a code's coding summary, and agreement between two coders.

Both read the store in bulk (``evidence.coding``) and hand the pure calculations
(``summary.summarise_code``, ``agreement.agreement``) what they need. A summary's passages pass
``evidence.consent.present_excerpt`` for its audience, as every excerpt a reader gets does;
agreement is the team's (editors, and the command line), over every live record.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from evidence import coding
from evidence.coding import Code, Excerpt, ExcerptFilter
from evidence.consent import AUDIENCES, present, present_excerpt, visible_consents
from evidence.model import NotFound, Record, ValidationError

from . import codebook
from .agreement import Coded, agreement
from .summary import (
    QUOTED_PER_GROUP,
    CodeInfo,
    CodeSummary,
    Count,
    Passage,
    Tally,
    period_label,
    summarise_tally,
)

if TYPE_CHECKING:
    from learning.services import Evidence


def code_summary(
    ev: Evidence,
    code_id: str,
    period: tuple[str | None, str | None],
    audience: str,
    prepared_by: str = "",
    known: dict[str, Code] | None = None,
) -> CodeSummary:
    """The coding summary of a code and its sub-codes over a period, as ``audience`` may see it
    (``known``: the codebook as ``codebook.all_codes`` read it for this request)."""
    if audience not in AUDIENCES:
        raise ValidationError("audience", "must be internal or external")
    period_label(*period)  # a wrong date or period is refused, naming it, before any read
    known = codebook.all_codes(ev) if known is None else known
    if code_id not in known:
        raise NotFound(f"code {code_id}")
    wanted = ExcerptFilter(codes=codebook.family(ev, code_id, known), date_from=period[0],
                           date_to=period[1], consents=visible_consents(audience))  # fmt: skip
    tally = _tally(ev, wanted, audience)
    infos = {c.id: CodeInfo(c.id, c.name, c.description, c.colour or "", c.parent)
             for c in known.values()}  # fmt: skip
    labels = {name: spec.label for name, spec in ev.reading_framework.record_types.items()}
    return summarise_tally(infos[code_id], infos, tally, period, audience, prepared_by, labels)


def _tally(ev: Evidence, wanted: ExcerptFilter, audience: str) -> Tally:
    """The passages matching ``wanted`` counted in SQL (GROUP BY, remembered until a write),
    and only those quoted read and presented as the audience may see them."""
    counted = coding.branch_counts(ev.store, wanted, QUOTED_PER_GROUP)
    chosen = [Passage(excerpt, record, "", type_, day, locality, authority, "", ())
              for excerpt, record, type_, day, locality, authority in counted.quoted]  # fmt: skip
    stored = coding.excerpts_by_id(ev.store, [p.excerpt for p in chosen])
    records = coding.records_by_id(ev.store, [e.record for e in stored])
    filled = {p.excerpt: p for p in _passages(ev, stored, records, audience)}
    return Tally(
        groups={(loc, auth, type_): Count(n, r) for loc, auth, type_, n, r in counted.groups},
        codes={(code, loc, auth): Count(n, r) for code, loc, auth, n, r in counted.codes},
        quoted=[filled.get(p.excerpt, p) for p in chosen],
        quoted_records=counted.quoted_records,
    )


def _passages(
    ev: Evidence, stored: Sequence[Excerpt], records: dict[str, Record], audience: str
) -> Iterable[Passage]:
    """Each excerpt as the audience may see it, with its record's heading as shown."""
    headings: dict[str, Record | None] = {}
    held = coding.source_attachments(ev.store, stored)
    for excerpt in stored:
        record = records.get(excerpt.record)
        if record is None:
            continue
        if record.id not in headings:  # a record's heading once, not once a passage
            # Only its title is shown of what may hold a name: its quotes, tags, fields and
            # author are not read (redacting them was a tenth of a code page's first view).
            bare = record.but(quotes=[], tags=[], fields={}, author="", body="")
            headings[record.id] = present(bare, audience, body=False)
        heading = headings[record.id]
        shown = present_excerpt(excerpt.to_dict(), record, audience, held.get(excerpt.source))
        if shown is None or heading is None:
            continue
        yield Passage(excerpt.id, heading.id, heading.title, heading.type, heading.date,
                      heading.locality or "", heading.authority or "", shown["text"] or "",
                      tuple(excerpt.codes))  # fmt: skip


def coders(ev: Evidence) -> list[str]:
    """Everyone who has coded a passage of a live record."""
    return coding.coders(ev.store)


def coders_agreement(
    ev: Evidence, coder_a: str, coder_b: str, codes: Sequence[str] | None = None
) -> dict[str, Any]:
    """Each code's agreement and kappa between two coders over the records both coded, and
    where they differ most (the contract's JSON). A code is compared on its own passages:
    a parent is not the sum of its sub-codes, as in NVivo's coding comparison."""
    known_coders = set(coders(ev))
    for name in (coder_a, coder_b):
        if not name:
            raise ValidationError("coder", "give two coders to compare")
        if name not in known_coders:
            raise ValidationError("coder", f"{name[:64]!r} has coded no passage")
    known = codebook.all_codes(ev)
    for code in codes or ():
        if code not in known:
            raise ValidationError("code", f"no code {code[:64]!r} in the codebook")
    names = [coder_a, coder_b]
    passages = (Coded(*row) for row in coding.coded_by(ev.store, names))
    return agreement(coder_a, coder_b, coding.text_lengths(ev.store, names), passages,
                     list(codes) if codes else None)  # fmt: skip


def record_titles(ev: Evidence, record_ids: Sequence[str]) -> dict[str, str]:
    """The titles of live records, for the team's lists of them."""
    return {r.id: r.title for r in coding.records_by_id(ev.store, record_ids).values()}


def code_name(ev: Evidence, code_id: str) -> str:
    """A code's name; NotFound if the codebook has none."""
    code = codebook.all_codes(ev).get(code_id)
    if code is None:
        raise NotFound(f"code {code_id}")
    return code.name
