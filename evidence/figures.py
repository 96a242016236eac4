"""Figures of the data project: one per measure, place and period, every change a revision.

A figure is validated against the plan it is handed (the measure must be known and not
derived, the place one of the plan's or ``Scotland``). Importing or posting the same figure
again with another value makes a new revision (the old value kept with who and when); the
same value changes nothing. A list is saved all or none.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .model import ValidationError, utcnow
from .transfer import csv_rows
from .validate import _Problem, clean_date, clean_number, clean_text

COLUMNS = (
    "measure",
    "authority",
    "locality",
    "period_from",
    "period_to",
    "value",
    "source",
    "note",
)
COMPARATOR = "Scotland"  # a comparator, not the total of anything
MAX_TEXT = 500


@dataclass(frozen=True)
class Figure:
    measure: str
    authority: str
    locality: str
    period_from: str
    period_to: str
    value: float
    source: str
    note: str = ""
    revision: int = 1
    derived: bool = False

    @property
    def place(self) -> str:
        return self.locality or self.authority

    def to_dict(self, value: float | None | str = "as-is", suppressed: bool = False) -> dict:
        shown = self.value if value == "as-is" else value
        if isinstance(shown, float) and shown.is_integer():
            shown = int(shown)
        return {
            "measure": self.measure,
            "authority": self.authority,
            "locality": self.locality or None,
            "period_from": self.period_from,
            "period_to": self.period_to,
            "value": shown,
            "source": self.source,
            "note": self.note,
            "revision": self.revision,
            "suppressed": suppressed,
            "derived": self.derived,
        }


def _number(value: Any) -> float:
    """A figure's value: a number, or text a spreadsheet wrote (``1,234``), within the
    door's limits (any decimals: a rate or a percentage keeps its own)."""
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        if not text:
            raise _Problem("is required")
        try:
            value = float(text)
        except ValueError:
            raise _Problem(f"must be a number, not {value.strip()[:30]!r}") from None
    elif value is None:
        raise _Problem("is required")
    return float(clean_number(value, decimals=None))


def _source(value: Any) -> str:
    text = clean_text(value, MAX_TEXT)
    if not text:
        raise _Problem("is required: say where the figure comes from")
    return text


def _note(value: Any) -> str:
    return clean_text(value, MAX_TEXT)


def _name(value: Any) -> str:
    """A measure's code or a place's name (text; what it must be is checked against the plan)."""
    return clean_text(value, MAX_TEXT)


_CLEANERS = {"period_from": clean_date, "period_to": clean_date, "measure": _name,
             "authority": _name, "locality": _name, "value": _number, "source": _source,
             "note": _note}  # fmt: skip


def validate_figure(data: Any, plan_for: Any) -> Figure:
    """A figure from its JSON/CSV shape; ValidationError naming every field that is wrong.

    ``plan_for(period_to)`` gives the plan a figure is judged by (the one in force then)."""
    if not isinstance(data, dict):
        raise ValidationError("figure", "must be a mapping of the figure's fields")
    errors: dict[str, str] = {}
    unknown = sorted(str(k)[:40] for k in data if k not in (*COLUMNS, "revision", "suppressed",
                                                           "derived"))  # fmt: skip
    for key in unknown:
        errors[key] = "is not a figure field"
    out: dict[str, Any] = {}
    for key, clean in _CLEANERS.items():
        try:
            out[key] = clean(data.get(key))
        except _Problem as problem:
            errors[key] = str(problem)
    if "period_from" in out and "period_to" in out and out["period_to"] < out["period_from"]:
        errors["period_to"] = "must be on or after period_from"
    plan = plan_for(out.get("period_to"))
    errors.update(_against_plan(out, plan))
    if errors:
        raise ValidationError(errors)
    return Figure(
        out["measure"], out["authority"], out["locality"], out["period_from"], out["period_to"],
        out["value"], out["source"], out["note"],
    )  # fmt: skip


def _place(plan: Any, authority: str, locality: str) -> dict[str, str]:
    if authority != COMPARATOR and authority not in plan.authorities:
        known = f"one of {', '.join(plan.authorities)} or {COMPARATOR}"
        problem = f"unknown place {authority[:40]!r}: {known}" if authority else "is required"
        return {"authority": problem}
    if locality and locality not in plan.authorities.get(authority, ()):
        return {"locality": f"{locality[:40]!r} is not a locality of {authority}"}
    return {}


def _against_plan(out: dict[str, Any], plan: Any) -> dict[str, str]:
    """The measure (known, not derived), the place (the plan's or Scotland), and a count's
    value (not below 0), each problem by its field."""
    errors: dict[str, str] = {}
    code, authority, locality = (out.get(k) for k in ("measure", "authority", "locality"))
    measure = plan.measure(code) if code else None
    if code == "":
        errors["measure"] = "is required"
    elif code is not None and measure is None:
        errors["measure"] = f"unknown measure {code[:40]!r} in {plan.title}"
    elif measure is not None and measure.derived:
        errors["measure"] = f"{code} is counted from the records and cannot be typed in"
    if authority is not None and locality is not None:  # else not text, and named already
        errors.update(_place(plan, authority, locality))
    if measure is not None and measure.unit == "count" and out.get("value", 0) < 0:
        errors["value"] = "a count cannot be below 0"
    return errors


