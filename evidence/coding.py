"""The codebook and excerpts in the store: SQL only, each write one transaction.

The team's codes live in ``codes``; the plan's objectives and indicators are codes too, but
the plans own them (the application adds them to the codebook). An excerpt is a passage of a
record's text (``source``: ``body``, or ``attachment:ID``, an attachment's kept text) coded with
codes (``excerpt_codes``). Every read joins the excerpt's record: a soft-deleted record's
excerpts are not read, nor those of a soft-deleted attachment, and the reader's consent levels
(of the record, and of an attachment) decide the rest, in this one counting path. Coding a
passage queues its record for the search index (the codes of its excerpts are searched) in the
same transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from .anchoring import Anchor, reanchor_all
from .model import NotFound, Record, ValidationError, new_id, utcnow

if TYPE_CHECKING:
    from .passages import Passages
    from .store import Store

EXCERPT_COLUMNS = ("id", "record_id", "source", "start", "end", "text", "prefix", "suffix",
                   "status", "memo", "author", "created_at", "updated_at")  # fmt: skip
_SELECT = ", ".join(f'e."{c}"' for c in EXCERPT_COLUMNS)
_INSERT = (
    "INSERT INTO excerpts (" + ", ".join(f'"{c}"' for c in EXCERPT_COLUMNS) + ") "
    f"VALUES ({', '.join('?' * len(EXCERPT_COLUMNS))})"
)


@dataclass
class Code:
    """One of the team's codes (the plan's codes are made by the application)."""

    id: str
    name: str
    guid: str = ""
    description: str = ""
    colour: str | None = None
    parent: str | None = None
    codable: bool = True


@dataclass
class Excerpt:
    """A passage of a record's text with its codes and memo, as stored."""

    id: str
    record: str
    text: str
    codes: list[str]
    source: str = "body"
    start: int | None = None
    end: int | None = None
    prefix: str = ""
    suffix: str = ""
    status: str = "exact"
    memo: str | None = None
    author: str = ""
    created_at: str = ""
    updated_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The excerpt as the API shows it to the team, keys in the contract's order."""
        keys = ("id", "record", "source", "start", "end", "text", "codes", "memo", "author",
                "status", "created_at", "updated_at")  # fmt: skip
        return {key: getattr(self, key) for key in keys}


@dataclass
class ExcerptFilter:
    """Which excerpts to read; every list is "any of", ``None`` or empty is "any"."""

    codes: list[str] | None = None
    indicator: list[str] | None = None
    record: str | None = None
    locality: list[str] | None = None
    date_from: str | None = None
    date_to: str | None = None
    coder: str | None = None
    status: str | None = None
    consents: Sequence[str] = field(default_factory=lambda: ("internal", "anonymised", "public"))


class CodeInUse(Exception):
    """A code still used by excerpts cannot be deleted (merge it instead)."""

    def __init__(self, code: str, count: int) -> None:
        self.code = code
        self.count = count
        super().__init__(
            f"code {code} is used by {count} excerpt(s); merge it into another code, or "
            "uncode them first"
        )


# --- the codebook ---------------------------------------------------------------------------


def team_codes(store: Store) -> list[Code]:
    """Every code the team made, in the order made."""
    rows = store.conn.execute(
        "SELECT id, name, guid, description, colour, parent, codable FROM codes "
        "ORDER BY created_at, id"
    )
    return [Code(*row[:6], codable=bool(row[6])) for row in rows]


def get_code(store: Store, code_id: str) -> Code:
    """One of the team's codes; NotFound if there is none."""
    for code in _codes_where(store.conn, "id = ?", [code_id]):
        return code
    raise NotFound(f"code {code_id}")


def _codes_where(conn: sqlite3.Connection, where: str, params: list[Any]) -> list[Code]:
    rows = conn.execute(
        f"SELECT id, name, guid, description, colour, parent, codable FROM codes WHERE {where}",
        params,
    )
    return [Code(*row[:6], codable=bool(row[6])) for row in rows]


def _refuse_cycle(
    conn: sqlite3.Connection, code_id: str, parent: str | None, name: str = "parent"
) -> None:
    """Refuse a parent that is the code itself or one of its descendants."""
    seen, asked = set(), parent
    while parent is not None and parent not in seen:
        if parent == code_id:
            raise ValidationError(name, f"{asked} is {code_id} itself or one of its own codes")
        seen.add(parent)
        row = conn.execute("SELECT parent FROM codes WHERE id = ?", [parent]).fetchone()
        parent = row[0] if row else None


def add_code(store: Store, code: Code, guid: str, actor: str = "") -> Code:
    """Save a new code of the team's; refused if its id is taken."""
    with store.write() as conn:
        if conn.execute("SELECT 1 FROM codes WHERE id = ?", [code.id]).fetchone():
            raise ValidationError("id", f"a code with id {code.id} already exists")
        insert_code(conn, code, guid)
        store._audit(conn, actor, "code-add", None, code.id)
    return get_code(store, code.id)


def insert_code(conn: sqlite3.Connection, code: Code, guid: str) -> None:
    """A new code's row, in the caller's transaction (its id checked free by the caller)."""
    now = utcnow()
    conn.execute(
        "INSERT INTO codes (id, guid, name, description, colour, parent, codable, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [code.id, guid, code.name, code.description, code.colour, code.parent,
         int(code.codable), now, now],
    )  # fmt: skip


def change_code(store: Store, code: Code, actor: str = "") -> Code:
    """Rename, describe, recolour or move a code of the team's (its guid stays)."""
    with store.write() as conn:
        current = get_code(store, code.id)
        _refuse_cycle(conn, code.id, code.parent)
        conn.execute(
            "UPDATE codes SET name = ?, description = ?, colour = ?, parent = ?, codable = ?, "
            "updated_at = ? WHERE id = ?",
            [code.name, code.description, code.colour, code.parent, int(code.codable),
             utcnow(), code.id],
        )  # fmt: skip
        if not code.codable and current.codable and _uses(conn, code.id):
            raise ValidationError("codable", f"{code.id} codes excerpts: it must stay codable")
        store._audit(conn, actor, "code-change", None, code.id)
    return get_code(store, code.id)


