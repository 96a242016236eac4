"""The editor's key messages: a little Markdown, read into blocks every format can show.

Markdown output keeps the text as written (headings moved below the document's own); HTML
and Word show the blocks this module reads: paragraphs, bulleted and numbered lists and
subheadings, with bold and italic. Anything else (links, images, raw HTML) is shown as its
text, so a key message can never add markup, a heading above "Key messages", or a link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d{1,3}[.)]\s+(.*)$")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
# **bold**, __bold__, *italic*, _italic_ (not inside a word), [text](link) → text
_INLINE = re.compile(
    r"\*\*(?P<b1>.+?)\*\*|__(?P<b2>.+?)__|(?<![\w*])\*(?P<i1>[^*\s][^*]*?)\*(?![\w*])"
    r"|(?<![\w_])_(?P<i2>[^_\s][^_]*?)_(?![\w_])|\[(?P<link>[^\]]*)\]\([^)]*\)|`(?P<code>[^`]*)`"
)
_RULE = re.compile(r"\s*(?:[-=_*]\s*){2,}")
_SPACES = re.compile(r"\s+")
_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>])")


@dataclass(frozen=True)
class Span:
    """A run of text, bold or italic or neither."""

    text: str
    bold: bool = False
    italic: bool = False


@dataclass
class Block:
    """A paragraph (``p``), a subheading (``h``) or a list (``ul``, ``ol``: one item a line)."""

    kind: str
    lines: list[list[Span]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join("".join(s.text for s in line) for line in self.lines)


def spans(text: str) -> list[Span]:
    """A line of inline Markdown as spans of plain, bold and italic text."""
    out: list[Span] = []
    last = 0
    for match in _INLINE.finditer(text):
        if match.start() > last:
            out.append(Span(_plain(text[last : match.start()])))
        kind = match.lastgroup or ""
        inner = _plain(match.group(kind) or "")
        out.append(Span(inner, bold=kind.startswith("b"), italic=kind.startswith("i")))
        last = match.end()
    if last < len(text):
        out.append(Span(_plain(text[last:])))
    return [s for s in out if s.text]


def _plain(text: str) -> str:
    return _ESCAPED.sub(r"\1", _SPACES.sub(" ", text))


def _trim(line: list[Span]) -> list[Span]:
    """A line's spans without leading or trailing space."""
    if line:
        line[0] = Span(line[0].text.lstrip(), line[0].bold, line[0].italic)
        line[-1] = Span(line[-1].text.rstrip(), line[-1].bold, line[-1].italic)
    return [s for s in line if s.text]


def parse_intro(text: str) -> list[Block]:
    """Key messages as blocks; blank lines part paragraphs, a list runs while its items do."""
    blocks: list[Block] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(Block("p", [_trim(spans(" ".join(paragraph)))]))
            paragraph.clear()

    for line in str(text or "").splitlines():
        if not line.strip() or _RULE.fullmatch(line):
            flush()
            continue
        heading, bullet, numbered = _HEADING.match(line), _BULLET.match(line), _NUMBERED.match(line)
        if heading:
            flush()
            blocks.append(Block("h", [_trim(spans(heading[1]))]))
        elif bullet or numbered:
            flush()
            kind = "ul" if bullet else "ol"
            item = _trim(spans((bullet or numbered)[1]))  # type: ignore[index]
            if blocks and blocks[-1].kind == kind and not paragraph:
                blocks[-1].lines.append(item)
            else:
                blocks.append(Block(kind, [item]))
        elif blocks and blocks[-1].kind in ("ul", "ol") and line[:1].isspace() and not paragraph:
            blocks[-1].lines[-1].extend(spans(" " + line.strip()))  # an item's next line
        else:
            paragraph.append(line.strip())
    flush()
    return [b for b in blocks if any(line for line in b.lines)]


def as_markdown(text: str) -> str:
    """The key messages for the Markdown document: as written, headings at level 3 or below
    (the document's own are 1 and 2), never a line that would end the section."""
    out = []
    for line in str(text or "").splitlines():
        heading = _HEADING.match(line)
        if heading:
            line = f"### {heading[1]}"
        elif _RULE.fullmatch(line):  # would make the line above a heading, or a rule
            line = "\\" + line.strip()
        out.append(line.rstrip())
    return "\n".join(out).strip()
