"""People named in the evidence: who they are, and every text that names one of them.

A person is the name a record or rating lists, every spelling of it folded to the same words
by the one name matcher (``names.same_person``). Their name is looked for in every text the
data dir holds (records and their revisions, saved learning updates, ratings, excerpts and
their memos, attachments, figures' notes, and in ``people_texts`` the stories' contacts,
invitations, Most Significant Change rounds, codes and the audit): where a text belongs to
something that lists them, every part of their name counts; elsewhere a part another listed
person also has (the first name of two Ailsas) does not, only the whole name and its glued
forms do.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .names import erasable, find_names, may_hold, may_hold_utf8, same_person

if TYPE_CHECKING:
    from .store import Store


@dataclass(frozen=True)
class Person:
    """One person: the spelling most used, every spelling, and how many records list them."""

    name: str
    spellings: list[str]
    records: int

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "spellings": self.spellings, "records": self.records}


@dataclass(frozen=True)
class Mention:
    """One text naming the person: what it belongs to, which field, and the text itself."""

    kind: str  # record, revision, learning_update, rating, excerpt, attachment, figure,
    # retention, story, invitation, msc, code, audit
    id: str
    field: str
    text: str
    where: str
    record_id: str | None = None
    listed: tuple[str, ...] = ()  # the people the text's record (or rating) lists

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "record_id": self.record_id,
                "field": self.field, "where": self.where, "text": self.text}  # fmt: skip


def _listed(store: Store) -> Iterator[tuple[str, str]]:
    """(name, record id) for every name a record or a rating lists (ratings as ``rating:N``)."""
    yield from store.conn.execute(
        "SELECT CAST(j.value AS TEXT), r.id FROM records r, json_each(r.people) j "
        "WHERE json_valid(r.people) AND r.type != 'learning_update'"
    )
    yield from store.conn.execute(
        "SELECT CAST(j.value AS TEXT), 'rating:' || r.id FROM ratings r, json_each(r.people) j "
        "WHERE json_valid(r.people)"
    )


def everyone(store: Store) -> list[Person]:
    """Every person named in the people of records and ratings, spellings grouped."""
    spellings: dict[tuple[str, ...], dict[str, int]] = {}
    records: dict[tuple[str, ...], set[str]] = {}
    for name, owner in _listed(store):
        key = same_person(name)
        if not key:
            continue
        used = spellings.setdefault(key, {})
        used[name] = used.get(name, 0) + 1
        if not owner.startswith("rating:"):
            records.setdefault(key, set()).add(owner)
    people = [
        Person(max(used, key=lambda s: (used[s], s)), sorted(used), len(records.get(key, ())))
        for key, used in spellings.items()
    ]
    return sorted(people, key=lambda p: (-p.records, p.name.casefold()))


@dataclass
class Scope:
    """The forms of one person's name to look for, text by text."""

    spellings: list[str]
    others: list[str]  # every other name listed anywhere
    _names: dict[tuple[str, ...], list[str]] = field(default_factory=dict)

    @property
    def widest(self) -> list[str]:
        """Every form looked for anywhere (the cheap test's words)."""
        return self.names_for(self.spellings)

    def lists_them(self, listed: tuple[str, ...] | list[str]) -> bool:
        keys = {same_person(s) for s in self.spellings}
        return any(same_person(p) in keys for p in listed)

    def names_for(self, listed: tuple[str, ...] | list[str]) -> list[str]:
        """The names to look for in a text whose record (or rating) lists ``listed``."""
        listed = tuple(listed)
        if listed not in self._names:
            keys = {same_person(s) for s in self.spellings}
            if any(same_person(p) in keys for p in listed):
                kept = [p for p in listed if same_person(p) not in keys]
            else:
                kept = [*self.others, *listed]
            self._names[listed] = erasable(self.spellings, kept)
        return self._names[listed]

    def finds(self, text: str, listed: tuple[str, ...] | list[str]) -> bool:
        return bool(text) and bool(find_names(text, self.names_for(listed)))


def scope(store: Store, name: str) -> Scope:
    """The person ``name`` stands for: every spelling listed anywhere, and everyone else."""
    key = same_person(name)
    spellings, others = {name: None}, {}
    for listed, _owner in _listed(store):
        if same_person(listed) == key:
            spellings[listed] = None
        else:
            others[listed] = None
    return Scope(list(spellings), list(others))


def strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """(field path, text) for every string in a record's value (lists and mappings too)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from strings(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from strings(v, f"{path}[{i}]")


RECORD_TEXTS = ("title", "body", "quotes", "fields", "people", "tags", "author")


def record_texts(data: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(field, text) for every text a record's data (as stored, or a revision) holds."""
    for key in RECORD_TEXTS:
        yield from strings(data.get(key), key)


def _row_data(row: tuple) -> dict[str, Any]:
    keys = ("id", "type", *RECORD_TEXTS)
    data = dict(zip(keys, row, strict=True))
    for key in ("quotes", "fields", "people", "tags"):
        data[key] = json.loads(data[key] or ("{}" if key == "fields" else "[]"))
    return data


def _kind(data: dict[str, Any]) -> str:
    return "learning_update" if data.get("type") == "learning_update" else "record"


def _in_record(scope: Scope, data: dict[str, Any], kind: str, rev: int | None) -> list[Mention]:
    listed = tuple(str(p) for p in data.get("people") or [])
    names = scope.names_for(listed)
    found = []
    for path, text in record_texts(data):
        if find_names(text, names):
            label = "saved learning update" if kind == "learning_update" else "record"
            where = f"{label} {data['id']}" + (f", revision {rev}" if rev else "")
            found.append(Mention("revision" if rev else kind, data["id"], path, text,
                                 f"{where}, {path}", data["id"], listed))  # fmt: skip
    return found


# A record's texts as one, for the cheap test: SQLite joins them and hands them over as
# UTF-8 bytes, unparsed and (when ASCII) undecoded; only the few that may hold the name are
# read as records (reading all 100,000 took most of a subject access's time).
_JOINED = " || char(10) || ".join(f"coalesce({c}, '')" for c in RECORD_TEXTS)
CHUNK = 500  # rowids a query asks for at once (SQLite allows 999 parameters at least)


def _records_that_may_hold(store: Store, names: list[str]) -> list[int]:
    """The rowids of the records whose texts may hold one of ``names`` (``may_hold``)."""
    rows = store.conn.execute(f"SELECT rowid, CAST({_JOINED} AS BLOB) FROM records ORDER BY rowid")
    return [rowid for rowid, text in rows if may_hold_utf8(text, names)]