def import_codes(
    store: Store, added: Sequence[Code], changed: Sequence[Code], summary: str, actor: str = ""
) -> None:
    """A codebook file's new codes (each with its ``guid``) and the new name, description and
    colour of known ones, in one transaction, audited once with ``summary``."""
    now = utcnow()
    with store.write() as conn:
        for code in added:
            if conn.execute("SELECT 1 FROM codes WHERE id = ?", [code.id]).fetchone():
                raise ValidationError("id", f"a code with id {code.id} already exists")
            conn.execute(
                "INSERT INTO codes (id, guid, name, description, colour, parent, codable, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [code.id, code.guid, code.name, code.description, code.colour, code.parent,
                 int(code.codable), now, now],
            )  # fmt: skip
        for code in changed:
            conn.execute(
                "UPDATE codes SET name = ?, description = ?, colour = ?, updated_at = ? "
                "WHERE id = ?",
                [code.name, code.description, code.colour, now, code.id],
            )
        store._audit(conn, actor, "codes-import", None, summary)


def _uses(conn: sqlite3.Connection, code_id: str) -> int:
    row = conn.execute("SELECT count(*) FROM excerpt_codes WHERE code_id = ?", [code_id])
    return row.fetchone()[0]


def _queue_records_of(store: Store, conn: sqlite3.Connection, code_id: str) -> None:
    """Queue for the index every record with an excerpt coded ``code_id``."""
    rows = conn.execute(
        "SELECT DISTINCT e.record_id FROM excerpt_codes c JOIN excerpts e ON e.id = c.excerpt_id "
        "WHERE c.code_id = ?",
        [code_id],
    ).fetchall()
    for (record_id,) in rows:
        store._queue(conn, record_id)


def merge_code(store: Store, code_id: str, into: str, actor: str = "") -> int:
    """Move a team code's excerpts and child codes to ``into`` and delete it; return how
    many excerpts moved."""
    with store.write() as conn:
        get_code(store, code_id)
        _refuse_cycle(conn, code_id, into, "into")
        moved = _uses(conn, code_id)
        _queue_records_of(store, conn, code_id)
        conn.execute(
            "INSERT OR IGNORE INTO excerpt_codes (excerpt_id, code_id) "
            "SELECT excerpt_id, ? FROM excerpt_codes WHERE code_id = ?",
            [into, code_id],
        )
        conn.execute("DELETE FROM excerpt_codes WHERE code_id = ?", [code_id])
        conn.execute("UPDATE codes SET parent = ? WHERE parent = ?", [into, code_id])
        conn.execute("DELETE FROM codes WHERE id = ?", [code_id])
        store._audit(conn, actor, "code-merge", None, f"{code_id} into {into} ({moved} excerpts)")
    return moved


def delete_code(store: Store, code_id: str, actor: str = "") -> None:
    """Delete a team code no excerpt uses (its child codes move up to its parent)."""
    with store.write() as conn:
        code = get_code(store, code_id)
        used = _uses(conn, code_id)
        if used:
            raise CodeInUse(code_id, used)
        conn.execute("UPDATE codes SET parent = ? WHERE parent = ?", [code.parent, code_id])
        conn.execute("DELETE FROM codes WHERE id = ?", [code_id])
        store._audit(conn, actor, "code-delete", None, code_id)


# Outside the team a detached excerpt is not shown (``consent.present_excerpt``): its words
# are no longer in the record that reader sees. Counts and pages leave it out alike.
_ATTACHED = "e.start IS NOT NULL"
# An attachment's passages: the excerpt tally holds only the body's; these few are counted
# apart (a partial index, m018, finds them). Written exactly so, for SQLite to use the index.
_OF_ATTACHMENTS = "e.source != 'body'"
# Queries over them read the excerpts through that index, then their records: left to choose,
# SQLite walked every live record and probed the index for each, or every passage of the
# codes asked for (30–350 ms at 100,000 records and 500,000 passages, not 0.1 ms).
_FROM_ATTACHMENTS = "excerpts e INDEXED BY idx_excerpts_of_attachments CROSS JOIN records r"


def _shown_source(consents: Sequence[str]) -> tuple[str, list[str]]:
    """The condition that an excerpt's text is shown: the body, or a live attachment whose
    consent is among ``consents`` (the levels are nested, so an attachment of a record shown
    is shown when its own consent is: the narrower of the two is then among them)."""
    marks = ", ".join("?" * len(consents))
    # A list computed once per query (not per excerpt): the body's excerpts pass at once.
    clause = (
        "(e.source = 'body' OR e.source IN (SELECT 'attachment:' || a.id FROM attachments a "
        f"WHERE a.deleted_at IS NULL AND a.consent IN ({marks})))"
    )
    return clause, list(consents)


def _outside(consents: Sequence[str]) -> bool:
    """Whether these consent levels are a reader's outside the team (no internal records)."""
    return "internal" not in consents


def count_by_code(store: Store, consents: Sequence[str]) -> dict[str, int]:
    """How many excerpts of live records of these consent levels each code has."""
    marks = ", ".join("?" * len(consents))
    attached = " AND attached = 1" if _outside(consents) else ""
    # The excerpt tally (kept by triggers in every write's transaction; tally.py) answers at
    # once where counting 500,000 excerpts took a second after every write. It holds the
    # body's passages; an attachment's (few) are counted here, shown as its consent allows.
    # Remembered until a write (every passage's write queues its record): a code's page asks
    # for the codebook's counts twice, and every page between two codings asks again.
    counts = dict(store._aggregate(
        f"SELECT code, sum(n) FROM excerpt_tally WHERE consent IN ({marks}){attached} "
        "GROUP BY code HAVING sum(n) != 0",
        list(consents),
    ))  # fmt: skip
    shown, shown_params = _shown_source(consents)
    outside = f" AND {_ATTACHED}" if _outside(consents) else ""
    more = store._aggregate(
        f"SELECT c.code_id, count(*) FROM {_FROM_ATTACHMENTS} ON r.id = e.record_id "
        f"CROSS JOIN excerpt_codes c ON c.excerpt_id = e.id "
        f"WHERE {_OF_ATTACHMENTS} AND r.deleted_at IS NULL "
        f"AND r.consent IN ({marks}){outside} AND {shown} GROUP BY c.code_id",
        [*consents, *shown_params],
    )
    for code, n in more:
        counts[code] = counts.get(code, 0) + n
    return counts


