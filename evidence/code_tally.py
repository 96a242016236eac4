"""A code's counts kept by SQLite triggers: passages, records and the codes sharing passages.

A code's page counts its passages by place and record type, the records they come from, and
the other codes on them. At 100,000 records the biggest code has 150,000 passages: counting
them took 2–4 s after every write, and coding goes on all day. Three tables hold the same
counts, kept in the writing transaction by triggers on the links, the excerpts and the
records (a crash or a rollback cannot leave them out of step):

- ``excerpt_tally``: body passages of live records per (code, consent, locality, authority,
  type, attached), and the records they come from (``records``: a record is counted once per
  code, under ``attached = 1`` if any of its passages is attached, else under 0 — so the team
  sums both, a reader outside the team reads ``attached = 1``);
- ``code_records``: each code's body passages per record (all, and attached), whatever the
  record's state: its 0↔1 moves change the records above;
- ``excerpt_pairs``: body passages of live records holding both ``code`` and ``other``, per
  consent and attached.

An attachment's passages (few) are counted apart, as its consent allows (``coding``).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Sequence

KEY = "code, consent, locality, authority, type, attached"
_SEEN = "{r}.consent, coalesce({r}.locality, ''), coalesce({r}.authority, ''), {r}.type"
# Which records column a (code, record) link counts in: attached passages first.
_BUCKET = "CASE WHEN {l}.attached > 0 THEN 1 WHEN {l}.n > 0 THEN 0 END"
_ADD = (
    f"ON CONFLICT ({KEY}) DO UPDATE SET n = n + excluded.n, records = records + excluded.records;"
)
_LINK_ADD = (
    "ON CONFLICT (code, record_id) DO UPDATE SET n = n + excluded.n, "
    "attached = attached + excluded.attached;"
)
_PAIR_ADD = "ON CONFLICT (code, other, consent, attached) DO UPDATE SET n = n + excluded.n;"


# What a branch's overlaps are counted from moves a code's ``code_changes`` (see code_counts):
# ``pairs`` when a passage holding it gains or loses another code or moves between keys,
# ``links`` when a record starts or stops holding its passages or moves. A passage coded with
# one code in a record that held the code already moves neither.
def _changed(column: str, select: str) -> str:
    return (
        f"INSERT INTO code_changes (code, pairs, links) SELECT code, {column == 'pairs':d}, "
        f"{column == 'links':d} FROM ({select}) WHERE true ON CONFLICT (code) DO UPDATE "
        f"SET {column} = {column} + 1;"
    )


def _passage_link(row: str, delta: int) -> str:
    """Count one code link ``row`` of an excerpt: its passage, its record link and its pairs."""
    seen = _SEEN.format(r="r")
    passage = (
        f"INSERT INTO excerpt_tally ({KEY}, n, records) SELECT {row}.code_id, {seen}, "
        f"e.start IS NOT NULL, {delta}, 0 FROM excerpts e JOIN records r ON r.id = e.record_id "
        f"WHERE e.id = {row}.excerpt_id AND e.source = 'body' AND r.deleted_at IS NULL {_ADD}"
    )
    link = (
        f"INSERT INTO code_records (code, record_id, n, attached) SELECT {row}.code_id, "
        f"e.record_id, {delta}, {delta} * (e.start IS NOT NULL) FROM excerpts e "
        f"WHERE e.id = {row}.excerpt_id AND e.source = 'body' {_LINK_ADD}"
    )
    pairs = [
        f"INSERT INTO excerpt_pairs (code, other, consent, attached, n) SELECT {a}, {b}, "
        f"r.consent, e.start IS NOT NULL, {delta} FROM excerpt_codes o JOIN excerpts e "
        f"ON e.id = o.excerpt_id JOIN records r ON r.id = e.record_id WHERE o.excerpt_id = "
        f"{row}.excerpt_id AND o.code_id != {row}.code_id AND e.source = 'body' "
        f"AND r.deleted_at IS NULL {_PAIR_ADD}"
        for a, b in ((f"{row}.code_id", "o.code_id"), ("o.code_id", f"{row}.code_id"))
    ]
    return " ".join([passage, link, *pairs])


def _excerpt(row: str, delta: int) -> str:
    """Count every code of the excerpt ``row``: passages, record links and pairs."""
    seen = _SEEN.format(r="r")
    body = f"{row}.source = 'body'"
    return " ".join([
        f"INSERT INTO excerpt_tally ({KEY}, n, records) SELECT c.code_id, {seen}, "
        f"{row}.start IS NOT NULL, {delta} * count(*), 0 FROM excerpt_codes c JOIN records r "
        f"ON r.id = {row}.record_id WHERE c.excerpt_id = {row}.id AND {body} "
        f"AND r.deleted_at IS NULL GROUP BY c.code_id {_ADD}",
        f"INSERT INTO code_records (code, record_id, n, attached) SELECT c.code_id, "
        f"{row}.record_id, {delta}, {delta} * ({row}.start IS NOT NULL) FROM excerpt_codes c "
        f"WHERE c.excerpt_id = {row}.id AND {body} {_LINK_ADD}",
        f"INSERT INTO excerpt_pairs (code, other, consent, attached, n) SELECT a.code_id, "
        f"b.code_id, r.consent, {row}.start IS NOT NULL, {delta} FROM excerpt_codes a "
        f"JOIN excerpt_codes b ON b.excerpt_id = a.excerpt_id AND b.code_id != a.code_id "
        f"JOIN records r ON r.id = {row}.record_id WHERE a.excerpt_id = {row}.id AND {body} "
        f"AND r.deleted_at IS NULL {_PAIR_ADD}",
    ])  # fmt: skip


def _record(row: str, delta: int) -> str:
    """Count every passage, record link and pair of the record ``row``, if it is live."""
    seen = _SEEN.format(r=row)
    live = f"{row}.deleted_at IS NULL"
    bucket = _BUCKET.format(l="l")
    return " ".join([
        f"INSERT INTO excerpt_tally ({KEY}, n, records) SELECT c.code_id, {seen}, "
        f"e.start IS NOT NULL, {delta} * count(*), 0 FROM excerpts e JOIN excerpt_codes c "
        f"ON c.excerpt_id = e.id WHERE e.record_id = {row}.id AND e.source = 'body' "
        f"AND {live} GROUP BY c.code_id, e.start IS NOT NULL {_ADD}",
        f"INSERT INTO excerpt_tally ({KEY}, n, records) SELECT l.code, {seen}, {bucket}, 0, "
        f"{delta} FROM code_records l WHERE l.record_id = {row}.id AND {bucket} IS NOT NULL "
        f"AND {live} {_ADD}",
        f"INSERT INTO excerpt_pairs (code, other, consent, attached, n) SELECT a.code_id, "
        f"b.code_id, {row}.consent, e.start IS NOT NULL, {delta} * count(*) FROM excerpts e "
        f"JOIN excerpt_codes a ON a.excerpt_id = e.id JOIN excerpt_codes b "
        f"ON b.excerpt_id = e.id AND b.code_id != a.code_id WHERE e.record_id = {row}.id "
        f"AND e.source = 'body' AND {live} GROUP BY 1, 2, 4 {_PAIR_ADD}",
        _changed("links", f"SELECT code FROM code_records WHERE record_id = {row}.id"),
    ])  # fmt: skip


def _link_records(row: str, delta: int) -> str:
    """Count the (code, record) link ``row`` once among its code's records, if it is live."""
    bucket = _BUCKET.format(l=row)
    return (
        f"INSERT INTO excerpt_tally ({KEY}, n, records) SELECT {row}.code, {_SEEN.format(r='r')}, "
        f"{bucket}, 0, {delta} FROM records r WHERE r.id = {row}.record_id "
        f"AND r.deleted_at IS NULL AND {bucket} IS NOT NULL {_ADD}"
    )


