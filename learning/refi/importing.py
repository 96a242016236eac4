"""Importing a REFI-QDA project (or codebook) from another tool: ``wm2u import FILE.qdpx``.

Each ``TextSource`` becomes a record (our own variables give its type, date, place, consent,
indicators, tags, people and fields; otherwise the request's options), the codebook's codes
become codes kept by guid, selections become excerpts and the notes they refer to their memos.
The whole file is one transaction: a source that cannot be a record refuses the file, nothing
saved. What is left out is reported (REFI-QDA §7). Importing the same file again changes
nothing: which guid became which record, excerpt or code is kept (``evidence.refi``).
"""

from __future__ import annotations

import bisect
import json
import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evidence import refi
from evidence.anchoring import anchor_for
from evidence.coding import Code, Excerpt, insert_code, insert_excerpts
from evidence.model import CONSENT_LEVELS, NotFound, Record, ValidationError, new_id
from evidence.validate import ID_PATTERN, MAX_TITLE, clean_date, without_unholdable

from ..coding import codebook
from ..coding.excerpts import MAX_MEMO
from . import attaching, guids, read
from .codebook import import_codebook

if TYPE_CHECKING:
    from learning.services import Evidence

DEFAULT_CODER = "import"  # a selection whose user the file does not name
MAX_REPORTED = 1000  # lines of "left out" printed; the rest are counted
BATCH = 500  # new records saved together (one statement a table for each batch)
# (a family story's signification variables are read back from ``fields``, which holds them)
OUR_VARIABLES = ("type", "date", "authority", "locality", "consent", "indicators", "tags",
                 "people", "fields", "activities", "quotes", "id", "tag_list", "triad_effort",
                 "triad_people", "triad_service", "slider1", "slider2", "origin",
                 "status")  # fmt: skip
