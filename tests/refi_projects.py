"""Tiny hand-written REFI-QDA projects, as other tools write them (no tests here)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from xml.sax.saxutils import quoteattr

NS = "urn:QDA-XML:project:1.0"
USER = "5c2a1f00-0000-4000-8000-0000000000a1"
CODE_HOUSING = "c0de0000-0000-4000-8000-000000000001"
CODE_RENT = "c0de0000-0000-4000-8000-000000000002"
OUR_VARIABLES = ("type", "date", "authority", "locality", "consent", "indicators", "tags",
                 "people", "fields")  # fmt: skip


def variable_guid(name: str) -> str:
    return f"7a400000-0000-4000-8000-{sum(map(ord, name)):012d}"


def selection(guid: str, start: int, end: int, *codes: str, notes: tuple[str, ...] = (),
              user: str | None = USER) -> str:  # fmt: skip
    """A PlainTextSelection coded with ``codes`` (guids) and referring to ``notes``."""
    codings = "".join(f'<Coding guid="{guid}-{i}"><CodeRef targetGUID="{c}"/></Coding>'
                      for i, c in enumerate(codes))  # fmt: skip
    refs = "".join(f'<NoteRef targetGUID="{n}"/>' for n in notes)
    who = f' creatingUser="{user}"' if user else ""
    return (f'<PlainTextSelection guid="{guid}" startPosition="{start}" endPosition="{end}"'
            f"{who}>{codings}{refs}</PlainTextSelection>")  # fmt: skip


def source(guid: str, name: str, *selections: str, path: str | None = None,
           text: str | None = None, rich: str | None = None, created: str | None = None,
           variables: dict[str, str] | None = None, tag: str = "TextSource") -> str:  # fmt: skip
    """A TextSource: its text at ``path`` in the zip, or inline ``text``."""
    attrs = f"guid={quoteattr(guid)} name={quoteattr(name)}"
    if path is not None:
        attrs += f" plainTextPath={quoteattr(path)}"
    if rich is not None:
        attrs += f" richTextPath={quoteattr(rich)}"
    if created:
        attrs += f' creationDateTime="{created}"'
    inline = f"<PlainTextContent>{_escape(text)}</PlainTextContent>" if text is not None else ""
    values = "".join(
        f'<VariableValue><VariableRef targetGUID="{variable_guid(k)}"/>'
        f"<TextValue>{_escape(v)}</TextValue></VariableValue>"
        for k, v in (variables or {}).items()
    )
    return f"<{tag} {attrs}>{inline}{''.join(selections)}{values}</{tag}>"


def project(*sources: str, codes: str | None = None, notes: str = "", extra: str = "",
            users: str | None = None) -> str:  # fmt: skip
    """A project's XML: users, a codebook (housing > rent), our variables, the sources."""
    if codes is None:
        codes = (f'<Code guid="{CODE_HOUSING}" name="Housing worries" isCodable="true" '
                 f'color="#FF0000"><Description>Money and homes</Description>'
                 f'<Code guid="{CODE_RENT}" name="Rent" isCodable="true"/></Code>')  # fmt: skip
    if users is None:
        users = f'<Users><User guid="{USER}" name="Ann Coder"/></Users>'
    variables = "".join(
        f'<Variable guid="{variable_guid(n)}" name="{n}" typeOfVariable="Text"/>'
        for n in (*OUR_VARIABLES, "age")  # "age": another tool's variable
    )
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="{NS}" name="t">'
            f"{users}<CodeBook><Codes>{codes}</Codes></CodeBook>"
            f"<Variables>{variables}</Variables><Sources>{''.join(sources)}</Sources>"
            f"{notes}{extra}</Project>")  # fmt: skip


def note(guid: str, text: str, name: str = "memo") -> str:
    return f'<Note guid="{guid}" name="{name}"><PlainTextContent>{_escape(text)}</PlainTextContent></Note>'


def qdpx(path: Path, xml: str | bytes, files: dict[str, bytes | str] | None = None,
         qde_name: str = "project.qde") -> Path:  # fmt: skip
    """A .qdpx zip: the project under ``qde_name`` and ``files`` (name → bytes or text)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(qde_name, xml)
        for name, data in (files or {}).items():
            zf.writestr(name, data.encode("utf-8") if isinstance(data, str) else data)
    return path


def docx_bytes(*paragraphs: str) -> bytes:
    """A Word file holding ``paragraphs``."""
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