def _tallied_total(store: Store, f: ExcerptFilter) -> int | None:
    """How many excerpts match ``f``, from the excerpt tally, when ``f`` asks only for codes,
    consent levels and localities; None otherwise (a count over the passages answers)."""
    if not f.codes or f.indicator or f.record or f.date_from or f.date_to or f.coder:
        return None
    if f.status:
        return None
    codes = sorted(set(f.codes))
    clauses = [f"code IN ({', '.join('?' * len(codes))})",
               f"consent IN ({', '.join('?' * len(f.consents))})"]  # fmt: skip
    params: list[Any] = [*codes, *f.consents]
    if _outside(f.consents):
        clauses.append("attached = 1")
    if f.locality:
        clauses.append(f"locality IN ({', '.join('?' * len(f.locality))})")
        params += list(f.locality)
    rows = store.conn.execute(
        f"SELECT code, sum(n) FROM excerpt_tally WHERE {' AND '.join(clauses)} GROUP BY code",
        params,
    ).fetchall()
    where, params = _where(f)
    of_attachments = store.conn.execute(
        f"SELECT count(*) FROM {_FROM_ATTACHMENTS} ON r.id = e.record_id "
        f"WHERE {_OF_ATTACHMENTS} AND {where}",
        params,
    ).fetchone()[0]
    if len(rows) < 2:
        return sum(n for _, n in rows) + of_attachments
    biggest = max(rows, key=lambda row: row[1])[0]
    return sum(n for _, n in rows) - _overlap(store, f, codes, biggest) + of_attachments


def _overlap(store: Store, f: ExcerptFilter, codes: list[str], biggest: str) -> int:
    """How many more times than once the tally counts the excerpts matching ``f`` that hold
    several of ``codes`` (a code and its sub-code on one passage). Each such excerpt holds one
    of the codes other than the ``biggest``: they are found from those codes' postings."""
    where, params = _where(replace(f, codes=None))
    marks = ", ".join("?" * len(codes))
    others = [code for code in codes if code != biggest]
    # Each excerpt's links read once by its id (``+`` keeps SQLite off the codes' index).
    return store._aggregate(
        "SELECT coalesce(sum(m.k - 1), 0) FROM (SELECT o.excerpt_id, count(*) AS k FROM "
        f"(SELECT DISTINCT excerpt_id FROM excerpt_codes WHERE code_id IN "
        f"({', '.join('?' * len(others))})) o CROSS JOIN excerpt_codes x "
        f"WHERE x.excerpt_id = o.excerpt_id AND +x.code_id IN ({marks}) GROUP BY o.excerpt_id "
        "HAVING count(*) > 1) m CROSS JOIN excerpts e CROSS JOIN records r "
        f"WHERE e.id = m.excerpt_id AND r.id = e.record_id AND e.source = 'body' AND {where}",
        [*others, *codes, *params],
    )[0][0]


def codes_in_use(store: Store) -> set[str]:
    """Every code any excerpt holds."""
    # Skipping from one code to the next on the codes' index: 300 seeks, where reading all
    # 500,000 links took 70 ms after every write.
    rows = store.conn.execute(
        "WITH RECURSIVE used(code) AS (SELECT min(code_id) FROM excerpt_codes UNION ALL "
        "SELECT (SELECT min(code_id) FROM excerpt_codes WHERE code_id > used.code) FROM used "
        "WHERE used.code IS NOT NULL) SELECT code FROM used WHERE code IS NOT NULL"
    )
    return {row[0] for row in rows}


# --- excerpts -------------------------------------------------------------------------------


def _row_excerpt(row: Sequence[Any], codes: list[str]) -> Excerpt:
    data = dict(zip(EXCERPT_COLUMNS, row, strict=True))
    data["record"] = data.pop("record_id")
    return Excerpt(codes=codes, **data)