_CONTROL = re.compile(r"\r(?=\n)|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # what a record's text drops
_DATE = re.compile(r"\s*(\d{4}-\d{2}-\d{2})")


@dataclass
class ImportRequest:
    """What ``wm2u import`` asks for a REFI-QDA file: the file and the options that give its
    sources what the file does not say."""

    path: Path
    type: str | None = None
    indicators: list[str] = field(default_factory=list)
    authority: str | None = None
    locality: str | None = None
    date: str | None = None
    consent: str | None = None
    actor: str = "cli"

    def check(self, ev: Evidence) -> None:
        """Refuse an option no source could use, naming it."""
        codes = ev.plans.codes()
        if self.type is not None and self.type not in codes["record_types"]:
            raise ValidationError("--type", f"no record type {self.type!r} in the plan")
        for code in self.indicators:
            if code not in codes["indicators"]:
                raise ValidationError("--indicator", f"no indicator {code!r} in the plan")
        if self.consent is not None and self.consent not in CONSENT_LEVELS:
            raise ValidationError("--consent", f"must be one of {', '.join(CONSENT_LEVELS)}")
        if self.date is not None:
            try:
                self.date = clean_date(self.date)
            except ValueError as problem:
                raise ValidationError("--date", str(problem)) from None


@dataclass
class ImportReport:
    """What an import did, and what it left out and why."""

    kind: str = "project"
    added: int = 0
    present: int = 0
    excerpts: int = 0
    excerpts_present: int = 0
    codes: int = 0
    codes_present: int = 0
    attachments: int = 0
    attachments_present: int = 0
    left_out: list[str] = field(default_factory=list)
    more_left_out: int = 0

    def leave_out(self, line: str) -> None:
        if len(self.left_out) < MAX_REPORTED:
            self.left_out.append(line)
        else:
            self.more_left_out += 1

    @property
    def changed(self) -> bool:
        return bool(self.added or self.excerpts or self.codes or self.attachments)

    def summary(self) -> str:
        if self.kind == "codebook":
            return f"Imported {self.codes} code(s); {self.codes_present} already present."
        files = (
            f" Attachments: {self.attachments} imported, {self.attachments_present} "
            "already present."
            if self.attachments or self.attachments_present
            else ""
        )
        return (f"Imported {self.added} record(s), {self.excerpts} excerpt(s) and {self.codes} "
                f"code(s); already present: {self.present} record(s), {self.excerpts_present} "
                f"excerpt(s), {self.codes_present} code(s).{files}")  # fmt: skip


def import_file(ev: Evidence, request: ImportRequest) -> ImportReport:
    """Import a REFI-QDA project or codebook; refused (nothing saved) if it is not one."""
    request.check(ev)
    package = read.Package(request.path)
    try:
        header = read.read_header(package)
        if header.kind == "codebook":
            return _codebook(ev, request, header)
        report = ImportReport(left_out=list(header.left_out))
        with refi.transaction(ev.store, ev.plans_version()) as conn:
            codes = _codes(ev, conn, header.codes, report)
            sources = _Sources(ev, conn, request, package, header, codes, report)
            for source in read.iter_sources(package, header):
                sources.take(source)
            sources.finish()
            if report.changed:  # importing again changes nothing, the audit log included
                refi.audit(ev.store, conn, request.actor, report.summary())
    finally:
        package.close()
    ev.index_after_import(report.added)
    return report


def _codebook(ev: Evidence, request: ImportRequest, header: read.Header) -> ImportReport:
    """A .qdc: the codebook's own import (learning/refi/codebook.py), reported as an import."""
    done = import_codebook(ev, request.path.read_bytes(), actor=request.actor)
    report = ImportReport("codebook", left_out=[*header.left_out, *done["notes"]])
    report.codes = len(done["added"]) + len(done["updated"])
    report.codes_present = len(done["unchanged"]) + len(done["plan"])
    return report


# --- codes ----------------------------------------------------------------------------------


def _codes(ev: Evidence, conn: Any, found: list[read.CodeDef], report: ImportReport) -> dict:
    """The file's codes by guid → our code ids: a known guid (the plan's or the team's) is
    that code; a new one is added with its guid, its id made from its name."""
    known = codebook.all_codes(ev)
    by_guid = {code.guid.lower(): code.id for code in known.values()}
    by_guid.update(refi.code_guids(conn))
    held = {o.code for plan in ev.plans for o in plan.framework.objectives}
    taken = {c.lower() for c in (*known, *held, *ev.plans.codes()["indicators"])}
    codable: dict[str, bool] = {c.id: c.codable for c in known.values()}
    for item in found:
        if not item.guid:
            report.leave_out(f"code {item.name[:80]!r}: it has no guid")
            continue
        if item.guid in by_guid:
            report.codes_present += 1
            continue
        name = " ".join(without_unholdable(item.name).split())[: codebook.MAX_NAME] or "code"
        code = Code(_new_code_id(name, taken), name, item.guid,
                    without_unholdable(item.description)[: codebook.MAX_DESCRIPTION],
                    item.colour.upper() if item.colour and codebook.COLOUR.match(item.colour)
                    else None, by_guid.get(item.parent or ""), item.codable)  # fmt: skip
        insert_code(conn, code, item.guid)
        by_guid[item.guid] = code.id
        codable[code.id] = code.codable
        report.codes += 1
    return {g: (code_id, codable.get(code_id, True)) for g, code_id in by_guid.items()}


def _new_code_id(name: str, taken: set[str]) -> str:
    """An id made from a code's name: letters, digits and dashes, unique, not reserved."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^A-Za-z0-9_]+", "-", ascii_name).strip("-").lower()[:56] or "code"
    candidate, n = base, 1
    while candidate in taken or candidate in codebook.RESERVED:
        n += 1
        candidate = f"{base}-{n}"
    taken.add(candidate)
    return candidate


# --- sources --------------------------------------------------------------------------------


class _Sources:
    """Sources made records, saved a batch at a time (or, known, given their new selections)."""

    def __init__(self, ev: Evidence, conn: Any, request: ImportRequest, package: read.Package,
                 header: read.Header, codes: dict[str, tuple[str, bool]],
                 report: ImportReport) -> None:  # fmt: skip
        self.ev, self.conn, self.request, self.header = ev, conn, request, header
        self.package = package
        self.codes, self.report = codes, report
        self.indicators = set(ev.plans.codes()["indicators"])
        self.notes_used: set[str] = set()
        self.other_variables: dict[str, int] = {}
        self._ours: dict[str, str] | None = None
        # Read once, not a query a source: which guid is which record, and the ids taken.
        self.source_records = refi.all_targets(conn, "source")
        self.ids = set(refi.record_ids(conn))
        self.batch: list[tuple[str, Record, list[tuple[str, Excerpt]]]] = []
        self.batch_guids: set[str] = set()

    def take(self, source: read.Source) -> None:
        label = f"source {source.name[:80]!r} ({source.guid or 'no guid'})"
        if attaching.is_attachment(source):
            self.flush()  # what it attaches to may be a record of this batch
            self._on_the_whole(source, label)
            attaching.take(self, source, label)
            return
        if source.text is None:
            extra = f", with its {len(source.selections)} selection(s)" if source.selections else ""
            self.report.leave_out(f"{label}{extra}: {source.problem}")
            return
        self._on_the_whole(source, label)
        record_id = self.known(source.guid)
        if record_id is None:
            self._new(source, label)
            return
        try:
            record = self.ev.store.get(record_id, include_deleted=True)
        except NotFound:
            self.report.leave_out(f"{label}: imported before and since erased: left out")
            return
        self.report.present += 1
        self._more_selections(source, label, record)

    def _on_the_whole(self, source: read.Source, label: str) -> None:
        """Report the codes and notes on a whole source (kept here only on passages)."""
        if source.whole_codes:
            self.report.leave_out(f"{label}: {source.whole_codes} code(s) on the whole source "
                                  "(not on a passage) left out")  # fmt: skip
        for note in source.notes:
            self.report.leave_out(f"note {note}: on a whole source, not a passage: left out")
            self.notes_used.add(note)

    def known(self, source_guid: str) -> str | None:
        """The record a source's guid already is: imported before, or one of our own."""
        if source_guid in self.batch_guids:
            self.flush()  # a second source of the same guid reads its record as saved
        found = self.source_records.get(source_guid)
        if found is None and source_guid:
            if self._ours is None:  # made once, only when a guid is not known otherwise
                self._ours = {guids.record_guid(i): i for i in self.ids}
            found = self._ours.get(source_guid)
        return found

    def _new(self, source: read.Source, label: str) -> None:
        text = source.text or ""
        data = self._record_data(source, label, text)
        positions = _Positions(text)
        excerpts = self._excerpts(source, label, positions, positions.body, "")
        used = [c for _, e in excerpts for c in e.codes if c in self.indicators]
        data["indicators"] = list(dict.fromkeys([*data["indicators"], *used]))
        record = self._valid(data, label)
        record = replace(record, id=record.id or new_id())
        self.ids.add(record.id)
        for _, excerpt in excerpts:
            excerpt.record = record.id
        if record.body != positions.body:  # the record's text is not the one positions map to
            excerpts = [(g, e) for g, e in excerpts if self._still_there(g, e, record, label)]
        self.batch.append((source.guid, record, excerpts))
        if source.guid:
            self.batch_guids.add(source.guid)
            self.source_records.setdefault(source.guid, record.id)
        self.report.added += 1
        if len(self.batch) >= BATCH:
            self.flush()

    def flush(self) -> None:
        """Save the new records waiting in the batch, with their excerpts and guids."""
        if not self.batch:
            return
        excerpts = [pair for _, _, pairs in self.batch for pair in pairs]
        refi.add_imported_records(self.ev.store, self.conn, [r for _, r, _ in self.batch],
                                  [e for _, e in excerpts])  # fmt: skip
        refi.remember(self.conn, "source", [(g, r.id) for g, r, _ in self.batch if g])
        refi.remember(self.conn, "selection", [(g, e.id) for g, e in excerpts if g])
        self.report.excerpts += len(excerpts)
        self.batch, self.batch_guids = [], set()

    def _valid(self, data: dict[str, Any], label: str) -> Record:
        """The record judged by the plan of its date; a refusal names the source."""
        try:
            return self.ev.validate(data)
        except ValidationError as exc:
            raise ValidationError({f"{label}: {k}": v for k, v in exc.errors.items()}) from None

    def _still_there(self, guid: str, excerpt: Excerpt, record: Record, label: str) -> bool:
        if record.body[excerpt.start : excerpt.end] == excerpt.text:
            return True
        self.report.leave_out(f"selection {guid} of {label}: its words are not those of the "
                              "record's text here: left out")  # fmt: skip
        return False

    def _record_data(self, source: read.Source, label: str, text: str) -> dict[str, Any]:
        given = {}
        for name, value in source.variables.items():
            if name in OUR_VARIABLES:
                given[name] = value.strip()
            else:
                self.other_variables[name] = self.other_variables.get(name, 0) + 1
        request = self.request
        kind = given.get("type") or request.type
        if not kind:
            raise ValidationError(label, "has no type: give --type or a `type` variable")
        date = _date(given.get("date")) or request.date or _date(source.created)
        if not date:
            raise ValidationError(
                label, "has no date: give --date, a `date` variable or a creationDateTime"
            )
        data = {"type": kind, "title": source.name[:MAX_TITLE] or f"Source {source.guid[:8]}",
                "date": date, "authority": given.get("authority") or request.authority,
                "locality": given.get("locality") or request.locality,
                "consent": given.get("consent", "").lower() or request.consent or "internal",
                "indicators": _items(given["indicators"]) if given.get("indicators")
                else list(request.indicators),
                "tags": _items(given.get("tags", "")),
                "people": [p.strip() for p in given.get("people", "").split(";") if p.strip()],
                "author": self.header.users.get(source.user or ""), "body": text}  # fmt: skip
        if given.get("tag_list"):  # the tags whole, where one holds a space
            try:
                tags = json.loads(given["tag_list"])
            except ValueError:
                tags = None
            if isinstance(tags, list) and all(isinstance(t, str) for t in tags):
                data["tags"] = tags
        if given.get("activities"):
            data["activities"] = _items(given["activities"])
        if given.get("origin"):  # our own export's family story (checked as any record's)
            data["origin"], data["status"] = given["origin"], given.get("status") or None
        if given.get("quotes"):
            try:
                quotes = json.loads(given["quotes"])
            except ValueError:
                quotes = None
            if isinstance(quotes, list) and all(isinstance(q, str) for q in quotes):
                data["quotes"] = quotes
            else:
                self.report.leave_out(f"{label}: its `quotes` variable is not a JSON list of "
                                      "texts: left out")  # fmt: skip
        wanted = given.get("id", "")
        if wanted and ID_PATTERN.fullmatch(wanted) and wanted not in self.ids:
            data["id"] = wanted  # our own export's record comes back with its id
        if given.get("fields"):
            try:
                fields = json.loads(given["fields"])
            except ValueError:
                fields = None
            if isinstance(fields, dict):
                data["fields"] = fields
            else:
                self.report.leave_out(f"{label}: its `fields` variable is not a JSON object: "
                                      "left out")  # fmt: skip
        return {k: v for k, v in data.items() if v is not None}

    def _more_selections(self, source: read.Source, label: str, record: Record) -> None:
        """A known source's selections not yet here, checked against the record's text."""
        wanted = [s.guid for s in source.selections]
        known = set(refi.targets(self.conn, "selection", wanted))
        if len(known) < len(wanted):
            known |= {guids.excerpt_guid(i) for i in refi.excerpt_ids_of(self.conn, record.id)}
        fresh = [s for s in source.selections if s.guid not in known]
        self.notes_used.update(n for s in source.selections if s.guid in known for n in s.notes)
        self.report.excerpts_present += len(source.selections) - len(fresh)
        if not fresh:
            return
        positions = _Positions(source.text or "")
        excerpts = self._excerpts(source, label, positions, record.body, record.id, fresh)
        missing = [c for _, e in excerpts for c in e.codes
                   if c in self.indicators and c not in record.indicators]  # fmt: skip
        if missing:
            more = [*record.indicators, *dict.fromkeys(missing)]
            record = self._valid({**record.to_dict(), "indicators": more}, label)
            refi.add_indicators(self.ev.store, self.conn, record, self.request.actor)
        self._save(source, record, excerpts)

    def _excerpts(self, source: read.Source, label: str, positions: _Positions, body: str,
                  record_id: str, selections: list[read.Selection] | None = None
                  ) -> list[tuple[str, Excerpt]]:  # fmt: skip
        """Each selection as an excerpt on ``body`` with its guid (those left out reported)."""
        out = []
        for selection in source.selections if selections is None else selections:
            excerpt = self._excerpt(selection, label, positions, body, record_id)
            if excerpt is not None:
                out.append((selection.guid, excerpt))
        return out

    def _excerpt(self, sel: read.Selection, label: str, positions: _Positions, body: str,
                 record_id: str) -> Excerpt | None:  # fmt: skip
        where = f"selection {sel.guid or 'without guid'} of {label}"
        length = len(positions.text)
        if sel.start is None or sel.end is None or not 0 <= sel.start < sel.end <= length:
            self.report.leave_out(f"{where}: from {sel.start} to {sel.end} is not a passage of "
                                  f"its source's {length} characters: left out")  # fmt: skip
            return None
        codes = self.codes_of(sel, where)
        if not codes:
            return None
        start, end = positions.at(sel.start), positions.at(sel.end)
        words = positions.body[start:end]
        if start >= end or body[start:end] != words:
            why = "covers only what the record's text leaves out (white space)" if start >= end \
                else "its words are not those of the record's text here"  # fmt: skip
            self.report.leave_out(f"{where}: {why}: left out")
            return None
        anchor = anchor_for(body, start, end)
        return Excerpt(new_id(), record_id, anchor.text, codes, "body",
                       anchor.start, anchor.end, anchor.prefix, anchor.suffix, "exact",
                       self.memo(sel, where), self.coder(sel))  # fmt: skip

    def codes_of(self, sel: read.Selection, where: str) -> list[str]:
        """The codes a selection's references name here (those left out reported)."""
        codes = []
        for ref in sel.codes:
            code_id, codable = self.codes.get(ref, (None, False))
            if code_id is None:
                self.report.leave_out(f"{where}: its code reference {ref} names no code: "
                                      "that coding left out")  # fmt: skip
            elif not codable:
                self.report.leave_out(f"{where}: code {code_id} only groups codes: that coding "
                                      "left out")  # fmt: skip
            else:
                codes.append(code_id)
        if not codes:
            self.report.leave_out(f"{where}: no code left to code it with: left out")
        return list(dict.fromkeys(codes))

    def memo(self, sel: read.Selection, where: str) -> str | None:
        texts = []
        for ref in dict.fromkeys(sel.notes):
            note = self.header.notes.get(ref)
            if note is None:
                self.report.leave_out(f"{where}: its note reference {ref} names no note")
                continue
            self.notes_used.add(ref)
            if note[1]:
                texts.append(note[1])
        memo = "\n\n".join(texts)
        if len(memo) > MAX_MEMO:
            self.report.leave_out(f"{where}: its notes are longer than {MAX_MEMO} characters: "
                                  "the memo keeps the first")  # fmt: skip
            memo = memo[:MAX_MEMO]
        return memo or None

    def _save(self, source: read.Source, record: Record,
              excerpts: list[tuple[str, Excerpt]]) -> None:  # fmt: skip
        self.save_excerpts(excerpts)
        refi.remember(self.conn, "source", [(source.guid, record.id)] if source.guid else [])

    def save_excerpts(self, excerpts: list[tuple[str, Excerpt]]) -> None:
        """Keep excerpts and which selection's guid each came from."""
        if excerpts:
            insert_excerpts(self.ev.store, self.conn, [e for _, e in excerpts])
            refi.remember(self.conn, "selection", [(g, e.id) for g, e in excerpts if g])
        self.report.excerpts += len(excerpts)

    def coder(self, sel: read.Selection) -> str:
        """The user name of a selection's coder (``import`` where the file names none)."""
        return self.header.users.get(sel.user or "") or DEFAULT_CODER

    def record_for_file(self, source: read.Source, label: str, what: str) -> Record:
        """A new record for another tool's PDF, picture or sound source (which is then
        attached to it): titled with its name, its type and date from the file or options."""
        body = f"{source.name or 'A file'}: a {what} brought in from a REFI-QDA project (attached)."
        record = self._valid(self._record_data(source, label, body), label)
        record = refi.add_imported_record(self.ev.store, self.conn, record)
        self.ids.add(record.id)
        self.report.added += 1
        return record

    def finish(self) -> None:
        """Save the last batch; report the notes no passage refers to and the variables
        that are not ours."""
        self.flush()
        for ref, (name, _text) in self.header.notes.items():
            if ref not in self.notes_used:
                self.report.leave_out(f"note {name[:80]!r} ({ref}): not on a passage (memos "
                                      "belong to passages here): left out")  # fmt: skip
        for name, count in sorted(self.other_variables.items()):
            self.report.leave_out(f"variable {name[:80]!r} on {count} source(s): not one of "
                                  f"ours ({', '.join(OUR_VARIABLES)}): left out")  # fmt: skip


def _items(value: str) -> list[str]:
    """A variable's list: separated by spaces, as we write it (or commas, as people do)."""
    return [item for item in re.split(r"[\s,;]+", value) if item]


def _date(value: str | None) -> str | None:
    match = _DATE.match(value or "")
    return match.group(1) if match else None


class _Positions:
    """Positions on a source's text as given (code points, as the standard counts them: a
    CRLF is two) mapped onto the record's text, which keeps LF line ends and drops control
    characters and the white space around it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.dropped = [m.start() for m in _CONTROL.finditer(text)]
        kept = _CONTROL.sub("", text).replace("\r", "\n")
        self.lead = len(kept) - len(kept.lstrip())
        self.body = kept.strip()

    def at(self, position: int) -> int:
        """Where ``position`` of the text as given falls in the record's text."""
        moved = position - bisect.bisect_left(self.dropped, position) - self.lead
        return min(max(moved, 0), len(self.body))
