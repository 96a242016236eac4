"""Most Significant Change rounds in the store: SQL only, each write one transaction.

A round's domains, panel and candidates are small lists kept as JSON with it; its choices
(one a domain) live in ``msc_choices``, found by their story for the feedback on its page. A
closed round is frozen: every write checks the state inside its own transaction.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from .model import NotFound, new_id, utcnow
from .names import replace_names

if TYPE_CHECKING:
    from .passages import Passages
    from .store import Store

STATES = ("draft", "open", "closed")
ROLES = ("family", "practitioner", "other")
TEAM_ROLES = ("practitioner",)  # family members and others on a panel are not the team
ERASED_STORY = "a story since erased"
ERASED = "[erased]"  # as erasure.ERASED, which imports this module
_ROUND_COLUMNS = ("id", "title", "period_from", "period_to", "question", "level", "parent",
                  "state", "domains", "panel", "candidates", "created_by", "created_at",
                  "updated_at", "closed_at")  # fmt: skip
_LISTS = ("domains", "panel", "candidates")
_CHOICE_COLUMNS = ("round_id", "domain", "record_id", "reasons", "votes", "dissent", "told_by",
                   "written_by", "told_on", "told_where", "read_back", "recorded_by",
                   "recorded_at")  # fmt: skip


class RoundClosed(Exception):
    """A closed round is frozen: nothing in it changes."""

    def __init__(self, round_id: str) -> None:
        self.round_id = round_id
        super().__init__(f"round {round_id} is closed: nothing in it changes")


@dataclass
class Round:
    """A Most Significant Change round as stored."""

    id: str
    title: str
    period_from: str
    period_to: str
    question: str
    level: str
    parent: str | None = None
    state: str = "open"
    domains: list[dict[str, str]] = field(default_factory=list)
    panel: list[dict[str, str]] = field(default_factory=list)
    candidates: list[dict[str, str]] = field(default_factory=list)
    created_by: str = ""
    created_at: str = ""
    updated_at: str = ""
    closed_at: str | None = None

    def domain_name(self, domain_id: str) -> str:
        """A domain's name, or its id when the round no longer has it."""
        return next((d["name"] for d in self.domains if d["id"] == domain_id), domain_id)