def _codes_of(conn: sqlite3.Connection, excerpt_ids: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {i: [] for i in excerpt_ids}
    for chunk in _chunks(excerpt_ids, 500):
        rows = conn.execute(
            "SELECT excerpt_id, code_id FROM excerpt_codes "
            f"WHERE excerpt_id IN ({', '.join('?' * len(chunk))}) ORDER BY code_id",
            chunk,
        )
        for excerpt_id, code_id in rows:
            found[excerpt_id].append(code_id)
    return found


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def get_excerpt(store: Store, excerpt_id: str) -> Excerpt:
    """One excerpt by id, whatever its record's state; NotFound if there is none."""
    row = store.conn.execute(
        f"SELECT {_SELECT} FROM excerpts e WHERE e.id = ?", [excerpt_id]
    ).fetchone()
    if row is None:
        raise NotFound(f"excerpt {excerpt_id}")
    return _row_excerpt(row, _codes_of(store.conn, [excerpt_id])[excerpt_id])


def _on_records(f: ExcerptFilter, record: str) -> tuple[list[str], list[Any]]:
    """The conditions of ``f`` on its passages' records (``r``; ``record``: the column naming
    the record): live, of the reader's consent levels, indicator, locality, period."""
    clauses = ["r.deleted_at IS NULL", f"r.consent IN ({', '.join('?' * len(f.consents))})"]
    params: list[Any] = list(f.consents)
    if f.indicator:
        clauses.append(
            f"{record} IN (SELECT record_id FROM record_indicators "
            f"WHERE code IN ({', '.join('?' * len(f.indicator))}))"
        )
        params += list(f.indicator)
    if f.locality:
        clauses.append(f"r.locality IN ({', '.join('?' * len(f.locality))})")
        params += list(f.locality)
    for clause, value in (("r.date >= ?", f.date_from), ("r.date <= ?", f.date_to)):
        if value:
            clauses.append(clause)
            params.append(value)
    return clauses, params


def _where(f: ExcerptFilter, walk: bool = False) -> tuple[str, list[Any]]:
    """The conditions of ``f`` on ``e`` (excerpts) and ``r`` (records); ``walk``: the codes
    checked excerpt by excerpt (walking records by date) rather than listed from their index."""
    clauses, params = _on_records(f, "e.record_id")
    if _outside(f.consents):
        clauses.append(_ATTACHED)
    shown, shown_params = _shown_source(f.consents)
    clauses.append(shown)
    params += shown_params
    if f.codes is not None:
        codes = list(f.codes) or ["\x00"]
        marks = ", ".join("?" * len(codes))
        clauses.append(
            "EXISTS (SELECT 1 FROM excerpt_codes c WHERE c.excerpt_id = e.id "
            f"AND c.code_id IN ({marks}))"
            if walk
            else f"e.id IN (SELECT excerpt_id FROM excerpt_codes WHERE code_id IN ({marks}))"
        )
        params += codes
    for clause, value in (("e.record_id = ?", f.record), ("e.author = ?", f.coder),
                          ("e.status = ?", f.status)):  # fmt: skip
        if value:
            clauses.append(clause)
            params.append(value)
    return " AND ".join(clauses), params


def find_excerpts(
    store: Store, f: ExcerptFilter, limit: int | None = None, offset: int = 0
) -> tuple[int, list[Excerpt]]:
    """Excerpts of live records matching ``f`` (newest records first) and how many match."""
    where, params = _where(f)
    joined = f"FROM excerpts e JOIN records r ON r.id = e.record_id WHERE {where}"
    total = _tallied_total(store, f)
    if total is None:
        total = store._aggregate(f"SELECT count(*) {joined}", params)[0][0]  # until a write
    page = "" if limit is None else f" LIMIT {int(limit)} OFFSET {int(offset)}"
    if limit is not None and f.codes and _dense_codes(store.conn, sorted(set(f.codes))):
        # A big code's page: walk the records newest first and stop at the page's end (5 ms
        # where sorting all 150,000 passages of the biggest code at 100k records took 1 s).
        where, params = _where(f, walk=True)
        joined = f"FROM records r CROSS JOIN excerpts e WHERE e.record_id = r.id AND {where}"
    rows = store.conn.execute(
        f"SELECT {_SELECT} {joined} ORDER BY r.date DESC, e.record_id, e.start, e.id{page}",
        params,
    ).fetchall()
    codes = _codes_of(store.conn, [row[0] for row in rows])
    return total, [_row_excerpt(row, codes[row[0]]) for row in rows]


# Where a passage is, as a coding summary groups it: its locality, else its authority.
_PLACE = (
    "coalesce(r.locality, ''), CASE WHEN coalesce(r.locality, '') = '' "
    "THEN coalesce(r.authority, '') ELSE '' END"
)
_WHERE_SEEN = "coalesce(r.locality, ''), coalesce(r.authority, '')"


@dataclass
class BranchCounts:
    """A code branch's passages counted in SQL, and the few a summary quotes (their ids)."""

    groups: list[tuple[str, str, str, int, int]]  # locality, authority, type, passages, records
    # Every code on them: code, locality, authority, passages, records (a code outside the
    # branch counted in all, its locality and authority None).
    codes: list[tuple]
    quoted: list[tuple[str, str, str, str, str, str]]  # id, record, type, date, locality, authority
    quoted_records: dict[str, int]  # every passage of each quoted record


def branch_counts(store: Store, f: ExcerptFilter, per_group: int) -> BranchCounts:
    """The passages matching ``f`` counted by locality, authority and record type, and by
    code (every code on them), with the oldest ``per_group`` of each place and record type:
    GROUP BY in SQL, remembered until a record or excerpt changes."""
    branch = list(f.codes or ["\x00"])
    where, params = _where(replace(f, codes=None))
    # Driven by the branch's postings (SQLite would otherwise walk every live record for a
    # small code): each passage once, then its excerpt and its record by id.
    postings = (
        "FROM (SELECT DISTINCT excerpt_id FROM excerpt_codes WHERE code_id IN "
        f"({', '.join('?' * len(branch))})) b CROSS JOIN excerpts e CROSS JOIN records r{{}} "
        f"WHERE e.id = b.excerpt_id AND r.id = e.record_id AND {where}"
    )
    joined = postings.format("")
    params = [*branch, *params]
    # The tallies kept by triggers answer for a period's-free page (code_counts.py); a
    # period is counted here, remembered until a write.
    from .code_counts import tallied  # it reads this module's filters

    counted = tallied(store, f)
    groups, codes = counted if counted is not None else _counted(store, branch, postings, params)
    passages = sum(row[3] for row in groups)
    found = None
    if sum(row[4] for row in groups) <= _NUMBER_RECORDS_UP_TO:
        found = _oldest_by_records(store, f, branch, groups, per_group)
    if found is not None:
        return BranchCounts(groups, codes, *found)
    sparse = None if passages > _WALK_FROM else (joined, params)
    quoted = store._aggregate(*_oldest_per_group(f, groups, per_group, sparse))
    walk, walk_params = _where(f, walk=True)  # driven by the quoted records, not by the codes
    records: dict[str, int] = {}
    for chunk in _chunks(list(dict.fromkeys(row[1] for row in quoted)), 500):
        rows = store._aggregate(
            "SELECT e.record_id, count(*) FROM records r CROSS JOIN excerpts e "
            f"WHERE r.id IN ({', '.join('?' * len(chunk))}) AND e.record_id = r.id AND {walk} "
            "GROUP BY 1",
            [*chunk, *walk_params],
        )
        records.update(rows)
    return BranchCounts(groups, codes, quoted, records)


def _counted(
    store: Store, branch: list[str], postings: str, params: list[Any]
) -> tuple[list[tuple], list[tuple]]:
    """The branch's passages by place and type, and by code, counted over its postings."""
    joined = postings.format("")
    every_code = postings.format(" CROSS JOIN excerpt_codes c") + " AND c.excerpt_id = e.id"
    # The branch's codes by place and type (the table); the other codes on its passages in
    # all (a few hundred rows, where by place they were thousands, remembered per reader).
    mine = f"c.code_id IN ({', '.join('?' * len(branch))})"
    by_code = store._aggregate(
        f"SELECT c.code_id, CASE WHEN {mine} THEN coalesce(r.locality, '') END, "
        f"CASE WHEN {mine} THEN coalesce(r.authority, '') END, CASE WHEN {mine} THEN r.type "
        f"END, count(*), count(DISTINCT CASE WHEN {mine} THEN e.record_id END) {every_code} "
        "GROUP BY 1, 2, 3, 4",
        [*branch] * 4 + params,
    )
    summed: dict[tuple, list[int]] = {}  # over record types (a record has one)
    for code, locality, authority, _, n, records in by_code:
        counts = summed.setdefault((code, locality, authority), [0, 0])
        counts[0], counts[1] = counts[0] + n, counts[1] + records
    codes = [(*key, n, records) for key, (n, records) in summed.items()]
    if len(branch) == 1:  # one code: its rows count each passage once already
        groups = [tuple(row[1:]) for row in by_code if row[0] == branch[0]]
    else:  # a passage with a code and its sub-code is one passage
        groups = store._aggregate(
            f"SELECT {_WHERE_SEEN}, r.type, count(*), count(DISTINCT e.record_id) {joined} "
            "GROUP BY 1, 2, 3",
            params,
        )
    return groups, codes


# A branch with more passages than this has its quotes found by walking each place and type's
# records oldest first (a few steps each); a smaller one numbers its passages (measured at
# 100k records: 3,000 passages walked in 840 ms and numbered in 50 ms; 150,000 walked in
# 100 ms and numbered in 1 s).
_WALK_FROM = 20_000


# A branch holding passages in at most this many records has its quotes found from its records
# (the code tallies' record links, ~4 µs a record), not from its passages (~10 µs a passage);
# a bigger one walks. Measured at 100,000 records: 3,300 records 17 ms (its passages numbered:
# 43 ms), 9,600 records 36 ms (110 ms), 25,000 records 91 ms (walked: 110 ms), 30,000 records
# 98 ms (walked: 86 ms).
_NUMBER_RECORDS_UP_TO = 25_000


def _oldest_by_records(
    store: Store, f: ExcerptFilter, branch: list[str], groups: list[tuple], per_group: int
) -> tuple[list[tuple], dict[str, int]] | None:
    """The oldest ``per_group`` passages of each place and record type, from the oldest
    ``per_group`` records of each holding the branch, and every passage of each record quoted;
    None where that cannot answer (a filter on the passages themselves, or a group whose first
    records hold fewer passages the reader may see than it has: then the passages are numbered
    or walked)."""
    if f.record or f.coder or f.status:
        return None
    outside = _outside(f.consents)
    codes = ", ".join("?" * len(branch))
    # The records holding the branch's passages: the body's from the tallies' links (for a
    # reader outside the team, attached ones), an attachment's from their partial index. A
    # superset is harmless: every passage found is checked against the whole filter below.
    held = (
        f"SELECT record_id FROM code_records WHERE code IN ({codes}) "
        f"AND {'attached' if outside else 'n'} > 0 UNION SELECT e.record_id FROM "
        f"excerpts e INDEXED BY idx_excerpts_of_attachments CROSS JOIN excerpt_codes c "
        f"WHERE c.excerpt_id = e.id AND {_OF_ATTACHMENTS} AND c.code_id IN ({codes})"
    )
    clauses, on_records = _on_records(f, "r.id")
    params: list[Any] = [*branch, *branch, *on_records]
    first = store._aggregate(
        f"SELECT id FROM (SELECT r.id, row_number() OVER (PARTITION BY {_PLACE}, r.type "
        f"ORDER BY r.date, r.id) AS n FROM ({held}) h CROSS JOIN records r "
        f"WHERE r.id = h.record_id AND {' AND '.join(clauses)}) WHERE n <= ?",
        [*params, int(per_group)],
    )
    where, where_params = _where(f, walk=True)
    columns = (
        "e.id, e.record_id, r.type, r.date, coalesce(r.locality, ''), "
        "coalesce(r.authority, ''), e.start"
    )
    found: list[tuple] = []
    for chunk in _chunks([row[0] for row in first], 500):
        # Not remembered: a few hundred rows a code (10 ms to read again), and remembered for
        # every code and reader they were a tenth of the server's memory at 100,000 records.
        found += store.conn.execute(
            f"SELECT {columns} FROM records r CROSS JOIN excerpts e WHERE r.id IN "
            f"({', '.join('?' * len(chunk))}) AND e.record_id = r.id AND {where}",
            [*chunk, *where_params],
        ).fetchall()
    found.sort(key=lambda row: (row[3], row[1], -1 if row[6] is None else row[6], row[0]))
    quoted: dict[tuple, list[tuple]] = {}
    for row in found:
        place = (row[4], "" if row[4] else row[5], row[2])
        kept = quoted.setdefault(place, [])
        if len(kept) < per_group:
            kept.append(row[:6])
    wanted: dict[tuple, int] = {}
    for locality, authority, type_, n, _ in groups:
        place = (locality, "" if locality else authority, type_)
        wanted[place] = wanted.get(place, 0) + n
    if any(len(quoted.get(place, ())) < min(per_group, n) for place, n in wanted.items()):
        return None
    chosen = sorted((row for rows in quoted.values() for row in rows),
                    key=lambda row: (row[3], row[1]))  # fmt: skip
    held: dict[str, int] = dict.fromkeys((row[1] for row in chosen), 0)
    for row in found:  # every passage of the first records, so of each quoted one
        if row[1] in held:
            held[row[1]] += 1
    return chosen, held


def _oldest_per_group(
    f: ExcerptFilter, groups: list[tuple], per_group: int, joined: tuple[str, list[Any]] | None
) -> tuple[str, list[Any]]:
    """The query for the oldest ``per_group`` passages of each place and record type (in the
    text's order within a record): a sparse branch (``joined``: its passages' FROM and WHERE)
    numbers its few passages; a dense one walks each group's records oldest first and stops."""
    columns = (
        "e.id, e.record_id, r.type, r.date, coalesce(r.locality, '') AS locality, "
        "coalesce(r.authority, '') AS authority"
    )
    order = "r.date, e.record_id, e.start, e.id"
    if joined is not None:
        joined, params = joined
        return (
            f"SELECT id, record_id, type, date, locality, authority FROM (SELECT {columns}, "
            f"row_number() OVER (PARTITION BY {_PLACE}, r.type ORDER BY {order}) AS n "
            f"{joined}) WHERE n <= ? ORDER BY date, record_id, n",
            [*params, int(per_group)],
        )
    where, params = _where(f, walk=True)
    order = "r.date, r.id, e.start, e.id"  # r.id: the live records' index gives this order
    parts, values = [], []
    for place in dict.fromkeys(
        (loc, "" if loc else auth, type_) for loc, auth, type_, *_ in groups
    ):
        locality, authority, type_ = place
        here = "coalesce(r.locality, '') = ? AND r.type = ?"
        if not locality:
            here += " AND coalesce(r.authority, '') = ?"
        parts.append(
            f"SELECT * FROM (SELECT {columns} FROM records r CROSS JOIN excerpts e "
            f"WHERE e.record_id = r.id AND {here} AND {where} ORDER BY {order} "
            f"LIMIT {int(per_group)})"
        )
        values += [locality, type_, *([authority] if not locality else []), *params]
    return " UNION ALL ".join(parts) or "SELECT 1 WHERE 0", values


def excerpts_by_id(store: Store, excerpt_ids: Sequence[str]) -> list[Excerpt]:
    """The excerpts ``excerpt_ids`` (those that exist), with their codes."""
    found: list[Excerpt] = []
    for chunk in _chunks(list(dict.fromkeys(excerpt_ids)), 500):
        rows = store.conn.execute(
            f"SELECT {_SELECT} FROM excerpts e WHERE e.id IN ({', '.join('?' * len(chunk))})",
            chunk,
        ).fetchall()
        codes = _codes_of(store.conn, [row[0] for row in rows])
        found += [_row_excerpt(row, codes[row[0]]) for row in rows]
    return found


def excerpts_of_records(store: Store, record_ids: Sequence[str]) -> dict[str, list[Excerpt]]:
    """The excerpts of each of ``record_ids`` (a batch of an export), each record's in the
    order of their place in its text (detached ones first), with their codes."""
    found: dict[str, list[Excerpt]] = {record_id: [] for record_id in record_ids}
    for chunk in _chunks(list(found), 500):
        rows = store.conn.execute(
            f"SELECT {_SELECT} FROM excerpts e WHERE e.record_id IN "
            f"({', '.join('?' * len(chunk))}) ORDER BY e.record_id, e.start, e.id",
            chunk,
        ).fetchall()
        codes = _codes_of(store.conn, [row[0] for row in rows])
        for row in rows:
            found[row[1]].append(_row_excerpt(row, codes[row[0]]))
    return found


def _with_record(
    store: Store,
    conn: sqlite3.Connection,
    record: Record | None,
    revision: int | None,
    actor: str,
) -> None:
    """Save the record's new revision (an indicator added by coding) in this transaction."""
    if record is None:
        return
    current = store.get(record.id)
    if revision is not None and current.revision != revision:
        from .model import Conflict

        raise Conflict(record.id, revision, current.revision)
    store._replace(conn, current, record, actor)


def _write_codes(conn: sqlite3.Connection, excerpt_id: str, codes: Iterable[str]) -> None:
    conn.execute("DELETE FROM excerpt_codes WHERE excerpt_id = ?", [excerpt_id])
    conn.executemany(
        "INSERT OR IGNORE INTO excerpt_codes (excerpt_id, code_id) VALUES (?, ?)",
        [(excerpt_id, code) for code in codes],
    )


def add_excerpt(
    store: Store,
    excerpt: Excerpt,
    record: Record | None = None,
    revision: int | None = None,
    actor: str = "",
) -> Excerpt:
    """Save a new excerpt (and ``record``, its record with indicators the coding added, as a
    new revision from ``revision``), and queue its record for the index: one transaction."""
    excerpt_id = excerpt.id or new_id()
    with store.write() as conn:
        _with_record(store, conn, record, revision, actor)
        conn.execute(_INSERT, _excerpt_row(excerpt, excerpt_id, utcnow()))
        _write_codes(conn, excerpt_id, excerpt.codes)
        store._queue(conn, excerpt.record)
    return get_excerpt(store, excerpt_id)


def add_excerpts(store: Store, excerpts: Sequence[Excerpt]) -> list[str]:
    """Save many new, already checked excerpts in one transaction (the demo, a benchmark),
    queueing each record once for the index; return their ids."""
    with store.write() as conn:
        return insert_excerpts(store, conn, excerpts)


def insert_excerpts(
    store: Store, conn: sqlite3.Connection, excerpts: Sequence[Excerpt]
) -> list[str]:
    """``add_excerpts`` in the caller's transaction (a REFI-QDA import's one for its file)."""
    now = utcnow()
    rows, coded, ids = [], [], []
    for excerpt in excerpts:
        excerpt_id = excerpt.id or new_id()
        ids.append(excerpt_id)
        rows.append(_excerpt_row(excerpt, excerpt_id, now))
        coded += [(excerpt_id, code) for code in dict.fromkeys(excerpt.codes)]
    conn.executemany(_INSERT, rows)
    conn.executemany("INSERT INTO excerpt_codes (excerpt_id, code_id) VALUES (?, ?)", coded)
    if excerpts:
        store._queue_many(conn, (excerpt.record for excerpt in excerpts))
    return ids


def _excerpt_row(excerpt: Excerpt, excerpt_id: str, now: str) -> list[Any]:
    """A new excerpt's row, in ``EXCERPT_COLUMNS``' order."""
    return [excerpt_id, excerpt.record, excerpt.source, excerpt.start, excerpt.end, excerpt.text,
            excerpt.prefix, excerpt.suffix, excerpt.status, excerpt.memo, excerpt.author, now,
            now]  # fmt: skip


def change_excerpt(
    store: Store,
    excerpt: Excerpt,
    record: Record | None = None,
    revision: int | None = None,
    actor: str = "",
) -> Excerpt:
    """Save an excerpt's new codes, memo or passage (and its record, as ``add_excerpt``)."""
    with store.write() as conn:
        get_excerpt(store, excerpt.id)
        _with_record(store, conn, record, revision, actor)
        conn.execute(
            'UPDATE excerpts SET start = ?, "end" = ?, text = ?, prefix = ?, suffix = ?, '
            "status = ?, memo = ?, updated_at = ? WHERE id = ?",
            [excerpt.start, excerpt.end, excerpt.text, excerpt.prefix, excerpt.suffix,
             excerpt.status, excerpt.memo, utcnow(), excerpt.id],
        )  # fmt: skip
        _write_codes(conn, excerpt.id, excerpt.codes)
        store._queue(conn, excerpt.record)
        store._refresh_quoting(conn, excerpt.record)  # a saved update may quote the passage
    return get_excerpt(store, excerpt.id)


def delete_excerpt(store: Store, excerpt_id: str, actor: str = "") -> None:
    """Delete an excerpt and its memo for good; its record is indexed again."""
    with store.write() as conn:
        excerpt = get_excerpt(store, excerpt_id)
        conn.execute("DELETE FROM excerpt_codes WHERE excerpt_id = ?", [excerpt_id])
        conn.execute("DELETE FROM excerpts WHERE id = ?", [excerpt_id])
        store._queue(conn, excerpt.record)
        store._refresh_quoting(conn, excerpt.record)  # a saved update may quote the passage
        store._audit(conn, actor, "excerpt-delete", excerpt.record, excerpt_id)


def has_excerpts(conn: sqlite3.Connection, record_id: str) -> bool:
    """Whether any excerpt codes a passage of the record."""
    row = conn.execute("SELECT 1 FROM excerpts WHERE record_id = ? LIMIT 1", [record_id])
    return row.fetchone() is not None


def record_codes(conn: sqlite3.Connection, record_ids: Sequence[str]) -> dict[str, list[str]]:
    """The codes of each record's excerpts whose text is shown wherever the record is (for its
    search document)."""
    found: dict[str, list[str]] = {}
    for chunk in _chunks(list(record_ids), 500):
        # One search document serves every reader of the record: a passage of an attachment
        # only the team sees (on a record others see) is left out, so `code:` never tells a
        # viewer what a hidden file was coded with.
        rows = conn.execute(
            "SELECT DISTINCT e.record_id, c.code_id FROM excerpts e "
            "JOIN excerpt_codes c ON c.excerpt_id = e.id "
            f"WHERE e.record_id IN ({', '.join('?' * len(chunk))}) AND (e.source = 'body' OR "
            "e.source IN (SELECT 'attachment:' || a.id FROM attachments a JOIN records r "
            "ON r.id = a.record_id WHERE a.deleted_at IS NULL "
            "AND (a.consent != 'internal' OR r.consent = 'internal'))) ORDER BY c.code_id",
            chunk,
        )
        for record_id, code_id in rows:
            found.setdefault(record_id, []).append(code_id)
    return found


# --- passages quoted in a learning update ---------------------------------------------------

# A code with more passages than this (in all periods) is found by walking the period's
# records newest first (its passages are dense); a sparser one by its own index.
_DENSE = 3000
_BY_CODE = (
    f"SELECT c.code_id, {_SELECT} FROM excerpt_codes c CROSS JOIN excerpts e "
    "CROSS JOIN records r WHERE c.code_id = ? AND e.id = c.excerpt_id AND r.id = e.record_id"
)
_BY_DATE = (
    f"SELECT c.code_id, {_SELECT} FROM records r CROSS JOIN excerpts e "
    "CROSS JOIN excerpt_codes c WHERE e.record_id = r.id AND c.excerpt_id = e.id "
    "AND c.code_id = ?"
)


def coded_passages(
    conn: sqlite3.Connection,
    codes: Sequence[str],
    date_from: str,
    date_to: str,
    consents: Sequence[str],
    made_by: str | None = None,
    per_code: int = 12,
) -> list[tuple[str, Excerpt]]:
    """Up to ``per_code`` passages coded with each of ``codes`` (its code, the excerpt), of
    live records dated ``date_from``..``date_to`` of these consent levels (none: any), newest
    records first, coded by ``made_by`` if given: one read, each code by its cheaper path."""
    codes = sorted(set(codes))
    if not codes:
        return []
    dense = _dense_codes(conn, codes)
    where = (  # a detached passage (its words gone from the record) is not quoted
        "r.deleted_at IS NULL AND r.date >= ? AND r.date <= ? AND r.type != 'learning_update' "
        "AND e.start IS NOT NULL"
    )
    params: list[Any] = [date_from, date_to]
    if consents:
        where += f" AND r.consent IN ({', '.join('?' * len(consents))})"
        params += list(consents)
    shown, shown_params = _shown_source(consents or ("internal", "anonymised", "public"))
    where += f" AND {shown}"
    params += shown_params
    if made_by:
        where += " AND e.created_at <= ?"
        params.append(made_by)
    parts, values = [], []
    for code in codes:
        walk = _BY_DATE if code in dense else _BY_CODE
        parts.append(f"SELECT * FROM ({walk} AND {where} ORDER BY r.date DESC, r.id DESC, "
                     f"e.start LIMIT {int(per_code)})")  # fmt: skip
        values += [code, *params]
    rows = conn.execute(" UNION ALL ".join(parts), values).fetchall()
    return [(row[0], _row_excerpt(row[1:], [row[0]])) for row in rows]


def _dense_codes(conn: sqlite3.Connection, codes: list[str]) -> set[str]:
    """The codes with more than ``_DENSE`` passages (counted no further, on the index)."""
    counts = " UNION ALL ".join(
        f"SELECT ?, (SELECT count(*) FROM (SELECT 1 FROM excerpt_codes WHERE code_id = ? "
        f"LIMIT {_DENSE + 1}))"
        for _ in codes
    )
    rows = conn.execute(counts, [v for code in codes for v in (code, code)]).fetchall()
    return {code for code, count in rows if count > _DENSE}


# --- reads for reports: a code's summary, agreement between coders ---------------------


def records_by_id(store: Store, record_ids: Sequence[str]) -> dict[str, Record]:
    """The live records among ``record_ids``, read in bulk (for showing their excerpts)."""
    from .rows import row_to_record

    found: dict[str, Record] = {}
    for chunk in _chunks(list(dict.fromkeys(record_ids)), 500):
        marks = ", ".join("?" * len(chunk))
        cursor = store.conn.execute(
            f"SELECT * FROM records WHERE deleted_at IS NULL AND id IN ({marks})", chunk
        )
        names = [d[0] for d in cursor.description]
        for row in cursor:
            record = row_to_record(dict(zip(names, row, strict=True)))
            found[record.id] = record
    return found


def coders(store: Store) -> list[str]:
    """Everyone who has coded a passage of a live record, by name."""
    rows = store.conn.execute(
        "SELECT DISTINCT e.author FROM excerpts e JOIN records r ON r.id = e.record_id "
        "WHERE r.deleted_at IS NULL AND e.author != '' ORDER BY e.author"
    )
    return [row[0] for row in rows]


def coded_by(store: Store, names: Sequence[str]) -> list[tuple[str, str, str, str, int, int]]:
    """Each (record, source, code, coder, start, end) of the attached passages of live records
    that these coders coded, in one read."""
    marks = ", ".join("?" * len(names))
    shown, shown_params = _shown_source(("internal", "anonymised", "public"))
    rows = store.conn.execute(
        'SELECT e.record_id, e.source, c.code_id, e.author, e.start, e."end" FROM excerpts e '
        "JOIN excerpt_codes c ON c.excerpt_id = e.id JOIN records r ON r.id = e.record_id "
        f"WHERE r.deleted_at IS NULL AND e.start IS NOT NULL AND e.author IN ({marks}) "
        f"AND {shown}",
        [*names, *shown_params],
    )
    return rows.fetchall()


def text_lengths(store: Store, names: Sequence[str]) -> dict[tuple[str, str], int]:
    """The length of each text these coders coded, in code points, by (record, source): a
    live record's body, and the kept text of each live attachment (SQLite's
    ``length()`` counts the characters of TEXT, as Python's ``len``)."""
    marks = ", ".join("?" * len(names))
    rows = store.conn.execute(
        "SELECT r.id, length(r.body) FROM records r WHERE r.deleted_at IS NULL AND r.id IN "
        f"(SELECT record_id FROM excerpts WHERE source = 'body' AND author IN ({marks}))",
        list(names),
    )
    lengths = {(record_id, "body"): length or 0 for record_id, length in rows}
    rows = store.conn.execute(
        "SELECT a.record_id, a.id, length(a.text) FROM attachments a JOIN records r "
        "ON r.id = a.record_id WHERE a.deleted_at IS NULL AND r.deleted_at IS NULL AND "
        "'attachment:' || a.id IN "
        f"(SELECT source FROM excerpts WHERE source != 'body' AND author IN ({marks}))",
        list(names),
    )
    for record_id, attachment_id, length in rows:
        lengths[(record_id, f"attachment:{attachment_id}")] = length or 0
    return lengths


def source_attachments(store: Store, excerpts: Iterable[Excerpt]) -> dict[str, Any]:
    """The attachments the excerpts of attachments' text are on, by source
    (``attachment:ID``), soft-deleted ones included (``present_excerpt`` hides those)."""
    from .attachments import by_ids

    wanted = {e.source.split(":", 1)[1] for e in excerpts if e.source.startswith("attachment:")}
    return {f"attachment:{a.id}": a for a in by_ids(store, sorted(wanted))}


# --- the record's text changes, or the record goes ------------------------------------------


def reanchor(conn: sqlite3.Connection, record_id: str, old_body: str, new_body: str) -> None:
    """Find each excerpt of a record's body again in its new text (the caller's transaction)."""
    if old_body == new_body:
        return
    rows = conn.execute(
        'SELECT id, start, "end", text, prefix, suffix, status FROM excerpts '
        "WHERE record_id = ? AND source = 'body' ORDER BY id",
        [record_id],
    ).fetchall()
    if not rows:
        return
    anchors = [Anchor(*row[1:]) for row in rows]
    now = utcnow()
    for (excerpt_id, *_), found in zip(
        rows, reanchor_all(old_body, new_body, anchors), strict=True
    ):
        conn.execute(
            'UPDATE excerpts SET start = ?, "end" = ?, text = ?, prefix = ?, suffix = ?, '
            "status = ?, updated_at = ? WHERE id = ?",
            [found.start, found.end, found.text, found.prefix, found.suffix, found.status,
             now, excerpt_id],
        )  # fmt: skip


def erase_excerpts(conn: sqlite3.Connection, record_id: str, words: Passages) -> None:
    """Erasure: a record's excerpts and their memos go; its words leave other excerpts' memos."""
    conn.execute(
        "DELETE FROM excerpt_codes WHERE excerpt_id IN "
        "(SELECT id FROM excerpts WHERE record_id = ?)",
        [record_id],
    )
    conn.execute("DELETE FROM excerpts WHERE record_id = ?", [record_id])
    cut_memos(conn, words)


def cut_memos(conn: sqlite3.Connection, words: Passages) -> None:
    """Erasure: the erased words leave every memo that holds them (the caller's transaction)."""
    rows = conn.execute(  # through the memos' own index (m023), not every excerpt's row
        "SELECT id, memo FROM excerpts INDEXED BY idx_excerpts_memos "
        "WHERE memo IS NOT NULL AND memo != ''"
    )
    for excerpt_id, memo in rows.fetchall():
        cut = words.cut(memo)
        if cut != memo:
            conn.execute("UPDATE excerpts SET memo = ? WHERE id = ?", [cut, excerpt_id])