_MOVED = "consent, locality, authority, type, deleted_at"
TRIGGERS = {
    "tally_excerpt_link_insert": (
        f"AFTER INSERT ON excerpt_codes BEGIN {_passage_link('new', 1)} END"
    ),
    "tally_excerpt_link_delete": (
        f"AFTER DELETE ON excerpt_codes BEGIN {_passage_link('old', -1)} END"
    ),
    "tally_excerpt_insert": f"AFTER INSERT ON excerpts BEGIN {_excerpt('new', 1)} END",
    "tally_excerpt_delete": f"AFTER DELETE ON excerpts BEGIN {_excerpt('old', -1)} END",
    # Detached (start null) or found again: the excerpt moves between keys.
    "tally_excerpt_update": (
        "AFTER UPDATE OF start, record_id ON excerpts WHEN (old.start IS NULL) != "
        "(new.start IS NULL) OR old.record_id != new.record_id BEGIN "
        f"{_excerpt('old', -1)} {_excerpt('new', 1)} END"
    ),
    "tally_record_excerpts_insert": f"AFTER INSERT ON records BEGIN {_record('new', 1)} END",
    "tally_record_excerpts_delete": f"AFTER DELETE ON records BEGIN {_record('old', -1)} END",
    "tally_record_excerpts_update": (
        f"AFTER UPDATE OF {_MOVED} ON records WHEN "
        + " OR ".join(f"old.{c} IS NOT new.{c}" for c in _MOVED.split(", "))
        + f" BEGIN {_record('old', -1)} {_record('new', 1)} END"
    ),
    # A code's first passage in a record counts the record; its last one uncounts it.
    "tally_code_records_insert": (
        f"AFTER INSERT ON code_records BEGIN {_link_records('new', 1)} "
        f"{_changed('links', 'SELECT new.code AS code')} END"
    ),
    "tally_code_records_update": (
        f"AFTER UPDATE ON code_records WHEN {_BUCKET.format(l='old')} IS NOT "
        f"{_BUCKET.format(l='new')} BEGIN {_link_records('old', -1)} "
        f"{_link_records('new', 1)} {_changed('links', 'SELECT new.code AS code')} END"
    ),
    "tally_code_records_delete": (
        f"AFTER DELETE ON code_records BEGIN {_link_records('old', -1)} "
        f"{_changed('links', 'SELECT old.code AS code')} END"
    ),
}
TRIGGERS.update({
    "tally_code_pairs_insert": (
        f"AFTER INSERT ON excerpt_pairs BEGIN {_changed('pairs', 'SELECT new.code AS code')} END"
    ),
    "tally_code_pairs_update": (
        f"AFTER UPDATE ON excerpt_pairs BEGIN {_changed('pairs', 'SELECT new.code AS code')} END"
    ),
})  # fmt: skip
OLD_TRIGGERS = ("tally_excerpt_link_insert", "tally_excerpt_link_delete", "tally_excerpt_insert",
                "tally_excerpt_delete", "tally_excerpt_update", "tally_record_excerpts_insert",
                "tally_record_excerpts_delete", "tally_record_excerpts_update")  # fmt: skip