def read_csv(text: str, plan_for: Any) -> list[Figure]:
    """Every figure of a CSV file (exactly the contract's columns), or ValidationError naming
    each problem by line and column. A byte-order mark is allowed."""
    text = text.removeprefix("\ufeff")
    reader = csv_rows(csv.reader(io.StringIO(text)))
    header = next(reader, None)
    if header is None:
        raise ValidationError("file", "is empty: it needs the header " + ",".join(COLUMNS))
    header = [h.strip() for h in header]
    if sorted(header) != sorted(COLUMNS) or len(header) != len(COLUMNS):
        missing = [c for c in COLUMNS if c not in header]
        extra = [h for h in header if h not in COLUMNS]
        problem = "; ".join(
            p for p in (
                f"missing {', '.join(missing)}" if missing else "",
                f"unknown {', '.join(extra)}" if extra else "",
            ) if p
        ) or "a column is repeated"  # fmt: skip
        raise ValidationError("line 1", f"the columns must be exactly {','.join(COLUMNS)}: "
                                        f"{problem}")  # fmt: skip
    figures: list[Figure] = []
    errors: dict[str, str] = {}
    seen: dict[tuple, int] = {}
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(COLUMNS):
            errors[f"line {line}"] = f"has {len(row)} cells, not {len(COLUMNS)}"
            continue
        try:
            figure = validate_figure(dict(zip(header, row, strict=True)), plan_for)
        except ValidationError as exc:
            for column, problem in exc.errors.items():
                errors[f"line {line}, column {column}"] = problem
            continue
        key = (figure.measure, figure.authority, figure.locality, figure.period_from,
               figure.period_to)  # fmt: skip
        if key in seen:
            errors[f"line {line}"] = f"the same figure as line {seen[key]}"
            continue
        seen[key] = line
        figures.append(figure)
    if errors:
        raise ValidationError(errors)
    return figures


