"""The plans a data dir has used, each in force from a date until the next one's start.

The store keeps each plan's file text, name, title, start and the map its adoption applied;
what a plan *means* (parsing, judging records) is the application's. An adoption is one
``BEGIN IMMEDIATE`` transaction: the new plan's row, every record rewritten to fit it (each a
new revision), the ratings it remaps and an audit line, or none of them.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from .figures import Figure
from .model import Record, ValidationError, utcnow
from .rows import row_to_record

# Tests set this to a number of seconds to sleep inside an adoption's transaction (to kill
# the process there and show that a crash leaves the old plans, or the new, never half).
ADOPT_PAUSE_ENV = "WM2U_TEST_ADOPT_PAUSE"


@dataclass(frozen=True)
class PlanRow:
    """One plan as stored: ``valid_from`` None for the first (in force for every earlier date)."""

    id: int
    name: str
    title: str
    valid_from: str | None
    text: str
    map: dict[str, str] = field(default_factory=dict)
    adopted_at: str = ""
    adopted_by: str = ""
    shipped: bool = False


@dataclass
class Adoption:
    """What an adoption writes besides the plan: records as rewritten, ratings remapped."""

    records: list[Record] = field(default_factory=list)
    ratings: list[tuple[int, str]] = field(default_factory=list)  # (rating id, new indicator)
    figures: list[tuple[Figure, Figure]] = field(default_factory=list)  # (as was, moved)


class Plans:
    """The store's plans (mixed into ``Store``)."""

    conn: sqlite3.Connection

    def plans(self) -> list[PlanRow]:
        """Every plan held, oldest first (the first has no start)."""
        rows = self.conn.execute(
            "SELECT id, name, title, valid_from, text, map, adopted_at, adopted_by, shipped "
            "FROM plans "
            "ORDER BY valid_from IS NOT NULL, valid_from"
        ).fetchall()
        return [
            PlanRow(r[0], r[1], r[2], r[3], r[4], json.loads(r[5] or "{}"), r[6], r[7], bool(r[8]))
            for r in rows
        ]

    def plans_version(self) -> tuple[int, ...]:
        """Changes whenever a plan is added or replaced (in any process)."""
        row = self.conn.execute(
            "SELECT count(*), coalesce(max(id), 0), coalesce(sum(length(text)), 0) FROM plans"
        ).fetchone()
        return int(row[0]), int(row[1]), int(row[2])

    def set_first_plan(
        self,
        name: str,
        title: str,
        text: str,
        actor: str = "",
        only_if_none: bool = False,
        shipped: bool = False,
    ) -> None:
        """Make ``name`` the data dir's only plan (a data dir without records, or, with
        ``only_if_none``, the upgrade of one that kept its single plan in meta "framework")."""
        with self.write() as conn:  # type: ignore[attr-defined]
            if only_if_none and conn.execute("SELECT 1 FROM plans LIMIT 1").fetchone():
                return
            conn.execute("DELETE FROM plans")
            conn.execute(
                "INSERT INTO plans (name, title, valid_from, text, map, adopted_at, adopted_by, "
                "shipped) VALUES (?, ?, NULL, ?, '{}', ?, ?, ?)",
                [name, title, text, utcnow(), actor, int(shipped)],
            )

    def refresh_plan(self, plan_id: int, title: str, text: str) -> None:
        """A held plan's file text and title brought up to date (a shipped plan's new copy)."""
        with self.write() as conn:  # type: ignore[attr-defined]
            conn.execute(
                "UPDATE plans SET title = ?, text = ? WHERE id = ?", [title, text, plan_id]
            )

    def adopt_plan(
        self,
        name: str,
        title: str,
        text: str,
        valid_from: str,
        mapping: dict[str, str],
        prepare: Callable[[Iterator[Record]], Adoption],
        actor: str = "",
        dry_run: bool = False,
        shipped: bool = False,
    ) -> Adoption:
        """Put a plan in force from ``valid_from`` in one transaction.

        ``prepare`` is handed every record (soft-deleted ones too) dated ``valid_from`` or
        later, read inside the transaction, and returns what to rewrite, or raises to refuse
        (nothing is written). ``dry_run`` rolls everything back."""
        with self.write() as conn:  # type: ignore[attr-defined]
            latest = conn.execute("SELECT max(valid_from) FROM plans").fetchone()[0]
            if latest is not None and valid_from <= latest:
                raise ValidationError(
                    "from",
                    f"{valid_from} is not after {latest}, when the plan now in force started "
                    "(a new plan must start after it)",
                )
            cursor = conn.execute(
                "SELECT * FROM records WHERE date >= ? ORDER BY date, id", [valid_from]
            )
            names = [d[0] for d in cursor.description]
            adoption = prepare(row_to_record(dict(zip(names, r, strict=True))) for r in cursor)
            if dry_run:
                return adoption  # nothing written: the transaction commits nothing
            conn.execute(
                "INSERT INTO plans (name, title, valid_from, text, map, adopted_at, adopted_by, "
                "shipped) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    name,
                    title,
                    valid_from,
                    text,
                    json.dumps(mapping),
                    utcnow(),
                    actor,
                    int(shipped),
                ],
            )
            # The plan and the moved figures first: a saved learning update citing a rewritten
            # record is made again (in this transaction) under the plans as they will be.
            _move_figures(conn, adoption.figures)
            for record in adoption.records:
                self._rewrite(conn, record, actor)  # type: ignore[attr-defined]
            for rating_id, indicator in adoption.ratings:
                conn.execute(
                    "UPDATE ratings SET indicator = ? WHERE id = ?", [indicator, rating_id]
                )
            # The plan in force today decides which measures an update shows and what it
            # withholds: every saved external update follows it, as it follows the figures.
            self._refresh_for_figures(conn, "")  # type: ignore[attr-defined]
            self._audit(  # type: ignore[attr-defined]
                conn,
                actor,
                "plan-adopt",
                None,
                f"{name} from {valid_from}; {len(adoption.records)} record(s) rewritten"
                + (f"; map {_map_text(mapping)}" if mapping else ""),
            )
            pause = os.environ.get(ADOPT_PAUSE_ENV)
            if pause:
                print("adoption: inside the transaction", flush=True)
                time.sleep(float(pause))
        return adoption


def _move_figures(conn: sqlite3.Connection, moves: list[tuple[Figure, Figure]]) -> None:
    """Move each figure of a mapped place to its new place. Two steps, so that places that
    swap or follow each other (A=B, B=C) never hold two figures at once in between; the check
    before has refused any map that makes two figures one."""
    ids = []
    for old, _ in moves:
        row = conn.execute(
            "SELECT id FROM figures WHERE measure = ? AND authority = ? AND locality = ? "
            "AND period_from = ? AND period_to = ?",
            [old.measure, old.authority, old.locality, old.period_from, old.period_to],
        ).fetchone()
        ids.append(row[0])
    for figure_id in ids:  # out of the way first: a place no plan can name
        conn.execute("UPDATE figures SET locality = '(moving) ' || id WHERE id = ?", [figure_id])
    for figure_id, (_, moved) in zip(ids, moves, strict=True):
        conn.execute(
            "UPDATE figures SET authority = ?, locality = ? WHERE id = ?",
            [moved.authority, moved.locality, figure_id],
        )


def _map_text(mapping: dict[str, str]) -> str:
    return ", ".join(f"{old}={new}" for old, new in mapping.items())