TABLES = (
    "CREATE TABLE IF NOT EXISTS excerpt_tally (code TEXT NOT NULL, consent TEXT NOT NULL, "
    "locality TEXT NOT NULL, authority TEXT NOT NULL, type TEXT NOT NULL, "
    "attached INTEGER NOT NULL, n INTEGER NOT NULL, records INTEGER NOT NULL, "
    f"PRIMARY KEY ({KEY})) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS code_records (code TEXT NOT NULL, record_id TEXT NOT NULL, "
    "n INTEGER NOT NULL, attached INTEGER NOT NULL, PRIMARY KEY (code, record_id)) WITHOUT ROWID",
    # A record's links by its id, holding what they count (no second seek for ``n``).
    "CREATE INDEX IF NOT EXISTS idx_code_records_record ON code_records "
    "(record_id, code, n, attached)",
    "CREATE TABLE IF NOT EXISTS excerpt_pairs (code TEXT NOT NULL, other TEXT NOT NULL, "
    "consent TEXT NOT NULL, attached INTEGER NOT NULL, n INTEGER NOT NULL, "
    "PRIMARY KEY (code, other, consent, attached)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS code_changes (code TEXT PRIMARY KEY, pairs INTEGER NOT NULL, "
    "links INTEGER NOT NULL) WITHOUT ROWID",
)