@dataclass
class Choice:
    """A panel's choice in one domain of a round (``record`` None: no story chosen)."""

    round_id: str
    domain: str
    record: str | None
    reasons: str
    votes: int | None = None
    dissent: str = ""
    told_by: str = ""
    written_by: str = ""
    when: str | None = None
    where: str = ""
    read_back: bool | None = None
    recorded_by: str = ""
    recorded_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The choice as the API shows it to the team."""
        out = asdict(self)
        del out["round_id"]
        return out


def _round(row: sqlite3.Row | tuple) -> Round:
    values = dict(zip(_ROUND_COLUMNS, row, strict=True))
    for key in _LISTS:
        values[key] = json.loads(values[key])
    return Round(**values)


def _choice(row: tuple) -> Choice:
    v = dict(zip(_CHOICE_COLUMNS, row, strict=True))
    read_back = None if v["read_back"] is None else bool(v["read_back"])
    return Choice(v["round_id"], v["domain"], v["record_id"], v["reasons"], v["votes"],
                  v["dissent"], v["told_by"], v["written_by"], v["told_on"], v["told_where"],
                  read_back, v["recorded_by"], v["recorded_at"])  # fmt: skip


def _select_rounds(conn: sqlite3.Connection, where: str = "", args: list | tuple = ()):
    columns = ", ".join(_ROUND_COLUMNS)
    rows = conn.execute(f"SELECT {columns} FROM msc_rounds {where}", list(args))
    return [_round(r) for r in rows.fetchall()]


def get_round(store: Store, round_id: str) -> Round:
    """One round; NotFound when there is none."""
    found = _select_rounds(store.conn, "WHERE id = ?", [round_id])
    if not found:
        raise NotFound(f"round {round_id}")
    return found[0]


def list_rounds(store: Store, states: tuple[str, ...] = STATES) -> list[Round]:
    """Rounds in these states, newest period first."""
    marks = ", ".join("?" * len(states))
    return _select_rounds(
        store.conn, f"WHERE state IN ({marks}) ORDER BY period_to DESC, title", states
    )


def child_rounds(store: Store, round_id: str) -> list[Round]:
    """The rounds whose choices go up to this one."""
    return _select_rounds(store.conn, "WHERE parent = ? ORDER BY title", [round_id])


def choices_of(store: Store, round_ids: list[str]) -> dict[str, list[Choice]]:
    """Each round's choices, by round id."""
    found: dict[str, list[Choice]] = {i: [] for i in round_ids}
    for start in range(0, len(round_ids), 500):
        chunk = round_ids[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        rows = store.conn.execute(
            f"SELECT {', '.join(_CHOICE_COLUMNS)} FROM msc_choices "
            f"WHERE round_id IN ({marks}) ORDER BY round_id, domain",
            chunk,
        )
        for row in rows.fetchall():
            found[row[0]].append(_choice(row))
    return found


def choices_of_record(store: Store, record_id: str) -> list[tuple[Round, Choice]]:
    """Every choice of this story, with its round."""
    rows = store.conn.execute(
        f"SELECT {', '.join(_CHOICE_COLUMNS)} FROM msc_choices WHERE record_id = ?", [record_id]
    ).fetchall()
    choices = [_choice(r) for r in rows]
    return [(get_round(store, c.round_id), c) for c in choices]


def _frozen(conn: sqlite3.Connection, round_id: str) -> None:
    row = conn.execute("SELECT state FROM msc_rounds WHERE id = ?", [round_id]).fetchone()
    if row is None:
        raise NotFound(f"round {round_id}")
    if row[0] == "closed":
        raise RoundClosed(round_id)


def _row(r: Round) -> list[Any]:
    values = asdict(r)
    return [json.dumps(values[c], ensure_ascii=False) if c in _LISTS else values[c]
            for c in _ROUND_COLUMNS]  # fmt: skip


def add_round(store: Store, r: Round, actor: str = "") -> Round:
    """Save a new round (a new id) and audit it."""
    now = utcnow()
    r = Round(**{**asdict(r), "id": new_id(), "created_by": actor, "created_at": now,
                 "updated_at": now, "closed_at": now if r.state == "closed" else None})  # fmt: skip
    with store.write() as conn:
        marks = ", ".join("?" * len(_ROUND_COLUMNS))
        conn.execute(f"INSERT INTO msc_rounds ({', '.join(_ROUND_COLUMNS)}) VALUES ({marks})",
                     _row(r))  # fmt: skip
        store._audit(conn, actor, "msc-round-add", None, r.id)
    return get_round(store, r.id)


def change_round(store: Store, r: Round, actor: str = "") -> Round:
    """Change a round that is not closed (RoundClosed otherwise) and audit it."""
    with store.write() as conn:
        _frozen(conn, r.id)
        kept = ("id", "created_by", "created_at", "closed_at")
        columns = [c for c in _ROUND_COLUMNS if c not in kept]
        values = dict(zip(_ROUND_COLUMNS, _row(r), strict=True))
        values["updated_at"] = utcnow()
        sets = ", ".join(f"{c} = ?" for c in columns)
        conn.execute(f"UPDATE msc_rounds SET {sets} WHERE id = ?",
                     [values[c] for c in columns] + [r.id])  # fmt: skip
        store._audit(conn, actor, "msc-round-change", None, r.id)
    return get_round(store, r.id)


def close_round(store: Store, round_id: str, actor: str = "") -> Round:
    """Close a round: from now on it is frozen (RoundClosed for any change)."""
    with store.write() as conn:
        _frozen(conn, round_id)
        now = utcnow()
        conn.execute("UPDATE msc_rounds SET state = 'closed', closed_at = ?, updated_at = ? "
                     "WHERE id = ?", [now, now, round_id])  # fmt: skip
        store._audit(conn, actor, "msc-round-close", None, round_id)
    return get_round(store, round_id)


def record_choices(store: Store, round_id: str, choices: list[Choice], actor: str = "") -> None:
    """Record the panel's choices, each replacing the choice of its domain (audited, one line a
    domain, saying who recorded which story)."""
    now = utcnow()
    with store.write() as conn:
        _frozen(conn, round_id)
        for c in choices:
            read_back = None if c.read_back is None else int(c.read_back)
            conn.execute(
                f"INSERT OR REPLACE INTO msc_choices ({', '.join(_CHOICE_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(_CHOICE_COLUMNS))})",
                [round_id, c.domain, c.record, c.reasons, c.votes, c.dissent, c.told_by,
                 c.written_by, c.when, c.where, read_back, actor, now],
            )  # fmt: skip
            detail = f"round {round_id}, domain {c.domain}: {c.record or 'no story'}"
            store._audit(conn, actor, "msc-choice", c.record, detail)


def erase_record(
    conn: sqlite3.Connection, record_id: str, people: list[str], words: Passages
) -> None:
    """An erased story's words leave every choice's texts, and its people's names the texts of
    every choice of the rounds that held it (reasons compare stories; in the erasure's
    transaction); its choices and candidacies keep their place, shown as "a story since
    erased"."""
    held = {round_id for (round_id,) in conn.execute(
        "SELECT id FROM msc_rounds WHERE instr(candidates, ?) > 0", [record_id])}  # fmt: skip
    held |= {round_id for (round_id,) in conn.execute(
        "SELECT round_id FROM msc_choices WHERE record_id = ?", [record_id])}  # fmt: skip
    rows = conn.execute(
        "SELECT round_id, domain, record_id, reasons, dissent, told_by, written_by FROM msc_choices"
    ).fetchall()
    for round_id, domain, chosen, *texts in rows:
        names = people if round_id in held or chosen == record_id else []
        cut = [replace_names(words.cut(t or ""), names, lambda _i: ERASED) for t in texts]
        if cut != [t or "" for t in texts]:
            conn.execute(
                "UPDATE msc_choices SET reasons = ?, dissent = ?, told_by = ?, written_by = ? "
                "WHERE round_id = ? AND domain = ?",
                [*cut, round_id, domain],
            )
