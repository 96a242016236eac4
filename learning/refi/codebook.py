"""The codebook as a REFI-QDA codebook (.qdc): written from the codebook, read back into it.

Written: every code as the team sees it, nested under its parent, the plan's objectives (not
codable) and indicators included. Read: generously, as other tools write (upper-case or
braced guids, a colour without ``#`` or none, any depth); a code whose guid is new is added,
a known one gets the file's name, description and colour, the plan's codes are left as the
plan says, and nothing is deleted. A file that is not a codebook changes nothing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from lxml import etree

from evidence import coding
from evidence.coding import Code
from evidence.model import ValidationError
from evidence.validate import check_characters
from learning.coding import codebook

if TYPE_CHECKING:
    from learning.services import Evidence

CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
ORIGIN = "WM2U Evidence"
DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'
GUID = re.compile(r"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                  r"[0-9a-fA-F]{12})\}?$")  # fmt: skip
_HEX = re.compile(r"^#?([0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})$")
# What XML 1.0 cannot hold: text an older version let in is written without it, not refused.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Nothing outside the file is read, and no entity is expanded (a "billion laughs" stays small).
PARSER = dict(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def xml_text(value: str) -> str:
    """``value`` without the characters XML cannot hold (control characters, lone surrogates)."""
    return _NOT_XML.sub("", value)


def codes_element(codes: Iterable[Code]) -> etree._Element:
    """``<Codes>`` with each code nested under its parent (no namespace: the document's
    root declares it, so the codebook and the project share this)."""
    codes = list(codes)
    known = {c.id for c in codes}
    children: dict[str | None, list[Code]] = {}
    for code in codes:
        children.setdefault(code.parent if code.parent in known else None, []).append(code)
    top = etree.Element("Codes")

    def add(parent: etree._Element, code: Code) -> None:
        element = etree.SubElement(parent, "Code", guid=code.guid, name=xml_text(code.name),
                                   isCodable="true" if code.codable else "false")  # fmt: skip
        if code.colour:
            element.set("color", code.colour)
        if code.description:
            etree.SubElement(element, "Description").text = xml_text(code.description)
        for child in children.get(code.id, []):
            add(element, child)

    for code in children.get(None, []):
        add(top, code)
    return top


def write_codebook(ev: Evidence) -> bytes:
    """The whole codebook as a REFI-QDA codebook file (UTF-8, no byte-order mark)."""
    codes = list(codebook.all_codes(ev).values())
    head = f'{DECLARATION}<CodeBook xmlns="{CODEBOOK_NS}" origin="{ORIGIN}">\n'
    if not codes:  # a Codes needs one Code: never the case with a plan, but keep it valid
        return (head + "</CodeBook>\n").encode("utf-8")
    body = etree.tostring(codes_element(codes), encoding="unicode", pretty_print=True)
    return (head + body + "</CodeBook>\n").encode("utf-8")


# --- reading ----------------------------------------------------------------------------


@dataclass
class FileCode:
    """A code as a codebook file gives it (``colour``/``description`` None: not given)."""

    guid: str
    name: str
    codable: bool
    colour: str | None
    description: str | None
    parent: str | None  # the parent's guid
    line: int


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def read_codebook(data: bytes) -> tuple[list[FileCode], list[str]]:
    """The codes of a codebook file, parents before children, and what was not read (notes);
    ValidationError naming ``file`` and the problem if it is not a REFI-QDA codebook."""
    if data[:4] == b"PK\x03\x04":
        raise ValidationError("file", "is a zip (a .qdpx project?), not a codebook: "
                                      "`wm2u import` reads projects")  # fmt: skip
    try:
        root = etree.fromstring(data, etree.XMLParser(**PARSER))
    except etree.XMLSyntaxError as exc:
        line, column = exc.position
        problem = f"is not XML (line {line}, column {column}: {exc.msg})"
        raise ValidationError("file", problem) from None
    if root.getroottree().docinfo.doctype:  # entities could make a few bytes gigabytes
        raise ValidationError("file", "declares a DTD (<!DOCTYPE>), which a REFI-QDA codebook "
                                      "never has: not read")  # fmt: skip
    if _local(root) != "CodeBook":
        raise ValidationError("file", f"is not a REFI-QDA codebook: its root is <{_local(root)}>, "
                                      "not <CodeBook>")  # fmt: skip
    holder = next((c for c in root if _local(c) == "Codes"), None)
    if holder is None:
        raise ValidationError("file", "is a codebook without <Codes>")
    found: list[FileCode] = []
    notes: list[str] = []
    seen: set[str] = set()
    todo = [(c, None) for c in reversed(holder) if _local(c) == "Code"]
    while todo:
        element, parent = todo.pop()
        code = _file_code(element, parent, notes)
        if code.guid in seen:
            notes.append(f"line {code.line}: code {code.name!r} repeats guid {code.guid}: "
                         "left out")  # fmt: skip
            continue
        seen.add(code.guid)
        found.append(code)
        todo += [(c, code.guid) for c in reversed(element) if _local(c) == "Code"]
    return found, notes


def _file_code(element: etree._Element, parent: str | None, notes: list[str]) -> FileCode:
    """One ``<Code>``'s guid, name, codability, colour and description, checked."""
    line = element.sourceline or 0
    match = GUID.match((element.get("guid") or "").strip())
    if match is None:
        raise ValidationError("file", f"line {line}: a Code's guid must be a UUID, "
                                      f"not {(element.get('guid') or '')[:40]!r}")  # fmt: skip
    name = _name(element.get("name"), line)
    codable = (element.get("isCodable") or "true").strip().lower() not in ("false", "0")
    colour = _colour(element.get("color"), line, name, notes)
    described = next((c for c in element if _local(c) == "Description"), None)
    description = None if described is None else _description(described.text or "", line)
    return FileCode(match.group(1).lower(), name, codable, colour, description, parent, line)


