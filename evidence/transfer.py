"""Records in and out: Markdown files with front matter, JSON and CSV.

Reading gives plain dicts in the API's shape (validation is the caller's next step);
writing takes Records. An export reads back to the same records, ids kept.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml

from .model import INPUT_KEYS, LIST_KEYS, Record, ValidationError
from .validate import whole_number

FRONT_MATTER_START = re.compile(r"---[ \t]*\r?\n")
FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)(.*)\Z", re.S)
CSV_COLUMNS = INPUT_KEYS  # the API's keys, in the contract's order
# Spreadsheet programs run cells that start with these as formulas.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MAX_FILE_BYTES = 1024 * 1024 * 1024  # an export of a whole authority's years of evidence fits
# The longest CSV cell read: an export's longest (a learning update citing 200,000 records)
# fits; Python's default, 131,072, refused a body of 200,000 characters an export wrote.
MAX_CELL = 16 * 1024 * 1024
MAX_DEPTH = 100  # how deeply JSON or front matter may nest (a record needs four levels)


class _PlainLoader(yaml.SafeLoader):
    """Safe YAML that keeps dates as text the validator checks itself, and refuses what
    would take the reader's memory or stack: aliases (a few lines can stand for billions
    of values) and nesting deeper than ``MAX_DEPTH``."""

    depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise yaml.composer.ComposerError(
                None, None, "uses an alias (*name): write the value out", event.start_mark
            )
        if self.depth >= MAX_DEPTH:
            raise yaml.composer.ComposerError(
                None, None, f"is nested deeper than {MAX_DEPTH} levels", event.start_mark
            )
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


_PlainLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_markdown(text: str, source: str = "record") -> dict[str, Any]:
    """A Markdown record: YAML front matter between ``---`` lines, then the body."""
    match = FRONT_MATTER.match(text)
    if not match:
        raise ValidationError(source, "must start with YAML front matter between '---' lines")
    try:
        meta = yaml.load(match.group(1), Loader=_PlainLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or "cannot be read"
        raise ValidationError(source, f"front matter is not valid YAML{where}: {problem}") from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise ValidationError(source, "front matter must be a mapping of keys to values")
    data = {str(k): v for k, v in meta.items()}
    body = match.group(2).strip("\n")
    if body.strip() or "body" not in data:
        data["body"] = body
    return data


def to_markdown(record: Record) -> str:
    """A record as a Markdown file that ``parse_markdown`` reads back to the same record."""
    meta = record.to_dict()
    body = meta.pop("body")
    dumped = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000)
    return f"---\n{dumped}---\n{body}\n"


CSV_ENCODING = "utf-8-sig"  # with a byte-order mark, so that Excel reads it as UTF-8
SNIFF_BYTES = 64 * 1024


def detect_format(path: Path) -> str:
    """``md``, ``json``, ``csv`` or ``refi``, read from the content; the extension is a hint.

    A folder holds Markdown files; a zip, or a file whose text starts with ``<`` (XML), is a
    REFI-QDA project or codebook (``learning.refi`` reads which, or refuses it); a file
    whose text starts (after a byte-order mark and white space) with ``[`` or ``{`` is JSON;
    one whose first line is a CSV header naming record columns (``type`` and ``title`` among
    them) is CSV; one with front matter is Markdown. A file that is none of these is read as
    its extension says (Markdown if none), so that the refusal speaks of the format it was
    meant to be.
    """
    if path.is_dir():
        return "md"
    try:
        with path.open("rb") as handle:
            raw = handle.read(SNIFF_BYTES)
    except OSError:
        return _by_extension(path)
    head = raw.decode("utf-8-sig", errors="ignore")
    text = head.lstrip("\ufeff \t\r\n")
    if raw.startswith(b"PK") or text.startswith("<"):
        return "refi"
    if text.startswith(("[", "{")):
        return "json"
    if FRONT_MATTER_START.match(text):
        return "md"
    first = head.lstrip("\ufeff").splitlines()[0] if head.strip() else ""
    try:
        header = {name.strip() for name in next(csv.reader([first]))} if first else set()
    except csv.Error:
        header = set()
    if {"type", "title"} <= header and header <= set(CSV_COLUMNS) | {""}:
        return "csv"
    return _by_extension(path)


def _by_extension(path: Path) -> str:
    refi = dict.fromkeys((".qdpx", ".qde", ".qdc"), "refi")
    return {".json": "json", ".csv": "csv", **refi}.get(path.suffix.lower(), "md")


def read_path(path: Path, fmt: str | None = None) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every record in a file or folder, as (where it came from, data).

    ``fmt`` is what :func:`detect_format` says when not given."""
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.suffix.lower() in (".md", ".markdown"))
        for file in files:
            yield str(file), parse_markdown(_read_text(file), str(file))
        return
    if not path.exists():
        raise ValidationError("path", f"{path} does not exist")
    fmt = fmt or detect_format(path)
    if fmt == "refi":
        raise ValidationError(str(path), "is a REFI-QDA file (read by learning.refi), not records")
    text = _read_text(path)
    if fmt == "json":
        yield from ((f"{path}#{i}", d) for i, d in enumerate(parse_json(text, str(path)), 1))
    elif fmt == "csv":
        yield from ((f"{path}:{i}", d) for i, d in parse_csv(text, str(path)))
    else:
        yield str(path), parse_markdown(text, str(path))


def _read_text(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ValidationError(str(path), f"is larger than {MAX_FILE_BYTES // 2**20} MB")
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(str(path), "is not UTF-8 text") from None
    except OSError as exc:
        raise ValidationError(str(path), f"cannot be read: {exc.strerror}") from None


def parse_json(text: str, source: str = "json") -> list[dict[str, Any]]:
    """A JSON export: a list of records, or ``{"records": [...]}``."""
    try:
        data = load_json(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(source, f"is not valid JSON (line {exc.lineno}: {exc.msg})") from None
    except ValueError as exc:
        raise ValidationError(source, str(exc)) from None
    if isinstance(data, dict) and isinstance(data.get("records"), list):
        data = data["records"]
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
        raise ValidationError(source, "must hold a list of record objects")
    return data


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def load_json(text: str) -> Any:
    """``json.loads``, with JSON nested too deeply to read refused (ValueError) at the line
    and column where it passes ``MAX_DEPTH``, not a RecursionError."""
    try:
        return json.loads(text)
    except RecursionError:
        pass
    depth = 0
    for token in _JSON_TOKEN.finditer(text):  # strings are skipped whole
        depth += {"[": 1, "{": 1, "]": -1, "}": -1}.get(token.group(), 0)
        if depth > MAX_DEPTH:
            line = text.count("\n", 0, token.start()) + 1
            column = token.start() - text.rfind("\n", 0, token.start())
            raise ValueError(f"is nested deeper than {MAX_DEPTH} levels (line {line}, "
                             f"column {column})")  # fmt: skip
    raise ValueError("is nested too deeply to read")


def csv_rows(reader: Any, source: str = "") -> Iterator[Any]:
    """The rows of a ``csv`` reader, a cell longer than ``MAX_CELL`` or a malformed row
    refused (ValidationError naming the line) instead of a ``csv.Error``."""
    csv.field_size_limit(MAX_CELL)  # the module's own limit is one for the whole process
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            problem = (
                f"a cell is longer than {MAX_CELL:,} characters"
                if "field larger than field limit" in str(exc)
                else f"cannot be read as CSV ({exc})"
            )
            where = f"line {reader.line_num}"
            raise ValidationError(f"{source}: {where}" if source else where, problem) from None
        yield row


def defuse(cell: str) -> str:
    """Make a CSV cell safe to open in a spreadsheet (no formula runs)."""
    return "'" + cell if cell.startswith(FORMULA_PREFIXES) else cell


def undefuse(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_PREFIXES) else cell


def to_csv(records: Iterable[Record]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for record in records:
        data = record.to_dict()
        row = []
        for col in CSV_COLUMNS:
            value = data.get(col, "")
            if col in LIST_KEYS or col == "fields":
                value = json.dumps(value, ensure_ascii=False)
            row.append(defuse(str(value if value is not None else "")))
        writer.writerow(row)
    return out.getvalue()


def parse_csv(text: str, source: str = "csv") -> Iterator[tuple[int, dict[str, Any]]]:
    """Rows of a CSV export (list and field columns hold JSON); yields (line, data)."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    rows = csv_rows(reader, source)
    fieldnames = next(rows, [])
    missing = {"type", "title"} - set(fieldnames)
    if missing:
        raise ValidationError(source, f"has no column {', '.join(sorted(missing))}")
    for cells in rows:
        if not cells:
            continue
        data: dict[str, Any] = {}
        for key, value in zip(fieldnames, cells, strict=False):
            if key not in CSV_COLUMNS:
                continue
            value = undefuse(value or "")
            if key in LIST_KEYS or key == "fields":
                data[key] = _json_cell(value, key, reader.line_num, source)
            elif key == "revision":
                number = whole_number(value)  # anything else is refused, naming the field
                data[key] = (value or None) if number is None else number
            elif value != "":
                data[key] = value
        yield reader.line_num, data


def _json_cell(value: str, key: str, line: int, source: str) -> Any:
    if not value.strip():
        return {} if key == "fields" else []
    try:
        return load_json(value)
    except json.JSONDecodeError:
        if key != "fields":  # a hand-made sheet may use "a; b" for lists
            return [v.strip() for v in value.split(";") if v.strip()]
        raise ValidationError(f"{source}:{line}", f"{key} is not valid JSON") from None
    except ValueError as exc:
        raise ValidationError(f"{source}:{line}", f"{key} {exc}") from None


def to_json(records: Iterable[Record]) -> str:
    items = [r.to_dict() for r in records]
    exported = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return json.dumps({"exported_at": exported, "records": items}, ensure_ascii=False, indent=1)


def markdown_filename(record: Record) -> str:
    return f"{record.date}-{record.id}.md"
