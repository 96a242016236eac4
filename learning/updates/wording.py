"""Words and numbers as a learning update writes them: dates, periods, changes, escaping."""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from evidence.validate import UNHOLDABLE

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#])")
_LINE_START = re.compile(r"^(\d+)\.(?=\s|$)|^([-+>])")
_PLAIN = re.compile(r"(?![-+>]|\d+\.(?:\s|$))[^\\`*_\[\]|#<]*")
# Control characters, and what XML (so Word) cannot hold: text saved before the door
# refused them (evidence/validate.py) must not stop a document.
_CONTROL = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f{UNHOLDABLE}]")


@lru_cache(maxsize=4096)  # the appendix writes the same few hundred dates again and again
def long_date(value: date | str) -> str:
    """A date as a board reads it: ``1 April 2025``."""
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _span(start: date, end: date, joiner: str) -> str:
    """Two dates joined, the first without its year when both share it."""
    if start.year == end.year:
        first = f"{start.day} {MONTHS[start.month - 1]}"
    else:
        first = long_date(start)
    return f"{first}{joiner}{long_date(end)}"


def period_range(start: date, end: date) -> str:
    """A period for titles: ``1 April – 30 June 2025``."""
    return _span(start, end, " – ")


def period_between(start: date, end: date) -> str:
    """A period for sentences: ``1 April and 30 June 2025``."""
    return _span(start, end, " and ")


def gap_sentence(start: date, end: date) -> str:
    """The plain sentence that names an indicator without evidence."""
    return f"No evidence was logged for this indicator between {period_between(start, end)}."


def plural(count: int | float, singular: str, many: str | None = None, zero: str = "") -> str:
    """``1 record``, ``3 records``; ``zero`` (such as "no") replaces a count of 0."""
    word = singular if count == 1 else (many or singular + "s")
    shown = zero if zero and not count else number(count)
    return f"{shown} {word}"


def number(value: int | float | None, places: int = 1) -> str:
    """A count or average without needless decimals, with thousands separators."""
    if value is None:
        return "–"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.{places}f}"


def average(value: float | None) -> str:
    """An average to one decimal place: ``4.0``, ``2.8``."""
    return "–" if value is None else f"{value:.1f}"


def money(value: float) -> str:
    """An amount in pounds: ``£1,250`` or ``£99.50``."""
    if float(value).is_integer():
        return f"£{int(value):,}"
    return f"£{value:,.2f}"


def change_words(current: int, previous: int) -> str:
    """The change from the previous period in words."""
    if current == previous:
        return "no change"
    if current > previous:
        return f"up {current - previous}"
    return f"down {previous - current}"


def change_sign(current: int, previous: int) -> str:
    """The change as a signed number: ``+2``, ``−1``, ``0``."""
    diff = current - previous
    if diff > 0:
        return f"+{diff}"
    if diff < 0:
        return f"−{-diff}"
    return "0"


def clean(text: object) -> str:
    """One line of plain text: control characters gone, runs of whitespace made one space."""
    line = str(text) if text is not None else ""
    # Most text is one clean line already: printable (so no control character and no space
    # but " ") without a double, leading or trailing space. A long update cleans ~100,000.
    if line.isprintable() and "  " not in line and line[:1] != " " and line[-1:] != " ":
        return line
    return " ".join(_CONTROL.sub("", line).split())


_MARK = "\u2603"  # printable, and not a space: it shows where one value ends in a join


def clean_all(values: list[object]) -> list[str]:
    """``[clean(v) for v in values]``, checked over all of them at once when all are text
    (the annex of a year's update cleans ~200,000 cells, nearly all clean already)."""
    try:
        joined = _MARK.join(values)  # type: ignore[arg-type]
    except TypeError:  # not all text
        return [clean(v) for v in values]
    if (
        joined.isprintable()
        and "  " not in joined
        and f" {_MARK}" not in joined
        and f"{_MARK} " not in joined
        and joined[:1] != " "
        and joined[-1:] != " "
    ):
        return list(values)  # type: ignore[arg-type]
    return [clean(v) for v in values]


def md_escape(text: object) -> str:
    """User text made safe to place inline in Markdown without breaking its structure."""
    line = clean(text)
    if _PLAIN.fullmatch(line):  # most titles and names: nothing to escape
        return line
    line = _MD_SPECIAL.sub(r"\\\1", line)
    line = line.replace("<", "&lt;")
    return _LINE_START.sub(lambda m: f"{m.group(1)}\\." if m.group(1) else f"\\{m.group(2)}", line)