def write_csv(figures: Iterable[dict[str, Any]]) -> str:
    """Figures as CSV (with a byte-order mark, for Excel), in the import's columns."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for figure in figures:
        row = ["" if figure.get(c) is None else figure.get(c) for c in COLUMNS]
        writer.writerow([_defused(str(v)) for v in row])
    return "\ufeff" + out.getvalue()


def _defused(cell: str) -> str:
    """A cell a spreadsheet would run as a formula is written as text."""
    if cell[:1] in ("=", "+", "@") or (cell[:1] == "-" and not _is_number(cell)):
        return "'" + cell
    return cell


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


class FigureStore:
    """The figures tables (mixed into ``Store``)."""

    def save_figures(self, figures: list[Figure], actor: str = "") -> tuple[list[Figure], int]:
        """Save figures in one transaction; returns (as saved, how many changed)."""
        now = utcnow()
        saved: list[Figure] = []
        changed = 0
        new_values: list[str] = []  # the first days of figures whose value is new
        with self.write() as conn:  # type: ignore[attr-defined]
            for figure in figures:
                key = [figure.measure, figure.authority, figure.locality, figure.period_from,
                       figure.period_to]  # fmt: skip
                row = conn.execute(
                    "SELECT id, value, source, note, revision, updated_at, updated_by "
                    "FROM figures WHERE measure = ? AND authority = ? AND locality = ? "
                    "AND period_from = ? AND period_to = ?",
                    key,
                ).fetchone()
                if row is None:
                    conn.execute(
                        "INSERT INTO figures (measure, authority, locality, period_from, "
                        "period_to, value, source, note, revision, updated_at, updated_by) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
                        [*key, figure.value, figure.source, figure.note, now, actor],
                    )
                    saved.append(figure)
                    changed += 1
                    new_values.append(figure.period_from)
                    continue
                fid, value, source, note, revision, updated_at, updated_by = row
                if (value, source, note) == (figure.value, figure.source, figure.note):
                    saved.append(_with_revision(figure, revision))
                    continue
                conn.execute(
                    "INSERT INTO figure_revisions (figure_id, revision, value, source, note, "
                    "saved_at, saved_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [fid, revision, value, source, note, updated_at, updated_by],
                )
                conn.execute(
                    "UPDATE figures SET value = ?, source = ?, note = ?, revision = ?, "
                    "updated_at = ?, updated_by = ? WHERE id = ?",
                    [figure.value, figure.source, figure.note, revision + 1, now, actor, fid],
                )
                saved.append(_with_revision(figure, revision + 1))
                changed += 1
                if value != figure.value:
                    new_values.append(figure.period_from)
            if changed:
                self._audit(conn, actor, "figures", None, f"{changed} figure(s)")  # type: ignore[attr-defined]
            if new_values:
                # Saved external updates that may show these figures follow them, in this
                # transaction, as they follow the records they cite (evidence/citing.py).
                self._refresh_for_figures(conn, min(new_values))  # type: ignore[attr-defined]
        return saved, changed

    def list_figures(
        self,
        measure: str | None = None,
        authority: str | None = None,
        locality: str | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
    ) -> list[Figure]:
        """Stored figures whose period overlaps ``date_from``..``date_to``, by measure, place
        and period."""
        sql = "SELECT * FROM figures WHERE 1 = 1"
        params: list[Any] = []
        for column, value in (("measure", measure), ("authority", authority),
                              ("locality", locality)):  # fmt: skip
            if value:
                sql += f" AND {column} = ?"
                params.append(value)
        if date_from:
            sql += " AND period_to >= ?"
            params.append(date_from)
        if date_to:
            sql += " AND period_from <= ?"
            params.append(date_to)
        sql += " ORDER BY measure, authority, locality, period_to, period_from"
        rows = self.conn.execute(sql.replace("SELECT *", f"SELECT {_COLUMNS}"), params)  # type: ignore[attr-defined]
        return [_from_row(row) for row in rows.fetchall()]

    def figures_floor(self, measure: str, since: str) -> str:
        """The earliest ``period_to`` that figures from ``since`` on need beside them: each
        place's last one before ``since`` (a change is on the figure before), among places
        with a figure from ``since`` on; ``since`` itself when there is none."""
        row = self.conn.execute(  # type: ignore[attr-defined]
            "SELECT min(last) FROM (SELECT max(period_to) AS last FROM figures AS f "
            "WHERE measure = ? AND period_to < ? AND EXISTS (SELECT 1 FROM figures AS g "
            "WHERE g.measure = f.measure AND g.authority = f.authority "
            "AND g.locality = f.locality AND g.period_to >= ?) GROUP BY authority, locality)",
            [measure, since, since],
        ).fetchone()
        return row[0] if row and row[0] else since

    def figures_signature(self) -> tuple:
        """Changes whenever a figure is added or changed (for caches of figures)."""
        return tuple(
            self.conn.execute(  # type: ignore[attr-defined]
                "SELECT count(*), max(id), max(updated_at), total(revision) FROM figures"
            ).fetchone()
        )

    def recent_figures(self, measure: str, per_place: int = 2) -> list[Figure]:
        """Every figure of the periods that are some place's latest ``per_place`` ones (so
        each period's groups are whole, for disclosure control)."""
        cursor = self.conn.execute(  # type: ignore[attr-defined]
            "SELECT * FROM figures WHERE measure = ? AND period_to IN ("
            "SELECT DISTINCT period_to FROM (SELECT period_to, row_number() OVER ("
            "PARTITION BY authority, locality ORDER BY period_to DESC) AS n "
            "FROM figures WHERE measure = ?) WHERE n <= ?) "
            "ORDER BY authority, locality, period_to, period_from",
            [measure, measure, per_place],
        )
        names = [d[0] for d in cursor.description]
        return [_figure(dict(zip(names, row, strict=True))) for row in cursor.fetchall()]

    def figure_history(self, measure: str, authority: str, locality: str, period_from: str,
                       period_to: str) -> list[dict[str, Any]]:  # fmt: skip
        """Earlier values of one figure, oldest first (who saved each, and when)."""
        rows = self.conn.execute(  # type: ignore[attr-defined]
            "SELECT r.revision, r.value, r.source, r.note, r.saved_at, r.saved_by "
            "FROM figure_revisions r JOIN figures f ON f.id = r.figure_id "
            "WHERE f.measure = ? AND f.authority = ? AND f.locality = ? AND f.period_from = ? "
            "AND f.period_to = ? ORDER BY r.revision",
            [measure, authority, locality, period_from, period_to],
        ).fetchall()
        keys = ("revision", "value", "source", "note", "saved_at", "saved_by")
        return [dict(zip(keys, row, strict=True)) for row in rows]


_COLUMNS = "measure, authority, locality, period_from, period_to, value, source, note, revision"


def _from_row(row: tuple) -> Figure:
    measure, authority, locality, start, end, value, source, note, revision = row
    return Figure(measure, authority, locality or "", start, end, float(value), source or "",
                  note or "", int(revision))  # fmt: skip


def _with_revision(figure: Figure, revision: int) -> Figure:
    from dataclasses import replace

    return replace(figure, revision=revision)


def _figure(row: dict[str, Any]) -> Figure:
    return Figure(
        measure=row["measure"],
        authority=row["authority"],
        locality=row["locality"] or "",
        period_from=row["period_from"],
        period_to=row["period_to"],
        value=float(row["value"]),
        source=row["source"] or "",
        note=row["note"] or "",
        revision=int(row["revision"]),
    )
