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

FRONT_MATTER_START = re.compile(r"---[ \t]*\r?\n")
FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)(.*)\Z", re.S)
CSV_COLUMNS = INPUT_KEYS  # the API's keys, in the contract's order
# Spreadsheet programs run cells that start with these as formulas.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MAX_FILE_BYTES = 1024 * 1024 * 1024  # an export of a whole authority's years of evidence fits


class _PlainLoader(yaml.SafeLoader):
    """Safe YAML that keeps dates as text the validator checks itself."""


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
        where = f" (line {mark.line + 2})" if mark else ""
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
    """``md``, ``json`` or ``csv``, read from the content; the file's extension is a hint.

    A folder holds Markdown files; a file whose text starts (after a byte-order mark and
    white space) with ``[`` or ``{`` is JSON; one whose first line is a CSV header naming
    record columns (``type`` and ``title`` among them) is CSV; one with front matter is
    Markdown. A file that is none of these is read as its extension says (Markdown if none),
    so that the refusal speaks of the format it was meant to be.
    """
    if path.is_dir():
        return "md"
    try:
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES).decode("utf-8-sig", errors="ignore")
    except OSError:
        return _by_extension(path)
    text = head.lstrip("\ufeff \t\r\n")
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
    return {".json": "json", ".csv": "csv"}.get(path.suffix.lower(), "md")


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
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(source, f"is not valid JSON (line {exc.lineno}: {exc.msg})") from None
    if isinstance(data, dict) and isinstance(data.get("records"), list):
        data = data["records"]
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
        raise ValidationError(source, "must hold a list of record objects")
    return data


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
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    missing = {"type", "title"} - set(reader.fieldnames or [])
    if missing:
        raise ValidationError(source, f"has no column {', '.join(sorted(missing))}")
    for row in reader:
        data: dict[str, Any] = {}
        for key, value in row.items():
            if key is None or key not in CSV_COLUMNS:
                continue
            value = undefuse(value or "")
            if key in LIST_KEYS or key == "fields":
                data[key] = _json_cell(value, key, reader.line_num, source)
            elif key == "revision":
                data[key] = int(value) if value.isdigit() else None
            elif value != "":
                data[key] = value
        yield reader.line_num, data


def _json_cell(value: str, key: str, line: int, source: str) -> Any:
    if not value.strip():
        return {} if key == "fields" else []
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        if key != "fields":  # a hand-made sheet may use "a; b" for lists
            return [v.strip() for v in value.split(";") if v.strip()]
        raise ValidationError(f"{source}:{line}", f"{key} is not valid JSON") from None


def to_json(records: Iterable[Record]) -> str:
    items = [r.to_dict() for r in records]
    exported = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return json.dumps({"exported_at": exported, "records": items}, ensure_ascii=False, indent=1)


def markdown_filename(record: Record) -> str:
    return f"{record.date}-{record.id}.md"