_LINKS_WHERE = (
    "SELECT c.code_id, e.record_id, count(*), sum(e.start IS NOT NULL) FROM excerpt_codes c "
    "JOIN excerpts e ON e.id = c.excerpt_id WHERE e.source = 'body'"
)
_LINKS = f"{_LINKS_WHERE} GROUP BY 1, 2"
LINK_TRIGGER = "tally_excerpt_link_insert"
_NAMED = (
    "r.consent AS consent, coalesce(r.locality, '') AS locality, "
    "coalesce(r.authority, '') AS authority, r.type AS type"
)
_LIVE = "JOIN records r ON r.id = e.record_id WHERE r.deleted_at IS NULL AND e.source = 'body'"
FRESH = {
    "code_records": _LINKS,
    "excerpt_tally": (
        f"SELECT {KEY}, sum(n), sum(records) FROM (SELECT c.code_id AS code, {_NAMED}, "
        f"e.start IS NOT NULL AS attached, 1 AS n, 0 AS records "
        f"FROM excerpt_codes c JOIN excerpts e ON e.id = c.excerpt_id {_LIVE} UNION ALL "
        f"SELECT l.code, {_SEEN.format(r='r')}, {_BUCKET.format(l='l')}, 0, 1 FROM "
        "(SELECT c.code_id AS code, e.record_id, count(*) AS n, sum(e.start IS NOT NULL) AS "
        "attached FROM excerpt_codes c JOIN excerpts e ON e.id = c.excerpt_id "
        "WHERE e.source = 'body' GROUP BY 1, 2) l JOIN records r ON r.id = l.record_id "
        "WHERE r.deleted_at IS NULL) GROUP BY 1, 2, 3, 4, 5, 6"
    ),
    "excerpt_pairs": (
        "SELECT a.code_id, b.code_id, r.consent, e.start IS NOT NULL, count(*) FROM "
        "excerpt_codes a JOIN excerpt_codes b ON b.excerpt_id = a.excerpt_id "
        f"AND b.code_id != a.code_id JOIN excerpts e ON e.id = a.excerpt_id {_LIVE} "
        "GROUP BY 1, 2, 3, 4"
    ),
}
# What ``check`` compares: the rows that count something.
KEPT = {
    "code_records": "SELECT * FROM code_records WHERE n != 0",
    "excerpt_tally": "SELECT * FROM excerpt_tally WHERE n != 0 OR records != 0",
    "excerpt_pairs": "SELECT * FROM excerpt_pairs WHERE n != 0",
}


def install(conn: sqlite3.Connection) -> None:
    """Create the code tallies and their triggers (replacing the excerpt tally's narrower
    ones), and count the passages already there."""
    for name in OLD_TRIGGERS:
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
    conn.execute("DROP TABLE IF EXISTS excerpt_tally")
    for sql in TABLES:
        conn.execute(sql)
    recount(conn)  # before the triggers: 700,000 links counted once, not moved one by one
    for name, body in TRIGGERS.items():
        conn.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")


def recount(conn: sqlite3.Connection) -> None:
    """Count the code tallies afresh from the passages (inside the caller's transaction)."""
    for table, select in FRESH.items():
        conn.execute(f"DELETE FROM {table}")
        conn.execute(f"INSERT INTO {table} {select}")


@contextlib.contextmanager
def links_of_new_records(conn: sqlite3.Connection, record_ids: Sequence[str]) -> Iterator[None]:
    """Coded links of records not saved yet, inserted without the link trigger (five
    statements a link); their (code, record) counts then made at once by the recount's rule.
    Only for records saved after it: their own insert triggers count the rest."""
    conn.execute(f"DROP TRIGGER {LINK_TRIGGER}")
    try:
        yield
    finally:  # in the caller's transaction: a rollback would bring the trigger back too
        conn.execute(f"CREATE TRIGGER {LINK_TRIGGER} {TRIGGERS[LINK_TRIGGER]}")
    marks = ", ".join("?" * len(record_ids))
    conn.execute(
        f"INSERT INTO code_records (code, record_id, n, attached) "
        f"{_LINKS_WHERE} AND e.record_id IN ({marks}) GROUP BY 1, 2",
        list(record_ids),
    )


def differences(conn: sqlite3.Connection) -> list[str]:
    """The code tallies that disagree with the passages (empty when they agree)."""
    problems = []
    for table, select in FRESH.items():
        kept = conn.execute(KEPT[table]).fetchall()
        if sorted(kept) != sorted(conn.execute(select).fetchall()):
            problems.append(f"{table} disagrees with the passages (repair recounts it)")
    return problems
