"""A code branch's counts read from the code tallies (``code_tally``), not from its passages.

Each code of a branch is counted in the tallies; a passage holding a code and its sub-code (and
a record holding passages of both) is counted once per code there, so the few such overlaps
are found from the smaller codes' postings and taken off. An attachment's passages (few, and
not in the tallies) are counted here, as the reader's consent levels show them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .coding import ExcerptFilter
    from .store import Store

Key = tuple[str, str, str]  # locality, authority, type


def _marks(values: list[Any]) -> str:
    return ", ".join("?" * len(values))


def tallied(store: Store, f: ExcerptFilter) -> tuple[list[tuple], list[tuple]] | None:
    """The branch ``f.codes``' passages by place and type, and by code (as ``branch_counts``
    gives them), from the tallies; None when ``f`` asks for more than codes and consents."""
    if not f.codes or f.indicator or f.record or f.locality or f.date_from or f.date_to:
        return None
    if f.coder or f.status:
        return None
    branch = sorted(set(f.codes))
    consents = list(f.consents)
    outside = "internal" not in consents
    attached = " AND attached = 1" if outside else ""
    per_code = store._aggregate(
        "SELECT code, locality, authority, type, sum(n), sum(records) FROM excerpt_tally "
        f"WHERE code IN ({_marks(branch)}) AND consent IN ({_marks(consents)}){attached} "
        "GROUP BY 1, 2, 3, 4 HAVING sum(n) != 0",
        [*branch, *consents],
    )
    groups: dict[Key, list[int]] = defaultdict(lambda: [0, 0])
    codes: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for code, locality, authority, type_, n, records in per_code:
        _add(groups[(locality, authority, type_)], n, records)
        _add(codes[(code, locality, authority)], n, records)
    shared = dict(store._aggregate(
        f"SELECT other, sum(n) FROM excerpt_pairs WHERE code IN ({_marks(branch)}) "
        f"AND other NOT IN ({_marks(branch)}) AND consent IN ({_marks(consents)}){attached} "
        "GROUP BY other",
        [*branch, *branch, *consents],
    ))  # fmt: skip
    if len(branch) > 1:
        sizes: dict[str, int] = defaultdict(int)
        for code, *_, n, _records in per_code:
            sizes[code] += n
        others = [c for c in branch if c != max(branch, key=lambda c: sizes[c])]
        _less_overlaps(store, f, branch, others, groups, shared)
    _attachments(store, f, branch, groups, codes, shared)
    rows = [(*key, n, records) for key, (n, records) in groups.items() if n]
    by_code = [(*key, n, records) for key, (n, records) in codes.items() if n]
    by_code += [(code, None, None, n, 0) for code, n in shared.items() if n]
    return rows, by_code


# Overlaps of a branch, remembered while none of its codes moves (a write elsewhere, or a
# passage coded with one code in a record that held it, leaves them be):
# (database, query, parameters) -> (the codes' changes, rows).
_OVERLAPS: dict[tuple, tuple[tuple, list[tuple]]] = {}
_OVERLAPS_MAX = 256


def _remembered(
    store: Store, branch: list[str], moved: str, sql: str, params: list[Any]
) -> list[tuple]:
    """Rows of an overlap query, counted again only after one of ``branch``'s codes
    ``moved`` (``code_changes.pairs`` or ``.links``, kept by the tallies' triggers)."""
    if store.conn.in_transaction:  # uncommitted rows must never be remembered
        return store.conn.execute(sql, params).fetchall()
    changes = tuple(store.conn.execute(
        f"SELECT code, {moved} FROM code_changes WHERE code IN ({_marks(branch)}) ORDER BY code",
        branch,
    ).fetchall())  # fmt: skip
    key = (str(store.path), sql, tuple(params))
    cached = _OVERLAPS.get(key)
    if cached is not None and cached[0] == changes:
        return cached[1]
    rows = store.conn.execute(sql, params).fetchall()
    if len(_OVERLAPS) >= _OVERLAPS_MAX:
        _OVERLAPS.clear()
    _OVERLAPS[key] = (changes, rows)
    return rows


def _add(counts: list[int], passages: int, records: int) -> None:
    counts[0] += passages
    counts[1] += records


def _less_overlaps(
    store: Store,
    f: ExcerptFilter,
    branch: list[str],
    others: list[str],
    groups: dict[Key, list[int]],
    shared: dict[str, int],
) -> None:
    """Take off what the tallies count more than once: a passage holding several of the
    branch's codes, and a record with passages of several (found from ``others``' postings).

    Both are read for every consent level and kept apart by it (and by whether a passage is
    attached), so the team's page and a reader's outside it share one reading of a branch."""
    consents = set(f.consents)
    outside = "internal" not in consents
    seen = "coalesce(r.locality, ''), coalesce(r.authority, ''), r.type"
    named = (
        "coalesce(r.locality, '') AS locality, coalesce(r.authority, '') AS authority, "
        "r.type AS type, r.consent AS consent, e.start IS NOT NULL AS attached"
    )
    # Each excerpt's links read once by its id (``+`` keeps SQLite off the codes' index).
    several = (
        f"SELECT e.id AS id, m.k AS k, {named} FROM (SELECT o.excerpt_id, "
        "count(*) AS k FROM (SELECT DISTINCT excerpt_id FROM excerpt_codes WHERE code_id IN "
        f"({_marks(others)})) o CROSS JOIN excerpt_codes x WHERE x.excerpt_id = o.excerpt_id "
        f"AND +x.code_id IN ({_marks(branch)}) GROUP BY o.excerpt_id HAVING count(*) > 1) m "
        "CROSS JOIN excerpts e CROSS JOIN records r WHERE e.id = m.excerpt_id "
        "AND r.id = e.record_id AND e.source = 'body' AND r.deleted_at IS NULL"
    )
    rows = _remembered(
        store,
        branch,
        "pairs",
        f"SELECT m.id, m.k, m.locality, m.authority, m.type, m.consent, m.attached, y.code_id "
        f"FROM ({several}) m LEFT JOIN excerpt_codes y ON y.excerpt_id = m.id "
        f"AND y.code_id NOT IN ({_marks(branch)})",
        [*others, *branch, *branch],
    )
    taken: set[str] = set()
    for excerpt_id, k, locality, authority, type_, consent, attached, other in rows:
        if consent not in consents or (outside and not attached):
            continue
        if excerpt_id not in taken:
            taken.add(excerpt_id)
            groups[(locality, authority, type_)][0] -= k - 1
        if other is not None:
            shared[other] = shared.get(other, 0) - (k - 1)
    # A record's links to the branch's codes (``n``: its passages; ``attached``: those a reader
    # outside the team sees, never more), counted both ways at once.
    rows = _remembered(
        store,
        branch,
        "links",
        f"SELECT {seen}, r.consent, sum(m.k - 1), sum(max(m.held - 1, 0)) FROM (SELECT "
        "o.record_id, count(*) AS k, sum(l.attached > 0) AS held FROM (SELECT DISTINCT "
        f"record_id FROM code_records WHERE code IN ({_marks(others)}) AND n > 0) o CROSS JOIN "
        "code_records l WHERE l.record_id = o.record_id "
        f"AND +l.code IN ({_marks(branch)}) AND l.n > 0 GROUP BY o.record_id "
        "HAVING count(*) > 1) m CROSS JOIN records r WHERE r.id = m.record_id "
        "AND r.deleted_at IS NULL GROUP BY 1, 2, 3, 4",
        [*others, *branch],
    )
    for locality, authority, type_, consent, extra, extra_attached in rows:
        if consent in consents:
            groups[(locality, authority, type_)][1] -= extra_attached if outside else extra


def _attachments(
    store: Store,
    f: ExcerptFilter,
    branch: list[str],
    groups: dict[Key, list[int]],
    codes: dict[tuple, list[int]],
    shared: dict[str, int],
) -> None:
    """Add the branch's passages of attachments the reader may see (the tallies hold the
    body's): each passage once, a record once per code and once in its place, unless its
    body's passages counted it already."""
    from .coding import _FROM_ATTACHMENTS, _OF_ATTACHMENTS, _where

    where, params = _where(replace(f, codes=None))
    rows = store._aggregate(
        "SELECT e.id, e.record_id, c.code_id, coalesce(r.locality, ''), "
        f"coalesce(r.authority, ''), r.type FROM {_FROM_ATTACHMENTS} ON r.id = e.record_id "
        f"JOIN excerpt_codes c ON c.excerpt_id = e.id WHERE {_OF_ATTACHMENTS} AND {where}",
        params,
    )
    on: dict[str, set[str]] = defaultdict(set)
    for excerpt_id, _, code, *_ in rows:
        on[excerpt_id].add(code)
    mine = set(branch)
    wanted = {row[0] for row in rows if on[row[0]] & mine}
    if not wanted:
        return
    records = sorted({row[1] for row in rows if row[0] in wanted})
    counted = "attached > 0" if "internal" not in f.consents else "n > 0"
    linked = {
        (code, record_id)
        for code, record_id in store.conn.execute(
            f"SELECT code, record_id FROM code_records WHERE record_id IN ({_marks(records)}) "
            f"AND code IN ({_marks(branch)}) AND {counted}",
            [*records, *branch],
        )
    }
    placed = {record_id for _, record_id in linked}
    passages: set[str] = set()
    for excerpt_id, record_id, code, locality, authority, type_ in rows:
        if excerpt_id not in wanted:
            continue
        if excerpt_id not in passages:
            passages.add(excerpt_id)
            _add(groups[(locality, authority, type_)], 1, record_id not in placed)
            placed.add(record_id)
        if code not in mine:
            shared[code] = shared.get(code, 0) + 1
            continue
        _add(codes[(code, locality, authority)], 1, (code, record_id) not in linked)
        linked.add((code, record_id))