def _chunks(items: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def in_records(store: Store, scope: Scope) -> tuple[list[Mention], dict[str, tuple[str, ...]]]:
    """Mentions in records, saved updates and their revisions; the people each record lists."""
    widest = scope.widest
    found: list[Mention] = []
    people: dict[str, tuple[str, ...]] = {}
    cols = ", ".join(RECORD_TEXTS)
    for rowids in _chunks(_records_that_may_hold(store, widest)):
        marks = ", ".join("?" * len(rowids))
        rows = store.conn.execute(
            f"SELECT id, type, {cols} FROM records WHERE rowid IN ({marks}) ORDER BY rowid",
            rowids,
        )
        for row in rows:
            data = _row_data(row)
            people[data["id"]] = tuple(str(p) for p in data["people"])
            found += _in_record(scope, data, _kind(data), None)
    revisions = store.conn.execute(
        "SELECT v.record_id, v.revision, CAST(v.data AS BLOB), r.type FROM revisions v "
        "JOIN records r ON r.id = v.record_id"
    )
    for record_id, rev, data, kind in revisions:
        if not may_hold_utf8(data, widest):
            continue
        old = json.loads(data)
        old.update(id=record_id, type=kind)
        found += _in_record(scope, old, _kind(old), rev)
    return found, people


def _people_of(conn: sqlite3.Connection, record_id: str) -> tuple[str, ...]:
    row = conn.execute("SELECT people FROM records WHERE id = ?", [record_id]).fetchone()
    return tuple(str(p) for p in json.loads(row[0] or "[]")) if row else ()


def in_ratings(store: Store, scope: Scope) -> list[Mention]:
    found = []
    rows = store.conn.execute("SELECT id, indicator, rationale, people FROM ratings")
    for rating_id, indicator, rationale, people in rows:
        listed = tuple(str(p) for p in json.loads(people or "[]"))
        where = f"rating {rating_id} of {indicator}"
        for path, text in (("rationale", rationale or ""), *strings(list(listed), "people")):
            if scope.finds(text, listed):
                found.append(Mention("rating", str(rating_id), path, text,
                                     f"{where}, {path}", None, listed))  # fmt: skip
    return found


def in_excerpts(store: Store, scope: Scope) -> list[Mention]:
    found = []
    rows = store.conn.execute(
        "SELECT id, record_id, source, text, prefix, suffix, coalesce(memo, '') FROM excerpts"
    )
    widest = scope.widest
    for excerpt_id, record_id, source, *texts in rows:
        if not may_hold(texts, widest):
            continue
        listed = _people_of(store.conn, record_id)
        for path, text in zip(("text", "prefix", "suffix", "memo"), texts, strict=True):
            if scope.finds(text, listed):
                where = f"passage {excerpt_id} of record {record_id} ({source}), {path}"
                found.append(Mention("excerpt", excerpt_id, path, text, where, record_id, listed))
    return found


def in_attachments(store: Store, scope: Scope) -> list[Mention]:
    found = []
    rows = store.conn.execute(
        "SELECT id, record_id, name, text, coalesce(note, '') FROM attachments"
    )
    widest = scope.widest
    for attachment_id, record_id, *texts in rows:
        if not may_hold(texts, widest):
            continue
        listed = _people_of(store.conn, record_id)
        for path, text in zip(("name", "text", "note"), texts, strict=True):
            if scope.finds(text, listed):
                where = f"attachment {attachment_id} of record {record_id}, {path}"
                found.append(Mention("attachment", attachment_id, path, text, where,
                                     record_id, listed))  # fmt: skip
    return found


def in_figures(store: Store, scope: Scope) -> list[Mention]:
    """Figures' notes and sources (where a figure came from may be a person), earlier values'
    too."""
    found = []
    rows = store.conn.execute(
        "SELECT id, 0, measure, coalesce(note, ''), source FROM figures UNION ALL "
        "SELECT figure_id, revision, '', coalesce(note, ''), coalesce(source, '') "
        "FROM figure_revisions"
    )
    for figure_id, rev, measure, *texts in rows:
        where = f"figure {figure_id} {measure}".strip() + (f", revision {rev}" if rev else "")
        for path, text in zip(("note", "source"), texts, strict=True):
            if text and scope.finds(text, ()):
                found.append(Mention("figure", str(figure_id), path, text, f"{where}, {path}"))
    return found


def in_kept_reasons(store: Store, scope: Scope) -> list[Mention]:
    """Why a record was kept past the retention period (an admin's words)."""
    found = []
    rows = store.conn.execute(
        "SELECT k.record_id, k.reason, r.people FROM retention_kept k "
        "JOIN records r ON r.id = k.record_id"
    )
    for record_id, reason, people in rows:
        listed = tuple(str(p) for p in json.loads(people or "[]"))
        if scope.finds(reason, listed):
            where = f"record {record_id}, why it is kept past the retention period"
            found.append(Mention("retention", record_id, "reason", reason, where, record_id,
                                 listed))  # fmt: skip
    return found


@dataclass
class Found:
    """Everything the data dir holds naming one person."""

    scope: Scope
    mentions: list[Mention]
    people: dict[str, tuple[str, ...]]  # records holding a mention: the people they list

    @property
    def records(self) -> list[str]:
        """The records (and saved updates) that name the person, by id."""
        ids = {m.record_id for m in self.mentions if m.record_id}
        return sorted(ids)

    def listing(self) -> list[str]:
        """The records that list the person in their people, and the stories they sent."""
        listed = {i for i, names in self.people.items() if self.scope.lists_them(names)}
        sent = {m.record_id for m in self.mentions if (m.kind, m.field) == ("story", "contact")}
        return sorted(listed | {i for i in sent if i})


def find(store: Store, name: str) -> Found:
    """Every text the data dir holds that names the person ``name`` stands for."""
    person = scope(store, name)
    mentions, people = in_records(store, person)
    from .people_texts import FINDERS  # (it builds on this module's Scope and Mention)

    for look in (in_ratings, in_excerpts, in_attachments, in_figures, in_kept_reasons, *FINDERS):
        mentions += look(store, person)
    return Found(person, mentions, people)