def _name(value: str | None, line: int) -> str:
    try:
        check_characters(value or "")
    except ValueError as problem:
        raise ValidationError("file", f"line {line}: a Code's name {problem}") from None
    name = " ".join((value or "").split())
    if not name:
        raise ValidationError("file", f"line {line}: a Code has no name")
    return name


def _short_enough(item: FileCode) -> FileCode:
    """A code to add or update, its name within our limit (the plan's are longer: never
    written from a file, so never checked)."""
    if len(item.name) > codebook.MAX_NAME:
        raise ValidationError("file", f"line {item.line}: a Code's name is too long "
                                      f"({len(item.name)} characters; at most "
                                      f"{codebook.MAX_NAME})")  # fmt: skip
    return item


def _description(value: str, line: int) -> str:
    try:
        check_characters(value)
    except ValueError as problem:
        raise ValidationError("file", f"line {line}: a Description {problem}") from None
    value = value.strip()
    if len(value) > codebook.MAX_DESCRIPTION:
        limit = codebook.MAX_DESCRIPTION
        raise ValidationError("file", f"line {line}: a Description is too long ({len(value)} "
                                      f"characters; at most {limit})")  # fmt: skip
    return value


def _colour(value: str | None, line: int, name: str, notes: list[str]) -> str | None:
    """``#RRGGBB`` from ``#RRGGBB``, ``RRGGBB`` or ``#RGB``; None (and a note) otherwise."""
    if value is None or not value.strip():
        return None
    match = _HEX.match(value.strip())
    if match is None:
        notes.append(f"line {line}: colour {value[:20]!r} of code {name!r} is not #RRGGBB: "
                     "left without a colour")  # fmt: skip
        return None
    digits = match.group(1)
    return "#" + (digits if len(digits) == 6 else "".join(d * 2 for d in digits)).upper()


# --- importing --------------------------------------------------------------------------


def import_codebook(ev: Evidence, data: bytes, actor: str = "") -> dict[str, Any]:
    """Add the file's new codes and update the known ones' name, description and colour, in
    one transaction; what was done: ``{"added", "updated", "unchanged", "plan", "notes"}``."""
    found, notes = read_codebook(data)
    known = codebook.all_codes(ev)
    by_guid = {c.guid.lower(): c for c in known.values()}
    plan_guids = _plan_guids(ev)
    taken = {i.lower() for i in known} | {g.lower() for g in _plan_ids(ev)}
    ids: dict[str, str] = {}  # guid → our id, for parents
    report: dict[str, list[Any]] = {"added": [], "updated": [], "unchanged": [], "plan": []}
    added, changed = [], []
    for item in found:
        current = by_guid.get(item.guid)
        if item.guid in plan_guids or (current is not None and codebook.is_plans(current)):
            report["plan"].append(current.id if current else item.name)
            if current is not None:
                ids[item.guid] = current.id
            continue
        if current is not None:
            ids[item.guid] = current.id
            new = _updated(current, _short_enough(item))
            (report["updated"] if new != current else report["unchanged"]).append(current.id)
            if new != current:
                changed.append(new)
            continue
        code_id = _new_id(_short_enough(item).name, taken)
        taken.add(code_id.lower())
        ids[item.guid] = code_id
        parent = ids.get(item.parent) if item.parent else None
        if item.parent and parent is None:
            notes.append(f"line {item.line}: the parent of code {item.name!r} is not in the "
                         "codebook: added at the top")  # fmt: skip
        added.append(Code(code_id, item.name, item.guid, item.description or "", item.colour,
                          parent, item.codable))  # fmt: skip
        report["added"].append(code_id)
    summary = (f"{len(added)} added, {len(changed)} updated, {len(report['unchanged'])} "
               f"unchanged, {len(report['plan'])} the plan's")  # fmt: skip
    if added or changed:
        coding.import_codes(ev.store, added, changed, summary, actor)
    return {**report, "notes": notes}


def _updated(current: Code, item: FileCode) -> Code:
    """A known code with the file's name, and its description and colour where given."""
    return replace(
        current,
        name=item.name,
        description=current.description if item.description is None else item.description,
        colour=current.colour if item.colour is None else item.colour,
    )


def _plan_guids(ev: Evidence) -> set[str]:
    """The guids of every objective and indicator of every plan the data dir holds."""
    return {codebook.plan_guid(code) for code in _plan_ids(ev)}


def _plan_ids(ev: Evidence) -> set[str]:
    held = {o.code for plan in ev.plans for o in plan.framework.objectives}
    codes = ev.plans.codes()
    return held | set(codes["indicators"]) | set(codes["activities"])


def _new_id(name: str, taken: set[str]) -> str:
    """An id made from a code's name: letters, digits and ``-``, unique, never reserved."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:56] or "code"
    candidate, number = base, 1
    while candidate in taken or candidate in codebook.RESERVED:
        number += 1
        candidate = f"{base}-{number}"
    return candidate
